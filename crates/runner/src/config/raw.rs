//! The raw configuration: a mirror of the YAML, every key optional and
//! unknown keys rejected. It checks shapes and types only; what the values
//! mean is checked when a [`crate::config::RunConfig`] is built from it.

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

use arena_agents::turn::OnFailure;
use serde::de::{self, DeserializeOwned, MapAccess, Visitor};
use serde::ser::SerializeMap;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_yaml::Value;

use super::error::ConfigError;
use super::suggest::{foreign_key_hint, suggest};
use super::{AgentType, Mode};

/// A run configuration as written in YAML. See `configs/README.md` for
/// every key, its type, its default and its meaning.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawConfig {
    /// `run_name`: a name for people.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub run_name: Option<String>,
    /// `env_config`: the one game of the run.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub env_config: Option<RawEnv>,
    /// `env_configs`: several games, each played `num_episodes` times.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub env_configs: Option<Vec<RawEnv>>,
    /// `num_episodes`: episodes per game.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub num_episodes: Option<i64>,
    /// `seed`: the run seed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seed: Option<u64>,
    /// `mode`: the match-up.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mode: Option<Mode>,
    /// `concurrency`: episodes in flight at once.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub concurrency: Option<i64>,
    /// `agents`: `player_<seat>` → agent, for every game of the run.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agents: Option<BTreeMap<String, RawAgent>>,
    /// `llm_backend`: settings shared by the LLM agents.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub llm_backend: Option<RawLlmBackend>,
    /// `illegal_move_policy`: re-prompts, then forfeit or a random move.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub illegal_move_policy: Option<RawIllegalMovePolicy>,
    /// `log`: where results go.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub log: Option<RawLog>,
}

/// One game: `game_name`, `max_game_rounds`, optional per-game `agents`,
/// and the game's own parameters beside them. A bare string is shorthand
/// for `{game_name: <string>}`.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct RawEnv {
    /// `game_name`: a registry name.
    pub game_name: Option<String>,
    /// `max_game_rounds`: the ply/round cap; `null` for none.
    pub max_game_rounds: Option<i64>,
    /// `agents`: seats for this game only, replacing the top-level `agents`.
    pub agents: Option<BTreeMap<String, RawAgent>>,
    /// Every other key: a parameter of the game, in file order.
    pub params: Vec<(String, Value)>,
}

/// The keys of an env entry that are not game parameters.
pub(crate) const ENV_KEYS: &[&str] = &["game_name", "max_game_rounds", "agents"];

/// One seat's agent: `{type, model}`. A bare string is shorthand for
/// `{model: <string>}`, the type then following from the name.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct RawAgent {
    /// `type`: llm, random, human or baseline.
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub agent_type: Option<AgentType>,
    /// `model`: an agent name (`litellm_groq/llama-3.1-8b-instant`,
    /// `llamacpp_gemma3-270m`, `baseline_connect_four`…).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
}

/// `llm_backend`: settings shared by every LLM agent.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawLlmBackend {
    /// `max_tokens`: the most tokens generated per decision.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_tokens: Option<i64>,
    /// `temperature`: sampling temperature, 0 for greedy.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub temperature: Option<f64>,
    /// `default_model`: the model of an `llm` seat that names none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default_model: Option<String>,
    /// `request_timeout_s`: seconds an HTTP backend waits for a reply.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_timeout_s: Option<f64>,
    /// `max_retries`: retries of a failed HTTP request.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_retries: Option<i64>,
}

/// `illegal_move_policy`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawIllegalMovePolicy {
    /// `reprompts`: attempts after the first.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reprompts: Option<i64>,
    /// `on_failure`: `forfeit` or `random`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub on_failure: Option<OnFailure>,
}

/// `log`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawLog {
    /// `db`: the SQLite database.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub db: Option<PathBuf>,
}

/// Reads the config file's text into a YAML tree, first checking it against
/// the schema so that errors carry the file's line and column.
pub(crate) fn parse_file(text: &str, path: &Path) -> Result<Value, ConfigError> {
    parse_file_as::<RawConfig>(text, path)
}

/// [`parse_file`] for a file of another kind, whose raw form is `T`.
pub(crate) fn parse_file_as<T: DeserializeOwned>(
    text: &str,
    path: &Path,
) -> Result<Value, ConfigError> {
    if let Err(e) = serde_yaml::from_str::<T>(text) {
        return Err(file_error(&e, path));
    }
    let tree: Value = serde_yaml::from_str(text).map_err(|e| file_error(&e, path))?;
    Ok(match tree {
        // An empty file (or one of comments only) sets nothing.
        Value::Null => Value::Mapping(serde_yaml::Mapping::new()),
        tree => tree,
    })
}

/// Reads the (overridden) YAML tree as a [`RawConfig`].
pub(crate) fn from_tree(tree: Value) -> Result<RawConfig, ConfigError> {
    from_tree_as(tree)
}

/// [`from_tree`] for a file of another kind, whose raw form is `T`.
pub(crate) fn from_tree_as<T: DeserializeOwned>(tree: Value) -> Result<T, ConfigError> {
    serde_yaml::from_value(tree).map_err(|e| {
        let message = with_hint(&e.to_string());
        match message.split_once(": ") {
            Some((path, rest)) if !path.contains(' ') => ConfigError::invalid(path, rest),
            _ => ConfigError::invalid("(root)", message),
        }
    })
}

