//! Replaying a logged episode through the game engine: every logged action
//! is applied again in ply order and the state it produces is compared with
//! the logged one, so a log that does not describe a real game is caught at
//! its first divergent ply. The steps can then be shown in the terminal,
//! whole or from one seat's point of view.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use arena_games::{AnyState, ParamValue, Turn};

use crate::record::MoveRecord;

/// Why a log does not replay.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ReplayError {
    /// The game or its parameters cannot be built.
    #[error("the episode's game {game:?} cannot be built: {message}")]
    Game {
        /// The game.
        game: String,
        /// Why.
        message: String,
    },
    /// The log and the engine disagree at `ply`.
    #[error("ply {ply}: {message}")]
    Diverged {
        /// The first divergent ply.
        ply: u32,
        /// What differs.
        message: String,
    },
}

/// One replayed step: the logged move and the state after it.
#[derive(Debug)]
pub struct Step<'a> {
    /// The logged move.
    pub record: &'a MoveRecord,
    /// The state after the move, rebuilt by the engine.
    pub state: Box<dyn AnyState>,
}

/// Rebuilds the episode from its logged moves, checking each one. Returns
/// the initial state and every step.
pub fn replay<'a>(
    game: &str,
    params: &serde_json::Value,
    moves: &'a [MoveRecord],
) -> Result<(Box<dyn AnyState>, Vec<Step<'a>>), ReplayError> {
    let game_error = |message: String| ReplayError::Game {
        game: game.to_string(),
        message,
    };
    let params: BTreeMap<String, ParamValue> =
        serde_json::from_value(params.clone()).map_err(|e| game_error(e.to_string()))?;
    let built = arena_games::build(game, &params).map_err(|e| game_error(e.to_string()))?;
    let initial = built.new_initial_state();
    let mut state = initial.clone_box();
    let mut steps = Vec::with_capacity(moves.len());
    for (i, m) in moves.iter().enumerate() {
        let diverged = |message: String| ReplayError::Diverged {
            ply: m.ply,
            message,
        };
        if m.ply as usize != i {
            return Err(ReplayError::Diverged {
                ply: i as u32,
                message: format!("ply {i} is missing (the next logged ply is {})", m.ply),
            });
        }
        match (state.turn(), m.seat) {
            (Turn::Terminal, _) => {
                return Err(diverged("a move is logged after the game ended".into()));
            }
            (Turn::Chance, Some(seat)) => {
                return Err(diverged(format!(
                    "logged as seat {seat}'s move, but chance acts here"
                )));
            }
            (Turn::Seat(s), None) => {
                return Err(diverged(format!(
                    "logged as a chance outcome, but seat {s} is to move"
                )));
            }
            (Turn::Seat(s), Some(seat)) if s != seat as usize => {
                return Err(diverged(format!(
                    "logged as seat {seat}'s move, but seat {s} is to move"
                )));
            }
            _ => {}
        }
        if let Some(seat) = m.seat {
            let seen = state.observation_text(seat as usize);
            if seen != m.observation {
                return Err(diverged(format!(
                    "the logged observation of seat {seat} differs from the engine's"
                )));
            }
        }
        state
            .apply_text(&m.action)
            .map_err(|e| diverged(format!("action {:?} does not apply: {e}", m.action)))?;
        if state.render() != m.state_after {
            return Err(diverged(format!(
                "the state after {:?} differs from the logged one",
                m.action
            )));
        }
        steps.push(Step {
            record: m,
            state: state.clone_box(),
        });
    }
    Ok((initial, steps))
}

