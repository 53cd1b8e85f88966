//! `--override key.path=value`: a dotted path into the config, typed by a
//! small description of the config schema, applied to the YAML tree before
//! it is read as a [`super::RawConfig`].
//!
//! The schema decides what a value is: `num_episodes=1` is the integer 1,
//! `agents.player_0.model=0123` the string "0123", a game parameter takes
//! the type its game declares. Lists and maps are written in YAML flow
//! syntax (`env_configs=[connect_four, poker]`); list entries are addressed
//! by index (`env_configs.1.players=6`, and the next free index appends);
//! `null` removes a key, so its default applies again.
//!
//! The same machinery serves tournament files: each file kind describes its
//! keys as a [`Schema`] ([`RUN`] here, the tournament's in
//! `crate::tournament`).

use arena_games::ParamKind;
use serde_yaml::{Mapping, Value};

use super::error::ConfigError;
use super::suggest::{foreign_key_hint, seat_suggestion, suggest};
use super::validate::{describe, plain};
use super::{AgentType, DEFAULT_GAME, Mode};

/// What a key of the config holds.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Node {
    /// Text, taken verbatim.
    Str,
    /// A signed integer.
    Int,
    /// A non-negative integer.
    UInt,
    /// A number.
    Float,
    /// `true` or `false`.
    Bool,
    /// One of these words.
    Enum(&'static [&'static str]),
    /// A map with exactly these keys.
    Struct(&'static [(&'static str, Node)]),
    /// A list of these; entries are addressed by index, and a single value
    /// stands for a list of one.
    List(&'static Node),
    /// A game: its name, or a map of `game_name`, these other keys, and the
    /// game's parameters beside them.
    Env(&'static [(&'static str, Node)]),
    /// `player_<n>` → agent.
    Agents,
    /// An agent: a name, or `{type, model}`.
    Agent,
    /// A game parameter of a known kind.
    Param(ParamKind),
    /// A parameter of a game this config does not (yet) name correctly:
    /// read as YAML; validation reports the game.
    Yaml,
}

/// The keys of one kind of file, and the pairs of keys that exclude each
/// other (setting one whole removes the other).
#[derive(Clone, Copy, Debug)]
pub(crate) struct Schema {
    /// The top-level keys.
    pub(crate) fields: &'static [(&'static str, Node)],
    /// Keys of which a file sets at most one.
    pub(crate) exclusive: &'static [(&'static str, &'static str)],
}

const AGENT_FIELDS: &[(&str, Node)] =
    &[("type", Node::Enum(AgentType::NAMES)), ("model", Node::Str)];

/// The keys of a run config's game entry besides `game_name` and the game's
/// parameters.
const RUN_ENV: Node = Node::Env(&[
    ("game_name", Node::Str),
    ("max_game_rounds", Node::Int),
    ("agents", Node::Agents),
]);

/// `llm_backend`, shared by run configs and tournament files.
pub(crate) const LLM_BACKEND: Node = Node::Struct(&[
    ("max_tokens", Node::Int),
    ("temperature", Node::Float),
    ("default_model", Node::Str),
    ("request_timeout_s", Node::Float),
    ("max_retries", Node::Int),
]);

/// `illegal_move_policy`, shared by run configs and tournament files.
pub(crate) const ILLEGAL_MOVE_POLICY: Node = Node::Struct(&[
    ("reprompts", Node::Int),
    ("on_failure", Node::Enum(&["forfeit", "random"])),
]);

/// `log`, shared by run configs and tournament files.
pub(crate) const LOG: Node = Node::Struct(&[("db", Node::Str)]);

/// A run config (`runner --config`).
pub(crate) const RUN: Schema = Schema {
    fields: ROOT,
    exclusive: &[("env_config", "env_configs")],
};

