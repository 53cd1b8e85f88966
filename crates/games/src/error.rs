//! Error types of the games crate. None of them is ever a panic: bad
//! parameters, unknown games and illegal moves are all expected input.

use std::fmt::Debug;

use thiserror::Error;

/// An action that is not legal in the current state. The state is unchanged.
#[derive(Clone, Debug, PartialEq, Eq, Error)]
#[error("illegal action {action:?}: {reason}")]
pub struct IllegalAction<A: Debug> {
    /// The rejected action.
    pub action: A,
    /// Why it is not legal, with the legal alternatives where short.
    pub reason: String,
}

/// Text that does not name any action of the game.
#[derive(Clone, Debug, PartialEq, Eq, Error)]
#[error("cannot read {text:?} as a move: {reason}")]
pub struct ParseActionError {
    /// The text as given.
    pub text: String,
    /// What was expected.
    pub reason: String,
}

impl ParseActionError {
    /// Builds the error for `text` with a reason.
    pub fn new(text: &str, reason: impl Into<String>) -> Self {
        ParseActionError {
            text: text.to_string(),
            reason: reason.into(),
        }
    }
}

/// Everything that can go wrong when building a game or playing it through
/// the text-level API ([`crate::AnyState`]).
#[derive(Clone, Debug, PartialEq, Error)]
#[non_exhaustive]
pub enum GameError {
    /// No game of this name is registered.
    #[error("unknown game {name:?}; known games: {}", known.join(", "))]
    UnknownGame {
        /// The name as given.
        name: String,
        /// Every registered game name.
        known: Vec<String>,
    },
    /// The game has no parameter of this name.
    #[error("game {game:?} has no parameter {param:?}; its parameters: {}", known.join(", "))]
    UnknownParam {
        /// The game.
        game: String,
        /// The parameter as given.
        param: String,
        /// Its parameters.
        known: Vec<String>,
    },
    /// A parameter value of the wrong type.
    #[error("parameter {param:?} of game {game:?} must be {expected}, got {got}")]
    WrongType {
        /// The game.
        game: String,
        /// The parameter.
        param: String,
        /// The expected type, in words.
        expected: String,
        /// The value given.
        got: String,
    },
    /// A parameter outside its valid range.
    #[error("parameter {param:?} of game {game:?} is {value}, but must be in {range}")]
    OutOfRange {
        /// The game.
        game: String,
        /// The parameter.
        param: String,
        /// The value given.
        value: String,
        /// The valid range, in words ("2..=10").
        range: String,
    },
    /// Parameters that are each valid but do not fit together
    /// (a big blind below the small blind, k larger than the board).
    #[error("invalid parameters for game {game:?}: {message}")]
    InvalidParams {
        /// The game.
        game: String,
        /// What is wrong and how to fix it.
        message: String,
    },
    /// Text that names no action of the game.
    #[error(transparent)]
    Unparsable(#[from] ParseActionError),
    /// An action that is not legal now; the state is unchanged.
    #[error("illegal action {action:?}: {reason}")]
    Illegal {
        /// The action's canonical text (or the text as given).
        action: String,
        /// Why it is not legal.
        reason: String,
    },
}
