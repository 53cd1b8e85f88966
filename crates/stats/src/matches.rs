//! Two-player results, the input of every rating method, and how multi-seat
//! games become them.

use crate::error::{Result, StatsError};

/// One two-player result between participants `a` and `b`.
///
/// Participants are indices `0..n_players` into the caller's own list (of
/// agents, models, ...). `score_a` is what `a` scored: `1.0` when `a` won,
/// `0.5` for a draw, `0.0` when `b` won; any value in `[0, 1]` is accepted
/// and read as a fraction of a win.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Match {
    /// The first participant.
    pub a: usize,
    /// The second participant.
    pub b: usize,
    /// What `a` scored, in `[0, 1]`; `b` scored `1 - score_a`.
    pub score_a: f64,
}

impl Match {
    /// `a` beat `b`.
    pub fn win(a: usize, b: usize) -> Self {
        Self { a, b, score_a: 1.0 }
    }

    /// `a` and `b` drew.
    pub fn draw(a: usize, b: usize) -> Self {
        Self { a, b, score_a: 0.5 }
    }
}

/// Turns one multi-seat game into two-player matches: every pair of seats
/// plays one match, and the seat with the higher return wins it (equal
/// returns are a draw).
///
/// `results` holds `(participant, return)` per seat, in seat order; matches
/// come out in the order `(0, 1), (0, 2), ..., (1, 2), ...` with the earlier
/// seat as `a`. A pair of seats held by the same participant (self-play) is
/// skipped: it says nothing about relative strength. A two-seat game gives
/// one match, a four-seat game six.
///
/// # Errors
///
/// [`StatsError::NonFinite`] when a return is `NaN` or infinite (`index` is
/// the seat).
///
/// ```
/// use arena_stats::{Match, pairwise};
///
/// // Seat 0 (participant 7) won 30 chips, seats 1 and 2 lost 15 each.
/// let matches = pairwise(&[(7, 30.0), (2, -15.0), (5, -15.0)]).unwrap();
/// assert_eq!(matches, vec![Match::win(7, 2), Match::win(7, 5), Match::draw(2, 5)]);
/// ```
pub fn pairwise(results: &[(usize, f64)]) -> Result<Vec<Match>> {
    if let Some(index) = results.iter().position(|(_, r)| !r.is_finite()) {
        return Err(StatsError::NonFinite { index });
    }
    let mut matches = Vec::with_capacity(results.len() * results.len().saturating_sub(1) / 2);
    for (i, &(a, return_a)) in results.iter().enumerate() {
        for &(b, return_b) in &results[i + 1..] {
            if a == b {
                continue;
            }
            let score_a = if return_a > return_b {
                1.0
            } else if return_a < return_b {
                0.0
            } else {
                0.5
            };
            matches.push(Match { a, b, score_a });
        }
    }
    Ok(matches)
}

/// How many matches each of `n_players` participants played.
///
/// A participant with zero matches has no rating of its own: the rating
/// methods report it at their starting value, and this is how to flag it.
///
/// # Errors
///
/// The checks every rating method makes on its matches:
/// [`StatsError::UnknownParticipant`], [`StatsError::SelfMatch`],
/// [`StatsError::InvalidScore`].
pub fn games_played(n_players: usize, matches: &[Match]) -> Result<Vec<usize>> {
    validate(n_players, matches, 0)?;
    let mut games = vec![0; n_players];
    for m in matches {
        games[m.a] += 1;
        games[m.b] += 1;
    }
    Ok(games)
}

/// Checks every match: both indices below `n_players`, two different
/// participants, a score in `[0, 1]`. `offset` is added to reported indices
/// (the position of the first match in a concatenated input).
pub(crate) fn validate(n_players: usize, matches: &[Match], offset: usize) -> Result<()> {
    for (i, m) in matches.iter().enumerate() {
        let index = offset + i;
        for participant in [m.a, m.b] {
            if participant >= n_players {
                return Err(StatsError::UnknownParticipant {
                    index,
                    participant,
                    n_players,
                });
            }
        }
        if m.a == m.b {
            return Err(StatsError::SelfMatch {
                index,
                participant: m.a,
            });
        }
        // Written so that NaN fails the check too.
        if !(0.0..=1.0).contains(&m.score_a) {
            return Err(StatsError::InvalidScore {
                index,
                score: m.score_a,
            });
        }
    }
    Ok(())
}
