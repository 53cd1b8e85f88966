//! Ratings: Bradley–Terry recovers known strengths from simulated games,
//! its bootstrap intervals cover them and shrink with more games, Elo and
//! Weng-Lin match hand-computed updates, and bad input is an error.

use arena_stats::{
    ANCHOR, Match, Rated, StatsError, WengLin, bootstrap_bradley_terry, bradley_terry, elo,
    games_played, pairwise, weng_lin,
};
use proptest::prelude::*;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// Elo points per unit of log-strength.
const ELO_PER_NAT: f64 = 400.0 / std::f64::consts::LN_10;

/// The probability that a player rated `a` beats one rated `b`.
fn expected(a: f64, b: f64) -> f64 {
    1.0 / (1.0 + 10f64.powf((b - a) / 400.0))
}

/// `pairs` duplicate pairs between random participants: each pair plays
/// twice (as mirrored episodes would), and results are drawn from the
/// Bradley–Terry model with the given true ratings.
fn simulate(truth: &[f64], pairs: usize, seed: u64) -> Vec<Vec<Match>> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let n = truth.len();
    (0..pairs)
        .map(|_| {
            let a = rng.random_range(0..n);
            let b = (a + rng.random_range(1..n)) % n;
            [(a, b), (b, a)]
                .into_iter()
                .map(|(a, b)| {
                    let won = rng.random::<f64>() < expected(truth[a], truth[b]);
                    Match {
                        a,
                        b,
                        score_a: if won { 1.0 } else { 0.0 },
                    }
                })
                .collect()
        })
        .collect()
}

fn flatten(groups: &[Vec<Match>]) -> Vec<Match> {
    groups.iter().flatten().copied().collect()
}

const TRUTH: [f64; 6] = [1300.0, 1400.0, 1450.0, 1550.0, 1600.0, 1700.0];

#[test]
fn bradley_terry_recovers_simulated_strengths() {
    let groups = simulate(&TRUTH, 2000, 11);
    let rated = bootstrap_bradley_terry(TRUTH.len(), &groups, 1000, 0.95, 5).unwrap();
    for (i, (r, truth)) in rated.iter().zip(TRUTH).enumerate() {
        assert!(
            r.lo <= truth && truth <= r.hi,
            "participant {i}: true {truth} outside [{:.1}, {:.1}]",
            r.lo,
            r.hi
        );
        assert!(
            (r.rating - truth).abs() < 40.0,
            "participant {i}: {r:?} vs {truth}"
        );
        assert!(r.lo < r.rating && r.rating < r.hi, "participant {i}: {r:?}");
    }
    let mean = rated.iter().map(|r| r.rating).sum::<f64>() / rated.len() as f64;
    assert!((mean - ANCHOR).abs() < 1e-9);
}

#[test]
fn bradley_terry_ignores_match_order_and_sides() {
    let matches = flatten(&simulate(&TRUTH, 300, 2));
    let expected = bradley_terry(TRUTH.len(), &matches).unwrap();
    let mut rng = ChaCha8Rng::seed_from_u64(9);
    for _ in 0..5 {
        let mut shuffled = matches.clone();
        shuffled.shuffle(&mut rng);
        // Writing a match from the other side changes nothing either.
        for m in shuffled.iter_mut().step_by(3) {
            *m = Match {
                a: m.b,
                b: m.a,
                score_a: 1.0 - m.score_a,
            };
        }
        assert_eq!(bradley_terry(TRUTH.len(), &shuffled).unwrap(), expected);
    }
}

#[test]
fn bootstrap_intervals_shrink_with_more_games() {
    let width = |pairs: usize| {
        let groups = simulate(&TRUTH, pairs, 21);
        let rated = bootstrap_bradley_terry(TRUTH.len(), &groups, 1000, 0.95, 8).unwrap();
        rated.iter().map(|r| r.hi - r.lo).sum::<f64>() / rated.len() as f64
    };
    let (few, many) = (width(250), width(1000));
    // Four times the games should halve the width; allow for noise.
    assert!(
        many < 0.65 * few,
        "width {many:.1} with 4x games vs {few:.1}"
    );
}

