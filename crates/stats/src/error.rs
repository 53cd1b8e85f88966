//! The one error type of this crate: what was wrong with the input.

use thiserror::Error;

/// Why a statistic could not be computed.
///
/// Every function in this crate checks its input and returns one of these
/// rather than panicking or silently producing `NaN`.
#[derive(Debug, Clone, PartialEq, Error)]
#[non_exhaustive]
pub enum StatsError {
    /// A rating method that estimates from data was given no matches.
    #[error("no matches to rate")]
    NoMatches,
    /// A statistic of a sample was asked of an empty sample.
    #[error("no samples")]
    NoSamples,
    /// Fewer samples than the statistic needs (a spread needs two).
    #[error("need at least {needed} samples, got {got}")]
    TooFewSamples {
        /// How many the statistic needs.
        needed: usize,
        /// How many it was given.
        got: usize,
    },
    /// A match names a participant index that is not below the number of
    /// participants.
    #[error(
        "match {index}: participant {participant} is out of range for {n_players} participants"
    )]
    UnknownParticipant {
        /// Position of the match in the input (groups concatenated in order).
        index: usize,
        /// The offending participant index.
        participant: usize,
        /// The number of participants the caller declared.
        n_players: usize,
    },
    /// A match puts a participant against itself, which says nothing about
    /// relative strength.
    #[error("match {index}: participant {participant} cannot play itself")]
    SelfMatch {
        /// Position of the match in the input (groups concatenated in order).
        index: usize,
        /// The participant on both sides.
        participant: usize,
    },
    /// A match score is not a number in `[0, 1]`.
    #[error("match {index}: score {score} is not in [0, 1]")]
    InvalidScore {
        /// Position of the match in the input (groups concatenated in order).
        index: usize,
        /// The offending score.
        score: f64,
    },
    /// A value in the input is `NaN` or infinite.
    #[error("value {index} is not finite")]
    NonFinite {
        /// Position of the value in the input.
        index: usize,
    },
    /// A confidence level is not strictly between 0 and 1.
    #[error("confidence {0} is not strictly between 0 and 1")]
    InvalidConfidence(f64),
    /// A numeric parameter is outside its documented range.
    #[error("{name} = {value} is out of range: expected {expected}")]
    InvalidParameter {
        /// The parameter's name in the function signature.
        name: &'static str,
        /// The value given.
        value: f64,
        /// The range it must lie in, in words.
        expected: &'static str,
    },
    /// An iterative fit hit its iteration cap before meeting its tolerance.
    #[error("did not converge after {0} iterations")]
    NotConverged(usize),
}

/// The result type of this crate.
pub type Result<T, E = StatsError> = std::result::Result<T, E>;

/// Checks that `confidence` is strictly between 0 and 1.
pub(crate) fn check_confidence(confidence: f64) -> Result<()> {
    if confidence > 0.0 && confidence < 1.0 {
        Ok(())
    } else {
        Err(StatsError::InvalidConfidence(confidence))
    }
}
