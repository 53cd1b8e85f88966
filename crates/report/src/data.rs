//! What a report is made from: finished episodes with their players'
//! results and per-seat decision statistics ([`Dataset`]), and, for the
//! replay viewer, every step of an episode as each seat saw it
//! ([`EpisodeReplay`]). The runner fills these from its database; this crate
//! never reads one.

use serde::{Deserialize, Serialize};

/// Every episode a leaderboard or report covers.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct Dataset {
    /// A title for the report (the run or tournament names).
    pub title: String,
    /// Where the data came from (a database path), shown on the report.
    pub source: String,
    /// Episodes in a stable order (run, then episode id).
    pub episodes: Vec<EpisodeResult>,
}

/// One episode and how it ended.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct EpisodeResult {
    /// The episode id.
    pub id: String,
    /// The run (or tournament) it belongs to.
    pub run_id: String,
    /// The game's registry name.
    pub game: String,
    /// The game's parameters (JSON object).
    pub params: serde_json::Value,
    /// The episode seed: mirrored (duplicate) episodes share it.
    pub seed: u64,
    /// `completed`, `truncated`, `forfeit`, `aborted`, `interrupted` or
    /// `running`.
    pub status: String,
    /// Why it ended, for every status but `completed`.
    pub reason: Option<String>,
    /// Its seats, in seat order.
    pub players: Vec<PlayerResult>,
    /// Poker: hands actually played (an episode ends early when a stack is
    /// lost).
    pub hands_played: Option<u32>,
}

impl EpisodeResult {
    /// Whether the episode is a result: `completed`, `truncated` or
    /// `forfeit`. Aborted, interrupted and running episodes count nowhere.
    pub fn is_final(&self) -> bool {
        matches!(self.status.as_str(), "completed" | "truncated" | "forfeit")
    }

    /// The key shared by mirrored episodes of one deal: run, game,
    /// parameters, seed and the set of participants. A duplicate pair (or
    /// an N-seat rotation) is resampled as one unit by the bootstrap so the
    /// luck it cancels stays cancelled.
    pub fn deal_key(&self) -> String {
        let mut agents: Vec<&str> = self.players.iter().map(|p| p.agent.as_str()).collect();
        agents.sort_unstable();
        format!(
            "{}\u{1f}{}\u{1f}{}\u{1f}{}\u{1f}{}",
            self.run_id,
            self.game,
            self.params,
            self.seed,
            agents.join("\u{1e}")
        )
    }
}

/// One seat of an episode.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct PlayerResult {
    /// The seat (0-based).
    pub seat: u32,
    /// The participant: the agent name as configured.
    pub agent: String,
    /// The model behind it, where there is one.
    pub model: Option<String>,
    /// The seat's return (chips, points); `None` until the episode ends.
    pub score: Option<i64>,
    /// `win`, `loss` or `draw`.
    pub outcome: Option<String>,
    /// What the seat's decisions cost and how they went.
    pub stats: SeatStats,
}

/// Per-seat decision statistics of one episode.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct SeatStats {
    /// Moves the seat made (accepted attempts and fallbacks).
    pub decisions: u32,
    /// Decisions that needed more than one attempt.
    pub reprompted: u32,
    /// Decisions the illegal-move policy settled with a random move.
    pub fallbacks: u32,
    /// Rejected attempts (unparseable, illegal, agent errors).
    pub rejected: u32,
    /// Wall time of each decision, milliseconds.
    pub latencies_ms: Vec<f64>,
    /// Prompt plus completion tokens, rejected attempts included.
    pub tokens: u64,
    /// Cost in US dollars, rejected attempts included.
    pub cost_usd: f64,
    /// The reasoning logged with each move (empty ones left out).
    pub reasoning: Vec<String>,
}

/// One episode step by step, for the replay viewer.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct EpisodeReplay {
    /// The episode id.
    pub id: String,
    /// The run.
    pub run_id: String,
    /// The game.
    pub game: String,
    /// Its parameters.
    pub params: serde_json::Value,
    /// The episode seed.
    pub seed: u64,
    /// How it ended.
    pub status: String,
    /// Why, when it was not `completed`.
    pub reason: Option<String>,
    /// The seats with their results.
    pub players: Vec<ReplayPlayer>,
    /// The state before the first step: everything, then each seat's view.
    pub initial: View,
    /// Every step in ply order.
    pub steps: Vec<ReplayStep>,
}

/// A seat in the viewer.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ReplayPlayer {
    /// The seat.
    pub seat: u32,
    /// The agent name.
    pub agent: String,
    /// Its return.
    pub score: Option<i64>,
    /// `win`, `loss` or `draw`.
    pub outcome: Option<String>,
}

