//! The conformance suite every game passes, after OpenSpiel's random
//! simulation tests: many seeded random games per configuration, checking at
//! every state the legal-action order, that every legal action applies and
//! non-legal ones fail with the state unchanged, notation round trips, that
//! the GBNF grammar, regex and JSON schema accept exactly the legal moves
//! (checked with independent matchers), that observations hide what a seat
//! may not know, that the history replays to the same game, and that chance
//! keys are stable: the same deal slot has the same key and the same
//! outcomes however the players played.

mod support;

use std::collections::BTreeSet;

use arena_games::{Actor, AnyGame, AnyState, MoveConstraint, Seat, Turn};
use support::gbnf::Grammar;
use support::{Case, RandomPlayer, cases};

const SEEDS: u64 = 40;
const MAX_PLIES: usize = 5000;

/// Render, history, and each seat's observation text and JSON.
type Snapshot = (String, Vec<(Actor, String)>, Vec<String>, Vec<String>);

/// Every observable part of a state, to check that a failed action changed nothing.
fn snapshot(state: &dyn AnyState) -> Snapshot {
    let seats = 0..state.n_seats();
    (
        state.render(),
        state.history(),
        seats.clone().map(|s| state.observation_text(s)).collect(),
        seats
            .map(|s| state.observation_json(s).to_string())
            .collect(),
    )
}

/// Strings that are not legal now: moves legal elsewhere in the game, and
/// near misses of the legal ones.
fn candidates(legal: &[String], universe: &BTreeSet<String>) -> Vec<String> {
    let mut out: BTreeSet<String> = universe.iter().take(400).cloned().collect();
    for l in legal.iter().take(30) {
        out.insert(format!("{l}x"));
        out.insert(format!("{l} "));
        out.insert(format!(" {l}"));
        out.insert(l.to_uppercase());
        out.insert(l.chars().skip(1).collect());
        out.insert(
            l.chars()
                .take(l.chars().count().saturating_sub(1))
                .collect(),
        );
        out.insert(format!("{l}{l}"));
    }
    for s in [
        "", " ", "0", "-1", "99", "999999", "pass", "fold", "a1", "x", "\"", "\\", "\n",
    ] {
        out.insert(s.to_string());
    }
    out.insert("z".repeat(500));
    out.retain(|c| !legal.contains(c));
    out.into_iter().collect()
}

fn check_constraint(
    label: &str,
    state: &dyn AnyState,
    legal: &[String],
    universe: &BTreeSet<String>,
) {
    let c: MoveConstraint = state.move_constraint();
    let grammar =
        Grammar::parse(&c.gbnf).unwrap_or_else(|e| panic!("{label}: bad GBNF ({e}):\n{}", c.gbnf));
    let regex = regex::Regex::new(&c.regex).unwrap_or_else(|e| panic!("{label}: bad regex: {e}"));
    let schema_pattern = c
        .json_schema
        .get("pattern")
        .and_then(|p| p.as_str())
        .map(|p| {
            regex::Regex::new(p).unwrap_or_else(|e| panic!("{label}: bad schema pattern: {e}"))
        });
    let schema_accepts = |s: &str| json_schema_accepts(&c.json_schema, schema_pattern.as_ref(), s);
    match &c.choices {
        Some(choices) => assert_eq!(
            choices, legal,
            "{label}: constraint choices differ from legal actions"
        ),
        None => assert!(
            legal.is_empty(),
            "{label}: free-text constraint but listed actions"
        ),
    }
    for l in legal {
        assert!(
            grammar.accepts(l),
            "{label}: GBNF rejects legal {l:?}\n{}",
            c.gbnf
        );
        assert!(regex.is_match(l), "{label}: regex rejects legal {l:?}");
        assert!(
            schema_accepts(l),
            "{label}: JSON schema rejects legal {l:?}"
        );
    }
    for cand in candidates(legal, universe) {
        let by_grammar = grammar.accepts(&cand);
        assert_eq!(
            by_grammar,
            regex.is_match(&cand),
            "{label}: GBNF and regex disagree on {cand:?}"
        );
        assert_eq!(
            by_grammar,
            schema_accepts(&cand),
            "{label}: GBNF and schema disagree on {cand:?}"
        );
        if c.choices.is_some() {
            assert!(!by_grammar, "{label}: grammar accepts non-legal {cand:?}");
        } else {
            // Free text: the grammar accepts exactly the canonical strings the
            // game takes as legal moves.
            let canonical = state.parse_legal(&cand).ok().filter(|p| *p == cand);
            assert_eq!(
                by_grammar,
                canonical.is_some(),
                "{label}: grammar vs legality of {cand:?}"
            );
        }
    }
}

