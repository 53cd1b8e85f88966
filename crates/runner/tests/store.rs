//! The SQLite record end to end: synthetic runs written through the sink and
//! the writer thread, read back, resumed, exported, and files that must be
//! refused without being changed.

use std::collections::{BTreeSet, HashSet};
use std::error::Error;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use arena_runner::record::{
    AttemptRecord, EpisodeEnd, EpisodeStart, EpisodeStatus, Event, MoveRecord, Player,
    PlayerResult, RunEnd, RunStart, RunStatus, Sink,
};
use arena_runner::store::{
    APPLICATION_ID, ExportFormat, ExportTable, SCHEMA_VERSION, SqliteSink, Store, StoreError,
    Writer, WriterOptions, export,
};
use rusqlite::Connection;
use serde_json::json;

const T0: &str = "2026-01-02T03:04:05.000Z";
const T1: &str = "2026-01-02T03:04:06.500Z";

// ---------------------------------------------------------------------------
// Building synthetic events.

fn run_start(run_id: &str, seed: u64, resumed: bool) -> Event {
    Event::RunStarted(RunStart {
        run_id: run_id.into(),
        started_at: if resumed { T1 } else { T0 }.into(),
        config_yaml: format!("seed: {seed}\nnum_episodes: 2\n"),
        seed,
        resumed,
    })
}

fn episode_start(run_id: &str, env: u32, index: u32, game: &str, seed: u64) -> Event {
    Event::EpisodeStarted(EpisodeStart {
        episode_id: format!("{run_id}/{env}/{index}"),
        run_id: run_id.into(),
        game: game.into(),
        game_params: json!({"players": 2, "name": game}),
        env_index: env,
        episode_index: index,
        seed,
        players: vec![
            Player {
                seat: 0,
                agent: "llamacpp_gemma3-270m".into(),
                model: Some("gemma-3-270m-q4_k_m.gguf".into()),
            },
            Player {
                seat: 1,
                agent: "random".into(),
                model: None,
            },
        ],
        started_at: T0.into(),
    })
}

fn chance(episode_id: &str, ply: u32, action: &str) -> Event {
    Event::Move(MoveRecord {
        episode_id: episode_id.into(),
        ply,
        seat: None,
        actor: "chance".into(),
        action: action.into(),
        observation: String::new(),
        prompt: None,
        raw_response: None,
        reasoning: None,
        thinking: None,
        parse_status: "chance".into(),
        attempts: 0,
        latency_ms: None,
        prompt_tokens: None,
        completion_tokens: None,
        reasoning_tokens: None,
        cost_usd: None,
        metadata: serde_json::Value::Null,
        state_after: format!("after {action}"),
        created_at: T0.into(),
    })
}

/// A decision by seat 0 (the model) or seat 1 (random, no prompt).
fn decision(episode_id: &str, ply: u32, seat: u32, action: &str, attempts: u32) -> Event {
    let model = seat == 0;
    Event::Move(MoveRecord {
        episode_id: episode_id.into(),
        ply,
        seat: Some(seat),
        actor: if model {
            "llamacpp_gemma3-270m"
        } else {
            "random"
        }
        .into(),
        action: action.into(),
        observation: format!("seat {seat} sees ply {ply}"),
        prompt: model.then(|| format!("Your move at ply {ply}?")),
        raw_response: model.then(|| format!("I think {action}.\nMove: {action}")),
        reasoning: model.then(|| format!("I think {action}.")),
        thinking: None,
        parse_status: "parsed".into(),
        attempts,
        latency_ms: model.then_some(12.25 * f64::from(attempts)),
        prompt_tokens: model.then_some(40 * u64::from(attempts)),
        completion_tokens: model.then_some(7 * u64::from(attempts)),
        reasoning_tokens: None,
        cost_usd: model.then_some(0.000_125),
        metadata: if model {
            json!({"backend": "llamacpp"})
        } else {
            serde_json::Value::Null
        },
        state_after: format!("state after {action}"),
        created_at: T1.into(),
    })
}

fn attempt(episode_id: &str, ply: u32, seat: u32, n: u32, status: &str, text: &str) -> Event {
    let parsed = status == "parsed";
    Event::Attempt(AttemptRecord {
        episode_id: episode_id.into(),
        ply,
        seat,
        agent: "llamacpp_gemma3-270m".into(),
        attempt: n,
        status: status.into(),
        prompt: Some(format!("Your move at ply {ply}?")),
        raw_response: Some(format!("Move: {text}")),
        move_text: Some(text.into()),
        reasoning: None,
        thinking: (n == 1).then(|| "<think>hmm</think>".to_string()),
        error: (!parsed).then(|| format!("{text:?} is not a legal move; legal: bet, pass")),
        latency_ms: Some(12.25),
        prompt_tokens: Some(40),
        completion_tokens: Some(7),
        reasoning_tokens: (n == 1).then_some(3),
        cost_usd: None,
        metadata: json!({"server": "local", "retries": n - 1}),
        created_at: T1.into(),
    })
}

fn episode_end(
    episode_id: &str,
    status: EpisodeStatus,
    reason: Option<&str>,
    results: [(i64, Option<&str>); 2],
) -> Event {
    Event::EpisodeFinished(EpisodeEnd {
        episode_id: episode_id.into(),
        status,
        reason: reason.map(String::from),
        results: results
            .iter()
            .enumerate()
            .map(|(seat, (score, outcome))| PlayerResult {
                seat: seat as u32,
                score: *score,
                outcome: outcome.map(String::from),
            })
            .collect(),
        finished_at: T1.into(),
    })
}

fn run_end(run_id: &str, status: RunStatus) -> Event {
    Event::RunFinished(RunEnd {
        run_id: run_id.into(),
        status,
        finished_at: T1.into(),
    })
}

