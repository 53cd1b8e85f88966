//! Rule tests of the classic games (tic-tac-toe, Kuhn poker, Hex and the
//! one-shot matrix games), through the typed engines and the text API.

use std::collections::BTreeMap;

use arena_games::games::hex::{Hex, HexAction};
use arena_games::games::tic_tac_toe::{Cell, TicTacToe};
use arena_games::{AnyState, Engine, GameError, ParamValue, Playthrough, Turn, build};
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

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

// ---------------------------------------------------------------------- Hex

fn hex(size: i64) -> Box<dyn AnyState> {
    new_state("hex", &[("size", ParamValue::Int(size))])
}

#[test]
fn hex_straight_lines_win_for_each_seat() {
    // X runs down column a; O plays column b rows 1-4 and never connects.
    let mut s = hex(5);
    apply_all(
        s.as_mut(),
        &["a1", "b1", "a2", "b2", "a3", "b3", "a4", "b4"],
    );
    assert_eq!(s.turn(), Turn::Seat(0));
    s.apply_text("a5").unwrap();
    assert!(s.is_terminal());
    assert_eq!(s.returns(), vec![1, -1]);
    assert!(
        s.observation_text(1)
            .contains("X (seat 0) connected row 1 to row 5")
    );

    // O runs along row 3 while X scatters in rows 1 and 5.
    let mut s = hex(5);
    apply_all(
        s.as_mut(),
        &["a1", "a3", "c1", "b3", "e1", "c3", "a5", "d3", "c5"],
    );
    assert_eq!(s.turn(), Turn::Seat(1));
    s.apply_text("E3").unwrap();
    assert!(s.is_terminal());
    assert_eq!(s.returns(), vec![-1, 1]);
    assert!(s.legal_actions().is_empty());
}

#[test]
fn hex_winding_path_wins() {
    // X winds on a 4×4 board: b1 c1 (across), c2 (down the same column),
    // b3 (down-left), b4 (down the same column). O sits elsewhere.
    let mut s = hex(4);
    apply_all(
        s.as_mut(),
        &["b1", "a1", "c1", "a2", "c2", "d4", "b3", "d3"],
    );
    assert!(!s.is_terminal());
    s.apply_text("b4").unwrap();
    assert!(s.is_terminal());
    assert_eq!(s.returns(), vec![1, -1]);

    // O winds from a4 up to d1 along the anti-diagonal (each step is one
    // column right and one row up: neighbours in Hex).
    let mut s = hex(4);
    apply_all(s.as_mut(), &["a1", "a4", "b1", "b3", "a2", "c2", "a3"]);
    assert!(!s.is_terminal());
    s.apply_text("d1").unwrap();
    assert_eq!(s.returns(), vec![-1, 1]);
}

#[test]
fn hex_diagonal_the_wrong_way_does_not_connect() {
    // a1, b2, c3 touch only at corners in Hex (b2's neighbours above are b1
    // and c1), so X has no chain on a 3×3 board.
    let mut p = Playthrough::new(Hex::new(3, false).unwrap());
    for (col, row) in [(0, 0), (2, 0), (1, 1), (0, 2), (2, 2)] {
        p.apply(HexAction::Place { col, row }).unwrap();
    }
    // X: a1, b2, c3; O: c1, a3.
    assert_eq!(p.turn(), Turn::Seat(1));
    assert_eq!(p.state().winner(), None);
}

#[test]
fn hex_blocked_path_does_not_win_until_it_goes_around() {
    // X fills column a except a3, which O holds: the straight path is
    // blocked and X has no chain.
    let mut s = hex(4);
    apply_all(
        s.as_mut(),
        &["a1", "a3", "a2", "d1", "a4", "d2", "b2", "d3"],
    );
    assert!(!s.is_terminal(), "{}", s.render());
    assert_eq!(s.turn(), Turn::Seat(0));
    // X goes round the block: a2 touches b2 beside it; below b2 are a3 (O)
    // and b3; and b3 is above a4. So b3 completes a1-a2-b2-b3-a4.
    s.apply_text("b3").unwrap();
    assert!(s.is_terminal());
    assert_eq!(s.returns(), vec![1, -1]);

    // Taken cells are rejected with the cell, the owner and the legal moves.
    let mut s = hex(2);
    s.apply_text("a1").unwrap();
    let before = s.render();
    let err = s.apply_text("A1").unwrap_err();
    assert_eq!(
        err.to_string(),
        "illegal action \"A1\": cell a1 is taken by X; legal: b1, a2, b2"
    );
    assert_eq!(s.render(), before);
    assert!(matches!(s.apply_text("c1"), Err(GameError::Unparsable(_))));
    assert!(matches!(
        s.apply_text("swap"),
        Err(GameError::Illegal { .. })
    ));
}

