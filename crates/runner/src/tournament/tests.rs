//! Tournament files: loading, the effective YAML, validation messages, the
//! schedules, seat rotation and seeds, and every file in `experiments/`.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use super::*;

fn load_yaml(yaml: &str) -> Result<Tournament, ConfigError> {
    load_str(yaml, Path::new("t.yaml"), &[])
}

fn with(yaml: &str, overrides: &[&str]) -> Result<Tournament, ConfigError> {
    let overrides: Vec<String> = overrides.iter().map(|s| s.to_string()).collect();
    load_str(yaml, Path::new("t.yaml"), &overrides)
}

const FOUR: &str = "participants: [random, llamacpp_a, llamacpp_b, llamacpp_c]\n";

/// How often each participant (by name) sits each seat, per game.
fn seat_counts(t: &Tournament, plan: &[TournamentEpisode]) -> BTreeMap<(u32, String, usize), u32> {
    let mut out = BTreeMap::new();
    for e in plan {
        for (seat, &p) in e.seats.iter().enumerate() {
            *out.entry((e.env_index, t.participants[p].name.clone(), seat))
                .or_default() += 1;
        }
    }
    out
}

#[test]
fn round_robin_plays_every_pair_from_both_sides_with_one_seed_per_deal() {
    let t = load_yaml(
        "participants: [random, llamacpp_a, llamacpp_b]\n\
         games: [{game_name: connect_four, episodes: 4}]\n",
    )
    .unwrap();
    assert_eq!(t.tables(0), vec![vec![0, 1], vec![0, 2], vec![1, 2]]);
    let plan = t.plan();
    // 3 pairs × 4 deals × 2 seatings.
    assert_eq!(plan.len(), 24);
    // Every ordered pair (seat 0, seat 1) four times: each side of each deal.
    let mut ordered: BTreeMap<(usize, usize), u32> = BTreeMap::new();
    for e in &plan {
        *ordered.entry((e.seats[0], e.seats[1])).or_default() += 1;
    }
    assert_eq!(ordered.len(), 6);
    assert!(ordered.values().all(|&n| n == 4), "{ordered:?}");
    // Mirrors are consecutive, swap the seats and share the seed.
    for pair in plan.chunks(2) {
        assert_eq!(pair[0].seed, pair[1].seed);
        assert_eq!(pair[0].deal, pair[1].deal);
        assert_eq!(pair[0].seats, vec![pair[1].seats[1], pair[1].seats[0]]);
        assert_eq!((pair[0].rotation, pair[1].rotation), (0, 1));
    }
    // Seeds differ across deals and tables: 12 deals, 12 seeds.
    let seeds: BTreeSet<u64> = plan.iter().map(|e| e.seed).collect();
    assert_eq!(seeds.len(), 12);
    // Ids are 0.. in play order.
    let indices: Vec<u32> = plan.iter().map(|e| e.episode_index).collect();
    assert_eq!(indices, (0..24).collect::<Vec<_>>());
    assert!(plan.iter().all(|e| e.env_index == 0));
}

#[test]
fn gauntlet_plays_challengers_against_anchors_only() {
    let t = load_yaml(&format!(
        "{FOUR}games: [{{game_name: tic_tac_toe, episodes: 3}}]\n\
         schedule: gauntlet\nanchors: [llamacpp_b, random]\n"
    ))
    .unwrap();
    assert_eq!(
        t.schedule,
        Schedule::Gauntlet {
            anchors: vec![0, 2]
        }
    );
    // llamacpp_a and llamacpp_c (the challengers) against each anchor.
    assert_eq!(
        t.tables(0),
        vec![vec![0, 1], vec![1, 2], vec![0, 3], vec![2, 3]]
    );
    let plan = t.plan();
    assert_eq!(plan.len(), 4 * 3 * 2);
    for e in &plan {
        let anchors = e.seats.iter().filter(|p| [0, 2].contains(*p)).count();
        assert_eq!(anchors, 1, "{e:?}");
    }
    let counts = seat_counts(&t, &plan);
    // Each challenger: two anchors × three deals on each seat.
    assert_eq!(counts[&(0, "llamacpp_a".to_string(), 0)], 6);
    assert_eq!(counts[&(0, "llamacpp_a".to_string(), 1)], 6);
    assert_eq!(counts[&(0, "random".to_string(), 1)], 6);
}

