//! Random against random Connect Four through the episode driver: every move
//! goes through the illegal-move policy and is sent to a recorder, as in a
//! real run. The database variant measures the whole path to SQLite.

use std::collections::BTreeMap;
use std::hint::black_box;
use std::sync::Arc;

use arena_agents::RandomPlayer;
use arena_runner::episode::{self, EpisodeSpec, PlaySettings, SeatAgent};
use arena_runner::record::{Event, Recorder};
use arena_runner::run::{self, PlannedEpisode, RunOptions, RunPlan};
use arena_runner::store::{Store, Writer};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use tokio_util::sync::CancellationToken;

// The runner binary's allocator (see `arena_runner::Allocator`).
#[global_allocator]
static GLOBAL: arena_runner::Allocator = mimalloc::MiMalloc;

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

/// The same games through the whole run path: episodes in parallel on a
/// two-thread runtime, every move and episode written to a fresh SQLite
/// database by the single writer thread, the database closed at the end.
fn random_vs_random_logged(c: &mut Criterion) {
    let game = arena_games::build("connect_four", &BTreeMap::new()).unwrap();
    let seats = Arc::new(
        (0..2)
            .map(|_| SeatAgent {
                name: "random".into(),
                model: None,
                agent: Arc::new(RandomPlayer) as Arc<dyn arena_agents::Agent>,
            })
            .collect::<Vec<_>>(),
    );
    let episodes = 1000u32;
    let plan = |run_id: &str| RunPlan {
        run_id: run_id.to_string(),
        seed: 1,
        config_yaml: String::new(),
        episodes: (0..episodes)
            .map(|i| PlannedEpisode {
                spec: EpisodeSpec {
                    run_id: run_id.to_string(),
                    episode_id: episode::episode_id(run_id, 0, i),
                    game: game.clone(),
                    env_index: 0,
                    episode_index: i,
                    seed: u64::from(i),
                    max_moves: None,
                },
                seats: seats.clone(),
            })
            .collect(),
        settings: PlaySettings::default(),
        concurrency: 8,
    };
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .build()
        .unwrap();
    let dir = std::env::temp_dir().join(format!("arena-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let run_once = |n: u64| -> u64 {
        let path = dir.join(format!("bench-{n}.db"));
        let store = Store::open(&path).unwrap();
        let (writer, joiner) = Writer::spawn(store).unwrap();
        let recorder: Arc<dyn Recorder> = Arc::new(writer.clone());
        let outcome = rt
            .block_on(run::execute(
                plan("bench"),
                recorder,
                &RunOptions::default(),
                CancellationToken::new(),
            ))
            .unwrap();
        writer.close().unwrap();
        let store = joiner.join().unwrap().unwrap();
        let moves: u64 = outcome
            .summary
            .rows()
            .values()
            .map(|s| s.latencies_ms.len() as u64)
            .sum();
        drop(store);
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(dir.join(format!("bench-{n}.db{suffix}")));
        }
        moves
    };
    let moves = run_once(0);
    let mut group = c.benchmark_group("episodes");
    group.sample_size(10);
    group.throughput(Throughput::Elements(moves));
    let mut n = 1;
    group.bench_function(
        "connect_four_random_vs_random_1000_episodes_logged_to_sqlite",
        |b| {
            b.iter(|| {
                n += 1;
                run_once(n)
            })
        },
    );
    group.finish();
    let _ = std::fs::remove_dir_all(&dir);
}

criterion_group!(benches, random_vs_random, random_vs_random_logged);
criterion_main!(benches);
