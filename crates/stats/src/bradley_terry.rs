//! Bradley–Terry maximum likelihood ratings on the Elo scale, and percentile
//! bootstrap intervals around them.

use std::f64::consts::LN_10;

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::distributions::normal_quantile;
use crate::error::{Result, StatsError, check_confidence};
use crate::intervals::percentile_sorted;
use crate::matches::{Match, validate};

/// The rating every scale in this crate is anchored at: Bradley–Terry
/// ratings average `ANCHOR` over the participants that played, and a
/// participant with no matches is reported at exactly `ANCHOR`.
pub const ANCHOR: f64 = 1500.0;

/// Elo points per unit of log-strength: a difference of 400 points is a
/// ten-to-one strength ratio, as in chess.
const ELO_PER_NAT: f64 = 400.0 / LN_10;

/// Virtual games, all drawn, that each participant is credited with against
/// a fixed reference participant of log-strength 0 (see [`bradley_terry`]).
const PRIOR_GAMES: f64 = 1.0;

/// Convergence: the last Newton step moved no log-strength by more than
/// this (about 2e-7 Elo points).
const TOLERANCE: f64 = 1e-9;

/// Newton steps no longer than this (in log-strength) are taken whole,
/// without a line search.
const FULL_STEP: f64 = 1e-2;

/// A cap on the Newton steps of one fit; a handful is typical, a few dozen
/// for lopsided results fitted from scratch.
const MAX_ITERATIONS: usize = 200;

/// A rating with a confidence interval around it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rated {
    /// The point estimate (fitted on all the data).
    pub rating: f64,
    /// The lower end of the interval.
    pub lo: f64,
    /// The upper end of the interval.
    pub hi: f64,
    /// How many matches the participant played. Zero means it has no rating
    /// of its own: `rating`, `lo` and `hi` are then all [`ANCHOR`].
    pub games: usize,
}

impl Rated {
    /// Whether the participant played at least one match, so that its
    /// rating is an estimate rather than the anchor.
    pub fn is_rated(&self) -> bool {
        self.games > 0
    }
}

/// Bradley–Terry ratings of `n_players` participants from their matches,
/// on the Elo scale.
///
/// The model: participant `i` beats `j` with probability
/// `1 / (1 + 10^((R_j - R_i) / 400))`, the same curve as Elo, so rating
/// differences read like Elo differences (+100 ≈ 64 % expected score,
/// +200 ≈ 76 %). The ratings maximise the likelihood of all the matches at
/// once, so unlike [`elo`](crate::elo) they do not depend on the order the
/// matches are given in: the input is first summed into per-participant
/// scores and per-pair game counts, which are exact for scores in halves,
/// so a shuffled input gives bit-for-bit the same ratings.
///
/// - **Draws** count as half a win to each side (a score of `0.5`); more
///   generally a score `s` counts as `s` of a win to `a` and `1 - s` to `b`.
/// - **Prior**: each participant is credited with one extra virtual game,
///   drawn, against a reference participant of average strength (at the
///   fit, the participants together are expected to score exactly half of
///   their virtual games against it). This keeps ratings finite when a
///   participant won or lost every game, and keeps the fit defined when
///   some participants never met, though groups that never met are then
///   compared only through the prior, which says little. It pulls ratings
///   slightly towards each other, an effect that fades as real games
///   accumulate: it weighs as one game against however many were played.
///   Strictly, then, the ratings are the posterior mode under this prior,
///   not the plain maximum likelihood.
/// - **Anchoring**: only differences are identified, so the ratings are
///   shifted to average [`ANCHOR`] (1500) over the participants with at
///   least one match. A participant with no matches is reported at exactly
///   `ANCHOR` (use [`games_played`](crate::games_played) to flag it) and
///   does not enter the average.
///
/// The fit is Newton's method on the log-posterior, which the prior makes
/// strictly concave, with a backtracking line search, run until a step moves
/// no rating by more than about 1e-7 points. (Hunter's 2004 MM algorithm
/// is simpler but crawls along the common level of all ratings, which only
/// the weak prior pins down: it needed tens of thousands of sweeps where
/// Newton needs a handful.)
///
/// # Errors
///
/// [`StatsError::NoMatches`] for an empty `matches`; the match checks of
/// [`games_played`](crate::games_played); [`StatsError::NotConverged`] if
/// the iteration cap is ever reached (not observed in practice).
///
/// ```
/// use arena_stats::{Match, bradley_terry};
///
/// let matches = [Match::win(0, 1), Match::win(0, 1), Match::win(1, 0), Match::draw(0, 2)];
/// let ratings = bradley_terry(3, &matches).unwrap();
/// assert!(ratings[0] > ratings[2] && ratings[2] > ratings[1]);
/// assert!((ratings.iter().sum::<f64>() / 3.0 - 1500.0).abs() < 1e-9);
/// ```
pub fn bradley_terry(n_players: usize, matches: &[Match]) -> Result<Vec<f64>> {
    validate(n_players, matches, 0)?;
    if matches.is_empty() {
        return Err(StatsError::NoMatches);
    }
    let mut table = Table::new(n_players);
    for m in matches {
        table.add(m);
    }
    let mut log_strength = vec![0.0; n_players];
    table.fit(&mut log_strength)?;
    Ok(table.ratings(&log_strength))
}