#[test]
fn n_seat_tables_rotate_so_everyone_sits_every_seat_equally() {
    let t = load_yaml(&format!(
        "{FOUR}games: [{{game_name: poker, players: 3, episodes: 2}}]\n"
    ))
    .unwrap();
    // Every 3 of the 4 participants.
    assert_eq!(
        t.tables(0),
        vec![vec![0, 1, 2], vec![0, 1, 3], vec![0, 2, 3], vec![1, 2, 3]]
    );
    let plan = t.plan();
    assert_eq!(plan.len(), 4 * 2 * 3);
    let counts = seat_counts(&t, &plan);
    // Each participant is at 3 tables × 2 deals, once per seat each.
    assert_eq!(counts.len(), 4 * 3);
    assert!(counts.values().all(|&n| n == 6), "{counts:?}");
    // The three seatings of a deal are the cyclic rotations, with one seed.
    for deal in plan.chunks(3) {
        assert!(deal.iter().all(|e| e.seed == deal[0].seed));
        let m = &deal[0].seats;
        assert_eq!(deal[1].seats, vec![m[1], m[2], m[0]]);
        assert_eq!(deal[2].seats, vec![m[2], m[0], m[1]]);
    }
    let seeds: BTreeSet<u64> = plan.iter().map(|e| e.seed).collect();
    assert_eq!(seeds.len(), 8);
    // An N-seat gauntlet: one challenger and N-1 anchors per table.
    let g = with(
        &format!("{FOUR}games: [{{game_name: poker, players: 3, episodes: 1}}]\n"),
        &["schedule=gauntlet", "anchors=[random, llamacpp_a]"],
    )
    .unwrap();
    assert_eq!(g.tables(0), vec![vec![0, 1, 2], vec![0, 1, 3]]);
}

#[test]
fn without_duplicate_each_deal_is_played_once_and_the_seats_still_alternate() {
    let t = load_yaml(
        "participants: [random, llamacpp_a]\n\
         games: [{game_name: kuhn_poker, episodes: 4}]\nduplicate: false\n",
    )
    .unwrap();
    let plan = t.plan();
    assert_eq!(plan.len(), 4);
    let seats: Vec<Vec<usize>> = plan.iter().map(|e| e.seats.clone()).collect();
    assert_eq!(seats, vec![vec![0, 1], vec![1, 0], vec![0, 1], vec![1, 0]]);
    let seeds: BTreeSet<u64> = plan.iter().map(|e| e.seed).collect();
    assert_eq!(seeds.len(), 4);
    assert_eq!(
        plan.iter().map(|e| e.episode_index).collect::<Vec<_>>(),
        vec![0, 1, 2, 3]
    );
}

#[test]
fn baselines_play_only_their_own_game() {
    let t = load_yaml(
        "participants: [random, baseline_poker, baseline_connect_four, llamacpp_a]\n\
         games: [poker, connect_four]\n",
    )
    .unwrap();
    // Poker: random, baseline_poker and the model; Connect Four: random,
    // baseline_connect_four and the model.
    assert_eq!(t.tables(0), vec![vec![0, 1], vec![0, 3], vec![1, 3]]);
    assert_eq!(t.tables(1), vec![vec![0, 2], vec![0, 3], vec![2, 3]]);
    assert!(t.plan().iter().all(|e| {
        e.seats
            .iter()
            .all(|&p| t.participants[p].plays(&t.games[e.env_index as usize].game))
    }));
}

