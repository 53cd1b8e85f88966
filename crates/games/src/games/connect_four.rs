//! Connect Four on a bitboard: `columns` × `rows` (7 × 6 by default), drop a
//! stone, `k` in a row (4) wins along a row, a column or either diagonal.
//!
//! Notation: a move is its column number, `1` (left) to `columns` (right).
//! Legal moves are listed left to right. Seat 0 plays `X` and moves first,
//! seat 1 plays `O`. Returns: +1 for the winner, -1 for the loser, 0 each
//! for a full board without a line. Chance order: none — the game has no
//! chance nodes, hence no chance keys.
//!
//! The board is one `u64` per seat, a column of `rows + 1` bits each (the
//! extra bit stays empty so lines cannot wrap from one column into the next),
//! hence `(rows + 1) × columns ≤ 64`.

use std::sync::Arc;

use serde::Serialize;

use crate::any::{AnyGame, BuiltGame};
use crate::engine::{Engine, Seat, Turn, win_loss_returns};
use crate::error::{GameError, ParseActionError};
use crate::params::{ParamKind, ParamSpec, Params};
use crate::registry::GameInfo;

/// The registry entry.
pub const INFO: GameInfo = GameInfo {
    name: "connect_four",
    description: "Connect Four: drop stones into columns, k in a row wins",
    seats: "2",
    params: &[
        ParamSpec {
            name: "rows",
            kind: ParamKind::Int { min: 2, max: 15 },
            default: "6",
            description: "board height",
        },
        ParamSpec {
            name: "columns",
            kind: ParamKind::Int { min: 2, max: 15 },
            default: "7",
            description: "board width; (rows + 1) × columns must be at most 64",
        },
        ParamSpec {
            name: "k",
            kind: ParamKind::Int { min: 2, max: 15 },
            default: "4",
            description: "stones in a row needed to win; at most max(rows, columns)",
        },
    ],
    build,
};

fn build(params: Params) -> Result<Arc<dyn AnyGame>, GameError> {
    let state = ConnectFour::new(params.int("rows"), params.int("columns"), params.int("k"))?;
    Ok(BuiltGame::new(INFO.name, params, state))
}

/// A Connect Four move: the 0-based column index (its text form is 1-based).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct Column(pub u8);

/// A Connect Four position.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ConnectFour {
    rows: u8,
    columns: u8,
    k: u8,
    /// Stones of seat 0 and seat 1.
    stones: [u64; 2],
    /// Both seats' stones.
    occupied: u64,
    /// The seat to move, if the game is not over.
    to_move: u8,
    /// Stones on the board.
    n_moves: u8,
    /// The winning seat, once there is one.
    winner: Option<u8>,
}

/// What one seat sees (Connect Four hides nothing).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ConnectFourObservation {
    /// Rows from top to bottom, one character per column: `X`, `O` or `.`.
    pub board: Vec<String>,
    /// The observer's stone.
    pub you: char,
    /// The seat to move, or `None` when the game is over.
    pub to_move: Option<Seat>,
    /// The legal columns, 1-based.
    pub legal_columns: Vec<u8>,
    /// The winning seat, if any.
    pub winner: Option<Seat>,
}

const PIECES: [char; 2] = ['X', 'O'];

impl ConnectFour {
    /// An empty board; checks that the dimensions fit and that `k` can be reached.
    pub fn new(rows: i64, columns: i64, k: i64) -> Result<Self, GameError> {
        let invalid = |message: String| GameError::InvalidParams {
            game: INFO.name.to_string(),
            message,
        };
        if !(2..=15).contains(&rows) || !(2..=15).contains(&columns) || !(2..=15).contains(&k) {
            return Err(invalid(format!(
                "rows, columns and k must each be in 2..=15 (got rows={rows}, columns={columns}, k={k})"
            )));
        }
        if (rows + 1) * columns > 64 {
            return Err(invalid(format!(
                "(rows + 1) × columns must be at most 64, got ({rows} + 1) × {columns} = {}; \
                 make the board smaller",
                (rows + 1) * columns
            )));
        }
        if k > rows.max(columns) {
            return Err(invalid(format!(
                "k={k} cannot fit on a {columns}×{rows} board; k must be at most max(rows, columns) = {}",
                rows.max(columns)
            )));
        }
        Ok(ConnectFour {
            rows: rows as u8,
            columns: columns as u8,
            k: k as u8,
            stones: [0; 2],
            occupied: 0,
            to_move: 0,
            n_moves: 0,
            winner: None,
        })
    }