/// [`bradley_terry`] ratings with percentile bootstrap confidence intervals.
///
/// A *group* is the unit of resampling: matches that belong together
/// because they share luck, such as the two mirrored episodes of a
/// duplicate pair (same cards or puzzle, seats swapped), or the pairwise
/// matches of one multi-seat game. Each of `rounds` rounds draws
/// `groups.len()` groups with replacement, refits, and records every
/// participant's rating; `lo` and `hi` are the `(1 - confidence) / 2` and
/// `(1 + confidence) / 2` percentiles of those ratings (linear interpolation,
/// as [`percentile`](crate::percentile)). About 1000 rounds give stable 95 %
/// intervals. The point estimate `rating` is the fit on all the data.
///
/// The interval reported is the wider of that percentile interval and the
/// Laplace interval (the rating ± z standard deviations of the posterior's
/// normal approximation at the fit, from its curvature). The bootstrap
/// reflects how results vary between groups, but it cannot vary what never
/// varies: with a perfect record over a few games every resample is the
/// same perfect record and the percentile interval has zero width. The
/// Laplace interval stays as wide as a few games warrant, and for many
/// games both agree.
///
/// The draws come from ChaCha8 seeded with `seed`, so the result is the same
/// on every run and platform. A round in which a participant played no
/// match does not count towards that participant's interval. Because each
/// round is re-anchored to average 1500, the intervals include the
/// uncertainty of that average.
///
/// # Errors
///
/// [`StatsError::InvalidConfidence`]; [`StatsError::InvalidParameter`] for
/// zero `rounds`; [`StatsError::NoMatches`] when the groups hold no match;
/// otherwise those of [`bradley_terry`] (match indices count through the
/// groups in order).
///
/// ```
/// use arena_stats::{Match, bootstrap_bradley_terry};
///
/// // Participant 0 wins 3 of every 4 matches against participant 1.
/// let groups: Vec<Vec<Match>> = (0..40)
///     .map(|i| {
///         let second = if i % 2 == 0 { Match::win(0, 1) } else { Match::win(1, 0) };
///         vec![Match::win(0, 1), second]
///     })
///     .collect();
/// let rated = bootstrap_bradley_terry(2, &groups, 1000, 0.95, 7).unwrap();
/// assert!(rated[0].lo < rated[0].rating && rated[0].rating < rated[0].hi);
/// assert!(rated[0].lo > 1500.0); // clearly the stronger one
/// ```
pub fn bootstrap_bradley_terry(
    n_players: usize,
    groups: &[Vec<Match>],
    rounds: usize,
    confidence: f64,
    seed: u64,
) -> Result<Vec<Rated>> {
    check_confidence(confidence)?;
    if rounds == 0 {
        return Err(StatsError::InvalidParameter {
            name: "rounds",
            value: 0.0,
            expected: "at least 1",
        });
    }
    let mut offset = 0;
    for group in groups {
        validate(n_players, group, offset)?;
        offset += group.len();
    }
    if offset == 0 {
        return Err(StatsError::NoMatches);
    }

    let mut table = Table::new(n_players);
    for m in groups.iter().flatten() {
        table.add(m);
    }
    let mut fitted = vec![0.0; n_players];
    table.fit(&mut fitted)?;
    let point = table.ratings(&fitted);
    let played = table.played.clone();

    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut samples: Vec<Vec<f64>> = played
        .iter()
        .map(|&g| Vec::with_capacity(if g > 0 { rounds } else { 0 }))
        .collect();
    let mut log_strength = vec![0.0; n_players];
    for _ in 0..rounds {
        table.clear();
        for _ in 0..groups.len() {
            for m in &groups[rng.random_range(0..groups.len())] {
                table.add(m);
            }
        }
        if table.played.iter().all(|&g| g == 0) {
            continue;
        }
        // Starting from the full-data fit saves most of the steps.
        log_strength.copy_from_slice(&fitted);
        table.fit(&mut log_strength)?;
        for (i, rating) in table.ratings(&log_strength).into_iter().enumerate() {
            if table.played[i] > 0 {
                samples[i].push(rating);
            }
        }
    }

    let lower = (1.0 - confidence) / 2.0;
    let upper = (1.0 + confidence) / 2.0;
    let z = normal_quantile(upper)?;
    table.clear();
    for m in groups.iter().flatten() {
        table.add(m);
    }
    let sd = table.laplace_sd(&fitted);
    Ok(samples
        .into_iter()
        .enumerate()
        .map(|(i, mut s)| {
            s.sort_by(f64::total_cmp);
            let (lo, hi) = if s.is_empty() {
                (point[i], point[i])
            } else {
                (percentile_sorted(&s, lower), percentile_sorted(&s, upper))
            };
            // The wider of the bootstrap and the Laplace interval: see the
            // function's docs.
            let spread = z * sd[i];
            Rated {
                rating: point[i],
                lo: lo.min(point[i] - spread),
                hi: hi.max(point[i] + spread),
                games: played[i],
            }
        })
        .collect())
}

