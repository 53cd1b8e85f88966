//! The text-level, object-safe face of every game: what the runner and the
//! agents use. Actions cross this boundary in their canonical notation.

use std::fmt::Debug;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::constraint::MoveConstraint;
use crate::engine::{Actor, Engine, Playthrough, Seat, Turn};
use crate::error::GameError;
use crate::params::Params;

/// How a seat's game ended, derived from the returns: every seat with the
/// highest return wins (several in a split), the rest lose, and when all
/// returns are equal everyone draws.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// Highest return.
    Win,
    /// Lower than the highest return.
    Loss,
    /// All returns equal.
    Draw,
}

impl Outcome {
    /// The outcome of each seat for the given returns.
    pub fn from_returns(returns: &[i64]) -> Vec<Outcome> {
        let Some(&best) = returns.iter().max() else {
            return Vec::new();
        };
        let all_equal = returns.iter().all(|&r| r == best);
        returns
            .iter()
            .map(|&r| {
                if all_equal {
                    Outcome::Draw
                } else if r == best {
                    Outcome::Win
                } else {
                    Outcome::Loss
                }
            })
            .collect()
    }

    /// The lower-case word for this outcome.
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Win => "win",
            Outcome::Loss => "loss",
            Outcome::Draw => "draw",
        }
    }
}

/// A built game: its name, resolved parameters, and a factory of states.
pub trait AnyGame: Debug + Send + Sync {
    /// The registry name.
    fn name(&self) -> &'static str;
    /// The resolved parameters it was built with.
    fn params(&self) -> &Params;
    /// The number of seats.
    fn n_seats(&self) -> usize;
    /// A fresh state at the start of the game.
    fn new_initial_state(&self) -> Box<dyn AnyState>;
}

/// A game in progress, seen through canonical action strings.
pub trait AnyState: Debug + Send + Sync {
    /// The number of seats.
    fn n_seats(&self) -> usize;
    /// Whose turn it is.
    fn turn(&self) -> Turn;
    /// Whether the game is over.
    fn is_terminal(&self) -> bool {
        self.turn() == Turn::Terminal
    }
    /// The legal actions (or equally likely chance outcomes), canonical text,
    /// in the game's documented order.
    fn legal_actions(&self) -> Vec<String>;
    /// A short summary of the legal moves, for prompts and error messages.
    fn legal_summary(&self) -> String;
    /// At a chance node, the game's stable key for it
    /// ([`Engine::chance_key`]): equal for the same deal slot however the
    /// players played. `None` at other nodes and for games without keys.
    fn chance_key(&self) -> Option<u64>;
    /// Reads `text` as a move now and returns its canonical form, checking
    /// that it is legal.
    fn parse_legal(&self, text: &str) -> Result<String, GameError>;
    /// Parses and applies `text` for whoever is to move. On error the state
    /// is unchanged.
    fn apply_text(&mut self, text: &str) -> Result<(), GameError>;
    /// Every step so far, chance outcomes included, in canonical text.
    fn history(&self) -> Vec<(Actor, String)>;
    /// The number of steps so far.
    fn history_len(&self) -> usize;
    /// Per-seat returns (meaningful once terminal).
    fn returns(&self) -> Vec<i64>;
    /// Per-seat outcomes derived from the returns.
    fn outcomes(&self) -> Vec<Outcome> {
        Outcome::from_returns(&self.returns())
    }
    /// The plain-text observation of `seat`.
    fn observation_text(&self, seat: Seat) -> String;
    /// The structured observation of `seat`.
    fn observation_json(&self, seat: Seat) -> serde_json::Value;
    /// The omniscient rendering of the whole state.
    fn render(&self) -> String;
    /// The move constraint for the player to act.
    fn move_constraint(&self) -> MoveConstraint;
    /// A boxed copy.
    fn clone_box(&self) -> Box<dyn AnyState>;
    /// The concrete state, for code that knows the game (scripted players
    /// that search): downcast to `Playthrough<E>`.
    fn as_any(&self) -> &dyn std::any::Any;
}