#[test]
fn bootstrap_is_deterministic_given_the_seed() {
    let groups = simulate(&TRUTH, 100, 4);
    let run = |seed| bootstrap_bradley_terry(TRUTH.len(), &groups, 200, 0.9, seed).unwrap();
    assert_eq!(run(1), run(1));
    assert_ne!(run(1), run(2));
    // The point estimate does not depend on the seed.
    let ratings = |r: Vec<Rated>| r.iter().map(|r| r.rating).collect::<Vec<_>>();
    assert_eq!(ratings(run(1)), ratings(run(2)));
    assert_eq!(
        ratings(run(1)),
        bradley_terry(TRUTH.len(), &flatten(&groups)).unwrap()
    );
}

#[test]
fn two_players_match_the_closed_form_with_the_prior() {
    // A wins w of n against B. By symmetry B's log-strength is minus A's
    // (x), and the fit sets each side's score, virtual draw included, equal
    // to its expectation: w + 1/2 = n σ(2x) + σ(x).
    for (w, n) in [(750, 1000), (10, 10), (0, 3), (5, 10), (1, 2)] {
        let matches: Vec<Match> = (0..n)
            .map(|i| {
                if i < w {
                    Match::win(0, 1)
                } else {
                    Match::win(1, 0)
                }
            })
            .collect();
        let ratings = bradley_terry(2, &matches).unwrap();
        let sigmoid = |x: f64| 1.0 / (1.0 + (-x).exp());
        let (mut lo, mut hi) = (-50.0, 50.0);
        for _ in 0..200 {
            let x = 0.5 * (lo + hi);
            if f64::from(n) * sigmoid(2.0 * x) + sigmoid(x) < f64::from(w) + 0.5 {
                lo = x;
            } else {
                hi = x;
            }
        }
        let difference = 2.0 * lo * ELO_PER_NAT;
        assert!(
            (ratings[0] - ratings[1] - difference).abs() < 1e-6,
            "{w}/{n}: {ratings:?}, expected a difference of {difference}"
        );
        assert!((ratings[0] + ratings[1] - 2.0 * ANCHOR).abs() < 1e-9);
    }
}

#[test]
fn a_draw_counts_as_half_a_win_to_each() {
    let split = bradley_terry(3, &[Match::win(0, 1), Match::win(1, 0), Match::win(0, 2)]).unwrap();
    let drawn =
        bradley_terry(3, &[Match::draw(0, 1), Match::draw(1, 0), Match::win(0, 2)]).unwrap();
    assert_eq!(split, drawn);
}

#[test]
fn a_player_who_won_everything_stays_finite_and_on_top() {
    let mut matches = Vec::new();
    for _ in 0..50 {
        matches.extend([
            Match::win(0, 1),
            Match::win(0, 2),
            Match::win(1, 2),
            Match::win(2, 1),
        ]);
    }
    let ratings = bradley_terry(3, &matches).unwrap();
    assert!(ratings.iter().all(|r| r.is_finite()), "{ratings:?}");
    assert!(
        ratings[0] > ratings[1] + 400.0 && ratings[0] > ratings[2] + 400.0,
        "{ratings:?}"
    );
    let groups: Vec<Vec<Match>> = matches.chunks(4).map(<[Match]>::to_vec).collect();
    let rated = bootstrap_bradley_terry(3, &groups, 300, 0.95, 1).unwrap();
    assert!(
        rated.iter().all(|r| r.lo.is_finite() && r.hi.is_finite()),
        "{rated:?}"
    );
    assert!(rated[0].lo > rated[1].hi.max(rated[2].hi), "{rated:?}");
}

#[test]
fn lopsided_and_disconnected_results_converge() {
    #[track_caller]
    fn check(n: usize, matches: &[Match], ordered: &[usize]) {
        let ratings = bradley_terry(n, matches).unwrap();
        assert!(ratings.iter().all(|r| r.is_finite()), "{ratings:?}");
        for pair in ordered.windows(2) {
            assert!(ratings[pair[0]] > ratings[pair[1]], "{ratings:?}");
        }
    }
    // A hundred thousand straight wins.
    check(2, &vec![Match::win(0, 1); 100_000], &[0, 1]);
    // A long chain where each beats the next every time.
    let chain: Vec<Match> = (0..19)
        .flat_map(|i| vec![Match::win(i, i + 1); 30])
        .collect();
    check(20, &chain, &(0..20).collect::<Vec<_>>());
    // Two groups that never met: each is ordered within itself.
    let mut split = vec![Match::win(0, 1); 40];
    split.extend(vec![Match::win(2, 3); 5]);
    split.extend(vec![Match::win(3, 2); 5]);
    check(4, &split, &[0, 1]);
}

