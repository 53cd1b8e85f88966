//! `runner tournament`: a scripted tournament played and its duplicate deals
//! checked in the database, resume after Ctrl-C to the results of an
//! uninterrupted tournament, bad input refused with exit code 2 and nothing
//! written, and the embedded model in a one-command tournament.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use rusqlite::Connection;

use crate::util::{ok, query_i64, refused, runner, scratch};

/// Writes a tournament file into `dir` and returns its path.
fn tournament_file(dir: &Path, name: &str, yaml: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, yaml).unwrap();
    path
}

fn only_run_id(db: &Path) -> String {
    Connection::open(db)
        .unwrap()
        .query_row("SELECT run_id FROM runs", [], |r| r.get(0))
        .unwrap()
}

/// Heads-up poker matches of several hands between a scripted player and
/// random, and Connect Four between random and its baseline.
const SCRIPTED: &str = "\
name: scripted
seed: 5
participants: [random, baseline_poker, baseline_connect_four]
games:
  - {game_name: poker, hands: 6, stack: 30, episodes: 8}
  - {game_name: connect_four, episodes: 3}
concurrency: 3
";

#[test]
fn mirrored_episodes_share_their_deals_in_the_database() {
    let dir = scratch("tournament-duplicate");
    let db = dir.join("arena.db");
    let file = tournament_file(&dir, "t.yaml", SCRIPTED);
    let out = ok(&runner(&[
        "tournament",
        "--config",
        file.to_str().unwrap(),
        "--db",
        db.to_str().unwrap(),
    ]));
    assert!(out.contains("baseline_poker"), "{out}");
    // One pairing per game (each baseline plays only its game): 8 poker
    // deals and 3 Connect Four deals, each from both sides.
    assert_eq!(query_i64(&db, "SELECT COUNT(*) FROM episodes"), 22);
    assert_eq!(
        query_i64(
            &db,
            "SELECT COUNT(*) FROM episodes WHERE status = 'completed'"
        ),
        22
    );
    // Mirrored pairs: same run, game entry (so same game and parameters) and
    // seed — exactly two episodes each, the seats swapped.
    assert_eq!(
        query_i64(
            &db,
            "SELECT COUNT(*) FROM (SELECT run_id, env_index, seed, COUNT(*) AS n \
             FROM episodes GROUP BY run_id, env_index, seed) WHERE n != 2"
        ),
        0
    );
    assert_eq!(
        query_i64(
            &db,
            "SELECT COUNT(*) FROM episodes a JOIN episodes b \
               ON a.run_id = b.run_id AND a.env_index = b.env_index AND a.seed = b.seed \
              AND a.episode_id < b.episode_id \
             JOIN episode_players pa ON pa.episode_id = a.episode_id \
             JOIN episode_players pb ON pb.episode_id = b.episode_id AND pb.seat = 1 - pa.seat \
             WHERE pa.agent != pb.agent"
        ),
        0,
        "a mirror seats the same agents the other way round"
    );
    // The deals: in every mirrored pair, each chance key both episodes
    // reached dealt the same card …
    let pairs = "FROM episodes a JOIN episodes b \
                   ON a.run_id = b.run_id AND a.env_index = b.env_index AND a.seed = b.seed \
                  AND a.episode_id < b.episode_id \
                 JOIN moves ma ON ma.episode_id = a.episode_id AND ma.actor = 'chance' \
                 JOIN moves mb ON mb.episode_id = b.episode_id AND mb.actor = 'chance' \
                  AND json_extract(ma.metadata, '$.chance_key') \
                    = json_extract(mb.metadata, '$.chance_key') \
                 WHERE a.game = 'poker'";
    assert_eq!(
        query_i64(
            &db,
            &format!("SELECT COUNT(*) {pairs} AND ma.action != mb.action")
        ),
        0
    );
    let shared = query_i64(&db, &format!("SELECT COUNT(*) {pairs}"));
    assert!(shared >= 8 * 4, "{shared}");
    // … even where play went differently: in some pair one episode dealt
    // more cards in a hand than its mirror (a fold against a showdown), and
    // the next hand still dealt the same.
    let conn = Connection::open(&db).unwrap();
    let mut stmt = conn
        .prepare(
            "SELECT e.seed, e.episode_id, json_extract(m.metadata, '$.chance_key'), m.action \
             FROM episodes e JOIN moves m USING (episode_id) \
             WHERE e.game = 'poker' AND m.actor = 'chance' ORDER BY e.episode_id, m.ply",
        )
        .unwrap();
    // seed → episode → chance key → card
    let mut deals: BTreeMap<String, BTreeMap<String, BTreeMap<i64, String>>> = BTreeMap::new();
    for row in stmt
        .query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, i64>(2)?,
                r.get::<_, String>(3)?,
            ))
        })
        .unwrap()
    {
        let (seed, episode, key, card) = row.unwrap();
        deals
            .entry(seed)
            .or_default()
            .entry(episode)
            .or_default()
            .insert(key, card);
    }
    assert_eq!(deals.len(), 8);
    let mut diverged_then_same = 0;
    for (seed, episodes) in &deals {
        let [a, b]: [&BTreeMap<i64, String>; 2] = episodes
            .values()
            .collect::<Vec<_>>()
            .try_into()
            .unwrap_or_else(|_| panic!("seed {seed}: not a pair"));
        let per_hand =
            |d: &BTreeMap<i64, String>, hand: i64| d.keys().filter(|k| *k >> 8 == hand).count();
        for hand in 1..6 {
            let (na, nb) = (per_hand(a, hand), per_hand(b, hand));
            let next_shared = a
                .keys()
                .filter(|k| *k >> 8 == hand + 1 && b.contains_key(k))
                .count();
            if na != nb && next_shared > 0 {
                diverged_then_same += 1;
            }
        }
    }
    assert!(
        diverged_then_same > 0,
        "no pair diverged and went on; make the matches longer"
    );
    // Connect Four has no chance: its mirrors still swap the seats.
    assert_eq!(
        query_i64(
            &db,
            "SELECT COUNT(*) FROM moves m JOIN episodes e USING (episode_id) \
             WHERE e.game = 'connect_four' AND m.actor = 'chance'"
        ),
        0
    );
    // The run records the effective tournament file, and replays.
    let stored: String = conn
        .query_row("SELECT config_yaml FROM runs", [], |r| r.get(0))
        .unwrap();
    assert!(stored.contains("participants:"), "{stored}");
    assert!(stored.contains("duplicate: true"), "{stored}");
    ok(&runner(&[
        "replay",
        "--db",
        db.to_str().unwrap(),
        "--check",
    ]));
}