const ROOT: &[(&str, Node)] = &[
    ("run_name", Node::Str),
    ("mode", Node::Enum(Mode::NAMES)),
    ("seed", Node::UInt),
    ("num_episodes", Node::Int),
    ("concurrency", Node::Int),
    ("env_config", RUN_ENV),
    ("env_configs", Node::List(&RUN_ENV)),
    ("agents", Node::Agents),
    ("llm_backend", LLM_BACKEND),
    ("illegal_move_policy", ILLEGAL_MOVE_POLICY),
    ("log", LOG),
];

/// Every key path of a run config, with `<index>`, `<param>` and `<seat>`
/// standing for the open parts; for documentation and tests.
#[cfg(test)]
pub(crate) fn known_paths() -> Vec<String> {
    known_paths_of(&RUN)
}

/// Every key path `schema` knows, as [`known_paths`] lists a run config's.
#[cfg(test)]
pub(crate) fn known_paths_of(schema: &Schema) -> Vec<String> {
    fn walk_fields(prefix: &str, fields: &[(&str, Node)], out: &mut Vec<String>) {
        for (name, node) in fields {
            let path = join(prefix, name);
            out.push(path.clone());
            walk_node(&path, *node, out);
        }
    }
    fn walk_node(path: &str, node: Node, out: &mut Vec<String>) {
        match node {
            Node::Struct(fields) => walk_fields(path, fields, out),
            Node::Agent => walk_fields(path, AGENT_FIELDS, out),
            Node::Agents => {
                let seat = format!("{path}.player_<seat>");
                out.push(seat.clone());
                walk_node(&seat, Node::Agent, out);
            }
            Node::Env(fields) => {
                walk_fields(path, fields, out);
                out.push(format!("{path}.<param>"));
            }
            Node::List(inner) => {
                let entry = format!("{path}.<index>");
                out.push(entry.clone());
                walk_node(&entry, *inner, out);
            }
            _ => {}
        }
    }
    let mut out = Vec::new();
    walk_fields("", schema.fields, &mut out);
    out
}

impl Node {
    /// The node's type in words, for messages.
    fn expected(self) -> String {
        match self {
            Node::Str => "a string".to_string(),
            Node::Int => "an integer".to_string(),
            Node::UInt => "a non-negative integer".to_string(),
            Node::Float => "a number".to_string(),
            Node::Bool => "true or false".to_string(),
            Node::Enum(words) => format!("one of {}", words.join(", ")),
            Node::Struct(fields) => format!(
                "a map with keys {}",
                fields
                    .iter()
                    .map(|(k, _)| *k)
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            Node::List(Node::Env(_)) => {
                "a list of games, e.g. [connect_four, {game_name: poker, players: 3}]".to_string()
            }
            Node::List(inner) => format!("a list, each entry {}", inner.expected()),
            Node::Env(_) => "a game name or a map like {game_name: poker, players: 3}".to_string(),
            Node::Agents => "a map of player_<seat> to agents, e.g. {player_0: random}".to_string(),
            Node::Agent => {
                "an agent name or a map like {type: llm, model: llamacpp_gemma3-270m}".to_string()
            }
            Node::Param(kind) => kind.to_string(),
            Node::Yaml => "a YAML value".to_string(),
        }
    }
}

/// The override being applied, for messages.
struct Ctx<'a> {
    text: &'a str,
    value: &'a str,
}

impl Ctx<'_> {
    fn unknown(
        &self,
        path: String,
        key: &str,
        known: &[&str],
        hint: Option<String>,
    ) -> ConfigError {
        let hint = hint
            .or_else(|| foreign_key_hint(key).map(str::to_string))
            .or_else(|| (!known.is_empty()).then(|| format!("keys here: {}", known.join(", "))));
        ConfigError::UnknownKey {
            text: self.text.to_string(),
            path,
            suggestion: suggest(key, known.iter().copied()),
            hint,
        }
    }

    fn wrong_type(&self, path: &str, expected: String, value: String) -> ConfigError {
        ConfigError::WrongType {
            text: self.text.to_string(),
            path: path.to_string(),
            expected,
            value,
        }
    }

    fn syntax(&self, message: impl Into<String>) -> ConfigError {
        ConfigError::OverrideSyntax {
            text: self.text.to_string(),
            message: message.into(),
        }
    }
}

