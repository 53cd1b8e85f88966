//! Reverse Hangman: the players see a text an AI produced and guess the
//! prompt that produced it.
//!
//! # Rules
//! An episode has `rounds` puzzles (3 by default). Each round chance draws a
//! puzzle and both seats play it in turn, duplicate style: in round `r`
//! (counted from 0) seat `r % 2` plays the puzzle first, then the other seat
//! plays the same puzzle. A seat has `max_attempts` guesses (7 by default);
//! each gets deterministic feedback from the [`matcher`]: a match percentage,
//! a grade (exact / near / partial / incorrect) and the matched words. A
//! seat's puzzle ends at its first exact match or when its attempts run out;
//! the round ends when both seats are done.
//!
//! # Chance
//! The draw is a chance action `puzzle <id>`. At a chance node
//! `legal_actions` lists the equally likely outcomes: every puzzle of the
//! round's difficulty not yet drawn in this episode, by ascending id. The
//! round's difficulty is the `difficulty` parameter, or for `mixed` it cycles
//! easy, medium, hard, expert, easy, … by round (round `r` uses
//! `Difficulty::ALL[r % 4]`). The draw of round `r` has the chance key
//! ([`crate::Engine::chance_key`]) `r`: every round draws exactly once,
//! whatever was guessed before, so a seed keyed by it draws the same puzzles
//! in two episodes however the guessing went.
//!
//! # Scoring
//! A seat solving a puzzle on attempt `k` scores
//! `base × ATTEMPT_MULTIPLIER_PERCENT[k - 1] / 100`, and 0 when it never
//! solves it. Base points: easy 100, medium 200, hard 300, expert 500.
//! Multipliers by attempt 1-10: 100, 80, 65, 50, 40, 30, 20, 15, 10, 5 %.
//! Every product is a whole number. Returns: +1 to the seat with the higher
//! total, -1 to the other, 0 each on equal totals. The totals are in the
//! observation.
//!
//! # Actions
//! A guess is free text (an inline [`Guess`], see its shape in
//! [`GUESS_SHAPE`]); its canonical text is the guess trimmed with whitespace
//! collapsed. The action space of a player is not enumerable: at a player
//! turn `legal_actions` lists nothing, every well-formed guess is legal, and
//! the [`MoveConstraint`] is free text. Malformed text (empty, over 160
//! characters, other characters) does not parse.
//!
//! # Hidden information
//! A seat sees the puzzle's output, difficulty, category and prompt length
//! in words, its own guesses with their feedback, and the results of
//! completed rounds (both seats' guesses, feedback, points and the prompt).
//! It sees the secret prompt of the current puzzle only once its own play of
//! that puzzle is over, and never the other seat's guesses, feedback or
//! points for the current round before the round ends. Totals count
//! completed rounds only. [`Engine::render`] shows everything.

pub mod action;
pub mod matcher;
pub mod puzzles;

use std::fmt::{self, Write as _};
use std::sync::Arc;

use serde::Serialize;

use crate::any::{AnyGame, BuiltGame};
use crate::constraint::MoveConstraint;
use crate::engine::{Engine, Seat, Turn};
use crate::error::{GameError, ParseActionError};
use crate::params::{ParamKind, ParamSpec, Params};
use crate::registry::GameInfo;

pub use action::{
    GUESS_FIRST_CHARS, GUESS_REST_CHARS, GUESS_SHAPE, Guess, GuessError, HangmanAction,
    MAX_GUESS_CHARS,
};
pub use matcher::{Feedback, MatchKind, match_guess};
pub use puzzles::{DatasetError, Difficulty, Puzzle, parse_puzzles, puzzles};

/// The multiplier of the base points for a solve on attempt 1, 2, …, 10, in percent.
pub const ATTEMPT_MULTIPLIER_PERCENT: [i64; 10] = [100, 80, 65, 50, 40, 30, 20, 15, 10, 5];