/// A state as everybody (`all`) and as each seat (`seats[i]`) sees it.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct View {
    /// The omniscient rendering (hidden cards included).
    pub all: String,
    /// What each seat may know, in seat order.
    pub seats: Vec<String>,
}

/// One applied action with everything logged about it.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ReplayStep {
    /// 0-based ply.
    pub ply: u32,
    /// The seat that moved; `None` for chance.
    pub seat: Option<u32>,
    /// `chance` or the agent name.
    pub actor: String,
    /// The action in canonical notation.
    pub action: String,
    /// `chance`, `parsed` or `fallback`.
    pub parse_status: String,
    /// Attempts the decision took.
    pub attempts: u32,
    /// Wall time of the decision.
    pub latency_ms: Option<f64>,
    /// Prompt plus completion tokens of the accepted attempt.
    pub tokens: Option<u64>,
    /// Cost of the accepted attempt.
    pub cost_usd: Option<f64>,
    /// The prompt of the accepted attempt.
    pub prompt: Option<String>,
    /// The model's raw reply (untrusted text).
    pub raw_response: Option<String>,
    /// The reasoning read from it (untrusted text).
    pub reasoning: Option<String>,
    /// `<think>` text (untrusted text).
    pub thinking: Option<String>,
    /// The attempts rejected before this move.
    pub rejected: Vec<RejectedAttempt>,
    /// The state after the step.
    pub after: View,
}

/// A rejected attempt, shown with the step it preceded.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct RejectedAttempt {
    /// 1 for the first attempt.
    pub attempt: u32,
    /// `unparseable`, `illegal` or `agent_error`.
    pub status: String,
    /// The raw reply (untrusted text).
    pub raw_response: Option<String>,
    /// Why it was rejected.
    pub error: Option<String>,
}

/// How far the runs of a database have got: the progress panel of
/// `runner serve` and its `/api/progress` answer.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct Progress {
    /// When this was read (RFC 3339 UTC, the server's clock): the panel
    /// measures "how long ago" from it, not from the browser's clock.
    pub at: String,
    /// Finished episodes (results) over the runs shown: the front page
    /// compares it with the count it was rendered from to offer a reload.
    pub finished: usize,
    /// The runs, oldest first.
    pub runs: Vec<RunProgress>,
}

/// One run's progress.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct RunProgress {
    /// The run id.
    pub run_id: String,
    /// `running`, `completed`, `interrupted` or `failed` as recorded (a run
    /// whose process was killed stays `running`: see `last_activity`).
    pub status: String,
    /// When it first started.
    pub started_at: String,
    /// When it last finished or stopped.
    pub finished_at: Option<String>,
    /// The latest time anything of the run was recorded: its start or
    /// resume, an episode's start or end, a move of an episode in play.
    pub last_activity: String,
    /// Episodes its plan holds, when its stored configuration says.
    pub planned: Option<usize>,
    /// Episodes with a result (`completed`, `truncated`, `forfeit`).
    pub finished: usize,
    /// Episodes in play (`running`).
    pub running: usize,
    /// Recorded episodes by status.
    pub by_status: std::collections::BTreeMap<String, usize>,
}

/// What the `/play` form of `runner serve` offers a person.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct PlayChoices {
    /// The games.
    pub games: Vec<PlayOption>,
    /// The opponents (agents that need no key).
    pub opponents: Vec<PlayOption>,
    /// Why the last request was refused, shown above the form.
    pub error: Option<String>,
}

/// One choice of the form.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct PlayOption {
    /// The value sent.
    pub name: String,
    /// What it is, in words.
    pub description: String,
}

/// A game a person plays in the browser, as its page shows it.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct PlayView {
    /// The game's handle in the server's URLs.
    pub id: String,
    /// The game.
    pub game: String,
    /// The person's seat.
    pub seat: u32,
    /// The agent on the other seats.
    pub opponent: String,
    /// The episode it is recorded as.
    pub episode_id: String,
    /// `your_turn` (a move is awaited), `thinking` (the other seats are
    /// moving) or `over`.
    pub phase: String,
    /// What the person is told for the decision at hand, as a terminal
    /// player would see it: the observation, the legal moves, and why a
    /// move was refused (text from the game, shown escaped).
    pub transcript: String,
    /// The legal moves as buttons (empty when there are too many to list,
    /// or the game takes free text).
    pub legal: Vec<String>,
    /// How it ended, once over.
    pub result: Option<String>,
}