/// Applies one `key.path=value` override to a run config's tree.
pub(crate) fn apply(tree: &mut Value, text: &str) -> Result<(), ConfigError> {
    apply_schema(&RUN, tree, text)
}

/// Applies one `key.path=value` override to the tree of a file of `schema`.
pub(crate) fn apply_schema(
    schema: &Schema,
    tree: &mut Value,
    text: &str,
) -> Result<(), ConfigError> {
    let Some((path, value)) = text.split_once('=') else {
        return Err(ConfigError::OverrideSyntax {
            text: text.to_string(),
            message: "expected `key.path=value`, e.g. `num_episodes=3` or `agents.player_0.model=llamacpp_gemma3-270m`"
                .to_string(),
        });
    };
    let ctx = Ctx {
        text,
        value: value.trim(),
    };
    let path = path.trim();
    let segs: Vec<&str> = path.split('.').collect();
    if segs.iter().any(|s| s.trim().is_empty()) {
        return Err(ctx.syntax(format!(
            "the key path `{path}` has an empty part; write keys separated by single dots"
        )));
    }
    let segs: Vec<&str> = segs.iter().map(|s| s.trim()).collect();

    let root = ensure_map(tree);
    // `env_config` (one game) and `env_configs` (a list) exclude each other:
    // setting one whole replaces the other; reaching into the absent one is
    // a mistake worth naming.
    let pairs = schema.exclusive.iter().flat_map(|&(a, b)| [(a, b), (b, a)]);
    for (this, other) in pairs {
        if segs[0] == this && root.get(other).is_some_and(|v| !v.is_null()) {
            if segs.len() == 1 {
                root.remove(other);
            } else if root.get(this).is_none_or(Value::is_null) {
                let hint = match (this, segs.len()) {
                    ("env_config", _) => format!("`env_configs.<index>.{}`", segs[1..].join(".")),
                    (_, 2) => "`env_config=...`".to_string(),
                    _ => format!("`env_config.{}`", segs[2..].join(".")),
                };
                return Err(ctx.syntax(format!(
                    "this config sets its games with `{other}`, not `{this}`; override {hint} instead, \
                     or replace the games with `{this}=...`"
                )));
            }
        }
    }
    descend_struct(schema.fields, root, "", &segs, &ctx)
}

fn join(walked: &str, key: &str) -> String {
    if walked.is_empty() {
        key.to_string()
    } else {
        format!("{walked}.{key}")
    }
}

/// Makes `slot` a map (replacing anything else) and returns it.
fn ensure_map(slot: &mut Value) -> &mut Mapping {
    if !slot.is_mapping() {
        *slot = Value::Mapping(Mapping::new());
    }
    match slot {
        Value::Mapping(m) => m,
        _ => unreachable!("the slot was just made a mapping"),
    }
}

/// Sets or descends into `key` of `map`, whose value is of kind `node`.
fn set_key(
    map: &mut Mapping,
    key: &str,
    node: Node,
    walked: &str,
    rest: &[&str],
    ctx: &Ctx<'_>,
) -> Result<(), ConfigError> {
    let path = join(walked, key);
    if rest.is_empty() {
        let value = typed(node, &path, ctx)?;
        if value.is_null() {
            map.remove(key);
        } else {
            map.insert(Value::String(key.to_string()), value);
        }
        return Ok(());
    }
    let slot = map
        .entry(Value::String(key.to_string()))
        .or_insert(Value::Null);
    descend(node, slot, &path, rest, ctx)
}