/// The first Newton fit stalled here: near the maximum, the line search
/// rejected every step whose gain was below the objective's rounding error,
/// and shrank it until it no longer moved the ratings, for ever.
#[test]
fn regression_newton_stalled_when_the_gain_was_below_rounding() {
    let matches: Vec<Match> = [0.5, 1.0, 0.5, 0.5, 1.0]
        .into_iter()
        .map(|score_a| Match {
            a: 0,
            b: 1,
            score_a,
        })
        .collect();
    let ratings = bradley_terry(2, &matches).unwrap();
    assert!(ratings[0] > ratings[1]);
}

#[test]
fn a_player_without_games_sits_at_the_anchor_and_is_flagged() {
    let matches = [Match::win(0, 1), Match::win(0, 1), Match::win(1, 0)];
    let ratings = bradley_terry(3, &matches).unwrap();
    assert_eq!(ratings[2], ANCHOR);
    assert!((ratings[0] + ratings[1] - 2.0 * ANCHOR).abs() < 1e-9);
    assert_eq!(games_played(3, &matches).unwrap(), vec![3, 3, 0]);
    let rated = bootstrap_bradley_terry(3, &[matches.to_vec()], 50, 0.95, 1).unwrap();
    assert_eq!(
        rated[2],
        Rated {
            rating: ANCHOR,
            lo: ANCHOR,
            hi: ANCHOR,
            games: 0
        }
    );
    assert!(!rated[2].is_rated() && rated[0].is_rated());
}

#[test]
fn elo_matches_hand_computed_updates() {
    #[track_caller]
    fn check(matches: &[Match], k: f64, expected: &[f64]) {
        let got = elo(expected.len(), matches, k, 1500.0).unwrap();
        for (g, e) in got.iter().zip(expected) {
            assert!((g - e).abs() < 1e-9, "got {got:?}, expected {expected:?}");
        }
    }
    check(&[], 32.0, &[1500.0, 1500.0]);
    // Equal ratings expect 1/2 each: the winner takes K/2.
    check(&[Match::win(0, 1)], 32.0, &[1516.0, 1484.0]);
    check(&[Match::draw(0, 1)], 32.0, &[1500.0, 1500.0]);
    check(&[Match::win(1, 0)], 20.0, &[1490.0, 1510.0]);
    // Then 1484 beats 1516: it expected 1 / (1 + 10^(32/400)) = 0.454078...,
    // so it gains 32 × 0.545921... = 17.469501528975...
    check(
        &[Match::win(0, 1), Match::win(1, 0)],
        32.0,
        &[1_498.530_498_471_024_5, 1_501.469_501_528_975_5],
    );
    // A third participant is untouched by the others' games.
    check(&[Match::win(0, 1)], 32.0, &[1516.0, 1484.0, 1500.0]);
}

#[test]
fn elo_depends_on_order_but_bradley_terry_does_not() {
    let forward = [
        Match::win(0, 1),
        Match::win(1, 2),
        Match::win(2, 0),
        Match::win(0, 1),
    ];
    let mut backward = forward;
    backward.reverse();
    assert_ne!(
        elo(3, &forward, 32.0, 1500.0).unwrap(),
        elo(3, &backward, 32.0, 1500.0).unwrap()
    );
    assert_eq!(
        bradley_terry(3, &forward).unwrap(),
        bradley_terry(3, &backward).unwrap()
    );
}

