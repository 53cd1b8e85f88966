//! Statistics behind the arena's leaderboard and report: pure math, no I/O.
//!
//! Results come in as two-player [`Match`]es between participant indices
//! (multi-seat games become matches with [`pairwise`]) and are rated by:
//!
//! - [`bradley_terry`], the headline: maximum-likelihood ratings on the Elo
//!   scale, independent of match order, with [`bootstrap_bradley_terry`]
//!   for confidence intervals that resample whole groups (duplicate pairs);
//! - [`elo`], the classic sequential update, order-dependent;
//! - [`weng_lin`], a TrueSkill-like rating with an uncertainty.
//!
//! For rates and means there are the [`wilson`] interval (win rates, draws
//! half) and the Student's t [`mean_interval`] (poker big blinds per 100
//! hands over duplicate pairs), with [`normal_quantile`] and [`t_quantile`]
//! beneath them; [`percentile`] summarises latencies. [`categorize`] sorts
//! logged move reasoning into [`ReasoningCategory`]s by keyword, and
//! [`CategoryCounts`] / [`entropy`] measure how varied it is.
//!
//! Bad input — no matches, an unknown participant, a `NaN` — is a
//! [`StatsError`], never a panic.
//!
//! ```
//! use arena_stats::{Match, bootstrap_bradley_terry, pairwise, wilson};
//!
//! // Two duplicate pairs of a three-seat game: seats rotate, same deck.
//! let groups = vec![
//!     [pairwise(&[(0, 10.0), (1, -5.0), (2, -5.0)]).unwrap(),
//!      pairwise(&[(1, -2.0), (2, -8.0), (0, 10.0)]).unwrap()].concat(),
//!     [pairwise(&[(0, 3.0), (1, 4.0), (2, -7.0)]).unwrap(),
//!      pairwise(&[(1, 6.0), (2, -6.0), (0, 0.0)]).unwrap()].concat(),
//! ];
//! let table = bootstrap_bradley_terry(3, &groups, 1000, 0.95, 42).unwrap();
//! assert!(table[0].rating > table[1].rating && table[1].rating > table[2].rating);
//! assert!(table.iter().all(|r| r.lo <= r.rating && r.rating <= r.hi));
//!
//! // Participant 0 scored 3 of 4 games: a 95 % interval for its win rate.
//! let rate = wilson(3.0, 4.0, 0.95).unwrap();
//! assert!(rate.lo < 0.75 && 0.75 < rate.hi);
//! ```

#![warn(missing_docs)]

mod bradley_terry;
mod distributions;
mod elo;
mod error;
mod intervals;
mod matches;
mod reasoning;
mod weng_lin;

pub use bradley_terry::{ANCHOR, Rated, bootstrap_bradley_terry, bradley_terry};
pub use distributions::{normal_quantile, t_quantile};
pub use elo::elo;
pub use error::{Result, StatsError};
pub use intervals::{Interval, MeanInterval, mean_interval, percentile, wilson};
pub use matches::{Match, games_played, pairwise};
pub use reasoning::{CategoryCounts, ReasoningCategory, categorize, entropy};
pub use weng_lin::{WengLin, weng_lin};
