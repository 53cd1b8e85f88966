//! Issue 6, "Bad input": one table of bad inputs across the whole command
//! line — configs, overrides, subcommands and flags, database files. Each
//! must exit 2 with a message that names what is wrong and how to fix it,
//! and leave every file a run could touch (a database a real run wrote, the
//! config files, a report folder, an earlier export) byte for byte as it
//! was; a database that did not exist must still not exist.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use rusqlite::Connection;

use crate::util::{ok, runner, scratch};

/// One bad input. In `args` and `needles`, `{dir}` is the scratch folder
/// (also the runner's working directory), `{run}` the fixture's run id,
/// `{episode}` one of its episodes, and `{unwritable}` a folder where no
/// database can be written, whose refusal says `{unwritable_why}` (see
/// [`Fixture::new`]).
struct Case {
    /// The command line.
    args: &'static [&'static str],
    /// Text files written into the scratch folder before the case (they
    /// stay, so later cases check them too).
    files: &'static [(&'static str, &'static str)],
    /// Variables removed from the runner's environment.
    env_remove: &'static [&'static str],
    /// The expected exit code.
    code: i32,
    /// What the message on standard error must contain.
    needles: &'static [&'static str],
}

/// A valid run config: the tic-tac-toe baseline against random, so the
/// leaderboard and the report have something to rate.
const GOOD: &str =
    "env_configs: [tic_tac_toe]\nmode: random_vs_baseline\nnum_episodes: 2\nseed: 3\n";