/// The registry entry.
pub const INFO: GameInfo = GameInfo {
    name: "reverse_hangman",
    description: "Reverse Hangman: guess the prompt behind an AI's text; duplicate play, fewer attempts score more",
    seats: "2",
    params: &[
        ParamSpec {
            name: "difficulty",
            kind: ParamKind::Choice(DIFFICULTY_CHOICES),
            default: "mixed",
            description: "puzzle difficulty; mixed cycles easy, medium, hard, expert by round",
        },
        ParamSpec {
            name: "rounds",
            kind: ParamKind::Int { min: 1, max: 20 },
            default: "3",
            description: "puzzles per episode, each played by both seats",
        },
        ParamSpec {
            name: "max_attempts",
            kind: ParamKind::Int { min: 1, max: 10 },
            default: "7",
            description: "guesses per seat per puzzle",
        },
    ],
    build,
};

const DIFFICULTY_CHOICES: &[&str] = &["easy", "medium", "hard", "expert", "mixed"];

fn build(params: Params) -> Result<Arc<dyn AnyGame>, GameError> {
    let state = ReverseHangman::new(
        params.str("difficulty"),
        params.int("rounds"),
        params.int("max_attempts"),
    )?;
    Ok(BuiltGame::new(INFO.name, params, state))
}

/// The points for a puzzle of `difficulty` solved on attempt `solved_on`
/// (1-based), or never solved (`None`).
pub fn puzzle_points(difficulty: Difficulty, solved_on: Option<usize>) -> i64 {
    match solved_on {
        Some(k) if (1..=ATTEMPT_MULTIPLIER_PERCENT.len()).contains(&k) => {
            difficulty.base_points() * ATTEMPT_MULTIPLIER_PERCENT[k - 1] / 100
        }
        _ => 0,
    }
}

/// Which puzzles an episode draws.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DifficultySetting {
    /// Every round draws from this difficulty.
    Only(Difficulty),
    /// Round `r` draws from `Difficulty::ALL[r % 4]`.
    Mixed,
}

impl DifficultySetting {
    /// The difficulty of round `round` (from 0).
    pub fn for_round(self, round: usize) -> Difficulty {
        match self {
            DifficultySetting::Only(d) => d,
            DifficultySetting::Mixed => Difficulty::ALL[round % Difficulty::ALL.len()],
        }
    }
}

/// A Reverse Hangman episode.
#[derive(Clone, PartialEq, Eq)]
pub struct ReverseHangman {
    puzzles: &'static [Puzzle],
    setting: DifficultySetting,
    n_rounds: u8,
    max_attempts: u8,
    /// The rounds drawn so far; the last one may be in progress.
    rounds: Vec<Round>,
}

/// One drawn puzzle and both seats' play of it.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Round {
    /// Index into the dataset.
    puzzle: usize,
    /// Each seat's attempts, by seat.
    attempts: [Vec<Attempt>; 2],
}

#[derive(Clone, Debug, PartialEq, Eq)]
struct Attempt {
    guess: Guess,
    feedback: Feedback,
}

/// What one seat sees.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ReverseHangmanObservation {
    /// The observer.
    pub seat: Seat,
    /// Puzzles in the episode.
    pub rounds: u8,
    /// Guesses per seat per puzzle.
    pub max_attempts: u8,
    /// The difficulty setting of the episode.
    pub difficulty: DifficultySetting,
    /// The seat to move, if a player is to move.
    pub to_move: Option<Seat>,
    /// The puzzle of the round in progress, as this seat may see it.
    pub current: Option<CurrentPuzzle>,
    /// Every finished round, fully revealed.
    pub completed_rounds: Vec<RoundSummary>,
    /// Each seat's points over the completed rounds, by seat.
    pub totals: [i64; 2],
    /// The returns once the game is over.
    pub returns: Option<Vec<i64>>,
}

