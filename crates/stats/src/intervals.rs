//! Confidence intervals for a rate and for a mean, and percentiles.

use crate::distributions::{normal_quantile, t_quantile};
use crate::error::{Result, StatsError, check_confidence};

/// A confidence interval `[lo, hi]`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Interval {
    /// The lower end.
    pub lo: f64,
    /// The upper end.
    pub hi: f64,
}

/// A sample mean with a confidence interval around it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MeanInterval {
    /// The sample mean.
    pub mean: f64,
    /// The lower end of the interval.
    pub lo: f64,
    /// The upper end of the interval.
    pub hi: f64,
    /// The number of samples.
    pub n: usize,
}

/// The Wilson score interval for a success rate: `successes` out of `n`
/// trials, at the given `confidence` (0.95 for 95 %).
///
/// Unlike the textbook `p ± z √(p(1-p)/n)`, it stays inside `[0, 1]` and is
/// sensible at 0 or `n` successes, which small tournaments hit often. Draws
/// count as half a success, so `successes` may be fractional (3 wins and 2
/// draws in 10 games: `successes = 4.0`). With `n = 0` there is no
/// information and the interval is all of `[0, 1]`.
///
/// # Errors
///
/// [`StatsError::InvalidConfidence`]; [`StatsError::InvalidParameter`]
/// unless `n` is finite and not negative and `0 ≤ successes ≤ n`.
///
/// ```
/// let ci = arena_stats::wilson(5.0, 10.0, 0.95).unwrap();
/// assert!((ci.lo - 0.2366).abs() < 1e-4 && (ci.hi - 0.7634).abs() < 1e-4);
/// ```
pub fn wilson(successes: f64, n: f64, confidence: f64) -> Result<Interval> {
    check_confidence(confidence)?;
    // Written so that NaN fails the checks too.
    if !(n.is_finite() && n >= 0.0) {
        return Err(StatsError::InvalidParameter {
            name: "n",
            value: n,
            expected: "a finite number, at least 0",
        });
    }
    if !(successes >= 0.0 && successes <= n) {
        return Err(StatsError::InvalidParameter {
            name: "successes",
            value: successes,
            expected: "between 0 and n",
        });
    }
    if n == 0.0 {
        return Ok(Interval { lo: 0.0, hi: 1.0 });
    }
    let z = normal_quantile((1.0 + confidence) / 2.0)?;
    let z2 = z * z;
    let p = successes / n;
    let scale = 1.0 + z2 / n;
    let centre = (p + z2 / (2.0 * n)) / scale;
    let half_width = z / scale * (p * (1.0 - p) / n + z2 / (4.0 * n * n)).sqrt();
    Ok(Interval {
        lo: (centre - half_width).max(0.0),
        hi: (centre + half_width).min(1.0),
    })
}

/// The mean of `samples` with a Student's t confidence interval,
/// `mean ± t((1 + confidence) / 2, n - 1) · s / √n`, with `s` the sample
/// standard deviation (divisor `n - 1`).
///
/// This is the interval for, say, big blinds won per 100 hands, one sample
/// per duplicate pair: the pairs are independent even though the two
/// mirrored episodes within a pair are not.
///
/// # Errors
///
/// [`StatsError::InvalidConfidence`]; [`StatsError::TooFewSamples`] for
/// fewer than two samples (no spread to estimate);
/// [`StatsError::NonFinite`] for a `NaN` or infinite sample.
///
/// ```
/// let ci = arena_stats::mean_interval(&[1.0, 2.0, 3.0, 4.0], 0.95).unwrap();
/// assert_eq!((ci.mean, ci.n), (2.5, 4));
/// assert!((ci.hi - ci.mean - 3.182_446 * 1.290_994 / 2.0).abs() < 1e-5);
/// ```
pub fn mean_interval(samples: &[f64], confidence: f64) -> Result<MeanInterval> {
    check_confidence(confidence)?;
    if samples.len() < 2 {
        return Err(StatsError::TooFewSamples {
            needed: 2,
            got: samples.len(),
        });
    }
    check_finite(samples)?;
    let n = samples.len() as f64;
    let mean = samples.iter().sum::<f64>() / n;
    let variance = samples.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0);
    let half_width = t_quantile((1.0 + confidence) / 2.0, n - 1.0)? * (variance / n).sqrt();
    Ok(MeanInterval {
        mean,
        lo: mean - half_width,
        hi: mean + half_width,
        n: samples.len(),
    })
}

/// The `p`-th percentile (`0 ≤ p ≤ 100`) of `values`, in any order, by
/// linear interpolation between the closest ranks.
///
/// With the values sorted as `x[0] ≤ ... ≤ x[n-1]` and `h = (n - 1) p / 100`,
/// the result is `x[⌊h⌋] + (h - ⌊h⌋) (x[⌊h⌋ + 1] - x[⌊h⌋])`: the minimum at
/// `p = 0`, the maximum at 100, the usual median at 50. It is Hyndman and
/// Fan's type 7, the default of NumPy and R. Sorting a copy costs
/// `O(n log n)`.
///
/// # Errors
///
/// [`StatsError::NoSamples`] for empty `values`; [`StatsError::NonFinite`]
/// for a `NaN` or infinite value; [`StatsError::InvalidParameter`] unless
/// `0 ≤ p ≤ 100`.
///
/// ```
/// let latencies_ms = [120.0, 80.0, 100.0, 90.0, 400.0];
/// assert_eq!(arena_stats::percentile(&latencies_ms, 50.0).unwrap(), 100.0);
/// let p95 = arena_stats::percentile(&latencies_ms, 95.0).unwrap();
/// assert!((p95 - 344.0).abs() < 1e-9); // 120 + 0.8 × (400 - 120)
/// ```
pub fn percentile(values: &[f64], p: f64) -> Result<f64> {
    if !(0.0..=100.0).contains(&p) {
        return Err(StatsError::InvalidParameter {
            name: "p",
            value: p,
            expected: "between 0 and 100",
        });
    }
    if values.is_empty() {
        return Err(StatsError::NoSamples);
    }
    check_finite(values)?;
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    Ok(percentile_sorted(&sorted, p / 100.0))
}

/// The type-7 quantile at `fraction` (in `[0, 1]`) of sorted, non-empty
/// `sorted`.
pub(crate) fn percentile_sorted(sorted: &[f64], fraction: f64) -> f64 {
    let h = (sorted.len() - 1) as f64 * fraction;
    let below = h.floor() as usize;
    match sorted.get(below + 1) {
        Some(&above) => sorted[below] + (h - below as f64) * (above - sorted[below]),
        None => sorted[below],
    }
}

fn check_finite(values: &[f64]) -> Result<()> {
    match values.iter().position(|x| !x.is_finite()) {
        Some(index) => Err(StatsError::NonFinite { index }),
        None => Ok(()),
    }
}
