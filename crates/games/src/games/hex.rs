//! Hex on a `size` × `size` rhombus (11 × 11 by default, 2 to 19 allowed).
//!
//! Seat 0 plays black, `X`, moves first and connects the top edge (row 1)
//! to the bottom edge (row `size`). Seat 1 plays white, `O`, and connects the
//! left edge (column `a`) to the right edge (the last column). A full board
//! always has exactly one such chain, so there are no draws. Returns: +1 for
//! the winner, -1 for the loser. Chance order: none — the game has no chance
//! nodes, hence no chance keys.
//!
//! Geometry: each row is drawn shifted half a cell right of the row above,
//! so cell (column c, row r) touches (c-1, r) and (c+1, r) beside it,
//! (c, r-1) and (c+1, r-1) above it, and (c-1, r+1) and (c, r+1) below it.
//!
//! Notation: a cell is its column letter then its row number, `a1` (top
//! left) to `k11` (bottom right on the default board); parsing ignores case
//! and surrounding whitespace. Legal cells are listed in reading order, row
//! 1 left to right, then row 2, and so on.
//!
//! With the `swap` parameter (off by default) the pie rule applies: as its
//! first move, seat 1 may answer `swap`, which replaces seat 0's opening
//! stone by an `O` stone mirrored across the long diagonal (column and row
//! exchanged), so each seat keeps its colour and its edges; then seat 0 moves
//! again. `swap` is listed after the cells.
//!
//! Wins are found with a union-find over the cells plus one virtual node per
//! edge: a seat has won once its two edges are in the same set.

use std::sync::Arc;

use serde::Serialize;

use crate::any::{AnyGame, BuiltGame};
use crate::engine::{Engine, Seat, Turn, win_loss_returns};
use crate::error::{GameError, ParseActionError};
use crate::params::{ParamKind, ParamSpec, Params};
use crate::registry::GameInfo;

/// The smallest board side.
pub const MIN_SIZE: i64 = 2;
/// The largest board side (the columns run out of letters soon after, and
/// 19 is the largest board commonly played).
pub const MAX_SIZE: i64 = 19;

/// The registry entry.
pub const INFO: GameInfo = GameInfo {
    name: "hex",
    description: "Hex: X joins top and bottom, O joins left and right; no draws",
    seats: "2",
    params: &[
        ParamSpec {
            name: "size",
            kind: ParamKind::Int {
                min: MIN_SIZE,
                max: MAX_SIZE,
            },
            default: "11",
            description: "board side: a size × size rhombus",
        },
        ParamSpec {
            name: "swap",
            kind: ParamKind::Bool,
            default: "false",
            description: "pie rule: seat 1 may answer the first move with `swap`",
        },
    ],
    build,
};

fn build(params: Params) -> Result<Arc<dyn AnyGame>, GameError> {
    let state = Hex::new(params.int("size"), params.bool("swap"))?;
    Ok(BuiltGame::new(INFO.name, params, state))
}

/// A Hex move.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum HexAction {
    /// Place a stone on the cell at 0-based `col`umn and `row`.
    Place {
        /// Column, 0 = `a` (left).
        col: u8,
        /// Row, 0 = `1` (top).
        row: u8,
    },
    /// The pie rule (only with `swap` on, as seat 1's first move).
    Swap,
}

/// A Hex position.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Hex {
    size: u8,
    swap_allowed: bool,
    /// The seat holding each cell, row by row.
    cells: Vec<Option<u8>>,
    /// Union-find parents over the cells and the four edge nodes
    /// (top, bottom, left, right, in that order after the cells).
    parent: Vec<u16>,
    /// The seat to move, if the game is not over.
    to_move: u8,
    /// Moves made so far (a swap counts as one).
    n_moves: u16,
    /// The last move, for the observation.
    last_move: Option<HexAction>,
    /// The winning seat, once there is one.
    winner: Option<u8>,
}

/// What one seat sees (Hex hides nothing).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct HexObservation {
    /// The board side.
    pub size: u8,
    /// Rows from top (row 1) to bottom, one character per column: `X`, `O`
    /// or `.`.
    pub board: Vec<String>,
    /// The observer's stone.
    pub you: char,
    /// The seat to move, or `None` when the game is over.
    pub to_move: Option<Seat>,
    /// The last move in notation, if any.
    pub last_move: Option<String>,
    /// The number of empty cells.
    pub empty_cells: usize,
    /// Whether `swap` is a legal move now.
    pub swap_available: bool,
    /// The winning seat, if any.
    pub winner: Option<Seat>,
}

