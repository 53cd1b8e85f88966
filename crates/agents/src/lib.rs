//! Agents for the LLM arena. This crate will put every backend (API models,
//! vLLM servers, in-process llama.cpp, humans, scripted baselines) behind one
//! trait; so far it holds the seeded random agent.

#![warn(missing_docs)]

mod catalog;
mod error;
mod naming;
mod parse;
mod pull;
mod random;

pub use catalog::{LlamaCppCatalog, LlamaCppModel, ModelSource};
pub use error::AgentError;
pub use naming::{
    AgentName, ApiStyle, LitellmTarget, PROVIDERS, Provider, provider, resolve_litellm,
};
pub use parse::{ExtractedReply, MoveSource, extract_move, split_thinking};
pub use pull::{
    NoProgress, PullError, PullProgress, PypiSource, default_cache_dir, pull, sha256_file,
};
pub use random::RandomAgent;
