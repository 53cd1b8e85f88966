//! The SQLite record of runs: one database file holds any number of runs,
//! their episodes, every applied action and every attempt at a decision.
//!
//! - [`Store`] opens (or creates) a database, refuses files that are not an
//!   llm-arena record or that a newer build wrote, and migrates older ones.
//!   Nothing is written to a file before it is known to be ours.
//! - [`Writer`] runs the single writer thread: episodes on many tasks send
//!   [`Event`](crate::record::Event)s through cloned [`WriterHandle`]s, and the
//!   thread applies them in order, committing in batches. [`SqliteSink`] is
//!   the same recorder without a thread, for single-threaded callers.
//! - The read API on [`Store`] (`runs`, `episodes`, `moves`, …) serves resume,
//!   replay, export and summaries; [`export`] writes a table as JSONL or CSV.
//!
//! The schema is documented for researchers in `docs/DATABASE.md`.
//!
//! Crash safety: the database is in WAL mode with `synchronous=NORMAL`, so a
//! process killed at any instant (even `kill -9`) leaves every committed batch
//! and nothing of an uncommitted one. An episode only becomes final with its
//! `EpisodeFinished` event, so an episode cut short stays `running` and a
//! resumed run plays it again from scratch (its partial record is replaced).
//!
//! Shards (several processes running disjoint parts of one run, each with its
//! own database) can be merged on the same ground: an episode's id
//! (`<run_id>/<env_index>/<episode_index>`) is deterministic, its rows in
//! `moves`, `attempts` and `episode_players` hang off that id, and only a
//! final status makes it a result. A merge copies each episode that is final
//! in a shard and missing (or not final) in the target, with its rows, and
//! skips one already final there ([`Store::merge_from`], `merge.rs`).

mod export;
mod merge;
mod queries;
mod schema;
mod writer;

use std::fs::{self, File};
use std::io::{self, Read};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use rusqlite::{Connection, ErrorCode, OpenFlags};

use crate::record::{EpisodeStatus, RunStatus};

pub use export::{ExportFormat, ExportTable, UnknownExportName, export};
pub use merge::MergeStats;
pub use queries::{DecisionRow, EpisodeCountRow, EpisodeRow, PlayerRow, RunRow};
pub use schema::{APPLICATION_ID, SCHEMA_VERSION};
pub use writer::{SqliteSink, Writer, WriterHandle, WriterOptions};

/// The episode statuses that are results: an episode with one of them is
/// never played again, not even by a resumed run. `aborted`, `interrupted`
/// and `running` episodes are re-played from scratch on resume.
pub const FINAL_EPISODE_STATUSES: [EpisodeStatus; 3] = [
    EpisodeStatus::Completed,
    EpisodeStatus::Truncated,
    EpisodeStatus::Forfeit,
];

/// How long a connection waits for another process's lock before failing.
const BUSY_TIMEOUT: Duration = Duration::from_secs(10);

