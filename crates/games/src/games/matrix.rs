//! Two-seat matrix games with simultaneous moves — the prisoner's dilemma,
//! matching pennies and rock-paper-scissors — as one engine over a static
//! payoff table, played for `rounds` rounds (1 by default: the one-shot game).
//!
//! Simultaneous moves are modelled as sequential ones: in each round seat 0
//! chooses, then seat 1. Neither seat is ever shown the other's choice of the
//! current round before both have chosen, so seat 1 decides exactly as
//! blind as seat 0 did; once the round is complete both choices are shown to
//! both seats. Seat 0 does see its own pending choice while it waits.
//!
//! Notation: an action is its lower-case name (`cooperate` / `defect`,
//! `heads` / `tails`, `rock` / `paper` / `scissors`); parsing ignores case and
//! surrounding whitespace. Legal actions are listed in that (table) order.
//! Chance order: none — these games have no chance nodes, hence no chance
//! keys.
//!
//! Returns are the integer payoffs summed over the rounds:
//! - prisoner's dilemma: both cooperate 3 each, both defect 1 each, a
//!   defector against a cooperator 5 against 0 (T=5, R=3, P=1, S=0);
//! - matching pennies: seat 0 wins +1 (seat 1 -1) when the coins match,
//!   and loses otherwise;
//! - rock-paper-scissors: rock beats scissors, scissors beat paper, paper
//!   beats rock: +1 to the winner, -1 to the loser, 0 each on a tie.

use std::sync::Arc;

use serde::Serialize;

use crate::any::{AnyGame, BuiltGame};
use crate::engine::{Engine, Seat, Turn};
use crate::error::{GameError, ParseActionError};
use crate::params::{ParamKind, ParamSpec, Params};
use crate::registry::GameInfo;

/// The most rounds of an iterated game.
pub const MAX_ROUNDS: i64 = 100;

/// The `rounds` parameter shared by the three games.
const PARAMS: &[ParamSpec] = &[ParamSpec {
    name: "rounds",
    kind: ParamKind::Int {
        min: 1,
        max: MAX_ROUNDS,
    },
    default: "1",
    description: "rounds to play; each round's choices are shown to both seats once complete",
}];

/// A matrix game's rules: its action names and its payoff table.
#[derive(Debug, PartialEq, Eq, Hash)]
pub struct MatrixSpec {
    /// The registry name (`prisoners_dilemma`).
    pub name: &'static str,
    /// The name shown to players (`Prisoner's dilemma`).
    pub title: &'static str,
    /// The rules in one or two sentences, shown to players.
    pub rules: &'static str,
    /// The action names, in table (and legal-list) order; the same for both
    /// seats.
    pub actions: &'static [&'static str],
    /// `payoffs[a0][a1]` is `[seat 0's payoff, seat 1's payoff]` when seat 0
    /// plays action `a0` and seat 1 plays `a1`.
    pub payoffs: &'static [&'static [[i64; 2]]],
}

/// The prisoner's dilemma with T=5, R=3, P=1, S=0.
pub static PRISONERS_DILEMMA_SPEC: MatrixSpec = MatrixSpec {
    name: "prisoners_dilemma",
    title: "Prisoner's dilemma",
    rules: "Each player chooses to cooperate or defect without seeing the other's choice. \
            Both cooperating pays 3 each, both defecting 1 each; a defector facing a \
            cooperator gets 5 and the cooperator 0.",
    actions: &["cooperate", "defect"],
    payoffs: &[&[[3, 3], [0, 5]], &[[5, 0], [1, 1]]],
};

/// Matching pennies: seat 0 wins when the coins match.
pub static MATCHING_PENNIES_SPEC: MatrixSpec = MatrixSpec {
    name: "matching_pennies",
    title: "Matching pennies",
    rules: "Each player shows heads or tails without seeing the other's choice. \
            If the two match, seat 0 wins 1 from seat 1; if they differ, seat 1 wins 1 \
            from seat 0.",
    actions: &["heads", "tails"],
    payoffs: &[&[[1, -1], [-1, 1]], &[[-1, 1], [1, -1]]],
};

/// Rock-paper-scissors.
pub static ROCK_PAPER_SCISSORS_SPEC: MatrixSpec = MatrixSpec {
    name: "rock_paper_scissors",
    title: "Rock-paper-scissors",
    rules: "Each player chooses rock, paper or scissors without seeing the other's choice. \
            Rock beats scissors, scissors beat paper, paper beats rock: the winner gets 1, \
            the loser -1, a tie 0 each.",
    actions: &["rock", "paper", "scissors"],
    payoffs: &[
        &[[0, 0], [-1, 1], [1, -1]],
        &[[1, -1], [0, 0], [-1, 1]],
        &[[-1, 1], [1, -1], [0, 0]],
    ],
};