/// The subset of JSON schema the games emit: a string with `enum`, or with
/// `minLength`/`maxLength`/`pattern`.
fn json_schema_accepts(
    schema: &serde_json::Value,
    pattern: Option<&regex::Regex>,
    s: &str,
) -> bool {
    assert_eq!(schema["type"], "string", "move schemas describe a string");
    if let Some(values) = schema.get("enum") {
        return values.as_array().unwrap().iter().any(|v| v == s);
    }
    let len = s.chars().count() as u64;
    if schema
        .get("minLength")
        .and_then(|v| v.as_u64())
        .is_some_and(|m| len < m)
    {
        return false;
    }
    if schema
        .get("maxLength")
        .and_then(|v| v.as_u64())
        .is_some_and(|m| len > m)
    {
        return false;
    }
    pattern.is_none_or(|p| p.is_match(s))
}

/// Checks one non-terminal or terminal state thoroughly.
fn check_state(
    label: &str,
    game: &dyn AnyGame,
    state: &dyn AnyState,
    universe: &mut BTreeSet<String>,
) {
    let legal = state.legal_actions();
    assert_eq!(
        legal,
        state.legal_actions(),
        "{label}: legal actions not stable"
    );
    assert_eq!(
        legal,
        state.clone_box().legal_actions(),
        "{label}: clone lists other actions"
    );
    let unique: BTreeSet<&String> = legal.iter().collect();
    assert_eq!(
        unique.len(),
        legal.len(),
        "{label}: duplicate legal actions {legal:?}"
    );
    for seat in 0..game.n_seats() {
        assert!(
            !state.observation_text(seat).trim().is_empty(),
            "{label}: empty observation"
        );
        assert!(
            !state.observation_json(seat).is_null(),
            "{label}: observation does not serialize"
        );
    }
    match state.turn() {
        Turn::Terminal => {
            assert!(legal.is_empty(), "{label}: terminal state lists actions");
            assert_eq!(state.returns().len(), game.n_seats());
            let before = snapshot(state);
            let mut copy = state.clone_box();
            assert!(copy.apply_text(legal.first().map_or("1", |s| s)).is_err());
            assert_eq!(
                before,
                snapshot(copy.as_ref()),
                "{label}: failed action changed the state"
            );
            return;
        }
        Turn::Chance => {
            assert!(!legal.is_empty(), "{label}: chance node without outcomes");
            assert_eq!(
                state.chance_key(),
                state.clone_box().chance_key(),
                "{label}: a clone has another chance key"
            );
        }
        Turn::Seat(s) => {
            assert_eq!(
                state.chance_key(),
                None,
                "{label}: a chance key at a player's turn"
            );
            assert!(s < game.n_seats());
            check_constraint(label, state, &legal, universe);
        }
    }
    // Print -> parse is the identity, and every legal action applies.
    for l in &legal {
        assert_eq!(
            state.parse_legal(l).as_deref(),
            Ok(l.as_str()),
            "{label}: {l:?} does not round-trip"
        );
    }
    let step = (legal.len() / 40).max(1);
    for l in legal.iter().step_by(step) {
        let mut copy = state.clone_box();
        copy.apply_text(l)
            .unwrap_or_else(|e| panic!("{label}: legal {l:?} failed: {e}"));
        assert_eq!(copy.history_len(), state.history_len() + 1);
    }
    // Anything else either reads as a legal move or fails leaving the state unchanged.
    let before = snapshot(state);
    for (i, cand) in candidates(&legal, universe).iter().take(60).enumerate() {
        match state.parse_legal(cand) {
            Ok(canonical) => {
                assert!(
                    legal.contains(&canonical) || state.turn() != Turn::Chance && legal.is_empty(),
                    "{label}: {cand:?} parsed to non-listed {canonical:?}"
                );
            }
            Err(_) => {
                let mut copy = state.clone_box();
                assert!(
                    copy.apply_text(cand).is_err(),
                    "{label}: {cand:?} applied though unparsable"
                );
                // A full comparison renders every seat's view; a few per
                // state are enough to catch a partial update.
                if i % 8 == 0 {
                    assert_eq!(
                        before,
                        snapshot(copy.as_ref()),
                        "{label}: failed {cand:?} changed the state"
                    );
                } else {
                    assert_eq!(
                        copy.history_len(),
                        state.history_len(),
                        "{label}: failed {cand:?} recorded"
                    );
                }
            }
        }
    }
    universe.extend(legal.into_iter().filter(|l| l.len() < 200));
}

