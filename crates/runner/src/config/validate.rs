//! From [`RawConfig`] to [`RunConfig`]: defaults, ranges, games and their
//! parameters against the registry, agents resolved to names and fitted to
//! the mode; and back, to the explicit raw form.

use std::collections::BTreeMap;
use std::num::NonZeroU32;
use std::path::PathBuf;
use std::time::Duration;

use arena_agents::AgentName;
use arena_agents::turn::IllegalMovePolicy;
use arena_games::{GameInfo, ParamKind, ParamValue};
use serde_yaml::Value;

use super::error::ConfigError;
use super::raw::{
    ENV_KEYS, RawAgent, RawConfig, RawEnv, RawIllegalMovePolicy, RawLlmBackend, RawLog,
};
use super::suggest::{seat_suggestion, suggest};
use super::{
    AgentType, DEFAULT_CONCURRENCY, DEFAULT_DB, DEFAULT_GAME, DEFAULT_MAX_RETRIES,
    DEFAULT_MAX_TOKENS, DEFAULT_MODEL, DEFAULT_NUM_EPISODES, DEFAULT_REQUEST_TIMEOUT_S,
    DEFAULT_SEED, DEFAULT_TEMPERATURE, EnvConfig, LlmBackend, LogConfig, Mode, RunConfig,
    SeatAgent,
};

/// The most episodes per game, concurrency and such: generous bounds that
/// catch a typo (an extra zero or two) before it runs for a week.
pub(crate) const MAX_NUM_EPISODES: i64 = 10_000_000;
pub(crate) const MAX_CONCURRENCY: i64 = 4096;
const MAX_MAX_TOKENS: i64 = 1_000_000;
const MAX_REPROMPTS: i64 = 20;
const MAX_RETRIES: i64 = 20;
const MAX_TEMPERATURE: f64 = 2.0;
const MAX_REQUEST_TIMEOUT_S: f64 = 86_400.0;

pub(crate) fn validate(raw: &RawConfig) -> Result<RunConfig, ConfigError> {
    let num_episodes = bounded(
        "num_episodes",
        raw.num_episodes,
        DEFAULT_NUM_EPISODES,
        MAX_NUM_EPISODES,
    )?;
    let concurrency = bounded(
        "concurrency",
        raw.concurrency,
        DEFAULT_CONCURRENCY,
        MAX_CONCURRENCY,
    )?;
    let llm_backend = llm_backend(raw.llm_backend.as_ref())?;
    let illegal_move_policy = illegal_move_policy(raw.illegal_move_policy.as_ref())?;
    let log = log(raw.log.as_ref())?;
    let mode = raw.mode.unwrap_or(Mode::LlmVsRandom);
    if let Some(name) = &raw.run_name
        && name.trim().is_empty()
    {
        return Err(ConfigError::invalid(
            "run_name",
            "is empty; give a name or leave the key out",
        ));
    }

    let entries: Vec<(String, RawEnv)> = match (&raw.env_config, &raw.env_configs) {
        (Some(_), Some(_)) => {
            return Err(ConfigError::invalid(
                "env_configs",
                "set either `env_config` (one game) or `env_configs` (a list of games), not both",
            ));
        }
        (Some(env), None) => vec![("env_config".to_string(), env.clone())],
        (None, Some(list)) if list.is_empty() => {
            return Err(ConfigError::invalid(
                "env_configs",
                "is an empty list; list at least one game, e.g. `env_configs: [connect_four]`",
            ));
        }
        (None, Some(list)) => list
            .iter()
            .enumerate()
            .map(|(i, env)| (format!("env_configs.{i}"), env.clone()))
            .collect(),
        (None, None) => vec![("env_config".to_string(), RawEnv::default())],
    };

    let mut envs = Vec::with_capacity(entries.len());
    for (path, env) in &entries {
        envs.push(env_config(
            path,
            env,
            raw.agents.as_ref(),
            mode,
            &llm_backend,
        )?);
    }

    Ok(RunConfig {
        run_name: raw.run_name.clone(),
        mode,
        seed: raw.seed.unwrap_or(DEFAULT_SEED),
        num_episodes,
        concurrency,
        envs,
        llm_backend,
        illegal_move_policy,
        log,
    })
}

