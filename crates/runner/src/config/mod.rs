//! Run configuration: the YAML a researcher writes, the `--override`s typed
//! on the command line, and the validated [`RunConfig`] the episode runner
//! executes.
//!
//! Two layers (see `STYLE.md`): [`RawConfig`] only mirrors the YAML (every
//! key optional, unknown keys rejected); [`RunConfig`] is built from it by
//! validation, which fills the defaults, checks every game and parameter
//! against the games registry, resolves each seat to a concrete agent name
//! and makes the `mode` hold. Precedence: built-in defaults < the `--config`
//! file < each `--override`, in order.
//!
//! ```
//! use arena_runner::config::{self, Mode};
//!
//! let cfg = config::load(None, &["num_episodes=2".to_string(), "seed=0".to_string()]).unwrap();
//! assert_eq!(cfg.mode, Mode::LlmVsRandom);
//! assert_eq!(cfg.envs[0].game, "connect_four");
//! assert_eq!(cfg.envs[0].seats[0].name, "llamacpp_gemma3-270m");
//! assert_eq!(cfg.envs[0].seats[1].name, "random");
//! let plan = cfg.episodes();
//! assert_eq!(plan.len(), 2);
//! assert_ne!(plan[0].seed, plan[1].seed);
//! ```
//!
//! `configs/README.md` documents every key, its type and default, and the
//! override syntax.

mod error;
mod overrides;
mod raw;
mod suggest;
mod validate;

use std::collections::BTreeMap;
use std::num::NonZeroU32;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use arena_agents::AgentName;
use arena_agents::turn::IllegalMovePolicy;
use arena_games::{AnyGame, GameError, ParamValue};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

pub use error::ConfigError;
#[cfg(test)]
pub(crate) use overrides::known_paths_of;
pub(crate) use overrides::{ILLEGAL_MOVE_POLICY, LLM_BACKEND, LOG, Node, Schema, apply_schema};
pub use raw::{RawAgent, RawConfig, RawEnv, RawIllegalMovePolicy, RawLlmBackend, RawLog};
pub(crate) use raw::{from_tree_as, parse_file_as};
pub(crate) use suggest::suggest;
pub(crate) use validate::{
    MAX_CONCURRENCY, MAX_NUM_EPISODES, bounded, find_game, game_params, illegal_move_policy,
    llm_backend, log, raw_illegal_move_policy, raw_llm_backend, raw_log, raw_params,
};

/// The game of a config that names none.
pub const DEFAULT_GAME: &str = "connect_four";
/// The LLM used where a config names none: the embedded local model, which
/// needs no API key.
pub const DEFAULT_MODEL: &str = "llamacpp_gemma3-270m";
/// Episodes per game when the config does not say.
pub const DEFAULT_NUM_EPISODES: u32 = 10;
/// The run seed when the config does not say.
pub const DEFAULT_SEED: u64 = 42;
/// Episodes in flight at once when the config does not say.
pub const DEFAULT_CONCURRENCY: u32 = 4;
/// Tokens an LLM may generate per decision when the config does not say.
pub const DEFAULT_MAX_TOKENS: u32 = 256;
/// Sampling temperature when the config does not say: greedy, so a local
/// model's moves are reproducible.
pub const DEFAULT_TEMPERATURE: f64 = 0.0;
/// Seconds an HTTP backend waits for one reply when the config does not say.
pub const DEFAULT_REQUEST_TIMEOUT_S: f64 = 60.0;
/// Retries of a failed HTTP request when the config does not say.
pub const DEFAULT_MAX_RETRIES: u32 = 3;
/// The results database when the config does not say.
pub const DEFAULT_DB: &str = "results/arena.db";

