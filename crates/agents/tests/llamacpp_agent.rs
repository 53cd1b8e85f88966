//! The llama.cpp agent on the real embedded model (Gemma 3 270M): with the
//! game's grammar its moves are legal in every position tried, across games;
//! the same seed gives the same move; unconstrained, every failed attempt is
//! recorded and the policy decides. `scripts/test.sh` pulls the model first.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use arena_agents::turn::{self, AttemptStatus, IllegalMovePolicy, OnFailure, Resolution};
use arena_agents::{Agent, LlamaCppAgent, LlamaCppModel, RandomAgent, Sampling, default_cache_dir};
use arena_games::{AnyState, ParamValue, Turn, build};

fn agent(constrained: bool) -> LlamaCppAgent {
    let path = default_cache_dir().join("gemma-3-270m-q4_k_m.gguf");
    LlamaCppAgent::new(
        "llamacpp_gemma3-270m",
        &path,
        &LlamaCppModel::default(),
        constrained,
    )
    .unwrap_or_else(|e| {
        panic!(
            "{e}\n(the tests need the embedded model: run `cargo run -- models pull gemma3-270m`)"
        )
    })
}

fn constrained_agent() -> &'static LlamaCppAgent {
    static AGENT: OnceLock<LlamaCppAgent> = OnceLock::new();
    AGENT.get_or_init(|| agent(true))
}

fn sampling(seed: u64) -> Sampling {
    Sampling {
        temperature: 0.7,
        max_tokens: 48,
        seed,
    }
}

const STRICT: IllegalMovePolicy = IllegalMovePolicy {
    reprompts: 0,
    on_failure: OnFailure::Forfeit,
};

/// Plays random games of `game` and asks the model at every `every`-th
/// decision; returns how many positions it was asked about.
async fn legal_in_positions(
    game: &str,
    params: &[(&str, i64)],
    episodes: u64,
    every: usize,
) -> usize {
    let given: BTreeMap<String, ParamValue> = params
        .iter()
        .map(|(k, v)| (k.to_string(), ParamValue::Int(*v)))
        .collect();
    let g = build(game, &given).unwrap();
    let agent = constrained_agent();
    let mut asked = 0;
    for episode in 0..episodes {
        let mut state: Box<dyn AnyState> = g.new_initial_state();
        let mut random = RandomAgent::new(episode);
        let key = 1000 * episode + game.len() as u64;
        let mut ply = 0;
        while state.turn() != Turn::Terminal {
            let is_player = matches!(state.turn(), Turn::Seat(_));
            let action = if is_player && (ply % every == 0 || state.legal_actions().is_empty()) {
                let d = turn::decide(
                    agent,
                    state.as_ref(),
                    game,
                    key,
                    sampling(ply as u64),
                    STRICT,
                    7,
                )
                .await;
                asked += 1;
                assert_eq!(d.attempts.len(), 1);
                let a = &d.attempts[0];
                assert_eq!(
                    a.status,
                    AttemptStatus::Parsed,
                    "{game}: {:?} for\n{}",
                    a,
                    state.render()
                );
                match d.resolution {
                    Resolution::Move { action } => action,
                    other => panic!("{game}: {other:?}"),
                }
            } else {
                random.choose(state.as_ref()).expect("listed moves")
            };
            state
                .apply_text(&action)
                .unwrap_or_else(|e| panic!("{game}: {action:?}: {e}"));
            ply += 1;
        }
        agent.end_episode(key);
    }
    asked
}

#[tokio::test]
async fn constrained_moves_are_legal_in_hundreds_of_positions() {
    let mut asked = 0;
    asked += legal_in_positions("connect_four", &[], 3, 1).await;
    asked += legal_in_positions("tic_tac_toe", &[], 4, 1).await;
    asked += legal_in_positions("kuhn_poker", &[], 6, 1).await;
    asked += legal_in_positions("poker", &[("players", 3)], 4, 1).await;
    asked += legal_in_positions("hex", &[("size", 5)], 2, 1).await;
    asked += legal_in_positions("prisoners_dilemma", &[], 4, 1).await;
    asked += legal_in_positions("rock_paper_scissors", &[], 4, 1).await;
    asked += legal_in_positions(
        "reverse_hangman",
        &[("rounds", 1), ("max_attempts", 2)],
        2,
        1,
    )
    .await;
    assert!(asked >= 100, "only {asked} positions");
}

#[tokio::test]
async fn same_seed_same_move() {
    let g = build("connect_four", &BTreeMap::new()).unwrap();
    let mut state = g.new_initial_state();
    for m in ["4", "4", "3"] {
        state.apply_text(m).unwrap();
    }
    let agent = constrained_agent();
    let mut moves = Vec::new();
    for (key, seed) in [(9001, 5), (9002, 5), (9003, 6), (9004, 6)] {
        let d = turn::decide(
            agent,
            state.as_ref(),
            "connect_four",
            key,
            sampling(seed),
            STRICT,
            seed,
        )
        .await;
        agent.end_episode(key);
        moves.push(d.resolution);
    }
    assert_eq!(moves[0], moves[1]);
    assert_eq!(moves[2], moves[3]);
}

#[tokio::test]
async fn unconstrained_failures_are_recorded_and_the_policy_decides() {
    let free = agent(false);
    let g = build("connect_four", &BTreeMap::new()).unwrap();
    let state = g.new_initial_state();
    let random = IllegalMovePolicy {
        reprompts: 1,
        on_failure: OnFailure::Random,
    };
    let d = turn::decide(
        &free,
        state.as_ref(),
        "connect_four",
        77,
        Sampling {
            max_tokens: 24,
            ..sampling(1)
        },
        random,
        3,
    )
    .await;
    // Whatever the base model wrote, every attempt is kept with its raw text.
    for a in &d.attempts {
        let response = a.response.as_ref().expect("the model answered");
        assert!(response.completion_tokens.unwrap_or(0) > 0);
        assert_eq!(a.status == AttemptStatus::Parsed, a.action.is_some());
        if a.status != AttemptStatus::Parsed {
            assert!(a.error.is_some());
        }
    }
    match &d.resolution {
        Resolution::Move { action } | Resolution::Fallback { action } => {
            assert!(state.legal_actions().contains(action));
        }
        Resolution::Forfeit { reason } => panic!("random policy forfeited: {reason}"),
    }
    if matches!(d.resolution, Resolution::Fallback { .. }) {
        assert_eq!(d.attempts.len(), 2, "one re-prompt before the fallback");
        assert!(
            d.attempts[1]
                .response
                .as_ref()
                .unwrap()
                .prompt
                .contains("Your previous answer was rejected")
        );
    }
    free.end_episode(77);
}
