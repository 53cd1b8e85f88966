//! The versioned schema: one SQL migration per version, applied in order
//! inside one transaction, with the version kept in `PRAGMA user_version` and
//! the file marked as ours by `PRAGMA application_id`.
//!
//! Adding version 2 is one more entry in [`MIGRATIONS`] (SQL that takes a v1
//! database to v2) plus its section in `docs/DATABASE.md`; never edit an
//! entry that has been released.

use std::path::Path;

use rusqlite::Connection;

use super::{StoreError, foreign_detail, sqlite_error};

/// `PRAGMA application_id` of every llm-arena database: `LLMA` in ASCII.
pub const APPLICATION_ID: i32 = 0x4C4C_4D41;

/// The schema version this build writes and reads.
pub const SCHEMA_VERSION: u32 = MIGRATIONS.len() as u32;

/// `MIGRATIONS[i]` takes a database from version `i` to version `i + 1`.
const MIGRATIONS: &[&str] = &[V1];

/// Version 1: runs, episodes, their players, moves and attempts.
const V1: &str = r#"
CREATE TABLE arena_meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE TABLE runs (
    run_id          TEXT PRIMARY KEY,
    started_at      TEXT NOT NULL,
    finished_at     TEXT,
    status          TEXT NOT NULL
                    CHECK (status IN ('running', 'completed', 'interrupted', 'failed')),
    config_yaml     TEXT NOT NULL,
    seed            TEXT NOT NULL,
    resume_count    INTEGER NOT NULL DEFAULT 0,
    last_resumed_at TEXT
);

CREATE TABLE episodes (
    episode_id    TEXT PRIMARY KEY,
    run_id        TEXT NOT NULL REFERENCES runs (run_id),
    game          TEXT NOT NULL,
    game_params   TEXT NOT NULL CHECK (json_valid(game_params)),
    env_index     INTEGER NOT NULL CHECK (env_index >= 0),
    episode_index INTEGER NOT NULL CHECK (episode_index >= 0),
    seed          TEXT NOT NULL,
    status        TEXT NOT NULL
                  CHECK (status IN ('running', 'completed', 'truncated', 'forfeit',
                                    'aborted', 'interrupted')),
    reason        TEXT,
    started_at    TEXT NOT NULL,
    finished_at   TEXT
);
CREATE INDEX episodes_by_run ON episodes (run_id, env_index, episode_index);
CREATE INDEX episodes_by_game ON episodes (game);

CREATE TABLE episode_players (
    episode_id TEXT NOT NULL REFERENCES episodes (episode_id),
    seat       INTEGER NOT NULL CHECK (seat >= 0),
    agent      TEXT NOT NULL,
    model      TEXT,
    "return"   INTEGER,
    outcome    TEXT CHECK (outcome IN ('win', 'loss', 'draw')),
    PRIMARY KEY (episode_id, seat)
);
CREATE INDEX episode_players_by_agent ON episode_players (agent);

CREATE TABLE moves (
    episode_id        TEXT NOT NULL REFERENCES episodes (episode_id),
    ply               INTEGER NOT NULL CHECK (ply >= 0),
    seat              INTEGER CHECK (seat >= 0),
    actor             TEXT NOT NULL,
    action            TEXT NOT NULL,
    observation       TEXT NOT NULL,
    prompt            TEXT,
    raw_response      TEXT,
    reasoning         TEXT,
    thinking          TEXT,
    parse_status      TEXT NOT NULL,
    attempts          INTEGER NOT NULL CHECK (attempts >= 0),
    latency_ms        REAL,
    prompt_tokens     INTEGER,
    completion_tokens INTEGER,
    reasoning_tokens  INTEGER,
    cost_usd          REAL,
    metadata          TEXT CHECK (metadata IS NULL OR json_valid(metadata)),
    state_after       TEXT NOT NULL,
    created_at        TEXT NOT NULL,
    PRIMARY KEY (episode_id, ply),
    CHECK (seat IS NOT NULL OR actor = 'chance')
);