/// The puzzle in progress, seen by one seat.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct CurrentPuzzle {
    /// The round, from 1.
    pub round: usize,
    /// The puzzle id.
    pub puzzle_id: u16,
    /// Its difficulty.
    pub difficulty: Difficulty,
    /// Its category.
    pub category: String,
    /// The AI's text.
    pub output: String,
    /// The number of words in the secret prompt.
    pub prompt_words: usize,
    /// The seat playing first this round, then the seat playing second.
    pub play_order: [Seat; 2],
    /// Where this seat stands on the puzzle.
    pub status: PuzzleStatus,
    /// This seat's guesses so far, with their feedback.
    pub attempts: Vec<AttemptView>,
    /// Guesses this seat has left.
    pub attempts_left: usize,
    /// This seat's points for the puzzle, once its play is over.
    pub points: Option<i64>,
    /// The secret prompt, once this seat's play is over.
    pub prompt: Option<String>,
}

/// Where one seat stands on the current puzzle.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PuzzleStatus {
    /// The other seat plays this puzzle first.
    Waiting,
    /// This seat is to guess.
    YourTurn,
    /// This seat found the prompt.
    Solved,
    /// This seat used every attempt without an exact match.
    OutOfAttempts,
}

/// One guess and its feedback.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct AttemptView {
    /// The guess as played.
    pub guess: String,
    /// Its feedback.
    #[serde(flatten)]
    pub feedback: Feedback,
}

/// A finished round, fully revealed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RoundSummary {
    /// The round, from 1.
    pub round: usize,
    /// The puzzle id.
    pub puzzle_id: u16,
    /// Its difficulty.
    pub difficulty: Difficulty,
    /// Its category.
    pub category: String,
    /// The prompt.
    pub prompt: String,
    /// The seat that played first, then the seat that played second.
    pub play_order: [Seat; 2],
    /// Each seat's play, by seat.
    pub seats: [SeatResult; 2],
}

/// One seat's play of a finished puzzle.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct SeatResult {
    /// Its guesses with their feedback.
    pub attempts: Vec<AttemptView>,
    /// The attempt (from 1) that solved it, if any.
    pub solved_on: Option<usize>,
    /// The points scored.
    pub points: i64,
}

impl ReverseHangman {
    /// A new episode over the embedded dataset. `difficulty` is one of
    /// `easy`, `medium`, `hard`, `expert`, `mixed`; `rounds` is in 1..=20 and
    /// `max_attempts` in 1..=10.
    pub fn new(difficulty: &str, rounds: i64, max_attempts: i64) -> Result<Self, GameError> {
        let list = puzzles().map_err(|e| GameError::InvalidParams {
            game: INFO.name.to_string(),
            message: format!("the embedded puzzle dataset is broken: {e}"),
        })?;
        Self::with_puzzles(list, difficulty, rounds, max_attempts)
    }

    /// A new episode over a dataset that [`parse_puzzles`] accepted (ids
    /// are positions, which the draws rely on).
    fn with_puzzles(
        puzzles: &'static [Puzzle],
        difficulty: &str,
        rounds: i64,
        max_attempts: i64,
    ) -> Result<Self, GameError> {
        let out_of_range = |param: &str, value: String, range: &str| GameError::OutOfRange {
            game: INFO.name.to_string(),
            param: param.to_string(),
            value,
            range: range.to_string(),
        };
        let setting = match difficulty {
            "mixed" => DifficultySetting::Mixed,
            name => DifficultySetting::Only(Difficulty::from_name(name).ok_or_else(|| {
                out_of_range(
                    "difficulty",
                    format!("{name:?}"),
                    "{easy, medium, hard, expert, mixed}",
                )
            })?),
        };
        if !(1..=20).contains(&rounds) {
            return Err(out_of_range("rounds", rounds.to_string(), "1..=20"));
        }
        if !(1..=10).contains(&max_attempts) {
            return Err(out_of_range(
                "max_attempts",
                max_attempts.to_string(),
                "1..=10",
            ));
        }
        // Every round needs a fresh puzzle of its difficulty.
        for d in Difficulty::ALL {
            let needed = (0..rounds as usize)
                .filter(|&r| setting.for_round(r) == d)
                .count();
            let have = puzzles.iter().filter(|p| p.difficulty == d).count();
            if needed > have {
                return Err(GameError::InvalidParams {
                    game: INFO.name.to_string(),
                    message: format!(
                        "{rounds} rounds need {needed} {} puzzles but the dataset has {have}; \
                         use fewer rounds",
                        d.as_str()
                    ),
                });
            }
        }
        Ok(ReverseHangman {
            puzzles,
            setting,
            n_rounds: rounds as u8,
            max_attempts: max_attempts as u8,
            rounds: Vec::new(),
        })
    }