/// Loads the configuration: the built-in defaults, then the YAML file at
/// `config_path` (if any), then each override (`key.path=value`) in order;
/// then validates the result.
pub fn load(config_path: Option<&Path>, overrides: &[String]) -> Result<RunConfig, ConfigError> {
    let mut tree = match config_path {
        Some(path) => {
            let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
                path: path.to_path_buf(),
                source,
            })?;
            raw::parse_file(&text, path)?
        }
        None => serde_yaml::Value::Mapping(serde_yaml::Mapping::new()),
    };
    for text in overrides {
        overrides::apply(&mut tree, text)?;
    }
    let raw = raw::from_tree(tree)?;
    RunConfig::from_raw(&raw)
}

/// Loads a configuration from YAML text (as [`load`] does a file; `name`
/// stands for the file in messages), then applies the overrides.
pub fn load_str(yaml: &str, name: &Path, overrides: &[String]) -> Result<RunConfig, ConfigError> {
    let mut tree = raw::parse_file(yaml, name)?;
    for text in overrides {
        overrides::apply(&mut tree, text)?;
    }
    let raw = raw::from_tree(tree)?;
    RunConfig::from_raw(&raw)
}

/// What a run plays, validated: every game exists with valid parameters,
/// every seat has a concrete agent, the agents fit the mode.
///
/// It holds no secrets (API keys live in environment variables only), so
/// [`RunConfig::to_yaml`] may be stored with the results. Serialized, it is
/// the explicit [`RawConfig`] that loads back to the same `RunConfig`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "RawConfig", into = "RawConfig")]
pub struct RunConfig {
    /// A name for the run, for people; not unique.
    pub run_name: Option<String>,
    /// The match-up, as checked against the seats.
    pub mode: Mode,
    /// The run seed; every episode seed derives from it ([`episode_seed`]).
    pub seed: u64,
    /// Episodes per game (per entry of [`RunConfig::envs`]).
    pub num_episodes: NonZeroU32,
    /// Episodes in flight at once. It never changes results.
    pub concurrency: NonZeroU32,
    /// The games, in config order (one for `env_config`).
    pub envs: Vec<EnvConfig>,
    /// Settings shared by every LLM agent.
    pub llm_backend: LlmBackend,
    /// What happens after an unreadable or illegal move.
    pub illegal_move_policy: IllegalMovePolicy,
    /// Where results go.
    pub log: LogConfig,
}

/// One game of a run: its validated parameters and who sits where.
#[derive(Clone, Debug, PartialEq)]
pub struct EnvConfig {
    /// The registry name (`connect_four`).
    pub game: String,
    /// Every parameter of the game, defaults filled in.
    pub params: BTreeMap<String, ParamValue>,
    /// The most plies (rounds, for games played in rounds) an episode may
    /// last; an episode stopped by it is `truncated`. `None`: no cap.
    pub max_game_rounds: Option<NonZeroU32>,
    /// One agent per seat, seat 0 first; exactly as many as the game seats.
    pub seats: Vec<SeatAgent>,
}

impl EnvConfig {
    /// Builds the game (cheap; the parameters are already known to be valid).
    pub fn build_game(&self) -> Result<Arc<dyn AnyGame>, GameError> {
        arena_games::build(&self.game, &self.params)
    }
}

/// The agent at one seat.
#[derive(Clone, Debug, PartialEq)]
pub struct SeatAgent {
    /// What kind of player it is.
    pub agent_type: AgentType,
    /// Its agent name as [`AgentName::parse`] reads it (`random`,
    /// `llamacpp_gemma3-270m`, `litellm_groq/llama-3.1-8b-instant`,
    /// `baseline_connect_four`).
    pub name: String,
    /// The name, parsed.
    pub agent: AgentName,
}

/// The kind of player at a seat (the `type` key of an agent).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AgentType {
    /// A language model: `litellm_…`, `vllm_…` or `llamacpp_…`.
    Llm,
    /// A seeded uniformly random legal move.
    Random,
    /// A person at the terminal.
    Human,
    /// A scripted player for the game (`baseline_<game>`).
    Baseline,
}