CREATE TABLE attempts (
    episode_id        TEXT NOT NULL REFERENCES episodes (episode_id),
    ply               INTEGER NOT NULL CHECK (ply >= 0),
    seat              INTEGER NOT NULL CHECK (seat >= 0),
    agent             TEXT NOT NULL,
    attempt           INTEGER NOT NULL CHECK (attempt >= 1),
    status            TEXT NOT NULL,
    prompt            TEXT,
    raw_response      TEXT,
    move_text         TEXT,
    reasoning         TEXT,
    thinking          TEXT,
    error             TEXT,
    latency_ms        REAL,
    prompt_tokens     INTEGER,
    completion_tokens INTEGER,
    reasoning_tokens  INTEGER,
    cost_usd          REAL,
    metadata          TEXT NOT NULL CHECK (json_valid(metadata)),
    created_at        TEXT NOT NULL,
    PRIMARY KEY (episode_id, ply, seat, attempt)
);
CREATE INDEX attempts_by_agent_status ON attempts (agent, status);

CREATE VIEW rejected_attempts AS
    SELECT * FROM attempts WHERE status <> 'parsed';
"#;

/// Brings the database to [`SCHEMA_VERSION`] inside one `BEGIN IMMEDIATE`
/// transaction, checking again, under the write lock, that the file is ours
/// (or empty) and not newer. On any error nothing is changed.
pub(crate) fn migrate(conn: &Connection, path: &Path) -> Result<(), StoreError> {
    let err = |e| sqlite_error(path, "cannot set up the schema", e);
    conn.execute_batch("BEGIN IMMEDIATE").map_err(err)?;
    let result = migrate_locked(conn, path);
    let end = if result.is_ok() { "COMMIT" } else { "ROLLBACK" };
    let ended = conn.execute_batch(end).map_err(err);
    result.and(ended)
}

fn migrate_locked(conn: &Connection, path: &Path) -> Result<(), StoreError> {
    let err = |e| sqlite_error(path, "cannot set up the schema", e);
    let app: i32 = conn
        .pragma_query_value(None, "application_id", |r| r.get(0))
        .map_err(err)?;
    let version: i64 = conn
        .pragma_query_value(None, "user_version", |r| r.get(0))
        .map_err(err)?;
    let version = u32::try_from(version).unwrap_or(u32::MAX);
    if app != APPLICATION_ID {
        let mut stmt = conn
            .prepare(
                "SELECT type || ' ' || name FROM sqlite_schema
                 WHERE name NOT LIKE 'sqlite_%' ORDER BY type DESC, name",
            )
            .map_err(err)?;
        let objects = stmt
            .query_map([], |r| r.get(0))
            .map_err(err)?
            .collect::<rusqlite::Result<Vec<String>>>()
            .map_err(err)?;
        if app != 0 || version != 0 || !objects.is_empty() {
            return Err(StoreError::Foreign {
                path: path.into(),
                detail: foreign_detail(app, &objects),
            });
        }
    }
    if version > SCHEMA_VERSION {
        return Err(StoreError::NewerSchema {
            path: path.into(),
            found: version,
            known: SCHEMA_VERSION,
        });
    }
    if version == SCHEMA_VERSION {
        return Ok(());
    }
    for (from, sql) in MIGRATIONS.iter().enumerate().skip(version as usize) {
        conn.execute_batch(sql).map_err(|e| {
            sqlite_error(
                path,
                &format!("cannot migrate the schema from v{from} to v{}", from + 1),
                e,
            )
        })?;
    }
    conn.pragma_update(None, "application_id", APPLICATION_ID)
        .map_err(err)?;
    conn.pragma_update(None, "user_version", SCHEMA_VERSION)
        .map_err(err)?;
    conn.execute(
        "INSERT OR IGNORE INTO arena_meta (key, value) VALUES ('created_by', ?1)",
        [concat!("llm-arena ", env!("CARGO_PKG_VERSION"))],
    )
    .map_err(err)?;
    Ok(())
}