/// A small run: a completed Kuhn poker hand with a rejected attempt, a
/// forfeit, and a truncated game; the seed is beyond `i64::MAX`.
fn small_run() -> Vec<Event> {
    let r = "run-a";
    vec![
        run_start(r, u64::MAX - 6, false),
        episode_start(r, 0, 0, "kuhn_poker", 17),
        chance("run-a/0/0", 0, "J"),
        chance("run-a/0/0", 1, "Q"),
        attempt("run-a/0/0", 2, 0, 1, "unparseable", "raise"),
        decision("run-a/0/0", 2, 0, "bet", 2),
        decision("run-a/0/0", 3, 1, "pass", 1),
        episode_end(
            "run-a/0/0",
            EpisodeStatus::Completed,
            None,
            [(1, Some("win")), (-1, Some("loss"))],
        ),
        episode_start(r, 0, 1, "kuhn_poker", u64::MAX),
        chance("run-a/0/1", 0, "K"),
        chance("run-a/0/1", 1, "J"),
        attempt("run-a/0/1", 2, 0, 1, "illegal", "call"),
        attempt("run-a/0/1", 2, 0, 2, "illegal", "fold"),
        episode_end(
            "run-a/0/1",
            EpisodeStatus::Forfeit,
            Some("seat 0 made no legal move in 2 attempts"),
            [(-1, Some("loss")), (1, Some("win"))],
        ),
        episode_start(r, 1, 0, "tic_tac_toe", 5),
        decision("run-a/1/0", 0, 0, "5", 1),
        decision("run-a/1/0", 1, 1, "1", 1),
        episode_end(
            "run-a/1/0",
            EpisodeStatus::Truncated,
            Some("max_game_rounds 2 reached"),
            [(0, None), (0, None)],
        ),
        run_end(r, RunStatus::Completed),
    ]
}

fn write(path: &Path, events: &[Event]) -> Store {
    let mut sink = SqliteSink::new(Store::open(path).unwrap());
    for e in events {
        sink.record(e.clone()).unwrap();
    }
    sink.into_store().unwrap()
}

/// The error and its sources, as the command line prints them.
fn chain(e: &dyn Error) -> String {
    let mut s = e.to_string();
    let mut source = e.source();
    while let Some(cause) = source {
        s.push_str(&format!(": {cause}"));
        source = cause.source();
    }
    s
}

fn files_of(dir: &Path) -> BTreeSet<String> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect()
}

// ---------------------------------------------------------------------------
// Writing and reading back.

/// Checks that everything the events carried reads back equal.
fn assert_reads_back(store: &Store, events: &[Event]) {
    for event in events {
        match event {
            Event::RunStarted(start) => {
                let row = store.run(&start.run_id).unwrap().unwrap();
                assert_eq!(row.seed, start.seed);
                assert_eq!(row.config_yaml, start.config_yaml);
                if start.resumed {
                    assert_eq!(row.last_resumed_at.as_ref(), Some(&start.started_at));
                } else {
                    assert_eq!(row.started_at, start.started_at);
                }
            }
            Event::RunFinished(end) => {
                let row = store.run(&end.run_id).unwrap().unwrap();
                assert_eq!(row.status, end.status);
                assert_eq!(row.finished_at.as_deref(), Some(end.finished_at.as_str()));
            }
            Event::EpisodeStarted(start) => {
                let row = store.episode(&start.episode_id).unwrap().unwrap();
                assert_eq!(row.run_id, start.run_id);
                assert_eq!(row.game, start.game);
                assert_eq!(row.game_params, start.game_params);
                assert_eq!(row.env_index, start.env_index);
                assert_eq!(row.episode_index, start.episode_index);
                assert_eq!(row.seed, start.seed);
                assert_eq!(row.started_at, start.started_at);
                let players = store.players(&start.episode_id).unwrap();
                let seats: Vec<_> = players
                    .iter()
                    .map(|p| (p.seat, p.agent.clone(), p.model.clone()))
                    .collect();
                let expected: Vec<_> = start
                    .players
                    .iter()
                    .map(|p| (p.seat, p.agent.clone(), p.model.clone()))
                    .collect();
                assert_eq!(seats, expected);
                let moves: Vec<MoveRecord> = events
                    .iter()
                    .filter_map(|e| match e {
                        Event::Move(m) if m.episode_id == start.episode_id => Some(m.clone()),
                        _ => None,
                    })
                    .collect();
                assert_eq!(store.moves(&start.episode_id).unwrap(), moves);
                let attempts: Vec<AttemptRecord> = events
                    .iter()
                    .filter_map(|e| match e {
                        Event::Attempt(a) if a.episode_id == start.episode_id => Some(a.clone()),
                        _ => None,
                    })
                    .collect();
                assert_eq!(store.attempts(&start.episode_id).unwrap(), attempts);
            }
            Event::EpisodeFinished(end) => {
                let row = store.episode(&end.episode_id).unwrap().unwrap();
                assert_eq!(row.status, end.status);
                assert_eq!(row.reason, end.reason);
                assert_eq!(row.finished_at.as_deref(), Some(end.finished_at.as_str()));
                let results: Vec<_> = store
                    .players(&end.episode_id)
                    .unwrap()
                    .into_iter()
                    .map(|p| (p.seat, p.score, p.outcome))
                    .collect();
                let expected: Vec<_> = end
                    .results
                    .iter()
                    .map(|r| (r.seat, Some(r.score), r.outcome.clone()))
                    .collect();
                assert_eq!(results, expected);
            }
            Event::Move(_) | Event::Attempt(_) => {}
        }
    }
}