/// The sufficient statistics of a Bradley–Terry fit: each participant's
/// total score and the number of games between each pair.
#[derive(Debug)]
struct Table {
    n: usize,
    /// Total score of each participant (wins plus half the draws).
    scores: Vec<f64>,
    /// Games between `i` and `j` at `i * n + j`, kept symmetric.
    games: Vec<f64>,
    /// Matches played by each participant.
    played: Vec<usize>,
}

impl Table {
    fn new(n: usize) -> Self {
        Self {
            n,
            scores: vec![0.0; n],
            games: vec![0.0; n * n],
            played: vec![0; n],
        }
    }

    fn clear(&mut self) {
        self.scores.fill(0.0);
        self.games.fill(0.0);
        self.played.fill(0);
    }

    fn add(&mut self, m: &Match) {
        self.scores[m.a] += m.score_a;
        self.scores[m.b] += 1.0 - m.score_a;
        self.games[m.a * self.n + m.b] += 1.0;
        self.games[m.b * self.n + m.a] += 1.0;
        self.played[m.a] += 1;
        self.played[m.b] += 1;
    }

    /// Fits log-strengths in place, starting from the given ones, by
    /// maximising the log-posterior
    ///
    /// `Σ_i (W_i + G/2) θ_i − Σ_{i<j} n_ij ln(e^θ_i + e^θ_j) − G Σ_i ln(1 + e^θ_i)`
    ///
    /// (scores `W`, games `n`, `G` prior games against a reference at
    /// `θ = 0`) with Newton steps and a backtracking line search.
    /// Participants without games are left out and set to 0.
    fn fit(&self, theta: &mut [f64]) -> Result<()> {
        let n = self.n;
        let active: Vec<usize> = (0..n).filter(|&i| self.played[i] > 0).collect();
        for (i, t) in theta.iter_mut().enumerate() {
            if self.played[i] == 0 {
                *t = 0.0;
            }
        }
        let m = active.len();
        let mut gradient = vec![0.0; m];
        // The negated Hessian, which is symmetric positive definite.
        let mut curvature = vec![0.0; m * m];
        let mut step = vec![0.0; m];
        let mut candidate = theta.to_vec();
        let mut current = self.log_posterior(theta, &active);
        for _ in 0..MAX_ITERATIONS {
            self.derivatives(theta, &active, &mut gradient, &mut curvature);
            step.copy_from_slice(&gradient);
            if !cholesky_solve(&mut curvature, &mut step, m) {
                // Only reachable through rounding: fall back to a gradient
                // step scaled by the diagonal, which still ascends.
                for (a, s) in step.iter_mut().enumerate() {
                    *s = gradient[a] / (PRIOR_GAMES * 0.25 + self.played[active[a]] as f64);
                }
            }
            let largest = step.iter().fold(0.0f64, |acc, s| acc.max(s.abs()));
            if largest <= FULL_STEP {
                // Close to the maximum Newton converges quadratically, and
                // the objective changes less than its rounding error: a
                // line search there would only stall.
                for (a, &i) in active.iter().enumerate() {
                    theta[i] += step[a];
                }
                if largest < TOLERANCE {
                    return Ok(());
                }
                current = self.log_posterior(theta, &active);
                continue;
            }
            let slope: f64 = gradient.iter().zip(&step).map(|(g, s)| g * s).sum();
            let mut length = 1.0;
            loop {
                for (a, &i) in active.iter().enumerate() {
                    candidate[i] = theta[i] + length * step[a];
                }
                let value = self.log_posterior(&candidate, &active);
                if value >= current + 1e-4 * length * slope {
                    theta.copy_from_slice(&candidate);
                    current = value;
                    break;
                }
                length *= 0.5;
                if length < 1e-12 {
                    // No step along an ascent direction improves the
                    // objective beyond rounding: this is its maximum.
                    return Ok(());
                }
            }
        }
        Err(StatsError::NotConverged(MAX_ITERATIONS))
    }