    /// The dataset this episode draws from.
    pub fn puzzle_list(&self) -> &'static [Puzzle] {
        self.puzzles
    }

    /// The puzzle of the round in progress or just finished, if any.
    pub fn current_puzzle(&self) -> Option<&'static Puzzle> {
        self.rounds.last().map(|r| &self.puzzles[r.puzzle])
    }

    /// Each seat's points over the completed rounds.
    pub fn totals(&self) -> [i64; 2] {
        let mut totals = [0; 2];
        for (i, round) in self.rounds.iter().enumerate() {
            if self.round_complete(i) {
                for (seat, total) in totals.iter_mut().enumerate() {
                    *total += self.points(round, seat);
                }
            }
        }
        totals
    }

    fn first_seat(round: usize) -> Seat {
        round % 2
    }

    fn play_order(round: usize) -> [Seat; 2] {
        let first = Self::first_seat(round);
        [first, 1 - first]
    }

    fn solved_on(&self, round: &Round, seat: Seat) -> Option<usize> {
        let attempts = &round.attempts[seat];
        attempts
            .iter()
            .position(|a| a.feedback.kind == MatchKind::Exact)
            .map(|i| i + 1)
    }

    fn seat_done(&self, round: &Round, seat: Seat) -> bool {
        self.solved_on(round, seat).is_some()
            || round.attempts[seat].len() >= usize::from(self.max_attempts)
    }

    fn round_complete(&self, index: usize) -> bool {
        let round = &self.rounds[index];
        self.seat_done(round, 0) && self.seat_done(round, 1)
    }

    fn points(&self, round: &Round, seat: Seat) -> i64 {
        let difficulty = self.puzzles[round.puzzle].difficulty;
        puzzle_points(difficulty, self.solved_on(round, seat))
    }

    /// The seat to guess in the round in progress, if any.
    fn active_seat(&self) -> Option<Seat> {
        let index = self.rounds.len().checked_sub(1)?;
        let round = &self.rounds[index];
        Self::play_order(index)
            .into_iter()
            .find(|&s| !self.seat_done(round, s))
    }

    fn is_over(&self) -> bool {
        self.rounds.len() == usize::from(self.n_rounds) && self.active_seat().is_none()
    }

    /// The difficulty of the next draw.
    fn next_difficulty(&self) -> Difficulty {
        self.setting.for_round(self.rounds.len())
    }

    /// Why drawing puzzle `id` now is not legal, or `None` if it is.
    fn draw_problem(&self, id: u16) -> Option<String> {
        let wanted = self.next_difficulty();
        let Some(p) = usize::from(id)
            .checked_sub(1)
            .and_then(|i| self.puzzles.get(i))
        else {
            return Some(format!(
                "there is no puzzle {id}; puzzles are numbered 1-{}",
                self.puzzles.len()
            ));
        };
        if p.difficulty != wanted {
            return Some(format!(
                "puzzle {id} is {}, but round {} draws a {} puzzle",
                p.difficulty.as_str(),
                self.rounds.len() + 1,
                wanted.as_str()
            ));
        }
        if self.rounds.iter().any(|r| r.puzzle + 1 == usize::from(id)) {
            return Some(format!("puzzle {id} was already drawn in this episode"));
        }
        None
    }

    fn attempt_views(round: &Round, seat: Seat) -> Vec<AttemptView> {
        round.attempts[seat]
            .iter()
            .map(|a| AttemptView {
                guess: a.guess.as_str().to_string(),
                feedback: a.feedback.clone(),
            })
            .collect()
    }

    fn summary(&self, index: usize) -> RoundSummary {
        let round = &self.rounds[index];
        let p = &self.puzzles[round.puzzle];
        let seat_result = |seat| SeatResult {
            attempts: Self::attempt_views(round, seat),
            solved_on: self.solved_on(round, seat),
            points: self.points(round, seat),
        };
        RoundSummary {
            round: index + 1,
            puzzle_id: p.id,
            difficulty: p.difficulty,
            category: p.category.clone(),
            prompt: p.prompt.clone(),
            play_order: Self::play_order(index),
            seats: [seat_result(0), seat_result(1)],
        }
    }

    fn current_view(&self, seat: Seat) -> Option<CurrentPuzzle> {
        let index = self.rounds.len().checked_sub(1)?;
        // A seat number past the table is a spectator: it may see completed
        // rounds, never a round in progress.
        if seat > 1 || self.round_complete(index) {
            return None;
        }
        let round = &self.rounds[index];
        let p = &self.puzzles[round.puzzle];
        let done = self.seat_done(round, seat);
        let status = if self.solved_on(round, seat).is_some() {
            PuzzleStatus::Solved
        } else if done {
            PuzzleStatus::OutOfAttempts
        } else if self.active_seat() == Some(seat) {
            PuzzleStatus::YourTurn
        } else {
            PuzzleStatus::Waiting
        };
        Some(CurrentPuzzle {
            round: index + 1,
            puzzle_id: p.id,
            difficulty: p.difficulty,
            category: p.category.clone(),
            output: p.output.clone(),
            prompt_words: p.prompt.split_whitespace().count(),
            play_order: Self::play_order(index),
            status,
            attempts: Self::attempt_views(round, seat),
            attempts_left: usize::from(self.max_attempts) - round.attempts[seat].len(),
            points: done.then(|| self.points(round, seat)),
            prompt: done.then(|| p.prompt.clone()),
        })
    }

    fn settings_line(&self) -> String {
        let difficulty = match self.setting {
            DifficultySetting::Only(d) => d.as_str().to_string(),
            DifficultySetting::Mixed => "mixed (easy, medium, hard, expert by round)".to_string(),
        };
        format!(
            "{} rounds, {} attempts per puzzle, difficulty {difficulty}",
            self.n_rounds, self.max_attempts
        )
    }
}