#[test]
fn a_written_run_reads_back_equal() {
    let dir = tempfile::tempdir().unwrap();
    let events = small_run();
    let store = write(&dir.path().join("nested/dirs/arena.db"), &events);
    assert_reads_back(&store, &events);

    let runs: Vec<String> = store
        .runs()
        .unwrap()
        .into_iter()
        .map(|r| r.run_id)
        .collect();
    assert_eq!(runs, ["run-a"]);
    let run = store.latest_run().unwrap().unwrap();
    assert_eq!(run.run_id, "run-a");
    assert_eq!(run.seed, u64::MAX - 6);
    assert_eq!(
        run.config_yaml,
        format!("seed: {}\nnum_episodes: 2\n", u64::MAX - 6)
    );
    assert_eq!(run.resume_count, 0);
    let ids: Vec<String> = store
        .episodes("run-a")
        .unwrap()
        .into_iter()
        .map(|e| e.episode_id)
        .collect();
    assert_eq!(ids, ["run-a/0/0", "run-a/0/1", "run-a/1/0"]);
    let finished = store.finished_episode_ids("run-a").unwrap();
    assert_eq!(
        finished,
        HashSet::from(["run-a/0/0", "run-a/0/1", "run-a/1/0"].map(String::from))
    );
    assert_eq!(store.schema_version().unwrap(), SCHEMA_VERSION);
    assert_eq!(store.integrity_check().unwrap(), Vec::<String>::new());
    assert!(store.run("nope").unwrap().is_none());
    assert!(store.episode("nope").unwrap().is_none());
    assert!(store.moves("nope").unwrap().is_empty());
}

#[test]
fn rejected_attempts_view_and_return_column_answer_sql() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("arena.db");
    drop(write(&path, &small_run()));
    let conn = Connection::open(&path).unwrap();
    let rejected: Vec<(String, u32, String)> = conn
        .prepare(
            "SELECT episode_id, attempt, error FROM rejected_attempts ORDER BY episode_id, attempt",
        )
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(
        rejected,
        [
            (
                "run-a/0/0".into(),
                1,
                "\"raise\" is not a legal move; legal: bet, pass".into()
            ),
            (
                "run-a/0/1".into(),
                1,
                "\"call\" is not a legal move; legal: bet, pass".into()
            ),
            (
                "run-a/0/1".into(),
                2,
                "\"fold\" is not a legal move; legal: bet, pass".into()
            ),
        ]
    );
    // `return` is not a keyword in SQLite: researchers may write it bare.
    let total: i64 = conn
        .query_row(
            "SELECT sum(return) FROM episode_players WHERE seat = 0",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(total, 0);
    // Seeds are exact decimal text: a number literal within i64 compares
    // equal (SQLite applies the column's text affinity); a larger one must be
    // quoted, as docs/DATABASE.md says.
    let count = |sql: &str| -> i64 { conn.query_row(sql, [], |r| r.get(0)).unwrap() };
    assert_eq!(count("SELECT count(*) FROM episodes WHERE seed = 17"), 1);
    let big = format!("SELECT count(*) FROM episodes WHERE seed = '{}'", u64::MAX);
    assert_eq!(count(&big), 1);
}