impl AgentType {
    /// Every type, as written in configs.
    pub const NAMES: &'static [&'static str] = &["llm", "random", "human", "baseline"];

    /// The name as written in configs.
    pub fn as_str(self) -> &'static str {
        match self {
            AgentType::Llm => "llm",
            AgentType::Random => "random",
            AgentType::Human => "human",
            AgentType::Baseline => "baseline",
        }
    }

    /// The type of an agent name.
    pub fn of(agent: &AgentName) -> AgentType {
        match agent {
            AgentName::Random => AgentType::Random,
            AgentName::Human => AgentType::Human,
            AgentName::Baseline(_) => AgentType::Baseline,
            AgentName::Litellm(_) | AgentName::Vllm(_) | AgentName::LlamaCpp(_) => AgentType::Llm,
        }
    }
}

/// The match-up of a run. `<a>_vs_<b>` allows only seats of types `a` and
/// `b`, needs at least one of each, and fills a seat the config leaves out:
/// with a side not yet seated (`a` first), else with `b`. `custom` allows
/// any agents and fills nothing.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Mode {
    /// LLMs only (self-play when they are the same model).
    LlmVsLlm,
    /// An LLM against the random agent.
    LlmVsRandom,
    /// An LLM against the game's scripted baseline.
    LlmVsBaseline,
    /// Random against random: a smoke test of games and logging.
    RandomVsRandom,
    /// Random against the game's scripted baseline.
    RandomVsBaseline,
    /// A person against an LLM.
    HumanVsLlm,
    /// A person against the random agent.
    HumanVsRandom,
    /// A person against the game's scripted baseline.
    HumanVsBaseline,
    /// Any agents; every seat must be given.
    Custom,
}

impl Mode {
    /// Every mode, in the order [`Mode::NAMES`] lists them.
    pub const ALL: &'static [Mode] = &[
        Mode::LlmVsLlm,
        Mode::LlmVsRandom,
        Mode::LlmVsBaseline,
        Mode::RandomVsRandom,
        Mode::RandomVsBaseline,
        Mode::HumanVsLlm,
        Mode::HumanVsRandom,
        Mode::HumanVsBaseline,
        Mode::Custom,
    ];

    /// Every mode as written in configs.
    pub const NAMES: &'static [&'static str] = &[
        "llm_vs_llm",
        "llm_vs_random",
        "llm_vs_baseline",
        "random_vs_random",
        "random_vs_baseline",
        "human_vs_llm",
        "human_vs_random",
        "human_vs_baseline",
        "custom",
    ];

    /// The name as written in configs.
    pub fn as_str(self) -> &'static str {
        let i = Mode::ALL.iter().position(|m| *m == self).unwrap_or(0);
        Mode::NAMES[i]
    }

    /// The two sides of the match-up; `None` for [`Mode::Custom`].
    pub fn sides(self) -> Option<(AgentType, AgentType)> {
        use AgentType::{Baseline, Human, Llm, Random};
        Some(match self {
            Mode::LlmVsLlm => (Llm, Llm),
            Mode::LlmVsRandom => (Llm, Random),
            Mode::LlmVsBaseline => (Llm, Baseline),
            Mode::RandomVsRandom => (Random, Random),
            Mode::RandomVsBaseline => (Random, Baseline),
            Mode::HumanVsLlm => (Human, Llm),
            Mode::HumanVsRandom => (Human, Random),
            Mode::HumanVsBaseline => (Human, Baseline),
            Mode::Custom => return None,
        })
    }

    /// The mode whose sides are exactly `types` (one or two kinds), if any.
    pub fn for_types(types: &[AgentType]) -> Option<Mode> {
        let mut kinds: Vec<AgentType> = types.to_vec();
        kinds.sort();
        kinds.dedup();
        Mode::ALL.iter().copied().find(|m| {
            m.sides().is_some_and(|(a, b)| {
                let mut sides = vec![a, b];
                sides.sort();
                sides.dedup();
                sides == kinds
            })
        })
    }
}

/// Settings shared by every LLM agent of the run.
#[derive(Clone, Debug, PartialEq)]
pub struct LlmBackend {
    /// The most tokens generated per decision.
    pub max_tokens: NonZeroU32,
    /// Sampling temperature; 0 is greedy.
    pub temperature: f64,
    /// The model of an `llm` seat that names none.
    pub default_model: String,
    /// How long an HTTP backend waits for one reply.
    pub request_timeout: Duration,
    /// How often an HTTP backend retries a failed request.
    pub max_retries: u32,
}

