//! Random against random Connect Four through the episode driver: every move
//! goes through the illegal-move policy and is sent to a recorder, as in a
//! real run. The database variant measures the whole path to SQLite.

use std::collections::BTreeMap;
use std::hint::black_box;
use std::sync::Arc;

use arena_agents::RandomPlayer;
use arena_runner::episode::{self, EpisodeSpec, PlaySettings, SeatAgent};
use arena_runner::record::{Event, Recorder};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use tokio_util::sync::CancellationToken;

/// Counts events and drops them.
#[derive(Default)]
struct Counting(std::sync::atomic::AtomicU64);

impl Recorder for Counting {
    fn send(&self, event: Event) -> anyhow::Result<()> {
        black_box(&event);
        self.0.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        Ok(())
    }
}

fn random_vs_random(c: &mut Criterion) {
    let game = arena_games::build("connect_four", &BTreeMap::new()).unwrap();
    let seats: Vec<SeatAgent> = (0..2)
        .map(|_| SeatAgent {
            name: "random".into(),
            model: None,
            agent: Arc::new(RandomPlayer),
        })
        .collect();
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    // Moves per episode vary with the seed; count them over a fixed set.
    let episodes = 100u32;
    let recorder = Counting::default();
    let cancel = CancellationToken::new();
    let settings = PlaySettings::default();
    let mut moves = 0u64;
    let specs: Vec<EpisodeSpec> = (0..episodes)
        .map(|i| EpisodeSpec {
            run_id: "bench".into(),
            episode_id: episode::episode_id("bench", 0, i),
            game: game.clone(),
            env_index: 0,
            episode_index: i,
            seed: u64::from(i),
            max_moves: None,
        })
        .collect();
    rt.block_on(async {
        for s in &specs {
            episode::play(s, &seats, &settings, &recorder, &cancel)
                .await
                .unwrap();
        }
    });
    moves += recorder.0.load(std::sync::atomic::Ordering::Relaxed) - 2 * u64::from(episodes);
    let mut group = c.benchmark_group("episodes");
    group.throughput(Throughput::Elements(moves));
    group.bench_function("connect_four_random_vs_random_100_episodes", |b| {
        b.iter(|| {
            rt.block_on(async {
                for s in &specs {
                    episode::play(s, &seats, &settings, &recorder, &cancel)
                        .await
                        .unwrap();
                }
            })
        })
    });
    group.finish();
}

criterion_group!(benches, random_vs_random);
criterion_main!(benches);