    /// The board height.
    pub fn rows(&self) -> u8 {
        self.rows
    }

    /// The board width.
    pub fn columns(&self) -> u8 {
        self.columns
    }

    /// Stones in a row needed to win.
    pub fn k(&self) -> u8 {
        self.k
    }

    /// The standard 7 × 6 board with four in a row.
    pub fn standard() -> Self {
        ConnectFour {
            rows: 6,
            columns: 7,
            k: 4,
            stones: [0; 2],
            occupied: 0,
            to_move: 0,
            n_moves: 0,
            winner: None,
        }
    }

    /// Bits per column (one more than the rows).
    fn stride(&self) -> u32 {
        u32::from(self.rows) + 1
    }

    fn bottom_bit(&self, col: u8) -> u64 {
        1u64 << (u32::from(col) * self.stride())
    }

    fn top_bit(&self, col: u8) -> u64 {
        1u64 << (u32::from(col) * self.stride() + u32::from(self.rows) - 1)
    }

    /// The mask of columns (bit i = column i) that still have room.
    pub fn legal_mask(&self) -> u32 {
        if self.is_over() {
            return 0;
        }
        let mut mask = 0;
        for col in 0..self.columns {
            if self.occupied & self.top_bit(col) == 0 {
                mask |= 1 << col;
            }
        }
        mask
    }

    fn is_over(&self) -> bool {
        self.winner.is_some()
            || u32::from(self.n_moves) == u32::from(self.rows) * u32::from(self.columns)
    }

    fn has_line(&self, b: u64) -> bool {
        let stride = self.stride();
        for shift in [1, stride, stride + 1, stride - 1] {
            let mut run = b;
            for i in 1..u32::from(self.k) {
                run &= b >> (shift * i);
            }
            if run != 0 {
                return true;
            }
        }
        false
    }

    /// The stone at (`row` from the bottom, `col`), if any.
    pub fn cell(&self, row: u8, col: u8) -> Option<Seat> {
        let bit = 1u64 << (u32::from(col) * self.stride() + u32::from(row));
        (0..2).find(|&s| self.stones[s] & bit != 0)
    }

    fn board_rows(&self) -> Vec<String> {
        (0..self.rows)
            .rev()
            .map(|row| {
                (0..self.columns)
                    .map(|col| self.cell(row, col).map_or('.', |s| PIECES[s]))
                    .collect()
            })
            .collect()
    }

    fn board_text(&self) -> String {
        let mut out = String::new();
        for row in self.board_rows() {
            let cells: Vec<String> = row.chars().map(|c| c.to_string()).collect();
            out.push_str(&cells.join(" "));
            out.push('\n');
        }
        let numbers: Vec<String> = (1..=self.columns).map(|c| (c % 10).to_string()).collect();
        out.push_str(&numbers.join(" "));
        out.push('\n');
        out
    }

    fn legal_columns(&self) -> Vec<u8> {
        let mask = self.legal_mask();
        (0..self.columns)
            .filter(|c| mask & (1 << c) != 0)
            .map(|c| c + 1)
            .collect()
    }

    fn status_line(&self) -> String {
        match (self.winner, self.is_over()) {
            (Some(w), _) => format!(
                "Game over: {} (seat {w}) connected {}.",
                PIECES[w as usize], self.k
            ),
            (None, true) => "Game over: the board is full, a draw.".to_string(),
            (None, false) => format!(
                "{} (seat {}) to move.",
                PIECES[self.to_move as usize], self.to_move
            ),
        }
    }
}