const STONES: [char; 2] = ['X', 'O'];

/// Above this many legal cells, the summary describes them instead of
/// listing them all: a list of 100 cells helps no one in an error message,
/// and the board already shows the empty cells.
const SUMMARY_LIST_MAX: usize = 30;

impl Hex {
    /// An empty `size` × `size` board; `swap` turns the pie rule on.
    pub fn new(size: i64, swap: bool) -> Result<Self, GameError> {
        if !(MIN_SIZE..=MAX_SIZE).contains(&size) {
            return Err(GameError::OutOfRange {
                game: INFO.name.to_string(),
                param: "size".to_string(),
                value: size.to_string(),
                range: format!("{MIN_SIZE}..={MAX_SIZE}"),
            });
        }
        let n = (size * size) as usize;
        Ok(Hex {
            size: size as u8,
            swap_allowed: swap,
            cells: vec![None; n],
            parent: (0..(n + 4) as u16).collect(),
            to_move: 0,
            n_moves: 0,
            last_move: None,
            winner: None,
        })
    }

    /// The board side.
    pub fn size(&self) -> u8 {
        self.size
    }

    /// The seat holding the cell at 0-based `col`, `row`, if any.
    pub fn cell(&self, col: u8, row: u8) -> Option<Seat> {
        if col >= self.size || row >= self.size {
            return None;
        }
        self.cells[self.index(col, row)].map(Seat::from)
    }

    /// The winning seat, if any.
    pub fn winner(&self) -> Option<Seat> {
        self.winner.map(Seat::from)
    }

    fn index(&self, col: u8, row: u8) -> usize {
        usize::from(row) * usize::from(self.size) + usize::from(col)
    }

    fn n_cells(&self) -> usize {
        self.cells.len()
    }

    /// The virtual node of edge `k` (0 top, 1 bottom, 2 left, 3 right).
    fn edge(&self, k: usize) -> usize {
        self.n_cells() + k
    }

    fn find(&mut self, mut x: usize) -> usize {
        while usize::from(self.parent[x]) != x {
            // Path halving keeps the trees shallow without recursion.
            let grand = self.parent[usize::from(self.parent[x])];
            self.parent[x] = grand;
            x = usize::from(grand);
        }
        x
    }

    fn union(&mut self, a: usize, b: usize) {
        let (ra, rb) = (self.find(a), self.find(b));
        if ra != rb {
            self.parent[ra] = rb as u16;
        }
    }

    /// Puts `seat`'s stone on a cell and joins it to its neighbours and edges.
    fn place(&mut self, col: u8, row: u8, seat: u8) {
        let i = self.index(col, row);
        self.cells[i] = Some(seat);
        let n = i16::from(self.size);
        let (c, r) = (i16::from(col), i16::from(row));
        for (dc, dr) in [(-1, 0), (1, 0), (0, -1), (1, -1), (-1, 1), (0, 1)] {
            let (nc, nr) = (c + dc, r + dr);
            if (0..n).contains(&nc) && (0..n).contains(&nr) {
                let j = self.index(nc as u8, nr as u8);
                if self.cells[j] == Some(seat) {
                    self.union(i, j);
                }
            }
        }
        let last = self.size - 1;
        if seat == 0 {
            if row == 0 {
                self.union(i, self.edge(0));
            }
            if row == last {
                self.union(i, self.edge(1));
            }
        } else {
            if col == 0 {
                self.union(i, self.edge(2));
            }
            if col == last {
                self.union(i, self.edge(3));
            }
        }
        let (a, b) = if seat == 0 { (0, 1) } else { (2, 3) };
        let (ea, eb) = (self.edge(a), self.edge(b));
        if self.find(ea) == self.find(eb) {
            self.winner = Some(seat);
        }
    }

    fn is_over(&self) -> bool {
        // A full board always has a winner, so this is the only end.
        self.winner.is_some()
    }

    fn swap_available(&self) -> bool {
        self.swap_allowed && self.n_moves == 1 && !self.is_over()
    }

    fn cell_name(col: u8, row: u8) -> String {
        format!("{}{}", char::from(b'a' + col), u32::from(row) + 1)
    }

    fn board_rows(&self) -> Vec<String> {
        (0..self.size)
            .map(|r| {
                (0..self.size)
                    .map(|c| self.cell(c, r).map_or('.', |s| STONES[s]))
                    .collect()
            })
            .collect()
    }

