//! Fuzzing the move parsers: arbitrary text — garbage, near misses of legal
//! moves, odd whitespace and case, huge numbers, any Unicode — applied in a
//! state reached by seeded random play, in every game configuration. A
//! parser must never panic; text it accepts must name a legal action; text
//! it refuses must leave the state exactly as it was.

mod support;

use arena_games::Turn;
use proptest::prelude::*;
use proptest::strategy::ValueTree;
use support::{RandomPlayer, cases};

/// Text a model might send, biased towards almost-legal moves.
fn move_text(legal: Vec<String>) -> impl Strategy<Value = String> {
    let near = prop::sample::select(legal.clone());
    let mutated = (prop::sample::select(legal), 0usize..8, "\\PC{0,3}").prop_map(
        |(mv, how, noise)| match how {
            0 => mv.to_uppercase(),
            1 => format!("  {mv}\t\n"),
            2 => format!("{mv}{noise}"),
            3 => format!("{noise}{mv}"),
            4 => mv.chars().rev().collect(),
            5 => mv.replace(' ', "  "),
            6 => format!("{mv} {mv}"),
            _ => mv
                .chars()
                .take(mv.chars().count().saturating_sub(1))
                .collect(),
        },
    );
    prop_oneof![
        2 => near,
        4 => mutated,
        2 => "\\PC{0,24}",
        1 => "(raise|bet|call|fold|check|pass|guess) -?[0-9]{1,30}",
        1 => "[a-z]{1,2}[0-9]{1,4}",
        1 => Just(String::new()),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1024))]

    #[test]
    fn arbitrary_text_never_panics_and_never_corrupts_a_state(
        case_index in 0usize..64,
        seed in 0u64..10_000,
        plies in 0usize..60,
        salt in any::<u64>(),
    ) {
        let cases = cases();
        let case = &cases[case_index % cases.len()];
        let mut state = case.game.new_initial_state();
        let mut player = RandomPlayer::new(seed);
        for _ in 0..plies {
            if state.turn() == Turn::Terminal {
                break;
            }
            let action = player.pick(state.as_ref());
            state.apply_text(&action).unwrap();
        }
        let legal = state.legal_actions();
        let texts: Vec<String> = if legal.is_empty() {
            vec!["1".to_string(), "fold".to_string(), String::new(), "\u{0}\u{202e}".to_string(), "x".repeat(10_000)]
        } else {
            // A few texts per state from the strategy, seeded by `salt`.
            let strategy = move_text(legal.clone());
            let mut runner = proptest::test_runner::TestRunner::new_with_rng(
                ProptestConfig::default(),
                proptest::test_runner::TestRng::from_seed(
                    proptest::test_runner::RngAlgorithm::ChaCha,
                    &{
                        let mut bytes = [0u8; 32];
                        bytes[..8].copy_from_slice(&salt.to_le_bytes());
                        bytes
                    },
                ),
            );
            (0..8)
                .map(|_| strategy.new_tree(&mut runner).unwrap().current())
                .collect()
        };
        for text in texts {
            let before = (state.render(), state.history());
            let mut next = state.clone_box();
            match next.apply_text(&text) {
                Ok(()) => {
                    // What was accepted is one legal action: the history
                    // grew by one, in canonical form from the legal list.
                    let history = next.history();
                    prop_assert_eq!(history.len(), before.1.len() + 1, "{}: {:?}", case.label, text);
                    let applied = &history.last().unwrap().1;
                    // A free-text game (reverse hangman) lists no legal
                    // actions: any guess is a move.
                    prop_assert!(legal.is_empty() || legal.contains(applied), "{}: {:?} applied {:?}, not legal", case.label, text, applied);
                }
                Err(_) => {
                    prop_assert_eq!((next.render(), next.history()), before, "{}: {:?} changed the state", case.label, text);
                }
            }
        }
    }
}