impl Engine for ConnectFour {
    type Action = Column;
    type Observation = ConnectFourObservation;

    fn n_seats(&self) -> usize {
        2
    }

    fn turn(&self) -> Turn {
        if self.is_over() {
            Turn::Terminal
        } else {
            Turn::Seat(self.to_move as Seat)
        }
    }

    fn legal_actions_into(&self, out: &mut Vec<Column>) {
        let mask = self.legal_mask();
        for col in 0..self.columns {
            if mask & (1 << col) != 0 {
                out.push(Column(col));
            }
        }
    }

    fn is_legal(&self, action: Column) -> bool {
        action.0 < self.columns && !self.is_over() && self.occupied & self.top_bit(action.0) == 0
    }

    fn illegal_reason(&self, action: Column) -> String {
        let legal = self.legal_summary();
        if self.is_over() {
            "the game is over".to_string()
        } else if action.0 >= self.columns {
            format!(
                "column {} does not exist; legal columns: {legal}",
                u32::from(action.0) + 1
            )
        } else {
            format!("column {} is full; legal columns: {legal}", action.0 + 1)
        }
    }

    fn apply_legal(&mut self, action: Column) {
        // Adding the column's bottom bit to the occupied cells carries into the
        // lowest empty cell of that column.
        let col_mask = ((1u64 << self.rows) - 1) << (u32::from(action.0) * self.stride());
        let bit = (self.occupied + self.bottom_bit(action.0)) & col_mask;
        let seat = self.to_move as usize;
        self.stones[seat] |= bit;
        self.occupied |= bit;
        self.n_moves += 1;
        if self.has_line(self.stones[seat]) {
            self.winner = Some(self.to_move);
        }
        self.to_move ^= 1;
    }

    fn returns(&self) -> Vec<i64> {
        win_loss_returns(self.winner.map(Seat::from))
    }

    fn observe(&self, seat: Seat) -> ConnectFourObservation {
        ConnectFourObservation {
            board: self.board_rows(),
            you: PIECES[seat.min(1)],
            to_move: self.turn().seat(),
            legal_columns: self.legal_columns(),
            winner: self.winner.map(Seat::from),
        }
    }

    fn observation_text(&self, seat: Seat) -> String {
        format!(
            "Connect Four, {}×{} board, {} in a row wins. You are {} (seat {seat}).\n{}{}",
            self.columns,
            self.rows,
            self.k,
            PIECES[seat.min(1)],
            self.board_text(),
            self.status_line()
        )
    }

    fn render(&self) -> String {
        format!("{}{}", self.board_text(), self.status_line())
    }

    fn action_text(&self, action: Column) -> String {
        (u32::from(action.0) + 1).to_string()
    }

    fn parse_action(&self, text: &str) -> Result<Column, ParseActionError> {
        let trimmed = text.trim();
        let n: u32 = trimmed.parse().map_err(|_| {
            ParseActionError::new(text, format!("a column number from 1 to {}", self.columns))
        })?;
        if n == 0 || n > 255 {
            return Err(ParseActionError::new(
                text,
                format!("a column number from 1 to {}", self.columns),
            ));
        }
        Ok(Column((n - 1) as u8))
    }

    fn history_capacity_hint(&self) -> usize {
        usize::from(self.rows) * usize::from(self.columns)
    }

