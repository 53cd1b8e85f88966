//! The configuration layer's error type. Every message names where the
//! problem is (the file with line and column, the override as typed, or the
//! key path) and says how to fix it.

use std::path::PathBuf;

use thiserror::Error;

/// Everything that can be wrong with a run configuration.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// The config file could not be read.
    // The reason is the source: `{:#}` prints it after this message.
    #[error("cannot read config file {} (check the path given to --config)", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// The config file is not valid YAML, or does not fit the config schema
    /// (an unknown key, a value of the wrong type).
    #[error("{}{}: {message}", path.display(), at(line, column))]
    File {
        /// The file.
        path: PathBuf,
        /// 1-based line, where the YAML parser knows it.
        line: Option<usize>,
        /// 1-based column, where the YAML parser knows it.
        column: Option<usize>,
        /// What is wrong, with the key path and a hint.
        message: String,
    },
    /// An `--override` that is not `key.path=value`.
    #[error("override `{text}`: {message}")]
    OverrideSyntax {
        /// The override as given.
        text: String,
        /// What is wrong with it.
        message: String,
    },
    /// An override names a key the config schema does not have.
    #[error(
        "override `{text}`: unknown key `{path}`{}{}",
        suggestion_text(suggestion),
        hint_text(hint)
    )]
    UnknownKey {
        /// The override as given.
        text: String,
        /// The key path up to and including the unknown key.
        path: String,
        /// The closest known key, if one is close.
        suggestion: Option<String>,
        /// More help: the known keys, or what to use instead.
        hint: Option<String>,
    },
    /// An override gives a value of the wrong type for its key.
    #[error("override `{text}`: `{path}` must be {expected}, got `{value}`")]
    WrongType {
        /// The override as given.
        text: String,
        /// The key path.
        path: String,
        /// The expected type, in words.
        expected: String,
        /// The value as given.
        value: String,
    },
    /// The merged configuration is well-formed but not valid: an unknown
    /// game or parameter, agents that do not fit the mode or the seats, a
    /// number out of range.
    #[error("invalid config at `{path}`: {message}")]
    Invalid {
        /// The key path of the offending value.
        path: String,
        /// What is wrong and how to fix it.
        message: String,
    },
    /// The effective configuration could not be written as YAML.
    #[error("cannot write the effective config as YAML: {message}")]
    Serialize {
        /// The serializer's message.
        message: String,
    },
}

fn at(line: &Option<usize>, column: &Option<usize>) -> String {
    match (line, column) {
        (Some(l), Some(c)) => format!(":{l}:{c}"),
        (Some(l), None) => format!(":{l}"),
        _ => String::new(),
    }
}

fn suggestion_text(suggestion: &Option<String>) -> String {
    suggestion
        .as_ref()
        .map(|s| format!("; did you mean `{s}`?"))
        .unwrap_or_default()
}

fn hint_text(hint: &Option<String>) -> String {
    hint.as_ref().map(|h| format!(" ({h})")).unwrap_or_default()
}

impl ConfigError {
    /// A validation error at `path`.
    pub(crate) fn invalid(path: impl Into<String>, message: impl Into<String>) -> Self {
        ConfigError::Invalid {
            path: path.into(),
            message: message.into(),
        }
    }
}
