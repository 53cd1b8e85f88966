//! Tests of the configuration layer: defaults, overrides, validation,
//! episode seeds, the YAML round trip and every file in `configs/`.

use std::path::{Path, PathBuf};

use arena_agents::turn::OnFailure;
use arena_games::ParamValue;

use super::*;

fn strings(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| s.to_string()).collect()
}

/// The config from `yaml` (a file named `test.yaml`) and `overrides`.
fn config(yaml: &str, overrides: &[&str]) -> RunConfig {
    load_str(yaml, Path::new("test.yaml"), &strings(overrides))
        .unwrap_or_else(|e| panic!("{yaml}\n{overrides:?}\n→ {e}"))
}

/// The error message for `yaml` and `overrides`.
fn error(yaml: &str, overrides: &[&str]) -> String {
    match load_str(yaml, Path::new("test.yaml"), &strings(overrides)) {
        Ok(c) => panic!("{yaml}\n{overrides:?}\nloaded: {c:#?}"),
        Err(e) => e.to_string(),
    }
}

/// Asserts the error for `yaml` + `overrides` mentions every part.
fn check_error(yaml: &str, overrides: &[&str], parts: &[&str]) {
    let msg = error(yaml, overrides);
    for part in parts {
        assert!(
            msg.contains(part),
            "{yaml:?} {overrides:?}: {part:?} not in:\n{msg}"
        );
    }
}

fn names(env: &EnvConfig) -> Vec<&str> {
    env.seats.iter().map(|s| s.name.as_str()).collect()
}

/// The raw tree after overrides, without validation.
fn raw_after(overrides: &[&str]) -> RawConfig {
    let mut tree = serde_yaml::Value::Mapping(serde_yaml::Mapping::new());
    for o in overrides {
        overrides::apply(&mut tree, o).unwrap();
    }
    raw::from_tree(tree).unwrap()
}

#[test]
fn defaults_are_the_embedded_model_against_random_at_connect_four() {
    let c = load(None, &[]).unwrap();
    assert_eq!(c.mode, Mode::LlmVsRandom);
    assert_eq!(c.seed, 42);
    assert_eq!(c.num_episodes.get(), 10);
    assert_eq!(c.concurrency.get(), 4);
    assert_eq!(c.run_name, None);
    assert_eq!(c.envs.len(), 1);
    let env = &c.envs[0];
    assert_eq!(env.game, "connect_four");
    assert_eq!(env.params["rows"], ParamValue::Int(6));
    assert_eq!(env.params["columns"], ParamValue::Int(7));
    assert_eq!(env.max_game_rounds, None);
    assert_eq!(names(env), ["llamacpp_gemma3-270m", "random"]);
    assert_eq!(env.seats[0].agent_type, AgentType::Llm);
    assert_eq!(
        env.seats[0].agent,
        AgentName::LlamaCpp("gemma3-270m".to_string())
    );
    assert_eq!(c.llm_backend.default_model, DEFAULT_MODEL);
    assert_eq!(c.llm_backend.max_tokens.get(), 256);
    assert_eq!(c.llm_backend.temperature, 0.0);
    assert_eq!(c.llm_backend.request_timeout, Duration::from_secs(60));
    assert_eq!(c.llm_backend.max_retries, 3);
    assert_eq!(c.illegal_move_policy, IllegalMovePolicy::default());
    assert_eq!(c.log.db, PathBuf::from("results/arena.db"));
    // An empty file and a file of comments set nothing either.
    assert_eq!(config("", &[]), c);
    assert_eq!(config("# nothing\n", &[]), c);
}

#[test]
fn overrides_are_typed_by_the_schema() {
    let c = config("", &["num_episodes=1", "seed=0", "concurrency=16"]);
    assert_eq!(
        (c.num_episodes.get(), c.seed, c.concurrency.get()),
        (1, 0, 16)
    );

    // Strings stay strings, digits and all.
    let raw = raw_after(&["agents.player_0.model=0123", "run_name=007"]);
    assert_eq!(
        raw.agents.unwrap()["player_0"].model.as_deref(),
        Some("0123")
    );
    assert_eq!(raw.run_name.as_deref(), Some("007"));
    assert_eq!(
        config("", &["run_name=true"]).run_name.as_deref(),
        Some("true")
    );
    assert_eq!(
        config("", &["run_name=\"quoted name\""])
            .run_name
            .as_deref(),
        Some("quoted name")
    );
    // Model names keep their dots and slashes; the value may contain `=`.
    let c = config(
        "",
        &["agents.player_0.model=litellm_together_ai/meta-llama/Llama-3.3-70B-Instruct-Turbo"],
    );
    assert_eq!(
        c.envs[0].seats[0].name,
        "litellm_together_ai/meta-llama/Llama-3.3-70B-Instruct-Turbo"
    );
    assert_eq!(
        config("", &["run_name=a=b"]).run_name.as_deref(),
        Some("a=b")
    );

    // Floats, enums, nested maps.
    let c = config(
        "",
        &[
            "llm_backend.temperature=0.7",
            "llm_backend.max_tokens=64",
            "llm_backend.request_timeout_s=2.5",
            "llm_backend.max_retries=0",
            "illegal_move_policy.on_failure=random",
            "illegal_move_policy.reprompts=0",
            "log.db=/tmp/x.db",
            "mode=llm_vs_llm",
        ],
    );
    assert_eq!(c.llm_backend.temperature, 0.7);
    assert_eq!(c.llm_backend.max_tokens.get(), 64);
    assert_eq!(c.llm_backend.request_timeout, Duration::from_millis(2500));
    assert_eq!(c.llm_backend.max_retries, 0);
    assert_eq!(c.illegal_move_policy.on_failure, OnFailure::Random);
    assert_eq!(c.illegal_move_policy.reprompts, 0);
    assert_eq!(c.log.db, PathBuf::from("/tmp/x.db"));
    assert_eq!(c.mode, Mode::LlmVsLlm);
    assert_eq!(
        names(&c.envs[0]),
        ["llamacpp_gemma3-270m", "llamacpp_gemma3-270m"]
    );
    // An integer is a fine temperature.
    assert_eq!(
        config("", &["llm_backend.temperature=1"])
            .llm_backend
            .temperature,
        1.0
    );

    // Game parameters take the type their game declares: booleans, integers, words.
    let c = config(
        "",
        &[
            "env_config=hex",
            "env_config.swap=true",
            "env_config.size=7",
        ],
    );
    assert_eq!(c.envs[0].game, "hex");
    assert_eq!(c.envs[0].params["swap"], ParamValue::Bool(true));
    assert_eq!(c.envs[0].params["size"], ParamValue::Int(7));
    let c = config(
        "",
        &[
            "env_config.game_name=reverse_hangman",
            "env_config.difficulty=hard",
        ],
    );
    assert_eq!(
        c.envs[0].params["difficulty"],
        ParamValue::Str("hard".into())
    );
}