#[test]
fn hex_small_boards() {
    // 2×2: X at a1 then a2 connects top to bottom (a2 is below a1).
    let mut s = hex(2);
    assert_eq!(s.legal_actions(), vec!["a1", "b1", "a2", "b2"]);
    apply_all(s.as_mut(), &["a1", "b1"]);
    assert!(!s.is_terminal());
    s.apply_text("a2").unwrap();
    assert_eq!(s.returns(), vec![1, -1]);
    // 2×2: O wins along row 2 when X's column is cut.
    let mut s = hex(2);
    apply_all(s.as_mut(), &["b1", "a2"]);
    // b1's neighbours below are a2 (O) and b2.
    apply_all(s.as_mut(), &["a1", "b2"]);
    assert!(s.is_terminal());
    assert_eq!(s.returns(), vec![-1, 1]);
}

#[test]
fn hex_bad_size_is_rejected() {
    for size in [0, 1, 20, -3] {
        let given = BTreeMap::from([("size".to_string(), ParamValue::Int(size))]);
        match build("hex", &given) {
            Err(GameError::OutOfRange { param, range, .. }) => {
                assert_eq!(param, "size");
                assert_eq!(range, "2..=19");
            }
            other => panic!("size {size}: expected OutOfRange, got {other:?}"),
        }
    }
    assert!(matches!(
        Hex::new(25, false),
        Err(GameError::OutOfRange { .. })
    ));
    let given = BTreeMap::from([("swap".to_string(), ParamValue::Int(1))]);
    assert!(matches!(
        build("hex", &given),
        Err(GameError::WrongType { .. })
    ));
    // The default is 11×11.
    assert_eq!(hex_default_legal_count(), 121);
}

fn hex_default_legal_count() -> usize {
    build("hex", &BTreeMap::new())
        .unwrap()
        .new_initial_state()
        .legal_actions()
        .len()
}

/// Whether `seat` has a chain between its edges on a fully known colouring,
/// by flood fill — independent of the engine's union-find.
fn hex_connects(colour: &[Vec<usize>], seat: usize) -> bool {
    let n = colour.len();
    let mut seen = vec![vec![false; n]; n];
    let mut stack = Vec::new();
    for i in 0..n {
        let (c, r) = if seat == 0 { (i, 0) } else { (0, i) };
        if colour[r][c] == seat {
            seen[r][c] = true;
            stack.push((c, r));
        }
    }
    while let Some((c, r)) = stack.pop() {
        if (seat == 0 && r == n - 1) || (seat == 1 && c == n - 1) {
            return true;
        }
        for (dc, dr) in [(-1, 0), (1, 0), (0, -1), (1, -1), (-1, 1), (0, 1)] {
            let (nc, nr) = (c as i64 + dc, r as i64 + dr);
            if nc < 0 || nr < 0 || nc >= n as i64 || nr >= n as i64 {
                continue;
            }
            let (nc, nr) = (nc as usize, nr as usize);
            if !seen[nr][nc] && colour[nr][nc] == seat {
                seen[nr][nc] = true;
                stack.push((nc, nr));
            }
        }
    }
    false
}