#[test]
fn weng_lin_matches_the_paper_after_one_game() {
    // Weng & Lin, Bradley–Terry full pair: c² = 2β² + σa² + σb², the winner
    // expected p = 1/2 between equals, and moves by σ²/c · (1 - p).
    let ratings = weng_lin(3, &[Match::win(0, 1)]).unwrap();
    let (mu, sigma, beta): (f64, f64, f64) = (25.0, 25.0 / 3.0, 25.0 / 6.0);
    let c = (2.0 * beta * beta + 2.0 * sigma * sigma).sqrt();
    let step = sigma * sigma / c * 0.5;
    assert!((ratings[0].mu - (mu + step)).abs() < 1e-9, "{ratings:?}");
    assert!((ratings[1].mu - (mu - step)).abs() < 1e-9, "{ratings:?}");
    assert!(ratings[0].sigma < sigma && ratings[1].sigma < sigma);
    assert_eq!(ratings[2], WengLin::default());
    assert_eq!(WengLin::default().conservative(), 0.0);
    assert!(ratings[0].conservative() > ratings[1].conservative());
    // A draw between equals moves nobody's mean.
    let drawn = weng_lin(2, &[Match::draw(0, 1)]).unwrap();
    assert!((drawn[0].mu - mu).abs() < 1e-12 && (drawn[1].mu - mu).abs() < 1e-12);
}

#[test]
fn pairwise_turns_seats_into_matches() {
    #[track_caller]
    fn check(results: &[(usize, f64)], expected: &[(usize, usize, f64)]) {
        let expected: Vec<Match> = expected
            .iter()
            .map(|&(a, b, score_a)| Match { a, b, score_a })
            .collect();
        assert_eq!(pairwise(results).unwrap(), expected);
    }
    check(&[], &[]);
    check(&[(3, 1.0)], &[]);
    check(&[(0, 1.0), (1, -1.0)], &[(0, 1, 1.0)]);
    check(&[(0, -1.0), (1, 1.0)], &[(0, 1, 0.0)]);
    check(&[(0, 0.0), (1, 0.0)], &[(0, 1, 0.5)]);
    check(
        &[(0, 5.0), (1, 0.0), (2, 0.0), (3, -5.0)],
        &[
            (0, 1, 1.0),
            (0, 2, 1.0),
            (0, 3, 1.0),
            (1, 2, 0.5),
            (1, 3, 1.0),
            (2, 3, 1.0),
        ],
    );
    // Self-play seats are not compared with each other.
    check(&[(4, 1.0), (4, -1.0)], &[]);
    check(
        &[(4, 1.0), (4, 0.0), (2, -1.0)],
        &[(4, 2, 1.0), (4, 2, 1.0)],
    );
}

#[test]
fn bad_input_is_a_typed_error() {
    #[track_caller]
    fn check<T: std::fmt::Debug>(result: Result<T, StatsError>, expected: StatsError) {
        assert_eq!(result.unwrap_err(), expected);
    }
    let ok = [Match::win(0, 1)];
    check(bradley_terry(2, &[]), StatsError::NoMatches);
    check(bradley_terry(0, &[]), StatsError::NoMatches);
    check(
        bradley_terry(2, &[Match::win(0, 1), Match::win(0, 2)]),
        StatsError::UnknownParticipant {
            index: 1,
            participant: 2,
            n_players: 2,
        },
    );
    check(
        bradley_terry(2, &[Match::draw(1, 1)]),
        StatsError::SelfMatch {
            index: 0,
            participant: 1,
        },
    );
    check(
        bradley_terry(
            2,
            &[Match {
                a: 0,
                b: 1,
                score_a: 1.5,
            }],
        ),
        StatsError::InvalidScore {
            index: 0,
            score: 1.5,
        },
    );
    assert!(matches!(
        bradley_terry(
            2,
            &[Match {
                a: 0,
                b: 1,
                score_a: f64::NAN
            }]
        ),
        Err(StatsError::InvalidScore { index: 0, .. })
    ));
    check(
        bootstrap_bradley_terry(2, &[], 100, 0.95, 0),
        StatsError::NoMatches,
    );
    check(
        bootstrap_bradley_terry(2, &[vec![], vec![]], 100, 0.95, 0),
        StatsError::NoMatches,
    );
    check(
        bootstrap_bradley_terry(2, &[ok.to_vec(), vec![Match::win(0, 5)]], 100, 0.95, 0),
        StatsError::UnknownParticipant {
            index: 1,
            participant: 5,
            n_players: 2,
        },
    );
    check(
        bootstrap_bradley_terry(2, &[ok.to_vec()], 100, 1.0, 0),
        StatsError::InvalidConfidence(1.0),
    );
    check(
        bootstrap_bradley_terry(2, &[ok.to_vec()], 0, 0.95, 0),
        StatsError::InvalidParameter {
            name: "rounds",
            value: 0.0,
            expected: "at least 1",
        },
    );
    check(
        elo(1, &ok, 32.0, 1500.0),
        StatsError::UnknownParticipant {
            index: 0,
            participant: 1,
            n_players: 1,
        },
    );
    assert!(matches!(
        elo(2, &ok, f64::NAN, 1500.0),
        Err(StatsError::InvalidParameter { name: "k", .. })
    ));
    assert!(matches!(
        elo(2, &ok, -1.0, 1500.0),
        Err(StatsError::InvalidParameter { name: "k", .. })
    ));
    assert!(matches!(
        elo(2, &ok, 32.0, f64::INFINITY),
        Err(StatsError::InvalidParameter {
            name: "initial",
            ..
        })
    ));
    check(
        weng_lin(2, &[Match::win(0, 0)]),
        StatsError::SelfMatch {
            index: 0,
            participant: 0,
        },
    );
    check(
        pairwise(&[(0, 1.0), (1, f64::NAN)]),
        StatsError::NonFinite { index: 1 },
    );
    check(
        games_played(1, &ok),
        StatsError::UnknownParticipant {
            index: 0,
            participant: 1,
            n_players: 1,
        },
    );
}

