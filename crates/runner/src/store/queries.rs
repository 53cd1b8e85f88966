//! The read API: typed rows for runs, episodes and players, and the record
//! structs for moves and attempts, as resume, replay, export and summaries
//! need them.

use std::collections::HashSet;

use rusqlite::{OptionalExtension, Row};

use super::{
    FINAL_EPISODE_STATUSES, Store, StoreError, parse_episode_status, parse_run_status, sqlite_error,
};
use crate::record::{AttemptRecord, EpisodeStatus, MoveRecord, RunStatus};

/// One row of `runs`.
#[derive(Clone, Debug, PartialEq)]
pub struct RunRow {
    /// Unique id of the run.
    pub run_id: String,
    /// When it first started (RFC 3339 UTC).
    pub started_at: String,
    /// When it last finished or stopped; `None` while running (or killed).
    pub finished_at: Option<String>,
    /// Its status.
    pub status: RunStatus,
    /// The effective configuration as YAML.
    pub config_yaml: String,
    /// The run seed.
    pub seed: u64,
    /// How many times it was resumed.
    pub resume_count: u32,
    /// When it was last resumed.
    pub last_resumed_at: Option<String>,
}

/// One row of `episodes`.
#[derive(Clone, Debug, PartialEq)]
pub struct EpisodeRow {
    /// `<run_id>/<env_index>/<episode_index>`.
    pub episode_id: String,
    /// The run it belongs to.
    pub run_id: String,
    /// The game's registry name.
    pub game: String,
    /// The game's resolved parameters.
    pub game_params: serde_json::Value,
    /// Which entry of `env_configs` it plays.
    pub env_index: u32,
    /// Its index among the episodes of that game.
    pub episode_index: u32,
    /// The episode seed.
    pub seed: u64,
    /// Its status (`running` until it ends).
    pub status: EpisodeStatus,
    /// Why it ended, for every status but `completed`.
    pub reason: Option<String>,
    /// When it started.
    pub started_at: String,
    /// When it ended.
    pub finished_at: Option<String>,
}

/// The light columns of one decision, for statistics.
#[derive(Clone, Debug, PartialEq)]
pub struct DecisionRow {
    /// The episode.
    pub episode_id: String,
    /// The seat that decided.
    pub seat: u32,
    /// Whether the illegal-move policy's random fallback settled it.
    pub fallback: bool,
    /// Attempts it took, the accepted one included.
    pub attempts: u32,
    /// Wall time of the whole decision.
    pub latency_ms: Option<f64>,
    /// Prompt plus completion tokens of the accepted attempt.
    pub tokens: u64,
    /// Cost of the accepted attempt.
    pub cost_usd: Option<f64>,
    /// The logged reasoning.
    pub reasoning: Option<String>,
}

/// One row of `episode_players`.
#[derive(Clone, Debug, PartialEq)]
pub struct PlayerRow {
    /// The seat index.
    pub seat: u32,
    /// The agent name.
    pub agent: String,
    /// The model behind it, when there is one.
    pub model: Option<String>,
    /// The game's return for the seat (column `return`); `None` until the
    /// episode finishes.
    pub score: Option<i64>,
    /// `win`, `loss` or `draw`; `None` until the episode ends, and for an
    /// episode that stopped before the game ended.
    pub outcome: Option<String>,
}

/// How many episodes of a run have one status, and when the latest of them
/// started and finished: what the progress panel of `runner serve` shows.
#[derive(Clone, Debug, PartialEq)]
pub struct EpisodeCountRow {
    /// The run.
    pub run_id: String,
    /// The status.
    pub status: EpisodeStatus,
    /// Episodes of the run with it.
    pub episodes: usize,
    /// The latest start among them.
    pub last_started: Option<String>,
    /// The latest end among them.
    pub last_finished: Option<String>,
}

const RUN_COLUMNS: &str =
    "run_id, started_at, finished_at, status, config_yaml, seed, resume_count, last_resumed_at";

const EPISODE_COLUMNS: &str = "episode_id, run_id, game, game_params, env_index, episode_index, \
     seed, status, reason, started_at, finished_at";