    /// The board drawn as a rhombus with column letters and row numbers.
    fn board_text(&self) -> String {
        let letters: Vec<String> = (0..self.size)
            .map(|c| char::from(b'a' + c).to_string())
            .collect();
        let mut out = format!("   {}\n", letters.join(" "));
        for (r, row) in self.board_rows().iter().enumerate() {
            let cells: Vec<String> = row.chars().map(|c| c.to_string()).collect();
            out.push_str(&format!(
                "{:>2} {}{}\n",
                r + 1,
                " ".repeat(r),
                cells.join(" ")
            ));
        }
        out
    }

    fn last_col(&self) -> char {
        char::from(b'a' + self.size - 1)
    }

    fn status_line(&self) -> String {
        match self.winner {
            Some(0) => format!(
                "Game over: X (seat 0) connected row 1 to row {}.",
                self.size
            ),
            Some(_) => format!(
                "Game over: O (seat 1) connected column a to column {}.",
                self.last_col()
            ),
            None => {
                let mut line = format!(
                    "{} (seat {}) to move.",
                    STONES[usize::from(self.to_move)],
                    self.to_move
                );
                if self.swap_available() {
                    line.push_str(
                        " You may answer `swap` to take over the opening stone (mirrored, as O).",
                    );
                }
                line
            }
        }
    }
}

impl Engine for Hex {
    type Action = HexAction;
    type Observation = HexObservation;

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

    fn legal_actions_into(&self, out: &mut Vec<HexAction>) {
        if self.is_over() {
            return;
        }
        for row in 0..self.size {
            for col in 0..self.size {
                if self.cells[self.index(col, row)].is_none() {
                    out.push(HexAction::Place { col, row });
                }
            }
        }
        if self.swap_available() {
            out.push(HexAction::Swap);
        }
    }

    fn is_legal(&self, action: HexAction) -> bool {
        match action {
            _ if self.is_over() => false,
            HexAction::Place { col, row } => {
                col < self.size && row < self.size && self.cells[self.index(col, row)].is_none()
            }
            HexAction::Swap => self.swap_available(),
        }
    }

    fn illegal_reason(&self, action: HexAction) -> String {
        if self.is_over() {
            return "the game is over".to_string();
        }
        let legal = self.legal_summary();
        match action {
            HexAction::Place { col, row } if col >= self.size || row >= self.size => format!(
                "cell {} is off the {n}×{n} board (a1 to {}{n}); legal: {legal}",
                Self::cell_name(col, row),
                self.last_col(),
                n = self.size
            ),
            HexAction::Place { col, row } => format!(
                "cell {} is taken by {}; legal: {legal}",
                Self::cell_name(col, row),
                self.cell(col, row).map_or('.', |s| STONES[s])
            ),
            HexAction::Swap if !self.swap_allowed => {
                format!("the swap rule is off in this game; legal: {legal}")
            }
            HexAction::Swap => {
                format!("swap is only allowed as seat 1's first move; legal: {legal}")
            }
        }
    }

    fn apply_legal(&mut self, action: HexAction) {
        match action {
            HexAction::Place { col, row } => self.place(col, row, self.to_move),
            HexAction::Swap => {
                // Only seat 0's opening stone is on the board: take it off,
                // reset the sets, and put O on the mirrored cell.
                let i = self.cells.iter().position(Option::is_some).unwrap_or(0);
                let (col, row) = (
                    (i % usize::from(self.size)) as u8,
                    (i / usize::from(self.size)) as u8,
                );
                self.cells[i] = None;
                self.parent = (0..self.parent.len() as u16).collect();
                self.place(row, col, 1);
            }
        }
        self.n_moves += 1;
        self.last_move = Some(action);
        self.to_move ^= 1;
    }

    fn returns(&self) -> Vec<i64> {
        win_loss_returns(self.winner.map(Seat::from))
    }

    fn observe(&self, seat: Seat) -> HexObservation {
        HexObservation {
            size: self.size,
            board: self.board_rows(),
            you: STONES[seat.min(1)],
            to_move: self.turn().seat(),
            last_move: self.last_move.map(|a| self.action_text(a)),
            empty_cells: self.cells.iter().filter(|c| c.is_none()).count(),
            swap_available: self.swap_available(),
            winner: self.winner(),
        }
    }

