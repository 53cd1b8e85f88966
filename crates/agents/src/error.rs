//! The agents crate's error type: every message says what is wrong and how
//! to fix it.

use thiserror::Error;

/// What can go wrong when naming, building or asking an agent.
#[derive(Clone, Debug, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum AgentError {
    /// A name that matches no agent kind.
    #[error("unknown agent {name:?}: {hint}")]
    UnknownAgent {
        /// The name as given.
        name: String,
        /// What names look like.
        hint: String,
    },
    /// A `litellm_` model whose provider LiteLLM does not know.
    #[error(
        "unknown provider {provider:?} in model {model:?}; write `litellm_<provider>/<model>` with one of: {}",
        known.join(", ")
    )]
    UnknownProvider {
        /// The model string.
        model: String,
        /// The provider part.
        provider: String,
        /// Known providers.
        known: Vec<String>,
    },
}
