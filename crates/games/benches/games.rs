//! Criterion benchmarks of the game engines (numbers go to BENCHMARKS.md).

use arena_games::games::connect_four::{Column, ConnectFour};
use arena_games::{Engine, Playthrough, Turn};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// One complete random Connect Four game through the checked `Playthrough`
/// API (legality check and history recording included); returns the length.
fn connect_four_playout(rng: &mut ChaCha8Rng, legal: &mut Vec<Column>) -> usize {
    let mut play = Playthrough::new(ConnectFour::standard());
    while let Turn::Seat(_) = play.turn() {
        legal.clear();
        play.state().legal_actions_into(legal);
        let pick = legal[rng.random_range(0..legal.len())];
        play.apply(pick).expect("a listed action is legal");
    }
    play.history().len()
}

fn connect_four(c: &mut Criterion) {
    const GAMES: u64 = 1000;
    let mut group = c.benchmark_group("connect_four");
    group.throughput(Throughput::Elements(GAMES));
    group.bench_function("random_playouts_x1000", |b| {
        let mut rng = ChaCha8Rng::seed_from_u64(7);
        let mut legal = Vec::with_capacity(8);
        b.iter(|| {
            let mut moves = 0;
            for _ in 0..GAMES {
                moves += connect_four_playout(&mut rng, &mut legal);
            }
            moves
        });
    });
    group.finish();
}

criterion_group!(benches, connect_four);
criterion_main!(benches);