const CASES: &[Case] = &[
    // ── Configs ──────────────────────────────────────────────────────────
    Case {
        args: &["--config", "{dir}/unknown_key.yaml", "--db", "{dir}/new.db"],
        files: &[("unknown_key.yaml", "num_episods: 3\n")],
        env_remove: &[],
        code: 2,
        needles: &[
            "unknown_key.yaml:1:1",
            "unknown field `num_episods`",
            "did you mean `num_episodes`?",
        ],
    },
    Case {
        args: &["--config", "{dir}/wrong_type.yaml", "--db", "{dir}/new.db"],
        files: &[("wrong_type.yaml", "seed: 3\nnum_episodes: three\n")],
        env_remove: &[],
        code: 2,
        needles: &[
            "wrong_type.yaml:2:15",
            "num_episodes",
            "\"three\", expected an integer",
        ],
    },
    Case {
        args: &["--config", "{dir}/not_a_map.yaml", "--db", "{dir}/new.db"],
        files: &[("not_a_map.yaml", "- tic_tac_toe\n- poker\n")],
        env_remove: &[],
        code: 2,
        needles: &["not_a_map.yaml:1:1", "sequence, expected a map of keys"],
    },
    Case {
        args: &["--config", "{dir}/mode_list.yaml", "--db", "{dir}/new.db"],
        files: &[("mode_list.yaml", "mode: [llm, random]\n")],
        env_remove: &[],
        code: 2,
        needles: &["mode_list.yaml:1:7", "mode", "expected a single word"],
    },
    Case {
        args: &[
            "--config",
            "{dir}/out_of_range.yaml",
            "--db",
            "{dir}/new.db",
        ],
        files: &[(
            "out_of_range.yaml",
            "env_config: {game_name: hex, size: 99}\nmode: random_vs_random\n",
        )],
        env_remove: &[],
        code: 2,
        needles: &[
            "env_config",
            "parameter \"size\" of game \"hex\" is 99",
            "must be in 2..=19",
        ],
    },
    Case {
        args: &[
            "--config",
            "{dir}/unknown_game.yaml",
            "--db",
            "{dir}/new.db",
        ],
        files: &[(
            "unknown_game.yaml",
            "env_configs: [tic_tac_toe, conect_four]\nmode: random_vs_random\n",
        )],
        env_remove: &[],
        code: 2,
        needles: &[
            "env_configs.1.game_name",
            "conect_four",
            "connect_four",
            "runner games",
        ],
    },
    Case {
        args: &[
            "--config",
            "{dir}/unknown_mode.yaml",
            "--db",
            "{dir}/new.db",
        ],
        files: &[("unknown_mode.yaml", "mode: llm_vs_rando\n")],
        env_remove: &[],
        code: 2,
        needles: &[
            "unknown_mode.yaml:1:7",
            "unknown variant `llm_vs_rando`",
            "did you mean `llm_vs_random`?",
        ],
    },
    Case {
        args: &[
            "--config",
            "{dir}/unknown_local_model.yaml",
            "--db",
            "{dir}/new.db",
        ],
        files: &[(
            "unknown_local_model.yaml",
            "env_configs: [tic_tac_toe]\nagents: {player_0: llamacpp_nope}\n",
        )],
        env_remove: &[],
        code: 2,
        needles: &[
            "llamacpp_nope",
            "no model \"nope\"",
            "catalogued: llamacpp_gemma3-270m",
        ],
    },
    Case {
        args: &[
            "--config",
            "{dir}/unknown_provider.yaml",
            "--db",
            "{dir}/new.db",
        ],
        files: &[(
            "unknown_provider.yaml",
            "env_configs: [tic_tac_toe]\nagents: {player_0: litellm_nope/x}\n",
        )],
        env_remove: &[],
        code: 2,
        needles: &[
            "agents.player_0.model",
            "unknown provider \"nope\"",
            "litellm_<provider>/<model>",
            "groq",
        ],
    },
    Case {
        args: &["--config", "{dir}/missing.yaml", "--db", "{dir}/new.db"],
        files: &[],
        env_remove: &[],
        code: 2,
        needles: &[
            "cannot read config file {dir}/missing.yaml",
            "check the path given to --config",
            "No such file",
        ],
    },
    Case {
        args: &["--config", "{dir}/syntax.yaml", "--db", "{dir}/new.db"],
        files: &[(
            "syntax.yaml",
            "num_episodes: 3\nenv_config: {game_name: poker\nseed: 4\n",
        )],
        env_remove: &[],
        code: 2,
        needles: &[
            "syntax.yaml:",
            "did not find expected ',' or '}'",
            "flow mapping at line 2",
        ],
    },
    // An empty config file is not bad input: it runs the defaults
    // (configs/README.md), so it has no case here.
    Case {
        args: &["--config", "{dir}/three_seats.yaml", "--db", "{dir}/new.db"],
        files: &[(
            "three_seats.yaml",
            "env_configs: [tic_tac_toe]\nmode: custom\n\
             agents: {player_0: random, player_1: random, player_2: random}\n",
        )],
        env_remove: &[],
        code: 2,
        needles: &[
            "agents.player_2",
            "more players than the game seats",
            "tic_tac_toe has 2 seats (player_0..player_1)",
        ],
    },
    Case {
        args: &["--config", "{dir}/one_seat.yaml", "--db", "{dir}/new.db"],
        files: &[(
            "one_seat.yaml",
            "env_configs: [tic_tac_toe]\nmode: custom\nagents: {player_0: random}\n",
        )],
        env_remove: &[],
        code: 2,
        needles: &[
            "agents.player_1",
            "fewer players than the game seats",
            "add `agents.player_1`",
        ],
    },
    Case {
        args: &["--config", "{dir}/wrong_mode.yaml", "--db", "{dir}/new.db"],
        files: &[(
            "wrong_mode.yaml",
            "env_configs: [tic_tac_toe]\nmode: llm_vs_random\n\
             agents: {player_0: human, player_1: random}\n",
        )],
        env_remove: &[],
        code: 2,
        needles: &[
            "agents.player_0",
            "is a human agent",
            "use `mode: human_vs_random`",
        ],
    },
    // The key is looked for before anything is written, and named.
    Case {
        args: &["--config", "{dir}/api_model.yaml", "--db", "{dir}/new.db"],
        files: &[(
            "api_model.yaml",
            "env_configs: [tic_tac_toe]\nagents: {player_0: litellm_openai/gpt-4o-mini}\n",
        )],
        env_remove: &["OPENAI_API_KEY"],
        code: 2,
        needles: &[
            "litellm_openai/gpt-4o-mini",
            "OPENAI_API_KEY is not set",
            "export it",
        ],
    },
    // ── Overrides ────────────────────────────────────────────────────────
    Case {
        args: &[
            "--config",
            "{dir}/good.yaml",
            "--override",
            "num_episodes",
            "--db",
            "{dir}/new.db",
        ],
        files: &[],
        env_remove: &[],
        code: 2,
        needles: &[
            "override `num_episodes`",
            "expected `key.path=value`",
            "num_episodes=3",
        ],
    },
    Case {
        args: &[
            "--config",
            "{dir}/good.yaml",
            "--override",
            "llm_backend.max_tokenz=64",
            "--db",
            "{dir}/new.db",
        ],
        files: &[],
        env_remove: &[],
        code: 2,
        needles: &[
            "unknown key `llm_backend.max_tokenz`",
            "did you mean `max_tokens`?",
        ],
    },
    Case {
        args: &[
            "--config",
            "{dir}/good.yaml",
            "--override",
            "env_configs.3.players=3",
            "--db",
            "{dir}/new.db",
        ],
        files: &[],
        env_remove: &[],
        code: 2,
        needles: &["`env_configs` has no index 3", "0..=0", "1 to add a game"],
    },
    Case {
        args: &[
            "--config",
            "{dir}/good.yaml",
            "--override",
            "env_configs.first=poker",
            "--db",
            "{dir}/new.db",
        ],
        files: &[],
        env_remove: &[],
        code: 2,
        needles: &["`env_configs` is a list", "`first` is not an index"],
    },
    Case {
        args: &[
            "--config",
            "{dir}/good.yaml",
            "--override",
            "env_configs=[poker, {game_name: hex",
            "--db",
            "{dir}/new.db",
        ],
        files: &[],
        env_remove: &[],
        code: 2,
        needles: &[
            "`[poker, {game_name: hex` is not valid YAML for `env_configs`",
            "did not find expected ',' or '}'",
        ],
    },
    Case {
        args: &[
            "--config",
            "{dir}/good.yaml",
            "--override",
            "num_episodes=many",
            "--db",
            "{dir}/new.db",
        ],
        files: &[],
        env_remove: &[],
        code: 2,
        needles: &["`num_episodes` must be an integer, got `many`"],
    },
    Case {
        args: &[
            "--config",
            "{dir}/good.yaml",
            "--override",
            "llm_backend.temperature=5",
            "--db",
            "{dir}/new.db",
        ],
        files: &[],
        env_remove: &[],
        code: 2,
        needles: &["llm_backend.temperature", "is 5", "0..=2"],
    },
    // ── The command line ─────────────────────────────────────────────────
    Case {
        args: &["frobnicate", "--db", "{dir}/arena.db"],
        files: &[],
        env_remove: &[],
        code: 2,
        needles: &["unrecognized subcommand 'frobnicate'", "--help"],
    },
    Case {
        args: &["--confg", "{dir}/good.yaml", "--db", "{dir}/new.db"],
        files: &[],
        env_remove: &[],
        code: 2,
        needles: &[
            "unexpected argument '--confg'",
            "a similar argument exists: '--config'",
        ],
    },
    Case {
        args: &["--resume", "no-such-run", "--db", "{dir}/arena.db"],
        files: &[],
        env_remove: &[],
        code: 2,
        needles: &[
            "no run \"no-such-run\" in {dir}/arena.db",
            "recent runs: {run}",
        ],
    },
    Case {
        args: &["--resume", "{run}", "--db", "{dir}/missing.db"],
        files: &[],
        env_remove: &[],
        code: 2,
        needles: &[
            "cannot resume run",
            "the database {dir}/missing.db does not exist",
        ],
    },
    Case {
        args: &[
            "--resume",
            "{run}",
            "--db",
            "{dir}/arena.db",
            "--config",
            "{dir}/good.yaml",
            "--override",
            "num_episodes=3",
        ],
        files: &[],
        env_remove: &[],
        code: 2,
        needles: &[
            "the configuration differs from the one run {run} was started with",
            "resume with `runner --resume {run}` alone",
        ],
    },
    Case {
        args: &[
            "replay",
            "--db",
            "{dir}/arena.db",
            "--episode",
            "{run}/0/99",
        ],
        files: &[],
        env_remove: &[],
        code: 2,
        needles: &[
            "no episode \"{run}/0/99\"",
            "runner export --db {dir}/arena.db --table episodes",
        ],
    },
    Case {
        args: &[
            "replay",
            "--db",
            "{dir}/arena.db",
            "--episode",
            "{episode}",
            "--seat",
            "2",
        ],
        files: &[],
        env_remove: &[],
        code: 2,
        needles: &["--seat 2", "the episode has seats 0..=1"],
    },
    Case {
        args: &["replay", "--db", "{dir}/arena.db"],
        files: &[],
        env_remove: &[],
        code: 2,
        needles: &["required arguments were not provided", "--episode <ID>"],
    },
    Case {
        args: &[
            "replay",
            "--db",
            "{dir}/arena.db",
            "--check",
            "--run",
            "no-such-run",
        ],
        files: &[],
        env_remove: &[],
        code: 2,
        needles: &["no run \"no-such-run\" in {dir}/arena.db"],
    },
    Case {
        args: &["tournament", "--resume", "{run}", "--db", "{dir}/arena.db"],
        files: &[],
        env_remove: &[],
        code: 2,
        needles: &["run {run} is not a tournament", "runner --resume {run}"],
    },
    Case {
        args: &[
            "config",
            "--config",
            "{dir}/good.yaml",
            "--override",
            "concurrency=0",
        ],
        files: &[],
        env_remove: &[],
        code: 2,
        needles: &["`concurrency`", "is 0", "1..="],
    },
    Case {
        args: &["export", "--db", "{dir}/arena.db", "--format", "xml"],
        files: &[],
        env_remove: &[],
        code: 2,
        needles: &["unknown export format \"xml\"", "jsonl, csv", "openai-chat"],
    },
    Case {
        args: &["export", "--db", "{dir}/arena.db", "--table", "games"],
        files: &[],
        env_remove: &[],
        code: 2,
        needles: &["--table", "\"games\"", "episodes"],
    },
    // Regression: the output file was created (emptied) before the format
    // was checked, so a refused export wiped an earlier one.
    Case {
        args: &[
            "export",
            "--db",
            "{dir}/arena.db",
            "--format",
            "xml",
            "--out",
            "{dir}/earlier_export.jsonl",
        ],
        files: &[("earlier_export.jsonl", "{\"an\": \"earlier export\"}\n")],
        env_remove: &[],
        code: 2,
        needles: &["unknown export format \"xml\""],
    },
    Case {
        args: &[
            "export",
            "--db",
            "{dir}/arena.db",
            "--run",
            "no-such-run",
            "--out",
            "{dir}/earlier_export.jsonl",
        ],
        files: &[],
        env_remove: &[],
        code: 2,
        needles: &["no run \"no-such-run\" in {dir}/arena.db"],
    },
    // Regression: `--out` the database itself emptied the database.
    Case {
        args: &[
            "export",
            "--db",
            "{dir}/arena.db",
            "--out",
            "{dir}/./arena.db",
        ],
        files: &[],
        env_remove: &[],
        code: 2,
        needles: &[
            "--out {dir}/./arena.db is the database itself",
            "another file",
        ],
    },
    Case {
        args: &[
            "leaderboard",
            "--db",
            "{dir}/arena.db",
            "--run",
            "no-such-run",
        ],
        files: &[],
        env_remove: &[],
        code: 2,
        needles: &["no run \"no-such-run\"", "recent runs: {run}"],
    },
    Case {
        args: &["leaderboard", "--db", "{dir}/arena.db", "--format", "xml"],
        files: &[],
        env_remove: &[],
        code: 2,
        needles: &[
            "unknown leaderboard format \"xml\"",
            "table, markdown, csv or json",
        ],
    },
    Case {
        args: &["leaderboard", "--db", "{dir}/arena.db", "--game", "chess"],
        files: &[],
        env_remove: &[],
        code: 2,
        needles: &["no episode of game \"chess\"", "games there: tic_tac_toe"],
    },
    Case {
        args: &["report", "--db", "{dir}/arena.db", "--out", "{dir}/thesis"],
        files: &[("thesis/chapter1.tex", "\\chapter{Keep me}\n")],
        env_remove: &[],
        code: 2,
        needles: &[
            "{dir}/thesis is not empty and holds no earlier report",
            "choose another --out folder",
        ],
    },
    Case {
        args: &[
            "report",
            "--db",
            "{dir}/arena.db",
            "--out",
            "{dir}/notes.txt",
        ],
        files: &[],
        env_remove: &[],
        code: 2,
        needles: &[
            "{dir}/notes.txt is a file, not a folder",
            "choose a new or empty folder",
        ],
    },
    Case {
        args: &[
            "tournament",
            "--config",
            "{dir}/alone.yaml",
            "--db",
            "{dir}/new.db",
        ],
        files: &[(
            "alone.yaml",
            "participants: [random]\ngames: [tic_tac_toe]\n",
        )],
        env_remove: &[],
        code: 2,
        needles: &["participants", "at least two"],
    },
    Case {
        args: &[
            "tournament",
            "--config",
            "{dir}/unfillable.yaml",
            "--db",
            "{dir}/new.db",
        ],
        files: &[(
            "unfillable.yaml",
            "participants: [random, baseline_poker, llamacpp_gemma3-270m]\n\
             games: [{game_name: poker, players: 6}]\n",
        )],
        env_remove: &[],
        code: 2,
        needles: &["games.0", "poker seats 6", "only 3"],
    },
    Case {
        args: &[
            "tournament",
            "--config",
            "{dir}/good.yaml",
            "--db",
            "{dir}/new.db",
        ],
        files: &[],
        env_remove: &[],
        code: 2,
        needles: &[
            "good.yaml:1:1",
            "unknown field `env_configs`",
            "participants",
        ],
    },
    // ── Database files ───────────────────────────────────────────────────
    // A real run's database cut in half.
    Case {
        args: &["--config", "{dir}/good.yaml", "--db", "{dir}/truncated.db"],
        files: &[],
        env_remove: &[],
        code: 2,
        needles: &[
            "{dir}/truncated.db is not an SQLite database",
            "left untouched",
        ],
    },
    Case {
        args: &["replay", "--db", "{dir}/truncated.db", "--check"],
        files: &[],
        env_remove: &[],
        code: 2,
        needles: &[
            "{dir}/truncated.db is not an SQLite database",
            "SQLite cannot read it",
        ],
    },
    Case {
        args: &["export", "--db", "{dir}/truncated.db"],
        files: &[],
        env_remove: &[],
        code: 2,
        needles: &["{dir}/truncated.db is not an SQLite database"],
    },
    Case {
        args: &["leaderboard", "--db", "{dir}/truncated.db"],
        files: &[],
        env_remove: &[],
        code: 2,
        needles: &["{dir}/truncated.db is not an SQLite database"],
    },
    // Someone else's tables.
    Case {
        args: &["--config", "{dir}/good.yaml", "--db", "{dir}/foreign.db"],
        files: &[],
        env_remove: &[],
        code: 2,
        needles: &[
            "{dir}/foreign.db is an SQLite database but not an llm-arena record",
            "it holds table notes",
            "point --db (or log.db) at a new file",
        ],
    },
    Case {
        args: &["replay", "--db", "{dir}/foreign.db", "--check"],
        files: &[],
        env_remove: &[],
        code: 2,
        needles: &["{dir}/foreign.db is an SQLite database but not an llm-arena record"],
    },
    Case {
        args: &["export", "--db", "{dir}/foreign.db", "--format", "csv"],
        files: &[],
        env_remove: &[],
        code: 2,
        needles: &["{dir}/foreign.db is an SQLite database but not an llm-arena record"],
    },
    Case {
        args: &["leaderboard", "--db", "{dir}/foreign.db"],
        files: &[],
        env_remove: &[],
        code: 2,
        needles: &["{dir}/foreign.db is an SQLite database but not an llm-arena record"],
    },
    // Text.
    Case {
        args: &["--config", "{dir}/good.yaml", "--db", "{dir}/text.db"],
        files: &[],
        env_remove: &[],
        code: 2,
        needles: &[
            "{dir}/text.db is not an SQLite database (its header is not SQLite's)",
            "point --db (or log.db) at a new file",
        ],
    },
    Case {
        args: &["replay", "--db", "{dir}/text.db", "--check"],
        files: &[],
        env_remove: &[],
        code: 2,
        needles: &["{dir}/text.db is not an SQLite database"],
    },
    Case {
        args: &["export", "--db", "{dir}/text.db"],
        files: &[],
        env_remove: &[],
        code: 2,
        needles: &["{dir}/text.db is not an SQLite database"],
    },
    Case {
        args: &["leaderboard", "--db", "{dir}/text.db"],
        files: &[],
        env_remove: &[],
        code: 2,
        needles: &["{dir}/text.db is not an SQLite database"],
    },
    // A zero-byte file. `runner --config` takes it as a new database (an
    // empty file is one), so only the readers refuse it.
    Case {
        args: &["replay", "--db", "{dir}/zero.db", "--check"],
        files: &[],
        env_remove: &[],
        code: 2,
        needles: &[
            "the database {dir}/zero.db is empty",
            "point --db at the database a run wrote",
        ],
    },
    Case {
        args: &["export", "--db", "{dir}/zero.db"],
        files: &[],
        env_remove: &[],
        code: 2,
        needles: &["the database {dir}/zero.db is empty"],
    },
    Case {
        args: &["leaderboard", "--db", "{dir}/zero.db"],
        files: &[],
        env_remove: &[],
        code: 2,
        needles: &["the database {dir}/zero.db is empty"],
    },
    // A newer schema version than this build's.
    Case {
        args: &["--config", "{dir}/good.yaml", "--db", "{dir}/newer.db"],
        files: &[],
        env_remove: &[],
        code: 2,
        needles: &[
            "{dir}/newer.db was written by a newer llm-arena",
            "upgrade llm-arena",
        ],
    },
    Case {
        args: &["replay", "--db", "{dir}/newer.db", "--check"],
        files: &[],
        env_remove: &[],
        code: 2,
        needles: &[
            "{dir}/newer.db was written by a newer llm-arena",
            "upgrade llm-arena",
        ],
    },
    Case {
        args: &["export", "--db", "{dir}/newer.db"],
        files: &[],
        env_remove: &[],
        code: 2,
        needles: &["{dir}/newer.db was written by a newer llm-arena"],
    },
    Case {
        args: &["leaderboard", "--db", "{dir}/newer.db"],
        files: &[],
        env_remove: &[],
        code: 2,
        needles: &["{dir}/newer.db was written by a newer llm-arena"],
    },
    // A location no database can be written in.
    Case {
        args: &[
            "--config",
            "{dir}/good.yaml",
            "--db",
            "{unwritable}/arena.db",
        ],
        files: &[],
        env_remove: &[],
        code: 2,
        needles: &["{unwritable}/arena.db", "{unwritable_why}"],
    },
    Case {
        args: &["--config", "{dir}/good.yaml", "--db", "{dir}"],
        files: &[],
        env_remove: &[],
        code: 2,
        needles: &["{dir} is not an SQLite database (it is a directory)"],
    },
    Case {
        args: &["replay", "--db", "{dir}/missing.db", "--check"],
        files: &[],
        env_remove: &[],
        code: 2,
        needles: &["the database {dir}/missing.db does not exist"],
    },
    Case {
        args: &[
            "export",
            "--db",
            "{dir}/missing.db",
            "--out",
            "{dir}/missing.jsonl",
        ],
        files: &[],
        env_remove: &[],
        code: 2,
        needles: &["the database {dir}/missing.db does not exist"],
    },
];