/// Follows `segs` (at least one) into `slot`, a value of kind `node`.
fn descend(
    node: Node,
    slot: &mut Value,
    walked: &str,
    segs: &[&str],
    ctx: &Ctx<'_>,
) -> Result<(), ConfigError> {
    match node {
        Node::Struct(fields) => descend_struct(fields, ensure_map(slot), walked, segs, ctx),
        Node::Agent => {
            // `player_1: random` is shorthand for `{model: random}`.
            if let Value::String(name) = slot {
                let mut m = Mapping::new();
                m.insert(Value::String("model".into()), Value::String(name.clone()));
                *slot = Value::Mapping(m);
            }
            descend_struct(AGENT_FIELDS, ensure_map(slot), walked, segs, ctx)
        }
        Node::Agents => {
            let key = segs[0];
            if !is_seat_key(key) {
                return Err(seat_key_error(ctx, join(walked, key), key));
            }
            set_key(ensure_map(slot), key, Node::Agent, walked, &segs[1..], ctx)
        }
        Node::Env(fields) => {
            // `poker` is shorthand for `{game_name: poker}`.
            if let Value::String(name) = slot {
                let mut m = Mapping::new();
                m.insert(
                    Value::String("game_name".into()),
                    Value::String(name.clone()),
                );
                *slot = Value::Mapping(m);
            }
            let map = ensure_map(slot);
            let key = segs[0];
            let child = env_child(map, key, fields, walked, ctx)?;
            set_key(map, key, child, walked, &segs[1..], ctx)
        }
        Node::List(inner) => {
            if !slot.is_sequence() {
                *slot = Value::Sequence(Vec::new());
            }
            let Value::Sequence(list) = slot else {
                unreachable!("the slot was just made a sequence");
            };
            let key = segs[0];
            let len = list.len();
            let what = match inner {
                Node::Env(_) => "a game",
                _ => "an entry",
            };
            let range = if len == 0 {
                format!("it is empty, so only 0 (to add {what})")
            } else {
                format!(
                    "it has {len} entries: 0..={} (or {len} to add {what})",
                    len - 1
                )
            };
            let index: usize = key.parse().map_err(|_| {
                ctx.syntax(format!(
                    "`{walked}` is a list; `{key}` is not an index ({range})"
                ))
            })?;
            if index > len {
                return Err(ctx.syntax(format!("`{walked}` has no index {index}; {range}")));
            }
            let path = join(walked, key);
            if segs.len() == 1 {
                let value = typed(*inner, &path, ctx)?;
                match (value.is_null(), index < len) {
                    (true, true) => {
                        list.remove(index);
                    }
                    (true, false) => {}
                    (false, true) => list[index] = value,
                    (false, false) => list.push(value),
                }
                return Ok(());
            }
            if index == len {
                list.push(Value::Null);
            }
            descend(*inner, &mut list[index], &path, &segs[1..], ctx)
        }
        leaf => Err(ctx.unknown(
            join(walked, segs[0]),
            segs[0],
            &[],
            Some(format!("`{walked}` is {}, not a map", leaf.expected())),
        )),
    }
}

fn descend_struct(
    fields: &[(&str, Node)],
    map: &mut Mapping,
    walked: &str,
    segs: &[&str],
    ctx: &Ctx<'_>,
) -> Result<(), ConfigError> {
    let key = segs[0];
    let Some((_, node)) = fields.iter().find(|(k, _)| *k == key) else {
        let known: Vec<&str> = fields.iter().map(|(k, _)| *k).collect();
        return Err(ctx.unknown(join(walked, key), key, &known, None));
    };
    set_key(map, key, *node, walked, &segs[1..], ctx)
}

fn seat_key_error(ctx: &Ctx<'_>, path: String, key: &str) -> ConfigError {
    ConfigError::UnknownKey {
        text: ctx.text.to_string(),
        path,
        suggestion: seat_suggestion(key),
        hint: Some("agents are keyed `player_<seat>`, from player_0".to_string()),
    }
}

fn is_seat_key(key: &str) -> bool {
    key.strip_prefix("player_").is_some_and(|d| {
        !d.is_empty() && d.bytes().all(|b| b.is_ascii_digit()) && (d == "0" || !d.starts_with('0'))
    })
}

