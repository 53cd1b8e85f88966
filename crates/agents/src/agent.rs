//! The one trait every agent implements, and what goes in and out of a
//! decision. An agent is asked for a move; what it answers (raw text, tokens,
//! latency) is kept apart from what the game made of it, which the turn
//! driver decides (see [`crate::turn`]).

use arena_games::{AnyState, MoveConstraint, Seat};
use async_trait::async_trait;
use serde::{Deserialize, Serialize};

use crate::error::AgentError;

/// Sampling settings for one decision.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Sampling {
    /// 0 for greedy decoding.
    pub temperature: f32,
    /// The most tokens to generate.
    pub max_tokens: u32,
    /// The seed; the runner derives it from the run seed, the episode and the ply.
    pub seed: u64,
}

impl Default for Sampling {
    fn default() -> Self {
        Sampling {
            temperature: 0.0,
            max_tokens: 256,
            seed: 0,
        }
    }
}

/// Everything an agent is told for one decision.
#[derive(Clone, Debug)]
pub struct DecisionRequest {
    /// The game's registry name.
    pub game: String,
    /// The seat to move.
    pub seat: Seat,
    /// Identifies the episode (for caches that must not mix episodes).
    pub episode_key: u64,
    /// The seat's plain-text observation.
    pub observation: String,
    /// The legal action strings, empty when the game takes free text.
    pub legal_actions: Vec<String>,
    /// A short summary of the legal moves.
    pub legal_summary: String,
    /// The move constraint (grammar, JSON schema, regex, choices).
    pub constraint: MoveConstraint,
    /// 1 for the first attempt at this decision, 2 for the first re-prompt…
    pub attempt: u32,
    /// Why the previous attempt was rejected, on a re-prompt.
    pub previous_error: Option<String>,
    /// Sampling settings.
    pub sampling: Sampling,
    /// The state itself, for scripted agents that search the game tree
    /// (model agents see only the text above).
    pub state: Option<Box<dyn AnyState>>,
}

/// An agent's answer, before the game has judged it.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct DecisionResponse {
    /// The prompt as sent (rendered text, or the chat messages as JSON).
    pub prompt: String,
    /// The raw text the agent produced.
    pub raw: String,
    /// Whether the output was constrained to the legal moves while decoding,
    /// so that the whole reply is the move.
    pub constrained: bool,
    /// Prompt tokens, when known.
    pub prompt_tokens: Option<u64>,
    /// Completion tokens, when known.
    pub completion_tokens: Option<u64>,
    /// Reasoning tokens, where the backend reports them.
    pub reasoning_tokens: Option<u64>,
    /// Wall time of the decision in milliseconds.
    pub latency_ms: f64,
    /// Cost in US dollars, when the model is priced.
    pub cost_usd: Option<f64>,
    /// Backend details (model file, cached tokens, server…).
    pub metadata: serde_json::Value,
}

/// An agent: one async decision call. Implementations must be cheap to
/// share across episodes running at once.
#[async_trait]
pub trait Agent: Send + Sync + std::fmt::Debug {
    /// The agent's name as written in configs (`llamacpp_gemma3-270m`).
    fn name(&self) -> &str;

    /// Answers one decision.
    async fn decide(&self, request: &DecisionRequest) -> Result<DecisionResponse, AgentError>;

    /// Whether the agent reads the prompt inputs of a request (observation
    /// text, legal-move summary, move constraint). Scripted agents that only
    /// look at the legal actions and the state say `false`, and the turn
    /// driver skips building what they would ignore.
    fn reads_prompt(&self) -> bool {
        true
    }

    /// Called when an episode ends, so per-episode state (a KV cache) can go.
    fn end_episode(&self, episode_key: u64) {
        let _ = episode_key;
    }
}