/// The scoring rules in one line, for observations.
fn scoring_line(max_attempts: u8) -> String {
    let multipliers: Vec<String> = ATTEMPT_MULTIPLIER_PERCENT[..usize::from(max_attempts)]
        .iter()
        .map(|m| format!("{m}%"))
        .collect();
    format!(
        "Scoring: easy 100, medium 200, hard 300, expert 500 points, times {} for a solve on \
         attempt 1, 2, ...; 0 if unsolved. Exact match (solved) at 90% or more, near 70%, \
         partial 30%.",
        multipliers.join(", ")
    )
}

fn write_attempts(out: &mut String, attempts: &[AttemptView], indent: &str) {
    for (i, a) in attempts.iter().enumerate() {
        let matched = if a.feedback.matched_words.is_empty() {
            "none".to_string()
        } else {
            a.feedback.matched_words.join(", ")
        };
        let _ = writeln!(
            out,
            "{indent}{}. {:?} -> {}% {}; matched words: {matched}",
            i + 1,
            a.guess,
            a.feedback.percent,
            a.feedback.kind.as_str()
        );
    }
}

fn write_summary(out: &mut String, s: &RoundSummary, seat: Option<Seat>) {
    let _ = writeln!(
        out,
        "Round {}: puzzle {} ({}, {}), prompt {:?}",
        s.round,
        s.puzzle_id,
        s.difficulty.as_str(),
        s.category,
        s.prompt
    );
    for who in s.play_order {
        let r = &s.seats[who];
        let name = match seat {
            Some(me) if me == who => "you".to_string(),
            Some(_) => "opponent".to_string(),
            None => format!("seat {who}"),
        };
        let result = match r.solved_on {
            Some(k) => format!("solved on attempt {k}"),
            None => "did not solve it".to_string(),
        };
        let _ = writeln!(out, "  {name} ({result}, {} points):", r.points);
        write_attempts(out, &r.attempts, "    ");
    }
}

