//! The raw tournament file: a mirror of the YAML, every key optional and
//! unknown keys rejected, plus the [`SCHEMA`] that types `--override`s.
//! What the values mean is checked when a [`super::Tournament`] is built
//! from it.

use std::fmt;

use serde::de::{self, MapAccess, Visitor};
use serde::ser::SerializeMap;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_yaml::Value;

use crate::config::{
    ILLEGAL_MOVE_POLICY, LLM_BACKEND, LOG, Node, RawIllegalMovePolicy, RawLlmBackend, RawLog,
    Schema,
};

/// A tournament file as written in YAML. `experiments/README.md` documents
/// every key, its type, its default and its meaning.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawTournament {
    /// `name`: a name for people.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// `seed`: the tournament seed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seed: Option<u64>,
    /// `participants`: agent names.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub participants: Option<Vec<String>>,
    /// `games`: the games, each with its parameters and deals per table.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub games: Option<Vec<RawTournamentGame>>,
    /// `schedule`: who meets whom.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub schedule: Option<ScheduleKind>,
    /// `anchors`: the participants every other one plays (gauntlet).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub anchors: Option<Vec<String>>,
    /// `duplicate`: every deal in every seating, with one seed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duplicate: Option<bool>,
    /// `concurrency`: episodes in flight at once.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub concurrency: Option<i64>,
    /// `llm_backend`: settings shared by the LLM participants.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub llm_backend: Option<RawLlmBackend>,
    /// `illegal_move_policy`: re-prompts, then forfeit or a random move.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub illegal_move_policy: Option<RawIllegalMovePolicy>,
    /// `log`: where results go.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub log: Option<RawLog>,
}

/// `schedule`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ScheduleKind {
    /// Every table of the game's size that the participants can make.
    RoundRobin,
    /// Every non-anchor participant against the anchors only.
    Gauntlet,
}

impl ScheduleKind {
    /// Every schedule as written in files.
    pub const NAMES: &'static [&'static str] = &["round_robin", "gauntlet"];
}

/// One game of a tournament: `game_name`, `episodes`, `max_game_rounds`,
/// and the game's own parameters beside them, as in a run config's
/// `env_configs`. A bare string is shorthand for `{game_name: <string>}`.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct RawTournamentGame {
    /// `game_name`: a registry name.
    pub game_name: Option<String>,
    /// `episodes`: deals per table.
    pub episodes: Option<i64>,
    /// `max_game_rounds`: the ply/round cap; `null` for none.
    pub max_game_rounds: Option<i64>,
    /// Every other key: a parameter of the game, in file order.
    pub params: Vec<(String, Value)>,
}

/// The keys of a game entry that are not game parameters.
pub(crate) const GAME_KEYS: &[&str] = &["game_name", "episodes", "max_game_rounds"];

const GAME: Node = Node::Env(&[
    ("game_name", Node::Str),
    ("episodes", Node::Int),
    ("max_game_rounds", Node::Int),
]);

/// The keys of a tournament file, for `--override`.
pub(crate) const SCHEMA: Schema = Schema {
    fields: &[
        ("name", Node::Str),
        ("seed", Node::UInt),
        ("participants", Node::List(&Node::Str)),
        ("games", Node::List(&GAME)),
        ("schedule", Node::Enum(ScheduleKind::NAMES)),
        ("anchors", Node::List(&Node::Str)),
        ("duplicate", Node::Bool),
        ("concurrency", Node::Int),
        ("llm_backend", LLM_BACKEND),
        ("illegal_move_policy", ILLEGAL_MOVE_POLICY),
        ("log", LOG),
    ],
    exclusive: &[],
};

impl<'de> Deserialize<'de> for RawTournamentGame {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(GameVisitor)
    }
}

struct GameVisitor;

impl<'de> Visitor<'de> for GameVisitor {
    type Value = RawTournamentGame;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a game name or a map with `game_name`, `episodes` and the game's parameters")
    }

    fn visit_str<E: de::Error>(self, name: &str) -> Result<RawTournamentGame, E> {
        Ok(RawTournamentGame {
            game_name: Some(name.to_string()),
            ..RawTournamentGame::default()
        })
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<RawTournamentGame, A::Error> {
        let mut game = RawTournamentGame::default();
        let mut seen = std::collections::BTreeSet::new();
        while let Some(key) = map.next_key::<String>()? {
            if !seen.insert(key.clone()) {
                return Err(de::Error::custom(format!("duplicate key `{key}`")));
            }
            match key.as_str() {
                "game_name" => game.game_name = map.next_value()?,
                "episodes" => game.episodes = map.next_value()?,
                "max_game_rounds" => game.max_game_rounds = map.next_value()?,
                _ => {
                    let value: Value = map.next_value()?;
                    game.params.push((key, value));
                }
            }
        }
        Ok(game)
    }
}

impl Serialize for RawTournamentGame {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(None)?;
        if let Some(name) = &self.game_name {
            map.serialize_entry("game_name", name)?;
        }
        if let Some(episodes) = &self.episodes {
            map.serialize_entry("episodes", episodes)?;
        }
        if let Some(rounds) = &self.max_game_rounds {
            map.serialize_entry("max_game_rounds", rounds)?;
        }
        for (name, value) in &self.params {
            map.serialize_entry(name, value)?;
        }
        map.end()
    }
}
