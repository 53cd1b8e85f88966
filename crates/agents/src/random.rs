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