impl fmt::Debug for ReverseHangman {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The dataset is shared and large; show its size, not its text.
        f.debug_struct("ReverseHangman")
            .field("puzzles", &self.puzzles.len())
            .field("setting", &self.setting)
            .field("n_rounds", &self.n_rounds)
            .field("max_attempts", &self.max_attempts)
            .field("rounds", &self.rounds)
            .finish()
    }
}

impl Engine for ReverseHangman {
    type Action = HangmanAction;
    type Observation = ReverseHangmanObservation;

    fn n_seats(&self) -> usize {
        2
    }

    fn turn(&self) -> Turn {
        if self.is_over() {
            Turn::Terminal
        } else if let Some(seat) = self.active_seat() {
            Turn::Seat(seat)
        } else {
            Turn::Chance
        }
    }

    /// At a chance node: the undrawn puzzles of the next round's difficulty,
    /// by ascending id. At a player turn: nothing, since guesses are free
    /// text (see [`Engine::is_legal`]).
    fn legal_actions_into(&self, out: &mut Vec<HangmanAction>) {
        if self.turn() != Turn::Chance {
            return;
        }
        for p in self.puzzles {
            if self.draw_problem(p.id).is_none() {
                out.push(HangmanAction::Draw(p.id));
            }
        }
    }

    /// The round about to be drawn, counted from 0.
    fn chance_key(&self) -> Option<u64> {
        Some(self.rounds.len() as u64)
    }

    fn is_legal(&self, action: HangmanAction) -> bool {
        match (self.turn(), action) {
            (Turn::Chance, HangmanAction::Draw(id)) => self.draw_problem(id).is_none(),
            // Every `Guess` is well formed by construction.
            (Turn::Seat(_), HangmanAction::Guess(_)) => true,
            _ => false,
        }
    }

    fn illegal_reason(&self, action: HangmanAction) -> String {
        match (self.turn(), action) {
            (Turn::Terminal, _) => "the game is over".to_string(),
            (Turn::Chance, HangmanAction::Draw(id)) => self
                .draw_problem(id)
                .unwrap_or_else(|| "the draw is legal".to_string()),
            (Turn::Chance, HangmanAction::Guess(_)) => format!(
                "no guesses now: round {} needs a puzzle draw first (chance's move: {})",
                self.rounds.len() + 1,
                self.legal_summary()
            ),
            (Turn::Seat(s), HangmanAction::Draw(_)) => {
                format!("seat {s} is to guess the prompt; puzzle draws are chance's moves")
            }
            (Turn::Seat(_), HangmanAction::Guess(_)) => "the guess is legal".to_string(),
        }
    }

    fn apply_legal(&mut self, action: HangmanAction) {
        match action {
            HangmanAction::Draw(id) => self.rounds.push(Round {
                puzzle: usize::from(id) - 1,
                attempts: [Vec::new(), Vec::new()],
            }),
            HangmanAction::Guess(guess) => {
                let Some(seat) = self.active_seat() else {
                    return;
                };
                let Some(round) = self.rounds.last_mut() else {
                    return;
                };
                let feedback = match_guess(guess.as_str(), &self.puzzles[round.puzzle].prompt);
                round.attempts[seat].push(Attempt { guess, feedback });
            }
        }
    }

    fn returns(&self) -> Vec<i64> {
        if !self.is_over() {
            return vec![0, 0];
        }
        let [a, b] = self.totals();
        match a.cmp(&b) {
            std::cmp::Ordering::Greater => vec![1, -1],
            std::cmp::Ordering::Less => vec![-1, 1],
            std::cmp::Ordering::Equal => vec![0, 0],
        }
    }