#[test]
fn bad_input_is_refused_with_exit_code_2_a_fix_and_nothing_changed() {
    let fx = Fixture::new();
    let failures: Vec<String> = CASES
        .iter()
        .filter_map(|case| check(&fx, case).err())
        .collect();
    fx.unlock();
    assert!(
        failures.is_empty(),
        "{} of {} cases failed:\n\n{}",
        failures.len(),
        CASES.len(),
        failures.join("\n\n")
    );
}

/// Runs one case: writes its files, snapshots the scratch folder, runs the
/// runner there, and checks the exit code, the message and that the folder
/// is as it was. Says what went wrong, with the runner's message.
fn check(fx: &Fixture, case: &Case) -> Result<(), String> {
    for (name, text) in case.files {
        let path = fx.dir.join(name);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, text).unwrap();
    }
    let args: Vec<String> = case.args.iter().map(|a| fx.expand(a)).collect();
    let before = snapshot(&fx.dir);
    let mut command = Command::new(env!("CARGO_BIN_EXE_runner"));
    command.args(&args).current_dir(&fx.dir);
    // Model catalogs other than the built-in ones would change the messages.
    for var in ["ARENA_CATALOG_DIR", "ARENA_LITELLM_CATALOG"]
        .iter()
        .chain(case.env_remove)
    {
        command.env_remove(var);
    }
    let out = command.output().expect("the runner binary starts");
    let stderr = String::from_utf8_lossy(&out.stderr);
    let stdout = String::from_utf8_lossy(&out.stdout);
    let mut problems = Vec::new();
    if out.status.code() != Some(case.code) {
        problems.push(format!(
            "exit code {:?}, expected {}",
            out.status.code(),
            case.code
        ));
    }
    if stderr.contains("panicked") {
        problems.push("it panicked".to_string());
    }
    if !stdout.is_empty() {
        problems.push(format!("it printed to standard output:\n{stdout}"));
    }
    for needle in case.needles {
        let needle = fx.expand(needle);
        if !stderr.contains(&needle) {
            problems.push(format!("the message lacks {needle:?}"));
        }
    }
    let after = snapshot(&fx.dir);
    for (path, was) in &before {
        if after.get(path) != Some(was) {
            problems.push(format!("it changed or removed {}", path.display()));
        }
    }
    for (path, now) in &after {
        if before.contains_key(path) {
            continue;
        }
        // SQLite's companions of a database in WAL mode: any reader makes
        // them and, not knowing whether another connection still needs
        // them, leaves them. They hold no record (the log is empty); they
        // are removed so the next case starts from the same folder.
        let name = path.to_string_lossy();
        let companion_of = name
            .strip_suffix("-wal")
            .or_else(|| name.strip_suffix("-shm"));
        if !companion_of.is_some_and(|db| before.contains_key(Path::new(db))) {
            problems.push(format!("it created {}", path.display()));
        } else if name.ends_with("-wal") && now.as_deref() != Some(&[][..]) {
            problems.push(format!("it wrote to {name}"));
        } else {
            fs::remove_file(fx.dir.join(path)).unwrap();
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "runner {}\n  {}\n  stderr: {}",
            args.join(" "),
            problems.join("\n  "),
            stderr.trim_end()
        ))
    }
}