#[test]
fn the_writer_thread_keeps_each_episode_in_order_across_threads() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path().join("arena.db")).unwrap();
    let options = WriterOptions {
        max_batch: 7,
        max_delay: Duration::from_millis(5),
        queue_capacity: 16,
    };
    let (handle, join) = Writer::spawn_with(store, options).unwrap();
    handle.send(run_start("r", 1, false)).unwrap();
    const THREADS: u32 = 6;
    const EPISODES: u32 = 4;
    const PLIES: u32 = 150;
    let threads: Vec<_> = (0..THREADS)
        .map(|t| {
            let handle = handle.clone();
            std::thread::spawn(move || {
                for e in 0..EPISODES {
                    let id = format!("r/{t}/{e}");
                    handle
                        .send(episode_start("r", t, e, "kuhn_poker", 9))
                        .unwrap();
                    for ply in 0..PLIES {
                        if ply % 3 == 0 {
                            handle.send(chance(&id, ply, "J")).unwrap();
                        } else {
                            handle
                                .send(attempt(&id, ply, 0, 1, "illegal", "bet"))
                                .unwrap();
                            handle.send(decision(&id, ply, 0, "bet", 1)).unwrap();
                        }
                    }
                    if e % 2 == 0 {
                        handle.flush().unwrap();
                    }
                    let end = episode_end(
                        &id,
                        EpisodeStatus::Completed,
                        None,
                        [(1, Some("win")), (-1, Some("loss"))],
                    );
                    handle.send(end).unwrap();
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    handle.send(run_end("r", RunStatus::Completed)).unwrap();
    handle.close().unwrap();
    let store = join.join().unwrap().unwrap();
    // Sends after close fail; they do not vanish silently.
    assert!(matches!(
        handle.send(run_end("r", RunStatus::Failed)),
        Err(StoreError::WriterClosed { .. })
    ));

    assert_eq!(
        store.episodes("r").unwrap().len(),
        (THREADS * EPISODES) as usize
    );
    let conn = Connection::open(store.path()).unwrap();
    for t in 0..THREADS {
        for e in 0..EPISODES {
            let id = format!("r/{t}/{e}");
            // Rows were inserted in ply order (rowid order), not only stored.
            let plies: Vec<u32> = conn
                .prepare("SELECT ply FROM moves WHERE episode_id = ?1 ORDER BY rowid")
                .unwrap()
                .query_map([&id], |r| r.get(0))
                .unwrap()
                .collect::<Result<_, _>>()
                .unwrap();
            assert_eq!(plies, (0..PLIES).collect::<Vec<_>>(), "{id}");
            assert_eq!(
                store.attempts(&id).unwrap().len(),
                (PLIES - PLIES / 3) as usize
            );
        }
    }
    assert_eq!(
        store.run("r").unwrap().unwrap().status,
        RunStatus::Completed
    );
    assert!(store.integrity_check().unwrap().is_empty());
}

#[test]
fn a_resumed_episode_replaces_its_earlier_partial_record() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("arena.db");
    // The first attempt at the run stops in the middle of episode 0/1.
    let first = [
        run_start("r", 3, false),
        episode_start("r", 0, 0, "kuhn_poker", 1),
        chance("r/0/0", 0, "J"),
        episode_end(
            "r/0/0",
            EpisodeStatus::Completed,
            None,
            [(1, Some("win")), (-1, Some("loss"))],
        ),
        episode_start("r", 0, 1, "kuhn_poker", 2),
        chance("r/0/1", 0, "K"),
        chance("r/0/1", 1, "Q"),
        attempt("r/0/1", 2, 0, 1, "illegal", "call"),
        decision("r/0/1", 2, 0, "bet", 2),
    ];
    let store = write(&path, &first);
    assert_eq!(
        store.episode("r/0/1").unwrap().unwrap().status,
        EpisodeStatus::Running
    );
    assert_eq!(
        store.finished_episode_ids("r").unwrap(),
        HashSet::from(["r/0/0".to_string()])
    );
    drop(store);

    let second = [
        run_start("r", 3, true),
        episode_start("r", 0, 1, "kuhn_poker", 2),
        chance("r/0/1", 0, "K"),
        chance("r/0/1", 1, "Q"),
        decision("r/0/1", 2, 0, "pass", 1),
        episode_end(
            "r/0/1",
            EpisodeStatus::Completed,
            None,
            [(-1, Some("loss")), (1, Some("win"))],
        ),
        run_end("r", RunStatus::Completed),
    ];
    let store = write(&path, &second);
    assert_reads_back(&store, &second);
    assert!(
        store.attempts("r/0/1").unwrap().is_empty(),
        "the old attempts are gone"
    );
    let run = store.run("r").unwrap().unwrap();
    assert_eq!((run.status, run.resume_count), (RunStatus::Completed, 1));
    assert_eq!(run.started_at, T0);
    assert_eq!(run.last_resumed_at.as_deref(), Some(T1));
    // The finished episode of the first attempt is untouched.
    assert_eq!(store.moves("r/0/0").unwrap().len(), 1);
    assert!(store.integrity_check().unwrap().is_empty());
}

#[test]
fn events_that_do_not_fit_stop_the_writer_and_the_error_surfaces() {
    let cases: Vec<(Vec<Event>, &str)> = vec![
        (
            vec![run_start("r", 1, false), run_start("r", 1, false)],
            "run r already exists",
        ),
        (
            vec![run_start("r", 1, true)],
            "cannot resume run r: there is no such run",
        ),
        (
            vec![run_start("r", 1, false), run_start("r", 2, true)],
            "cannot resume run r with seed 2: it was started with seed 1",
        ),
        (
            vec![episode_start("r", 0, 0, "kuhn_poker", 1)],
            "episode r/0/0 belongs to run r, which has not started",
        ),
        (
            vec![run_start("r", 1, false), chance("r/0/0", 0, "J")],
            "FOREIGN KEY constraint failed",
        ),
        (
            vec![
                run_start("r", 1, false),
                episode_start("r", 0, 0, "kuhn_poker", 1),
                chance("r/0/0", 0, "J"),
                chance("r/0/0", 0, "Q"),
            ],
            "UNIQUE constraint failed: moves.episode_id, moves.ply",
        ),
        (
            vec![
                run_start("r", 1, false),
                episode_start("r", 0, 0, "kuhn_poker", 1),
                episode_end(
                    "r/0/0",
                    EpisodeStatus::Completed,
                    None,
                    [(0, None), (0, None)],
                ),
                episode_start("r", 0, 0, "kuhn_poker", 1),
            ],
            "episode r/0/0 already finished (completed); a finished episode is not replayed",
        ),
        (
            vec![run_start("r", 1, false), run_end("q", RunStatus::Completed)],
            "run q finished but never started",
        ),
    ];
    for (events, expected) in cases {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("arena.db");
        let (handle, join) = Writer::spawn(Store::open(&path).unwrap()).unwrap();
        for e in &events {
            // The failing event itself may be accepted into the channel; the
            // error comes with a later call.
            let _ = handle.send(e.clone());
        }
        let err = handle.flush().unwrap_err();
        let message = chain(&err);
        assert!(message.contains(expected), "{message}");
        assert!(message.contains("arena.db"), "{message}");
        let later = handle.send(run_end("r", RunStatus::Failed)).unwrap_err();
        assert!(chain(&later).contains(expected), "{later}");
        drop(handle);
        assert!(matches!(
            join.join().unwrap(),
            Err(StoreError::WriterFailed { .. })
        ));
        // What came before the failing event was committed, nothing after.
        let store = Store::open_read_only(&path).unwrap();
        assert!(store.integrity_check().unwrap().is_empty());
        if events.len() > 1 && !expected.contains("resume") {
            assert!(store.run("r").unwrap().is_some(), "{expected}");
            assert_eq!(store.run("r").unwrap().unwrap().status, RunStatus::Running);
        }
    }
}

#[test]
fn the_sink_surfaces_errors_and_stays_failed() {
    let dir = tempfile::tempdir().unwrap();
    let mut sink = SqliteSink::new(Store::open(dir.path().join("arena.db")).unwrap());
    sink.record(run_start("r", 1, false)).unwrap();
    let err = sink.record(chance("r/9/9", 0, "J")).unwrap_err();
    assert!(format!("{err:#}").contains("FOREIGN KEY"), "{err:#}");
    let again = sink
        .record(episode_start("r", 0, 0, "kuhn_poker", 1))
        .unwrap_err();
    assert!(format!("{again:#}").contains("FOREIGN KEY"), "{again:#}");
    assert!(sink.flush().is_err());
}

// ---------------------------------------------------------------------------
// Opening files: create, migrate, refuse.

#[test]
fn an_empty_file_is_migrated_to_the_current_schema() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("empty.db");
    std::fs::write(&path, b"").unwrap();
    let store = Store::open(&path).unwrap();
    assert_eq!(store.schema_version().unwrap(), SCHEMA_VERSION);
    drop(store);
    let conn = Connection::open(&path).unwrap();
    let app: i32 = conn
        .pragma_query_value(None, "application_id", |r| r.get(0))
        .unwrap();
    assert_eq!(app, APPLICATION_ID);
    let mode: String = conn
        .pragma_query_value(None, "journal_mode", |r| r.get(0))
        .unwrap();
    assert_eq!(mode, "wal");
    let objects: Vec<String> = conn
        .prepare("SELECT name FROM sqlite_schema WHERE type IN ('table', 'view') ORDER BY name")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(
        objects,
        [
            "arena_meta",
            "attempts",
            "episode_players",
            "episodes",
            "moves",
            "rejected_attempts",
            "runs"
        ]
    );
    let created_by: String = conn
        .query_row(
            "SELECT value FROM arena_meta WHERE key = 'created_by'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert!(created_by.starts_with("llm-arena "), "{created_by}");
    drop(conn);
    // Opening again is a no-op that keeps the data.
    let store = write(&path, &small_run());
    drop(store);
    let store = Store::open(&path).unwrap();
    assert_eq!(store.runs().unwrap().len(), 1);
}

#[test]
fn an_sqlite_file_with_nothing_in_it_is_adopted() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("blank.db");
    let conn = Connection::open(&path).unwrap();
    conn.execute_batch("CREATE TABLE t (x); DROP TABLE t;")
        .unwrap();
    drop(conn);
    assert!(std::fs::metadata(&path).unwrap().len() > 0);
    let store = Store::open(&path).unwrap();
    assert_eq!(store.schema_version().unwrap(), SCHEMA_VERSION);
}

/// Opens `path` expecting a refusal; checks that neither the file nor the
/// directory changed, and returns the message.
fn refused(path: &Path) -> String {
    let dir = path.parent().unwrap();
    let before = std::fs::read(path).unwrap();
    let files_before = files_of(dir);
    let err = Store::open(path).unwrap_err();
    let read_only_err = Store::open_read_only(path).unwrap_err();
    assert_eq!(std::fs::read(path).unwrap(), before, "the file was changed");
    assert_eq!(files_of(dir), files_before, "files appeared or vanished");
    let message = chain(&err);
    assert!(message.contains(&path.display().to_string()), "{message}");
    assert_eq!(chain(&read_only_err), message);
    message
}

#[test]
fn a_database_of_a_newer_schema_is_refused_unchanged() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("newer.db");
    drop(write(&path, &small_run()));
    let conn = Connection::open(&path).unwrap();
    conn.pragma_update(None, "user_version", 99).unwrap();
    drop(conn);
    let message = refused(&path);
    assert!(
        message.contains(
            "was written by a newer llm-arena (schema v99; this build knows up to v1); upgrade"
        ),
        "{message}"
    );
}

#[test]
fn a_file_that_is_not_sqlite_is_refused_unchanged() {
    let dir = tempfile::tempdir().unwrap();
    for (name, content) in [
        (
            "notes.txt",
            b"these are my notes, not a database\n".repeat(40),
        ),
        ("short.db", b"SQLite format 3\0 but cut short".to_vec()),
        ("garbage.db", {
            let mut bytes = b"SQLite format 3\0".to_vec();
            bytes.extend((0..8192u32).map(|i| (i * 7919 % 251) as u8));
            bytes
        }),
    ] {
        let path = dir.path().join(name);
        std::fs::write(&path, &content).unwrap();
        let message = refused(&path);
        assert!(message.contains("is not an SQLite database"), "{message}");
        assert!(message.contains("left untouched"), "{message}");
    }
}

#[test]
fn a_foreign_sqlite_database_is_refused_unchanged() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("other.db");
    let conn = Connection::open(&path).unwrap();
    conn.execute_batch(
        "CREATE TABLE users (name TEXT); INSERT INTO users VALUES ('ada');
         CREATE TABLE moves (x INTEGER);",
    )
    .unwrap();
    drop(conn);
    let message = refused(&path);
    assert!(
        message.contains(
            "is an SQLite database but not an llm-arena record (it holds table moves, table users)"
        ),
        "{message}"
    );

    // Another program's mark, no tables.
    let path = dir.path().join("marked.db");
    let conn = Connection::open(&path).unwrap();
    conn.pragma_update(None, "application_id", 0x0F05_5112)
        .unwrap();
    conn.execute_batch("VACUUM").unwrap();
    drop(conn);
    let message = refused(&path);
    assert!(message.contains("application id 0x0f055112"), "{message}");
}

