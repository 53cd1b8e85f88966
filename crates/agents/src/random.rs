//! The seeded random agent: a uniformly random legal move.

use arena_games::AnyState;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// Picks a uniformly random legal action; the same seed gives the same moves.
#[derive(Debug, Clone)]
pub struct RandomAgent {
    rng: ChaCha8Rng,
}

impl RandomAgent {
    /// A random agent seeded with `seed`.
    pub fn new(seed: u64) -> Self {
        RandomAgent {
            rng: ChaCha8Rng::seed_from_u64(seed),
        }
    }

    /// A legal action for the player to move, or `None` if there is none
    /// (terminal state) or the game takes free text with no listed moves.
    pub fn choose(&mut self, state: &dyn AnyState) -> Option<String> {
        let legal = state.legal_actions();
        if legal.is_empty() {
            return None;
        }
        let i = self.rng.random_range(0..legal.len());
        legal.into_iter().nth(i)
    }
}

/// `random` as an [`Agent`]: each decision picks a uniformly random legal
/// move with the decision's own seed, so the move depends only on the
/// request, never on what other episodes did before.
#[derive(Debug, Clone, Default)]
pub struct RandomPlayer;

#[async_trait::async_trait]
impl crate::agent::Agent for RandomPlayer {
    fn name(&self) -> &str {
        "random"
    }

    fn reads_prompt(&self) -> bool {
        false
    }

    async fn decide(
        &self,
        request: &crate::agent::DecisionRequest,
    ) -> Result<crate::agent::DecisionResponse, crate::error::AgentError> {
        let mut rng = ChaCha8Rng::seed_from_u64(request.sampling.seed);
        if request.legal_actions.is_empty() {
            // A free-text game (reverse hangman): a few words drawn at
            // random from what the seat sees — the random baseline of
            // guessing.
            let guess = request
                .state
                .as_ref()
                .map(|s| random_words(&s.observation_text(request.seat), &mut rng))
                .filter(|g| !g.is_empty())
                .ok_or_else(|| crate::error::AgentError::Backend {
                    agent: "random".to_string(),
                    message: format!(
                        "{} lists no moves and shows no words to guess from",
                        request.game
                    ),
                })?;
            return Ok(crate::agent::DecisionResponse {
                raw: guess,
                constrained: true,
                metadata: serde_json::json!({ "backend": "random" }),
                ..Default::default()
            });
        }
        let i = rng.random_range(0..request.legal_actions.len());
        Ok(crate::agent::DecisionResponse {
            raw: request.legal_actions[i].clone(),
            constrained: true,
            metadata: serde_json::json!({ "backend": "random" }),
            ..Default::default()
        })
    }
}

/// One to five distinct words of three or more ASCII letters drawn from
/// `text`, lower-cased and joined by spaces.
fn random_words(text: &str, rng: &mut ChaCha8Rng) -> String {
    let mut words: Vec<String> = text
        .split(|c: char| !c.is_ascii_alphabetic())
        .filter(|w| w.len() >= 3)
        .map(str::to_ascii_lowercase)
        .collect();
    words.sort();
    words.dedup();
    let mut picked = Vec::new();
    let n = rng.random_range(1..=5usize).min(words.len());
    for _ in 0..n {
        let i = rng.random_range(0..words.len());
        picked.push(words.swap_remove(i));
    }
    picked.join(" ")
}