/// Every move and result of every episode, keyed by (game entry, episode
/// index), so databases of different runs compare.
fn actions_by_episode(db: &Path) -> Vec<(i64, i64, String, String, String)> {
    let conn = Connection::open(db).unwrap();
    let mut stmt = conn
        .prepare(
            "SELECT e.env_index, e.episode_index, e.seed, group_concat(m.action, ' '), \
             (SELECT group_concat(p.agent || ':' || coalesce(p.outcome, '-'), ' ') \
              FROM episode_players p WHERE p.episode_id = e.episode_id) \
             FROM episodes e JOIN moves m USING (episode_id) \
             GROUP BY e.episode_id ORDER BY e.env_index, e.episode_index",
        )
        .unwrap();
    stmt.query_map([], |r| {
        Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
    })
    .unwrap()
    .map(Result::unwrap)
    .collect()
}

const LONG: &str = "\
name: long
seed: 11
participants: [random, baseline_tic_tac_toe, baseline_poker]
games:
  - {game_name: tic_tac_toe, episodes: 300}
  - {game_name: poker, hands: 20, stack: 40, episodes: 60}
concurrency: 2
";

#[test]
fn an_interrupted_tournament_resumes_to_the_results_of_an_uninterrupted_one() {
    let dir = scratch("tournament-resume");
    let file = tournament_file(&dir, "t.yaml", LONG);
    let file = file.to_str().unwrap();
    let whole = dir.join("whole.db");
    ok(&runner(&[
        "tournament",
        "--config",
        file,
        "--db",
        whole.to_str().unwrap(),
    ]));
    let expected = actions_by_episode(&whole);
    let total = expected.len() as i64;
    assert_eq!(total, 2 * 300 + 2 * 60);

    let db = dir.join("interrupted.db");
    let child = Command::new(env!("CARGO_BIN_EXE_runner"))
        .args(["tournament", "--config", file, "--db", db.to_str().unwrap()])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let moves = || -> i64 {
        Connection::open(&db)
            .and_then(|c| c.query_row("SELECT COUNT(*) FROM moves", [], |r| r.get(0)))
            .unwrap_or(0)
    };
    let waited = std::time::Instant::now();
    while (!db.exists() || moves() < 2000) && waited.elapsed() < Duration::from_secs(60) {
        std::thread::sleep(Duration::from_millis(5));
    }
    // SIGINT, as Ctrl-C sends it.
    let pid = nix::unistd::Pid::from_raw(i32::try_from(child.id()).unwrap());
    nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGINT).unwrap();
    let out = child.wait_with_output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(130), "{stdout}");
    assert!(
        stdout.contains("resume with: runner tournament --resume"),
        "{stdout}"
    );
    let run_id = only_run_id(&db);
    let finished = query_i64(
        &db,
        "SELECT COUNT(*) FROM episodes WHERE status IN ('completed', 'truncated', 'forfeit')",
    );
    assert!(
        finished > 0 && finished < total,
        "interrupted after {finished} of {total} episodes; make it longer"
    );

    // A tournament is resumed as one; the plain command says so and writes
    // nothing.
    let rows = |db: &Path| {
        query_i64(
            db,
            "SELECT (SELECT COUNT(*) FROM moves) + (SELECT COUNT(*) FROM episodes) + (SELECT resume_count FROM runs)",
        )
    };
    let before = rows(&db);
    refused(
        &["--resume", &run_id, "--db", db.to_str().unwrap()],
        &["is a tournament", "runner tournament --resume"],
    );
    assert_eq!(rows(&db), before);

    let out = runner(&[
        "tournament",
        "--resume",
        &run_id,
        "--db",
        db.to_str().unwrap(),
    ]);
    let stdout = ok(&out);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(&format!("{finished} of {total} episodes already finished")),
        "{stderr}"
    );
    // Only the missing episodes were played.
    assert!(
        stdout.contains(&format!(
            "completed — {} episodes ended in this execution",
            total - finished
        )),
        "{stdout}"
    );
    assert_eq!(actions_by_episode(&db), expected);
    assert_eq!(
        query_i64(
            &db,
            "SELECT COUNT(*) FROM episodes WHERE status = 'completed'"
        ),
        total
    );
    // Resuming again plays nothing.
    let again = ok(&runner(&[
        "tournament",
        "--resume",
        &run_id,
        "--db",
        db.to_str().unwrap(),
    ]));
    assert!(again.contains("— 0 episodes ended"), "{again}");
}