#[test]
fn a_foreign_database_with_writes_only_in_its_wal_is_refused_unchanged() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("busy.db");
    // Another program holds the database open in WAL mode; its table exists
    // only in the write-ahead log so far.
    let other = Connection::open(&path).unwrap();
    other.pragma_update(None, "journal_mode", "WAL").unwrap();
    other.pragma_update(None, "wal_autocheckpoint", 0).unwrap();
    other
        .execute_batch("CREATE TABLE users (name TEXT); INSERT INTO users VALUES ('ada');")
        .unwrap();
    let wal = dir.path().join("busy.db-wal");
    let wal_before = std::fs::read(&wal).unwrap();
    assert!(!wal_before.is_empty());
    let message = refused(&path);
    assert!(message.contains("it holds table users"), "{message}");
    assert_eq!(std::fs::read(&wal).unwrap(), wal_before);
    let n: i64 = other
        .query_row("SELECT count(*) FROM users", [], |r| r.get(0))
        .unwrap();
    assert_eq!(n, 1);
}

#[test]
fn a_directory_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let err = Store::open(dir.path()).unwrap_err();
    assert!(
        chain(&err).contains("is not an SQLite database (it is a directory)"),
        "{err}"
    );
}

#[cfg(unix)]
#[test]
fn a_read_only_location_is_a_clear_error() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let locked = dir.path().join("locked");
    std::fs::create_dir(&locked).unwrap();
    std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o555)).unwrap();
    // Root ignores permission bits; sysfs refuses new files even to root.
    let probe = locked.join("probe");
    let base = if std::fs::write(&probe, b"").is_err() {
        locked.clone()
    } else {
        PathBuf::from("/sys")
    };
    assert!(
        std::fs::write(base.join("llm-arena-probe"), b"").is_err(),
        "no read-only location to test with"
    );
    for path in [base.join("arena.db"), base.join("results/arena.db")] {
        let err = Store::open(&path).unwrap_err();
        let message = chain(&err);
        assert!(matches!(err, StoreError::ReadOnly { .. }), "{message}");
        assert!(
            message.starts_with(&format!("cannot write the database {}", path.display())),
            "{message}"
        );
        assert!(
            message.contains("choose a writable location (log.db)"),
            "{message}"
        );
        assert!(!path.exists());
    }
    std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o755)).unwrap();
}