const MOVE_COLUMNS: &str = "episode_id, ply, seat, actor, action, observation, prompt, \
     raw_response, reasoning, thinking, parse_status, attempts, latency_ms, prompt_tokens, \
     completion_tokens, reasoning_tokens, cost_usd, metadata, state_after, created_at";

const ATTEMPT_COLUMNS: &str = "episode_id, ply, seat, agent, attempt, status, prompt, \
     raw_response, move_text, reasoning, thinking, error, latency_ms, prompt_tokens, \
     completion_tokens, reasoning_tokens, cost_usd, metadata, created_at";

impl Store {
    /// Every run, oldest first.
    pub fn runs(&self) -> Result<Vec<RunRow>, StoreError> {
        self.query_rows(
            &format!("SELECT {RUN_COLUMNS} FROM runs ORDER BY started_at, rowid"),
            [],
            "cannot read the runs",
            run_row,
        )
    }

    /// One run, if it is there.
    pub fn run(&self, run_id: &str) -> Result<Option<RunRow>, StoreError> {
        let mut rows = self.query_rows(
            &format!("SELECT {RUN_COLUMNS} FROM runs WHERE run_id = ?1"),
            [run_id],
            &format!("cannot read run {run_id}"),
            run_row,
        )?;
        Ok(rows.pop())
    }

    /// The run that started last, if any.
    pub fn latest_run(&self) -> Result<Option<RunRow>, StoreError> {
        let mut rows = self.query_rows(
            &format!("SELECT {RUN_COLUMNS} FROM runs ORDER BY started_at DESC, rowid DESC LIMIT 1"),
            [],
            "cannot read the latest run",
            run_row,
        )?;
        Ok(rows.pop())
    }

    /// The ids of the run's episodes that have a result (a status in
    /// [`FINAL_EPISODE_STATUSES`]): the ones a resume skips.
    pub fn finished_episode_ids(&self, run_id: &str) -> Result<HashSet<String>, StoreError> {
        let finals: Vec<&str> = FINAL_EPISODE_STATUSES.iter().map(|s| s.as_str()).collect();
        let sql = format!(
            "SELECT episode_id FROM episodes WHERE run_id = ?1 AND status IN ('{}')",
            finals.join("', '")
        );
        let ids = self.query_rows(
            &sql,
            [run_id],
            &format!("cannot read the finished episodes of run {run_id}"),
            |r| r.get::<_, String>(0).map_err(Into::into),
        )?;
        Ok(ids.into_iter().collect())
    }

    /// One episode, if it is there.
    pub fn episode(&self, episode_id: &str) -> Result<Option<EpisodeRow>, StoreError> {
        let mut rows = self.query_rows(
            &format!("SELECT {EPISODE_COLUMNS} FROM episodes WHERE episode_id = ?1"),
            [episode_id],
            &format!("cannot read episode {episode_id}"),
            episode_row,
        )?;
        Ok(rows.pop())
    }

    /// The run's episodes, by `env_index` then `episode_index`.
    pub fn episodes(&self, run_id: &str) -> Result<Vec<EpisodeRow>, StoreError> {
        self.query_rows(
            &format!(
                "SELECT {EPISODE_COLUMNS} FROM episodes WHERE run_id = ?1
                 ORDER BY env_index, episode_index, episode_id"
            ),
            [run_id],
            &format!("cannot read the episodes of run {run_id}"),
            episode_row,
        )
    }

    /// The episode's seats, by seat.
    pub fn players(&self, episode_id: &str) -> Result<Vec<PlayerRow>, StoreError> {
        self.query_rows(
            r#"SELECT seat, agent, model, "return", outcome FROM episode_players
               WHERE episode_id = ?1 ORDER BY seat"#,
            [episode_id],
            &format!("cannot read the players of episode {episode_id}"),
            |r| {
                Ok(PlayerRow {
                    seat: u32_at(r, 0)?,
                    agent: r.get(1)?,
                    model: r.get(2)?,
                    score: r.get(3)?,
                    outcome: r.get(4)?,
                })
            },
        )
    }