fn arbitrary_matches() -> impl Strategy<Value = (usize, Vec<Match>)> {
    (2usize..8).prop_flat_map(|n| {
        let one = (0..n, 1..n, prop::sample::select(vec![0.0, 0.5, 1.0])).prop_map(
            move |(a, offset, score_a)| Match {
                a,
                b: (a + offset) % n,
                score_a,
            },
        );
        (Just(n), prop::collection::vec(one, 1..40))
    })
}

proptest! {
    #[test]
    fn ratings_are_finite_anchored_and_order_free(
        (n, matches) in arbitrary_matches(),
        seed in any::<u64>(),
    ) {
        let ratings = bradley_terry(n, &matches).unwrap();
        prop_assert!(ratings.iter().all(|r| r.is_finite()));
        let played = games_played(n, &matches).unwrap();
        let rated: Vec<f64> =
            ratings.iter().zip(&played).filter(|&(_, &g)| g > 0).map(|(&r, _)| r).collect();
        let mean = rated.iter().sum::<f64>() / rated.len() as f64;
        prop_assert!((mean - ANCHOR).abs() < 1e-6, "mean {}", mean);
        let mut shuffled = matches.clone();
        shuffled.shuffle(&mut ChaCha8Rng::seed_from_u64(seed));
        prop_assert_eq!(bradley_terry(n, &shuffled).unwrap(), ratings);
    }
}

/// Regression: a perfect record over a few games gave a zero-width
/// interval, since every bootstrap resample is the same perfect record.
#[test]
fn a_perfect_record_over_few_games_still_has_a_wide_interval() {
    let groups: Vec<Vec<Match>> = (0..4).map(|_| vec![Match::win(0, 1)]).collect();
    let rated = bootstrap_bradley_terry(2, &groups, 200, 0.95, 1).unwrap();
    for r in &rated {
        assert!(r.lo < r.rating && r.rating < r.hi, "{r:?}");
        assert!(
            r.hi - r.lo > 100.0,
            "four games cannot pin a rating down: {r:?}"
        );
    }
    assert!(rated[0].rating > rated[1].rating);
    // More games of the same record narrow it.
    let many: Vec<Vec<Match>> = (0..64)
        .map(|_| vec![Match::win(0, 1), Match::win(1, 0)])
        .collect();
    let wide = bootstrap_bradley_terry(2, &many[..4], 200, 0.95, 1).unwrap();
    let narrow = bootstrap_bradley_terry(2, &many, 200, 0.95, 1).unwrap();
    assert!(narrow[0].hi - narrow[0].lo < 0.5 * (wide[0].hi - wide[0].lo));
}
