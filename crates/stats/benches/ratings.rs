//! Criterion benchmarks of the leaderboard's ratings: Bradley–Terry and its
//! 1000-round bootstrap, for 10 participants × 2000 matches and for a large
//! tournament of 50 participants × 20 000 matches.

use std::hint::black_box;

use arena_stats::{Match, bootstrap_bradley_terry, bradley_terry};
use criterion::{Criterion, criterion_group, criterion_main};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// `matches / 2` duplicate pairs (two matches each, sides swapped) between
/// random pairs of `players` participants spaced 20 Elo apart, drawn from
/// the Bradley–Terry model.
fn tournament(players: usize, matches: usize) -> Vec<Vec<Match>> {
    let mut rng = ChaCha8Rng::seed_from_u64(3);
    let rating = |i: usize| 1500.0 + 20.0 * (i as f64 - players as f64 / 2.0);
    (0..matches / 2)
        .map(|_| {
            let a = rng.random_range(0..players);
            let b = (a + rng.random_range(1..players)) % players;
            [(a, b), (b, a)]
                .into_iter()
                .map(|(a, b)| {
                    let p_a = 1.0 / (1.0 + 10f64.powf((rating(b) - rating(a)) / 400.0));
                    let won = rng.random::<f64>() < p_a;
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

fn ratings(c: &mut Criterion) {
    for (players, matches) in [(10, 2000), (50, 20_000)] {
        let groups = tournament(players, matches);
        let flat: Vec<Match> = groups.iter().flatten().copied().collect();
        let mut group = c.benchmark_group(format!("ratings_{players}x{matches}"));
        group.sample_size(10);
        group.bench_function("bradley_terry", |b| {
            b.iter(|| bradley_terry(players, black_box(&flat)).unwrap())
        });
        group.bench_function("bootstrap_1000_rounds", |b| {
            b.iter(|| bootstrap_bradley_terry(players, black_box(&groups), 1000, 0.95, 1).unwrap())
        });
        group.finish();
    }
}

criterion_group!(benches, ratings);
criterion_main!(benches);