fn file_error(e: &serde_yaml::Error, path: &Path) -> ConfigError {
    let mut message = e.to_string();
    let location = e.location();
    if let Some(l) = &location {
        let suffix = format!(" at line {} column {}", l.line(), l.column());
        if let Some(stripped) = message.strip_suffix(&suffix) {
            message = stripped.to_string();
        }
    }
    ConfigError::File {
        path: path.to_path_buf(),
        line: location.as_ref().map(|l| l.line()),
        column: location.as_ref().map(|l| l.column()),
        message: with_hint(&message),
    }
}

/// Adds "did you mean" (and, for keys of other arenas, what to use instead)
/// to serde's "unknown field `x`, expected one of `a`, `b`" messages.
fn with_hint(message: &str) -> String {
    let message = &plain_types(message);
    let is_unknown = message.contains("unknown field `") || message.contains("unknown variant `");
    if !is_unknown {
        return message.to_string();
    }
    let quoted: Vec<&str> = message.split('`').skip(1).step_by(2).collect();
    let Some((word, candidates)) = quoted.split_first() else {
        return message.to_string();
    };
    let mut out = message.to_string();
    if let Some(s) = suggest(word, candidates.iter().copied()) {
        out.push_str(&format!("; did you mean `{s}`?"));
    }
    if let Some(h) = foreign_key_hint(word) {
        out.push_str(&format!(" ({h})"));
    }
    out
}

/// serde says what it expected in Rust's terms (`expected i64`, `expected
/// struct RawLlmBackend`, and for a word given a list, `expected a YAML tag
/// starting with '!'`); the person fixing a config needs YAML's.
fn plain_types(message: &str) -> String {
    let mut out = message.to_string();
    for (rust, plain) in [
        ("expected i64", "expected an integer"),
        ("expected u64", "expected a non-negative integer"),
        ("expected f64", "expected a number"),
        ("expected path string", "expected a path"),
        (
            "expected a YAML tag starting with '!'",
            "expected a single word",
        ),
    ] {
        out = out.replace(rust, plain);
    }
    for (rust, plain) in [
        ("expected struct ", "expected a map of keys"),
        ("expected enum ", "expected a single word"),
    ] {
        if let Some(at) = out.find(rust) {
            let name_end = out[at + rust.len()..]
                .find(|c: char| !c.is_alphanumeric() && c != '_')
                .map_or(out.len(), |n| at + rust.len() + n);
            out.replace_range(at..name_end, plain);
        }
    }
    out
}

impl<'de> Deserialize<'de> for RawEnv {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(EnvVisitor)
    }
}

struct EnvVisitor;

impl<'de> Visitor<'de> for EnvVisitor {
    type Value = RawEnv;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a game name or a map with `game_name` and the game's parameters")
    }

    fn visit_str<E: de::Error>(self, name: &str) -> Result<RawEnv, E> {
        Ok(RawEnv {
            game_name: Some(name.to_string()),
            ..RawEnv::default()
        })
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<RawEnv, A::Error> {
        let mut env = RawEnv::default();
        let mut seen = std::collections::BTreeSet::new();
        while let Some(key) = map.next_key::<String>()? {
            if !seen.insert(key.clone()) {
                return Err(de::Error::custom(format!("duplicate key `{key}`")));
            }
            match key.as_str() {
                "game_name" => env.game_name = map.next_value()?,
                "max_game_rounds" => env.max_game_rounds = map.next_value()?,
                "agents" => env.agents = map.next_value()?,
                _ => {
                    let value: Value = map.next_value()?;
                    env.params.push((key, value));
                }
            }
        }
        Ok(env)
    }
}

impl Serialize for RawEnv {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(None)?;
        if let Some(name) = &self.game_name {
            map.serialize_entry("game_name", name)?;
        }
        if let Some(rounds) = &self.max_game_rounds {
            map.serialize_entry("max_game_rounds", rounds)?;
        }
        for (name, value) in &self.params {
            map.serialize_entry(name, value)?;
        }
        if let Some(agents) = &self.agents {
            map.serialize_entry("agents", agents)?;
        }
        map.end()
    }
}

/// The map form of an agent, with the derived (error-reporting) reader.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AgentFields {
    #[serde(rename = "type", default)]
    agent_type: Option<AgentType>,
    #[serde(default)]
    model: Option<String>,
}

impl<'de> Deserialize<'de> for RawAgent {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(AgentVisitor)
    }
}

struct AgentVisitor;

impl<'de> Visitor<'de> for AgentVisitor {
    type Value = RawAgent;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an agent name or a map with `type` and `model`")
    }

    fn visit_str<E: de::Error>(self, name: &str) -> Result<RawAgent, E> {
        Ok(RawAgent {
            agent_type: None,
            model: Some(name.to_string()),
        })
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<RawAgent, A::Error> {
        let fields = AgentFields::deserialize(de::value::MapAccessDeserializer::new(map))?;
        Ok(RawAgent {
            agent_type: fields.agent_type,
            model: fields.model,
        })
    }
}