#[test]
fn lists_and_indexed_paths() {
    let c = config("", &["env_configs=[connect_four,poker]"]);
    let games: Vec<&str> = c.envs.iter().map(|e| e.game.as_str()).collect();
    assert_eq!(games, ["connect_four", "poker"]);

    // An index reaches into the list; the game's seats follow `players`.
    let c = config(
        "",
        &[
            "env_configs=[connect_four, poker]",
            "env_configs.1.players=6",
        ],
    );
    assert_eq!(c.envs[1].params["players"], ParamValue::Int(6));
    assert_eq!(c.envs[1].seats.len(), 6);
    assert_eq!(names(&c.envs[1])[0], "llamacpp_gemma3-270m");
    assert!(names(&c.envs[1])[1..].iter().all(|n| *n == "random"));

    // Full YAML flow syntax, appending with the next index, removing with null.
    let c = config(
        "",
        &[
            "env_configs=[{game_name: poker, players: 3, hands: 2}, tic_tac_toe]",
            "env_configs.2=hex",
            "env_configs.2.size=5",
            "env_configs.1=null",
        ],
    );
    let games: Vec<&str> = c.envs.iter().map(|e| e.game.as_str()).collect();
    assert_eq!(games, ["poker", "hex"]);
    assert_eq!(c.envs[0].params["hands"], ParamValue::Int(2));
    assert_eq!(c.envs[1].params["size"], ParamValue::Int(5));

    // A single name is a list of one; setting env_configs replaces env_config.
    let file = "env_config: {game_name: poker, players: 4}\n";
    let c = config(file, &["env_configs=tic_tac_toe"]);
    assert_eq!(c.envs.len(), 1);
    assert_eq!(c.envs[0].game, "tic_tac_toe");
    let c = config("env_configs: [poker, hex]\n", &["env_config=kuhn_poker"]);
    assert_eq!(c.envs.len(), 1);
    assert_eq!(c.envs[0].game, "kuhn_poker");

    // Agents, whole or by key; a bare name is the model, its type inferred.
    let c = config(
        "",
        &[
            "agents={player_0: random, player_1: {type: llm}}",
            "mode=llm_vs_random",
        ],
    );
    assert_eq!(names(&c.envs[0]), ["random", "llamacpp_gemma3-270m"]);
    let c = config(
        "agents: {player_0: random, player_1: random}\nmode: random_vs_random\n",
        &[
            "agents.player_1.model=baseline_connect_four",
            "agents.player_1.type=baseline",
            "mode=random_vs_baseline",
        ],
    );
    assert_eq!(names(&c.envs[0]), ["random", "baseline_connect_four"]);
    let c = config(
        "mode: llm_vs_llm\n",
        &["agents.player_1=litellm_groq/llama-3.1-8b-instant"],
    );
    assert_eq!(
        names(&c.envs[0]),
        ["llamacpp_gemma3-270m", "litellm_groq/llama-3.1-8b-instant"]
    );
}

#[test]
fn precedence_is_defaults_then_file_then_each_override_in_order() {
    let file = "num_episodes: 5\nseed: 7\nllm_backend: {max_tokens: 99}\n";
    assert_eq!(config("", &[]).num_episodes.get(), 10);
    assert_eq!(config(file, &[]).num_episodes.get(), 5);
    assert_eq!(config(file, &["num_episodes=3"]).num_episodes.get(), 3);
    assert_eq!(
        config(file, &["num_episodes=3", "num_episodes=7"])
            .num_episodes
            .get(),
        7
    );
    // An override of one key leaves the file's neighbours alone.
    let c = config(file, &["llm_backend.temperature=0.5"]);
    assert_eq!(c.llm_backend.max_tokens.get(), 99);
    assert_eq!(c.seed, 7);
    // `null` restores the built-in default.
    assert_eq!(config(file, &["seed=null"]).seed, 42);
    assert_eq!(
        config(file, &["llm_backend=null"])
            .llm_backend
            .max_tokens
            .get(),
        256
    );
    // A later override of a parent replaces what an earlier one set below it.
    let c = config(
        "",
        &[
            "llm_backend.max_tokens=10",
            "llm_backend={temperature: 0.2}",
        ],
    );
    assert_eq!(c.llm_backend.max_tokens.get(), 256);
    assert_eq!(c.llm_backend.temperature, 0.2);
}