    /// The episode's applied actions (chance included) in ply order.
    pub fn moves(&self, episode_id: &str) -> Result<Vec<MoveRecord>, StoreError> {
        self.query_rows(
            &format!("SELECT {MOVE_COLUMNS} FROM moves WHERE episode_id = ?1 ORDER BY ply"),
            [episode_id],
            &format!("cannot read the moves of episode {episode_id}"),
            |r| {
                Ok(MoveRecord {
                    episode_id: r.get(0)?,
                    ply: u32_at(r, 1)?,
                    seat: opt_u32_at(r, 2)?,
                    actor: r.get(3)?,
                    action: r.get(4)?,
                    observation: r.get(5)?,
                    prompt: r.get(6)?,
                    raw_response: r.get(7)?,
                    reasoning: r.get(8)?,
                    thinking: r.get(9)?,
                    parse_status: r.get(10)?,
                    attempts: u32_at(r, 11)?,
                    latency_ms: r.get(12)?,
                    prompt_tokens: opt_u64_at(r, 13)?,
                    completion_tokens: opt_u64_at(r, 14)?,
                    reasoning_tokens: opt_u64_at(r, 15)?,
                    cost_usd: r.get(16)?,
                    metadata: json_at(r, 17, "moves.metadata")?,
                    state_after: r.get(18)?,
                    created_at: r.get(19)?,
                })
            },
        )
    }

    /// Every rejected attempt of the episode, by ply, seat and attempt
    /// number (an accepted attempt is its move).
    pub fn attempts(&self, episode_id: &str) -> Result<Vec<AttemptRecord>, StoreError> {
        self.query_rows(
            &format!(
                "SELECT {ATTEMPT_COLUMNS} FROM attempts WHERE episode_id = ?1
                 ORDER BY ply, seat, attempt"
            ),
            [episode_id],
            &format!("cannot read the attempts of episode {episode_id}"),
            |r| {
                Ok(AttemptRecord {
                    episode_id: r.get(0)?,
                    ply: u32_at(r, 1)?,
                    seat: u32_at(r, 2)?,
                    agent: r.get(3)?,
                    attempt: u32_at(r, 4)?,
                    status: r.get(5)?,
                    prompt: r.get(6)?,
                    raw_response: r.get(7)?,
                    move_text: r.get(8)?,
                    reasoning: r.get(9)?,
                    thinking: r.get(10)?,
                    error: r.get(11)?,
                    latency_ms: r.get(12)?,
                    prompt_tokens: opt_u64_at(r, 13)?,
                    completion_tokens: opt_u64_at(r, 14)?,
                    reasoning_tokens: opt_u64_at(r, 15)?,
                    cost_usd: r.get(16)?,
                    metadata: json_at(r, 17, "attempts.metadata")?,
                    created_at: r.get(18)?,
                })
            },
        )
    }

    /// Every episode of the database, or of one run, in the order they
    /// finished (unfinished ones last, by id).
    pub fn episodes_in_play_order(
        &self,
        run_id: Option<&str>,
    ) -> Result<Vec<EpisodeRow>, StoreError> {
        self.query_rows(
            &format!(
                "SELECT {EPISODE_COLUMNS} FROM episodes WHERE ?1 IS NULL OR run_id = ?1
                 ORDER BY finished_at IS NULL, finished_at, episode_id"
            ),
            [run_id],
            "cannot read the episodes",
            episode_row,
        )
    }

    /// Every seat of every episode (of one run), as `(episode_id, seat)`.
    pub fn all_players(
        &self,
        run_id: Option<&str>,
    ) -> Result<Vec<(String, PlayerRow)>, StoreError> {
        self.query_rows(
            r#"SELECT p.episode_id, p.seat, p.agent, p.model, p."return", p.outcome
               FROM episode_players p JOIN episodes e USING (episode_id)
               WHERE ?1 IS NULL OR e.run_id = ?1 ORDER BY p.episode_id, p.seat"#,
            [run_id],
            "cannot read the players",
            |r| {
                Ok((
                    r.get(0)?,
                    PlayerRow {
                        seat: u32_at(r, 1)?,
                        agent: r.get(2)?,
                        model: r.get(3)?,
                        score: r.get(4)?,
                        outcome: r.get(5)?,
                    },
                ))
            },
        )
    }