/// The text of one step for the terminal: who did what, why (the logged
/// reasoning), and the state after it — all of it, or what `seat` saw.
pub fn render_step(step: &Step<'_>, seat: Option<usize>) -> String {
    let m = step.record;
    let mut out = String::new();
    let who = match m.seat {
        None => "chance".to_string(),
        Some(s) => format!("seat {s} ({})", m.actor),
    };
    // A seat's view hides other seats' private chance outcomes (hole cards).
    let hidden = seat.is_some() && m.seat.is_none();
    let action = if hidden {
        "(a card or draw)"
    } else {
        &m.action
    };
    let _ = writeln!(out, "── ply {}: {who} → {action}", m.ply);
    if m.seat.is_some() {
        if m.parse_status == "fallback" {
            let _ = writeln!(
                out,
                "   (random fallback after {} failed attempts)",
                m.attempts
            );
        } else if m.attempts > 1 {
            let _ = writeln!(out, "   (after {} attempts)", m.attempts);
        }
        if seat.is_none_or(|s| m.seat == Some(s as u32))
            && let Some(r) = m.reasoning.as_deref().filter(|r| !r.trim().is_empty())
        {
            for line in r.trim().lines().take(12) {
                let _ = writeln!(out, "   │ {line}");
            }
        }
    }
    let view = match seat {
        Some(s) => step.state.observation_text(s),
        None => step.state.render(),
    };
    for line in view.trim_end().lines() {
        let _ = writeln!(out, "   {line}");
    }
    out
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use arena_agents::RandomPlayer;
    use tokio_util::sync::CancellationToken;

    use super::*;
    use crate::episode::{self, EpisodeSpec, PlaySettings, SeatAgent};
    use crate::record::{Event, MemoryRecorder};

    /// A random poker episode's moves and parameters.
    async fn logged() -> (serde_json::Value, Vec<MoveRecord>) {
        let params = BTreeMap::from([("players".to_string(), ParamValue::Int(3))]);
        let game = arena_games::build("poker", &params).unwrap();
        let spec = EpisodeSpec {
            run_id: "r".into(),
            episode_id: "r/0/0".into(),
            game: game.clone(),
            env_index: 0,
            episode_index: 0,
            seed: 11,
            max_moves: None,
        };
        let seats: Vec<SeatAgent> = (0..3)
            .map(|_| SeatAgent {
                name: "random".into(),
                model: None,
                agent: Arc::new(RandomPlayer),
            })
            .collect();
        let rec = MemoryRecorder::default();
        episode::play(
            &spec,
            &seats,
            &PlaySettings::default(),
            &rec,
            &CancellationToken::new(),
        )
        .await
        .unwrap();
        let moves = rec
            .events()
            .into_iter()
            .filter_map(|e| match e {
                Event::Move(m) => Some(m),
                _ => None,
            })
            .collect();
        (serde_json::to_value(game.params()).unwrap(), moves)
    }

    #[tokio::test]
    async fn a_logged_episode_replays() {
        let (params, moves) = logged().await;
        let (_, steps) = replay("poker", &params, &moves).unwrap();
        assert_eq!(steps.len(), moves.len());
        assert!(steps.last().unwrap().state.is_terminal());
        let text = render_step(&steps[0], Some(1));
        assert!(text.contains("ply 0: chance"), "{text}");
    }

    #[tokio::test]
    async fn a_tampered_log_names_the_first_divergent_ply() {
        let (params, moves) = logged().await;
        // Another legal-looking action at a player move.
        let i = moves.iter().position(|m| m.seat.is_some()).unwrap();
        let mut bad = moves.clone();
        bad[i].action = if moves[i].action == "fold" {
            "call"
        } else {
            "fold"
        }
        .into();
        match replay("poker", &params, &bad) {
            Err(ReplayError::Diverged { ply, .. }) => assert_eq!(ply, i as u32),
            other => panic!("{other:?}"),
        }
        // A missing ply.
        let mut gap = moves.clone();
        gap.remove(3);
        assert!(matches!(
            replay("poker", &params, &gap),
            Err(ReplayError::Diverged { ply: 3, .. })
        ));
        // Parameters that do not build.
        assert!(matches!(
            replay("poker", &serde_json::json!({"players": 99}), &moves),
            Err(ReplayError::Game { .. })
        ));
    }
}