#[test]
fn seeds_follow_the_documented_formula() {
    // Computed with the Python in experiments/README.md.
    assert_eq!(
        tournament_seed(42, 2, "poker", &["random", "baseline_poker"], 0),
        4872571359477952687
    );
    assert_eq!(
        tournament_seed(7, 0, "connect_four", &["llamacpp_gemma3-270m", "random"], 3),
        11692291139891206959
    );
    // The plan uses it: baselines.yaml's poker table, deal 0.
    let t = load_yaml(
        "seed: 42\nparticipants: [random, baseline_tic_tac_toe, baseline_connect_four, baseline_poker]\n\
         games: [tic_tac_toe, connect_four, {game_name: poker, hands: 10}]\n",
    )
    .unwrap();
    let first_poker = t.plan().into_iter().find(|e| e.env_index == 2).unwrap();
    assert_eq!(first_poker.seed, 4872571359477952687);
    // Reordering the participants moves no seed.
    let u = load_yaml(
        "seed: 42\nparticipants: [baseline_poker, baseline_connect_four, baseline_tic_tac_toe, random]\n\
         games: [tic_tac_toe, connect_four, {game_name: poker, hands: 10}]\n",
    )
    .unwrap();
    let seeds = |t: &Tournament| t.plan().iter().map(|e| e.seed).collect::<BTreeSet<_>>();
    assert_eq!(seeds(&t), seeds(&u));
}

#[test]
fn the_effective_file_loads_back_to_the_same_tournament() {
    let t = with(
        &format!(
            "name: x\n{FOUR}games:\n  - connect_four\n  - {{game_name: poker, players: 3, hands: 4, max_game_rounds: 500}}\n"
        ),
        &[
            "schedule=gauntlet",
            "anchors=[random, llamacpp_a]",
            "duplicate=false",
            "games.0.episodes=3",
            "llm_backend.max_tokens=32",
            "illegal_move_policy.on_failure=random",
            "log.db=x.db",
            "concurrency=2",
            "seed=9",
        ],
    )
    .unwrap();
    let yaml = t.to_yaml().unwrap();
    let back = load_yaml(&yaml).unwrap();
    assert_eq!(back, t, "{yaml}");
    assert_eq!(back.to_yaml().unwrap(), yaml);
    assert!(is_tournament_yaml(&yaml));
    assert!(!is_tournament_yaml(
        &crate::config::load(None, &[]).unwrap().to_yaml().unwrap()
    ));
    for key in [
        "participants:",
        "schedule: gauntlet",
        "anchors:",
        "duplicate: false",
        "episodes: 3",
        "stack: 200",
        "max_game_rounds: 500",
        "db: x.db",
    ] {
        assert!(yaml.contains(key), "{key} missing:\n{yaml}");
    }
    assert!(!yaml.contains("default_model"), "{yaml}");
    // Every key path of the effective file is one the override schema knows.
    let known = crate::config::known_paths_of(&raw::SCHEMA);
    let tree: serde_yaml::Value = serde_yaml::from_str(&yaml).unwrap();
    let mut paths = Vec::new();
    collect_paths(&tree, "", &mut paths);
    for path in &paths {
        assert!(known.contains(path), "{path} is not a schema key:\n{yaml}");
    }
}