/// Everything that can go wrong opening, writing or reading a record.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// The directory for a new database could not be created.
    #[error("cannot create the directory {} for the database {}", dir.display(), path.display())]
    CreateDir {
        /// The database file.
        path: PathBuf,
        /// The directory that could not be created.
        dir: PathBuf,
        /// Why.
        #[source]
        source: io::Error,
    },
    /// The database file could not be read at all.
    #[error("cannot read {}", path.display())]
    Read {
        /// The database file.
        path: PathBuf,
        /// Why.
        #[source]
        source: io::Error,
    },
    /// The location does not allow writing (a read-only file, directory or
    /// file system).
    #[error(
        "cannot write the database {}: {reason}; choose a writable location (log.db)",
        path.display()
    )]
    ReadOnly {
        /// The database file.
        path: PathBuf,
        /// What is read-only, in words.
        reason: String,
    },
    /// A merge was refused; nothing was written.
    #[error("cannot merge into {}: {message}; nothing was written", path.display())]
    Merge {
        /// The target database.
        path: PathBuf,
        /// Why.
        message: String,
    },
    /// The file is not an SQLite database. It was left untouched.
    #[error(
        "{} is not an SQLite database ({detail}); it was left untouched: \
         point --db (or log.db) at a new file or at an llm-arena database",
        path.display()
    )]
    NotSqlite {
        /// The file.
        path: PathBuf,
        /// What it is instead, in words.
        detail: String,
    },
    /// The file is an SQLite database of some other program. It was left
    /// untouched.
    #[error(
        "{} is an SQLite database but not an llm-arena record ({detail}); it was left \
         untouched: point --db (or log.db) at a new file or at an llm-arena database",
        path.display()
    )]
    Foreign {
        /// The file.
        path: PathBuf,
        /// What it holds instead (its tables).
        detail: String,
    },
    /// The database was written by a newer llm-arena. It was left untouched.
    #[error(
        "{} was written by a newer llm-arena (schema v{found}; this build knows up to \
         v{known}); upgrade llm-arena to use it",
        path.display()
    )]
    NewerSchema {
        /// The file.
        path: PathBuf,
        /// Its schema version.
        found: u32,
        /// The newest version this build knows.
        known: u32,
    },
    /// A read-only open found an older schema that needs migrating first.
    #[error(
        "{} has schema v{found}, older than this build's v{known}; run any command that \
         writes to it (a run or a resume) once to migrate it",
        path.display()
    )]
    OlderSchema {
        /// The file.
        path: PathBuf,
        /// Its schema version.
        found: u32,
        /// The version this build reads.
        known: u32,
    },
    /// A read-only open of a file that does not exist.
    #[error("the database {} does not exist", path.display())]
    NotFound {
        /// The file.
        path: PathBuf,
    },
    /// A read-only open of an empty file (or an SQLite database with nothing
    /// in it): no run was ever recorded there.
    #[error(
        "the database {} is empty: no run has been recorded in it; point --db at the \
         database a run wrote",
        path.display()
    )]
    Empty {
        /// The file.
        path: PathBuf,
    },
    /// The path goes through a regular file as if it were a directory
    /// (`notes.txt/arena.db`).
    #[error(
        "cannot use {} as a database: {} is a file, not a directory; choose a path in a \
         directory (--db or log.db)",
        path.display(),
        file.display()
    )]
    NotADirectory {
        /// The database path.
        path: PathBuf,
        /// The file in the way.
        file: PathBuf,
    },
    /// An event that does not fit the record (a driver bug, or a resume of
    /// something that is not there). Nothing of the event was written.
    #[error("cannot record this in {}: {message}", path.display())]
    InvalidEvent {
        /// The database file.
        path: PathBuf,
        /// What is wrong with the event.
        message: String,
    },
    /// A run id that is not in the database.
    #[error("there is no run {run_id:?} in {}", path.display())]
    UnknownRun {
        /// The database file.
        path: PathBuf,
        /// The run asked for.
        run_id: String,
    },
    /// A stored value that this build cannot read back (edited by hand?).
    #[error("{} holds an unreadable value: {message}", path.display())]
    Corrupt {
        /// The database file.
        path: PathBuf,
        /// Which value and why.
        message: String,
    },
    /// SQLite reported an error.
    #[error("{context} ({})", path.display())]
    Sqlite {
        /// The database file.
        path: PathBuf,
        /// What was being done.
        context: String,
        /// SQLite's error.
        #[source]
        source: rusqlite::Error,
    },
    /// The writer thread stopped after an error; nothing sent after that error
    /// was written. The source is the original error.
    #[error("the record writer for {} stopped after an error", path.display())]
    WriterFailed {
        /// The database file.
        path: PathBuf,
        /// The error that stopped it.
        #[source]
        source: Arc<StoreError>,
    },
    /// The writer thread could not be started.
    #[error("cannot start the record writer thread")]
    WriterStart(#[source] io::Error),
    /// The writer thread was closed (or is gone) and takes no more events.
    #[error("the record writer for {} is closed", path.display())]
    WriterClosed {
        /// The database file.
        path: PathBuf,
    },
    /// Writing an export failed.
    #[error("cannot write the export")]
    Export(#[source] io::Error),
}

/// An open llm-arena database: the connection, and the read API.
///
/// ```
/// # fn main() -> Result<(), arena_runner::store::StoreError> {
/// # let dir = tempfile::tempdir().unwrap();
/// use arena_runner::store::Store;
/// let store = Store::open(dir.path().join("results/arena.db"))?;
/// assert!(store.runs()?.is_empty());
/// # Ok(()) }
/// ```
#[derive(Debug)]
pub struct Store {
    conn: Connection,
    path: PathBuf,
}

impl Store {
    /// Opens the database at `path` for reading and writing, creating it and
    /// its parent directories when missing, and migrating an older schema.
    ///
    /// Refuses, without changing a byte: a file that is not SQLite, an SQLite
    /// database of another program, and a database of a newer llm-arena.
    pub fn open(path: impl AsRef<Path>) -> Result<Store, StoreError> {
        let path = path.as_ref().to_path_buf();
        match inspect(&path)? {
            Existing::Missing => create_parent(&path)?,
            Existing::Blank => {}
            Existing::Ours { version } => check_not_newer(&path, version)?,
        }
        let flags = OpenFlags::SQLITE_OPEN_READ_WRITE
            | OpenFlags::SQLITE_OPEN_CREATE
            | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let conn = Connection::open_with_flags(&path, flags)
            .map_err(|e| sqlite_error(&path, "cannot open the database", e))?;
        if conn.is_readonly("main").unwrap_or(false) {
            return Err(StoreError::ReadOnly {
                path,
                reason: "the file is read-only".into(),
            });
        }
        let store = Store { conn, path };
        store.configure(true)?;
        schema::migrate(&store.conn, &store.path)?;
        Ok(store)
    }

    /// Opens an existing database for reading only (replay, export, reports).
    /// Never creates, migrates or writes; the file must be an llm-arena
    /// database of this build's schema version.
    pub fn open_read_only(path: impl AsRef<Path>) -> Result<Store, StoreError> {
        let path = path.as_ref().to_path_buf();
        let version = match inspect(&path)? {
            Existing::Missing => return Err(StoreError::NotFound { path }),
            Existing::Blank => return Err(StoreError::Empty { path }),
            Existing::Ours { version } => version,
        };
        check_not_newer(&path, version)?;
        if version < SCHEMA_VERSION {
            return Err(StoreError::OlderSchema {
                path,
                found: version,
                known: SCHEMA_VERSION,
            });
        }
        let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let conn = Connection::open_with_flags(&path, flags)
            .map_err(|e| sqlite_error(&path, "cannot open the database", e))?;
        let store = Store { conn, path };
        store.configure(false)?;
        Ok(store)
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The schema version of the file (`PRAGMA user_version`).
    pub fn schema_version(&self) -> Result<u32, StoreError> {
        let v: i64 = self
            .conn
            .pragma_query_value(None, "user_version", |r| r.get(0))
            .map_err(|e| sqlite_error(&self.path, "cannot read the schema version", e))?;
        Ok(u32::try_from(v).unwrap_or(u32::MAX))
    }

    /// Runs SQLite's `integrity_check` and `foreign_key_check`; returns the
    /// problems found (empty when the database is sound).
    pub fn integrity_check(&self) -> Result<Vec<String>, StoreError> {
        let err = |e| sqlite_error(&self.path, "cannot check the database", e);
        let mut problems = Vec::new();
        let mut stmt = self.conn.prepare("PRAGMA integrity_check").map_err(err)?;
        let rows = stmt.query_map([], |r| r.get::<_, String>(0)).map_err(err)?;
        for row in rows {
            let row = row.map_err(err)?;
            if row != "ok" {
                problems.push(row);
            }
        }
        let mut stmt = self.conn.prepare("PRAGMA foreign_key_check").map_err(err)?;
        let rows = stmt
            .query_map([], |r| {
                Ok(format!(
                    "a row of {} (rowid {:?}) refers to a missing row of {}",
                    r.get::<_, String>(0)?,
                    r.get::<_, Option<i64>>(1)?,
                    r.get::<_, String>(2)?
                ))
            })
            .map_err(err)?;
        for row in rows {
            problems.push(row.map_err(err)?);
        }
        Ok(problems)
    }

    /// Runs `read` inside one read transaction, so that every query it makes
    /// sees the same state of the file even while another process writes
    /// to it (a WAL reader keeps the snapshot its transaction started on).
    pub fn read_transaction<T>(&self, read: impl FnOnce(&Store) -> T) -> Result<T, StoreError> {
        let err = |e| sqlite_error(&self.path, "cannot start a read transaction", e);
        self.conn.execute_batch("BEGIN DEFERRED").map_err(err)?;
        let out = read(self);
        // Only reads happened: ending the transaction cannot lose anything.
        self.conn.execute_batch("COMMIT").map_err(err)?;
        Ok(out)
    }

    /// Sets the connection's pragmas. `write` switches the file to WAL.
    fn configure(&self, write: bool) -> Result<(), StoreError> {
        let err = |e| sqlite_error(&self.path, "cannot configure the database", e);
        self.conn.busy_timeout(BUSY_TIMEOUT).map_err(err)?;
        self.conn
            .pragma_update(None, "foreign_keys", true)
            .map_err(err)?;
        if write {
            let mode: String = self
                .conn
                .pragma_update_and_check(None, "journal_mode", "WAL", |r| r.get(0))
                .map_err(err)?;
            if !mode.eq_ignore_ascii_case("wal") {
                return Err(StoreError::ReadOnly {
                    path: self.path.clone(),
                    reason: format!("SQLite cannot use write-ahead logging here (mode {mode})"),
                });
            }
            self.conn
                .pragma_update(None, "synchronous", "NORMAL")
                .map_err(err)?;
        }
        Ok(())
    }
}

/// What an existing path holds, judged without writing to it.
enum Existing {
    /// Nothing: a new database will be created.
    Missing,
    /// An empty file, or an SQLite database with nothing in it.
    Blank,
    /// An llm-arena database with this schema version.
    Ours { version: u32 },
}

/// The first 16 bytes of every SQLite database file.
const SQLITE_MAGIC: &[u8; 16] = b"SQLite format 3\0";

/// Judges what `path` holds, reading only: the file header, then SQLite's own
/// view through a read-only connection. `schema::migrate` checks again under
/// the write lock before it writes anything.
fn inspect(path: &Path) -> Result<Existing, StoreError> {
    let mut file = match File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Existing::Missing),
        Err(e) if e.kind() == io::ErrorKind::NotADirectory => {
            if let Some(file) = path.parent().and_then(file_in_the_way) {
                return Err(StoreError::NotADirectory {
                    path: path.into(),
                    file,
                });
            }
            return Err(StoreError::Read {
                path: path.into(),
                source: e,
            });
        }
        Err(e) => {
            return Err(StoreError::Read {
                path: path.into(),
                source: e,
            });
        }
    };
    let not_sqlite = |detail: &str| StoreError::NotSqlite {
        path: path.into(),
        detail: detail.into(),
    };
    if file.metadata().map(|m| m.is_dir()).unwrap_or(false) {
        return Err(not_sqlite("it is a directory"));
    }
    let mut header = Vec::with_capacity(100);
    (&mut file)
        .take(100)
        .read_to_end(&mut header)
        .map_err(|e| StoreError::Read {
            path: path.into(),
            source: e,
        })?;
    drop(file);
    if header.is_empty() {
        return Ok(Existing::Blank);
    }
    if header.len() < 100 || !header.starts_with(SQLITE_MAGIC) {
        return Err(not_sqlite("its header is not SQLite's"));
    }
    // A non-empty write-ahead log may hold committed transactions that the
    // main file does not have yet; only a normal (read-only) connection reads
    // them. Without one, `immutable` keeps SQLite from creating any file.
    let wal = wal_path(path);
    let has_wal = fs::metadata(&wal).map(|m| m.len() > 0).unwrap_or(false);
    let opened = if has_wal {
        Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
    } else {
        open_immutable(path)
    };
    // The header is SQLite's from here on: what SQLite cannot read is a
    // database that was damaged or cut short.
    let unreadable = "it has SQLite's header, but SQLite cannot read it: damaged or cut short";
    let conn = opened.map_err(|e| match e.sqlite_error_code() {
        Some(ErrorCode::NotADatabase) => not_sqlite(unreadable),
        _ => sqlite_error(path, "cannot read the database", e),
    })?;
    let query = || -> rusqlite::Result<(i32, i64, Vec<String>)> {
        let app: i32 = conn.pragma_query_value(None, "application_id", |r| r.get(0))?;
        let version: i64 = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
        let mut stmt = conn.prepare(
            "SELECT type || ' ' || name FROM sqlite_schema
             WHERE name NOT LIKE 'sqlite_%' ORDER BY type DESC, name",
        )?;
        let objects = stmt
            .query_map([], |r| r.get(0))?
            .collect::<rusqlite::Result<Vec<String>>>()?;
        Ok((app, version, objects))
    };
    let (app, version, objects) = query().map_err(|e| match e.sqlite_error_code() {
        Some(ErrorCode::NotADatabase | ErrorCode::DatabaseCorrupt) => not_sqlite(unreadable),
        _ => sqlite_error(path, "cannot read the database", e),
    })?;
    let version = u32::try_from(version).unwrap_or(u32::MAX);
    if app == APPLICATION_ID {
        Ok(Existing::Ours { version })
    } else if app == 0 && version == 0 && objects.is_empty() {
        Ok(Existing::Blank)
    } else {
        Err(StoreError::Foreign {
            path: path.into(),
            detail: foreign_detail(app, &objects),
        })
    }
}