    fn legal_summary(&self) -> String {
        let cols = self.legal_columns();
        let contiguous = cols.windows(2).all(|w| w[1] == w[0] + 1);
        match (cols.first(), cols.last()) {
            (Some(a), Some(b)) if contiguous && cols.len() > 2 => format!("{a}-{b}"),
            _ => cols
                .iter()
                .map(u8::to_string)
                .collect::<Vec<_>>()
                .join(", "),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::Playthrough;

    fn play(moves: &[u8]) -> Playthrough<ConnectFour> {
        let mut p = Playthrough::new(ConnectFour::standard());
        for &m in moves {
            p.apply(Column(m - 1)).unwrap();
        }
        p
    }

    #[test]
    fn vertical_win() {
        let p = play(&[1, 2, 1, 2, 1, 2, 1]);
        assert_eq!(p.turn(), Turn::Terminal);
        assert_eq!(p.state().returns(), vec![1, -1]);
    }

    #[test]
    fn horizontal_win_for_second_player() {
        let p = play(&[1, 4, 1, 5, 2, 6, 7, 7, 7, 3]);
        assert_eq!(p.turn(), Turn::Terminal);
        assert_eq!(p.state().returns(), vec![-1, 1]);
    }

    #[test]
    fn rising_diagonal_win() {
        // X at (0,0) (1,1) (2,2) (3,3): columns 1..4 bottom-left to top-right.
        let p = play(&[1, 2, 2, 3, 3, 4, 3, 4, 4, 7, 4]);
        assert_eq!(p.turn(), Turn::Terminal);
        assert_eq!(p.state().returns(), vec![1, -1]);
    }

    #[test]
    fn falling_diagonal_win() {
        // X at column 7 row 0, 6 row 1, 5 row 2, 4 row 3.
        let p = play(&[7, 6, 6, 5, 5, 4, 5, 4, 4, 1, 4]);
        assert_eq!(p.turn(), Turn::Terminal);
        assert_eq!(p.state().returns(), vec![1, -1]);
    }

    #[test]
    fn no_wrap_across_columns() {
        // X fills rows 4 and 5 of column 1 and rows 0 and 1 of column 2: four
        // consecutive bits would be a line if columns had no separator bit.
        let mut p = play(&[1, 1, 1, 1, 1, 3, 2, 1, 2]);
        assert_eq!(p.turn(), Turn::Seat(1));
        assert_eq!(p.state().cell(5, 0), Some(1));
        p.apply(Column(6)).unwrap();
        assert_ne!(p.turn(), Turn::Terminal);
    }

    #[test]
    fn full_board_draw() {
        // Columns filled in pairs with a pattern that never makes four:
        // each column alternates, and column pairs are offset.
        let order = [
            1, 2, 1, 2, 1, 2, 2, 1, 2, 1, 2, 1, 3, 4, 3, 4, 3, 4, 4, 3, 4, 3, 4, 3, 5, 6, 5, 6, 5,
            6, 6, 5, 6, 5, 6, 5, 7, 7, 7, 7, 7, 7,
        ];
        let p = play(&order);
        assert_eq!(p.turn(), Turn::Terminal);
        assert_eq!(p.state().returns(), vec![0, 0]);
        assert!(p.legal_actions().is_empty());
    }

    #[test]
    fn full_column_and_missing_column_are_rejected_with_reasons() {
        let mut p = play(&[1, 1, 1, 1, 1, 1]);
        let before = *p.state();
        let err = p.apply(Column(0)).unwrap_err();
        assert_eq!(err.action, Column(0));
        assert!(err.reason.contains("column 1 is full"), "{}", err.reason);
        let err = p.apply(Column(7)).unwrap_err();
        assert!(
            err.reason
                .contains("column 8 does not exist; legal columns: 2-7"),
            "{}",
            err.reason
        );
        assert_eq!(*p.state(), before);
        assert_eq!(p.history().len(), 6);
    }

    #[test]
    fn smaller_k_and_board() {
        let mut p = Playthrough::new(ConnectFour::new(3, 3, 3).unwrap());
        for m in [0, 1, 0, 1, 0] {
            p.apply(Column(m)).unwrap();
        }
        assert_eq!(p.state().returns(), vec![1, -1]);
    }

    #[test]
    fn impossible_dimensions_are_rejected() {
        assert!(matches!(
            ConnectFour::new(2, 2, 4),
            Err(GameError::InvalidParams { .. })
        ));
        assert!(matches!(
            ConnectFour::new(8, 8, 4),
            Err(GameError::InvalidParams { .. })
        ));
    }
}