/// An integer key that must be in `1..=max`.
pub(crate) fn bounded(
    path: &str,
    value: Option<i64>,
    default: u32,
    max: i64,
) -> Result<NonZeroU32, ConfigError> {
    let v = value.unwrap_or(i64::from(default));
    if !(1..=max).contains(&v) {
        return Err(ConfigError::invalid(
            path,
            format!("is {v}, but must be an integer in 1..={max}"),
        ));
    }
    // In range 1..=max (max < u32::MAX), so both conversions succeed.
    u32::try_from(v)
        .ok()
        .and_then(NonZeroU32::new)
        .ok_or_else(|| ConfigError::invalid(path, format!("is {v}, but must be in 1..={max}")))
}

/// An integer key that must be in `0..=max`.
fn count(path: &str, value: Option<i64>, default: u32, max: i64) -> Result<u32, ConfigError> {
    let v = value.unwrap_or(i64::from(default));
    if !(0..=max).contains(&v) {
        return Err(ConfigError::invalid(
            path,
            format!("is {v}, but must be an integer in 0..={max}"),
        ));
    }
    u32::try_from(v)
        .map_err(|_| ConfigError::invalid(path, format!("is {v}, but must be in 0..={max}")))
}

pub(crate) fn llm_backend(raw: Option<&RawLlmBackend>) -> Result<LlmBackend, ConfigError> {
    let default = RawLlmBackend::default();
    let raw = raw.unwrap_or(&default);
    let max_tokens = bounded(
        "llm_backend.max_tokens",
        raw.max_tokens,
        DEFAULT_MAX_TOKENS,
        MAX_MAX_TOKENS,
    )?;
    let temperature = raw.temperature.unwrap_or(DEFAULT_TEMPERATURE);
    if !(0.0..=MAX_TEMPERATURE).contains(&temperature) {
        return Err(ConfigError::invalid(
            "llm_backend.temperature",
            format!(
                "is {temperature}, but must be a number in 0..={MAX_TEMPERATURE} (0 is greedy)"
            ),
        ));
    }
    let timeout_s = raw.request_timeout_s.unwrap_or(DEFAULT_REQUEST_TIMEOUT_S);
    let request_timeout = Duration::try_from_secs_f64(timeout_s)
        .ok()
        .filter(|_| timeout_s > 0.0 && timeout_s <= MAX_REQUEST_TIMEOUT_S)
        .ok_or_else(|| {
            ConfigError::invalid(
                "llm_backend.request_timeout_s",
                format!("is {timeout_s}, but must be a number of seconds above 0 and at most {MAX_REQUEST_TIMEOUT_S}"),
            )
        })?;
    let max_retries = count(
        "llm_backend.max_retries",
        raw.max_retries,
        DEFAULT_MAX_RETRIES,
        MAX_RETRIES,
    )?;
    let default_model = raw
        .default_model
        .clone()
        .unwrap_or_else(|| DEFAULT_MODEL.to_string());
    llm_name("llm_backend.default_model", &default_model)?;
    Ok(LlmBackend {
        max_tokens,
        temperature,
        default_model: default_model.trim().to_string(),
        request_timeout,
        max_retries,
    })
}

pub(crate) fn illegal_move_policy(
    raw: Option<&RawIllegalMovePolicy>,
) -> Result<IllegalMovePolicy, ConfigError> {
    let default = IllegalMovePolicy::default();
    let Some(raw) = raw else {
        return Ok(default);
    };
    Ok(IllegalMovePolicy {
        reprompts: count(
            "illegal_move_policy.reprompts",
            raw.reprompts,
            default.reprompts,
            MAX_REPROMPTS,
        )?,
        on_failure: raw.on_failure.unwrap_or(default.on_failure),
    })
}

pub(crate) fn log(raw: Option<&RawLog>) -> Result<LogConfig, ConfigError> {
    let db = raw
        .and_then(|l| l.db.clone())
        .unwrap_or_else(|| PathBuf::from(DEFAULT_DB));
    if db.as_os_str().is_empty() {
        return Err(ConfigError::invalid(
            "log.db",
            format!("is empty; give a database path or leave the key out for {DEFAULT_DB}"),
        ));
    }
    Ok(LogConfig { db })
}

/// Parses a model name that must name an LLM.
pub(crate) fn llm_name(path: &str, name: &str) -> Result<AgentName, ConfigError> {
    let agent = AgentName::parse(name).map_err(|e| ConfigError::invalid(path, e.to_string()))?;
    if AgentType::of(&agent) != AgentType::Llm {
        return Err(ConfigError::invalid(
            path,
            format!(
                "`{name}` is not a language model; an llm needs `litellm_<provider>/<model>`, \
                 `vllm_<name>` or `llamacpp_<name>`"
            ),
        ));
    }
    Ok(agent)
}

