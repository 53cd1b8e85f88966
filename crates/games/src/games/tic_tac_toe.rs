//! Tic-tac-toe on a 3 × 3 board: three in a row, column or diagonal wins.
//!
//! Notation: a move is a cell number from `1` to `9` in reading order, the
//! way a phone keypad is laid out:
//!
//! ```text
//! 1 | 2 | 3
//! 4 | 5 | 6
//! 7 | 8 | 9
//! ```
//!
//! The observation prints each empty cell as its number, so a model can read
//! the move straight off the board. Legal moves are listed in ascending
//! order. Seat 0 plays `X` and moves first, seat 1 plays `O`. Returns: +1 for
//! the winner, -1 for the loser, 0 each for a full board without a line.
//! Chance order: none — the game has no chance nodes, hence no chance keys.

use std::sync::Arc;

use serde::Serialize;

use crate::any::{AnyGame, BuiltGame};
use crate::engine::{Engine, Seat, Turn, win_loss_returns};
use crate::error::{GameError, ParseActionError};
use crate::params::Params;
use crate::registry::GameInfo;

/// The registry entry.
pub const INFO: GameInfo = GameInfo {
    name: "tic_tac_toe",
    description: "Tic-tac-toe: three in a row on a 3×3 board wins",
    seats: "2",
    params: &[],
    build,
};

fn build(params: Params) -> Result<Arc<dyn AnyGame>, GameError> {
    Ok(BuiltGame::new(INFO.name, params, TicTacToe::default()))
}

/// A tic-tac-toe move: the 0-based cell index in reading order (its text form
/// is 1-based, `1` top left to `9` bottom right).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct Cell(pub u8);

/// A tic-tac-toe position.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct TicTacToe {
    /// The seat holding each cell, in reading order.
    cells: [Option<u8>; 9],
    /// The seat to move, if the game is not over.
    to_move: u8,
    /// Stones on the board.
    n_moves: u8,
    /// The winning seat, once there is one.
    winner: Option<u8>,
}

/// What one seat sees (tic-tac-toe hides nothing).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct TicTacToeObservation {
    /// Rows from top to bottom, one character per cell: `X`, `O` or `.`.
    pub board: Vec<String>,
    /// The observer's mark.
    pub you: char,
    /// The seat to move, or `None` when the game is over.
    pub to_move: Option<Seat>,
    /// The empty cells, numbered 1 to 9.
    pub legal_cells: Vec<u8>,
    /// The winning seat, if any.
    pub winner: Option<Seat>,
}

const MARKS: [char; 2] = ['X', 'O'];

/// Every line of three, as cell indices.
const LINES: [[usize; 3]; 8] = [
    [0, 1, 2],
    [3, 4, 5],
    [6, 7, 8],
    [0, 3, 6],
    [1, 4, 7],
    [2, 5, 8],
    [0, 4, 8],
    [2, 4, 6],
];

impl TicTacToe {
    /// The seat holding cell `index` (0-based, reading order), if any.
    pub fn cell(&self, index: usize) -> Option<Seat> {
        self.cells.get(index).copied().flatten().map(Seat::from)
    }

    fn is_over(&self) -> bool {
        self.winner.is_some() || self.n_moves == 9
    }

    fn mark_at(&self, index: usize) -> char {
        self.cells[index].map_or('.', |s| MARKS[s as usize])
    }

    fn board_rows(&self) -> Vec<String> {
        (0..3)
            .map(|r| (0..3).map(|c| self.mark_at(r * 3 + c)).collect())
            .collect()
    }

    /// The board with empty cells shown as their move number.
    fn board_text(&self) -> String {
        let mut out = String::new();
        for r in 0..3 {
            let row: Vec<String> = (0..3)
                .map(|c| {
                    let i = r * 3 + c;
                    match self.cells[i] {
                        Some(s) => MARKS[s as usize].to_string(),
                        None => (i + 1).to_string(),
                    }
                })
                .collect();
            out.push_str(&row.join(" | "));
            out.push('\n');
        }
        out
    }

    fn legal_cells(&self) -> Vec<u8> {
        if self.is_over() {
            return Vec::new();
        }
        (0..9u8)
            .filter(|&i| self.cells[i as usize].is_none())
            .map(|i| i + 1)
            .collect()
    }