/// The write-ahead log next to a database: `<path>-wal`.
fn wal_path(path: &Path) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push("-wal");
    PathBuf::from(name)
}

/// Opens `path` through SQLite's `immutable` URI parameter: read-only, no
/// locks, no journal recovery, no `-wal`/`-shm` files.
fn open_immutable(path: &Path) -> rusqlite::Result<Connection> {
    let mut uri = String::from("file:");
    for c in path.to_string_lossy().chars() {
        match c {
            '%' => uri.push_str("%25"),
            '?' => uri.push_str("%3f"),
            '#' => uri.push_str("%23"),
            c => uri.push(c),
        }
    }
    uri.push_str("?immutable=1");
    Connection::open_with_flags(
        uri,
        OpenFlags::SQLITE_OPEN_READ_ONLY
            | OpenFlags::SQLITE_OPEN_URI
            | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
}

/// Describes a foreign database for the error message.
pub(crate) fn foreign_detail(app: i32, objects: &[String]) -> String {
    let mut detail = if objects.is_empty() {
        "it holds no tables".to_string()
    } else {
        let shown: Vec<&str> = objects.iter().take(5).map(String::as_str).collect();
        let more = objects.len().saturating_sub(shown.len());
        let mut s = format!("it holds {}", shown.join(", "));
        if more > 0 {
            s.push_str(&format!(" and {more} more"));
        }
        s
    };
    if app != 0 {
        detail.push_str(&format!(", application id {app:#010x}"));
    }
    detail
}

fn check_not_newer(path: &Path, version: u32) -> Result<(), StoreError> {
    if version > SCHEMA_VERSION {
        return Err(StoreError::NewerSchema {
            path: path.into(),
            found: version,
            known: SCHEMA_VERSION,
        });
    }
    Ok(())
}

/// The regular file that keeps `path` from being a directory: `path` itself
/// or its nearest existing ancestor, when that is not a directory.
pub(crate) fn file_in_the_way(path: &Path) -> Option<PathBuf> {
    let existing = path.ancestors().find(|a| fs::metadata(a).is_ok())?;
    (!existing.is_dir()).then(|| existing.to_path_buf())
}

/// Creates the parent directories of a new database.
fn create_parent(path: &Path) -> Result<(), StoreError> {
    let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) else {
        return Ok(());
    };
    fs::create_dir_all(dir).map_err(|source| {
        if source.kind() == io::ErrorKind::PermissionDenied
            || source.kind() == io::ErrorKind::ReadOnlyFilesystem
        {
            StoreError::ReadOnly {
                path: path.into(),
                reason: format!("cannot create the directory {}: {source}", dir.display()),
            }
        } else {
            StoreError::CreateDir {
                path: path.into(),
                dir: dir.into(),
                source,
            }
        }
    })
}