#[test]
fn override_mistakes_are_named_with_a_fix() {
    // Unknown keys, with the nearest known key.
    check_error(
        "",
        &["num_episode=3"],
        &["num_episode", "did you mean `num_episodes`?"],
    );
    check_error(
        "",
        &["llm_backend.temprature=0.5"],
        &["`llm_backend.temprature`", "did you mean `temperature`?"],
    );
    check_error(
        "",
        &["agents.player_0.modle=x"],
        &["agents.player_0.modle", "did you mean `model`?"],
    );
    check_error(
        "",
        &["agents.player1.model=x"],
        &["player1", "did you mean `player_1`?"],
    );
    check_error(
        "",
        &["env_config.colums=5"],
        &[
            "env_config.colums",
            "did you mean `columns`?",
            "rows, columns, k",
        ],
    );
    check_error(
        "",
        &["env_configs=[poker]", "env_configs.0.player=3"],
        &["env_configs.0.player", "did you mean `players`?"],
    );
    check_error("", &["use_ray=true"], &["use_ray", "concurrency"]);
    check_error("", &["api_key=sk-123"], &["environment variable"]);
    check_error(
        "",
        &["seed.x=1"],
        &["`seed` is a non-negative integer, not a map"],
    );
    // Wrong types name the key, the type and the value.
    check_error(
        "",
        &["num_episodes=ten"],
        &["`num_episodes` must be an integer, got `ten`"],
    );
    check_error(
        "",
        &["num_episodes=1.5"],
        &["`num_episodes` must be an integer"],
    );
    check_error(
        "",
        &["seed=-1"],
        &["`seed` must be a non-negative integer, got `-1`"],
    );
    check_error("", &["llm_backend.temperature=warm"], &["must be a number"]);
    check_error(
        "",
        &["mode=llm_vs_rand"],
        &["`mode` must be one of", "did you mean `llm_vs_random`?"],
    );
    check_error(
        "",
        &["env_config=hex", "env_config.swap=1"],
        &["`env_config.swap` must be true or false, got `1`"],
    );
    check_error(
        "",
        &["env_config.rows=six"],
        &["`env_config.rows` must be an integer in 2..=15"],
    );
    check_error(
        "",
        &["agents={player_0: {type: robot}}"],
        &[
            "agents.player_0.type",
            "one of llm, random, human, baseline",
        ],
    );
    check_error(
        "",
        &["env_configs=[{game_name: poker, players: many}]"],
        &[
            "env_configs.0.players",
            "must be an integer in 2..=10, got `many`",
        ],
    );
    // Syntax.
    check_error("", &["num_episodes"], &["expected `key.path=value`"]);
    check_error("", &["llm_backend..max_tokens=3"], &["empty part"]);
    check_error("", &["=3"], &["empty part"]);
    check_error("", &["env_configs={unclosed"], &["not valid YAML"]);
    // Lists and the env_config / env_configs split.
    check_error(
        "",
        &["env_configs=[poker]", "env_configs.3.players=4"],
        &["no index 3", "0..=0"],
    );
    check_error(
        "",
        &["env_configs=[poker]", "env_configs.x=hex"],
        &["not an index"],
    );
    check_error(
        "env_configs: [poker, hex]\n",
        &["env_config.players=3"],
        &["env_configs", "env_configs.<index>.players"],
    );
    check_error(
        "env_config: poker\n",
        &["env_configs.0.players=3"],
        &["env_config.players"],
    );
}

/// (mode, agents as YAML, the seat names or a fragment of the error).
type ModeCase = (
    &'static str,
    &'static str,
    Result<&'static [&'static str], &'static str>,
);

