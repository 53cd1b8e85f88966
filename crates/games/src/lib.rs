//! Deterministic, replayable game engines for the LLM arena.
//!
//! Every game implements [`Engine`]: whose [`Turn`] it is, the legal actions in
//! a stable order, a transition, per-seat observations, a canonical notation
//! and a [`MoveConstraint`] for constrained decoding. [`Playthrough`] wraps an
//! engine state, checks legality and records the history. Chance (card deals,
//! puzzle draws) is a turn like any other: the caller picks the outcome — this
//! crate owns no RNG — so a recorded history replays exactly without a seed.
//!
//! The [`registry`] lists every game with its parameters; [`build`] makes one
//! from a name and parameter values, behind the text-level [`AnyGame`] /
//! [`AnyState`] traits that the runner and the agents use.
//!
//! ```
//! use std::collections::BTreeMap;
//! use arena_games::{build, ParamValue, Turn};
//!
//! let mut params = BTreeMap::new();
//! params.insert("columns".to_string(), ParamValue::Int(7));
//! let game = build("connect_four", &params).unwrap();
//! let mut state = game.new_initial_state();
//! assert_eq!(state.turn(), Turn::Seat(0));
//! state.apply_text("4").unwrap();
//! assert!(state.apply_text("9").is_err()); // no ninth column; state unchanged
//! assert_eq!(state.history_len(), 1);
//! ```

#![warn(missing_docs)]

mod any;
mod constraint;
mod engine;
mod error;
mod params;
mod registry;

pub mod games;

pub use any::{AnyGame, AnyState, BuiltGame, Outcome};
pub use constraint::{FreeText, MoveConstraint, gbnf_literal, regex_escape};
pub use engine::{Actor, Engine, Playthrough, Seat, Step, Turn, win_loss_returns};
pub use error::{GameError, IllegalAction, ParseActionError};
pub use params::{ParamKind, ParamSpec, ParamValue, Params};
pub use registry::{GameInfo, build, find, registry};