/// The registry entry of the prisoner's dilemma.
pub const PRISONERS_DILEMMA: GameInfo = GameInfo {
    name: "prisoners_dilemma",
    description: "Prisoner's dilemma: cooperate or defect, simultaneous; T=5 R=3 P=1 S=0",
    seats: "2",
    params: PARAMS,
    build: build_prisoners_dilemma,
};

/// The registry entry of matching pennies.
pub const MATCHING_PENNIES: GameInfo = GameInfo {
    name: "matching_pennies",
    description: "Matching pennies: heads or tails, simultaneous; seat 0 wins on a match",
    seats: "2",
    params: PARAMS,
    build: build_matching_pennies,
};

/// The registry entry of rock-paper-scissors.
pub const ROCK_PAPER_SCISSORS: GameInfo = GameInfo {
    name: "rock_paper_scissors",
    description: "Rock-paper-scissors: simultaneous; win +1, loss -1, tie 0",
    seats: "2",
    params: PARAMS,
    build: build_rock_paper_scissors,
};

fn build_prisoners_dilemma(params: Params) -> Result<Arc<dyn AnyGame>, GameError> {
    build_with(&PRISONERS_DILEMMA_SPEC, params)
}

fn build_matching_pennies(params: Params) -> Result<Arc<dyn AnyGame>, GameError> {
    build_with(&MATCHING_PENNIES_SPEC, params)
}

fn build_rock_paper_scissors(params: Params) -> Result<Arc<dyn AnyGame>, GameError> {
    build_with(&ROCK_PAPER_SCISSORS_SPEC, params)
}

fn build_with(spec: &'static MatrixSpec, params: Params) -> Result<Arc<dyn AnyGame>, GameError> {
    let state = MatrixGame::new(spec, params.int("rounds"))?;
    Ok(BuiltGame::new(spec.name, params, state))
}

/// A matrix-game action: the index into the spec's action names.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct Choice(pub u8);

/// A matrix game in progress.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct MatrixGame {
    spec: &'static MatrixSpec,
    rounds: u16,
    /// Completed rounds: `[seat 0's choice, seat 1's choice]`.
    played: Vec<[u8; 2]>,
    /// Seat 0's choice in the current round, once made.
    pending: Option<u8>,
}

/// One completed round as a seat sees it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RoundRecord {
    /// The observer's choice.
    pub you: &'static str,
    /// The opponent's choice.
    pub opponent: &'static str,
    /// The observer's payoff.
    pub your_payoff: i64,
    /// The opponent's payoff.
    pub opponent_payoff: i64,
}

/// What one seat knows.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct MatrixObservation {
    /// The registry name of the game.
    pub game: &'static str,
    /// The observer.
    pub seat: Seat,
    /// The action names, the same for both seats.
    pub actions: Vec<&'static str>,
    /// The number of rounds.
    pub rounds: u16,
    /// Completed rounds, oldest first.
    pub history: Vec<RoundRecord>,
    /// The observer's own choice in the current round while it waits for
    /// the opponent (seat 0 only; never the opponent's choice).
    pub your_pending_choice: Option<&'static str>,
    /// The seat to move, or `None` once the game is over.
    pub to_move: Option<Seat>,
    /// The observer's payoff so far.
    pub your_total: i64,
    /// The opponent's payoff so far.
    pub opponent_total: i64,
    /// Each seat's result, once the game is over.
    pub returns: Option<Vec<i64>>,
}

impl MatrixGame {
    /// A fresh game of `spec` for `rounds` rounds (1 to [`MAX_ROUNDS`]).
    pub fn new(spec: &'static MatrixSpec, rounds: i64) -> Result<Self, GameError> {
        if !(1..=MAX_ROUNDS).contains(&rounds) {
            return Err(GameError::OutOfRange {
                game: spec.name.to_string(),
                param: "rounds".to_string(),
                value: rounds.to_string(),
                range: format!("1..={MAX_ROUNDS}"),
            });
        }
        Ok(MatrixGame {
            spec,
            rounds: rounds as u16,
            played: Vec::new(),
            pending: None,
        })
    }