    /// The gradient of the log-posterior over the `active` participants and
    /// its negated Hessian (row-major, `active.len()` square), at `theta`.
    fn derivatives(
        &self,
        theta: &[f64],
        active: &[usize],
        gradient: &mut [f64],
        curvature: &mut [f64],
    ) {
        let (n, m) = (self.n, active.len());
        curvature.fill(0.0);
        for (a, &i) in active.iter().enumerate() {
            let s = sigmoid(theta[i]);
            gradient[a] = self.scores[i] + 0.5 * PRIOR_GAMES - PRIOR_GAMES * s;
            curvature[a * m + a] = PRIOR_GAMES * s * (1.0 - s);
        }
        for a in 0..m {
            for b in a + 1..m {
                let (i, j) = (active[a], active[b]);
                let games = self.games[i * n + j];
                if games > 0.0 {
                    let p = sigmoid(theta[i] - theta[j]);
                    let w = games * p * (1.0 - p);
                    gradient[a] -= games * p;
                    gradient[b] -= games * (1.0 - p);
                    curvature[a * m + a] += w;
                    curvature[b * m + b] += w;
                    curvature[a * m + b] = -w;
                    curvature[b * m + a] = -w;
                }
            }
        }
    }

    /// The standard deviation, in Elo points, of each anchored rating under
    /// the Laplace approximation of the posterior at the fit `theta`: the
    /// inverse of the negated Hessian is the covariance of the
    /// log-strengths, and anchoring subtracts their mean, so the variance
    /// of `θ_i − mean(θ)` is `V_ii − 2/m Σ_k V_ik + 1/m² Σ_kl V_kl`.
    /// Participants without games get 0.
    fn laplace_sd(&self, theta: &[f64]) -> Vec<f64> {
        let active: Vec<usize> = (0..self.n).filter(|&i| self.played[i] > 0).collect();
        let m = active.len();
        let mut out = vec![0.0; self.n];
        if m == 0 {
            return out;
        }
        let mut gradient = vec![0.0; m];
        let mut curvature = vec![0.0; m * m];
        self.derivatives(theta, &active, &mut gradient, &mut curvature);
        // Columns of the inverse, one solve each (m is the number of
        // participants: small).
        let mut inverse = vec![0.0; m * m];
        for c in 0..m {
            let mut matrix = curvature.clone();
            let mut column = vec![0.0; m];
            column[c] = 1.0;
            if !cholesky_solve(&mut matrix, &mut column, m) {
                return out;
            }
            for r in 0..m {
                inverse[r * m + c] = column[r];
            }
        }
        let mf = m as f64;
        let total: f64 = inverse.iter().sum();
        for (a, &i) in active.iter().enumerate() {
            let row: f64 = inverse[a * m..(a + 1) * m].iter().sum();
            let variance = inverse[a * m + a] - 2.0 * row / mf + total / (mf * mf);
            out[i] = ELO_PER_NAT * variance.max(0.0).sqrt();
        }
        out
    }