    fn status_line(&self) -> String {
        match (self.winner, self.is_over()) {
            (Some(w), _) => format!(
                "Game over: {} (seat {w}) has three in a row.",
                MARKS[w as usize]
            ),
            (None, true) => "Game over: the board is full, a draw.".to_string(),
            (None, false) => format!(
                "{} (seat {}) to move.",
                MARKS[self.to_move as usize], self.to_move
            ),
        }
    }
}

impl Engine for TicTacToe {
    type Action = Cell;
    type Observation = TicTacToeObservation;

    fn n_seats(&self) -> usize {
        2
    }

    fn turn(&self) -> Turn {
        if self.is_over() {
            Turn::Terminal
        } else {
            Turn::Seat(Seat::from(self.to_move))
        }
    }

    fn legal_actions_into(&self, out: &mut Vec<Cell>) {
        out.extend(self.legal_cells().into_iter().map(|n| Cell(n - 1)));
    }

    fn is_legal(&self, action: Cell) -> bool {
        !self.is_over() && action.0 < 9 && self.cells[action.0 as usize].is_none()
    }

    fn illegal_reason(&self, action: Cell) -> String {
        let legal = self.legal_summary();
        if self.is_over() {
            "the game is over".to_string()
        } else if action.0 >= 9 {
            format!(
                "cell {} does not exist; legal cells: {legal}",
                u32::from(action.0) + 1
            )
        } else {
            format!(
                "cell {} is taken by {}; legal cells: {legal}",
                action.0 + 1,
                self.mark_at(action.0 as usize)
            )
        }
    }

    fn apply_legal(&mut self, action: Cell) {
        let seat = self.to_move;
        self.cells[action.0 as usize] = Some(seat);
        self.n_moves += 1;
        let won = LINES
            .iter()
            .any(|line| line.iter().all(|&i| self.cells[i] == Some(seat)));
        if won {
            self.winner = Some(seat);
        }
        self.to_move ^= 1;
    }

    fn returns(&self) -> Vec<i64> {
        win_loss_returns(self.winner.map(Seat::from))
    }

    fn observe(&self, seat: Seat) -> TicTacToeObservation {
        TicTacToeObservation {
            board: self.board_rows(),
            you: MARKS[seat.min(1)],
            to_move: self.turn().seat(),
            legal_cells: self.legal_cells(),
            winner: self.winner.map(Seat::from),
        }
    }

    fn observation_text(&self, seat: Seat) -> String {
        format!(
            "Tic-tac-toe: get three of your marks in a row, column or diagonal. \
             You are {} (seat {seat}). Empty cells show their number; answer with \
             the number of the cell you take.\n{}{}",
            MARKS[seat.min(1)],
            self.board_text(),
            self.status_line()
        )
    }

    fn render(&self) -> String {
        format!("{}{}", self.board_text(), self.status_line())
    }

    fn action_text(&self, action: Cell) -> String {
        (u32::from(action.0) + 1).to_string()
    }

    fn parse_action(&self, text: &str) -> Result<Cell, ParseActionError> {
        let expected = || ParseActionError::new(text, "a cell number from 1 to 9");
        let n: u8 = text.trim().parse().map_err(|_| expected())?;
        if !(1..=9).contains(&n) {
            return Err(expected());
        }
        Ok(Cell(n - 1))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::Playthrough;

    fn play(moves: &[u8]) -> Playthrough<TicTacToe> {
        let mut p = Playthrough::new(TicTacToe::default());
        for &m in moves {
            p.apply(Cell(m - 1)).unwrap();
        }
        p
    }

    #[test]
    fn top_row_wins_for_x() {
        let p = play(&[1, 4, 2, 5, 3]);
        assert_eq!(p.turn(), Turn::Terminal);
        assert_eq!(p.state().returns(), vec![1, -1]);
        assert!(p.legal_actions().is_empty());
    }

    #[test]
    fn text_round_trips_for_every_cell() {
        let t = TicTacToe::default();
        for i in 0..9 {
            let text = t.action_text(Cell(i));
            assert_eq!(t.parse_action(&text), Ok(Cell(i)));
        }
        assert_eq!(t.parse_action(" 5 \n"), Ok(Cell(4)));
        assert!(t.parse_action("0").is_err());
        assert!(t.parse_action("10").is_err());
        assert!(t.parse_action("b2").is_err());
    }

    #[test]
    fn board_text_numbers_empty_cells() {
        let p = play(&[5]);
        assert!(
            p.state()
                .render()
                .starts_with("1 | 2 | 3\n4 | X | 6\n7 | 8 | 9\n"),
            "{}",
            p.state().render()
        );
    }
}
