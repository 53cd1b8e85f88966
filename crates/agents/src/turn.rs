//! One player decision under the illegal-move policy: ask the agent, read
//! the move out of its reply, check it against the game, re-prompt with the
//! specific error up to N times, then forfeit or fall back to a seeded random
//! legal move. Every attempt — raw reply, parse result, error — is returned
//! for the record; nothing is dropped.

use arena_games::{AnyState, MoveConstraint, Turn};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

use crate::agent::{Agent, DecisionRequest, DecisionResponse, Sampling};
use crate::parse::{MoveSource, extract_move};

/// What happens when every attempt failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OnFailure {
    /// The episode ends and the offending seat loses.
    Forfeit,
    /// A seeded random legal move is played, marked as a fallback (games
    /// without listed moves forfeit instead).
    Random,
}

/// The illegal-move policy of a run.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IllegalMovePolicy {
    /// Re-prompts after the first attempt (so `reprompts + 1` attempts in all).
    pub reprompts: u32,
    /// What follows the last failed attempt.
    pub on_failure: OnFailure,
}

impl Default for IllegalMovePolicy {
    fn default() -> Self {
        IllegalMovePolicy {
            reprompts: 2,
            on_failure: OnFailure::Forfeit,
        }
    }
}

/// How one attempt ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AttemptStatus {
    /// A legal move was read.
    Parsed,
    /// No move could be read from the reply.
    Unparseable,
    /// A move was read but is not legal now.
    Illegal,
    /// The agent failed to answer (network, server, model error).
    AgentError,
}

/// One attempt at a decision, as recorded.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Attempt {
    /// 1 for the first attempt.
    pub number: u32,
    /// The outcome.
    pub status: AttemptStatus,
    /// The agent's answer (absent when it failed to answer).
    pub response: Option<DecisionResponse>,
    /// The move text read from the reply, before checking.
    pub move_text: Option<String>,
    /// Where in the reply it was found.
    pub source: Option<MoveSource>,
    /// The move in canonical notation, when legal.
    pub action: Option<String>,
    /// The reasoning read from the reply.
    pub reasoning: String,
    /// `<think>` text, for reasoning models.
    pub thinking: String,
    /// Why the attempt was rejected.
    pub error: Option<String>,
}

/// How the decision was settled.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum Resolution {
    /// The agent's move (from the last attempt).
    Move {
        /// Canonical text.
        action: String,
    },
    /// The policy's seeded random legal move after every attempt failed.
    Fallback {
        /// Canonical text.
        action: String,
    },
    /// The seat forfeits the episode.
    Forfeit {
        /// Why.
        reason: String,
    },
}

/// The record of one decision.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Decision {
    /// Every attempt in order.
    pub attempts: Vec<Attempt>,
    /// How it was settled.
    pub resolution: Resolution,
}

/// Asks `agent` for the move of the seat to act in `state`, under `policy`.
/// `seed` drives the sampling seeds of the attempts and the random fallback,
/// so the same seed gives the same decision. The state is not changed: the
/// caller applies the resolved action.
pub async fn decide(
    agent: &dyn Agent,
    state: &dyn AnyState,
    game: &str,
    episode_key: u64,
    sampling: Sampling,
    policy: IllegalMovePolicy,
    seed: u64,
) -> Decision {
    let Turn::Seat(seat) = state.turn() else {
        return Decision {
            attempts: Vec::new(),
            resolution: Resolution::Forfeit {
                reason: "no player is to move".to_string(),
            },
        };
    };
    let legal_actions = state.legal_actions();
    // What a model reads; scripted agents get empty stand-ins.
    let (observation, legal_summary, constraint) = if agent.reads_prompt() {
        (
            state.observation_text(seat),
            state.legal_summary(),
            state.move_constraint(),
        )
    } else {
        let unused = MoveConstraint {
            choices: None,
            gbnf: String::new(),
            json_schema: serde_json::Value::Null,
            regex: String::new(),
        };
        (String::new(), String::new(), unused)
    };
    let mut attempts = Vec::new();
    let mut previous_error = None;
    for number in 1..=policy.reprompts + 1 {
        let request = DecisionRequest {
            game: game.to_string(),
            seat,
            episode_key,
            observation: observation.clone(),
            legal_actions: legal_actions.clone(),
            legal_summary: legal_summary.clone(),
            constraint: constraint.clone(),
            attempt: number,
            previous_error: previous_error.clone(),
            sampling: Sampling {
                seed: seed.wrapping_add(u64::from(number - 1)),
                ..sampling
            },
            state: Some(state.clone_box()),
        };
        let attempt = match agent.decide(&request).await {
            Err(e) => Attempt {
                number,
                status: AttemptStatus::AgentError,
                response: None,
                move_text: None,
                source: None,
                action: None,
                reasoning: String::new(),
                thinking: String::new(),
                error: Some(e.to_string()),
            },
            Ok(response) => judge(number, response, state, &legal_actions),
        };
        // The model is told why its reply was rejected; a failure to answer
        // at all (a server error) is not the model's doing, so it is not
        // put in front of the model.
        if attempt.status != AttemptStatus::AgentError {
            previous_error = attempt.error.clone();
        }
        let action = attempt.action.clone();
        attempts.push(attempt);
        if let Some(action) = action {
            return Decision {
                attempts,
                resolution: Resolution::Move { action },
            };
        }
    }
    let last_error = attempts
        .last()
        .and_then(|a: &Attempt| a.error.clone())
        .unwrap_or_default();
    let resolution = match policy.on_failure {
        OnFailure::Random if !legal_actions.is_empty() => {
            let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0x5eed_fa11_bacc);
            let action = legal_actions[rng.random_range(0..legal_actions.len())].clone();
            Resolution::Fallback { action }
        }
        _ => Resolution::Forfeit {
            reason: format!(
                "no legal move in {} attempts; last error: {last_error}",
                attempts.len()
            ),
        },
    };
    Decision {
        attempts,
        resolution,
    }
}

/// Reads and checks the move in one reply.
fn judge(
    number: u32,
    response: DecisionResponse,
    state: &dyn AnyState,
    legal: &[String],
) -> Attempt {
    let extracted = if response.constrained {
        // The decoder could only produce a move: the whole reply is it.
        let (answer, thinking) = crate::parse::split_thinking(&response.raw);
        crate::parse::ExtractedReply {
            move_text: Some(answer).filter(|a| !a.is_empty()),
            source: Some(MoveSource::StrictMatch),
            reasoning: thinking.clone(),
            thinking,
        }
    } else {
        extract_move(&response.raw, legal)
    };
    let mut attempt = Attempt {
        number,
        status: AttemptStatus::Unparseable,
        response: None,
        move_text: extracted.move_text.clone(),
        source: extracted.source,
        action: None,
        reasoning: extracted.reasoning,
        thinking: extracted.thinking,
        error: None,
    };
    match extracted.move_text {
        None => {
            attempt.error = Some(format!(
                "no move found in the reply; end it with a line \"Move: <move>\" (legal moves: {})",
                state.legal_summary()
            ));
        }
        Some(text) => match state.parse_legal(&text) {
            Ok(action) => {
                attempt.status = AttemptStatus::Parsed;
                attempt.action = Some(action);
            }
            Err(e) => {
                attempt.status = AttemptStatus::Illegal;
                attempt.error = Some(e.to_string());
            }
        },
    }
    attempt.response = Some(response);
    attempt
}