#[test]
fn mode_validates_and_fills_the_seats() {
    // (mode, agents yaml, expected seat names or an error fragment)
    let cases: &[ModeCase] = &[
        (
            "llm_vs_random",
            "{}",
            Ok(&["llamacpp_gemma3-270m", "random"]),
        ),
        (
            "llm_vs_random",
            "{player_1: {type: llm}}",
            Ok(&["random", "llamacpp_gemma3-270m"]),
        ),
        (
            "llm_vs_random",
            "{player_0: random}",
            Ok(&["random", "llamacpp_gemma3-270m"]),
        ),
        (
            "llm_vs_random",
            "{player_0: {type: random}, player_1: {type: random}}",
            Err("needs at least one llm seat"),
        ),
        (
            "llm_vs_random",
            "{player_0: random, player_1: random}",
            Err("use `mode: random_vs_random`"),
        ),
        (
            "llm_vs_random",
            "{player_1: human}",
            Err("mode `llm_vs_random` seats only llm and random agents"),
        ),
        (
            "llm_vs_llm",
            "{}",
            Ok(&["llamacpp_gemma3-270m", "llamacpp_gemma3-270m"]),
        ),
        ("llm_vs_llm", "{player_1: random}", Err("agents.player_1")),
        ("random_vs_random", "{}", Ok(&["random", "random"])),
        (
            "llm_vs_baseline",
            "{}",
            Ok(&["llamacpp_gemma3-270m", "baseline_connect_four"]),
        ),
        (
            "random_vs_baseline",
            "{player_1: {type: baseline}}",
            Ok(&["random", "baseline_connect_four"]),
        ),
        ("human_vs_llm", "{}", Ok(&["human", "llamacpp_gemma3-270m"])),
        (
            "human_vs_random",
            "{player_1: human}",
            Ok(&["random", "human"]),
        ),
        (
            "custom",
            "{player_0: human, player_1: baseline_connect_four}",
            Ok(&["human", "baseline_connect_four"]),
        ),
        (
            "custom",
            "{player_0: random}",
            Err("fewer players than the game seats"),
        ),
        // Agents themselves.
        (
            "llm_vs_random",
            "{player_2: random}",
            Err("more players than the game seats: connect_four has 2 seats"),
        ),
        (
            "llm_vs_random",
            "{seat_1: random}",
            Err("agents are keyed `player_<seat>`"),
        ),
        (
            "llm_vs_random",
            "{player_01: random}",
            Err("did you mean `player_1`?"),
        ),
        (
            "llm_vs_random",
            "{player_0: {}}",
            Err("gives neither `type` nor `model`"),
        ),
        (
            "llm_vs_random",
            "{player_0: {type: llm, model: gpt4}}",
            Err("agents.player_0.model"),
        ),
        (
            "llm_vs_random",
            "{player_0: {type: llm, model: litellm_acme/x}}",
            Err("unknown provider \"acme\""),
        ),
        (
            "llm_vs_random",
            "{player_0: {type: llm, model: random}}",
            Err("`random` is not a language model"),
        ),
        (
            "llm_vs_random",
            "{player_1: {type: random, model: llamacpp_x}}",
            Err("A random agent takes no model"),
        ),
        (
            "llm_vs_random",
            "{player_0: {type: baseline, model: llamacpp_x}}",
            Err("`llamacpp_x` is an llm agent, but `type` says baseline"),
        ),
        (
            "llm_vs_baseline",
            "{player_1: baseline_tic_tac_toe}",
            Err("`baseline_tic_tac_toe` does not play connect_four"),
        ),
        (
            "llm_vs_random",
            "{player_0: {type: llm, model: '  '}}",
            Err("agents.player_0.model"),
        ),
    ];
    for (mode, agents, expected) in cases {
        let yaml = format!("mode: {mode}\nagents: {agents}\n");
        match expected {
            Ok(seats) => {
                let c = config(&yaml, &[]);
                assert_eq!(names(&c.envs[0]), *seats, "{yaml}");
            }
            Err(part) => check_error(&yaml, &[], &[part]),
        }
    }
    // A mode that fills a seat with a baseline needs one for the game.
    check_error(
        "mode: llm_vs_baseline\nenv_config: hex\n",
        &[],
        &[
            "agents.player_1",
            "fills this seat with a baseline agent",
            "baseline_connect_four",
        ],
    );
    // Per-game agents replace the top-level ones; messages about shared
    // agents say which game they were checked for.
    let c = config(
        "env_configs: [tic_tac_toe, {game_name: poker, players: 3, agents: {player_2: llamacpp_gemma3-270m}}]\n\
         agents: {player_0: random}\n",
        &[],
    );
    assert_eq!(names(&c.envs[0]), ["random", "llamacpp_gemma3-270m"]);
    assert_eq!(
        names(&c.envs[1]),
        ["random", "random", "llamacpp_gemma3-270m"]
    );
    check_error(
        "env_configs: [{game_name: poker, players: 3}, connect_four]\nagents: {player_2: random}\nmode: random_vs_random\n",
        &[],
        &[
            "agents.player_2",
            "connect_four has 2 seats",
            "env_configs.1",
        ],
    );
    check_error(
        "env_config: {game_name: poker, players: 2}\nagents: {player_4: random}\n",
        &[],
        &["poker has 2 seats", "`players` parameter sets the seats"],
    );
}

#[test]
fn games_and_their_parameters_are_checked_against_the_registry() {
    check_error(
        "env_config: {game_name: conect_four}\n",
        &[],
        &[
            "env_config.game_name",
            "unknown game `conect_four`",
            "did you mean `connect_four`?",
            "runner games",
        ],
    );
    check_error(
        "env_configs: [poker, chess]\n",
        &[],
        &["env_configs.1.game_name", "unknown game `chess`"],
    );
    check_error(
        "env_config: {game_name: poker, player: 3}\n",
        &[],
        &[
            "env_config.player",
            "game `poker` has no parameter `player`",
            "did you mean `players`?",
        ],
    );
    check_error(
        "env_config: {game_name: tic_tac_toe, size: 4}\n",
        &[],
        &[
            "tic_tac_toe` has no parameter `size`",
            "it has no parameters",
        ],
    );
    check_error(
        "env_config: {game_name: connect_four, rows: 99}\n",
        &[],
        &["`env_config`", "\"rows\"", "2..=15"],
    );
    check_error(
        "env_config: {game_name: connect_four, rows: 2.5}\n",
        &[],
        &["env_config.rows", "must be an integer in 2..=15, got 2.5"],
    );
    check_error(
        "env_config: {game_name: poker, small_blind: 5, big_blind: 2}\n",
        &[],
        &["invalid parameters for game \"poker\""],
    );
    check_error(
        "env_config: {game_name: reverse_hangman, difficulty: impossible}\n",
        &[],
        &["difficulty", "easy, medium, hard, expert, mixed"],
    );
    check_error(
        "env_config: {game_name: hex, swap: yes}\n",
        &[],
        &["env_config.swap", "true or false"],
    );
    // Defaults are filled in and recorded.
    let c = config("env_config: {game_name: poker, players: 4}\n", &[]);
    assert_eq!(c.envs[0].params["stack"], ParamValue::Int(200));
    assert_eq!(c.envs[0].seats.len(), 4);
    // `null` for a parameter is its default.
    let c = config("env_config: {game_name: connect_four, rows: null}\n", &[]);
    assert_eq!(c.envs[0].params["rows"], ParamValue::Int(6));
    // The game-building constraints hold for the config too.
    assert!(c.envs[0].build_game().is_ok());
}