fn env_config(
    path: &str,
    env: &RawEnv,
    top_agents: Option<&BTreeMap<String, RawAgent>>,
    mode: Mode,
    llm: &LlmBackend,
) -> Result<EnvConfig, ConfigError> {
    let game_name = env.game_name.as_deref().unwrap_or(DEFAULT_GAME).trim();
    let info = find_game(&format!("{path}.game_name"), game_name)?;
    let given = game_params(path, info, &env.params, ENV_KEYS)?;
    let game = arena_games::build(info.name, &given)
        .map_err(|e| ConfigError::invalid(path, e.to_string()))?;
    let seats = game.n_seats();

    let max_game_rounds = match env.max_game_rounds {
        None => None,
        Some(v) => Some(
            u32::try_from(v)
                .ok()
                .and_then(NonZeroU32::new)
                .ok_or_else(|| {
                    ConfigError::invalid(
                        format!("{path}.max_game_rounds"),
                        format!("is {v}, but must be a positive integer, or null for no cap"),
                    )
                })?,
        ),
    };

    let (agents_path, agents) = match (&env.agents, top_agents) {
        (Some(own), _) => (format!("{path}.agents"), Some(own)),
        (None, top) => ("agents".to_string(), top),
    };
    // Messages about top-level agents say which game they were checked for.
    let context = if agents_path == "agents" && path != "env_config" {
        format!(" (checked for {path}: {})", info.name)
    } else {
        String::new()
    };
    let seat_list = seat_agents(&agents_path, agents, info, seats, mode, llm)
        .map_err(|e| add_context(e, &context))?;

    Ok(EnvConfig {
        game: info.name.to_string(),
        params: game.params().values().clone(),
        max_game_rounds,
        seats: seat_list,
    })
}

fn add_context(e: ConfigError, context: &str) -> ConfigError {
    match e {
        ConfigError::Invalid { path, message } if !context.is_empty() => ConfigError::Invalid {
            path,
            message: format!("{message}{context}"),
        },
        e => e,
    }
}

pub(crate) fn find_game(path: &str, name: &str) -> Result<&'static GameInfo, ConfigError> {
    arena_games::find(name).map_err(|_| {
        let names = arena_games::registry().iter().map(|g| g.name);
        let did_you_mean = suggest(name, names.clone())
            .map(|s| format!("did you mean `{s}`? "))
            .unwrap_or_default();
        ConfigError::invalid(
            path,
            format!(
                "unknown game `{name}`; {did_you_mean}the games are: {} (`runner games` lists their parameters)",
                names.collect::<Vec<_>>().join(", ")
            ),
        )
    })
}

