//! Exporting a table of the record as JSON Lines or CSV, for pandas and
//! notebooks. Rows stream from SQLite to the writer, so memory stays flat
//! however large the database.
//!
//! Every export table is flat and has the same columns in both formats.
//! `moves`, `attempts` and `players` rows carry their episode's `run_id` and
//! `game` so that one file is enough to group by. In JSON Lines a missing value
//! is `null` and the JSON columns (`game_params`, `metadata`) are nested
//! objects; in CSV a missing value is an empty field and JSON columns hold
//! JSON text. Seeds are decimal text in both (they are unsigned 64-bit).

use std::fmt;
use std::io::Write;
use std::str::FromStr;

use rusqlite::types::ValueRef;

use super::{Store, StoreError, sqlite_error};

/// The file format of an export.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExportFormat {
    /// One JSON object per line.
    Jsonl,
    /// Comma-separated values with a header line.
    Csv,
}

/// Which rows an export writes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExportTable {
    /// One row per applied action (`moves`), in play order.
    Moves,
    /// One row per episode (`episodes`).
    Episodes,
    /// One row per seat of an episode (`episode_players`), with the
    /// episode's status: what win rates are computed from.
    Players,
    /// One row per attempt, accepted or rejected (`attempts`).
    Attempts,
}

impl ExportFormat {
    /// Every format.
    pub const ALL: [ExportFormat; 2] = [ExportFormat::Jsonl, ExportFormat::Csv];

    /// The name used on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            ExportFormat::Jsonl => "jsonl",
            ExportFormat::Csv => "csv",
        }
    }
}

impl ExportTable {
    /// Every table.
    pub const ALL: [ExportTable; 4] = [
        ExportTable::Moves,
        ExportTable::Episodes,
        ExportTable::Players,
        ExportTable::Attempts,
    ];

    /// The name used on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            ExportTable::Moves => "moves",
            ExportTable::Episodes => "episodes",
            ExportTable::Players => "players",
            ExportTable::Attempts => "attempts",
        }
    }

    /// The query, filtered on `?1` when it is not NULL, in a stable order.
    fn sql(self) -> &'static str {
        match self {
            ExportTable::Moves => {
                "SELECT e.run_id, e.game, m.episode_id, m.ply, m.seat, m.actor, m.action,
                     m.observation, m.prompt, m.raw_response, m.reasoning, m.thinking,
                     m.parse_status, m.attempts, m.latency_ms, m.prompt_tokens,
                     m.completion_tokens, m.reasoning_tokens, m.cost_usd, m.metadata,
                     m.state_after, m.created_at
                 FROM episodes e JOIN moves m ON m.episode_id = e.episode_id
                 WHERE ?1 IS NULL OR e.run_id = ?1
                 ORDER BY e.run_id, e.env_index, e.episode_index, e.episode_id, m.ply"
            }
            ExportTable::Episodes => {
                "SELECT e.run_id, e.episode_id, e.game, e.game_params, e.env_index,
                     e.episode_index, e.seed, e.status, e.reason, e.started_at, e.finished_at
                 FROM episodes e
                 WHERE ?1 IS NULL OR e.run_id = ?1
                 ORDER BY e.run_id, e.env_index, e.episode_index, e.episode_id"
            }
            ExportTable::Players => {
                r#"SELECT e.run_id, e.game, p.episode_id, e.status AS episode_status, p.seat,
                     p.agent, p.model, p."return", p.outcome
                 FROM episodes e JOIN episode_players p ON p.episode_id = e.episode_id
                 WHERE ?1 IS NULL OR e.run_id = ?1
                 ORDER BY e.run_id, e.env_index, e.episode_index, e.episode_id, p.seat"#
            }
            ExportTable::Attempts => {
                "SELECT e.run_id, e.game, a.episode_id, a.ply, a.seat, a.agent, a.attempt,
                     a.status, a.prompt, a.raw_response, a.move_text, a.reasoning,
                     a.thinking, a.error, a.latency_ms, a.prompt_tokens, a.completion_tokens,
                     a.reasoning_tokens, a.cost_usd, a.metadata, a.created_at
                 FROM episodes e JOIN attempts a ON a.episode_id = e.episode_id
                 WHERE ?1 IS NULL OR e.run_id = ?1
                 ORDER BY e.run_id, e.env_index, e.episode_index, e.episode_id, a.ply, a.seat,
                     a.attempt"
            }
        }
    }

    /// The columns that hold JSON text.
    fn is_json_column(self, name: &str) -> bool {
        matches!(
            (self, name),
            (ExportTable::Episodes, "game_params")
                | (ExportTable::Attempts, "metadata")
                | (ExportTable::Moves, "metadata")
        )
    }
}

/// An export format or table name that is not known.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("unknown export {kind} {given:?}; choose one of {choices}")]
pub struct UnknownExportName {
    kind: &'static str,
    given: String,
    choices: String,
}