#[test]
fn a_missing_database_is_not_created_by_a_read_only_open() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("missing.db");
    let err = Store::open_read_only(&path).unwrap_err();
    assert_eq!(
        err.to_string(),
        format!("the database {} does not exist", path.display())
    );
    assert!(!path.exists());
}

// ---------------------------------------------------------------------------
// Export.

fn exported(store: &Store, run: Option<&str>, format: ExportFormat, table: ExportTable) -> String {
    let mut out = Vec::new();
    export(store, run, format, table, &mut out).unwrap();
    String::from_utf8(out).unwrap()
}

#[test]
fn export_golden() {
    let dir = tempfile::tempdir().unwrap();
    let store = write(&dir.path().join("arena.db"), &small_run());
    for table in ExportTable::ALL {
        for format in ExportFormat::ALL {
            let text = exported(&store, Some("run-a"), format, table);
            insta::assert_snapshot!(format!("export_{table}_{format}"), text);
        }
    }
}

#[test]
fn export_rows_parse_back_and_filter_by_run() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("arena.db");
    let mut events = small_run();
    events.push(run_start("run-b", 2, false));
    events.push(episode_start("run-b", 0, 0, "kuhn_poker", 3));
    events.push(chance("run-b/0/0", 0, "Q"));
    let store = write(&path, &events);

    let all = exported(&store, None, ExportFormat::Jsonl, ExportTable::Moves);
    let rows: Vec<serde_json::Value> = all
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(rows.len(), 9);
    assert_eq!(rows[8]["run_id"], "run-b");
    assert_eq!(rows[2]["prompt_tokens"], 80);
    assert_eq!(rows[2]["latency_ms"], 24.5);
    assert_eq!(rows[0]["seat"], serde_json::Value::Null);
    let only_a = exported(&store, Some("run-a"), ExportFormat::Csv, ExportTable::Moves);
    let mut reader = csv::Reader::from_reader(only_a.as_bytes());
    let records: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(records.len(), 8);
    assert!(records.iter().all(|r| &r[0] == "run-a"));
    // Multi-line text survives CSV quoting.
    assert_eq!(&records[2][9], "I think bet.\nMove: bet");

    let mut sink = Vec::new();
    let err = export(
        &store,
        Some("nope"),
        ExportFormat::Csv,
        ExportTable::Moves,
        &mut sink,
    )
    .unwrap_err();
    assert_eq!(
        err.to_string(),
        format!("there is no run \"nope\" in {}", path.display())
    );
    assert!(sink.is_empty());
    assert_eq!("csv".parse::<ExportFormat>().unwrap(), ExportFormat::Csv);
    assert_eq!(
        "parquet".parse::<ExportFormat>().unwrap_err().to_string(),
        "unknown export format \"parquet\"; choose one of jsonl, csv"
    );
}

// ---------------------------------------------------------------------------
// The documented schema.

/// The SQL blocks of docs/DATABASE.md.
fn documented_queries() -> Vec<String> {
    let doc = include_str!("../../../docs/DATABASE.md");
    doc.split("```sql\n")
        .skip(1)
        .map(|block| block.split("```").next().unwrap().to_string())
        .collect()
}

#[test]
fn the_documented_queries_run_and_answer() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("arena.db");
    drop(write(&path, &small_run()));
    let conn = Connection::open(&path).unwrap();
    let queries = documented_queries();
    assert!(queries.len() >= 8, "{}", queries.len());
    let mut answers = Vec::new();
    for sql in &queries {
        let sql = sql.replace("my-run/0/0", "run-a/0/0");
        let mut stmt = conn.prepare(&sql).unwrap_or_else(|e| panic!("{e}\n{sql}"));
        let columns = stmt.column_count();
        let rows: Vec<Vec<String>> = stmt
            .query_map([], |r| {
                (0..columns)
                    .map(|i| {
                        Ok(match r.get_ref(i)? {
                            rusqlite::types::ValueRef::Null => "NULL".to_string(),
                            rusqlite::types::ValueRef::Integer(n) => n.to_string(),
                            rusqlite::types::ValueRef::Real(x) => x.to_string(),
                            rusqlite::types::ValueRef::Text(t) => {
                                String::from_utf8_lossy(t).into_owned()
                            }
                            rusqlite::types::ValueRef::Blob(_) => "BLOB".to_string(),
                        })
                    })
                    .collect()
            })
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        assert!(!rows.is_empty(), "no rows from\n{sql}");
        answers.push(
            rows.iter()
                .map(|r| r.join(" | "))
                .collect::<Vec<_>>()
                .join("\n"),
        );
    }
    // Win rates: each agent won one of the two Kuhn poker hands; the
    // truncated tic-tac-toe game has no outcome.
    assert_eq!(
        answers[0],
        "kuhn_poker | llamacpp_gemma3-270m | 2 | 1 | 0 | 1 | 0.5\n\
         kuhn_poker | random | 2 | 1 | 0 | 1 | 0.5"
    );
    // Invalid attempts: three of the model's five were rejected (its two
    // moves are the accepted ones); random's two moves were accepted.
    assert_eq!(
        answers[1],
        "llamacpp_gemma3-270m | 5 | 3 | 0.6\nrandom | 2 | 0 | 0"
    );
    // The replay query lists the episode's plies in order.
    let replay = queries
        .iter()
        .position(|q| q.contains("my-run/0/0"))
        .unwrap();
    assert_eq!(
        answers[replay]
            .lines()
            .map(|l| l.split(" | ").take(4).collect::<Vec<_>>().join(" "))
            .collect::<Vec<_>>(),
        [
            "0 chance chance J",
            "1 chance chance Q",
            "2 0 llamacpp_gemma3-270m bet",
            "3 1 random pass"
        ]
    );
}