#[test]
fn hex_every_full_board_has_exactly_one_winner() {
    let mut rng = ChaCha8Rng::seed_from_u64(0x4e58);
    for game in 0..400 {
        let n = rng.random_range(2..=11usize);
        // A random full colouring with X's share of stones (X moves first).
        let mut cells: Vec<(usize, usize)> =
            (0..n).flat_map(|r| (0..n).map(move |c| (c, r))).collect();
        cells.shuffle(&mut rng);
        let x_count = cells.len().div_ceil(2);
        let (xs, os) = cells.split_at(x_count);
        let mut colour = vec![vec![0; n]; n];
        for &(c, r) in os {
            colour[r][c] = 1;
        }
        let x_wins = hex_connects(&colour, 0);
        let o_wins = hex_connects(&colour, 1);
        assert!(
            x_wins != o_wins,
            "game {game}: exactly one chain on a full board"
        );

        // Played out in this order, the engine must stop with the same winner,
        // since adding stones never breaks a chain.
        let mut p = Playthrough::new(Hex::new(n as i64, false).unwrap());
        let mut moves = xs
            .iter()
            .zip(os.iter().map(Some).chain(std::iter::repeat(None)))
            .flat_map(|(x, o)| std::iter::once(x).chain(o));
        while !p.is_terminal() {
            let &(c, r) = moves.next().expect("a full board has a winner");
            p.apply(HexAction::Place {
                col: c as u8,
                row: r as u8,
            })
            .unwrap();
        }
        let winner = p.state().winner();
        assert_eq!(winner, Some(if x_wins { 0 } else { 1 }), "game {game}");
        let r = p.state().returns();
        assert_eq!(r.iter().sum::<i64>(), 0);
        assert_eq!(r[winner.unwrap()], 1);
    }
}

#[test]
fn hex_random_games_end_with_a_winner_and_replay() {
    let mut rng = ChaCha8Rng::seed_from_u64(11);
    for _ in 0..50 {
        let size = rng.random_range(2..=9);
        let mut s = new_state(
            "hex",
            &[
                ("size", ParamValue::Int(size)),
                ("swap", ParamValue::Bool(true)),
            ],
        );
        while !s.is_terminal() {
            let legal = s.legal_actions();
            let pick = legal[rng.random_range(0..legal.len())].clone();
            s.apply_text(&pick).unwrap();
        }
        assert_eq!(s.returns().iter().sum::<i64>(), 0);
        let mut again = new_state(
            "hex",
            &[
                ("size", ParamValue::Int(size)),
                ("swap", ParamValue::Bool(true)),
            ],
        );
        for (_, a) in s.history() {
            again.apply_text(&a).unwrap();
        }
        assert_eq!(again.render(), s.render());
    }
}

// -------------------------------------------------------------- matrix games

/// Plays one round of `game` and returns the returns.
fn matrix_round(game: &str, first: &str, second: &str) -> Vec<i64> {
    let mut s = new_state(game, &[]);
    assert_eq!(s.turn(), Turn::Seat(0));
    s.apply_text(first).unwrap();
    assert_eq!(s.turn(), Turn::Seat(1));
    s.apply_text(second).unwrap();
    assert!(s.is_terminal());
    assert!(s.legal_actions().is_empty());
    s.returns()
}

/// Checks every cell of a payoff table given as (seat 0, seat 1, returns).
fn check_table(game: &str, actions: &[&str], table: &[(&str, &str, [i64; 2])]) {
    assert_eq!(new_state(game, &[]).legal_actions(), actions);
    assert_eq!(table.len(), actions.len() * actions.len(), "{game}");
    for (a, b, expected) in table {
        assert_eq!(
            matrix_round(game, a, b),
            expected.to_vec(),
            "{game}: {a} vs {b}"
        );
    }
}

#[test]
fn prisoners_dilemma_payoff_table() {
    check_table(
        "prisoners_dilemma",
        &["cooperate", "defect"],
        &[
            ("cooperate", "cooperate", [3, 3]),
            ("cooperate", "defect", [0, 5]),
            ("defect", "cooperate", [5, 0]),
            ("defect", "defect", [1, 1]),
        ],
    );
}

#[test]
fn matching_pennies_payoff_table() {
    check_table(
        "matching_pennies",
        &["heads", "tails"],
        &[
            ("heads", "heads", [1, -1]),
            ("heads", "tails", [-1, 1]),
            ("tails", "heads", [-1, 1]),
            ("tails", "tails", [1, -1]),
        ],
    );
}