/// Rebuilds the game from its history and compares everything observable.
fn check_replay(label: &str, game: &dyn AnyGame, state: &dyn AnyState) {
    let mut replay = game.new_initial_state();
    for (ply, (actor, action)) in state.history().iter().enumerate() {
        let expected_turn = match actor {
            Actor::Seat(s) => Turn::Seat(*s),
            Actor::Chance => Turn::Chance,
        };
        assert_eq!(
            replay.turn(),
            expected_turn,
            "{label}: ply {ply} actor differs on replay"
        );
        replay
            .apply_text(action)
            .unwrap_or_else(|e| panic!("{label}: replay ply {ply} {action:?}: {e}"));
    }
    assert_eq!(
        snapshot(state),
        snapshot(replay.as_ref()),
        "{label}: replay differs"
    );
    assert_eq!(
        state.returns(),
        replay.returns(),
        "{label}: replayed returns differ"
    );
    assert_eq!(state.turn(), replay.turn());
}

fn run_case(case: &Case) {
    let game = case.game.as_ref();
    let mut universe = BTreeSet::new();
    for seed in 0..SEEDS {
        let label = format!("{} seed {seed}", case.label);
        let mut player = RandomPlayer::new(seed);
        let mut state = game.new_initial_state();
        let mut plies = 0;
        let mut keys: Vec<Option<u64>> = Vec::new();
        loop {
            if state.turn() == Turn::Chance {
                let key = state.chance_key();
                // A game keys all its chance nodes or none, and never the
                // same slot twice in one playthrough.
                assert!(
                    keys.iter().all(|k| k.is_some() == key.is_some()),
                    "{label}: some chance nodes have keys and some do not"
                );
                assert!(
                    key.is_none() || !keys.contains(&key),
                    "{label}: chance key {key:?} comes twice"
                );
                keys.push(key);
            }
            check_state(&label, game, state.as_ref(), &mut universe);
            hidden_information(&label, game, state.as_ref());
            if plies % 7 == 3 {
                check_replay(&label, game, state.as_ref());
            }
            if state.is_terminal() {
                break;
            }
            let action = player.pick(state.as_ref());
            state
                .apply_text(&action)
                .unwrap_or_else(|e| panic!("{label}: {action:?}: {e}"));
            plies += 1;
            assert!(plies < MAX_PLIES, "{label}: no end after {MAX_PLIES} plies");
        }
        check_replay(&label, game, state.as_ref());
        let returns = state.returns();
        if game.name() != "prisoners_dilemma" {
            assert_eq!(
                returns.iter().sum::<i64>(),
                0,
                "{label}: returns {returns:?} not zero-sum"
            );
        }
    }
}

/// The steps of the history whose outcome `seat` may not know yet, per game.
/// Perfect-information games have none; reverse hangman's hidden guesses
/// are free text and are checked over every puzzle in its rules tests.
fn hidden_steps(game: &dyn AnyGame, state: &dyn AnyState, seat: Seat) -> Vec<usize> {
    let history = state.history();
    let n = game.n_seats();
    let terminal = state.is_terminal();
    match game.name() {
        // One hand (hands=1): the first 2n chance steps are hole cards, dealt
        // one at a time starting left of the button (seat 0 has it), twice
        // round. Until a showdown (the end, unless everyone else folded)
        // another seat's cards are hidden.
        "poker" if game.params().int("hands") == 1 => {
            let folded_out = state.render().contains("everyone else folded");
            if terminal && !folded_out {
                return Vec::new();
            }
            (0..history.len())
                .filter(|&i| history[i].0 == Actor::Chance && i < 2 * n && (i + 1) % n != seat)
                .collect()
        }
        // Step 0 deals seat 0's card, step 1 seat 1's; hidden until a showdown.
        "kuhn_poker" => {
            let showdown = terminal && !state.render().to_lowercase().contains("fold");
            if showdown {
                return Vec::new();
            }
            let other = 1 - seat.min(1);
            if history.len() > other {
                vec![other]
            } else {
                Vec::new()
            }
        }
        // One-shot simultaneous games: seat 0's choice is hidden from seat 1
        // until the end.
        "prisoners_dilemma" | "matching_pennies" | "rock_paper_scissors" => {
            if seat == 1 && !terminal && !history.is_empty() {
                vec![0]
            } else {
                Vec::new()
            }
        }
        _ => Vec::new(),
    }
}