// ---------------------------------------------------------------------------
// Nothing but what the events carried.

fn collect_json(value: &serde_json::Value, strings: &mut HashSet<String>, numbers: &mut Vec<f64>) {
    match value {
        serde_json::Value::String(s) => {
            strings.insert(s.clone());
        }
        serde_json::Value::Number(n) => {
            strings.insert(n.to_string());
            numbers.push(n.as_f64().unwrap());
        }
        serde_json::Value::Array(items) => {
            items.iter().for_each(|v| collect_json(v, strings, numbers))
        }
        serde_json::Value::Object(map) => {
            strings.insert(value.to_string());
            map.values().for_each(|v| collect_json(v, strings, numbers));
        }
        serde_json::Value::Bool(_) | serde_json::Value::Null => {}
    }
}

#[test]
fn the_database_holds_nothing_but_what_the_events_carried() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("arena.db");
    let events = small_run();
    let store = write(&path, &events);
    drop(store);

    let mut strings = HashSet::new();
    let mut numbers = vec![0.0];
    for e in &events {
        collect_json(
            &serde_json::to_value(e).unwrap(),
            &mut strings,
            &mut numbers,
        );
    }
    // The store's own vocabulary: a status while running.
    strings.insert("running".into());

    let conn = Connection::open(&path).unwrap();
    let tables: Vec<String> = conn
        .prepare("SELECT name FROM sqlite_schema WHERE type = 'table' AND name <> 'arena_meta'")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(tables.len(), 5);
    let mut cells = 0;
    for table in &tables {
        let mut stmt = conn.prepare(&format!("SELECT * FROM \"{table}\"")).unwrap();
        let columns = stmt.column_count();
        let mut rows = stmt.query([]).unwrap();
        while let Some(row) = rows.next().unwrap() {
            for i in 0..columns {
                cells += 1;
                match row.get_ref(i).unwrap() {
                    rusqlite::types::ValueRef::Null => {}
                    rusqlite::types::ValueRef::Text(t) => {
                        let t = std::str::from_utf8(t).unwrap();
                        assert!(
                            strings.contains(t),
                            "{table}.{i} holds {t:?}, not from any event"
                        );
                    }
                    rusqlite::types::ValueRef::Integer(n) => {
                        assert!(numbers.contains(&(n as f64)), "{table}.{i} holds {n}");
                    }
                    rusqlite::types::ValueRef::Real(x) => {
                        assert!(numbers.contains(&x), "{table}.{i} holds {x}");
                    }
                    rusqlite::types::ValueRef::Blob(_) => panic!("{table}.{i} holds a blob"),
                }
            }
        }
    }
    assert!(cells > 200, "{cells}");
    let meta: Vec<(String, String)> = conn
        .prepare("SELECT key, value FROM arena_meta")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(
        meta,
        [(
            "created_by".to_string(),
            format!("llm-arena {}", env!("CARGO_PKG_VERSION"))
        )]
    );
}

// ---------------------------------------------------------------------------
// Crash safety: a writer killed at any instant, then resumed.

const CRASH_CHILD: &str = "ARENA_STORE_TEST_CRASH_CHILD";
const CRASH_EPISODES: u32 = 40;
const CRASH_PLIES: u32 = 30;

/// The events of crash-test episode `index`, the same on every attempt.
fn crash_episode(index: u32) -> Vec<Event> {
    let id = format!("crash/0/{index}");
    let mut events = vec![episode_start(
        "crash",
        0,
        index,
        "kuhn_poker",
        u64::from(index),
    )];
    for ply in 0..CRASH_PLIES {
        let action = ((index * 7 + ply) % 9 + 1).to_string();
        if ply % 2 == 0 {
            events.push(attempt(&id, ply, 0, 1, "illegal", &action));
            events.push(decision(&id, ply, 0, &action, 1));
        } else {
            events.push(decision(&id, ply, 1, &action, 1));
        }
    }
    let win = i64::from(index % 3) - 1;
    events.push(episode_end(
        &id,
        EpisodeStatus::Completed,
        None,
        [(win, Some("win")), (-win, Some("loss"))],
    ));
    events
}

/// The child: runs (or resumes) the crash run through the writer thread,
/// slowly enough to be killed in the middle.
fn crash_child(path: &Path) {
    let store = Store::open(path).unwrap();
    let resumed = store.run("crash").unwrap().is_some();
    let finished = if resumed {
        store.finished_episode_ids("crash").unwrap()
    } else {
        HashSet::new()
    };
    let (handle, join) = Writer::spawn(store).unwrap();
    handle.send(run_start("crash", 42, resumed)).unwrap();
    for index in 0..CRASH_EPISODES {
        if finished.contains(&format!("crash/0/{index}")) {
            continue;
        }
        for event in crash_episode(index) {
            handle.send(event).unwrap();
            std::thread::sleep(Duration::from_micros(300));
        }
    }
    handle.send(run_end("crash", RunStatus::Completed)).unwrap();
    handle.close().unwrap();
    join.join().unwrap().unwrap();
}

