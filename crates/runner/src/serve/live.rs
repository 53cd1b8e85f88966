//! What the live pages are made from: the leaderboards of the database as it
//! is now (recomputed when the file has changed, and kept for the charts and
//! links of the page just served), and the progress of its runs.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

use anyhow::Result;
use arena_report::{Dataset, Leaderboard, LeaderboardError, Options, Progress, RunProgress};

use crate::analysis;
use crate::config;
use crate::record::now_rfc3339;
use crate::store::{Store, is_final};

/// How long the charts and replay links of a page may use the leaderboards
/// the page was rendered from, although the database has moved on: a page
/// loads a dozen charts, and a running tournament changes the file between
/// each of them.
const PAGE_LIFETIME: Duration = Duration::from_secs(30);

/// The database the server reads, and what it last computed from it.
#[derive(Debug)]
pub(crate) struct Live {
    db: PathBuf,
    run: Option<String>,
    latest: Mutex<Option<Arc<Snapshot>>>,
    /// Planned episodes by run, read once from each run's stored config.
    planned: Mutex<HashMap<String, Option<usize>>>,
}

/// The leaderboards of the database as it was at one moment.
#[derive(Debug)]
pub(crate) struct Snapshot {
    stamp: Stamp,
    made: Instant,
    /// Every episode (of `--run`), in the order the front page lists them.
    pub data: Dataset,
    /// The leaderboards that have something to rate.
    pub boards: Vec<Leaderboard>,
    /// Why the other scopes have none yet.
    pub notes: Vec<String>,
    /// Finished episodes among `data`.
    pub finished: usize,
}

/// How fresh a snapshot must be.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Freshness {
    /// As the file is now (the front page).
    Now,
    /// The one a page was just rendered from will do (its charts, its
    /// links), unless it is older than [`PAGE_LIFETIME`].
    Page,
}

/// The size and modification time of the database and its write-ahead log:
/// every commit changes one of them.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Stamp(Vec<Option<(u64, SystemTime)>>);

impl Stamp {
    fn of(db: &Path) -> Stamp {
        let mut wal = db.as_os_str().to_owned();
        wal.push("-wal");
        Stamp(
            [db.to_path_buf(), PathBuf::from(wal)]
                .iter()
                .map(|p| {
                    let m = std::fs::metadata(p).ok()?;
                    Some((m.len(), m.modified().ok()?))
                })
                .collect(),
        )
    }
}

impl Live {
    pub(crate) fn new(db: PathBuf, run: Option<String>) -> Live {
        Live {
            db,
            run,
            latest: Mutex::new(None),
            planned: Mutex::new(HashMap::new()),
        }
    }

    /// The database, opened read-only for one request.
    pub(crate) fn open(&self) -> Result<Store> {
        Ok(Store::open_read_only(&self.db)?)
    }

    /// The run the pages are limited to.
    pub(crate) fn run(&self) -> Option<&str> {
        self.run.as_deref()
    }

    /// The leaderboards, recomputed when the file changed since the last
    /// snapshot (or, with [`Freshness::Page`], when that one is old).
    pub(crate) fn snapshot(&self, freshness: Freshness) -> Result<Arc<Snapshot>> {
        // The stamp is taken before reading: a commit that lands during the
        // read changes the file again, so the next request reads anew.
        let stamp = Stamp::of(&self.db);
        if let Some(last) = self
            .latest
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
        {
            let young = last.made.elapsed() < PAGE_LIFETIME;
            if last.stamp == stamp || (freshness == Freshness::Page && young) {
                return Ok(last);
            }
        }
        let store = self.open()?;
        let data = store.read_transaction(|s| analysis::read_dataset(s, self.run()))??;
        let (boards, notes) = leaderboards_so_far(&data)?;
        let snapshot = Arc::new(Snapshot {
            stamp,
            made: Instant::now(),
            finished: data.episodes.iter().filter(|e| e.is_final()).count(),
            data,
            boards,
            notes,
        });
        *self.latest.lock().unwrap_or_else(|e| e.into_inner()) = Some(snapshot.clone());
        Ok(snapshot)
    }

