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
