//! The embedded model's decision time: one grammar-constrained Connect Four
//! move, first in a fresh episode (whole prompt evaluated) and later in an
//! episode whose prompt prefix is cached. Needs the pulled model.

use std::collections::BTreeMap;

use arena_agents::turn::{self, IllegalMovePolicy, OnFailure};
use arena_agents::{Agent, LlamaCppAgent, LlamaCppModel, Sampling, default_cache_dir};
use arena_games::build;
use criterion::{Criterion, criterion_group, criterion_main};

fn connect_four_decision(c: &mut Criterion) {
    let config = LlamaCppModel::default();
    let path = default_cache_dir().join("gemma-3-270m-q4_k_m.gguf");
    let agent = LlamaCppAgent::new("llamacpp_gemma3-270m", &path, &config, true)
        .expect("the embedded model: run `cargo run -- models pull gemma3-270m`");
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let game = build("connect_four", &BTreeMap::new()).unwrap();
    let mut state = game.new_initial_state();
    for m in ["4", "3", "4", "5"] {
        state.apply_text(m).unwrap();
    }
    let policy = IllegalMovePolicy {
        reprompts: 0,
        on_failure: OnFailure::Forfeit,
    };
    let sampling = Sampling {
        temperature: 0.7,
        max_tokens: 8,
        seed: 1,
    };
    let mut group = c.benchmark_group("llamacpp_gemma3_270m");
    group.sample_size(20);
    let mut key = 0u64;
    group.bench_function("connect_four_decision_fresh_episode", |b| {
        b.iter(|| {
            key += 1;
            let d = rt.block_on(turn::decide(
                &agent,
                state.as_ref(),
                "connect_four",
                key,
                sampling,
                policy,
                1,
            ));
            agent.end_episode(key);
            d
        })
    });
    // A later move of the same episode: the prompt shares its prefix (the
    // rules and the board text up to the first difference) with the last one.
    let episode = u64::MAX;
    rt.block_on(turn::decide(
        &agent,
        state.as_ref(),
        "connect_four",
        episode,
        sampling,
        policy,
        1,
    ));
    group.bench_function("connect_four_decision_cached_prefix", |b| {
        b.iter(|| {
            rt.block_on(turn::decide(
                &agent,
                state.as_ref(),
                "connect_four",
                episode,
                sampling,
                policy,
                1,
            ))
        })
    });
    group.finish();
}

criterion_group!(benches, connect_four_decision);
criterion_main!(benches);
