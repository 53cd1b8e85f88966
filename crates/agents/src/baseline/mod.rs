//! Scripted baselines, so models are measured against more than random:
//! - `baseline_tic_tac_toe` plays perfectly (full negamax);
//! - `baseline_connect_four` searches with alpha-beta to a fixed depth
//!   (default 6) with a window-counting evaluation;
//! - `baseline_poker` weighs Monte-Carlo equity against each opponent's
//!   range (narrowed by its aggression) with pot odds ([`poker`]);
//! - `baseline_reverse_hangman` guesses prompts from the output's salient
//!   words and shape, and learns from the feedback ([`reverse_hangman`]).
//!
//! All are deterministic: the searches take the first of equally good
//! moves in the game's legal order (for Connect Four, the one nearest the
//! centre), the poker sampler is seeded from the request's sampling seed,
//! and the reverse hangman guesser uses no randomness.

mod poker;
mod reverse_hangman;

use std::time::Instant;

use arena_games::games::connect_four::{Column, ConnectFour};
use arena_games::games::poker::Poker;
use arena_games::games::reverse_hangman::ReverseHangman;
use arena_games::games::tic_tac_toe::TicTacToe;
use arena_games::{Engine, Playthrough, Seat, Turn};
use async_trait::async_trait;

use crate::agent::{Agent, DecisionRequest, DecisionResponse};
use crate::error::AgentError;

/// Every baseline agent name.
pub const NAMES: &[&str] = &[
    "baseline_connect_four",
    "baseline_poker",
    "baseline_reverse_hangman",
    "baseline_tic_tac_toe",
];

/// Which baseline.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Baseline {
    /// Perfect tic-tac-toe.
    TicTacToe,
    /// Connect Four alpha-beta to `depth` plies.
    ConnectFour {
        /// Search depth in plies.
        depth: u32,
    },
    /// No-limit hold'em: Monte-Carlo equity against opponent ranges
    /// narrowed by their aggression, then pot odds; `baseline_poker` uses
    /// 2000 samples.
    Poker {
        /// Monte-Carlo samples per decision.
        samples: u32,
    },
    /// Reverse hangman: salient output words, form words and feedback.
    ReverseHangman,
}

/// A scripted baseline agent.
#[derive(Clone, Debug)]
pub struct BaselineAgent {
    name: String,
    baseline: Baseline,
}

impl BaselineAgent {
    /// The baseline for an agent name (`baseline_poker`, …) with its default
    /// settings, if it is one.
    pub fn from_name(name: &str) -> Option<BaselineAgent> {
        let baseline = match name {
            "baseline_tic_tac_toe" => Baseline::TicTacToe,
            "baseline_connect_four" => Baseline::ConnectFour { depth: 6 },
            "baseline_poker" => Baseline::Poker {
                samples: poker::DEFAULT_SAMPLES,
            },
            "baseline_reverse_hangman" => Baseline::ReverseHangman,
            _ => return None,
        };
        Some(BaselineAgent {
            name: name.to_string(),
            baseline,
        })
    }

    /// A baseline with explicit settings.
    pub fn new(name: &str, baseline: Baseline) -> BaselineAgent {
        BaselineAgent {
            name: name.to_string(),
            baseline,
        }
    }

    /// Which baseline this is.
    pub fn baseline(&self) -> Baseline {
        self.baseline
    }

    /// The move for a request, synchronously (what [`Agent::decide`]
    /// answers). The request must carry the state; a state of another game
    /// is an error.
    pub fn choose(&self, request: &DecisionRequest) -> Result<String, AgentError> {
        let wrong_game = || AgentError::Backend {
            agent: self.name.clone(),
            message: format!("this baseline does not play {}", request.game),
        };
        let not_to_move = || AgentError::Backend {
            agent: self.name.clone(),
            message: format!("seat {} is not to move in this state", request.seat),
        };
        let state = request.state.as_ref().ok_or_else(wrong_game)?.as_any();
        match self.baseline {
            Baseline::TicTacToe => {
                let play = state
                    .downcast_ref::<Playthrough<TicTacToe>>()
                    .ok_or_else(wrong_game)?;
                let s = play.state();
                let best = best_move(s, 9, &|_, _| 0, &order_as_listed);
                Ok(s.action_text(best.ok_or_else(wrong_game)?))
            }
            Baseline::ConnectFour { depth } => {
                let play = state
                    .downcast_ref::<Playthrough<ConnectFour>>()
                    .ok_or_else(wrong_game)?;
                let s = play.state();
                let best = best_move(s, depth, &connect_four_eval, &centre_first);
                Ok(s.action_text(best.ok_or_else(wrong_game)?))
            }
            Baseline::Poker { samples } => {
                let play = state
                    .downcast_ref::<Playthrough<Poker>>()
                    .ok_or_else(wrong_game)?;
                poker::choose(
                    play.state(),
                    &request.legal_actions,
                    samples,
                    request.sampling.seed,
                )
                .ok_or_else(not_to_move)
            }
            Baseline::ReverseHangman => {
                let play = state
                    .downcast_ref::<Playthrough<ReverseHangman>>()
                    .ok_or_else(wrong_game)?;
                reverse_hangman::choose(play.state(), request.seat).ok_or_else(not_to_move)
            }
        }
    }
}