/// The game's parameters as given, typed by the game's declarations.
/// `fixed` are the entry's keys that are not parameters, for messages.
pub(crate) fn game_params(
    path: &str,
    info: &GameInfo,
    params: &[(String, Value)],
    fixed: &[&str],
) -> Result<BTreeMap<String, ParamValue>, ConfigError> {
    let mut given = BTreeMap::new();
    for (name, value) in params {
        let key = format!("{path}.{name}");
        let Some(spec) = info.params.iter().find(|p| p.name == name) else {
            let known: Vec<&str> = fixed
                .iter()
                .copied()
                .chain(info.params.iter().map(|p| p.name))
                .collect();
            let did_you_mean = suggest(name, known.iter().copied())
                .map(|s| format!("did you mean `{s}`? "))
                .unwrap_or_default();
            let params = if info.params.is_empty() {
                "it has no parameters".to_string()
            } else {
                format!(
                    "its parameters: {}",
                    info.params
                        .iter()
                        .map(|p| p.name)
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            };
            return Err(ConfigError::invalid(
                key,
                format!(
                    "game `{}` has no parameter `{name}`; {did_you_mean}{params} \
                     (besides {})",
                    info.name,
                    words(fixed)
                ),
            ));
        };
        let typed = match (spec.kind, value) {
            // `null` leaves the default in place.
            (_, Value::Null) => continue,
            (ParamKind::Int { .. }, Value::Number(n)) if n.as_i64().is_some() => {
                n.as_i64().map(ParamValue::Int)
            }
            (ParamKind::Bool, Value::Bool(b)) => Some(ParamValue::Bool(*b)),
            (ParamKind::Choice(_), Value::String(s)) => Some(ParamValue::Str(s.clone())),
            _ => None,
        };
        let Some(typed) = typed else {
            return Err(ConfigError::invalid(
                key,
                format!("must be {}, got {}", spec.kind, describe(value)),
            ));
        };
        given.insert(name.clone(), typed);
    }
    Ok(given)
}

/// `a, b and c`.
fn words(list: &[&str]) -> String {
    match list {
        [] => String::new(),
        [one] => one.to_string(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    }
}

/// A YAML value in words, for messages.
pub(crate) fn describe(value: &Value) -> String {
    match value {
        Value::Null => "null".to_string(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        Value::String(s) => format!("{s:?}"),
        Value::Sequence(_) => "a list".to_string(),
        Value::Mapping(_) => "a map".to_string(),
        Value::Tagged(t) => format!("a value tagged {}", t.tag),
    }
}

/// A YAML value as a user would type it: strings bare, others in words.
pub(crate) fn plain(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => describe(other),
    }
}

/// The seat index of a `player_<n>` key.
fn seat_index(key: &str) -> Option<usize> {
    let digits = key.strip_prefix("player_")?;
    let valid = !digits.is_empty()
        && digits.bytes().all(|b| b.is_ascii_digit())
        && (digits == "0" || !digits.starts_with('0'));
    if !valid {
        return None;
    }
    digits.parse().ok()
}

fn seat_agents(
    path: &str,
    agents: Option<&BTreeMap<String, RawAgent>>,
    info: &GameInfo,
    seats: usize,
    mode: Mode,
    llm: &LlmBackend,
) -> Result<Vec<SeatAgent>, ConfigError> {
    let seat_hint = if info.params.iter().any(|p| p.name == "players") {
        format!("; {}'s `players` parameter sets the seats", info.name)
    } else {
        String::new()
    };
    let mut given: Vec<Option<SeatAgent>> = vec![None; seats];
    for (key, agent) in agents.into_iter().flatten() {
        let key_path = format!("{path}.{key}");
        let Some(seat) = seat_index(key) else {
            let did_you_mean = seat_suggestion(key)
                .map(|s| format!("; did you mean `{s}`?"))
                .unwrap_or_default();
            return Err(ConfigError::invalid(
                key_path,
                format!("agents are keyed `player_<seat>`, from player_0{did_you_mean}"),
            ));
        };
        if seat >= seats {
            return Err(ConfigError::invalid(
                key_path,
                format!(
                    "more players than the game seats: {} has {seats} seats (player_0..player_{}){seat_hint}",
                    info.name,
                    seats - 1
                ),
            ));
        }
        given[seat] = Some(resolve_agent(&key_path, agent, info, llm)?);
    }

    let Some((side_a, side_b)) = mode.sides() else {
        let mut out = Vec::with_capacity(seats);
        for (seat, agent) in given.into_iter().enumerate() {
            let Some(agent) = agent else {
                return Err(ConfigError::invalid(
                    format!("{path}.player_{seat}"),
                    format!(
                        "fewer players than the game seats: {} has {seats} seats and mode `custom` \
                         fills none; add `{path}.player_{seat}`{seat_hint}",
                        info.name
                    ),
                ));
            };
            out.push(agent);
        }
        return Ok(out);
    };

    for (seat, agent) in given.iter().enumerate() {
        if let Some(agent) = agent
            && agent.agent_type != side_a
            && agent.agent_type != side_b
        {
            let types: Vec<AgentType> = given.iter().flatten().map(|a| a.agent_type).collect();
            return Err(ConfigError::invalid(
                format!("{path}.player_{seat}"),
                format!(
                    "is {} agent, but mode `{}` seats only {} agents{}",
                    a_type(agent.agent_type),
                    mode.as_str(),
                    sides_text(side_a, side_b),
                    mode_hint(&types),
                ),
            ));
        }
    }

    let mut out: Vec<SeatAgent> = Vec::with_capacity(seats);
    for seat in 0..seats {
        if let Some(agent) = given[seat].take() {
            out.push(agent);
            continue;
        }
        // Side a when nobody holds it yet, else side b: the obvious fill for
        // "an llm vs random" with one seat named, and for n-seat games
        // (one llm, the rest random).
        let seated = |t: AgentType| {
            out.iter()
                .chain(given.iter().flatten())
                .any(|a| a.agent_type == t)
        };
        let fill = if seated(side_a) { side_b } else { side_a };
        let key_path = format!("{path}.player_{seat}");
        let filled = RawAgent {
            agent_type: Some(fill),
            model: None,
        };
        out.push(
            resolve_agent(&key_path, &filled, info, llm).map_err(|e| match e {
                ConfigError::Invalid { path, message } => ConfigError::invalid(
                    path,
                    format!(
                        "mode `{}` fills this seat with {} agent, but: {message}",
                        mode.as_str(),
                        a_type(fill)
                    ),
                ),
                e => e,
            })?,
        );
    }

    if side_a != side_b {
        for side in [side_a, side_b] {
            if !out.iter().any(|a| a.agent_type == side) {
                let types: Vec<AgentType> = out.iter().map(|a| a.agent_type).collect();
                return Err(ConfigError::invalid(
                    path,
                    format!(
                        "mode `{}` needs at least one {} seat, but every seat is {}{}",
                        mode.as_str(),
                        side.as_str(),
                        types
                            .iter()
                            .map(|t| t.as_str())
                            .collect::<Vec<_>>()
                            .join("/"),
                        mode_hint(&types),
                    ),
                ));
            }
        }
    }
    Ok(out)
}

/// "an llm", "a random"…
fn a_type(t: AgentType) -> String {
    match t {
        AgentType::Llm => "an llm".to_string(),
        t => format!("a {}", t.as_str()),
    }
}

fn capitalized(text: String) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => text,
    }
}