/// The kind of `key` in an env map: one of its `fields`, else a parameter
/// of the game it names.
fn env_child(
    map: &Mapping,
    key: &str,
    fields: &[(&str, Node)],
    walked: &str,
    ctx: &Ctx<'_>,
) -> Result<Node, ConfigError> {
    if let Some((_, node)) = fields.iter().find(|(k, _)| *k == key) {
        return Ok(*node);
    }
    let game = map
        .get("game_name")
        .and_then(Value::as_str)
        .unwrap_or(DEFAULT_GAME);
    let Ok(info) = arena_games::find(game.trim()) else {
        // Validation names the unknown game; the value keeps its YAML type.
        return Ok(Node::Yaml);
    };
    match info.params.iter().find(|p| p.name == key) {
        Some(spec) => Ok(Node::Param(spec.kind)),
        None => {
            let known: Vec<&str> = fields
                .iter()
                .map(|(k, _)| *k)
                .chain(info.params.iter().map(|p| p.name))
                .collect();
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
            Err(ctx.unknown(
                join(walked, key),
                key,
                &known,
                Some(format!(
                    "game `{}` has no parameter `{key}`; {params}",
                    info.name
                )),
            ))
        }
    }
}

/// The override's value as a YAML value of kind `node`; `Null` means
/// "remove the key".
fn typed(node: Node, path: &str, ctx: &Ctx<'_>) -> Result<Value, ConfigError> {
    let raw = ctx.value;
    if raw == "null" || raw == "~" {
        return Ok(Value::Null);
    }
    let wrong = || ctx.wrong_type(path, node.expected(), raw.to_string());
    match node {
        Node::Str => Ok(Value::String(unquote(raw))),
        Node::Int => raw
            .parse::<i64>()
            .map(|v| Value::Number(v.into()))
            .map_err(|_| wrong()),
        Node::UInt => raw
            .parse::<u64>()
            .map(|v| Value::Number(v.into()))
            .map_err(|_| wrong()),
        Node::Float => match raw.parse::<f64>() {
            Ok(v) if v.is_finite() => Ok(Value::Number(v.into())),
            _ => Err(wrong()),
        },
        Node::Bool | Node::Param(ParamKind::Bool) => match raw.to_ascii_lowercase().as_str() {
            "true" => Ok(Value::Bool(true)),
            "false" => Ok(Value::Bool(false)),
            _ => Err(wrong()),
        },
        Node::Enum(words) => {
            let word = unquote(raw);
            if words.contains(&word.as_str()) {
                Ok(Value::String(word))
            } else {
                let did_you_mean = suggest(&word, words.iter().copied())
                    .map(|s| format!(" (did you mean `{s}`?)"))
                    .unwrap_or_default();
                Err(ctx.wrong_type(
                    path,
                    format!("{}{did_you_mean}", node.expected()),
                    raw.to_string(),
                ))
            }
        }
        Node::Param(ParamKind::Int { .. }) => raw
            .parse::<i64>()
            .map(|v| Value::Number(v.into()))
            .map_err(|_| wrong()),
        Node::Param(ParamKind::Choice(_)) => Ok(Value::String(unquote(raw))),
        // A bare word is a game (or agent) name; anything else is YAML.
        Node::Env(_) | Node::Agent if !raw.starts_with(['{', '[', '"', '\'']) => {
            Ok(Value::String(raw.to_string()))
        }
        Node::Yaml
        | Node::Env(_)
        | Node::Agent
        | Node::Agents
        | Node::Struct(_)
        | Node::List(_) => {
            let mut value: Value = serde_yaml::from_str(raw)
                .map_err(|e| ctx.syntax(format!("`{raw}` is not valid YAML for `{path}`: {e}")))?;
            if matches!(node, Node::List(_)) && !value.is_sequence() && !value.is_null() {
                // `env_configs=poker` is a list of one game.
                value = Value::Sequence(vec![value]);
            }
            check(node, &value, path, ctx)?;
            Ok(value)
        }
    }
}

