//! Rule tests of the classic games (tic-tac-toe, Kuhn poker, Hex and the
//! one-shot matrix games), through the typed engines and the text API.

use std::collections::BTreeMap;

use arena_games::games::tic_tac_toe::{Cell, TicTacToe};
use arena_games::{AnyState, Engine, GameError, ParamValue, Playthrough, Turn, build};

/// Builds `name` with the given parameters and returns a fresh state.
fn new_state(name: &str, params: &[(&str, ParamValue)]) -> Box<dyn AnyState> {
    let given: BTreeMap<String, ParamValue> = params
        .iter()
        .map(|(k, v)| (k.to_string(), v.clone()))
        .collect();
    build(name, &given)
        .unwrap_or_else(|e| panic!("build {name}: {e}"))
        .new_initial_state()
}

/// Applies each move as text, panicking with the move on failure.
fn apply_all(state: &mut dyn AnyState, moves: &[&str]) {
    for m in moves {
        state
            .apply_text(m)
            .unwrap_or_else(|e| panic!("move {m:?}: {e}"));
    }
}

// ---------------------------------------------------------------- tic-tac-toe

/// Plays 1-based cells alternately from X and returns the final returns, or
/// `None` while the game is not over.
fn tic_tac_toe_result(moves: &[u8]) -> Option<Vec<i64>> {
    let mut p = Playthrough::new(TicTacToe::default());
    for &m in moves {
        p.apply(Cell(m - 1)).unwrap();
    }
    p.is_terminal().then(|| p.state().returns())
}

#[test]
fn tic_tac_toe_every_line_wins() {
    // Each case: X takes the line, O plays elsewhere out of the way.
    let x_wins: &[&[u8]] = &[
        &[1, 4, 2, 5, 3],       // top row
        &[4, 1, 5, 2, 6],       // middle row
        &[7, 1, 8, 2, 9],       // bottom row
        &[1, 2, 4, 3, 7],       // left column
        &[2, 1, 5, 3, 8],       // middle column
        &[3, 1, 6, 2, 9],       // right column
        &[1, 2, 5, 3, 9],       // main diagonal
        &[3, 1, 5, 2, 7],       // anti-diagonal
        &[1, 2, 3, 5, 4, 6, 7], // left column after a longer game
    ];
    for moves in x_wins {
        assert_eq!(tic_tac_toe_result(moves), Some(vec![1, -1]), "{moves:?}");
    }
    // O wins the right column while X wanders.
    assert_eq!(tic_tac_toe_result(&[1, 3, 2, 6, 8, 9]), Some(vec![-1, 1]));
    // O wins the anti-diagonal.
    assert_eq!(tic_tac_toe_result(&[1, 3, 2, 5, 9, 7]), Some(vec![-1, 1]));
    // Not over after two in a row.
    assert_eq!(tic_tac_toe_result(&[1, 4, 2]), None);
}

#[test]
fn tic_tac_toe_full_board_is_a_draw() {
    // X O X / X O O / O X X
    let mut s = new_state("tic_tac_toe", &[]);
    apply_all(s.as_mut(), &["1", "2", "3", "5", "4", "6", "8", "7", "9"]);
    assert!(s.is_terminal());
    assert_eq!(s.returns(), vec![0, 0]);
    assert!(s.legal_actions().is_empty());
    assert!(s.observation_text(0).contains("draw"));
}

#[test]
fn tic_tac_toe_taken_cell_is_rejected_and_state_kept() {
    let mut s = new_state("tic_tac_toe", &[]);
    apply_all(s.as_mut(), &["5", "1"]);
    let before = s.render();
    let err = s.apply_text("5").unwrap_err();
    match &err {
        GameError::Illegal { reason, .. } => {
            assert!(
                reason.contains("cell 5 is taken by X; legal cells: 2, 3, 4, 6, 7, 8, 9"),
                "{reason}"
            );
        }
        other => panic!("expected Illegal, got {other:?}"),
    }
    assert!(matches!(s.apply_text("ten"), Err(GameError::Unparsable(_))));
    assert_eq!(s.render(), before);
    assert_eq!(s.history_len(), 2);
    assert_eq!(s.turn(), Turn::Seat(0));
    // Whitespace around a canonical move is fine.
    s.apply_text("  9\n").unwrap();
    assert_eq!(s.legal_actions(), vec!["2", "3", "4", "6", "7", "8"]);
}

#[test]
fn tic_tac_toe_legal_order_and_observation() {
    let s = new_state("tic_tac_toe", &[]);
    assert_eq!(
        s.legal_actions(),
        vec!["1", "2", "3", "4", "5", "6", "7", "8", "9"]
    );
    let text = s.observation_text(1);
    assert!(text.contains("You are O (seat 1)"), "{text}");
    assert!(text.contains("X (seat 0) to move"), "{text}");
    let json = s.observation_json(0);
    assert_eq!(json["you"], "X");
    assert_eq!(json["board"][0], "...");
}

// ---------------------------------------------------------------- Kuhn poker

/// Deals `cards` (seat 0's, then seat 1's) and plays `moves`.
fn kuhn(cards: [&str; 2], moves: &[&str]) -> Box<dyn AnyState> {
    let mut s = new_state("kuhn_poker", &[]);
    assert_eq!(s.turn(), Turn::Chance);
    apply_all(s.as_mut(), &cards);
    apply_all(s.as_mut(), moves);
    s
}