/// Maps an SQLite error, recognizing the ones that mean "read-only".
pub(crate) fn sqlite_error(path: &Path, context: &str, e: rusqlite::Error) -> StoreError {
    match e.sqlite_error_code() {
        Some(ErrorCode::ReadOnly) => StoreError::ReadOnly {
            path: path.into(),
            reason: format!("SQLite cannot write it ({e})"),
        },
        Some(ErrorCode::CannotOpen | ErrorCode::PermissionDenied) => {
            let dir = path
                .parent()
                .filter(|d| !d.as_os_str().is_empty())
                .unwrap_or(Path::new("."));
            StoreError::ReadOnly {
                path: path.into(),
                reason: format!(
                    "SQLite cannot open or create it or its journal in {} ({e})",
                    dir.display()
                ),
            }
        }
        Some(ErrorCode::NotADatabase) => StoreError::NotSqlite {
            path: path.into(),
            detail: "SQLite cannot read it".into(),
        },
        _ => StoreError::Sqlite {
            path: path.into(),
            context: context.into(),
            source: e,
        },
    }
}

/// Reads a run status as stored.
pub(crate) fn parse_run_status(s: &str) -> Option<RunStatus> {
    [
        RunStatus::Running,
        RunStatus::Completed,
        RunStatus::Interrupted,
        RunStatus::Failed,
    ]
    .into_iter()
    .find(|v| v.as_str() == s)
}

