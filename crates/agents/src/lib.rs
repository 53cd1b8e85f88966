//! Agents for the LLM arena. This crate will put every backend (API models,
//! vLLM servers, in-process llama.cpp, humans, scripted baselines) behind one
//! trait; so far it holds the seeded random agent.

#![warn(missing_docs)]

mod error;
mod naming;
mod parse;
mod random;

pub use error::AgentError;
pub use naming::{
    AgentName, ApiStyle, LitellmTarget, PROVIDERS, Provider, provider, resolve_litellm,
};
pub use parse::{ExtractedReply, MoveSource, extract_move, split_thinking};
pub use random::RandomAgent;
