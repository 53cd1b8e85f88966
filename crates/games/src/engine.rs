//! The typed game API: the [`Engine`] trait each game implements, and the
//! [`Playthrough`] wrapper that applies actions, checks legality and keeps the
//! history, so that no game can forget to record a move.

use std::fmt::Debug;
use std::hash::Hash;

use serde::{Deserialize, Serialize};

use crate::constraint::MoveConstraint;
use crate::error::{IllegalAction, ParseActionError};

/// A seat at the table, numbered from 0.
pub type Seat = usize;

/// Whose turn it is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Turn {
    /// The player in this seat must act.
    Seat(Seat),
    /// A chance outcome (a card, a puzzle draw) must be applied. The caller
    /// picks it — every outcome listed by [`Engine::legal_actions_into`] is equally
    /// likely — and applies it like any other action.
    Chance,
    /// The game is over; [`Engine::returns`] holds the result.
    Terminal,
}

impl Turn {
    /// The seat to move, if a player is to move.
    pub fn seat(self) -> Option<Seat> {
        match self {
            Turn::Seat(s) => Some(s),
            _ => None,
        }
    }
}

/// Returns of a two-player win/loss/draw game: +1 for the winner, -1 for
/// the loser, 0 each without a winner.
pub fn win_loss_returns(winner: Option<Seat>) -> Vec<i64> {
    match winner {
        Some(0) => vec![1, -1],
        Some(_) => vec![-1, 1],
        None => vec![0, 0],
    }
}

/// Who made a recorded action.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Actor {
    /// A player.
    Seat(Seat),
    /// Chance.
    Chance,
}

impl std::fmt::Display for Actor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Actor::Seat(s) => write!(f, "seat {s}"),
            Actor::Chance => f.write_str("chance"),
        }
    }
}

/// The state machine of one game. Each game implements this; callers use it
/// through [`Playthrough`], which checks legality and records the history.
///
/// Rules every implementation keeps:
/// - `legal_actions` lists actions in a stable, documented order, for the
///   player to move or, at a chance node, the equally likely chance outcomes;
///   it lists nothing when the state is terminal.
/// - `apply_legal` is only called with an action that `is_legal` accepts.
/// - `observation_text`/`observe` for a seat show only what that seat may know.
/// - `action_text` and `parse_action` are inverse for every legal action.
pub trait Engine: Clone + Debug + Send + Sync + 'static {
    /// One move of this game (player action or chance outcome).
    type Action: Copy + Eq + Hash + Debug + Send + Sync + 'static;
    /// The structured per-seat observation.
    type Observation: Serialize;

    /// The number of seats.
    fn n_seats(&self) -> usize;

    /// Whose turn it is.
    fn turn(&self) -> Turn;

    /// Appends the legal actions (or chance outcomes) to `out`, in the
    /// game's documented order. `out` is not cleared first.
    fn legal_actions_into(&self, out: &mut Vec<Self::Action>);

    /// Whether `action` is legal now. The default looks the action up in the
    /// legal list; fast games override it.
    fn is_legal(&self, action: Self::Action) -> bool {
        let mut legal = Vec::new();
        self.legal_actions_into(&mut legal);
        legal.contains(&action)
    }

    /// Why `action` is not legal now, in words a model can act on
    /// (e.g. "column 8 does not exist; legal columns: 1-7").
    fn illegal_reason(&self, action: Self::Action) -> String {
        let _ = action;
        match self.turn() {
            Turn::Terminal => "the game is over".to_string(),
            _ => format!("not a legal move; legal moves: {}", self.legal_summary()),
        }
    }

    /// Applies a legal action. Only [`Playthrough::apply`] calls this, after
    /// checking legality.
    fn apply_legal(&mut self, action: Self::Action);

    /// The result for each seat once the game is terminal (zeros before).
    /// Integers: chips for poker, points or +1/0/-1 for the others.
    fn returns(&self) -> Vec<i64>;

    /// The structured observation of `seat`.
    fn observe(&self, seat: Seat) -> Self::Observation;

    /// The plain-text observation of `seat`: what an LLM in that seat is shown.
    fn observation_text(&self, seat: Seat) -> String;

    /// An omniscient rendering of the whole state, for logs and replays.
    fn render(&self) -> String;

    /// The canonical text form of an action.
    fn action_text(&self, action: Self::Action) -> String;

    /// Parses text into an action against this state. Accepts at least the
    /// canonical form; the result still has to be legal.
    fn parse_action(&self, text: &str) -> Result<Self::Action, ParseActionError>;

    /// A key for the chance node this state is at that does not depend on
    /// the players' actions: the same deal slot (say, the third card of hand
    /// 2) has the same key in every playthrough of the game, however the
    /// players got there, and no two chance nodes of one playthrough share a
    /// key. A caller that draws chance outcomes from a seed keyed by it gives
    /// mirrored (duplicate) games the same cards even where play differs, as
    /// long as the outcomes listed at equal keys are equal — which a game
    /// returning keys promises too, for states reached with the same
    /// outcomes at the earlier keys. `None` (the default): no such key; the
    /// caller numbers chance nodes in order. Asked only at chance nodes.
    fn chance_key(&self) -> Option<u64> {
        None
    }

    /// How many steps a typical game takes, so the history can be allocated
    /// once. Only a hint; 0 means unknown.
    fn history_capacity_hint(&self) -> usize {
        0
    }

    /// The legal actions (or chance outcomes) in canonical text, in order.
    fn legal_texts(&self) -> Vec<String> {
        let mut legal = Vec::new();
        self.legal_actions_into(&mut legal);
        legal.iter().map(|&a| self.action_text(a)).collect()
    }

    /// A short human-readable summary of the legal moves
    /// ("1, 2, 3, 5, 7" or "fold, call 2, raise 4..200").
    fn legal_summary(&self) -> String {
        self.legal_texts().join(", ")
    }

    /// The move constraint for the player to act: by default the exact list
    /// of legal action strings. Games with free-text actions override it.
    fn move_constraint(&self) -> MoveConstraint {
        MoveConstraint::choices(self.legal_texts())
    }
}