    fn observe(&self, seat: Seat) -> ReverseHangmanObservation {
        let completed = (0..self.rounds.len())
            .filter(|&i| self.round_complete(i))
            .map(|i| self.summary(i))
            .collect();
        ReverseHangmanObservation {
            seat,
            rounds: self.n_rounds,
            max_attempts: self.max_attempts,
            difficulty: self.setting,
            to_move: self.active_seat(),
            current: self.current_view(seat),
            completed_rounds: completed,
            totals: self.totals(),
            returns: self.is_over().then(|| self.returns()),
        }
    }

    fn observation_text(&self, seat: Seat) -> String {
        let obs = self.observe(seat);
        let other = 1 - seat.min(1);
        let mut out = String::new();
        let _ = writeln!(
            out,
            "Reverse Hangman: guess the prompt that made an AI write the text below. You are \
             seat {seat}. {}.",
            self.settings_line()
        );
        let _ = writeln!(out, "{}", scoring_line(self.max_attempts));
        if let Some(c) = &obs.current {
            let position = if c.play_order[0] == seat {
                "first"
            } else {
                "second"
            };
            let _ = writeln!(
                out,
                "\nRound {} of {} (you play this puzzle {position}). Puzzle {}: difficulty {}, \
                 category {}. The prompt has {} words.",
                c.round,
                obs.rounds,
                c.puzzle_id,
                c.difficulty.as_str(),
                c.category,
                c.prompt_words
            );
            let _ = writeln!(out, "AI output:\n\"\"\"\n{}\n\"\"\"", c.output);
            if c.attempts.is_empty() {
                let _ = writeln!(out, "Your guesses: none yet.");
            } else {
                let _ = writeln!(out, "Your guesses:");
                write_attempts(&mut out, &c.attempts, "  ");
            }
            let _ = writeln!(
                out,
                "Attempts used {} of {}, {} left.",
                c.attempts.len(),
                obs.max_attempts,
                c.attempts_left
            );
            let status = match c.status {
                PuzzleStatus::Waiting => {
                    "Waiting: your opponent plays this puzzle first.".to_string()
                }
                PuzzleStatus::YourTurn => format!(
                    "Your turn: reply with your guess of the prompt (1-{MAX_GUESS_CHARS} \
                     characters: letters, digits, spaces and basic punctuation)."
                ),
                PuzzleStatus::Solved => format!(
                    "You solved it for {} points. The prompt was {:?}. Waiting for your \
                     opponent.",
                    c.points.unwrap_or(0),
                    c.prompt.as_deref().unwrap_or("")
                ),
                PuzzleStatus::OutOfAttempts => format!(
                    "Out of attempts, 0 points. The prompt was {:?}. Waiting for your opponent.",
                    c.prompt.as_deref().unwrap_or("")
                ),
            };
            let _ = writeln!(out, "{status}");
        }
        if !obs.completed_rounds.is_empty() {
            let _ = writeln!(out, "\nCompleted rounds:");
            for s in &obs.completed_rounds {
                write_summary(&mut out, s, Some(seat));
            }
        }
        let _ = writeln!(
            out,
            "\nTotals of completed rounds: you {}, opponent {}.",
            obs.totals[seat.min(1)],
            obs.totals[other]
        );
        if let Some(returns) = &obs.returns {
            let verdict = match returns[seat.min(1)] {
                1 => "You win.",
                -1 => "You lose.",
                _ => "A draw.",
            };
            let _ = writeln!(out, "Game over. {verdict}");
        } else if obs.current.is_none() {
            let _ = writeln!(out, "Waiting for the next puzzle to be drawn.");
        }
        out
    }

