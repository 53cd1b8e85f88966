//! `runner config`: the effective configuration after defaults, the
//! `--config` file and each `--override`, or a clear error and exit code 2.

use std::path::{Path, PathBuf};

use crate::util::runner;

fn repo_file(path: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join(path)
        .display()
        .to_string()
}

/// Runs `runner config ARGS`; returns (exit code, stdout, stderr).
fn config(args: &[&str]) -> (Option<i32>, String, String) {
    let mut all = vec!["config"];
    all.extend_from_slice(args);
    let out = runner(&all);
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn config_prints_the_effective_yaml_with_overrides_applied() {
    let example = repo_file("configs/example_config.yaml");
    // (arguments, lines the effective YAML must hold)
    let cases: &[(&[&str], &[&str])] = &[
        (
            &[],
            &[
                "game_name: connect_four",
                "model: llamacpp_gemma3-270m",
                "type: random",
                "seed: 42",
                "num_episodes: 10",
                "db: results/arena.db",
            ],
        ),
        (
            &["--config", &example],
            &["run_name: example", "num_episodes: 4", "concurrency: 2"],
        ),
        (
            &[
                "--config",
                &example,
                "--override",
                "num_episodes=1",
                "--override",
                "seed=0",
            ],
            &["num_episodes: 1\n", "seed: 0\n", "run_name: example"],
        ),
        (
            &[
                "--override",
                "num_episodes=3",
                "--override",
                "num_episodes=5",
            ],
            &["num_episodes: 5\n"],
        ),
        (&["--override", "run_name=0123"], &["run_name: '0123'"]),
        (
            &[
                "--override",
                "env_configs=[connect_four,poker]",
                "--override",
                "env_configs.1.players=3",
            ],
            &["- game_name: poker", "players: 3", "player_2:"],
        ),
        (
            &["--override", "mode=random_vs_random"],
            &["mode: random_vs_random", "player_0:\n    type: random"],
        ),
    ];
    for (args, expected) in cases {
        let (code, stdout, stderr) = config(args);
        assert_eq!(code, Some(0), "{args:?}: {stderr}");
        for line in *expected {
            assert!(
                stdout.contains(line),
                "{args:?}: {line:?} not in:\n{stdout}"
            );
        }
    }
}

#[test]
fn bad_configs_and_overrides_exit_2_naming_the_problem() {
    let dir = scratch_dir("bad");
    let broken = dir.join("broken.yaml");
    std::fs::write(&broken, "seed: 1\nagents:\n  player_0:\n    modle: x\n").unwrap();
    let broken = broken.display().to_string();
    // (arguments, fragments of the message)
    let cases: &[(&[&str], &[&str])] = &[
        (
            &["--override", "num_episode=3"],
            &["num_episode", "did you mean `num_episodes`?"],
        ),
        (
            &["--override", "num_episodes=ten"],
            &["`num_episodes` must be an integer, got `ten`"],
        ),
        (&["--override", "num_episodes=0"], &["num_episodes", "is 0"]),
        (&["--override", "seed"], &["expected `key.path=value`"]),
        (
            &["--override", "env_config=chess"],
            &["unknown game `chess`"],
        ),
        (
            &["--override", "agents.player_2=random"],
            &["more players than the game seats"],
        ),
        (
            &["--override", "agents.player_0.model=litellm_acme/x"],
            &["unknown provider"],
        ),
        (
            &["--config", "/no/such/file.yaml"],
            &["cannot read config file /no/such/file.yaml"],
        ),
        (
            &["--config", &broken],
            &["broken.yaml:4:5", "did you mean `model`?"],
        ),
    ];
    for (args, expected) in cases {
        let (code, stdout, stderr) = config(args);
        assert_eq!(code, Some(2), "{args:?}: {stdout}");
        assert!(stdout.is_empty(), "{args:?}: {stdout}");
        for part in *expected {
            assert!(
                stderr.contains(part),
                "{args:?}: {part:?} not in:\n{stderr}"
            );
        }
    }
    std::fs::remove_dir_all(dir).ok();
}

#[test]
fn the_effective_yaml_is_itself_a_config_that_prints_the_same() {
    let dir = scratch_dir("roundtrip");
    let multi = repo_file("configs/multi_game.yaml");
    let (code, first, stderr) = config(&["--config", &multi, "--override", "env_configs.1.rows=4"]);
    assert_eq!(code, Some(0), "{stderr}");
    let saved = dir.join("effective.yaml");
    std::fs::write(&saved, &first).unwrap();
    let (code, second, stderr) = config(&["--config", &saved.display().to_string()]);
    assert_eq!(code, Some(0), "{stderr}");
    assert_eq!(first, second);
    std::fs::remove_dir_all(dir).ok();
}

fn scratch_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("arena-config-cli-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}
