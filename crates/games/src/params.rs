//! Typed game parameters: each game declares its parameters with defaults and
//! valid ranges; given values are checked against them before a game is built.

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};

use crate::error::GameError;

/// A parameter value as given by a user (from YAML, an override or code).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(untagged)]
pub enum ParamValue {
    /// `true` / `false`.
    Bool(bool),
    /// An integer.
    Int(i64),
    /// A word or text.
    Str(String),
}

impl fmt::Display for ParamValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ParamValue::Bool(b) => write!(f, "{b}"),
            ParamValue::Int(i) => write!(f, "{i}"),
            ParamValue::Str(s) => write!(f, "{s:?}"),
        }
    }
}

impl From<i64> for ParamValue {
    fn from(v: i64) -> Self {
        ParamValue::Int(v)
    }
}

impl From<bool> for ParamValue {
    fn from(v: bool) -> Self {
        ParamValue::Bool(v)
    }
}

impl From<&str> for ParamValue {
    fn from(v: &str) -> Self {
        ParamValue::Str(v.to_string())
    }
}

/// The type and valid values of a parameter.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ParamKind {
    /// An integer in `min..=max`.
    Int {
        /// Smallest valid value.
        min: i64,
        /// Largest valid value.
        max: i64,
    },
    /// A boolean.
    Bool,
    /// One of a fixed set of words.
    Choice(&'static [&'static str]),
}

impl fmt::Display for ParamKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ParamKind::Int { min, max } => write!(f, "an integer in {min}..={max}"),
            ParamKind::Bool => f.write_str("true or false"),
            ParamKind::Choice(words) => write!(f, "one of {}", words.join(", ")),
        }
    }
}

/// The declaration of one parameter.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ParamSpec {
    /// Its name, as written in configs.
    pub name: &'static str,
    /// Its type and valid values.
    pub kind: ParamKind,
    /// The default, as a literal of its kind (`"7"`, `"true"`, `"easy"`).
    pub default: &'static str,
    /// One line saying what it does.
    pub description: &'static str,
}

impl ParamSpec {
    /// The default as a typed value.
    pub fn default_value(&self) -> ParamValue {
        match self.kind {
            ParamKind::Int { .. } => ParamValue::Int(self.default.parse().unwrap_or_default()),
            ParamKind::Bool => ParamValue::Bool(self.default == "true"),
            ParamKind::Choice(_) => ParamValue::Str(self.default.to_string()),
        }
    }
}

/// A complete, validated set of parameters for one game: every declared
/// parameter has a value of its kind within its range.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Params(BTreeMap<String, ParamValue>);

impl Params {
    /// Checks `given` against `specs` and fills in defaults.
    pub fn resolve(
        game: &str,
        specs: &[ParamSpec],
        given: &BTreeMap<String, ParamValue>,
    ) -> Result<Params, GameError> {
        for name in given.keys() {
            if !specs.iter().any(|s| s.name == name) {
                return Err(GameError::UnknownParam {
                    game: game.to_string(),
                    param: name.clone(),
                    known: specs.iter().map(|s| s.name.to_string()).collect(),
                });
            }
        }
        let mut values = BTreeMap::new();
        for spec in specs {
            let value = given
                .get(spec.name)
                .cloned()
                .unwrap_or_else(|| spec.default_value());
            check_value(game, spec, &value)?;
            values.insert(spec.name.to_string(), value);
        }
        Ok(Params(values))
    }

    /// The value of an integer parameter (0 if absent or not an integer;
    /// validated parameters always have the declared kind).
    pub fn int(&self, name: &str) -> i64 {
        match self.0.get(name) {
            Some(ParamValue::Int(i)) => *i,
            _ => 0,
        }
    }

    /// The value of a boolean parameter.
    pub fn bool(&self, name: &str) -> bool {
        matches!(self.0.get(name), Some(ParamValue::Bool(true)))
    }

    /// The value of a word parameter.
    pub fn str(&self, name: &str) -> &str {
        match self.0.get(name) {
            Some(ParamValue::Str(s)) => s,
            _ => "",
        }
    }

    /// All values, by name.
    pub fn values(&self) -> &BTreeMap<String, ParamValue> {
        &self.0
    }
}

fn check_value(game: &str, spec: &ParamSpec, value: &ParamValue) -> Result<(), GameError> {
    let wrong_type = || GameError::WrongType {
        game: game.to_string(),
        param: spec.name.to_string(),
        expected: spec.kind.to_string(),
        got: value.to_string(),
    };
    let out_of_range = |range: String| GameError::OutOfRange {
        game: game.to_string(),
        param: spec.name.to_string(),
        value: value.to_string(),
        range,
    };
    match (spec.kind, value) {
        (ParamKind::Int { min, max }, ParamValue::Int(v)) => {
            if *v < min || *v > max {
                return Err(out_of_range(format!("{min}..={max}")));
            }
        }
        (ParamKind::Bool, ParamValue::Bool(_)) => {}
        (ParamKind::Choice(words), ParamValue::Str(s)) => {
            if !words.contains(&s.as_str()) {
                return Err(out_of_range(format!("{{{}}}", words.join(", "))));
            }
        }
        _ => return Err(wrong_type()),
    }
    Ok(())
}