    /// The light columns of every decision (a seat's move) of the database
    /// or of one run, for statistics: no prompts, no states.
    pub fn decisions(&self, run_id: Option<&str>) -> Result<Vec<DecisionRow>, StoreError> {
        self.query_rows(
            "SELECT m.episode_id, m.seat, m.parse_status, m.attempts, m.latency_ms,
                    coalesce(m.prompt_tokens, 0) + coalesce(m.completion_tokens, 0),
                    m.cost_usd, m.reasoning
             FROM moves m JOIN episodes e USING (episode_id)
             WHERE m.seat IS NOT NULL AND (?1 IS NULL OR e.run_id = ?1)
             ORDER BY m.episode_id, m.ply",
            [run_id],
            "cannot read the moves",
            |r| {
                Ok(DecisionRow {
                    episode_id: r.get(0)?,
                    seat: u32_at(r, 1)?,
                    fallback: r.get::<_, String>(2)? == "fallback",
                    attempts: u32_at(r, 3)?,
                    latency_ms: r.get(4)?,
                    tokens: opt_u64_at(r, 5)?.unwrap_or(0),
                    cost_usd: r.get(6)?,
                    reasoning: r.get(7)?,
                })
            },
        )
    }

    /// Tokens and cost of every rejected attempt (of one run), as
    /// `(episode_id, seat, tokens, cost)`.
    pub fn rejected_costs(
        &self,
        run_id: Option<&str>,
    ) -> Result<Vec<(String, u32, u64, f64)>, StoreError> {
        self.query_rows(
            "SELECT a.episode_id, a.seat,
                    coalesce(a.prompt_tokens, 0) + coalesce(a.completion_tokens, 0),
                    coalesce(a.cost_usd, 0)
             FROM attempts a JOIN episodes e USING (episode_id)
             WHERE ?1 IS NULL OR e.run_id = ?1",
            [run_id],
            "cannot read the attempts",
            |r| {
                Ok((
                    r.get(0)?,
                    u32_at(r, 1)?,
                    opt_u64_at(r, 2)?.unwrap_or(0),
                    r.get(3)?,
                ))
            },
        )
    }

    /// The state after an episode's last logged move.
    pub fn last_state(&self, episode_id: &str) -> Result<Option<String>, StoreError> {
        Ok(self
            .query_rows(
                "SELECT state_after FROM moves WHERE episode_id = ?1 ORDER BY ply DESC LIMIT 1",
                [episode_id],
                &format!("cannot read the moves of episode {episode_id}"),
                |r| Ok(r.get::<_, String>(0)?),
            )?
            .pop())
    }

    /// Episodes counted by run and status, with their latest start and end.
    pub fn episode_counts(&self) -> Result<Vec<EpisodeCountRow>, StoreError> {
        self.query_rows(
            "SELECT run_id, status, count(*), max(started_at), max(finished_at)
             FROM episodes GROUP BY run_id, status ORDER BY run_id, status",
            [],
            "cannot count the episodes",
            |r| {
                let status: String = r.get(1)?;
                Ok(EpisodeCountRow {
                    run_id: r.get(0)?,
                    status: parse_episode_status(&status).ok_or_else(|| {
                        RowError::Value(format!("unknown episode status {status:?}"))
                    })?,
                    episodes: usize::try_from(r.get::<_, i64>(2)?).unwrap_or(0),
                    last_started: r.get(3)?,
                    last_finished: r.get(4)?,
                })
            },
        )
    }