#[test]
fn numbers_out_of_range_are_rejected() {
    check_error(
        "num_episodes: 0\n",
        &[],
        &["`num_episodes`", "is 0", "1..="],
    );
    check_error("", &["num_episodes=-3"], &["`num_episodes`", "is -3"]);
    check_error("concurrency: 0\n", &[], &["`concurrency`"]);
    check_error(
        "llm_backend: {temperature: -0.1}\n",
        &[],
        &["llm_backend.temperature"],
    );
    check_error(
        "llm_backend: {temperature: .nan}\n",
        &[],
        &["llm_backend.temperature"],
    );
    check_error(
        "llm_backend: {max_tokens: 0}\n",
        &[],
        &["llm_backend.max_tokens"],
    );
    check_error(
        "llm_backend: {request_timeout_s: 0}\n",
        &[],
        &["llm_backend.request_timeout_s"],
    );
    check_error(
        "llm_backend: {request_timeout_s: .inf}\n",
        &[],
        &["llm_backend.request_timeout_s"],
    );
    check_error(
        "llm_backend: {max_retries: -1}\n",
        &[],
        &["llm_backend.max_retries"],
    );
    check_error(
        "llm_backend: {default_model: random}\n",
        &[],
        &["llm_backend.default_model", "not a language model"],
    );
    check_error(
        "illegal_move_policy: {reprompts: 1000}\n",
        &[],
        &["illegal_move_policy.reprompts"],
    );
    check_error(
        "env_config: {max_game_rounds: 0}\n",
        &[],
        &["env_config.max_game_rounds", "positive integer"],
    );
    check_error("run_name: ''\n", &[], &["run_name", "empty"]);
    check_error("log: {db: ''}\n", &[], &["log.db", "empty"]);
    check_error("env_configs: []\n", &[], &["env_configs", "empty list"]);
    check_error(
        "env_config: poker\nenv_configs: [hex]\n",
        &[],
        &["not both"],
    );
    let c = config("env_config: {game_name: poker, max_game_rounds: 50}\n", &[]);
    assert_eq!(c.envs[0].max_game_rounds.map(NonZeroU32::get), Some(50));
}

#[test]
fn file_errors_carry_the_file_line_and_column() {
    let msg = error("seed: 1\nagents:\n  player_0:\n    modle: x\n", &[]);
    assert!(msg.starts_with("test.yaml:4:5: "), "{msg}");
    assert!(
        msg.contains("agents.player_0: unknown field `modle`"),
        "{msg}"
    );
    assert!(msg.contains("did you mean `model`?"), "{msg}");

    let msg = error("seed: 1\nnum_episodes: [1\n", &[]);
    assert!(msg.starts_with("test.yaml:"), "{msg}");
    let msg = error("num_episodes: many\n", &[]);
    assert!(
        msg.starts_with("test.yaml:1:15: num_episodes: invalid type"),
        "{msg}"
    );
    let msg = error("num_episode: 3\n", &[]);
    assert!(msg.contains("did you mean `num_episodes`?"), "{msg}");
    let msg = error("mode: llm_vs_rand\n", &[]);
    assert!(
        msg.contains("test.yaml:1:7") && msg.contains("did you mean `llm_vs_random`?"),
        "{msg}"
    );
    let msg = error("use_ray: false\n", &[]);
    assert!(msg.contains("concurrency"), "{msg}");
    let msg = error("log_level: INFO\n", &[]);
    assert!(msg.contains("log.db"), "{msg}");
    let msg = error("- a list\n", &[]);
    assert!(msg.contains("test.yaml"), "{msg}");
    let msg = error("env_config: {game_name: poker, game_name: hex}\n", &[]);
    assert!(msg.contains("duplicate"), "{msg}");
    let msg = error("env_config: [1, 2]\n", &[]);
    assert!(msg.contains("a game name or a map"), "{msg}");
    let msg = error("agents: {player_0: 5}\n", &[]);
    assert!(msg.contains("an agent name or a map"), "{msg}");

    let err = load(Some(Path::new("/no/such/config.yaml")), &[]).unwrap_err();
    assert!(matches!(err, ConfigError::Read { .. }));
    assert!(err.to_string().contains("/no/such/config.yaml"), "{err}");
}