/// Where results are recorded.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LogConfig {
    /// The SQLite database (created if missing; shared by any number of runs).
    pub db: PathBuf,
}

/// One episode to play: which game, with which parameters, and its seed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct EpisodePlan {
    /// Index into [`RunConfig::envs`] (its seats and round cap).
    pub env_index: usize,
    /// The game's registry name.
    pub game: String,
    /// Every parameter of the game.
    pub params: BTreeMap<String, ParamValue>,
    /// 0-based index among the episodes of this game.
    pub episode_index: u32,
    /// The episode's seed ([`episode_seed`]).
    pub seed: u64,
}

impl RunConfig {
    /// Validates a raw configuration and fills its defaults.
    pub fn from_raw(raw: &RawConfig) -> Result<RunConfig, ConfigError> {
        validate::validate(raw)
    }

    /// The explicit raw form: every default filled in, every seat listed, so
    /// it loads back to this same `RunConfig`.
    pub fn to_raw(&self) -> RawConfig {
        validate::to_raw(self)
    }

    /// The effective configuration as YAML, for people and for the record.
    pub fn to_yaml(&self) -> Result<String, ConfigError> {
        serde_yaml::to_string(&self.to_raw()).map_err(|e| ConfigError::Serialize {
            message: e.to_string(),
        })
    }

    /// Every episode of the run: for each game in config order, episodes
    /// `0..num_episodes`. Each seed depends only on the run seed, the game,
    /// its place in the config and the episode index — never on scheduling
    /// or `concurrency`.
    pub fn episodes(&self) -> Vec<EpisodePlan> {
        self.episode_iter().collect()
    }

    /// [`RunConfig::episodes`] one at a time, for runs too long to list.
    pub fn episode_iter(&self) -> impl Iterator<Item = EpisodePlan> + '_ {
        let per_env = self.num_episodes.get();
        self.envs
            .iter()
            .enumerate()
            .flat_map(move |(env_index, env)| {
                (0..per_env).map(move |episode_index| EpisodePlan {
                    env_index,
                    game: env.game.clone(),
                    params: env.params.clone(),
                    episode_index,
                    seed: episode_seed(self.seed, &env.game, env_index, episode_index),
                })
            })
    }

    /// How many episodes the run has: games × `num_episodes`.
    pub fn episode_count(&self) -> u64 {
        self.envs.len() as u64 * u64::from(self.num_episodes.get())
    }
}

/// The seed of one episode: the first 8 bytes, little-endian, of the SHA-256
/// of `llm-arena/episode-seed/v1`, a zero byte, the run seed (8 bytes LE),
/// the env index (8 bytes LE), the game name, a zero byte, and the episode
/// index (8 bytes LE). Stable across platforms and releases; reproducible in
/// any language.
pub fn episode_seed(run_seed: u64, game: &str, env_index: usize, episode_index: u32) -> u64 {
    let mut hash = Sha256::new();
    hash.update(b"llm-arena/episode-seed/v1\0");
    hash.update(run_seed.to_le_bytes());
    hash.update((env_index as u64).to_le_bytes());
    hash.update(game.as_bytes());
    hash.update([0u8]);
    hash.update(u64::from(episode_index).to_le_bytes());
    let digest = hash.finalize();
    let mut first = [0u8; 8];
    first.copy_from_slice(&digest[..8]);
    u64::from_le_bytes(first)
}

impl TryFrom<RawConfig> for RunConfig {
    type Error = ConfigError;

    fn try_from(raw: RawConfig) -> Result<Self, Self::Error> {
        RunConfig::from_raw(&raw)
    }
}

impl From<RunConfig> for RawConfig {
    fn from(config: RunConfig) -> Self {
        config.to_raw()
    }
}

#[cfg(test)]
mod tests;