/// Reads an episode status as stored.
pub(crate) fn parse_episode_status(s: &str) -> Option<EpisodeStatus> {
    [
        EpisodeStatus::Running,
        EpisodeStatus::Completed,
        EpisodeStatus::Truncated,
        EpisodeStatus::Forfeit,
        EpisodeStatus::Aborted,
        EpisodeStatus::Interrupted,
    ]
    .into_iter()
    .find(|v| v.as_str() == s)
}

/// Whether an episode with this status is a result (see
/// [`FINAL_EPISODE_STATUSES`]).
pub fn is_final(status: EpisodeStatus) -> bool {
    FINAL_EPISODE_STATUSES.contains(&status)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_status_reads_back_from_its_stored_text() {
        for s in [
            RunStatus::Running,
            RunStatus::Completed,
            RunStatus::Interrupted,
            RunStatus::Failed,
        ] {
            assert_eq!(parse_run_status(s.as_str()), Some(s));
        }
        for s in [
            EpisodeStatus::Running,
            EpisodeStatus::Completed,
            EpisodeStatus::Truncated,
            EpisodeStatus::Forfeit,
            EpisodeStatus::Aborted,
            EpisodeStatus::Interrupted,
        ] {
            assert_eq!(parse_episode_status(s.as_str()), Some(s));
        }
        assert_eq!(parse_episode_status("done"), None);
    }

    #[test]
    fn only_results_are_final() {
        let finals: Vec<&str> = FINAL_EPISODE_STATUSES.iter().map(|s| s.as_str()).collect();
        assert_eq!(finals, ["completed", "truncated", "forfeit"]);
        assert!(!is_final(EpisodeStatus::Aborted));
        assert!(!is_final(EpisodeStatus::Interrupted));
        assert!(!is_final(EpisodeStatus::Running));
    }

    #[test]
    fn a_foreign_database_is_described_by_its_first_objects() {
        let objects: Vec<String> = (1..=7).map(|i| format!("table t{i}")).collect();
        assert_eq!(
            foreign_detail(0, &objects),
            "it holds table t1, table t2, table t3, table t4, table t5 and 2 more"
        );
        assert_eq!(
            foreign_detail(0x1234, &[]),
            "it holds no tables, application id 0x00001234"
        );
    }

    #[test]
    fn the_wal_sits_next_to_the_database() {
        assert_eq!(
            wal_path(Path::new("results/arena.db")),
            PathBuf::from("results/arena.db-wal")
        );
    }
}