/// What must hold after any crash: a sound file, contiguous plies, and only
/// whole episodes counted as finished. Returns the number of finished
/// episodes and of episodes cut short with some moves recorded.
fn check_crashed(path: &Path) -> (usize, usize) {
    let store = Store::open_read_only(path).unwrap();
    assert!(store.integrity_check().unwrap().is_empty());
    let finished = store.finished_episode_ids("crash").unwrap();
    let mut partial = 0;
    for episode in store.episodes("crash").unwrap() {
        let plies: Vec<u32> = store
            .moves(&episode.episode_id)
            .unwrap()
            .iter()
            .map(|m| m.ply)
            .collect();
        let n = plies.len() as u32;
        assert_eq!(plies, (0..n).collect::<Vec<_>>(), "{}", episode.episode_id);
        let players = store.players(&episode.episode_id).unwrap();
        if finished.contains(&episode.episode_id) {
            assert_eq!(n, CRASH_PLIES, "{}", episode.episode_id);
            assert!(players.iter().all(|p| p.outcome.is_some()));
        } else {
            assert_eq!(episode.status, EpisodeStatus::Running);
            partial += usize::from(n > 0);
            assert!(
                players
                    .iter()
                    .all(|p| p.score.is_none() && p.outcome.is_none())
            );
        }
    }
    (finished.len(), partial)
}

#[test]
fn a_writer_killed_at_any_instant_resumes_to_the_uninterrupted_record() {
    if let Some(path) = std::env::var_os(CRASH_CHILD) {
        crash_child(Path::new(&path));
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("crash.db");
    let spawn = || {
        Command::new(std::env::current_exe().unwrap())
            .args([
                "--exact",
                "a_writer_killed_at_any_instant_resumes_to_the_uninterrupted_record",
                "--test-threads=1",
            ])
            .env(CRASH_CHILD, &path)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap()
    };
    let mut finished = 0;
    let mut kills = 0;
    let mut partials = 0;
    for round in 0..4 {
        let mut child = spawn();
        // Let it write past a few more episodes (a different number each
        // round), then kill it (SIGKILL) wherever it is.
        let target = finished + 1 + round * 2;
        let deadline = Instant::now() + Duration::from_secs(120);
        loop {
            std::thread::sleep(Duration::from_millis(20));
            if child.try_wait().unwrap().is_some() {
                break;
            }
            let done = Store::open_read_only(&path)
                .and_then(|s| s.finished_episode_ids("crash"))
                .map(|f| f.len())
                .unwrap_or(0);
            if done >= target || Instant::now() > deadline {
                break;
            }
        }
        if child.try_wait().unwrap().is_none() {
            std::thread::sleep(Duration::from_millis(7 * round as u64));
            child.kill().unwrap();
            kills += 1;
        }
        child.wait().unwrap();
        let (now, cut_short) = check_crashed(&path);
        partials += cut_short;
        assert!(
            now >= finished,
            "finished episodes went from {finished} to {now}"
        );
        finished = now;
    }
    assert!(kills >= 3, "the child finished before it could be killed");
    let status = spawn().wait().unwrap();
    assert!(status.success());
    assert!(partials > 0, "no kill landed inside an episode");
    assert_eq!(check_crashed(&path), (CRASH_EPISODES as usize, 0));

    // The same run, never interrupted.
    let reference_path = dir.path().join("reference.db");
    let mut events = vec![run_start("crash", 42, false)];
    (0..CRASH_EPISODES).for_each(|i| events.extend(crash_episode(i)));
    events.push(run_end("crash", RunStatus::Completed));
    let reference = write(&reference_path, &events);
    let store = Store::open(&path).unwrap();
    for table in ExportTable::ALL {
        assert_eq!(
            exported(&store, Some("crash"), ExportFormat::Jsonl, table),
            exported(&reference, Some("crash"), ExportFormat::Jsonl, table),
            "{table}"
        );
    }
    let run = store.run("crash").unwrap().unwrap();
    assert_eq!(run.status, RunStatus::Completed);
    assert_eq!(run.resume_count, 4);
}

/// Regression: two writers on one file (a run and a game played through
/// `runner serve`, or two runs sharing `log.db`). A batch began with a
/// deferred `BEGIN`, and an event that reads before it writes (an episode's
/// start or end) failed with SQLITE_BUSY as soon as the other writer
/// committed in between: SQLite cannot wait for a lock a transaction would
/// have to upgrade from a stale snapshot. The writer then stopped.
#[test]
fn two_writers_on_one_file_both_finish() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("arena.db");
    drop(Store::open(&path).unwrap());
    let options = WriterOptions {
        // One event per transaction: the most commits, the most chances
        // for the other writer to commit between a read and a write.
        max_batch: 1,
        max_delay: Duration::ZERO,
        queue_capacity: 16,
    };
    const EPISODES: u32 = 400;
    let writers: Vec<_> = ["a", "b"]
        .into_iter()
        .map(|run| {
            let path = path.clone();
            std::thread::spawn(move || -> Result<(), String> {
                let (handle, join) =
                    Writer::spawn_with(Store::open(&path).unwrap(), options).unwrap();
                let sent = (|| {
                    handle.send(run_start(run, 1, false))?;
                    for e in 0..EPISODES {
                        let id = format!("{run}/0/{e}");
                        handle.send(episode_start(run, 0, e, "tic_tac_toe", 3))?;
                        handle.send(decision(&id, 0, 0, "5", 1))?;
                        handle.send(episode_end(
                            &id,
                            EpisodeStatus::Completed,
                            None,
                            [(1, Some("win")), (-1, Some("loss"))],
                        ))?;
                    }
                    handle.send(run_end(run, RunStatus::Completed))?;
                    handle.close()
                })();
                drop(handle);
                let joined = join.join().unwrap();
                sent.map_err(|e| chain(&e))?;
                joined.map(drop).map_err(|e| chain(&e))
            })
        })
        .collect();
    for w in writers {
        w.join().unwrap().unwrap();
    }
    let conn = Connection::open(&path).unwrap();
    let completed: i64 = conn
        .query_row(
            "SELECT count(*) FROM episodes WHERE status = 'completed'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(completed, 2 * i64::from(EPISODES));
}
