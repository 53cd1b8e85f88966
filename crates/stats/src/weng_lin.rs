//! Weng-Lin (OpenSkill) ratings, a TrueSkill-like Bayesian rating with a
//! mean and an uncertainty, through the `skillratings` crate.

use skillratings::Outcomes;
use skillratings::weng_lin::{WengLinConfig, WengLinRating, weng_lin as update};

use crate::error::Result;
use crate::matches::{Match, validate};

/// A Weng-Lin rating: the belief about a participant's skill is a normal
/// distribution with mean `mu` and standard deviation `sigma`.
///
/// Everyone starts at `mu = 25`, `sigma = 25 / 3` (the TrueSkill and
/// OpenSkill defaults); `sigma` shrinks as matches are played.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct WengLin {
    /// The mean skill.
    pub mu: f64,
    /// The uncertainty about the skill (a standard deviation).
    pub sigma: f64,
}

impl WengLin {
    /// The conservative skill estimate `mu - 3 sigma`: the participant is
    /// very likely at least this good. It is what TrueSkill leaderboards
    /// sort by, so that a newcomer with one lucky win does not top the table.
    pub fn conservative(&self) -> f64 {
        self.mu - 3.0 * self.sigma
    }
}

impl Default for WengLin {
    fn default() -> Self {
        let start = WengLinRating::new();
        Self {
            mu: start.rating,
            sigma: start.uncertainty,
        }
    }
}

/// Weng-Lin ratings after playing `matches` one after the other, in the
/// order given, everyone starting at [`WengLin::default`].
///
/// This is the Bradley–Terry full-pair variant of Weng & Lin (2011), "A
/// Bayesian Approximation Method for Online Ranking", as implemented by the
/// `skillratings` crate with its default configuration (`beta = 25 / 6`).
/// Like [`elo`](crate::elo) it is an online update, so it depends on the
/// order of the matches. The crate takes win, draw or loss, so a score above
/// one half counts as a win for `a`, below one half as a loss, and exactly
/// one half as a draw. A participant without matches keeps the default.
///
/// # Errors
///
/// The match checks of [`games_played`](crate::games_played). No matches is
/// not an error: everyone keeps the default.
///
/// ```
/// use arena_stats::{Match, weng_lin};
///
/// let ratings = weng_lin(2, &[Match::win(0, 1)]).unwrap();
/// assert!(ratings[0].mu > 25.0 && ratings[1].mu < 25.0);
/// assert!(ratings[0].sigma < 25.0 / 3.0);
/// ```
pub fn weng_lin(n_players: usize, matches: &[Match]) -> Result<Vec<WengLin>> {
    validate(n_players, matches, 0)?;
    let config = WengLinConfig::new();
    let mut ratings = vec![WengLinRating::new(); n_players];
    for m in matches {
        let outcome = if m.score_a > 0.5 {
            Outcomes::WIN
        } else if m.score_a < 0.5 {
            Outcomes::LOSS
        } else {
            Outcomes::DRAW
        };
        let (a, b) = update(&ratings[m.a], &ratings[m.b], &outcome, &config);
        ratings[m.a] = a;
        ratings[m.b] = b;
    }
    Ok(ratings
        .into_iter()
        .map(|r| WengLin {
            mu: r.rating,
            sigma: r.uncertainty,
        })
        .collect())
}