    /// The rules this game plays by.
    pub fn spec(&self) -> &'static MatrixSpec {
        self.spec
    }

    fn is_over(&self) -> bool {
        self.played.len() == usize::from(self.rounds)
    }

    fn name_of(&self, choice: u8) -> &'static str {
        self.spec.actions[usize::from(choice)]
    }

    fn payoff(&self, round: [u8; 2]) -> [i64; 2] {
        self.spec.payoffs[usize::from(round[0])][usize::from(round[1])]
    }

    fn totals(&self) -> [i64; 2] {
        self.played.iter().fold([0, 0], |acc, &r| {
            let p = self.payoff(r);
            [acc[0] + p[0], acc[1] + p[1]]
        })
    }

    fn records(&self, seat: Seat) -> Vec<RoundRecord> {
        let other = 1 - seat;
        self.played
            .iter()
            .map(|&r| {
                let p = self.payoff(r);
                RoundRecord {
                    you: self.name_of(r[seat]),
                    opponent: self.name_of(r[other]),
                    your_payoff: p[seat],
                    opponent_payoff: p[other],
                }
            })
            .collect()
    }

    /// The payoff table from `seat`'s side, one line per pair of choices.
    fn table_text(&self, seat: Seat) -> String {
        let mut out = String::from("Payoffs (you, opponent):\n");
        let n = self.spec.actions.len() as u8;
        for mine in 0..n {
            for theirs in 0..n {
                let round = if seat == 0 {
                    [mine, theirs]
                } else {
                    [theirs, mine]
                };
                let p = self.payoff(round);
                out.push_str(&format!(
                    "  you {}, opponent {}: {}, {}\n",
                    self.name_of(mine),
                    self.name_of(theirs),
                    p[seat],
                    p[1 - seat]
                ));
            }
        }
        out
    }

    fn legal_words(&self) -> String {
        match self.spec.actions {
            [a, b] => format!("{a} or {b}"),
            actions => actions.join(", "),
        }
    }
}

impl Engine for MatrixGame {
    type Action = Choice;
    type Observation = MatrixObservation;

    fn n_seats(&self) -> usize {
        2
    }

    fn turn(&self) -> Turn {
        if self.is_over() {
            Turn::Terminal
        } else if self.pending.is_none() {
            Turn::Seat(0)
        } else {
            Turn::Seat(1)
        }
    }

    fn legal_actions_into(&self, out: &mut Vec<Choice>) {
        if !self.is_over() {
            out.extend((0..self.spec.actions.len() as u8).map(Choice));
        }
    }

    fn is_legal(&self, action: Choice) -> bool {
        !self.is_over() && usize::from(action.0) < self.spec.actions.len()
    }

    fn illegal_reason(&self, action: Choice) -> String {
        if self.is_over() {
            "the game is over".to_string()
        } else {
            format!(
                "choice {} does not exist; legal: {}",
                action.0,
                self.legal_summary()
            )
        }
    }

    fn apply_legal(&mut self, action: Choice) {
        match self.pending.take() {
            None => self.pending = Some(action.0),
            Some(first) => self.played.push([first, action.0]),
        }
    }

    fn returns(&self) -> Vec<i64> {
        if self.is_over() {
            self.totals().to_vec()
        } else {
            vec![0, 0]
        }
    }

    fn observe(&self, seat: Seat) -> MatrixObservation {
        let seat = seat.min(1);
        let totals = self.totals();
        MatrixObservation {
            game: self.spec.name,
            seat,
            actions: self.spec.actions.to_vec(),
            rounds: self.rounds,
            history: self.records(seat),
            // Only seat 0 ever has a pending choice, and only its own.
            your_pending_choice: if seat == 0 {
                self.pending.map(|c| self.name_of(c))
            } else {
                None
            },
            to_move: match self.turn() {
                Turn::Seat(s) => Some(s),
                _ => None,
            },
            your_total: totals[seat],
            opponent_total: totals[1 - seat],
            returns: self.is_over().then(|| self.returns()),
        }
    }

    fn observation_text(&self, seat: Seat) -> String {
        let seat = seat.min(1);
        let totals = self.totals();
        let mut out = self.spec.title.to_string();
        if self.rounds == 1 {
            out.push_str(", one round. ");
        } else {
            out.push_str(&format!(
                ", {} rounds; payoffs add up over the rounds. ",
                self.rounds
            ));
        }
        out.push_str(self.spec.rules);
        out.push('\n');
        out.push_str(&self.table_text(seat));
        out.push_str(&format!(
            "You are seat {seat}. Both players choose at the same time: you do not see your \
             opponent's choice until both have chosen.\n"
        ));
        for (i, r) in self.records(seat).iter().enumerate() {
            out.push_str(&format!(
                "Round {}: you {}, opponent {}; you got {}, opponent {}.\n",
                i + 1,
                r.you,
                r.opponent,
                r.your_payoff,
                r.opponent_payoff
            ));
        }
        if self.rounds > 1 && !self.played.is_empty() {
            out.push_str(&format!(
                "Total so far: you {}, opponent {}.\n",
                totals[seat],
                totals[1 - seat]
            ));
        }
        // "Round 2 of 3: your move", or just "Your move" in a one-shot game.
        let lead = |rest: String| {
            if self.rounds > 1 {
                format!("Round {} of {}: {rest}", self.played.len() + 1, self.rounds)
            } else {
                let mut chars = rest.chars();
                chars.next().map_or(String::new(), |c| {
                    c.to_ascii_uppercase().to_string() + chars.as_str()
                })
            }
        };
        match self.turn() {
            Turn::Terminal => {
                let (mine, theirs) = (totals[seat], totals[1 - seat]);
                let verdict = match mine.cmp(&theirs) {
                    std::cmp::Ordering::Greater => "you win",
                    std::cmp::Ordering::Less => "you lose",
                    std::cmp::Ordering::Equal => "a tie",
                };
                out.push_str(&format!(
                    "Game over: you scored {mine}, your opponent {theirs}; {verdict}."
                ));
            }
            Turn::Seat(s) if s == seat => {
                out.push_str(&lead(format!("your move: {}.", self.legal_words())));
            }
            // Seat 0 waits on seat 1 and may see its own choice; seat 1
            // waiting on seat 0 only learns that it is not its turn yet.
            Turn::Seat(_) | Turn::Chance => match (seat, self.pending) {
                (0, Some(c)) => out.push_str(&lead(format!(
                    "you chose {}; waiting for your opponent.",
                    self.name_of(c)
                ))),
                _ => out.push_str(&lead("waiting for your opponent.".to_string())),
            },
        }
        out
    }

