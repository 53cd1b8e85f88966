//! Tournaments: `runner tournament --config T.yaml`. A tournament file names
//! participants (agent names) and games; the schedule seats them at tables
//! (every pairing, or every challenger against the anchors), each table
//! plays `episodes` deals per game, and with `duplicate` (the default) each
//! deal is played in every seating — all cyclic rotations of the table —
//! with one episode seed, so every participant gets every seat's cards.
//!
//! The layers follow [`crate::config`]: [`RawTournament`] mirrors the YAML,
//! [`Tournament`] is the validated form (games built, agent names parsed,
//! every table seatable), [`Tournament::plan`] the deterministic list of
//! episodes with their seats and seeds; `execute` plays them through the
//! same machinery as `runner --config` (`execute.rs`, its `launch`).
//!
//! ```
//! use arena_runner::tournament;
//!
//! let t = tournament::load_str(
//!     "participants: [random, baseline_tic_tac_toe]\ngames: [{game_name: tic_tac_toe, episodes: 2}]\n",
//!     std::path::Path::new("t.yaml"),
//!     &[],
//! )
//! .unwrap();
//! let plan = t.plan();
//! // One pairing, two deals, each played from both sides with one seed.
//! assert_eq!(plan.len(), 4);
//! assert_eq!(plan[0].seed, plan[1].seed);
//! assert_eq!(plan[0].seats, vec![0, 1]);
//! assert_eq!(plan[1].seats, vec![1, 0]);
//! ```
//!
//! `experiments/README.md` documents every key, the schedules, how episode
//! ids and seeds are assigned, and how to find mirrored episodes.

mod execute;
mod raw;
mod schedule;
mod validate;

use std::collections::BTreeMap;
use std::num::NonZeroU32;
use std::path::Path;
use std::sync::Arc;

use arena_agents::AgentName;
use arena_agents::turn::IllegalMovePolicy;
use arena_games::{AnyGame, GameError, ParamValue};

use crate::config::{ConfigError, LlmBackend, LogConfig};

pub use execute::{TournamentRequest, run};
pub use raw::{RawTournament, RawTournamentGame, ScheduleKind};
pub use schedule::{TournamentEpisode, tournament_seed};

/// A validated tournament: who plays, which games, how they meet.
///
/// Serialized ([`Tournament::to_yaml`]) it is the explicit tournament file
/// that loads back to the same `Tournament`; that is what a tournament run
/// records as its configuration, so `--resume` re-plans it exactly.
#[derive(Clone, Debug, PartialEq)]
pub struct Tournament {
    /// A name for people; not unique.
    pub name: Option<String>,
    /// The tournament seed; every episode seed derives from it
    /// ([`tournament_seed`]).
    pub seed: u64,
    /// The participants, in file order (two or more, all different).
    pub participants: Vec<Participant>,
    /// The games, in file order.
    pub games: Vec<TournamentGame>,
    /// Who meets whom.
    pub schedule: Schedule,
    /// Whether each deal is played in every seating with one seed (else
    /// each deal once, the seating rotating from deal to deal).
    pub duplicate: bool,
    /// Episodes in flight at once. It never changes results.
    pub concurrency: NonZeroU32,
    /// Settings shared by every LLM participant.
    pub llm_backend: LlmBackend,
    /// What happens after an unreadable or illegal move.
    pub illegal_move_policy: IllegalMovePolicy,
    /// Where results go.
    pub log: LogConfig,
}

/// One participant: an agent name as the runner accepts it.
#[derive(Clone, Debug, PartialEq)]
pub struct Participant {
    /// The name as written (`llamacpp_gemma3-270m`, `baseline_poker`, …).
    pub name: String,
    /// The name, parsed.
    pub agent: AgentName,
}

impl Participant {
    /// Whether this participant can play `game`: a scripted baseline plays
    /// only its own game, every other agent plays every game.
    pub fn plays(&self, game: &str) -> bool {
        match &self.agent {
            AgentName::Baseline(name) => name.strip_prefix("baseline_") == Some(game),
            _ => true,
        }
    }
}

/// One game of a tournament.
#[derive(Clone, Debug, PartialEq)]
pub struct TournamentGame {
    /// The registry name.
    pub game: String,
    /// Every parameter of the game, defaults filled in.
    pub params: BTreeMap<String, ParamValue>,
    /// Deals per table.
    pub episodes: NonZeroU32,
    /// The most plies (rounds) an episode may last; `None`: no cap.
    pub max_game_rounds: Option<NonZeroU32>,
    /// The number of seats (from the game and its parameters).
    pub seats: usize,
}

impl TournamentGame {
    /// Builds the game (cheap; the parameters are already known to be valid).
    pub fn build_game(&self) -> Result<Arc<dyn AnyGame>, GameError> {
        arena_games::build(&self.game, &self.params)
    }
}

/// Who meets whom.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Schedule {
    /// Every table of the game's size the participants can make: every pair
    /// for two-seat games, every N-subset for N seats.
    RoundRobin,
    /// Every other participant against the anchors: each table is one
    /// challenger and N-1 anchors; anchors never meet each other, nor
    /// challengers each other.
    Gauntlet {
        /// The anchors' indices in [`Tournament::participants`].
        anchors: Vec<usize>,
    },
}

/// Loads a tournament file, then applies the overrides (`key.path=value`,
/// in order), then validates the result.
pub fn load(path: &Path, overrides: &[String]) -> Result<Tournament, ConfigError> {
    let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    load_str(&text, path, overrides)
}

/// Loads a tournament from YAML text (`name` stands for the file in
/// messages), then applies the overrides.
pub fn load_str(yaml: &str, name: &Path, overrides: &[String]) -> Result<Tournament, ConfigError> {
    let mut tree = crate::config::parse_file_as::<RawTournament>(yaml, name)?;
    for text in overrides {
        crate::config::apply_schema(&raw::SCHEMA, &mut tree, text)?;
    }
    let raw: RawTournament = crate::config::from_tree_as(tree)?;
    Tournament::from_raw(&raw)
}

/// Whether a stored configuration is a tournament file rather than a run
/// config: tournaments, and only they, have `participants`.
pub fn is_tournament_yaml(yaml: &str) -> bool {
    serde_yaml::from_str::<serde_yaml::Value>(yaml)
        .ok()
        .and_then(|v| v.as_mapping().map(|m| m.contains_key("participants")))
        .unwrap_or(false)
}

impl Tournament {
    /// Validates a raw tournament and fills its defaults.
    pub fn from_raw(raw: &RawTournament) -> Result<Tournament, ConfigError> {
        validate::validate(raw)
    }

    /// The explicit raw form: every default filled in, so it loads back to
    /// this same `Tournament`.
    pub fn to_raw(&self) -> RawTournament {
        validate::to_raw(self)
    }

    /// The effective tournament file as YAML, for people and for the record.
    pub fn to_yaml(&self) -> Result<String, ConfigError> {
        serde_yaml::to_string(&self.to_raw()).map_err(|e| ConfigError::Serialize {
            message: e.to_string(),
        })
    }

    /// Every episode of the tournament, in play order (see
    /// [`TournamentEpisode`]): deterministic, so a resumed tournament plans
    /// exactly the same episodes.
    pub fn plan(&self) -> Vec<TournamentEpisode> {
        schedule::plan(self)
    }

    /// The tables of game `game_index`: participant indices, in file order
    /// within each table.
    pub fn tables(&self, game_index: usize) -> Vec<Vec<usize>> {
        schedule::tables(self, game_index)
    }
}

#[cfg(test)]
mod tests;
