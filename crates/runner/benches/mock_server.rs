//! Decisions per second against a local mock model server that answers
//! every request in 50 ms, with 64 episodes in flight: the ideal is
//! 64 / 0.05 s = 1,280 decisions per second, and the arena's own overhead
//! (HTTP client, prompts, parsing, the episode driver, the record) is what
//! keeps it from that. Both seats of every episode are the API model
//! (`litellm_hosted_vllm/mock`) playing iterated prisoner's dilemma, where
//! the mock's fixed answer is always legal.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use arena_agents::{ApiEnv, HttpClient, HttpSettings, LitellmCatalog, build_litellm_agent};
use arena_games::ParamValue;
use arena_runner::episode::{self, EpisodeSpec, PlaySettings, SeatAgent};
use arena_runner::record::Recorder;
use arena_runner::run::{self, PlannedEpisode, RunOptions, RunPlan};
use arena_runner::store::{Store, Writer};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use tokio_util::sync::CancellationToken;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const CONCURRENCY: usize = 64;
const EPISODES: u32 = 128;
const ROUNDS: i64 = 10;

fn decisions_per_second(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let server = rt.block_on(async {
        let server = MockServer::start().await;
        let reply = serde_json::json!({
            "id": "mock",
            "choices": [{"index": 0, "finish_reason": "stop",
                         "message": {"role": "assistant", "content": "I cooperate.\nMove: cooperate"}}],
            "usage": {"prompt_tokens": 120, "completion_tokens": 6}
        });
        Mock::given(method("POST"))
            .and(path("/v1/chat/completions"))
            .respond_with(
                ResponseTemplate::new(200)
                    .set_body_json(reply)
                    .set_delay(Duration::from_millis(50)),
            )
            .mount(&server)
            .await;
        server
    });
    let env = ApiEnv::from_vars([("HOSTED_VLLM_API_BASE", format!("{}/v1", server.uri()))]);
    let settings = HttpSettings {
        concurrency: CONCURRENCY,
        ..HttpSettings::default()
    };
    let client = HttpClient::new().unwrap();
    let name = "litellm_hosted_vllm/mock";
    let agent =
        build_litellm_agent(name, &env, &LitellmCatalog::default(), &settings, &client).unwrap();
    let seats = Arc::new(
        (0..2)
            .map(|_| SeatAgent {
                name: name.into(),
                model: Some("hosted_vllm/mock".into()),
                agent: agent.clone(),
            })
            .collect::<Vec<_>>(),
    );
    let params = BTreeMap::from([("rounds".to_string(), ParamValue::Int(ROUNDS))]);
    let game = arena_games::build("prisoners_dilemma", &params).unwrap();
    let plan = || RunPlan {
        run_id: "bench".into(),
        seed: 1,
        config_yaml: String::new(),
        episodes: (0..EPISODES)
            .map(|i| PlannedEpisode {
                spec: EpisodeSpec {
                    run_id: "bench".into(),
                    episode_id: episode::episode_id("bench", 0, i),
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
        concurrency: CONCURRENCY,
    };
    let dir = std::env::temp_dir().join(format!("arena-mock-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let mut n = 0;
    let mut run_once = || {
        n += 1;
        let db = dir.join(format!("{n}.db"));
        let (writer, joiner) = Writer::spawn(Store::open(&db).unwrap()).unwrap();
        let recorder: Arc<dyn Recorder> = Arc::new(writer.clone());
        let outcome = rt
            .block_on(run::execute(
                plan(),
                recorder,
                &RunOptions::default(),
                CancellationToken::new(),
            ))
            .unwrap();
        writer.close().unwrap();
        drop(joiner.join().unwrap().unwrap());
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(dir.join(format!("{n}.db{suffix}")));
        }
        let decisions: u64 = outcome
            .summary
            .rows()
            .values()
            .map(|s| s.latencies_ms.len() as u64)
            .sum();
        assert_eq!(decisions, u64::from(EPISODES) * 2 * ROUNDS as u64);
        decisions
    };
    let decisions = run_once();
    let mut group = c.benchmark_group("mock_server_50ms");
    group.sample_size(10);
    group.throughput(Throughput::Elements(decisions));
    group.bench_function("prisoners_dilemma_llm_vs_llm_concurrency_64", |b| {
        b.iter(&mut run_once)
    });
    group.finish();
    let _ = std::fs::remove_dir_all(&dir);
}

criterion_group!(benches, decisions_per_second);
criterion_main!(benches);