#[test]
fn rock_paper_scissors_payoff_table() {
    check_table(
        "rock_paper_scissors",
        &["rock", "paper", "scissors"],
        &[
            ("rock", "rock", [0, 0]),
            ("rock", "paper", [-1, 1]),
            ("rock", "scissors", [1, -1]),
            ("paper", "rock", [1, -1]),
            ("paper", "paper", [0, 0]),
            ("paper", "scissors", [-1, 1]),
            ("scissors", "rock", [-1, 1]),
            ("scissors", "paper", [1, -1]),
            ("scissors", "scissors", [0, 0]),
        ],
    );
}

#[test]
fn matrix_first_choice_is_hidden_from_the_second_mover() {
    for (game, actions) in [
        ("prisoners_dilemma", &["cooperate", "defect"][..]),
        ("matching_pennies", &["heads", "tails"]),
        ("rock_paper_scissors", &["rock", "paper", "scissors"]),
    ] {
        let fresh = new_state(game, &[]);
        let mut seat1_views = Vec::new();
        for first in actions {
            let mut s = new_state(game, &[]);
            s.apply_text(first).unwrap();
            // Seat 1 sees exactly what it would see whatever seat 0 chose;
            // the only difference from the start is whose turn it is.
            seat1_views.push((s.observation_text(1), s.observation_json(1)));
            assert!(s.observation_json(1)["your_pending_choice"].is_null());
            assert!(
                s.observation_json(1)["history"]
                    .as_array()
                    .unwrap()
                    .is_empty()
            );
            // Seat 0 sees its own choice while it waits.
            assert_eq!(s.observation_json(0)["your_pending_choice"], *first);
            assert!(
                s.observation_text(0)
                    .contains(&format!("You chose {first}; waiting")),
                "{}",
                s.observation_text(0)
            );
            // Both choices are shown to both seats once the round is over.
            let second = actions[actions.len() - 1];
            s.apply_text(second).unwrap();
            for seat in 0..2 {
                let (mine, theirs) = if seat == 0 {
                    (first, &second)
                } else {
                    (&second, first)
                };
                let text = s.observation_text(seat);
                assert!(
                    text.contains(&format!("Round 1: you {mine}, opponent {theirs}")),
                    "{game} seat {seat}: {text}"
                );
                let json = s.observation_json(seat);
                assert_eq!(json["history"][0]["you"], *mine);
                assert_eq!(json["history"][0]["opponent"], **theirs);
                assert_eq!(json["returns"][seat], s.returns()[seat]);
            }
        }
        for view in &seat1_views[1..] {
            assert_eq!(view, &seat1_views[0], "{game}");
        }
        // Seat 1's text after seat 0 moved differs from its text before only
        // in the last (turn) line, which offers the moves and names no choice.
        let before = fresh.observation_text(1);
        let after = &seat1_views[0].0;
        let (before_body, before_turn) = before.rsplit_once('\n').unwrap();
        let (after_body, after_turn) = after.rsplit_once('\n').unwrap();
        assert_eq!(before_body, after_body, "{game}");
        assert_eq!(before_turn, "Waiting for your opponent.");
        assert!(after_turn.starts_with("Your move: "), "{after_turn}");
    }
}

#[test]
fn matrix_parsing_and_iterated_rounds() {
    let mut s = new_state("rock_paper_scissors", &[("rounds", ParamValue::Int(2))]);
    assert!(matches!(
        s.apply_text("lizard"),
        Err(GameError::Unparsable(_))
    ));
    apply_all(s.as_mut(), &["  ROCK ", "Scissors"]);
    assert!(!s.is_terminal());
    // The first round is public now; the second round's first choice is not.
    s.apply_text("paper").unwrap();
    let text = s.observation_text(1);
    assert!(
        text.contains("Round 1: you scissors, opponent rock"),
        "{text}"
    );
    assert!(text.contains("Round 2 of 2: your move"), "{text}");
    let mut other = new_state("rock_paper_scissors", &[("rounds", ParamValue::Int(2))]);
    apply_all(other.as_mut(), &["rock", "scissors", "scissors"]);
    assert_eq!(other.observation_text(1), text);
    assert_eq!(other.observation_json(1), s.observation_json(1));
    s.apply_text("paper").unwrap();
    assert!(s.is_terminal());
    assert_eq!(s.returns(), vec![1, -1]);
    assert_eq!(
        s.history().into_iter().map(|(_, a)| a).collect::<Vec<_>>(),
        vec!["rock", "scissors", "paper", "paper"]
    );
    for game in [
        "prisoners_dilemma",
        "matching_pennies",
        "rock_paper_scissors",
    ] {
        for rounds in [0, 101] {
            let given = BTreeMap::from([("rounds".to_string(), ParamValue::Int(rounds))]);
            assert!(
                matches!(build(game, &given), Err(GameError::OutOfRange { ref param, .. }) if param == "rounds"),
                "{game} rounds={rounds}"
            );
        }
    }
}

