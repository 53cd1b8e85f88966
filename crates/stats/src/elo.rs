//! Sequential Elo ratings.

use crate::error::{Result, StatsError};
use crate::matches::{Match, validate};

/// Elo ratings after playing `matches` one after the other, in the order
/// given, everyone starting at `initial`.
///
/// Before each match, `a` expects to score
/// `E = 1 / (1 + 10^((R_b - R_a) / 400))`; then `R_a += k (score_a - E)`
/// and `R_b` moves by the same amount the other way, so the total is kept.
/// A participant without matches stays at `initial`.
///
/// Elo depends on the order of the matches: the same results in another
/// order give other ratings, and recent games weigh more than old ones.
/// That suits a live ladder but not a report on a finished tournament,
/// which is why the leaderboard's headline is
/// [`bradley_terry`](crate::bradley_terry), fitted on all matches at once.
///
/// # Errors
///
/// [`StatsError::InvalidParameter`] when `k` is negative or not finite, or
/// `initial` is not finite; the match checks of
/// [`games_played`](crate::games_played). No matches is not an error: every
/// participant keeps `initial`.
///
/// ```
/// use arena_stats::{Match, elo};
///
/// let ratings = elo(2, &[Match::win(0, 1)], 32.0, 1500.0).unwrap();
/// assert_eq!(ratings, vec![1516.0, 1484.0]);
/// ```
pub fn elo(n_players: usize, matches: &[Match], k: f64, initial: f64) -> Result<Vec<f64>> {
    if !(k.is_finite() && k >= 0.0) {
        return Err(StatsError::InvalidParameter {
            name: "k",
            value: k,
            expected: "a finite number, at least 0",
        });
    }
    if !initial.is_finite() {
        return Err(StatsError::InvalidParameter {
            name: "initial",
            value: initial,
            expected: "a finite number",
        });
    }
    validate(n_players, matches, 0)?;
    let mut ratings = vec![initial; n_players];
    for m in matches {
        let expected_a = 1.0 / (1.0 + 10f64.powf((ratings[m.b] - ratings[m.a]) / 400.0));
        let delta = k * (m.score_a - expected_a);
        ratings[m.a] += delta;
        ratings[m.b] -= delta;
    }
    Ok(ratings)
}