/// One recorded step of a game.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Step<A> {
    /// Who acted.
    pub actor: Actor,
    /// What was applied.
    pub action: A,
}

/// A game in progress: an engine state plus its full history. The only way
/// to change the state is [`Playthrough::apply`], which checks legality and
/// records the step.
#[derive(Clone, Debug)]
pub struct Playthrough<E: Engine> {
    initial: E,
    state: E,
    history: Vec<Step<E::Action>>,
}

impl<E: Engine> Playthrough<E> {
    /// Starts a playthrough from an initial state.
    pub fn new(initial: E) -> Self {
        Playthrough {
            state: initial.clone(),
            initial,
            history: Vec::new(),
        }
    }

    /// The current engine state, read-only.
    pub fn state(&self) -> &E {
        &self.state
    }

    /// The state the game started from.
    pub fn initial_state(&self) -> &E {
        &self.initial
    }

    /// Every step so far, chance outcomes included, in play order.
    pub fn history(&self) -> &[Step<E::Action>] {
        &self.history
    }

    /// Whose turn it is.
    pub fn turn(&self) -> Turn {
        self.state.turn()
    }

    /// Whether the game is over.
    pub fn is_terminal(&self) -> bool {
        self.state.turn() == Turn::Terminal
    }

    /// The legal actions (or chance outcomes) now, in the game's order.
    pub fn legal_actions(&self) -> Vec<E::Action> {
        let mut out = Vec::new();
        self.state.legal_actions_into(&mut out);
        out
    }

    /// Applies `action` for whoever is to move. An illegal action returns an
    /// error carrying it and leaves the state unchanged.
    pub fn apply(&mut self, action: E::Action) -> Result<(), IllegalAction<E::Action>> {
        let actor = match self.state.turn() {
            Turn::Seat(s) => Actor::Seat(s),
            Turn::Chance => Actor::Chance,
            Turn::Terminal => {
                return Err(IllegalAction {
                    action,
                    reason: "the game is over".to_string(),
                });
            }
        };
        if !self.state.is_legal(action) {
            let reason = self.state.illegal_reason(action);
            return Err(IllegalAction { action, reason });
        }
        self.state.apply_legal(action);
        self.history.push(Step { actor, action });
        Ok(())
    }

    /// Rebuilds a playthrough by re-applying a recorded history from an
    /// initial state. Stops at the first action that does not apply.
    pub fn replay(
        initial: E,
        actions: impl IntoIterator<Item = E::Action>,
    ) -> Result<Self, (usize, IllegalAction<E::Action>)> {
        let mut play = Playthrough::new(initial);
        for (ply, action) in actions.into_iter().enumerate() {
            play.apply(action).map_err(|e| (ply, e))?;
        }
        Ok(play)
    }
}
