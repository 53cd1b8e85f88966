//! The scripted baselines' decision time: one `baseline_poker` decision
//! heads-up on the flop with the default 2000 Monte-Carlo samples.

use std::collections::BTreeMap;
use std::hint::black_box;

use arena_agents::{BaselineAgent, DecisionRequest, Sampling};
use arena_games::build;
use criterion::{Criterion, criterion_group, criterion_main};

fn poker_flop_decision(c: &mut Criterion) {
    let agent = BaselineAgent::from_name("baseline_poker").expect("a baseline name");
    let mut state = build("poker", &BTreeMap::new())
        .expect("default poker")
        .new_initial_state();
    // Hole cards (seat 1, seat 0, seat 1, seat 0), a limp and a check, then
    // the flop: seat 1 (Qh Jh) acts first on Ah Td 4h.
    for m in ["Qh", "9c", "Jh", "9d", "call", "check", "Ah", "Td", "4h"] {
        state.apply_text(m).expect("a legal move");
    }
    let seat = state.turn().seat().expect("a player to act");
    let mut request = DecisionRequest {
        game: "poker".to_string(),
        seat,
        episode_key: 0,
        observation: state.observation_text(seat),
        legal_actions: state.legal_actions(),
        legal_summary: state.legal_summary(),
        constraint: state.move_constraint(),
        attempt: 1,
        previous_error: None,
        sampling: Sampling::default(),
        state: Some(state.clone_box()),
    };
    let mut group = c.benchmark_group("baseline");
    group.bench_function("poker_heads_up_flop_2000_samples", |b| {
        b.iter(|| {
            request.sampling.seed = request.sampling.seed.wrapping_add(1);
            agent.choose(black_box(&request)).expect("a move")
        });
    });
    group.finish();
}

criterion_group!(benches, poker_flop_decision);
criterion_main!(benches);