fn collect_paths(value: &serde_yaml::Value, prefix: &str, out: &mut Vec<String>) {
    match value {
        serde_yaml::Value::Mapping(map) => {
            for (k, v) in map {
                let key = k.as_str().unwrap();
                let is_game = prefix == "games.<index>";
                let key = if is_game && !raw::GAME_KEYS.contains(&key) {
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
                collect_paths(v, &path, out);
            }
        }
        serde_yaml::Value::Sequence(list) => {
            for v in list {
                out.push(format!("{prefix}.<index>"));
                collect_paths(v, &format!("{prefix}.<index>"), out);
            }
        }
        _ => {}
    }
}

#[test]
fn overrides_are_typed_by_the_tournament_schema() {
    let base = "participants: [random, llamacpp_a]\ngames: [connect_four]\n";
    let t = with(
        base,
        &[
            "participants=[random, baseline_poker, llamacpp_a]",
            "games.1=poker",
            "games.1.players=3",
            "games.1.stack=50",
            "name=0123",
            "duplicate=FALSE",
        ],
    )
    .unwrap();
    assert_eq!(t.participants.len(), 3);
    assert_eq!(t.games[1].seats, 3);
    assert_eq!(t.games[1].params["stack"], arena_games::ParamValue::Int(50));
    assert_eq!(t.name.as_deref(), Some("0123"));
    assert!(!t.duplicate);
    let t = with(base, &["participants.1=llamacpp_z", "participants=random"]);
    assert!(t.unwrap_err().to_string().contains("at least two"));
    for (o, needles) in [
        (
            "participant=[a]",
            &["participant", "did you mean `participants`"][..],
        ),
        (
            "games.0.colums=3",
            &["colums", "did you mean `columns`"][..],
        ),
        (
            "games.0.episodes=many",
            &["games.0.episodes", "integer"][..],
        ),
        ("duplicate=maybe", &["duplicate", "true or false"][..]),
        ("schedule=gantlet", &["gauntlet"][..]),
        ("games.3=poker", &["no index 3"][..]),
    ] {
        let err = with(base, &[o]).unwrap_err().to_string();
        for n in needles {
            assert!(err.contains(n), "{o}: {n:?} not in {err}");
        }
    }
}

#[test]
fn bad_tournaments_are_refused_with_what_is_wrong_and_how_to_fix_it() {
    let cases: &[(&str, &[&str])] = &[
        (
            "participants: [random]\ngames: [connect_four]\n",
            &["participants", "at least two", "only `random`"],
        ),
        ("games: [connect_four]\n", &["at least two"]),
        (
            "participants: [random, llamacpp_a, random]\ngames: [connect_four]\n",
            &["participants.2", "listed twice", "participants.0"],
        ),
        (
            "participants: [randon, llamacpp_a]\ngames: [connect_four]\n",
            &["participants.0", "randon", "did you mean `random`"],
        ),
        (
            "participants: [random, baseline_conect_four]\ngames: [connect_four]\n",
            &[
                "baseline_conect_four",
                "did you mean `baseline_connect_four`",
            ],
        ),
        (
            "participants: [random, human]\ngames: [connect_four]\n",
            &["participants.1", "human", "unattended"],
        ),
        (
            "participants: [random, llamacpp_a]\n",
            &["games", "no game"],
        ),
        (
            "participants: [random, llamacpp_a]\ngames: [conect_four]\n",
            &[
                "games.0.game_name",
                "conect_four",
                "did you mean `connect_four`",
            ],
        ),
        (
            "participants: [random, llamacpp_a]\ngames: [{game_name: poker, playrs: 3}]\n",
            &["games.0.playrs", "did you mean `players`"],
        ),
        (
            "participants: [random, llamacpp_a]\ngames: [{episodes: 3}]\n",
            &["games.0", "game_name"],
        ),
        (
            "participants: [random, llamacpp_a]\ngames: [{game_name: poker, episodes: 0}]\n",
            &["games.0.episodes", "is 0", "1..="],
        ),
        (
            "participants: [random, llamacpp_a, llamacpp_b]\ngames: [{game_name: poker, players: 6}]\n",
            &[
                "games.0",
                "poker seats 6",
                "only 3",
                "add participants",
                "`players`",
            ],
        ),
        (
            "participants: [random, llamacpp_a]\ngames: [connect_four]\nschedule: gauntlet\n",
            &["anchors", "is missing"],
        ),
        (
            "participants: [random, llamacpp_a]\ngames: [connect_four]\nschedule: gauntlet\nanchors: [randm]\n",
            &["anchors.0", "not a participant", "did you mean `random`"],
        ),
        (
            "participants: [random, llamacpp_a]\ngames: [connect_four]\nschedule: gauntlet\nanchors: [random, llamacpp_a]\n",
            &["anchors", "every participant"],
        ),
        (
            "participants: [random, llamacpp_a]\ngames: [connect_four]\nanchors: [random]\n",
            &["anchors", "gauntlet"],
        ),
        (
            "participants: [random, llamacpp_a, llamacpp_b]\ngames: [{game_name: poker, players: 3}]\nschedule: gauntlet\nanchors: [random]\n",
            &["games.0", "2 anchor(s)", "add anchors"],
        ),
        (
            "participants: [random, llamacpp_a, baseline_poker]\ngames: [connect_four]\n",
            &["participants.2", "plays only poker", "add poker"],
        ),
        (
            "participants: [random, llamacpp_a]\ngames: [{game_name: connect_four, agents: {player_0: random}}]\n",
            &["games.0.agents", "schedule"],
        ),
        (
            "participants: [random, llamacpp_a]\ngames: [connect_four]\nllm_backend: {default_model: llamacpp_a}\n",
            &["llm_backend.default_model", "remove"],
        ),
        (
            "participants: [random, llamacpp_a]\ngames: [connect_four]\nnum_episodes: 3\n",
            &["num_episodes"],
        ),
        (
            "participants: [random, llamacpp_a]\ngames: [connect_four]\nconcurrency: 0\n",
            &["concurrency", "is 0"],
        ),
    ];
    for (yaml, needles) in cases {
        let err = match load_yaml(yaml) {
            Ok(t) => panic!("accepted:\n{yaml}\n{t:?}"),
            Err(e) => e.to_string(),
        };
        for n in *needles {
            assert!(err.contains(n), "{yaml}: {n:?} not in:\n{err}");
        }
    }
}

fn experiments_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../experiments")
}