/// Every file under `dir` with its bytes (folders as `None`), by path
/// relative to `dir`.
fn snapshot(dir: &Path) -> BTreeMap<PathBuf, Option<Vec<u8>>> {
    fn walk(root: &Path, dir: &Path, out: &mut BTreeMap<PathBuf, Option<Vec<u8>>>) {
        for entry in fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            let relative = path.strip_prefix(root).unwrap().to_path_buf();
            if path.is_dir() {
                out.insert(relative, None);
                walk(root, &path, out);
            } else {
                out.insert(relative, Some(fs::read(&path).unwrap()));
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(dir, dir, &mut out);
    out
}

/// The scratch folder every case runs in, with what the cases point at: a
/// database a real run wrote and damaged, foreign, empty and newer ones.
struct Fixture {
    dir: PathBuf,
    run: String,
    episode: String,
    unwritable: PathBuf,
    unwritable_why: &'static str,
}

impl Fixture {
    fn new() -> Fixture {
        let dir = scratch("bad-input-table");
        fs::write(dir.join("good.yaml"), GOOD).unwrap();
        let db = dir.join("arena.db");
        ok(&runner(&[
            "--config",
            dir.join("good.yaml").to_str().unwrap(),
            "--db",
            db.to_str().unwrap(),
            "--quiet",
        ]));
        let (run, episode) = {
            let conn = Connection::open(&db).unwrap();
            conn.query_row(
                "SELECT run_id, episode_id FROM episodes ORDER BY episode_id LIMIT 1",
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .unwrap()
        };
        let bytes = fs::read(&db).unwrap();
        fs::write(dir.join("truncated.db"), &bytes[..bytes.len() / 2]).unwrap();
        fs::write(dir.join("newer.db"), &bytes).unwrap();
        let newer = Connection::open(dir.join("newer.db")).unwrap();
        newer
            .pragma_update(
                None,
                "user_version",
                arena_runner::store::SCHEMA_VERSION + 1,
            )
            .unwrap();
        drop(newer);
        Connection::open(dir.join("foreign.db"))
            .unwrap()
            .execute_batch("CREATE TABLE notes (x TEXT); INSERT INTO notes VALUES ('mine');")
            .unwrap();
        fs::write(dir.join("text.db"), "not a database, just text\n").unwrap();
        fs::write(dir.join("zero.db"), "").unwrap();
        fs::write(dir.join("notes.txt"), "my notes\n").unwrap();

        // A folder with mode 0o555 holding a real database. Root ignores
        // permission bits, so when a probe file can be created there the
        // case uses a path under a regular file instead (`notes.txt/…`),
        // which nobody can create.
        let locked = dir.join("locked");
        fs::create_dir(&locked).unwrap();
        fs::write(locked.join("arena.db"), &bytes).unwrap();
        set_mode(&locked, 0o555);
        let probe = locked.join("probe");
        let (unwritable, unwritable_why) = if fs::write(&probe, "").is_err() {
            (locked, "choose a writable location")
        } else {
            fs::remove_file(&probe).unwrap();
            (dir.join("notes.txt"), "is a file, not a directory")
        };
        assert!(
            fs::write(unwritable.join("probe"), "").is_err(),
            "no unwritable location to test with"
        );
        // Every connection above is closed, so SQLite has removed its
        // companions: the folder holds exactly what the cases point at.
        assert!(!dir.join("arena.db-wal").exists());
        Fixture {
            dir,
            run,
            episode,
            unwritable,
            unwritable_why,
        }
    }

    /// `text` with the placeholders of [`Case`] filled in.
    fn expand(&self, text: &str) -> String {
        text.replace("{dir}", self.dir.to_str().unwrap())
            .replace("{run}", &self.run)
            .replace("{episode}", &self.episode)
            .replace("{unwritable}", self.unwritable.to_str().unwrap())
            .replace("{unwritable_why}", self.unwritable_why)
    }

    /// Gives the locked folder its write bit back, so the scratch folder
    /// can be removed.
    fn unlock(&self) {
        set_mode(&self.dir.join("locked"), 0o755);
    }
}

fn set_mode(path: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    fs::set_permissions(path, fs::Permissions::from_mode(mode)).unwrap();
}
