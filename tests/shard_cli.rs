//! Sharded runs: four `runner --shard K/4` processes at once, each into its
//! own database, merged with `runner merge`, give exactly the games of one
//! unsharded run — for a run config and for a tournament. Merging shards of
//! different runs under one id is refused with nothing written.

use std::path::Path;
use std::process::{Command, Stdio};

use rusqlite::Connection;

use crate::util::{ok, query_i64, refused, runner, scratch};

/// Every episode's id, status, seats, outcomes and actions, in id order:
/// two databases holding the same games compare equal.
fn games(db: &Path) -> Vec<(String, String, String, String)> {
    let conn = Connection::open(db).unwrap();
    let mut stmt = conn
        .prepare(
            "SELECT e.episode_id, e.status,
                    (SELECT group_concat(p.agent || ':' || coalesce(p.outcome, '-'), ' ')
                     FROM episode_players p WHERE p.episode_id = e.episode_id),
                    (SELECT group_concat(m.action, ' ') FROM
                       (SELECT action FROM moves WHERE episode_id = e.episode_id ORDER BY ply) m)
             FROM episodes e ORDER BY e.episode_id",
        )
        .unwrap();
    stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect()
}

/// Runs `args` as 4 shards at once (separate processes), each into
/// `dir/shard-K.db`, then merges them into `dir/merged.db`.
fn sharded(dir: &Path, args: &[&str]) -> std::path::PathBuf {
    let children: Vec<_> = (1..=4)
        .map(|k| {
            let db = dir.join(format!("shard-{k}.db"));
            Command::new(env!("CARGO_BIN_EXE_runner"))
                .args(args)
                .args([
                    "--db",
                    db.to_str().unwrap(),
                    "--shard",
                    &format!("{k}/4"),
                    "--quiet",
                ])
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    for child in children {
        ok(&child.wait_with_output().unwrap());
    }
    let merged = dir.join("merged.db");
    let shards: Vec<String> = (1..=4)
        .map(|k| dir.join(format!("shard-{k}.db")).display().to_string())
        .collect();
    let mut merge = vec!["merge", "--into", merged.to_str().unwrap()];
    merge.extend(shards.iter().map(String::as_str));
    let report = ok(&runner(&merge));
    assert!(report.contains("merged into"), "{report}");
    merged
}

/// Episode ids carry the run id; compare the rest.
fn without_run_ids(
    games: Vec<(String, String, String, String)>,
) -> Vec<(String, String, String, String)> {
    games
        .into_iter()
        .map(|(id, a, b, c)| (id.split_once('/').unwrap().1.to_string(), a, b, c))
        .collect()
}

#[test]
fn four_shards_merged_equal_one_run() {
    let dir = scratch("shards-run");
    let args = [
        "--config",
        "configs/random_vs_random.yaml",
        "--override",
        "env_configs=[connect_four, {game_name: poker, players: 3, hands: 2}, kuhn_poker]",
        "--override",
        "num_episodes=13",
    ];
    let single = dir.join("single.db");
    let mut one = args.to_vec();
    one.extend(["--db", single.to_str().unwrap(), "--quiet"]);
    ok(&runner(&one));

    let merged = sharded(&dir, &args);
    // Each shard played a disjoint quarter.
    let per_shard: Vec<i64> = (1..=4)
        .map(|k| {
            query_i64(
                &dir.join(format!("shard-{k}.db")),
                "SELECT COUNT(*) FROM episodes",
            )
        })
        .collect();
    assert_eq!(per_shard.iter().sum::<i64>(), 39, "{per_shard:?}");
    assert!(
        per_shard.iter().all(|&n| n == 9 || n == 10),
        "{per_shard:?}"
    );
    assert_eq!(query_i64(&merged, "SELECT COUNT(*) FROM runs"), 1);
    assert_eq!(
        query_i64(
            &merged,
            "SELECT COUNT(*) FROM runs WHERE status = 'completed'"
        ),
        1
    );
    assert_eq!(
        without_run_ids(games(&merged)),
        without_run_ids(games(&single))
    );
    ok(&runner(&[
        "replay",
        "--db",
        merged.to_str().unwrap(),
        "--check",
    ]));

    // Merging again changes nothing.
    let before = games(&merged);
    let again = ok(&runner(&[
        "merge",
        "--into",
        merged.to_str().unwrap(),
        dir.join("shard-1.db").to_str().unwrap(),
    ]));
    assert!(again.contains("0 episodes copied"), "{again}");
    assert_eq!(games(&merged), before);

    // A shard of another configuration under the same run id is refused,
    // and the target is left as it was.
    let other = dir.join("other.db");
    let run_id: String = Connection::open(&merged)
        .unwrap()
        .query_row("SELECT run_id FROM runs", [], |r| r.get(0))
        .unwrap();
    let mut different = args.to_vec();
    different.extend([
        "--override",
        "seed=99",
        "--db",
        other.to_str().unwrap(),
        "--run-id",
        &run_id,
        "--quiet",
    ]);
    ok(&runner(&different));
    let bytes = std::fs::read(&merged).unwrap();
    refused(
        &[
            "merge",
            "--into",
            merged.to_str().unwrap(),
            other.to_str().unwrap(),
        ],
        &["different configuration", "nothing was written"],
    );
    assert_eq!(std::fs::read(&merged).unwrap(), bytes);

    // A sharded run's id is its configuration's: starting shard 1 again
    // (a scheduler retrying the task) resumes it and plays nothing more.
    let mut rerun = args.to_vec();
    let shard1 = dir.join("shard-1.db");
    rerun.extend(["--db", shard1.to_str().unwrap(), "--shard", "1/4"]);
    let again = runner(&rerun);
    let stderr = String::from_utf8_lossy(&again.stderr);
    assert!(
        again.status.success() && stderr.contains("resuming run sharded-"),
        "{stderr}"
    );
    assert!(ok(&again).contains("— 0 episodes ended"));
    // An explicit --run-id that is taken is refused.
    let mut taken = args.to_vec();
    taken.extend(["--db", merged.to_str().unwrap(), "--run-id", &run_id]);
    refused(&taken, &["is already in", "--resume"]);
    refused(
        &[
            "--config",
            "configs/random_vs_random.yaml",
            "--shard",
            "5/4",
        ],
        &["K/N"],
    );
}

#[test]
fn four_tournament_shards_merged_equal_one_tournament() {
    let dir = scratch("shards-tournament");
    let args = ["tournament", "--config", "experiments/baselines.yaml"];
    let single = dir.join("single.db");
    let mut one = args.to_vec();
    one.extend(["--db", single.to_str().unwrap(), "--quiet"]);
    ok(&runner(&one));
    let merged = sharded(&dir, &args);
    assert_eq!(
        without_run_ids(games(&merged)),
        without_run_ids(games(&single))
    );
    // The merged tournament rates like the single one: the same ranks,
    // records and Bradley–Terry ratings (to rounding; Elo follows the order
    // episodes finished in, and latencies are wall time, so those differ).
    let board = |db: &Path| -> Vec<String> {
        let csv = ok(&runner(&[
            "leaderboard",
            "--db",
            db.to_str().unwrap(),
            "--format",
            "csv",
        ]));
        csv.lines()
            .skip(1)
            .map(|line| {
                let f: Vec<&str> = line.split(',').collect();
                let rating: f64 = f[3].parse().unwrap();
                format!(
                    "{} {} {} {:.6} {}-{}-{}",
                    f[0], f[1], f[2], rating, f[10], f[11], f[12]
                )
            })
            .collect()
    };
    assert_eq!(board(&merged), board(&single));
}

/// The Slurm recipe, run as plain bash with the variables a job array sets:
/// four array tasks (one started twice, as a requeue does), then the merge
/// job's script.
#[test]
fn the_slurm_recipe_runs_shards_and_merges_them() {
    let dir = scratch("shards-slurm");
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
    let script = |name: &str| repo.join("deploy/slurm").join(name);
    let config = repo.join("experiments/baselines.yaml");
    for k in [1, 2, 3, 4, 2] {
        let out = Command::new("bash")
            .arg(script("arena-shards.sbatch"))
            .arg(&config)
            .current_dir(&dir)
            .env("RUNNER", env!("CARGO_BIN_EXE_runner"))
            .env("SLURM_ARRAY_TASK_ID", k.to_string())
            .env("SLURM_ARRAY_TASK_COUNT", "4")
            .output()
            .unwrap();
        ok(&out);
    }
    let out = Command::new("bash")
        .arg(script("arena-merge.sbatch"))
        .current_dir(&dir)
        .env("RUNNER", env!("CARGO_BIN_EXE_runner"))
        .output()
        .unwrap();
    ok(&out);
    let merged = dir.join("results/merged.db");
    assert_eq!(
        query_i64(
            &merged,
            "SELECT COUNT(*) FROM episodes WHERE status = 'completed'"
        ),
        60,
        "experiments/baselines.yaml plays 60 episodes"
    );
    let board = std::fs::read_to_string(dir.join("results/leaderboard.md")).unwrap();
    assert!(board.contains("baseline_connect_four"), "{board}");
    assert!(dir.join("results/report/index.html").is_file());
}
