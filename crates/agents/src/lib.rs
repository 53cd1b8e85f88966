//! Agents for the LLM arena: every backend behind one [`Agent`] trait, with
//! the same prompts, the same reply parsing and the same illegal-move policy
//! ([`turn`]). So far: in-process llama.cpp models ([`LlamaCppAgent`]), API
//! models through LiteLLM's naming and environment variables
//! ([`LitellmAgent`], over the shared [`HttpClient`]), models on vLLM
//! servers, connected to or launched ([`VllmAgent`], [`VllmServer`]), and
//! the seeded random agent.

#![warn(missing_docs)]

mod agent;
mod anthropic;
mod baseline;
mod catalog;
mod env;
mod error;
mod gemini;
mod http;
mod human;
mod litellm;
mod litellm_catalog;
mod llamacpp;
mod naming;
mod openai;
mod parse;
mod prompt;
mod pull;
mod random;
pub mod turn;
mod upstream;
mod vllm;

pub use agent::{Agent, DecisionRequest, DecisionResponse, Sampling};
pub use baseline::{Baseline, BaselineAgent};
pub use catalog::{LlamaCppCatalog, LlamaCppModel, ModelSource};
pub use env::ApiEnv;
pub use error::AgentError;
pub use http::{
    Endpoint, HttpClient, HttpError, HttpSettings, JsonReply, JsonRequest, RetryRecord, Secret,
};
pub use human::HumanAgent;
pub use litellm::{LitellmAgent, build_litellm_agent};
pub use litellm_catalog::{LitellmCatalog, LitellmModel};
pub use llamacpp::LlamaCppAgent;
pub use naming::{
    AgentName, ApiStyle, LitellmTarget, PROVIDERS, Provider, provider, resolve_litellm,
};
pub use parse::{ExtractedReply, MoveSource, extract_move, split_thinking};
pub use prompt::{Prompt, chat_template, plain_text, render as render_prompt};
pub use pull::{
    NoProgress, PullError, PullProgress, PypiSource, default_cache_dir, pull, sha256_file,
};
pub use random::{RandomAgent, RandomPlayer};
pub use upstream::{Upstream, UpstreamStatus};
pub use vllm::{
    ConstraintField, VllmAgent, VllmCatalog, VllmLaunch, VllmModel, VllmServer, build_vllm_agent,
};