#[test]
fn weird_input_is_an_error_never_a_panic() {
    let docs = [
        "",
        "~",
        "[]",
        "{}",
        "3",
        "'text'",
        "!!binary aGVsbG8=",
        "env_config: ~",
        "env_configs: ~",
        "env_configs: [~]",
        "env_configs: [[]]",
        "agents: ~",
        "agents: {player_0: ~}",
        "agents: {player_99999999999999999999: random}",
        "seed: 18446744073709551615",
        "seed: 18446744073709551616",
        "num_episodes: 9223372036854775807",
        "env_config: {max_game_rounds: 99999999999}",
        "env_config: {game_name: ~}",
        "env_config: {1: 2}",
        "llm_backend: {request_timeout_s: 1e300}",
        "&a [*a]",
        "env_config: !poker {}",
        "log: {db: [x]}",
    ];
    for doc in docs {
        let _ = load_str(doc, Path::new("t.yaml"), &[]);
    }
    let overrides = [
        "",
        "=",
        "==",
        ".",
        "a.b.c.d=e",
        "seed=",
        "seed= 5 ",
        "agents=",
        "agents.player_0=",
        "agents.player_0.type=",
        "env_configs=",
        "env_configs.0=",
        "env_configs.0.0=1",
        "env_configs=[[[]]]",
        "env_config.agents.player_0.model.x=1",
        "env_configs=~",
        "env_configs.18446744073709551616=poker",
        "agents.player_0={type: [1]}",
        "env_config={game_name: 3}",
        "env_config.game_name=no_such_game",
        "env_config.anything=1",
        "llm_backend.max_tokens=99999999999999999999",
        "run_name='unterminated",
        "env_configs=[{game_name: hex, agents: {player_0: 1}}]",
        "log=[1]",
        "mode=~",
    ];
    for o in overrides {
        let _ = load(None, &[o.to_string()]);
        let _ = load(
            None,
            &["env_configs=[poker, hex]".to_string(), o.to_string()],
        );
    }
}

#[test]
fn episode_seeds_are_stable_and_independent_of_scheduling() {
    // Pinned: the formula documented on `episode_seed`, computed independently
    // (Python's hashlib) — a change here changes every recorded result.
    assert_eq!(episode_seed(42, "connect_four", 0, 0), 4295617828580606900);
    assert_eq!(episode_seed(42, "connect_four", 0, 1), 675121010731363863);
    assert_eq!(episode_seed(0, "poker", 1, 7), 2111677538985581803);

    let base = config(
        "",
        &[
            "env_configs=[connect_four, poker, connect_four]",
            "num_episodes=5",
        ],
    );
    let plan = base.episodes();
    assert_eq!(plan.len(), 15);
    assert_eq!(base.episode_count(), 15);
    assert_eq!(plan, base.clone().episodes(), "same config, same plan");
    // Every episode has its own seed: across episodes, games and the same
    // game listed twice.
    let mut seeds: Vec<u64> = plan.iter().map(|p| p.seed).collect();
    seeds.sort();
    seeds.dedup();
    assert_eq!(seeds.len(), 15);
    assert_eq!(
        (
            plan[5].env_index,
            plan[5].game.as_str(),
            plan[5].episode_index
        ),
        (1, "poker", 0)
    );
    assert_eq!(plan[5].params, base.envs[1].params);
    // Concurrency (and the run name, the database…) never changes seeds.
    let other = config(
        "",
        &[
            "env_configs=[connect_four, poker, connect_four]",
            "num_episodes=5",
            "concurrency=64",
            "run_name=x",
            "log.db=other.db",
        ],
    );
    assert_eq!(other.episodes(), plan);
    // More episodes extend the plan without changing the first ones.
    let more = config(
        "",
        &[
            "env_configs=[connect_four, poker, connect_four]",
            "num_episodes=8",
        ],
    );
    let more_plan = more.episodes();
    for p in &plan {
        assert!(more_plan.contains(p), "{p:?}");
    }
    // The run seed changes every episode seed.
    let reseeded = config(
        "",
        &[
            "env_configs=[connect_four, poker, connect_four]",
            "num_episodes=5",
            "seed=43",
        ],
    );
    for (a, b) in reseeded.episodes().iter().zip(&plan) {
        assert_ne!(a.seed, b.seed);
    }
}

/// Every config in `configs/`, by name.
fn config_files() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../configs");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml" || e == "yml"))
        .collect();
    files.sort();
    files
}

#[test]
fn every_config_in_configs_loads_and_validates() {
    let files = config_files();
    assert!(files.len() >= 3, "{files:?}");
    for file in &files {
        let c = load(Some(file), &[]).unwrap_or_else(|e| panic!("{e}"));
        assert!(!c.episodes().is_empty());
    }
    // The example runs with no API key: local model against random.
    let example = load(
        Some(
            &files
                .iter()
                .find(|f| f.ends_with("example_config.yaml"))
                .unwrap()
                .clone(),
        ),
        &[],
    )
    .unwrap();
    assert_eq!(example.mode, Mode::LlmVsRandom);
    let agents: Vec<&AgentName> = example
        .envs
        .iter()
        .flat_map(|e| e.seats.iter().map(|s| &s.agent))
        .collect();
    assert!(
        agents
            .iter()
            .all(|a| matches!(a, AgentName::LlamaCpp(_) | AgentName::Random)),
        "{agents:?}"
    );
    assert!(agents.iter().any(|a| matches!(a, AgentName::LlamaCpp(_))));
    // The multi-game example gives poker its own six seats.
    let multi = load(
        Some(
            &files
                .iter()
                .find(|f| f.ends_with("multi_game.yaml"))
                .unwrap()
                .clone(),
        ),
        &[],
    )
    .unwrap();
    assert_eq!(multi.envs.len(), 4);
    assert_eq!(multi.envs[3].seats.len(), 6);
    // The random-vs-random smoke config covers every game.
    let all = load(
        Some(
            &files
                .iter()
                .find(|f| f.ends_with("random_vs_random.yaml"))
                .unwrap()
                .clone(),
        ),
        &[],
    )
    .unwrap();
    for info in arena_games::registry() {
        assert!(
            all.envs.iter().any(|e| e.game == info.name),
            "{} missing",
            info.name
        );
    }
}