#[test]
fn every_file_in_experiments_loads() {
    let mut loaded = BTreeMap::new();
    for entry in std::fs::read_dir(experiments_dir()).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().and_then(|e| e.to_str()) != Some("yaml") {
            continue;
        }
        let t = load(&path, &[]).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        assert!(!t.plan().is_empty(), "{}", path.display());
        // The effective file is what a run stores; it must load back.
        assert_eq!(load_yaml(&t.to_yaml().unwrap()).unwrap(), t);
        let name = path.file_stem().unwrap().to_string_lossy().into_owned();
        loaded.insert(name, t);
    }
    for name in [
        "baselines",
        "local_vs_baselines",
        "local_vs_api",
        "poker_table",
    ] {
        assert!(
            loaded.contains_key(name),
            "experiments/{name}.yaml is missing"
        );
    }
    // The scripted one and the templates run without an API key: no active
    // participant is an API or server model.
    for t in loaded.values() {
        for p in &t.participants {
            assert!(
                matches!(
                    p.agent,
                    arena_agents::AgentName::Random
                        | arena_agents::AgentName::Baseline(_)
                        | arena_agents::AgentName::LlamaCpp(_)
                ),
                "{} needs a key or a server",
                p.name
            );
        }
    }
    assert!(
        loaded["baselines"]
            .participants
            .iter()
            .all(|p| !matches!(p.agent, arena_agents::AgentName::LlamaCpp(_)))
    );
    let table = &loaded["poker_table"];
    assert!(
        table
            .games
            .iter()
            .any(|g| g.game == "poker" && g.seats >= 3)
    );
}

/// The API models the template lists (commented out) are real names, each
/// next to the variable it needs: uncommented, the file still loads.
#[test]
fn the_api_template_lists_loadable_models_with_their_keys() {
    let text = std::fs::read_to_string(experiments_dir().join("local_vs_api.yaml")).unwrap();
    let mut models = Vec::new();
    for line in text.lines() {
        let Some(rest) = line.trim_start().strip_prefix("# - litellm_") else {
            continue;
        };
        let (model, comment) = rest.split_once('#').expect("a comment naming the key");
        let model = format!("litellm_{}", model.trim());
        let arena_agents::AgentName::Litellm(target) =
            arena_agents::AgentName::parse(&model).unwrap()
        else {
            panic!("{model} is not an API model");
        };
        let key = target
            .provider
            .key_vars
            .first()
            .copied()
            .unwrap_or_default();
        assert!(
            comment.contains(key),
            "{model}: the comment should name {key}: {comment}"
        );
        models.push(model);
    }
    assert!(models.len() >= 3, "{models:?}");
    let participants: Vec<String> = load(&experiments_dir().join("local_vs_api.yaml"), &[])
        .unwrap()
        .participants
        .iter()
        .map(|p| p.name.clone())
        .chain(models)
        .collect();
    let t = with(
        &std::fs::read_to_string(experiments_dir().join("local_vs_api.yaml")).unwrap(),
        &[&format!("participants=[{}]", participants.join(", "))],
    );
    assert!(t.is_ok(), "{t:?}");
}
