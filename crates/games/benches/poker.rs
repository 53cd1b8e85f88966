//! Criterion benchmarks of hold'em: the 7-card evaluator on random hands,
//! and complete random heads-up hands through the checked `Playthrough` API.

use std::hint::black_box;

use arena_games::games::poker::{Card, CardSet, Poker, PokerAction, PokerConfig, evaluate};
use arena_games::{Engine, Playthrough, Turn};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// Random 7-card hands, generated before timing starts.
fn random_hands(count: usize) -> Vec<CardSet> {
    let mut rng = ChaCha8Rng::seed_from_u64(1);
    let mut deck: Vec<Card> = (0..52).filter_map(Card::from_index).collect();
    (0..count)
        .map(|_| {
            deck.shuffle(&mut rng);
            deck[..7].iter().copied().collect()
        })
        .collect()
}

fn eval_7_random(c: &mut Criterion) {
    let hands = random_hands(1 << 16);
    let mut group = c.benchmark_group("poker");
    group.throughput(Throughput::Elements(hands.len() as u64));
    group.bench_function("eval_7_random", |b| {
        b.iter(|| {
            let mut acc = 0u32;
            for &h in &hands {
                acc = acc.wrapping_add(evaluate(black_box(h)).0);
            }
            acc
        });
    });
    group.finish();
}

/// One random heads-up hand: chance deals picked by the RNG, uniformly
/// random legal betting (every raise size counts as one action), showdown.
fn heads_up_hand(initial: &Poker, rng: &mut ChaCha8Rng, legal: &mut Vec<PokerAction>) -> i64 {
    let mut play = Playthrough::new(initial.clone());
    while play.turn() != Turn::Terminal {
        legal.clear();
        play.state().legal_actions_into(legal);
        let pick = legal[rng.random_range(0..legal.len())];
        play.apply(pick).expect("a listed action is legal");
    }
    play.state().returns()[0]
}

fn heads_up_random_hand(c: &mut Criterion) {
    const HANDS: u64 = 1000;
    let initial = Poker::new(PokerConfig::default()).expect("default config is valid");
    let mut group = c.benchmark_group("poker");
    group.throughput(Throughput::Elements(HANDS));
    group.bench_function("heads_up_random_hand", |b| {
        let mut rng = ChaCha8Rng::seed_from_u64(7);
        let mut legal = Vec::with_capacity(256);
        b.iter(|| {
            let mut sum = 0;
            for _ in 0..HANDS {
                sum += heads_up_hand(&initial, &mut rng, &mut legal);
            }
            sum
        });
    });
    group.finish();
}

criterion_group!(benches, eval_7_random, heads_up_random_hand);
criterion_main!(benches);