#[test]
fn bad_tournaments_are_refused_with_a_clear_message_and_nothing_written() {
    let dir = scratch("tournament-bad-input");
    let db = dir.join("arena.db");
    let dbs = db.to_str().unwrap();
    let cases: &[(&str, &[&str])] = &[
        (
            "participants: [random]\ngames: [connect_four]\n",
            &["participants", "at least two"],
        ),
        (
            "participants: [random, baseline_poker, random]\ngames: [poker]\n",
            &["participants.2", "listed twice"],
        ),
        (
            "participants: [random, baseline_pokr]\ngames: [poker]\n",
            &["baseline_pokr", "did you mean `baseline_poker`"],
        ),
        (
            "participants: [random, baseline_poker]\ngames: [pokr]\n",
            &["games.0.game_name", "did you mean `poker`"],
        ),
        (
            "participants: [random, baseline_poker]\ngames: [{game_name: poker, stak: 10}]\n",
            &["games.0.stak", "did you mean `stack`"],
        ),
        (
            "participants: [random, baseline_poker, llamacpp_gemma3-270m]\n\
             games: [{game_name: poker, players: 6}]\n",
            &["games.0", "poker seats 6", "only 3"],
        ),
        (
            "participants: [random, baseline_poker]\ngames: [poker]\nschedule: gauntlet\n",
            &["anchors", "gauntlet"],
        ),
        (
            "participants: [random, baseline_poker]\ngames: [poker]\nschedule: gauntlet\n\
             anchors: [baseline_connect_four]\n",
            &["anchors.0", "not a participant"],
        ),
        (
            "participants: [random, baseline_poker]\ngames: [{game_name: poker, episodes: 0}]\n",
            &["games.0.episodes", "is 0"],
        ),
        (
            "participants: [random, baseline_poker]\ngames: [poker]\nsede: 3\n",
            &["sede", "did you mean `seed`"],
        ),
    ];
    for (i, (yaml, needles)) in cases.iter().enumerate() {
        let file = tournament_file(&dir, &format!("bad{i}.yaml"), yaml);
        refused(
            &[
                "tournament",
                "--config",
                file.to_str().unwrap(),
                "--db",
                dbs,
            ],
            needles,
        );
    }
    let good = tournament_file(
        &dir,
        "good.yaml",
        "participants: [random, baseline_tic_tac_toe]\ngames: [{game_name: tic_tac_toe, episodes: 1}]\n",
    );
    let good = good.to_str().unwrap();
    refused(
        &[
            "tournament",
            "--config",
            good,
            "--override",
            "games.0.episodes=0",
            "--db",
            dbs,
        ],
        &["games.0.episodes"],
    );
    refused(
        &[
            "tournament",
            "--config",
            good,
            "--override",
            "participant=[x]",
            "--db",
            dbs,
        ],
        &["did you mean `participants`"],
    );
    refused(
        &[
            "tournament",
            "--config",
            "experiments/nope.yaml",
            "--db",
            dbs,
        ],
        &["nope.yaml"],
    );
    refused(
        &["tournament", "--resume", "no-such-run", "--db", dbs],
        &["no-such-run"],
    );
    // A missing API key is named before anything is written.
    let api = tournament_file(
        &dir,
        "api.yaml",
        "participants: [random, litellm_groq/llama-3.1-8b-instant]\ngames: [tic_tac_toe]\n",
    );
    let out = Command::new(env!("CARGO_BIN_EXE_runner"))
        .args(["tournament", "--config", api.to_str().unwrap(), "--db", dbs])
        .env_remove("GROQ_API_KEY")
        .current_dir(&dir)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("GROQ_API_KEY"), "{err}");
    assert!(!db.exists(), "bad input created {}", db.display());

    // A plain run is not resumed as a tournament (and is left as it was).
    ok(&runner(&[
        "--config",
        "configs/random_vs_random.yaml",
        "--override",
        "num_episodes=1",
        "--override",
        "env_configs=[tic_tac_toe]",
        "--override",
        &format!("log.db={dbs}"),
    ]));
    let run_id = only_run_id(&db);
    let before = std::fs::read(&db).unwrap();
    refused(
        &["tournament", "--resume", &run_id, "--db", dbs],
        &["is not a tournament", &format!("runner --resume {run_id}")],
    );
    assert_eq!(std::fs::read(&db).unwrap(), before);
}

