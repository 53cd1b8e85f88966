//! Plays one episode: chance outcomes drawn from the episode seed, each
//! seat's decision through the illegal-move policy ([`arena_agents::turn`]),
//! every attempt and every applied action sent to the [`Recorder`] as it
//! happens, so an interrupted episode leaves everything up to its last move.
//!
//! Determinism: each chance outcome is drawn from a ChaCha stream seeded by
//! (episode seed, the game's chance key for that node), and the sampling
//! seed of each decision is derived from (episode seed, ply), so an episode
//! plays the same whatever else runs beside it. Because the chance key of a
//! deal slot does not depend on the players' actions
//! ([`arena_games::AnyState::chance_key`]), two episodes with the same seed
//! — a duplicate pair with the seats swapped — get the same cards at the
//! same slots even where their play differs (a fold in one, a showdown in
//! the other). For a game without keys the chance nodes are numbered in
//! order instead.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use anyhow::Result;
use arena_agents::turn::{self, AttemptStatus, IllegalMovePolicy, Resolution};
use arena_agents::{Agent, Sampling};
use arena_games::{AnyGame, AnyState, Turn};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use tokio_util::sync::CancellationToken;

use crate::record::{
    AttemptRecord, EpisodeEnd, EpisodeStart, EpisodeStatus, Event, MoveRecord, Player,
    PlayerResult, Recorder, now_rfc3339,
};

/// One seat's agent.
#[derive(Clone, Debug)]
pub struct SeatAgent {
    /// The agent name as configured.
    pub name: String,
    /// The model behind it, when there is one.
    pub model: Option<String>,
    /// The agent.
    pub agent: Arc<dyn Agent>,
}

/// Which episode to play.
#[derive(Clone, Debug)]
pub struct EpisodeSpec {
    /// The run.
    pub run_id: String,
    /// `<run_id>/<env_index>/<episode_index>`.
    pub episode_id: String,
    /// The game, built with its parameters.
    pub game: Arc<dyn AnyGame>,
    /// Which entry of the run's games.
    pub env_index: u32,
    /// The episode's index within that game.
    pub episode_index: u32,
    /// The episode seed.
    pub seed: u64,
    /// The most player moves before the episode is stopped as `truncated`.
    pub max_moves: Option<u32>,
}

/// How decisions are made.
#[derive(Clone, Copy, Debug, Default)]
pub struct PlaySettings {
    /// Temperature and token limit (the seed is set per decision).
    pub sampling: Sampling,
    /// Re-prompts and what follows the last failed attempt.
    pub policy: IllegalMovePolicy,
}

/// The episode id of an episode of a run.
pub fn episode_id(run_id: &str, env_index: u32, episode_index: u32) -> String {
    format!("{run_id}/{env_index}/{episode_index}")
}

/// A process-wide unique key for an episode in flight, for agents that keep
/// per-episode caches.
fn next_episode_key() -> u64 {
    static NEXT: AtomicU64 = AtomicU64::new(1);
    NEXT.fetch_add(1, Ordering::Relaxed)
}