    /// The time of the latest move of each run's episodes in play, as
    /// `(run_id, created_at)`.
    pub fn last_moves_in_play(&self) -> Result<Vec<(String, String)>, StoreError> {
        self.query_rows(
            "SELECT e.run_id, max(m.created_at)
             FROM episodes e JOIN moves m USING (episode_id)
             WHERE e.status = 'running' GROUP BY e.run_id",
            [],
            "cannot read the latest moves",
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
    }

    /// Whether the run exists; `UnknownRun` when it does not.
    pub(crate) fn require_run(&self, run_id: &str) -> Result<(), StoreError> {
        let found = self
            .conn
            .prepare_cached("SELECT 1 FROM runs WHERE run_id = ?1")
            .and_then(|mut s| s.query_row([run_id], |_| Ok(())).optional())
            .map_err(|e| sqlite_error(&self.path, &format!("cannot read run {run_id}"), e))?;
        match found {
            Some(()) => Ok(()),
            None => Err(StoreError::UnknownRun {
                path: self.path.clone(),
                run_id: run_id.into(),
            }),
        }
    }

    /// Runs a query and maps each row; mapping errors name the database.
    fn query_rows<T, P: rusqlite::Params>(
        &self,
        sql: &str,
        params: P,
        context: &str,
        mut map: impl FnMut(&Row<'_>) -> Result<T, RowError>,
    ) -> Result<Vec<T>, StoreError> {
        let err = |e| sqlite_error(&self.path, context, e);
        let mut stmt = self.conn.prepare_cached(sql).map_err(err)?;
        let mut rows = stmt.query(params).map_err(err)?;
        let mut out = Vec::new();
        while let Some(row) = rows.next().map_err(err)? {
            match map(row) {
                Ok(v) => out.push(v),
                Err(RowError::Sqlite(e)) => return Err(err(e)),
                Err(RowError::Value(message)) => {
                    return Err(StoreError::Corrupt {
                        path: self.path.clone(),
                        message,
                    });
                }
            }
        }
        Ok(out)
    }
}

fn run_row(r: &Row<'_>) -> Result<RunRow, RowError> {
    let status: String = r.get(3)?;
    Ok(RunRow {
        run_id: r.get(0)?,
        started_at: r.get(1)?,
        finished_at: r.get(2)?,
        status: parse_run_status(&status)
            .ok_or_else(|| RowError::Value(format!("unknown run status {status:?}")))?,
        config_yaml: r.get(4)?,
        seed: seed_at(r, 5, "runs.seed")?,
        resume_count: u32_at(r, 6)?,
        last_resumed_at: r.get(7)?,
    })
}

fn episode_row(r: &Row<'_>) -> Result<EpisodeRow, RowError> {
    let status: String = r.get(7)?;
    Ok(EpisodeRow {
        episode_id: r.get(0)?,
        run_id: r.get(1)?,
        game: r.get(2)?,
        game_params: json_at(r, 3, "episodes.game_params")?,
        env_index: u32_at(r, 4)?,
        episode_index: u32_at(r, 5)?,
        seed: seed_at(r, 6, "episodes.seed")?,
        status: parse_episode_status(&status)
            .ok_or_else(|| RowError::Value(format!("unknown episode status {status:?}")))?,
        reason: r.get(8)?,
        started_at: r.get(9)?,
        finished_at: r.get(10)?,
    })
}

fn u32_at(r: &Row<'_>, i: usize) -> Result<u32, RowError> {
    let v: i64 = r.get(i)?;
    u32::try_from(v).map_err(|_| RowError::Value(format!("{v} is not a valid count or index")))
}

fn opt_u32_at(r: &Row<'_>, i: usize) -> Result<Option<u32>, RowError> {
    let v: Option<i64> = r.get(i)?;
    v.map(|v| u32::try_from(v).map_err(|_| RowError::Value(format!("{v} is not a valid seat"))))
        .transpose()
}

fn opt_u64_at(r: &Row<'_>, i: usize) -> Result<Option<u64>, RowError> {
    let v: Option<i64> = r.get(i)?;
    v.map(|v| {
        u64::try_from(v).map_err(|_| RowError::Value(format!("{v} is not a valid token count")))
    })
    .transpose()
}

fn seed_at(r: &Row<'_>, i: usize, column: &str) -> Result<u64, RowError> {
    let v: String = r.get(i)?;
    v.parse()
        .map_err(|_| RowError::Value(format!("{column} {v:?} is not a u64")))
}

/// A JSON column; SQL NULL reads as JSON `null`.
fn json_at(r: &Row<'_>, i: usize, column: &str) -> Result<serde_json::Value, RowError> {
    let Some(v) = r.get::<_, Option<String>>(i)? else {
        return Ok(serde_json::Value::Null);
    };
    serde_json::from_str(&v).map_err(|e| RowError::Value(format!("{column} is not JSON: {e}")))
}

/// Why a row could not be read.
#[derive(Debug)]
enum RowError {
    Sqlite(rusqlite::Error),
    Value(String),
}

impl From<rusqlite::Error> for RowError {
    fn from(e: rusqlite::Error) -> Self {
        RowError::Sqlite(e)
    }
}
