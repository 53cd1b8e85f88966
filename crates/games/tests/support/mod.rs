//! Shared test support: seeded random play through the text-level API, the
//! game configurations the suites cover, and a GBNF interpreter.

#![allow(dead_code)]

pub mod gbnf;

use std::collections::BTreeMap;
use std::sync::Arc;

use arena_games::{AnyGame, AnyState, ParamValue, Turn, build};
use rand::seq::IndexedRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// Words for free-text moves (reverse hangman guesses).
const WORDS: &[&str] = &[
    "write",
    "a",
    "poem",
    "about",
    "the",
    "sea",
    "explain",
    "how",
    "to",
    "cook",
    "rice",
    "list",
    "three",
    "facts",
    "space",
    "story",
    "dragon",
    "recipe",
    "summarize",
    "history",
    "code",
    "python",
    "function",
    "sort",
    "haiku",
    "winter",
    "describe",
    "city",
    "travel",
    "guide",
];

/// A seeded stream of decisions for random play.
pub struct RandomPlayer {
    rng: ChaCha8Rng,
}

impl RandomPlayer {
    pub fn new(seed: u64) -> Self {
        RandomPlayer {
            rng: ChaCha8Rng::seed_from_u64(seed),
        }
    }

    /// A move for whoever is to act: a uniformly random listed action, or a
    /// random guess of a few words when the game lists none (free text).
    pub fn pick(&mut self, state: &dyn AnyState) -> String {
        let legal = state.legal_actions();
        if let Some(a) = legal.choose(&mut self.rng) {
            return a.clone();
        }
        assert!(
            state.move_constraint().choices.is_none(),
            "no legal move at a non-terminal state"
        );
        let n = self.rng.random_range(1..=6);
        (0..n)
            .map(|_| *WORDS.choose(&mut self.rng).unwrap())
            .collect::<Vec<_>>()
            .join(" ")
    }

    pub fn rng(&mut self) -> &mut ChaCha8Rng {
        &mut self.rng
    }
}

/// A game configuration under test.
pub struct Case {
    pub label: String,
    pub game: Arc<dyn AnyGame>,
}

fn case(name: &str, params: &[(&str, ParamValue)]) -> Case {
    let given: BTreeMap<String, ParamValue> = params
        .iter()
        .map(|(k, v)| (k.to_string(), v.clone()))
        .collect();
    let label = if params.is_empty() {
        name.to_string()
    } else {
        let p: Vec<String> = params.iter().map(|(k, v)| format!("{k}={v}")).collect();
        format!("{name}({})", p.join(","))
    };
    let game = build(name, &given).unwrap_or_else(|e| panic!("{label}: {e}"));
    Case { label, game }
}

/// Every registered game with default parameters, plus variants that
/// exercise the parameters.
pub fn cases() -> Vec<Case> {
    let mut out: Vec<Case> = arena_games::registry()
        .iter()
        .map(|g| case(g.name, &[]))
        .collect();
    let names: Vec<&str> = arena_games::registry().iter().map(|g| g.name).collect();
    let mut variant = |name: &str, params: &[(&str, ParamValue)]| {
        if names.contains(&name) {
            out.push(case(name, params));
        }
    };
    variant(
        "connect_four",
        &[("rows", 4.into()), ("columns", 5.into()), ("k", 3.into())],
    );
    variant("poker", &[("players", 6.into()), ("stack", 40.into())]);
    variant(
        "poker",
        &[
            ("players", 3.into()),
            ("ante", 1.into()),
            ("hands", 5.into()),
        ],
    );
    variant("poker", &[("players", 10.into()), ("stack", 12.into())]);
    variant("hex", &[("size", 5.into())]);
    variant(
        "reverse_hangman",
        &[("difficulty", "expert".into()), ("rounds", 2.into())],
    );
    out
}

/// Plays `state` to the end with `player`, returning the moves applied.
pub fn play_out(state: &mut Box<dyn AnyState>, player: &mut RandomPlayer, max_plies: usize) {
    for _ in 0..max_plies {
        if state.turn() == Turn::Terminal {
            return;
        }
        let action = player.pick(state.as_ref());
        state
            .apply_text(&action)
            .unwrap_or_else(|e| panic!("picked move {action:?} failed: {e}"));
    }
    panic!("game did not end within {max_plies} plies");
}
