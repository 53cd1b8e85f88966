//! Merging shard databases: several processes ran disjoint parts of one run
//! (`--shard K/N`), each into its own database; `runner merge` copies them
//! into one.
//!
//! An episode's id (`<run_id>/<env_index>/<episode_index>`) is the same in
//! every shard, and only a final status makes an episode a result, so the
//! merge is a union keyed by episode id: an episode that is final in a
//! source and missing (or not final) in the target is copied with its seats,
//! moves and attempts, replacing any partial record; one already final in
//! the target is left alone. A run present in both must have been started
//! with the same configuration, or the merge is refused before anything is
//! written. Each source is merged in one transaction.

use std::path::Path;

use rusqlite::OptionalExtension;

use super::{Store, StoreError, sqlite_error};

/// What one source added.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct MergeStats {
    /// Runs new to the target.
    pub runs_added: usize,
    /// Final episodes copied.
    pub episodes_copied: usize,
    /// Final episodes the target already had (left as they were).
    pub episodes_already_there: usize,
    /// Episodes of the source that were not final (not copied: a resume of
    /// that shard plays them).
    pub episodes_unfinished: usize,
}

const FINAL: &str = "('completed', 'truncated', 'forfeit')";

impl Store {
    /// Merges the llm-arena database at `source` into this one. The source
    /// is opened read-only first (so a foreign, newer or broken file is
    /// refused with the usual message) and must not be this database.
    pub fn merge_from(&mut self, source: &Path) -> Result<MergeStats, StoreError> {
        // Checks the file (ours, this schema version) without writing.
        let checked = Store::open_read_only(source)?;
        drop(checked);
        let same = std::fs::canonicalize(source).ok() == std::fs::canonicalize(&self.path).ok();
        if same {
            return Err(StoreError::Merge {
                path: self.path.clone(),
                message: format!("{} is the database being merged into", source.display()),
            });
        }
        let path = self.path.clone();
        let err = |e| sqlite_error(&path, &format!("cannot merge {}", source.display()), e);
        self.conn
            .execute("ATTACH DATABASE ?1 AS shard", [source.to_string_lossy()])
            .map_err(err)?;
        let result = self.merge_attached(source);
        let detached = self
            .conn
            .execute_batch("DETACH DATABASE shard")
            .map_err(err);
        let stats = result?;
        detached?;
        Ok(stats)
    }

    fn merge_attached(&mut self, source: &Path) -> Result<MergeStats, StoreError> {
        let path = self.path.clone();
        let err = |e| sqlite_error(&path, &format!("cannot merge {}", source.display()), e);
        let tx = self
            .conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
            .map_err(err)?;
        // Every shared run must have the same configuration.
        let mismatched: Option<String> = tx
            .query_row(
                "SELECT s.run_id FROM shard.runs s JOIN main.runs m USING (run_id)
                 WHERE s.config_yaml <> m.config_yaml OR s.seed <> m.seed LIMIT 1",
                [],
                |r| r.get(0),
            )
            .optional()
            .map_err(err)?;
        if let Some(run_id) = mismatched {
            return Err(StoreError::Merge {
                path: self.path.clone(),
                message: format!(
                    "run {run_id} in {} was started with a different configuration or seed than \
                     the run of the same id in {}; only shards of one run can be merged",
                    source.display(),
                    self.path.display()
                ),
            });
        }
        let mut stats = MergeStats {
            runs_added: tx
                .execute(
                    "INSERT INTO main.runs SELECT * FROM shard.runs
                     WHERE run_id NOT IN (SELECT run_id FROM main.runs)",
                    [],
                )
                .map_err(err)?,
            ..MergeStats::default()
        };
        let count = |sql: &str| -> Result<usize, rusqlite::Error> {
            tx.query_row(sql, [], |r| r.get::<_, i64>(0))
                .map(|n| n as usize)
        };
        stats.episodes_unfinished = count(&format!(
            "SELECT COUNT(*) FROM shard.episodes WHERE status NOT IN {FINAL}"
        ))
        .map_err(err)?;
        stats.episodes_already_there = count(&format!(
            "SELECT COUNT(*) FROM shard.episodes s JOIN main.episodes m USING (episode_id)
             WHERE s.status IN {FINAL} AND m.status IN {FINAL}"
        ))
        .map_err(err)?;
        // The episodes to copy: final in the shard, not final here.
        tx.execute_batch(&format!(
            "CREATE TEMP TABLE merging AS
               SELECT episode_id FROM shard.episodes
               WHERE status IN {FINAL}
                 AND episode_id NOT IN (SELECT episode_id FROM main.episodes WHERE status IN {FINAL});
             DELETE FROM main.attempts WHERE episode_id IN (SELECT episode_id FROM merging);
             DELETE FROM main.moves WHERE episode_id IN (SELECT episode_id FROM merging);
             DELETE FROM main.episode_players WHERE episode_id IN (SELECT episode_id FROM merging);
             DELETE FROM main.episodes WHERE episode_id IN (SELECT episode_id FROM merging);
             INSERT INTO main.episodes SELECT * FROM shard.episodes
               WHERE episode_id IN (SELECT episode_id FROM merging);
             INSERT INTO main.episode_players SELECT * FROM shard.episode_players
               WHERE episode_id IN (SELECT episode_id FROM merging);
             INSERT INTO main.moves SELECT * FROM shard.moves
               WHERE episode_id IN (SELECT episode_id FROM merging);
             INSERT INTO main.attempts SELECT * FROM shard.attempts
               WHERE episode_id IN (SELECT episode_id FROM merging);"
        ))
        .map_err(err)?;
        stats.episodes_copied = count("SELECT COUNT(*) FROM temp.merging").map_err(err)?;
        tx.execute_batch("DROP TABLE temp.merging").map_err(err)?;
        // A merged run is completed when the union has every episode the
        // shards planned, which a merge cannot know; it takes the status
        // that says the least: completed only if every shard completed.
        tx.execute(
            "UPDATE main.runs SET
               status = CASE
                 WHEN main.runs.status = 'completed' AND s.status = 'completed' THEN 'completed'
                 WHEN main.runs.status = 'running' OR s.status = 'running' THEN 'running'
                 WHEN main.runs.status = 'failed' OR s.status = 'failed' THEN 'failed'
                 ELSE 'interrupted' END,
               finished_at = nullif(max(coalesce(main.runs.finished_at, ''), coalesce(s.finished_at, '')), ''),
               started_at = min(main.runs.started_at, s.started_at)
             FROM shard.runs s WHERE s.run_id = main.runs.run_id",
            [],
        )
        .map_err(err)?;
        tx.commit().map_err(err)?;
        Ok(stats)
    }
}