/// SplitMix64: a stable mix of the episode seed and the ply, so decision
/// seeds differ between plies and between episodes.
pub fn mix(seed: u64, salt: u64) -> u64 {
    let mut z = seed ^ salt.wrapping_mul(0x9e37_79b9_7f4a_7c15);
    z = z.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// Plays the episode to its end (or until `cancel` fires), recording as it
/// goes; returns how it ended. An error means the record could not be kept.
pub async fn play(
    spec: &EpisodeSpec,
    seats: &[SeatAgent],
    settings: &PlaySettings,
    recorder: &dyn Recorder,
    cancel: &CancellationToken,
) -> Result<EpisodeEnd> {
    let game = &spec.game;
    anyhow::ensure!(
        seats.len() == game.n_seats(),
        "{} has {} seats but {} agents were given",
        game.name(),
        game.n_seats(),
        seats.len()
    );
    recorder.send(Event::EpisodeStarted(EpisodeStart {
        episode_id: spec.episode_id.clone(),
        run_id: spec.run_id.clone(),
        game: game.name().to_string(),
        game_params: serde_json::to_value(game.params())?,
        env_index: spec.env_index,
        episode_index: spec.episode_index,
        seed: spec.seed,
        players: seats
            .iter()
            .enumerate()
            .map(|(seat, s)| Player {
                seat: seat as u32,
                agent: s.name.clone(),
                model: s.model.clone(),
            })
            .collect(),
        started_at: now_rfc3339(),
    }))?;

    let episode_key = next_episode_key();
    let outcome = run_moves(spec, seats, settings, recorder, cancel, episode_key).await;
    for s in seats {
        s.agent.end_episode(episode_key);
    }
    let (state, ending) = outcome?;
    let end = finish(spec, &*state, ending);
    recorder.send(Event::EpisodeFinished(end.clone()))?;
    Ok(end)
}

/// Why the move loop stopped.
enum Ending {
    Terminal,
    Truncated(u32),
    Forfeit { seat: usize, reason: String },
    Aborted(String),
    Interrupted,
}

async fn run_moves(
    spec: &EpisodeSpec,
    seats: &[SeatAgent],
    settings: &PlaySettings,
    recorder: &dyn Recorder,
    cancel: &CancellationToken,
    episode_key: u64,
) -> Result<(Box<dyn AnyState>, Ending)> {
    let game_name = spec.game.name();
    let mut state = spec.game.new_initial_state();
    let mut chance_nodes = 0u64;
    let mut player_moves = 0u32;
    loop {
        if cancel.is_cancelled() {
            return Ok((state, Ending::Interrupted));
        }
        let ply = state.history_len() as u32;
        // Scripted agents answer without ever yielding to the runtime;
        // spending the task's cooperative budget yields once it runs out,
        // which keeps the other tasks (the Ctrl-C listener, other
        // episodes) running.
        tokio::task::consume_budget().await;
        match state.turn() {
            Turn::Terminal => return Ok((state, Ending::Terminal)),
            Turn::Chance => {
                let outcomes = state.legal_actions();
                anyhow::ensure!(
                    !outcomes.is_empty(),
                    "{game_name}: a chance node with no outcomes at ply {ply}"
                );
                let key = state.chance_key();
                let index = chance_index(spec.seed, key, chance_nodes, outcomes.len());
                chance_nodes += 1;
                let action = outcomes[index].clone();
                apply(&mut *state, &action)?;
                recorder.send(Event::Move(MoveRecord {
                    episode_id: spec.episode_id.clone(),
                    ply,
                    seat: None,
                    actor: "chance".to_string(),
                    action,
                    observation: String::new(),
                    prompt: None,
                    raw_response: None,
                    reasoning: None,
                    thinking: None,
                    parse_status: "chance".to_string(),
                    attempts: 0,
                    latency_ms: None,
                    prompt_tokens: None,
                    completion_tokens: None,
                    reasoning_tokens: None,
                    cost_usd: None,
                    metadata: key.map_or(
                        serde_json::Value::Null,
                        |k| serde_json::json!({ "chance_key": k }),
                    ),
                    state_after: state.render(),
                    created_at: now_rfc3339(),
                }))?;
            }
            Turn::Seat(seat) => {
                if spec.max_moves.is_some_and(|max| player_moves >= max) {
                    return Ok((state, Ending::Truncated(player_moves)));
                }
                let who = &seats[seat];
                let started = Instant::now();
                let decision = tokio::select! {
                    d = turn::decide(
                        &*who.agent,
                        &*state,
                        game_name,
                        episode_key,
                        settings.sampling,
                        settings.policy,
                        mix(spec.seed, u64::from(ply) + 1),
                    ) => d,
                    () = cancel.cancelled() => return Ok((state, Ending::Interrupted)),
                };
                let agent_errors = decision
                    .attempts
                    .iter()
                    .filter(|a| a.status == AttemptStatus::AgentError)
                    .count() as u32;
                let latency_ms = started.elapsed().as_secs_f64() * 1000.0;
                let now = now_rfc3339();
                for a in decision.attempts.iter().filter(|a| a.action.is_none()) {
                    let r = a.response.as_ref();
                    recorder.send(Event::Attempt(AttemptRecord {
                        episode_id: spec.episode_id.clone(),
                        ply,
                        seat: seat as u32,
                        agent: who.name.clone(),
                        attempt: a.number,
                        status: status_text(a.status).to_string(),
                        prompt: r.map(|r| r.prompt.clone()),
                        raw_response: r.map(|r| r.raw.clone()),
                        move_text: a.move_text.clone(),
                        reasoning: non_empty(&a.reasoning),
                        thinking: non_empty(&a.thinking),
                        error: a.error.clone(),
                        latency_ms: r.map(|r| r.latency_ms),
                        prompt_tokens: r.and_then(|r| r.prompt_tokens),
                        completion_tokens: r.and_then(|r| r.completion_tokens),
                        reasoning_tokens: r.and_then(|r| r.reasoning_tokens),
                        cost_usd: r.and_then(|r| r.cost_usd),
                        metadata: r.map_or(serde_json::Value::Null, |r| r.metadata.clone()),
                        created_at: now.clone(),
                    }))?;
                }
                let n_attempts = decision.attempts.len() as u32;
                let accepted = decision.attempts.into_iter().find(|a| a.action.is_some());
                let (action, parse_status) = match decision.resolution {
                    Resolution::Move { action } => (action, "parsed"),
                    Resolution::Fallback { action } => (action, "fallback"),
                    Resolution::Forfeit { reason } => {
                        // An agent that never answered at all (a dead server)
                        // did not lose the game: the episode is aborted.
                        let ending = if agent_errors == n_attempts && n_attempts > 0 {
                            Ending::Aborted(format!("seat {seat} ({}): {reason}", who.name))
                        } else {
                            Ending::Forfeit { seat, reason }
                        };
                        return Ok((state, ending));
                    }
                };
                // What the seat saw, before the move changes the state.
                let observation = state.observation_text(seat);
                apply(&mut *state, &action)?;
                player_moves += 1;
                let (thinking, reasoning) = accepted.as_ref().map_or((None, None), |a| {
                    (non_empty(&a.thinking), non_empty(&a.reasoning))
                });
                let r = accepted.and_then(|a| a.response);
                recorder.send(Event::Move(MoveRecord {
                    episode_id: spec.episode_id.clone(),
                    ply,
                    seat: Some(seat as u32),
                    actor: who.name.clone(),
                    action,
                    observation,
                    reasoning,
                    thinking,
                    parse_status: parse_status.to_string(),
                    attempts: n_attempts,
                    latency_ms: Some(latency_ms),
                    prompt_tokens: r.as_ref().and_then(|r| r.prompt_tokens),
                    completion_tokens: r.as_ref().and_then(|r| r.completion_tokens),
                    reasoning_tokens: r.as_ref().and_then(|r| r.reasoning_tokens),
                    cost_usd: r.as_ref().and_then(|r| r.cost_usd),
                    state_after: state.render(),
                    created_at: now,
                    prompt: r.as_ref().map(|r| r.prompt.clone()),
                    raw_response: r.as_ref().map(|r| r.raw.clone()),
                    metadata: r.map_or(serde_json::Value::Null, |r| r.metadata),
                }))?;
            }
        }
    }
}

/// Which of `n` equally likely chance outcomes is drawn: the first draw of
/// a ChaCha8 stream seeded by the episode seed and the node's chance key
/// (or, for a game without keys, the node's number among the episode's
/// chance nodes, in a separate seed space).
pub fn chance_index(episode_seed: u64, key: Option<u64>, ordinal: u64, n: usize) -> usize {
    let slot_seed = match key {
        Some(key) => mix(mix(episode_seed, 0xc4a2_ce00), key),
        None => mix(mix(episode_seed, 0xc4a2_ce01), ordinal),
    };
    ChaCha8Rng::seed_from_u64(slot_seed).random_range(0..n)
}

fn apply(state: &mut dyn AnyState, action: &str) -> Result<()> {
    // The action came from the state's own legal list or was checked
    // against it, so a failure here is a bug in the game, not bad input.
    state
        .apply_text(action)
        .map_err(|e| anyhow::anyhow!("applying a checked action {action:?} failed: {e}"))
}

fn non_empty(s: &str) -> Option<String> {
    (!s.is_empty()).then(|| s.to_string())
}

fn status_text(status: AttemptStatus) -> &'static str {
    match status {
        AttemptStatus::Parsed => "parsed",
        AttemptStatus::Unparseable => "unparseable",
        AttemptStatus::Illegal => "illegal",
        AttemptStatus::AgentError => "agent_error",
    }
}