    fn render(&self) -> String {
        let mut out = format!("{}, {} round(s).\n", self.spec.title, self.rounds);
        for (i, &r) in self.played.iter().enumerate() {
            let p = self.payoff(r);
            out.push_str(&format!(
                "Round {}: seat 0 {}, seat 1 {} ({} / {}).\n",
                i + 1,
                self.name_of(r[0]),
                self.name_of(r[1]),
                p[0],
                p[1]
            ));
        }
        let totals = self.totals();
        match self.turn() {
            Turn::Terminal => {
                out.push_str(&format!(
                    "Game over: returns {} / {}.",
                    totals[0], totals[1]
                ));
            }
            _ => {
                if let Some(c) = self.pending {
                    out.push_str(&format!("Seat 0 chose {} (hidden). ", self.name_of(c)));
                }
                let s = usize::from(self.pending.is_some());
                out.push_str(&format!("Seat {s} to move."));
            }
        }
        out
    }

    fn action_text(&self, action: Choice) -> String {
        self.spec
            .actions
            .get(usize::from(action.0))
            .map_or_else(|| format!("#{}", action.0), |s| (*s).to_string())
    }

    fn parse_action(&self, text: &str) -> Result<Choice, ParseActionError> {
        let word = text.trim().to_ascii_lowercase();
        self.spec
            .actions
            .iter()
            .position(|a| *a == word)
            .map(|i| Choice(i as u8))
            .ok_or_else(|| ParseActionError::new(text, format!("one of {}", self.legal_words())))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::Playthrough;

    #[test]
    fn tables_are_square_and_zero_sum_where_expected() {
        for spec in [
            &PRISONERS_DILEMMA_SPEC,
            &MATCHING_PENNIES_SPEC,
            &ROCK_PAPER_SCISSORS_SPEC,
        ] {
            let n = spec.actions.len();
            assert_eq!(spec.payoffs.len(), n, "{}", spec.name);
            assert!(
                spec.payoffs.iter().all(|row| row.len() == n),
                "{}",
                spec.name
            );
        }
        for spec in [&MATCHING_PENNIES_SPEC, &ROCK_PAPER_SCISSORS_SPEC] {
            for row in spec.payoffs {
                assert!(row.iter().all(|p| p[0] + p[1] == 0), "{}", spec.name);
            }
        }
    }

    #[test]
    fn rounds_accumulate_payoffs() {
        let mut p = Playthrough::new(MatrixGame::new(&PRISONERS_DILEMMA_SPEC, 3).unwrap());
        // (C, C), (D, C), (D, D): 3+5+1 = 9 against 3+0+1 = 4.
        for a in [0, 0, 1, 0, 1, 1] {
            assert_eq!(p.state().returns(), vec![0, 0]);
            p.apply(Choice(a)).unwrap();
        }
        assert_eq!(p.turn(), Turn::Terminal);
        assert_eq!(p.state().returns(), vec![9, 4]);
        assert!(p.apply(Choice(0)).is_err());
    }

    #[test]
    fn bad_rounds_are_rejected() {
        assert!(matches!(
            MatrixGame::new(&ROCK_PAPER_SCISSORS_SPEC, 0),
            Err(GameError::OutOfRange { .. })
        ));
        assert!(matches!(
            MatrixGame::new(&ROCK_PAPER_SCISSORS_SPEC, MAX_ROUNDS + 1),
            Err(GameError::OutOfRange { .. })
        ));
    }
}