#[test]
fn the_effective_yaml_loads_back_to_the_same_config() {
    let mut cases: Vec<RunConfig> = config_files()
        .iter()
        .map(|f| load(Some(f), &[]).unwrap())
        .collect();
    cases.push(load(None, &[]).unwrap());
    cases.push(config(
        "",
        &[
            "env_configs=[tic_tac_toe, {game_name: poker, players: 5, max_game_rounds: 30}]",
            "mode=llm_vs_baseline",
            "env_configs.0.agents.player_0=llamacpp_gemma3-270m",
            "env_configs.0.agents.player_1=baseline_tic_tac_toe",
            "env_configs.1.agents={player_0: random, player_1: human, player_2: llamacpp_gemma3-270m, player_3: litellm_groq/x, player_4: {type: random}}",
            "mode=custom",
            "llm_backend.temperature=0.1",
            "llm_backend.request_timeout_s=0.3",
            "run_name=round trip: \"quotes\" and # hash",
        ],
    ));
    for c in cases {
        let yaml = c.to_yaml().unwrap();
        let back = load_str(&yaml, Path::new("effective.yaml"), &[])
            .unwrap_or_else(|e| panic!("{e}\n{yaml}"));
        assert_eq!(back, c, "{yaml}");
        // Through serde too: RunConfig (de)serializes as its explicit form.
        let via_serde: RunConfig = serde_yaml::from_str(&yaml).unwrap();
        assert_eq!(via_serde, c);
        assert_eq!(serde_yaml::to_string(&c).unwrap(), yaml);
        // Idempotent: the effective config of the effective config is itself.
        assert_eq!(back.to_yaml().unwrap(), yaml);
    }
}

#[test]
fn the_effective_yaml_is_explicit_and_holds_only_schema_keys() {
    let c = config(
        "",
        &["env_configs=[connect_four, {game_name: poker, players: 3}]"],
    );
    let yaml = c.to_yaml().unwrap();
    // Seats differ between the games, so each lists its own.
    assert!(
        !yaml.starts_with("agents:") && !yaml.contains("\nagents:"),
        "{yaml}"
    );
    assert!(yaml.contains("player_2:"), "{yaml}");
    for key in [
        "mode: llm_vs_random",
        "seed: 42",
        "num_episodes: 10",
        "stack: 200",
        "db: results/arena.db",
        "on_failure: forfeit",
    ] {
        assert!(yaml.contains(key), "{key} missing:\n{yaml}");
    }
    // Every key path of the effective YAML is one the schema knows: nothing
    // else (no secrets, no environment) can be in it.
    let tree: serde_yaml::Value = serde_yaml::from_str(&yaml).unwrap();
    let known = overrides::known_paths();
    let mut paths = Vec::new();
    collect_paths(&tree, "", &mut paths);
    for path in &paths {
        assert!(known.contains(path), "{path} is not a schema key:\n{yaml}");
    }
    // And every schema key can be set by an override and read back.
    assert!(known.contains(&"llm_backend.request_timeout_s".to_string()));
}

/// Key paths of a config tree, with lists, seats and game parameters
/// written as the schema's placeholders.
fn collect_paths(value: &serde_yaml::Value, prefix: &str, out: &mut Vec<String>) {
    match value {
        serde_yaml::Value::Mapping(map) => {
            for (k, v) in map {
                let key = k.as_str().unwrap();
                let is_env = prefix == "env_config"
                    || prefix.starts_with("env_configs.<index>") && !prefix.contains(".agents");
                let key = if key.starts_with("player_") {
                    "player_<seat>"
                } else if is_env && !raw::ENV_KEYS.contains(&key) {
                    "<param>"
                } else {
                    key
                };
                let path = if prefix.is_empty() {
                    key.to_string()
                } else {
                    format!("{prefix}.{key}")
                };
                out.push(path.clone());
                if key != "<param>" {
                    collect_paths(v, &path, out);
                }
            }
        }
        serde_yaml::Value::Sequence(list) => {
            for v in list {
                collect_paths(v, &format!("{prefix}.<index>"), out);
            }
        }
        _ => {}
    }
}