impl Clone for Box<dyn AnyState> {
    fn clone(&self) -> Self {
        self.clone_box()
    }
}

impl<E: Engine> Playthrough<E> {
    fn parse_checked(&self, text: &str) -> Result<E::Action, GameError> {
        let state = self.state();
        let action = state.parse_action(text)?;
        if self.turn() == Turn::Terminal {
            return Err(GameError::Illegal {
                action: text.to_string(),
                reason: "the game is over".to_string(),
            });
        }
        if !state.is_legal(action) {
            return Err(GameError::Illegal {
                action: text.to_string(),
                reason: state.illegal_reason(action),
            });
        }
        Ok(action)
    }
}

impl<E: Engine> AnyState for Playthrough<E> {
    fn n_seats(&self) -> usize {
        self.state().n_seats()
    }

    fn turn(&self) -> Turn {
        Playthrough::turn(self)
    }

    fn legal_actions(&self) -> Vec<String> {
        let state = self.state();
        Playthrough::legal_actions(self)
            .into_iter()
            .map(|a| state.action_text(a))
            .collect()
    }

    fn legal_summary(&self) -> String {
        self.state().legal_summary()
    }

    fn chance_key(&self) -> Option<u64> {
        match self.turn() {
            Turn::Chance => self.state().chance_key(),
            _ => None,
        }
    }

    fn parse_legal(&self, text: &str) -> Result<String, GameError> {
        let action = self.parse_checked(text)?;
        Ok(self.state().action_text(action))
    }

    fn apply_text(&mut self, text: &str) -> Result<(), GameError> {
        let action = self.parse_checked(text)?;
        let canonical = self.state().action_text(action);
        self.apply(action).map_err(|e| GameError::Illegal {
            action: canonical,
            reason: e.reason,
        })
    }

    fn history(&self) -> Vec<(Actor, String)> {
        // Each step is printed against the state it was applied to, since
        // notation may depend on the position.
        let mut state = self.initial_state().clone();
        let mut out = Vec::with_capacity(Playthrough::history(self).len());
        for step in Playthrough::history(self) {
            out.push((step.actor, state.action_text(step.action)));
            state.apply_legal(step.action);
        }
        out
    }

    fn history_len(&self) -> usize {
        Playthrough::history(self).len()
    }

    fn returns(&self) -> Vec<i64> {
        self.state().returns()
    }

    fn observation_text(&self, seat: Seat) -> String {
        self.state().observation_text(seat)
    }

    fn observation_json(&self, seat: Seat) -> serde_json::Value {
        serde_json::to_value(self.state().observe(seat)).unwrap_or(serde_json::Value::Null)
    }

    fn render(&self) -> String {
        self.state().render()
    }

    fn move_constraint(&self) -> MoveConstraint {
        self.state().move_constraint()
    }

    fn clone_box(&self) -> Box<dyn AnyState> {
        Box::new(self.clone())
    }

    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
}

/// A game built from an engine's initial state: every new state is a clone
/// of it, so building is done (and validated) once.
#[derive(Debug)]
pub struct BuiltGame<E: Engine> {
    name: &'static str,
    params: Params,
    initial: E,
}

impl<E: Engine> BuiltGame<E> {
    /// Wraps an initial state as a buildable game, behind the object-safe
    /// face the registry hands out.
    #[allow(clippy::new_ret_no_self)]
    pub fn new(name: &'static str, params: Params, initial: E) -> Arc<dyn AnyGame> {
        Arc::new(BuiltGame {
            name,
            params,
            initial,
        })
    }
}

impl<E: Engine> AnyGame for BuiltGame<E> {
    fn name(&self) -> &'static str {
        self.name
    }

    fn params(&self) -> &Params {
        &self.params
    }

    fn n_seats(&self) -> usize {
        self.initial.n_seats()
    }

    fn new_initial_state(&self) -> Box<dyn AnyState> {
        Box::new(Playthrough::new(self.initial.clone()))
    }
}