/// Rebuilds the game with the hidden steps changed to other outcomes, keeping
/// every other step; `None` if no such twin can be played.
fn twin(
    game: &dyn AnyGame,
    state: &dyn AnyState,
    hidden: &[usize],
    variant: usize,
) -> Option<Box<dyn AnyState>> {
    let history = state.history();
    let mut twin = game.new_initial_state();
    let mut used: BTreeSet<String> = BTreeSet::new();
    for (i, (_, action)) in history.iter().enumerate() {
        if hidden.contains(&i) {
            let legal = twin.legal_actions();
            // Pick an alternative not used elsewhere in the real history, so the
            // rest of it stays playable (cards are unique).
            let taken: BTreeSet<&String> = history.iter().map(|(_, a)| a).collect();
            let alt = legal
                .iter()
                .filter(|a| *a != action && !taken.contains(a) && !used.contains(*a))
                .nth(variant)
                .or_else(|| legal.iter().find(|a| *a != action && !used.contains(*a)))?
                .clone();
            used.insert(alt.clone());
            twin.apply_text(&alt).ok()?;
        } else {
            twin.apply_text(action).ok()?;
        }
    }
    Some(twin)
}

/// What a seat sees must not depend on what is hidden from it: its
/// observation is the same in a twin game whose hidden steps differ.
fn hidden_information(label: &str, game: &dyn AnyGame, state: &dyn AnyState) {
    for seat in 0..game.n_seats() {
        let hidden = hidden_steps(game, state, seat);
        if hidden.is_empty() {
            continue;
        }
        let text = state.observation_text(seat);
        let json = state.observation_json(seat);
        let mut twins = 0;
        for variant in 0..2 {
            let Some(twin) = twin(game, state, &hidden, variant) else {
                continue;
            };
            twins += 1;
            assert_eq!(
                twin.observation_text(seat),
                text,
                "{label}: seat {seat} sees hidden steps {hidden:?}"
            );
            assert_eq!(
                twin.observation_json(seat),
                json,
                "{label}: seat {seat} JSON shows hidden steps"
            );
        }
        assert!(
            twins > 0,
            "{label}: no twin game for hidden steps {hidden:?}"
        );
    }
}

/// One chance node met in a keyed play: its key, the outcomes listed and
/// the one drawn.
type KeyedDeal = (u64, Vec<String>, String);

/// Plays a game to the end the way a duplicate-dealing runner does: each
/// chance outcome is picked by a hash of (deal seed, chance key) alone, each
/// player move by a random player seeded with `play_seed`. Returns the
/// chance nodes met (`None` for a game without keys) and the player moves.
fn keyed_play(
    game: &dyn AnyGame,
    deal_seed: u64,
    play_seed: u64,
) -> (Option<Vec<KeyedDeal>>, Vec<String>) {
    let mut state = game.new_initial_state();
    let mut player = RandomPlayer::new(play_seed);
    let mut deals = Vec::new();
    let mut moves = Vec::new();
    for _ in 0..MAX_PLIES {
        match state.turn() {
            Turn::Terminal => return (Some(deals), moves),
            Turn::Chance => {
                let Some(key) = state.chance_key() else {
                    return (None, moves);
                };
                let legal = state.legal_actions();
                let pick = splitmix(deal_seed ^ splitmix(key)) % legal.len() as u64;
                let outcome = legal[pick as usize].clone();
                state.apply_text(&outcome).unwrap();
                deals.push((key, legal, outcome));
            }
            Turn::Seat(_) => {
                let action = player.pick(state.as_ref());
                state.apply_text(&action).unwrap();
                moves.push(action);
            }
        }
    }
    panic!("{}: no end after {MAX_PLIES} plies", game.name());
}