#[test]
fn every_schema_key_is_settable_and_read_by_the_raw_config() {
    // One override per leaf of the schema: it must apply and deserialize.
    let overrides = [
        "run_name=r",
        "mode=custom",
        "seed=1",
        "num_episodes=2",
        "concurrency=3",
        "env_configs=[poker]",
        "env_configs.0.game_name=poker",
        "env_configs.0.max_game_rounds=9",
        "env_configs.0.players=2",
        "env_configs.0.agents.player_0.type=llm",
        "env_configs.0.agents.player_0.model=llamacpp_a",
        "env_configs.0.agents.player_1.type=random",
        "agents.player_0.type=random",
        "agents.player_0.model=random",
        "llm_backend.max_tokens=5",
        "llm_backend.temperature=0.5",
        "llm_backend.default_model=llamacpp_b",
        "llm_backend.request_timeout_s=5",
        "llm_backend.max_retries=1",
        "illegal_move_policy.reprompts=1",
        "illegal_move_policy.on_failure=random",
        "log.db=x.db",
    ];
    let raw = raw_after(&overrides);
    let c = RunConfig::from_raw(&raw).unwrap();
    assert_eq!(names(&c.envs[0]), ["llamacpp_a", "random"]);
    assert_eq!(c.llm_backend.default_model, "llamacpp_b");
    assert_eq!(c.envs[0].max_game_rounds.map(NonZeroU32::get), Some(9));
    // The same for the single-game form.
    let single = [
        "env_config.game_name=hex",
        "env_config.max_game_rounds=9",
        "env_config.size=5",
        "env_config.agents.player_0.type=random",
        "env_config.agents.player_0.model=random",
        "mode=random_vs_random",
    ];
    let c = RunConfig::from_raw(&raw_after(&single)).unwrap();
    assert_eq!(
        (c.envs[0].game.as_str(), names(&c.envs[0])),
        ("hex", vec!["random", "random"])
    );

    // Together they cover every leaf of the schema.
    let known = overrides::known_paths();
    let leaves = known.iter().filter(|p| {
        !p.contains("<param>") && !known.iter().any(|q| q.starts_with(&format!("{p}.")))
    });
    for leaf in leaves {
        let covered = overrides.iter().chain(&single).any(|o| {
            let key = o.split_once('=').unwrap().0;
            let generic: Vec<&str> = key
                .split('.')
                .map(|s| {
                    if s.starts_with("player_") {
                        "player_<seat>"
                    } else if s.parse::<usize>().is_ok() {
                        "<index>"
                    } else {
                        s
                    }
                })
                .collect();
            generic.join(".") == *leaf
        });
        assert!(covered, "no override test sets {leaf}");
    }
}

#[test]
fn mode_names_match_serde() {
    for (mode, name) in Mode::ALL.iter().zip(Mode::NAMES) {
        assert_eq!(serde_yaml::to_string(mode).unwrap().trim(), *name);
        assert_eq!(mode.as_str(), *name);
    }
    for (t, name) in [
        AgentType::Llm,
        AgentType::Random,
        AgentType::Human,
        AgentType::Baseline,
    ]
    .iter()
    .zip(AgentType::NAMES)
    {
        assert_eq!(serde_yaml::to_string(t).unwrap().trim(), *name);
    }
    assert_eq!(
        Mode::for_types(&[AgentType::Random, AgentType::Llm]),
        Some(Mode::LlmVsRandom)
    );
    assert_eq!(
        Mode::for_types(&[AgentType::Llm, AgentType::Llm]),
        Some(Mode::LlmVsLlm)
    );
    assert_eq!(
        Mode::for_types(&[AgentType::Llm, AgentType::Random, AgentType::Human]),
        None
    );
}

mod never_panics {
    use proptest::prelude::*;

    use super::*;

    /// Key parts that the schema knows, nearly knows, or does not know.
    fn segment() -> impl Strategy<Value = String> {
        prop_oneof![
            Just("env_config".to_string()),
            Just("env_configs".to_string()),
            Just("agents".to_string()),
            Just("player_0".to_string()),
            Just("player_7".to_string()),
            Just("model".to_string()),
            Just("type".to_string()),
            Just("game_name".to_string()),
            Just("players".to_string()),
            Just("max_game_rounds".to_string()),
            Just("llm_backend".to_string()),
            Just("temperature".to_string()),
            Just("seed".to_string()),
            Just("num_episodes".to_string()),
            Just("mode".to_string()),
            (0usize..4).prop_map(|i| i.to_string()),
            "[a-z_]{0,8}",
        ]
    }

    /// Values: scalars, YAML flow, names, garbage.
    fn value() -> impl Strategy<Value = String> {
        prop_oneof![
            Just("poker".to_string()),
            Just("[connect_four, poker]".to_string()),
            Just("{game_name: hex, size: 3}".to_string()),
            Just("random".to_string()),
            Just("llamacpp_gemma3-270m".to_string()),
            Just("null".to_string()),
            Just("custom".to_string()),
            any::<i64>().prop_map(|i| i.to_string()),
            any::<f64>().prop_map(|f| f.to_string()),
            "[ -~]{0,24}",
        ]
    }

    fn override_text() -> impl Strategy<Value = String> {
        (prop::collection::vec(segment(), 1..5), value())
            .prop_map(|(path, value)| format!("{}={value}", path.join(".")))
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]

        #[test]
        fn any_overrides_load_or_fail_cleanly(overrides in prop::collection::vec(override_text(), 0..6)) {
            if let Ok(c) = load(None, &overrides) {
                // Whatever loads, round-trips.
                let yaml = c.to_yaml().unwrap();
                let back = load_str(&yaml, Path::new("effective.yaml"), &[]).unwrap();
                prop_assert_eq!(back, c);
            }
        }

        #[test]
        fn any_yaml_text_loads_or_fails_cleanly(text in "[ -~\n]{0,80}") {
            let _ = load_str(&text, Path::new("t.yaml"), &[]);
        }
    }
}
