//! Agents for the LLM arena. This crate will put every backend (API models,
//! vLLM servers, in-process llama.cpp, humans, scripted baselines) behind one
//! trait; so far it holds the seeded random agent.

#![warn(missing_docs)]

mod random;

pub use random::RandomAgent;
