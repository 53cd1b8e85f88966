//! The agents crate's error type: every message says what is wrong and how
//! to fix it.

use thiserror::Error;

use crate::http::HttpError;

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
    /// A prompt template failed to render.
    #[error("prompt: {message}")]
    Prompt {
        /// What failed.
        message: String,
    },
    /// The backend failed (a model error, a dead worker, a server error).
    #[error("agent {agent}: {message}")]
    Backend {
        /// The agent or model.
        agent: String,
        /// What went wrong.
        message: String,
    },
    /// A variable an API backend needs (a key, a base URL) is not set.
    #[error("{var} is not set; export it or put it in .env ({purpose})")]
    MissingEnv {
        /// The variable.
        var: String,
        /// What it holds, and other names that are read too.
        purpose: String,
    },
    /// A configuration input (a `.env` file, a model catalog) is malformed.
    #[error("{what}: {message}")]
    Config {
        /// The file or catalog.
        what: String,
        /// What is wrong and how to fix it.
        message: String,
    },
    /// A model server the runner launches (`vllm serve`) could not start:
    /// a missing program, a taken port, an early exit, no answer in time.
    #[error("launching {command}: {message}")]
    Launch {
        /// The command, shortened.
        command: String,
        /// What went wrong and how to fix it, with the server's last output.
        message: String,
    },
    /// An HTTP backend failed (refused key, server errors after every
    /// retry, a bad request). Never holds a key.
    #[error("agent {agent}: {error}")]
    Http {
        /// The agent.
        agent: String,
        /// What happened.
        error: HttpError,
    },
}

impl From<arena_llama::LlamaError> for AgentError {
    fn from(e: arena_llama::LlamaError) -> Self {
        AgentError::Backend {
            agent: "llamacpp".to_string(),
            message: e.to_string(),
        }
    }
}