    fn observation_text(&self, seat: Seat) -> String {
        let goal = if seat == 0 {
            format!(
                "connect the top edge (row 1) to the bottom edge (row {})",
                self.size
            )
        } else {
            format!(
                "connect the left edge (column a) to the right edge (column {})",
                self.last_col()
            )
        };
        let last = match self.last_move {
            Some(a) => format!("Last move: {}.\n", self.action_text(a)),
            None => String::new(),
        };
        format!(
            "Hex, {n}×{n} board. X joins top and bottom, O joins left and right; \
             there are no draws. Each row is shifted half a cell right of the row above, \
             so a cell touches two cells in the row above (same column and the next \
             column) and two in the row below (same column and the previous column). \
             You are {} (seat {seat}): {goal} with a chain of your stones. Answer with \
             a cell such as a1 or {}{n}.\n{}{last}{}",
            STONES[seat.min(1)],
            self.last_col(),
            self.board_text(),
            self.status_line(),
            n = self.size
        )
    }

    fn render(&self) -> String {
        format!("{}{}", self.board_text(), self.status_line())
    }

    fn action_text(&self, action: HexAction) -> String {
        match action {
            HexAction::Place { col, row } => Self::cell_name(col, row),
            HexAction::Swap => "swap".to_string(),
        }
    }

    fn parse_action(&self, text: &str) -> Result<HexAction, ParseActionError> {
        let word = text.trim().to_ascii_lowercase();
        if word == "swap" {
            return Ok(HexAction::Swap);
        }
        let expected = || {
            ParseActionError::new(
                text,
                format!(
                    "a cell from a1 to {}{n}: a column letter a-{} then a row number 1-{n}",
                    self.last_col(),
                    self.last_col(),
                    n = self.size
                ),
            )
        };
        let mut chars = word.chars();
        let letter = chars.next().ok_or_else(expected)?;
        if !letter.is_ascii_lowercase() {
            return Err(expected());
        }
        let col = letter as u8 - b'a';
        let rest = chars.as_str();
        if rest.is_empty() || !rest.bytes().all(|b| b.is_ascii_digit()) {
            return Err(expected());
        }
        let row: u32 = rest.parse().map_err(|_| expected())?;
        if col >= self.size || row == 0 || row > u32::from(self.size) {
            return Err(expected());
        }
        Ok(HexAction::Place {
            col,
            row: (row - 1) as u8,
        })
    }

    fn legal_summary(&self) -> String {
        let mut legal = Vec::new();
        self.legal_actions_into(&mut legal);
        if legal.len() <= SUMMARY_LIST_MAX {
            return legal
                .iter()
                .map(|&a| self.action_text(a))
                .collect::<Vec<_>>()
                .join(", ");
        }
        let cells = legal
            .iter()
            .filter(|a| matches!(a, HexAction::Place { .. }))
            .count();
        let mut out = format!(
            "any of the {cells} empty cells (shown as . on the board), such as {}",
            legal
                .iter()
                .take(3)
                .map(|&a| self.action_text(a))
                .collect::<Vec<_>>()
                .join(", ")
        );
        if self.swap_available() {
            out.push_str(", or swap");
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::Playthrough;

    #[test]
    fn notation_round_trips_on_the_largest_board() {
        let h = Hex::new(MAX_SIZE, true).unwrap();
        let mut legal = Vec::new();
        h.legal_actions_into(&mut legal);
        assert_eq!(legal.len(), 19 * 19);
        for a in legal {
            let text = h.action_text(a);
            assert_eq!(h.parse_action(&text), Ok(a), "{text}");
            assert_eq!(h.parse_action(&format!(" {} ", text.to_uppercase())), Ok(a));
        }
        assert_eq!(h.action_text(HexAction::Place { col: 18, row: 18 }), "s19");
        for bad in ["", "a", "1a", "a0", "a20", "t1", "a1b", "-", "a+1"] {
            assert!(h.parse_action(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn swap_mirrors_the_opening_stone() {
        let mut p = Playthrough::new(Hex::new(3, true).unwrap());
        p.apply(HexAction::Place { col: 2, row: 0 }).unwrap(); // c1
        assert_eq!(p.legal_actions().last(), Some(&HexAction::Swap));
        p.apply(HexAction::Swap).unwrap();
        assert_eq!(p.state().cell(2, 0), None);
        assert_eq!(p.state().cell(0, 2), Some(1)); // a3
        assert_eq!(p.turn(), Turn::Seat(0));
        assert!(!p.legal_actions().contains(&HexAction::Swap));
        let err = p.apply(HexAction::Swap).unwrap_err();
        assert!(err.reason.contains("first move"), "{}", err.reason);
    }

    #[test]
    fn swap_is_illegal_when_off() {
        let mut p = Playthrough::new(Hex::new(3, false).unwrap());
        p.apply(HexAction::Place { col: 1, row: 1 }).unwrap();
        let err = p.apply(HexAction::Swap).unwrap_err();
        assert!(err.reason.contains("swap rule is off"), "{}", err.reason);
    }
}