impl FromStr for ExportFormat {
    type Err = UnknownExportName;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        ExportFormat::ALL
            .into_iter()
            .find(|f| f.as_str() == s)
            .ok_or_else(|| UnknownExportName {
                kind: "format",
                given: s.into(),
                choices: ExportFormat::ALL.map(|f| f.as_str()).join(", "),
            })
    }
}

impl FromStr for ExportTable {
    type Err = UnknownExportName;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        ExportTable::ALL
            .into_iter()
            .find(|t| t.as_str() == s)
            .ok_or_else(|| UnknownExportName {
                kind: "table",
                given: s.into(),
                choices: ExportTable::ALL.map(|t| t.as_str()).join(", "),
            })
    }
}

impl fmt::Display for ExportFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Display for ExportTable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Writes `table` of one run (or of every run when `run_id` is `None`) to
/// `out` in `format`, and returns how many rows were written.
///
/// An unknown `run_id` is an error ([`StoreError::UnknownRun`]) rather than
/// an empty file.
pub fn export(
    store: &Store,
    run_id: Option<&str>,
    format: ExportFormat,
    table: ExportTable,
    out: &mut dyn Write,
) -> Result<u64, StoreError> {
    if let Some(run_id) = run_id {
        store.require_run(run_id)?;
    }
    let context = format!("cannot export {table}");
    let err = |e| sqlite_error(&store.path, &context, e);
    let mut stmt = store.conn.prepare(table.sql()).map_err(err)?;
    let columns: Vec<String> = stmt.column_names().into_iter().map(String::from).collect();
    let mut rows = stmt.query([run_id]).map_err(err)?;
    let mut count = 0u64;
    match format {
        ExportFormat::Jsonl => {
            let mut line = String::new();
            while let Some(row) = rows.next().map_err(err)? {
                line.clear();
                line.push('{');
                for (i, name) in columns.iter().enumerate() {
                    if i > 0 {
                        line.push(',');
                    }
                    line.push_str(&json_string(name));
                    line.push(':');
                    let value = row.get_ref(i).map_err(err)?;
                    line.push_str(&json_value(store, table, name, value)?);
                }
                line.push_str("}\n");
                out.write_all(line.as_bytes()).map_err(StoreError::Export)?;
                count += 1;
            }
        }
        ExportFormat::Csv => {
            let mut csv = csv::Writer::from_writer(out);
            csv.write_record(&columns).map_err(csv_error)?;
            let mut record: Vec<String> = Vec::with_capacity(columns.len());
            while let Some(row) = rows.next().map_err(err)? {
                record.clear();
                for (i, name) in columns.iter().enumerate() {
                    let value = row.get_ref(i).map_err(err)?;
                    record.push(csv_value(store, name, value)?);
                }
                csv.write_record(&record).map_err(csv_error)?;
                count += 1;
            }
            csv.flush().map_err(StoreError::Export)?;
        }
    }
    Ok(count)
}

fn json_string(s: &str) -> String {
    serde_json::Value::from(s).to_string()
}

fn json_value(
    store: &Store,
    table: ExportTable,
    column: &str,
    value: ValueRef<'_>,
) -> Result<String, StoreError> {
    Ok(match value {
        ValueRef::Null => "null".into(),
        ValueRef::Integer(i) => i.to_string(),
        ValueRef::Real(f) => serde_json::Number::from_f64(f)
            .map(|n| n.to_string())
            .unwrap_or_else(|| "null".into()),
        ValueRef::Text(t) => {
            let text = text(store, column, t)?;
            if table.is_json_column(column) {
                let parsed: serde_json::Value =
                    serde_json::from_str(text).map_err(|e| StoreError::Corrupt {
                        path: store.path.clone(),
                        message: format!("{column} is not JSON: {e}"),
                    })?;
                parsed.to_string()
            } else {
                json_string(text)
            }
        }
        ValueRef::Blob(_) => return Err(blob(store, column)),
    })
}

fn csv_value(store: &Store, column: &str, value: ValueRef<'_>) -> Result<String, StoreError> {
    Ok(match value {
        ValueRef::Null => String::new(),
        ValueRef::Integer(i) => i.to_string(),
        ValueRef::Real(f) => f.to_string(),
        ValueRef::Text(t) => text(store, column, t)?.to_string(),
        ValueRef::Blob(_) => return Err(blob(store, column)),
    })
}

fn text<'a>(store: &Store, column: &str, bytes: &'a [u8]) -> Result<&'a str, StoreError> {
    std::str::from_utf8(bytes).map_err(|_| StoreError::Corrupt {
        path: store.path.clone(),
        message: format!("{column} holds text that is not UTF-8"),
    })
}

fn blob(store: &Store, column: &str) -> StoreError {
    StoreError::Corrupt {
        path: store.path.clone(),
        message: format!("{column} holds binary data where text or a number belongs"),
    }
}

fn csv_error(e: csv::Error) -> StoreError {
    StoreError::Export(e.into())
}