#[async_trait]
impl Agent for BaselineAgent {
    fn name(&self) -> &str {
        &self.name
    }

    async fn decide(&self, request: &DecisionRequest) -> Result<DecisionResponse, AgentError> {
        let start = Instant::now();
        let action = self.choose(request)?;
        Ok(DecisionResponse {
            prompt: String::new(),
            raw: action,
            constrained: true,
            latency_ms: start.elapsed().as_secs_f64() * 1000.0,
            metadata: serde_json::json!({ "backend": "baseline", "baseline": format!("{:?}", self.baseline) }),
            ..DecisionResponse::default()
        })
    }
}

/// A score larger than any evaluation: a won game.
const WIN: i64 = 1_000_000;

fn order_as_listed<A>(_: &mut [A]) {}

fn centre_first(moves: &mut [Column]) {
    let centre = moves.iter().map(|c| c.0).max().unwrap_or(0) / 2;
    // Stable: equal distances keep the left-to-right order.
    moves.sort_by_key(|c| (i32::from(c.0) - i32::from(centre)).abs());
}

/// The best move for the player to act, or `None` at a terminal state.
fn best_move<E: Engine>(
    state: &E,
    depth: u32,
    eval: &dyn Fn(&E, Seat) -> i64,
    order: &dyn Fn(&mut [E::Action]),
) -> Option<E::Action> {
    let Turn::Seat(me) = state.turn() else {
        return None;
    };
    let mut moves = Vec::new();
    state.legal_actions_into(&mut moves);
    order(&mut moves);
    let mut best = None;
    let mut alpha = -WIN * 2;
    for m in moves {
        let mut next = state.clone();
        next.apply_legal(m);
        let score = -negamax(
            &next,
            depth.saturating_sub(1),
            -WIN * 2,
            -alpha,
            eval,
            order,
            me,
        );
        if best.is_none() || score > alpha {
            alpha = score;
            best = Some(m);
        }
    }
    best
}

/// The value of `state` for the player to move (who is not `prev`).
fn negamax<E: Engine>(
    state: &E,
    depth: u32,
    mut alpha: i64,
    beta: i64,
    eval: &dyn Fn(&E, Seat) -> i64,
    order: &dyn Fn(&mut [E::Action]),
    prev: Seat,
) -> i64 {
    let mover = match state.turn() {
        Turn::Seat(s) => s,
        // Terminal: score from the side of the player who would move next,
        // preferring quick wins and slow losses.
        _ => {
            let next = 1 - prev.min(1);
            let r = state.returns()[next];
            return r.signum() * (WIN + i64::from(depth));
        }
    };
    if depth == 0 {
        return eval(state, mover);
    }
    let mut moves = Vec::new();
    state.legal_actions_into(&mut moves);
    order(&mut moves);
    let mut best = -WIN * 2;
    for m in moves {
        let mut next = state.clone();
        next.apply_legal(m);
        let score = -negamax(&next, depth - 1, -beta, -alpha, eval, order, mover);
        best = best.max(score);
        alpha = alpha.max(score);
        if alpha >= beta {
            break;
        }
    }
    best
}