    /// The runs (or `--run`) with their episodes counted by status.
    pub(crate) fn progress(&self) -> Result<Progress> {
        let store = self.open()?;
        let (runs, counts, moves) = store.read_transaction(|s| {
            Ok::<_, crate::store::StoreError>((
                s.runs()?,
                s.episode_counts()?,
                s.last_moves_in_play()?,
            ))
        })??;
        let mut out = Progress {
            at: now_rfc3339(),
            ..Progress::default()
        };
        for run in runs {
            if self.run().is_some_and(|id| id != run.run_id) {
                continue;
            }
            let mut p = RunProgress {
                status: run.status.as_str().to_string(),
                planned: self.planned(&run.run_id, &run.config_yaml),
                last_activity: [
                    Some(&run.started_at),
                    run.last_resumed_at.as_ref(),
                    run.finished_at.as_ref(),
                ]
                .into_iter()
                .flatten()
                .max()
                .cloned()
                .unwrap_or_default(),
                started_at: run.started_at,
                finished_at: run.finished_at,
                by_status: BTreeMap::new(),
                run_id: run.run_id,
                ..RunProgress::default()
            };
            for c in counts.iter().filter(|c| c.run_id == p.run_id) {
                p.by_status
                    .insert(c.status.as_str().to_string(), c.episodes);
                if is_final(c.status) {
                    p.finished += c.episodes;
                } else if c.status == crate::record::EpisodeStatus::Running {
                    p.running += c.episodes;
                }
                for t in [&c.last_started, &c.last_finished].into_iter().flatten() {
                    if *t > p.last_activity {
                        p.last_activity = t.clone();
                    }
                }
            }
            for (_, t) in moves.iter().filter(|(id, _)| *id == p.run_id) {
                if *t > p.last_activity {
                    p.last_activity = t.clone();
                }
            }
            out.finished += p.finished;
            out.runs.push(p);
        }
        Ok(out)
    }

    /// How many episodes a run plans, from its stored configuration; `None`
    /// when that does not load (a run of another kind, a hand-edited one).
    fn planned(&self, run_id: &str, config_yaml: &str) -> Option<usize> {
        let mut planned = self.planned.lock().unwrap_or_else(|e| e.into_inner());
        *planned.entry(run_id.to_string()).or_insert_with(|| {
            let name = PathBuf::from(format!("the stored config of run {run_id}"));
            config::load_str(config_yaml, &name, &[])
                .ok()
                .map(|c| c.episode_iter().count())
        })
    }
}

/// The leaderboard over every game, then one per game when there are
/// several, leaving out (with a note) each scope with nothing to rate yet:
/// while a run plays, a game may have only episodes in play.
pub(crate) fn leaderboards_so_far(data: &Dataset) -> Result<(Vec<Leaderboard>, Vec<String>)> {
    let mut boards = Vec::new();
    let mut notes = Vec::new();
    if data.episodes.is_empty() {
        return Ok((boards, notes));
    }
    let mut games: Vec<&str> = data.episodes.iter().map(|e| e.game.as_str()).collect();
    games.sort_unstable();
    games.dedup();
    let mut scopes = vec![None];
    if games.len() > 1 {
        scopes.extend(games.into_iter().map(Some));
    }
    let options = Options::default();
    for scope in scopes {
        match arena_report::leaderboard(data, scope, &options) {
            Ok(board) => boards.push(board),
            // Nothing over every game means nothing in any one game.
            Err(LeaderboardError::NoData(why)) if scope.is_none() => {
                notes.push(why);
                break;
            }
            Err(LeaderboardError::NoData(why)) => notes.push(why),
            Err(e) => return Err(e.into()),
        }
    }
    Ok((boards, notes))
}

#[cfg(test)]
mod tests {
    use arena_report::{EpisodeResult, PlayerResult, SeatStats};

    use super::*;

    fn episode(i: u64, game: &str, status: &str) -> EpisodeResult {
        let player = |seat: u32, agent: &str, score: i64| PlayerResult {
            seat,
            agent: agent.into(),
            model: None,
            score: (status != "running").then_some(score),
            outcome: None,
            stats: SeatStats::default(),
        };
        EpisodeResult {
            id: format!("r/0/{i}"),
            run_id: "r".into(),
            game: game.into(),
            params: serde_json::json!({}),
            seed: i,
            status: status.into(),
            reason: None,
            players: vec![player(0, "a", 1), player(1, "b", -1)],
            hands_played: None,
        }
    }

    fn data(episodes: Vec<EpisodeResult>) -> Dataset {
        Dataset {
            title: "t".into(),
            source: "memory".into(),
            episodes,
        }
    }

    #[test]
    fn a_game_with_only_episodes_in_play_gets_a_note_not_an_error() {
        let (boards, notes) = leaderboards_so_far(&data(vec![
            episode(0, "tic_tac_toe", "completed"),
            episode(1, "tic_tac_toe", "completed"),
            episode(2, "poker", "running"),
        ]))
        .unwrap();
        let scopes: Vec<&str> = boards.iter().map(|b| b.scope.as_str()).collect();
        assert_eq!(scopes, ["all games", "tic_tac_toe"]);
        assert_eq!(notes.len(), 1);
        assert!(notes[0].contains("of poker"), "{notes:?}");
    }

    #[test]
    fn nothing_finished_yet_is_one_note() {
        let (boards, notes) = leaderboards_so_far(&data(vec![
            episode(0, "tic_tac_toe", "running"),
            episode(1, "poker", "running"),
        ]))
        .unwrap();
        assert!(boards.is_empty());
        assert_eq!(notes.len(), 1, "{notes:?}");
        let (boards, notes) = leaderboards_so_far(&data(vec![])).unwrap();
        assert!(boards.is_empty() && notes.is_empty());
    }
}