fn splitmix(x: u64) -> u64 {
    let mut z = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// Two games dealt from the same seed but played differently list the same
/// outcomes, and so deal the same, at every chance key they both reach.
#[test]
fn chance_keys_do_not_depend_on_the_players_actions() {
    let mut games: Vec<(String, std::sync::Arc<dyn AnyGame>)> =
        cases().into_iter().map(|c| (c.label, c.game)).collect();
    let mut heads_up = std::collections::BTreeMap::new();
    heads_up.insert("hands".to_string(), arena_games::ParamValue::Int(8));
    heads_up.insert("stack".to_string(), arena_games::ParamValue::Int(20));
    games.push((
        "poker(hands=8,stack=20)".to_string(),
        arena_games::build("poker", &heads_up).unwrap(),
    ));
    for (label, game) in &games {
        let mut diverged = 0;
        for deal_seed in 0..12u64 {
            let (Some(a), moves_a) = keyed_play(game.as_ref(), deal_seed, 1000 + deal_seed) else {
                continue;
            };
            let (Some(b), moves_b) = keyed_play(game.as_ref(), deal_seed, 2000 + deal_seed) else {
                panic!("{label}: chance keys come and go");
            };
            diverged += usize::from(moves_a != moves_b);
            let by_key: std::collections::BTreeMap<u64, &KeyedDeal> =
                b.iter().map(|d| (d.0, d)).collect();
            for deal in &a {
                if let Some(other) = by_key.get(&deal.0) {
                    assert_eq!(
                        &deal, other,
                        "{label} deal seed {deal_seed}: chance key {} lists or deals otherwise",
                        deal.0
                    );
                }
            }
        }
        let keyed = keyed_play(game.as_ref(), 0, 0)
            .0
            .is_some_and(|deals| !deals.is_empty());
        let has_chance = !matches!(
            game.name(),
            "connect_four"
                | "tic_tac_toe"
                | "hex"
                | "prisoners_dilemma"
                | "matching_pennies"
                | "rock_paper_scissors"
        );
        assert_eq!(
            keyed, has_chance,
            "{label}: every game with chance gives chance keys"
        );
        if has_chance && game.name() != "kuhn_poker" {
            assert!(
                diverged > 0,
                "{label}: play never diverged; the test is vacuous"
            );
        }
    }
}

/// Regression for duplicate poker: hand 1 ends preflop in one match and at
/// a showdown in the other, yet hand 2 deals the same cards in both.
#[test]
fn poker_deals_the_next_hand_alike_after_a_fold_or_a_showdown() {
    let mut params = std::collections::BTreeMap::new();
    params.insert("hands".to_string(), arena_games::ParamValue::Int(3));
    let game = arena_games::build("poker", &params).unwrap();
    // Chance picks by key only; `fold_first` decides hand 1's first move,
    // then everyone checks or calls.
    let play = |fold_first: bool| {
        let mut state = game.new_initial_state();
        let mut dealt: Vec<(u64, String)> = Vec::new();
        let mut folded = false;
        while !state.is_terminal() {
            if state.turn() == Turn::Chance {
                let key = state.chance_key().expect("poker keys its deals");
                let legal = state.legal_actions();
                let card =
                    legal[(splitmix(7 ^ splitmix(key)) % legal.len() as u64) as usize].clone();
                state.apply_text(&card).unwrap();
                dealt.push((key, card));
            } else {
                let legal = state.legal_actions();
                let action = if fold_first && !folded {
                    folded = true;
                    "fold".to_string()
                } else {
                    legal
                        .iter()
                        .find(|a| *a == "check" || *a == "call")
                        .unwrap()
                        .clone()
                };
                state.apply_text(&action).unwrap();
            }
        }
        dealt
    };
    let folds = play(true);
    let showdowns = play(false);
    let hand = |deals: &[(u64, String)], h: u64| -> Vec<(u64, String)> {
        deals.iter().filter(|(k, _)| k >> 8 == h).cloned().collect()
    };
    // Hand 1: hole cards only after the fold, the whole board at a showdown.
    assert_eq!(hand(&folds, 1).len(), 4);
    assert_eq!(hand(&showdowns, 1).len(), 9);
    assert_eq!(hand(&folds, 1)[..], hand(&showdowns, 1)[..4]);
    for h in 2..=3 {
        assert!(!hand(&folds, h).is_empty(), "hand {h} was dealt");
        assert_eq!(hand(&folds, h), hand(&showdowns, h), "hand {h}");
    }
}

#[test]
fn every_game_is_in_the_suite() {
    let labels: Vec<String> = cases().into_iter().map(|c| c.label).collect();
    for info in arena_games::registry() {
        assert!(
            labels.iter().any(|l| l == info.name),
            "{} has no conformance case",
            info.name
        );
    }
}

/// Runs the suite over every configuration of one game.
fn conformance(name: &str) {
    let mut ran = 0;
    for case in cases().iter().filter(|c| c.game.name() == name) {
        run_case(case);
        ran += 1;
    }
    assert!(ran > 0, "{name} is not registered");
}

macro_rules! conformance_tests {
    ($($name:ident),* $(,)?) => {
        $(#[test] fn $name() { conformance(stringify!($name)); })*

        #[test]
        fn every_registered_game_has_a_conformance_test() {
            let tested = [$(stringify!($name)),*];
            for info in arena_games::registry() {
                assert!(tested.contains(&info.name), "add {} to conformance_tests!", info.name);
            }
        }
    };
}

conformance_tests!(
    connect_four,
    poker,
    reverse_hangman,
    tic_tac_toe,
    kuhn_poker,
    hex,
    prisoners_dilemma,
    matching_pennies,
    rock_paper_scissors,
);