/// The text of a string value: YAML-quoted text loses its quotes, anything
/// else is taken verbatim (so `0123` stays "0123").
fn unquote(raw: &str) -> String {
    let quoted = raw.len() >= 2
        && ((raw.starts_with('"') && raw.ends_with('"'))
            || (raw.starts_with('\'') && raw.ends_with('\'')));
    if quoted && let Ok(Value::String(s)) = serde_yaml::from_str::<Value>(raw) {
        return s;
    }
    raw.to_string()
}

/// Checks a YAML value given in an override against the schema, so its
/// mistakes are reported against the override.
fn check(node: Node, value: &Value, path: &str, ctx: &Ctx<'_>) -> Result<(), ConfigError> {
    let wrong = || ctx.wrong_type(path, node.expected(), plain(value));
    if value.is_null() {
        return Ok(());
    }
    match node {
        Node::Str => value.is_string().then_some(()).ok_or_else(wrong),
        Node::Int => value.as_i64().map(|_| ()).ok_or_else(wrong),
        Node::UInt => value.as_u64().map(|_| ()).ok_or_else(wrong),
        Node::Float => value.as_f64().map(|_| ()).ok_or_else(wrong),
        Node::Bool => value.as_bool().map(|_| ()).ok_or_else(wrong),
        Node::Enum(words) => value
            .as_str()
            .filter(|w| words.contains(w))
            .map(|_| ())
            .ok_or_else(wrong),
        Node::Param(ParamKind::Int { .. }) => value.as_i64().map(|_| ()).ok_or_else(wrong),
        Node::Param(ParamKind::Bool) => value.as_bool().map(|_| ()).ok_or_else(wrong),
        Node::Param(ParamKind::Choice(_)) => value.as_str().map(|_| ()).ok_or_else(wrong),
        Node::Yaml => Ok(()),
        Node::Struct(fields) => {
            let map = value.as_mapping().ok_or_else(wrong)?;
            for (k, v) in map {
                let key = key_str(k, path, ctx)?;
                let Some((_, child)) = fields.iter().find(|(name, _)| *name == key) else {
                    let known: Vec<&str> = fields.iter().map(|(k, _)| *k).collect();
                    return Err(ctx.unknown(join(path, key), key, &known, None));
                };
                check(*child, v, &join(path, key), ctx)?;
            }
            Ok(())
        }
        Node::Agent => match value {
            Value::String(_) => Ok(()),
            Value::Mapping(_) => check(Node::Struct(AGENT_FIELDS), value, path, ctx),
            _ => Err(wrong()),
        },
        Node::Agents => {
            let map = value.as_mapping().ok_or_else(wrong)?;
            for (k, v) in map {
                let key = key_str(k, path, ctx)?;
                if !is_seat_key(key) {
                    return Err(seat_key_error(ctx, join(path, key), key));
                }
                check(Node::Agent, v, &join(path, key), ctx)?;
            }
            Ok(())
        }
        Node::List(inner) => {
            let list = value.as_sequence().ok_or_else(wrong)?;
            for (i, entry) in list.iter().enumerate() {
                check(*inner, entry, &join(path, &i.to_string()), ctx)?;
            }
            Ok(())
        }
        Node::Env(fields) => match value {
            Value::String(_) => Ok(()),
            Value::Mapping(map) => {
                for (k, v) in map {
                    let key = key_str(k, path, ctx)?;
                    let child = env_child(map, key, fields, path, ctx)?;
                    check(child, v, &join(path, key), ctx)?;
                }
                Ok(())
            }
            _ => Err(wrong()),
        },
    }
}

fn key_str<'v>(key: &'v Value, path: &str, ctx: &Ctx<'_>) -> Result<&'v str, ConfigError> {
    key.as_str().ok_or_else(|| {
        ctx.syntax(format!(
            "keys under `{path}` must be words, got {}",
            describe(key)
        ))
    })
}