/// The end-of-episode record. A forfeit makes the offending seat lose and
/// every other seat win, with zero-sum scores: the forfeiting seat gets
/// `-(n-1)` and each other seat `+1`.
fn finish(spec: &EpisodeSpec, state: &dyn AnyState, ending: Ending) -> EpisodeEnd {
    let n = spec.game.n_seats();
    let no_result = |status, reason: String| {
        let returns = state.returns();
        (
            status,
            Some(reason),
            (0..n)
                .map(|seat| PlayerResult {
                    seat: seat as u32,
                    score: returns.get(seat).copied().unwrap_or(0),
                    outcome: None,
                })
                .collect::<Vec<_>>(),
        )
    };
    let (status, reason, results) = match ending {
        Ending::Terminal => {
            let returns = state.returns();
            let outcomes = state.outcomes();
            (
                EpisodeStatus::Completed,
                None,
                (0..n)
                    .map(|seat| PlayerResult {
                        seat: seat as u32,
                        score: returns[seat],
                        outcome: Some(outcomes[seat].as_str().to_string()),
                    })
                    .collect(),
            )
        }
        Ending::Forfeit { seat, reason } => (
            EpisodeStatus::Forfeit,
            Some(format!("seat {seat} forfeits: {reason}")),
            (0..n)
                .map(|s| PlayerResult {
                    seat: s as u32,
                    score: if s == seat { -(n as i64 - 1) } else { 1 },
                    outcome: Some(if s == seat { "loss" } else { "win" }.to_string()),
                })
                .collect(),
        ),
        Ending::Truncated(moves) => no_result(
            EpisodeStatus::Truncated,
            format!("stopped after {moves} moves (max_game_rounds)"),
        ),
        Ending::Aborted(reason) => no_result(EpisodeStatus::Aborted, reason),
        Ending::Interrupted => no_result(
            EpisodeStatus::Interrupted,
            "the run was interrupted".to_string(),
        ),
    };
    EpisodeEnd {
        episode_id: spec.episode_id.clone(),
        status,
        reason,
        results,
        finished_at: now_rfc3339(),
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use arena_agents::turn::OnFailure;
    use arena_agents::{
        AgentError, BaselineAgent, DecisionRequest, DecisionResponse, RandomPlayer,
    };
    use async_trait::async_trait;

    use super::*;
    use crate::record::MemoryRecorder;

    fn spec(game: &str, params: &[(&str, i64)], seed: u64) -> EpisodeSpec {
        let params: BTreeMap<String, arena_games::ParamValue> = params
            .iter()
            .map(|(k, v)| (k.to_string(), arena_games::ParamValue::Int(*v)))
            .collect();
        EpisodeSpec {
            run_id: "run".into(),
            episode_id: episode_id("run", 0, 0),
            game: arena_games::build(game, &params).unwrap(),
            env_index: 0,
            episode_index: 0,
            seed,
            max_moves: None,
        }
    }

    fn seat(name: &str, agent: Arc<dyn Agent>) -> SeatAgent {
        SeatAgent {
            name: name.into(),
            model: None,
            agent,
        }
    }

    fn random_seats(n: usize) -> Vec<SeatAgent> {
        (0..n)
            .map(|_| seat("random", Arc::new(RandomPlayer)))
            .collect()
    }

    async fn run(spec: &EpisodeSpec, seats: &[SeatAgent], policy: IllegalMovePolicy) -> Vec<Event> {
        let rec = MemoryRecorder::default();
        let settings = PlaySettings {
            policy,
            ..Default::default()
        };
        play(spec, seats, &settings, &rec, &CancellationToken::new())
            .await
            .unwrap();
        rec.events()
    }

    fn moves(events: &[Event]) -> Vec<&MoveRecord> {
        events
            .iter()
            .filter_map(|e| match e {
                Event::Move(m) => Some(m),
                _ => None,
            })
            .collect()
    }

    fn end(events: &[Event]) -> &EpisodeEnd {
        match events.last() {
            Some(Event::EpisodeFinished(e)) => e,
            other => panic!("last event {other:?}"),
        }
    }

    #[tokio::test]
    async fn same_seed_same_game_and_plies_are_contiguous() {
        for game in ["poker", "connect_four", "kuhn_poker", "hex"] {
            let params: &[(&str, i64)] = if game == "poker" {
                &[("players", 3)]
            } else {
                &[]
            };
            let s = spec(game, params, 7);
            let n = s.game.n_seats();
            let a = run(&s, &random_seats(n), IllegalMovePolicy::default()).await;
            let b = run(&s, &random_seats(n), IllegalMovePolicy::default()).await;
            let actions = |ev: &[Event]| {
                moves(ev)
                    .iter()
                    .map(|m| m.action.clone())
                    .collect::<Vec<_>>()
            };
            assert_eq!(actions(&a), actions(&b), "{game}");
            for (i, m) in moves(&a).iter().enumerate() {
                assert_eq!(m.ply as usize, i, "{game}");
            }
            assert_eq!(end(&a).status, EpisodeStatus::Completed, "{game}");
            // A different seed plays a different game (for these games the
            // chance of an identical one is negligible).
            let c = run(
                &spec(game, params, 8),
                &random_seats(n),
                IllegalMovePolicy::default(),
            )
            .await;
            assert_ne!(actions(&a), actions(&c), "{game}");
        }
    }

    #[tokio::test]
    async fn chance_moves_are_recorded_with_no_seat() {
        let s = spec("poker", &[], 1);
        let ev = run(&s, &random_seats(2), IllegalMovePolicy::default()).await;
        let chance: Vec<_> = moves(&ev)
            .into_iter()
            .filter(|m| m.seat.is_none())
            .collect();
        assert!(chance.len() >= 4, "hole cards are dealt by chance");
        assert!(
            chance
                .iter()
                .all(|m| m.actor == "chance" && m.parse_status == "chance")
        );
    }

    /// The chance moves of an episode by chance key.
    fn chance_by_key(events: &[Event]) -> BTreeMap<u64, String> {
        moves(events)
            .into_iter()
            .filter(|m| m.seat.is_none())
            .map(|m| {
                let key = m.metadata["chance_key"].as_u64().expect("a keyed deal");
                (key, m.action.clone())
            })
            .collect()
    }

    #[tokio::test]
    async fn mirrored_episodes_deal_the_same_cards_where_play_differs() {
        let s = spec("poker", &[("hands", 6), ("stack", 20)], 11);
        let baseline =
            || -> Arc<dyn Agent> { Arc::new(BaselineAgent::from_name("baseline_poker").unwrap()) };
        let a = run(
            &s,
            &[
                seat("baseline_poker", baseline()),
                seat("random", Arc::new(RandomPlayer)),
            ],
            IllegalMovePolicy::default(),
        )
        .await;
        let b = run(
            &s,
            &[
                seat("random", Arc::new(RandomPlayer)),
                seat("baseline_poker", baseline()),
            ],
            IllegalMovePolicy::default(),
        )
        .await;
        let (deals_a, deals_b) = (chance_by_key(&a), chance_by_key(&b));
        let common: Vec<u64> = deals_a
            .keys()
            .filter(|k| deals_b.contains_key(k))
            .copied()
            .collect();
        assert_ne!(deals_a.len(), deals_b.len(), "play diverged");
        assert!(common.len() >= 8, "{common:?}");
        // Later hands, after the two matches went their own ways, too.
        assert!(common.iter().any(|k| k >> 8 >= 2), "{common:?}");
        for k in common {
            assert_eq!(deals_a[&k], deals_b[&k], "chance key {k}");
        }
    }

    /// Always answers the same text.
    #[derive(Debug)]
    struct Says(&'static str);

    #[async_trait]
    impl Agent for Says {
        fn name(&self) -> &str {
            "says"
        }
        async fn decide(&self, _: &DecisionRequest) -> Result<DecisionResponse, AgentError> {
            Ok(DecisionResponse {
                raw: self.0.to_string(),
                prompt_tokens: Some(10),
                completion_tokens: Some(2),
                ..Default::default()
            })
        }
    }

    /// Never answers.
    #[derive(Debug)]
    struct Down;

    #[async_trait]
    impl Agent for Down {
        fn name(&self) -> &str {
            "down"
        }
        async fn decide(&self, _: &DecisionRequest) -> Result<DecisionResponse, AgentError> {
            Err(AgentError::Backend {
                agent: "down".into(),
                message: "connection refused".into(),
            })
        }
    }

    #[tokio::test]
    async fn illegal_moves_forfeit_and_every_attempt_is_recorded() {
        let s = spec("connect_four", &[], 3);
        let seats = vec![
            seat("says", Arc::new(Says("Move: 9"))),
            seat("random", Arc::new(RandomPlayer)),
        ];
        let policy = IllegalMovePolicy {
            reprompts: 2,
            on_failure: OnFailure::Forfeit,
        };
        let ev = run(&s, &seats, policy).await;
        let attempts: Vec<_> = ev
            .iter()
            .filter_map(|e| match e {
                Event::Attempt(a) => Some(a),
                _ => None,
            })
            .collect();
        assert_eq!(attempts.len(), 3);
        assert!(
            attempts
                .iter()
                .all(|a| a.status == "illegal" && a.error.is_some())
        );
        assert_eq!(attempts[2].raw_response.as_deref(), Some("Move: 9"));
        let e = end(&ev);
        assert_eq!(e.status, EpisodeStatus::Forfeit);
        assert_eq!(e.results[0].outcome.as_deref(), Some("loss"));
        assert_eq!(e.results[1].outcome.as_deref(), Some("win"));
        assert_eq!(e.results[0].score + e.results[1].score, 0);
    }

    #[tokio::test]
    async fn random_fallback_is_marked_and_tokens_add_up() {
        let s = spec("connect_four", &[], 3);
        let seats = vec![
            seat("says", Arc::new(Says("no idea"))),
            seat("random", Arc::new(RandomPlayer)),
        ];
        let policy = IllegalMovePolicy {
            reprompts: 1,
            on_failure: OnFailure::Random,
        };
        let ev = run(&s, &seats, policy).await;
        let first = moves(&ev)[0];
        assert_eq!(first.parse_status, "fallback");
        assert_eq!(first.attempts, 2);
        // The fallback move has no accepted attempt: the tokens spent are
        // on the two rejected attempts, each counted once.
        assert_eq!(first.prompt_tokens, None);
        let rejected: Vec<_> = ev
            .iter()
            .filter_map(|e| match e {
                Event::Attempt(a) if a.ply == 0 => Some(a),
                _ => None,
            })
            .collect();
        assert_eq!(rejected.len(), 2);
        assert!(
            rejected
                .iter()
                .all(|a| a.status == "unparseable" && a.prompt_tokens == Some(10))
        );
        assert_eq!(end(&ev).status, EpisodeStatus::Completed);
    }

    #[tokio::test]
    async fn an_agent_that_never_answers_aborts_the_episode() {
        let s = spec("tic_tac_toe", &[], 3);
        let seats = vec![
            seat("random", Arc::new(RandomPlayer)),
            seat("down", Arc::new(Down)),
        ];
        let ev = run(&s, &seats, IllegalMovePolicy::default()).await;
        let e = end(&ev);
        assert_eq!(e.status, EpisodeStatus::Aborted);
        assert!(
            e.reason.as_deref().unwrap().contains("connection refused"),
            "{e:?}"
        );
        assert!(e.results.iter().all(|r| r.outcome.is_none()));
    }

    #[tokio::test]
    async fn max_moves_truncates() {
        let mut s = spec("connect_four", &[], 3);
        s.max_moves = Some(5);
        let ev = run(&s, &random_seats(2), IllegalMovePolicy::default()).await;
        assert_eq!(moves(&ev).len(), 5);
        assert_eq!(end(&ev).status, EpisodeStatus::Truncated);
    }

    #[tokio::test]
    async fn a_cancelled_episode_is_interrupted_with_its_moves_kept() {
        let s = spec("connect_four", &[], 3);
        let rec = MemoryRecorder::default();
        let cancel = CancellationToken::new();
        cancel.cancel();
        let end = play(
            &s,
            &random_seats(2),
            &PlaySettings::default(),
            &rec,
            &cancel,
        )
        .await
        .unwrap();
        assert_eq!(end.status, EpisodeStatus::Interrupted);
        assert!(matches!(rec.events()[0], Event::EpisodeStarted(_)));
    }

    #[tokio::test]
    async fn the_baseline_beats_random_at_tic_tac_toe() {
        let mut points = 0;
        for seed in 0..10 {
            let s = spec("tic_tac_toe", &[], seed);
            let baseline: Arc<dyn Agent> =
                Arc::new(BaselineAgent::from_name("baseline_tic_tac_toe").unwrap());
            let seats = vec![
                seat("baseline_tic_tac_toe", baseline),
                seat("random", Arc::new(RandomPlayer)),
            ];
            let ev = run(&s, &seats, IllegalMovePolicy::default()).await;
            let e = end(&ev);
            assert_ne!(e.results[0].outcome.as_deref(), Some("loss"), "seed {seed}");
            points += e.results[0].score;
        }
        assert!(points >= 5, "{points}");
    }
}