    fn render(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(out, "Reverse Hangman: {}.", self.settings_line());
        for i in 0..self.rounds.len() {
            write_summary(&mut out, &self.summary(i), None);
        }
        let [a, b] = self.totals();
        let _ = write!(out, "Totals of completed rounds: seat 0 {a}, seat 1 {b}. ");
        let _ = match self.turn() {
            Turn::Terminal => {
                let r = self.returns();
                writeln!(out, "Game over, returns {} / {}.", r[0], r[1])
            }
            Turn::Chance => writeln!(
                out,
                "Chance draws a {} puzzle for round {}.",
                self.next_difficulty().as_str(),
                self.rounds.len() + 1
            ),
            Turn::Seat(s) => writeln!(out, "Seat {s} to guess."),
        };
        out
    }

    fn action_text(&self, action: HangmanAction) -> String {
        match action {
            HangmanAction::Draw(id) => format!("puzzle {id}"),
            HangmanAction::Guess(g) => g.as_str().to_string(),
        }
    }

    /// At a chance node reads `puzzle <id>` (or a bare id); otherwise reads a
    /// guess, canonicalizing whitespace.
    fn parse_action(&self, text: &str) -> Result<HangmanAction, ParseActionError> {
        if self.turn() == Turn::Chance {
            let mut parts = text.split_whitespace();
            let id_text = match (parts.next(), parts.next(), parts.next()) {
                (Some(word), Some(id), None) if word.eq_ignore_ascii_case("puzzle") => id,
                (Some(id), None, None) => id,
                _ => "",
            };
            return id_text
                .parse::<u16>()
                .map(HangmanAction::Draw)
                .map_err(|_| ParseActionError::new(text, "a puzzle draw, `puzzle <id>`"));
        }
        Guess::new(text)
            .map(HangmanAction::Guess)
            .map_err(|e| ParseActionError::new(text, format!("{e}; expected {}", guess_summary())))
    }

    fn legal_summary(&self) -> String {
        match self.turn() {
            Turn::Seat(_) => guess_summary(),
            Turn::Terminal => "none, the game is over".to_string(),
            Turn::Chance => self.legal_texts().join(", "),
        }
    }

    fn move_constraint(&self) -> MoveConstraint {
        match self.turn() {
            Turn::Seat(_) => MoveConstraint::free_text(GUESS_SHAPE),
            _ => MoveConstraint::choices(self.legal_texts()),
        }
    }
}

fn guess_summary() -> String {
    format!(
        "any prompt guess of 1-{MAX_GUESS_CHARS} characters: letters, digits, spaces and basic \
         punctuation (, . ; : ! ? ' \" ( ) / & % + -), starting with a letter, digit, quote or \
         parenthesis"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scoring_table() {
        use Difficulty::*;
        assert_eq!(puzzle_points(Easy, Some(1)), 100);
        assert_eq!(puzzle_points(Medium, Some(1)), 200);
        assert_eq!(puzzle_points(Hard, Some(1)), 300);
        assert_eq!(puzzle_points(Expert, Some(1)), 500);
        assert_eq!(puzzle_points(Easy, Some(2)), 80);
        assert_eq!(puzzle_points(Hard, Some(3)), 195);
        assert_eq!(puzzle_points(Expert, Some(7)), 100);
        assert_eq!(puzzle_points(Medium, Some(10)), 10);
        assert_eq!(puzzle_points(Expert, None), 0);
        assert_eq!(puzzle_points(Expert, Some(11)), 0);
        assert_eq!(puzzle_points(Expert, Some(0)), 0);
        // Multipliers fall strictly and every product is whole.
        assert!(ATTEMPT_MULTIPLIER_PERCENT.windows(2).all(|w| w[0] > w[1]));
        for d in Difficulty::ALL {
            for m in ATTEMPT_MULTIPLIER_PERCENT {
                assert_eq!(d.base_points() * m % 100, 0);
            }
        }
    }

    #[test]
    fn mixed_cycles_difficulties_by_round() {
        let s = DifficultySetting::Mixed;
        let seq: Vec<_> = (0..6).map(|r| s.for_round(r)).collect();
        use Difficulty::*;
        assert_eq!(seq, vec![Easy, Medium, Hard, Expert, Easy, Medium]);
        assert_eq!(DifficultySetting::Only(Hard).for_round(5), Hard);
    }
}