#[test]
fn kuhn_every_deal_and_betting_sequence_pays_correctly() {
    let ranks = ["J", "Q", "K"];
    for (i, a) in ranks.iter().enumerate() {
        for (j, b) in ranks.iter().enumerate() {
            if i == j {
                continue;
            }
            // +1 if seat 0 has the higher card, else -1.
            let high: i64 = if i > j { 1 } else { -1 };
            let cases: [(&[&str], i64); 5] = [
                (&["pass", "pass"], high),
                (&["pass", "bet", "pass"], -1),
                (&["pass", "bet", "bet"], 2 * high),
                (&["bet", "pass"], 1),
                (&["bet", "bet"], 2 * high),
            ];
            for (moves, seat0) in cases {
                let s = kuhn([a, b], moves);
                assert!(s.is_terminal(), "{a}{b} {moves:?}");
                assert_eq!(s.returns(), vec![seat0, -seat0], "{a}{b} {moves:?}");
                assert!(s.legal_actions().is_empty());
            }
            // Every strict prefix of a sequence is still in play, with the
            // right seat to act.
            for moves in [&["pass"][..], &["bet"], &["pass", "bet"]] {
                let s = kuhn([a, b], moves);
                assert_eq!(s.turn(), Turn::Seat(moves.len() % 2), "{moves:?}");
                assert_eq!(s.legal_actions(), vec!["pass", "bet"]);
            }
        }
    }
}

#[test]
fn kuhn_chance_order_excludes_the_first_card() {
    let mut s = new_state("kuhn_poker", &[]);
    assert_eq!(s.legal_actions(), vec!["J", "Q", "K"]);
    s.apply_text("k").unwrap();
    assert_eq!(s.legal_actions(), vec!["J", "Q"]);
    assert!(matches!(s.apply_text("K"), Err(GameError::Illegal { .. })));
    assert!(matches!(
        s.apply_text("bet"),
        Err(GameError::Illegal { .. })
    ));
    s.apply_text("J").unwrap();
    assert_eq!(s.turn(), Turn::Seat(0));
    assert!(matches!(s.apply_text("Q"), Err(GameError::Illegal { .. })));
    assert!(matches!(
        s.apply_text("raise"),
        Err(GameError::Unparsable(_))
    ));
    s.apply_text("  BET ").unwrap();
    assert_eq!(
        s.history().into_iter().map(|(_, a)| a).collect::<Vec<_>>(),
        vec!["K", "J", "bet"]
    );
}

#[test]
fn kuhn_opponent_card_is_hidden_until_showdown() {
    // For each seat, its observation must not change when only the other
    // seat's card changes — before the end and after a fold.
    let in_play: [&[&str]; 4] = [&[], &["pass"], &["bet"], &["pass", "bet"]];
    let folds: [&[&str]; 2] = [&["bet", "pass"], &["pass", "bet", "pass"]];
    for moves in in_play.iter().chain(folds.iter()) {
        // Seat 0 holds Q; seat 1 holds J or K.
        let low = kuhn(["Q", "J"], moves);
        let high = kuhn(["Q", "K"], moves);
        assert_eq!(
            low.observation_text(0),
            high.observation_text(0),
            "{moves:?}"
        );
        assert_eq!(
            low.observation_json(0),
            high.observation_json(0),
            "{moves:?}"
        );
        assert!(low.observation_json(0)["opponent_card"].is_null());
        assert!(low.observation_text(0).contains("Your card: Q."));
        // Seat 1 holds Q; seat 0 holds J or K.
        let low = kuhn(["J", "Q"], moves);
        let high = kuhn(["K", "Q"], moves);
        assert_eq!(
            low.observation_text(1),
            high.observation_text(1),
            "{moves:?}"
        );
        assert_eq!(
            low.observation_json(1),
            high.observation_json(1),
            "{moves:?}"
        );
        assert!(high.observation_json(1)["opponent_card"].is_null());
    }
    // Seat 1 does not see seat 0's card between the two deals either.
    let mut j = new_state("kuhn_poker", &[]);
    let mut k = new_state("kuhn_poker", &[]);
    j.apply_text("J").unwrap();
    k.apply_text("K").unwrap();
    assert_eq!(j.observation_text(1), k.observation_text(1));
    assert_eq!(j.observation_json(1), k.observation_json(1));
    assert!(j.observation_text(1).contains("Your card: not dealt yet."));
    // The omniscient rendering shows both.
    assert!(
        kuhn(["J", "K"], &["bet"])
            .render()
            .contains("Seat 0: J, seat 1: K")
    );
}

#[test]
fn kuhn_showdown_reveals_both_cards_to_both_seats() {
    for moves in [
        &["pass", "pass"][..],
        &["bet", "bet"],
        &["pass", "bet", "bet"],
    ] {
        let s = kuhn(["J", "K"], moves);
        assert_eq!(s.observation_json(0)["opponent_card"], "K");
        assert_eq!(s.observation_json(1)["opponent_card"], "J");
        let t0 = s.observation_text(0);
        assert!(t0.contains("your J against your opponent's K"), "{t0}");
        let t1 = s.observation_text(1);
        assert!(t1.contains("your K against your opponent's J"), "{t1}");
        assert!(t1.contains("you win"), "{t1}");
    }
    let s = kuhn(["J", "K"], &["bet", "pass"]);
    let t1 = s.observation_text(1);
    assert!(t1.contains("you folded, you lose 1 chip"), "{t1}");
    assert!(!t1.contains("opponent's J"), "{t1}");
    assert_eq!(s.observation_json(1)["folded"], 1);
}