/// Counts every window of k cells (rows, columns, diagonals) that only one
/// side occupies, weighting fuller windows much more, plus the centre column.
fn connect_four_eval(state: &ConnectFour, me: Seat) -> i64 {
    let (rows, cols, k) = (
        i32::from(state.rows()),
        i32::from(state.columns()),
        i32::from(state.k()),
    );
    let mut score = 0i64;
    let centre = (cols / 2) as u8;
    for r in 0..rows as u8 {
        match state.cell(r, centre) {
            Some(s) if s == me => score += 3,
            Some(_) => score -= 3,
            None => {}
        }
    }
    for (dr, dc) in [(0, 1), (1, 0), (1, 1), (1, -1)] {
        for r in 0..rows {
            for c in 0..cols {
                let (end_r, end_c) = (r + dr * (k - 1), c + dc * (k - 1));
                if end_r < 0 || end_r >= rows || end_c < 0 || end_c >= cols {
                    continue;
                }
                let (mut mine, mut theirs) = (0, 0);
                for i in 0..k {
                    match state.cell((r + dr * i) as u8, (c + dc * i) as u8) {
                        Some(s) if s == me => mine += 1,
                        Some(_) => theirs += 1,
                        None => {}
                    }
                }
                let weight = |n: i32| match k - n {
                    1 => 50,
                    2 => 5,
                    _ => i64::from(n > 0),
                };
                if theirs == 0 {
                    score += weight(mine);
                } else if mine == 0 {
                    score -= weight(theirs);
                }
            }
        }
    }
    score
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::agent::Sampling;
    use arena_games::{AnyState, build};

    fn request(game: &str, state: &dyn AnyState) -> DecisionRequest {
        DecisionRequest {
            game: game.to_string(),
            seat: 0,
            episode_key: 0,
            observation: String::new(),
            legal_actions: state.legal_actions(),
            legal_summary: String::new(),
            constraint: state.move_constraint(),
            attempt: 1,
            previous_error: None,
            sampling: Sampling::default(),
            state: Some(state.clone_box()),
        }
    }

    fn after(game: &str, moves: &[&str]) -> Box<dyn AnyState> {
        let mut s = build(game, &Default::default())
            .unwrap()
            .new_initial_state();
        for m in moves {
            s.apply_text(m).unwrap();
        }
        s
    }

    fn pick(agent: &BaselineAgent, game: &str, moves: &[&str]) -> String {
        agent
            .choose(&request(game, after(game, moves).as_ref()))
            .unwrap()
    }

    #[test]
    fn connect_four_takes_a_win_and_blocks_a_loss() {
        let agent = BaselineAgent::from_name("baseline_connect_four").unwrap();
        // X has three in column 1: X to move wins there.
        assert_eq!(
            pick(&agent, "connect_four", &["1", "2", "1", "2", "1", "3"]),
            "1"
        );
        // O has 2-3-4 on the bottom row and X holds 1: only 5 stops four.
        assert_eq!(
            pick(&agent, "connect_four", &["1", "2", "7", "3", "7", "4"]),
            "5"
        );
        // O threatens column 3 vertically: X must block.
        assert_eq!(
            pick(&agent, "connect_four", &["1", "3", "7", "3", "1", "3"]),
            "3"
        );
    }

    #[test]
    fn tic_tac_toe_is_perfect() {
        let agent = BaselineAgent::from_name("baseline_tic_tac_toe").unwrap();
        // X to move with two in the top row takes the win at 3.
        assert_eq!(pick(&agent, "tic_tac_toe", &["1", "4", "2", "5"]), "3");
        // O must block X's 1-2 row.
        assert_eq!(pick(&agent, "tic_tac_toe", &["1", "5", "2"]), "3");
        // Perfect play against itself is a draw.
        let mut s = after("tic_tac_toe", &[]);
        while !s.is_terminal() {
            let m = agent.choose(&request("tic_tac_toe", s.as_ref())).unwrap();
            s.apply_text(&m).unwrap();
        }
        assert_eq!(s.returns(), vec![0, 0]);
    }

    #[test]
    fn connect_four_baseline_beats_random() {
        let agent = BaselineAgent::new("c4", Baseline::ConnectFour { depth: 4 });
        let mut wins = 0;
        for seed in 0..10u64 {
            let mut random = crate::RandomAgent::new(seed);
            let mut s = after("connect_four", &[]);
            let me = (seed % 2) as usize;
            while !s.is_terminal() {
                let m = if s.turn() == Turn::Seat(me) {
                    agent.choose(&request("connect_four", s.as_ref())).unwrap()
                } else {
                    random.choose(s.as_ref()).unwrap()
                };
                s.apply_text(&m).unwrap();
            }
            wins += i32::from(s.returns()[me] > 0);
        }
        assert!(wins >= 9, "won only {wins} of 10 against random");
    }

    #[test]
    fn every_name_builds_and_parses() {
        for name in NAMES {
            let agent = BaselineAgent::from_name(name).unwrap();
            assert_eq!(agent.name(), *name);
            assert_eq!(
                crate::AgentName::parse(name).unwrap(),
                crate::AgentName::Baseline(name.to_string())
            );
        }
        assert_eq!(
            BaselineAgent::from_name("baseline_poker")
                .unwrap()
                .baseline(),
            Baseline::Poker { samples: 2000 }
        );
    }

    #[test]
    fn the_wrong_game_is_an_error() {
        let agent = BaselineAgent::from_name("baseline_tic_tac_toe").unwrap();
        let s = after("connect_four", &[]);
        assert!(agent.choose(&request("connect_four", s.as_ref())).is_err());
        assert!(BaselineAgent::from_name("baseline_chess").is_none());
        let poker = BaselineAgent::from_name("baseline_poker").unwrap();
        assert!(poker.choose(&request("connect_four", s.as_ref())).is_err());
        let hangman = BaselineAgent::from_name("baseline_reverse_hangman").unwrap();
        assert!(
            hangman
                .choose(&request("connect_four", s.as_ref()))
                .is_err()
        );
        // A poker state with chance to act: no seat may move.
        let deal = after("poker", &[]);
        let err = poker.choose(&request("poker", deal.as_ref())).unwrap_err();
        assert!(err.to_string().contains("not to move"), "{err}");
    }
}