// -------------------------------------------------------------- all of them

#[test]
fn classic_games_random_play_round_trips_and_replays() {
    let games: [(&str, Vec<(&str, ParamValue)>); 7] = [
        ("tic_tac_toe", vec![]),
        ("kuhn_poker", vec![]),
        ("hex", vec![("size", ParamValue::Int(5))]),
        (
            "hex",
            vec![
                ("size", ParamValue::Int(3)),
                ("swap", ParamValue::Bool(true)),
            ],
        ),
        ("prisoners_dilemma", vec![("rounds", ParamValue::Int(3))]),
        ("matching_pennies", vec![]),
        ("rock_paper_scissors", vec![("rounds", ParamValue::Int(2))]),
    ];
    let mut rng = ChaCha8Rng::seed_from_u64(2024);
    for (game, params) in &games {
        for _ in 0..40 {
            let mut s = new_state(game, params);
            while !s.is_terminal() {
                let legal = s.legal_actions();
                assert!(!legal.is_empty(), "{game}: no legal action\n{}", s.render());
                assert_eq!(s.move_constraint().choices.as_ref(), Some(&legal));
                for a in &legal {
                    // Canonical text, upper-cased and padded, reads back as itself.
                    assert_eq!(s.parse_legal(a).as_ref(), Ok(a), "{game}");
                    let loose = format!("  {}\n", a.to_uppercase());
                    assert_eq!(s.parse_legal(&loose).as_ref(), Ok(a), "{game}");
                }
                for seat in 0..2 {
                    assert!(!s.observation_text(seat).is_empty());
                    assert!(s.observation_json(seat).is_object(), "{game}");
                }
                let before = s.clone();
                let pick = legal[rng.random_range(0..legal.len())].clone();
                s.apply_text(&pick).unwrap();
                assert_eq!(before.history_len() + 1, s.history_len());
            }
            assert!(s.legal_actions().is_empty());
            let returns = s.returns();
            assert_eq!(returns.len(), 2);
            if *game != "prisoners_dilemma" {
                assert_eq!(returns.iter().sum::<i64>(), 0, "{game} is zero-sum");
            }
            // The history alone rebuilds the game.
            let mut again = new_state(game, params);
            for (_, a) in s.history() {
                again.apply_text(&a).unwrap();
            }
            assert_eq!(again.render(), s.render(), "{game}");
            assert_eq!(again.returns(), returns);
            assert_eq!(again.observation_json(0), s.observation_json(0));
            assert_eq!(again.observation_json(1), s.observation_json(1));
        }
    }
}

#[test]
fn classic_games_are_registered_in_order() {
    let names: Vec<&str> = arena_games::registry().iter().map(|g| g.name).collect();
    let classic = [
        "tic_tac_toe",
        "kuhn_poker",
        "hex",
        "prisoners_dilemma",
        "matching_pennies",
        "rock_paper_scissors",
    ];
    let positions: Vec<usize> = classic
        .iter()
        .map(|c| {
            names
                .iter()
                .position(|n| n == c)
                .unwrap_or_else(|| panic!("{c} not registered"))
        })
        .collect();
    assert!(
        positions.windows(2).all(|w| w[0] < w[1]),
        "classic set out of order: {names:?}"
    );
    let given = BTreeMap::from([("size".to_string(), ParamValue::Int(5))]);
    assert!(matches!(
        build("tic_tac_toe", &given),
        Err(GameError::UnknownParam { .. })
    ));
}