/// Issue 5's "done when": a tournament between the embedded model and the
/// baselines runs from one command, resumes after an interruption, and
/// gives the leaderboard and the HTML report.
#[test]
fn the_embedded_model_plays_a_one_command_tournament_that_resumes_into_a_report() {
    let dir = scratch("tournament-embedded");
    let db = dir.join("arena.db");
    let file = tournament_file(
        &dir,
        "t.yaml",
        "participants: [llamacpp_gemma3-270m, baseline_connect_four, random]\n\
         games: [{game_name: connect_four, episodes: 1}]\n\
         concurrency: 1\n\
         llm_backend: {max_tokens: 16}\n",
    );
    let child = Command::new(env!("CARGO_BIN_EXE_runner"))
        .args([
            "tournament",
            "--config",
            file.to_str().unwrap(),
            "--db",
            db.to_str().unwrap(),
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let completed = || -> i64 {
        Connection::open(&db)
            .and_then(|c| {
                c.query_row(
                    "SELECT COUNT(*) FROM episodes WHERE status = 'completed'",
                    [],
                    |r| r.get(0),
                )
            })
            .unwrap_or(0)
    };
    let waited = std::time::Instant::now();
    while completed() < 1 && waited.elapsed() < Duration::from_secs(120) {
        std::thread::sleep(Duration::from_millis(20));
    }
    let pid = nix::unistd::Pid::from_raw(i32::try_from(child.id()).unwrap());
    nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGINT).unwrap();
    let out = child.wait_with_output().unwrap();
    assert_eq!(
        out.status.code(),
        Some(130),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let finished = completed();
    // Three tables (every pair), one deal each, played from both sides.
    assert!(
        (1..6).contains(&finished),
        "{finished} finished before Ctrl-C"
    );
    let run_id = only_run_id(&db);
    let out = ok(&runner(&[
        "tournament",
        "--resume",
        &run_id,
        "--db",
        db.to_str().unwrap(),
    ]));
    assert!(out.contains("llamacpp_gemma3-270m"), "{out}");
    // A finished tournament ends with its leaderboard.
    assert!(
        out.contains("all games — 6 rated episodes in 3 deals"),
        "{out}"
    );
    assert!(out.contains("the full report: runner report --db"), "{out}");
    assert_eq!(completed(), 6);
    assert_eq!(
        query_i64(
            &db,
            "SELECT COUNT(DISTINCT p.seat) FROM episode_players p \
             WHERE p.agent = 'llamacpp_gemma3-270m'"
        ),
        2
    );
    // Constrained decoding: every model move is its own.
    assert!(
        query_i64(
            &db,
            "SELECT COUNT(*) FROM moves WHERE actor = 'llamacpp_gemma3-270m'"
        ) >= 8
    );
    assert_eq!(
        query_i64(
            &db,
            "SELECT COUNT(*) FROM moves WHERE actor = 'llamacpp_gemma3-270m' \
             AND parse_status != 'parsed'"
        ),
        0
    );
    ok(&runner(&[
        "replay",
        "--db",
        db.to_str().unwrap(),
        "--check",
    ]));

    let json = ok(&runner(&[
        "leaderboard",
        "--db",
        db.to_str().unwrap(),
        "--format",
        "json",
    ]));
    let boards: serde_json::Value = serde_json::from_str(&json).unwrap();
    let rows = boards[0]["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 3, "{json}");
    assert_eq!(boards[0]["rated_episodes"], 6);
    assert_eq!(boards[0]["deals"], 3);
    let model = rows
        .iter()
        .find(|r| r["participant"] == "llamacpp_gemma3-270m")
        .unwrap();
    assert_eq!(model["episodes"], 4);
    assert!(model["latency_p50_ms"].as_f64().unwrap() > 0.0);
    let report = dir.join("report");
    let index = ok(&runner(&[
        "report",
        "--db",
        db.to_str().unwrap(),
        "--out",
        report.to_str().unwrap(),
    ]));
    assert!(index.trim().ends_with("index.html"));
    let html = std::fs::read_to_string(report.join("index.html")).unwrap();
    assert!(html.contains("llamacpp_gemma3-270m"));
    assert_eq!(
        std::fs::read_dir(report.join("episodes")).unwrap().count(),
        6
    );
}