fn sides_text(a: AgentType, b: AgentType) -> String {
    if a == b {
        a.as_str().to_string()
    } else {
        format!("{} and {}", a.as_str(), b.as_str())
    }
}

/// "; use mode `x`" for the mode that fits these agent types.
fn mode_hint(types: &[AgentType]) -> String {
    match Mode::for_types(types) {
        Some(m) => format!(
            "; for these agents use `mode: {}` (or `custom`)",
            m.as_str()
        ),
        None => "; for this mix of agents use `mode: custom`".to_string(),
    }
}

/// A seat's type and model, resolved to a concrete agent name.
fn resolve_agent(
    path: &str,
    agent: &RawAgent,
    info: &GameInfo,
    llm: &LlmBackend,
) -> Result<SeatAgent, ConfigError> {
    let model_path = format!("{path}.model");
    let model = agent.model.as_deref().map(str::trim);
    let agent_type = match (agent.agent_type, model) {
        (Some(t), _) => t,
        (None, Some(m)) => {
            let parsed = AgentName::parse(m)
                .map_err(|e| ConfigError::invalid(&model_path, e.to_string()))?;
            AgentType::of(&parsed)
        }
        (None, None) => {
            return Err(ConfigError::invalid(
                path,
                format!(
                    "gives neither `type` nor `model`; write e.g. `{{type: random}}` or `{{type: llm, model: {DEFAULT_MODEL}}}`"
                ),
            ));
        }
    };
    let name = match (agent_type, model) {
        (AgentType::Llm, None) => llm.default_model.clone(),
        (AgentType::Llm, Some(m)) => m.to_string(),
        (AgentType::Random, None | Some("random")) => "random".to_string(),
        (AgentType::Human, None | Some("human")) => "human".to_string(),
        (AgentType::Baseline, None) => format!("baseline_{}", info.name),
        (AgentType::Baseline, Some(m)) => m.to_string(),
        (t @ (AgentType::Random | AgentType::Human), Some(m)) => {
            return Err(ConfigError::invalid(
                model_path,
                format!(
                    "{} agent takes no model, got `{m}`; remove `model`, or set `type: llm` to play `{m}`",
                    capitalized(a_type(t))
                ),
            ));
        }
    };
    let parsed = if agent_type == AgentType::Llm {
        llm_name(&model_path, &name)?
    } else {
        AgentName::parse(&name).map_err(|e| ConfigError::invalid(&model_path, e.to_string()))?
    };
    if AgentType::of(&parsed) != agent_type {
        return Err(ConfigError::invalid(
            model_path,
            format!(
                "`{name}` is {} agent, but `type` says {}; fix one of them",
                a_type(AgentType::of(&parsed)),
                agent_type.as_str()
            ),
        ));
    }
    if agent_type == AgentType::Baseline && name != format!("baseline_{}", info.name) {
        return Err(ConfigError::invalid(
            model_path,
            format!(
                "`{name}` does not play {}; the baseline for this game is `baseline_{}`, if it has one",
                info.name, info.name
            ),
        ));
    }
    Ok(SeatAgent {
        agent_type,
        name,
        agent: parsed,
    })
}