    /// The objective of [`fit`](Self::fit) at `theta`.
    fn log_posterior(&self, theta: &[f64], active: &[usize]) -> f64 {
        let n = self.n;
        let mut value = 0.0;
        for (a, &i) in active.iter().enumerate() {
            value += (self.scores[i] + 0.5 * PRIOR_GAMES) * theta[i]
                - PRIOR_GAMES * log_add_exp(0.0, theta[i]);
            for &j in &active[a + 1..] {
                let games = self.games[i * n + j];
                if games > 0.0 {
                    value -= games * log_add_exp(theta[i], theta[j]);
                }
            }
        }
        value
    }

    /// Elo-scale ratings from fitted log-strengths, averaging [`ANCHOR`]
    /// over the participants that played; the others get `ANCHOR`.
    fn ratings(&self, theta: &[f64]) -> Vec<f64> {
        let (sum, count) = theta
            .iter()
            .zip(&self.played)
            .filter(|&(_, &g)| g > 0)
            .fold((0.0, 0usize), |(s, c), (t, _)| (s + t, c + 1));
        let mean = if count > 0 { sum / count as f64 } else { 0.0 };
        theta
            .iter()
            .zip(&self.played)
            .map(|(t, &g)| {
                if g > 0 {
                    ANCHOR + ELO_PER_NAT * (t - mean)
                } else {
                    ANCHOR
                }
            })
            .collect()
    }
}

/// The logistic function `1 / (1 + e^-x)`.
fn sigmoid(x: f64) -> f64 {
    1.0 / (1.0 + (-x).exp())
}

/// `ln(e^a + e^b)` without overflow.
fn log_add_exp(a: f64, b: f64) -> f64 {
    a.max(b) + (-(a - b).abs()).exp().ln_1p()
}

/// Solves `matrix · x = rhs` in place (`rhs` becomes `x`) for a symmetric
/// positive definite `m × m` row-major `matrix`, by Cholesky factorisation
/// (which overwrites `matrix`). Returns false, leaving both unspecified, if
/// a pivot is not positive.
fn cholesky_solve(matrix: &mut [f64], rhs: &mut [f64], m: usize) -> bool {
    // Lower factor L (with L Lᵀ = matrix) in the lower triangle.
    for j in 0..m {
        let mut pivot = matrix[j * m + j];
        for k in 0..j {
            pivot -= matrix[j * m + k] * matrix[j * m + k];
        }
        if pivot.is_nan() || pivot <= 0.0 {
            return false;
        }
        let pivot = pivot.sqrt();
        matrix[j * m + j] = pivot;
        for i in j + 1..m {
            let mut value = matrix[i * m + j];
            for k in 0..j {
                value -= matrix[i * m + k] * matrix[j * m + k];
            }
            matrix[i * m + j] = value / pivot;
        }
    }
    // L y = rhs, then Lᵀ x = y.
    for i in 0..m {
        for k in 0..i {
            rhs[i] -= matrix[i * m + k] * rhs[k];
        }
        rhs[i] /= matrix[i * m + i];
    }
    for i in (0..m).rev() {
        for k in i + 1..m {
            rhs[i] -= matrix[k * m + i] * rhs[k];
        }
        rhs[i] /= matrix[i * m + i];
    }
    true
}