/// The explicit raw form of a validated config.
pub(crate) fn to_raw(config: &RunConfig) -> RawConfig {
    let agents_of = |env: &EnvConfig| -> BTreeMap<String, RawAgent> {
        env.seats
            .iter()
            .enumerate()
            .map(|(seat, a)| {
                // `random` and `human` need no model; the others name theirs.
                let model = match a.agent_type {
                    AgentType::Random | AgentType::Human => None,
                    AgentType::Llm | AgentType::Baseline => Some(a.name.clone()),
                };
                (
                    format!("player_{seat}"),
                    RawAgent {
                        agent_type: Some(a.agent_type),
                        model,
                    },
                )
            })
            .collect()
    };
    // Seats shared by every game go to the top level, as people write them.
    let shared = config
        .envs
        .first()
        .filter(|first| config.envs.iter().all(|e| e.seats == first.seats))
        .map(agents_of);
    let mut envs: Vec<RawEnv> = config
        .envs
        .iter()
        .map(|env| RawEnv {
            game_name: Some(env.game.clone()),
            max_game_rounds: env.max_game_rounds.map(|r| i64::from(r.get())),
            agents: if shared.is_some() {
                None
            } else {
                Some(agents_of(env))
            },
            params: raw_params(&env.game, &env.params),
        })
        .collect();
    let (env_config, env_configs) = if envs.len() == 1 {
        (envs.pop(), None)
    } else {
        (None, Some(envs))
    };
    RawConfig {
        run_name: config.run_name.clone(),
        mode: Some(config.mode),
        seed: Some(config.seed),
        num_episodes: Some(i64::from(config.num_episodes.get())),
        concurrency: Some(i64::from(config.concurrency.get())),
        env_config,
        env_configs,
        agents: shared,
        llm_backend: Some(raw_llm_backend(&config.llm_backend)),
        illegal_move_policy: Some(raw_illegal_move_policy(config.illegal_move_policy)),
        log: Some(raw_log(&config.log)),
    }
}

/// The explicit raw form of `llm_backend`.
pub(crate) fn raw_llm_backend(llm: &LlmBackend) -> RawLlmBackend {
    RawLlmBackend {
        max_tokens: Some(i64::from(llm.max_tokens.get())),
        temperature: Some(llm.temperature),
        default_model: Some(llm.default_model.clone()),
        request_timeout_s: Some(llm.request_timeout.as_secs_f64()),
        max_retries: Some(i64::from(llm.max_retries)),
    }
}

/// The explicit raw form of `illegal_move_policy`.
pub(crate) fn raw_illegal_move_policy(policy: IllegalMovePolicy) -> RawIllegalMovePolicy {
    RawIllegalMovePolicy {
        reprompts: Some(i64::from(policy.reprompts)),
        on_failure: Some(policy.on_failure),
    }
}

/// The explicit raw form of `log`.
pub(crate) fn raw_log(log: &LogConfig) -> RawLog {
    RawLog {
        db: Some(log.db.clone()),
    }
}

/// A game's parameters as raw YAML entries, in the order the game declares
/// them (as `runner games` lists them).
pub(crate) fn raw_params(
    game: &str,
    params: &BTreeMap<String, ParamValue>,
) -> Vec<(String, Value)> {
    let declared: Vec<&str> = arena_games::find(game)
        .map(|info| info.params.iter().map(|p| p.name).collect())
        .unwrap_or_default();
    let mut names: Vec<&str> = params.keys().map(String::as_str).collect();
    names.sort_by_key(|n| declared.iter().position(|d| d == n).unwrap_or(usize::MAX));
    names
        .into_iter()
        .filter_map(|n| params.get(n).map(|v| (n.to_string(), param_value(v))))
        .collect()
}

fn param_value(v: &ParamValue) -> Value {
    match v {
        ParamValue::Bool(b) => Value::Bool(*b),
        ParamValue::Int(i) => Value::Number((*i).into()),
        ParamValue::Str(s) => Value::String(s.clone()),
    }
}
