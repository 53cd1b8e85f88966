//! What a run leaves behind, as events: a run starts, episodes start, chance
//! outcomes and player moves are applied, attempts are made (accepted or
//! rejected), episodes and the run finish. The episode driver emits these
//! events into a [`Sink`]; the SQLite store is one sink, [`MemorySink`] and
//! [`NullSink`] are others (tests, dry runs). Keeping the events apart from
//! the storage lets every consumer see exactly the same record.
//!
//! What an agent *wanted* (an [`AttemptRecord`]: raw reply, parse result,
//! error) is kept apart from what *happened* (a [`MoveRecord`]: the action
//! applied to the game, in canonical notation).

use serde::{Deserialize, Serialize};

/// How a run ended (or that it has not).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RunStatus {
    /// Still running, or the process died while it ran.
    Running,
    /// Every planned episode finished.
    Completed,
    /// Stopped by Ctrl-C; `--resume` finishes it.
    Interrupted,
    /// Stopped by an error that affected the whole run.
    Failed,
}

/// How an episode ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EpisodeStatus {
    /// Started, not finished.
    Running,
    /// The game reached a terminal state.
    Completed,
    /// Stopped at `max_game_rounds` before the game ended.
    Truncated,
    /// A seat forfeited (no legal move within the illegal-move policy).
    Forfeit,
    /// Stopped by an error (an agent that could not answer at all).
    Aborted,
    /// Stopped by Ctrl-C.
    Interrupted,
}

impl RunStatus {
    /// The text stored in the database.
    pub fn as_str(self) -> &'static str {
        match self {
            RunStatus::Running => "running",
            RunStatus::Completed => "completed",
            RunStatus::Interrupted => "interrupted",
            RunStatus::Failed => "failed",
        }
    }
}

impl EpisodeStatus {
    /// The text stored in the database.
    pub fn as_str(self) -> &'static str {
        match self {
            EpisodeStatus::Running => "running",
            EpisodeStatus::Completed => "completed",
            EpisodeStatus::Truncated => "truncated",
            EpisodeStatus::Forfeit => "forfeit",
            EpisodeStatus::Aborted => "aborted",
            EpisodeStatus::Interrupted => "interrupted",
        }
    }
}

/// A run begins (or is resumed: the same `run_id` again).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RunStart {
    /// Unique id of the run.
    pub run_id: String,
    /// RFC 3339 UTC time.
    pub started_at: String,
    /// The effective configuration, as YAML; holds no secrets.
    pub config_yaml: String,
    /// The run seed.
    pub seed: u64,
    /// True when this start resumes an earlier, unfinished run.
    pub resumed: bool,
}

/// One seat of an episode.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Player {
    /// The seat index.
    pub seat: u32,
    /// The agent name as configured (`llamacpp_gemma3-270m`, `random`).
    pub agent: String,
    /// The model behind it, when there is one (`gemma-3-270m-q4_k_m.gguf`,
    /// `groq/llama-3.1-8b-instant`).
    pub model: Option<String>,
}

/// An episode begins.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct EpisodeStart {
    /// Unique, deterministic id: `<run_id>/<env_index>/<episode_index>`.
    pub episode_id: String,
    /// The run it belongs to.
    pub run_id: String,
    /// The game's registry name.
    pub game: String,
    /// The game's resolved parameters as a JSON object.
    pub game_params: serde_json::Value,
    /// Which entry of `env_configs` it plays.
    pub env_index: u32,
    /// Its index among the episodes of that game.
    pub episode_index: u32,
    /// The episode seed (chance outcomes and sampling derive from it).
    pub seed: u64,
    /// The seats.
    pub players: Vec<Player>,
    /// RFC 3339 UTC time.
    pub started_at: String,
}

/// An action applied to the game: a chance outcome or a player's move.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MoveRecord {
    /// The episode.
    pub episode_id: String,
    /// 0-based position in the history, contiguous per episode.
    pub ply: u32,
    /// The seat that moved; `None` for chance.
    pub seat: Option<u32>,
    /// `chance`, or the agent name of the seat.
    pub actor: String,
    /// The action in the game's canonical notation.
    pub action: String,
    /// What the seat saw (empty for chance).
    pub observation: String,
    /// The prompt of the accepted attempt, when a model was asked.
    pub prompt: Option<String>,
    /// The raw reply of the accepted attempt.
    pub raw_response: Option<String>,
    /// The reasoning read from it.
    pub reasoning: Option<String>,
    /// `<think>` text of a reasoning model.
    pub thinking: Option<String>,
    /// `chance`, `parsed` (the agent's own move) or `fallback` (the
    /// policy's random move after every attempt failed).
    pub parse_status: String,
    /// How many attempts the decision took, the accepted one included (0
    /// for chance). Each rejected attempt has its own [`AttemptRecord`].
    pub attempts: u32,
    /// Wall time of the whole decision in milliseconds, re-prompts included.
    pub latency_ms: Option<f64>,
    /// Prompt tokens of the accepted attempt (rejected attempts count
    /// their own, so every token is counted exactly once).
    pub prompt_tokens: Option<u64>,
    /// Completion tokens of the accepted attempt.
    pub completion_tokens: Option<u64>,
    /// Reasoning tokens of the accepted attempt, where reported.
    pub reasoning_tokens: Option<u64>,
    /// Cost of the accepted attempt, when priced.
    pub cost_usd: Option<f64>,
    /// Backend metadata of the accepted attempt (retries, fallbacks,
    /// server), JSON.
    pub metadata: serde_json::Value,
    /// The whole state after the move, as the game renders it (omniscient:
    /// hidden cards included, for replay and analysis).
    pub state_after: String,
    /// RFC 3339 UTC time.
    pub created_at: String,
}

/// A rejected attempt at a decision: unparseable, illegal, or no answer at
/// all. (The accepted attempt is the [`MoveRecord`].)
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AttemptRecord {
    /// The episode.
    pub episode_id: String,
    /// The ply the decision was for.
    pub ply: u32,
    /// The seat deciding.
    pub seat: u32,
    /// The agent name.
    pub agent: String,
    /// 1 for the first attempt.
    pub attempt: u32,
    /// `unparseable`, `illegal` or `agent_error`.
    pub status: String,
    /// The prompt as sent.
    pub prompt: Option<String>,
    /// The raw reply (absent when the agent failed to answer).
    pub raw_response: Option<String>,
    /// The move text read from the reply.
    pub move_text: Option<String>,
    /// Reasoning read from the reply.
    pub reasoning: Option<String>,
    /// `<think>` text of reasoning models.
    pub thinking: Option<String>,
    /// Why it was rejected.
    pub error: Option<String>,
    /// Wall time of this attempt.
    pub latency_ms: Option<f64>,
    /// Prompt tokens.
    pub prompt_tokens: Option<u64>,
    /// Completion tokens.
    pub completion_tokens: Option<u64>,
    /// Reasoning tokens, where reported.
    pub reasoning_tokens: Option<u64>,
    /// Cost, when priced.
    pub cost_usd: Option<f64>,
    /// Backend metadata (retries, fallbacks, server) as JSON.
    pub metadata: serde_json::Value,
    /// RFC 3339 UTC time.
    pub created_at: String,
}

/// A seat's result.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PlayerResult {
    /// The seat.
    pub seat: u32,
    /// The game's return for the seat (chips won in poker, +1/0/-1 in
    /// win/loss games).
    pub score: i64,
    /// `win`, `loss` or `draw`; `None` when the episode did not end.
    pub outcome: Option<String>,
}

/// An episode ends.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct EpisodeEnd {
    /// The episode.
    pub episode_id: String,
    /// How it ended.
    pub status: EpisodeStatus,
    /// Why, for every status but `completed`.
    pub reason: Option<String>,
    /// Results per seat.
    pub results: Vec<PlayerResult>,
    /// RFC 3339 UTC time.
    pub finished_at: String,
}

/// A run ends (or stops).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RunEnd {
    /// The run.
    pub run_id: String,
    /// How it ended.
    pub status: RunStatus,
    /// RFC 3339 UTC time.
    pub finished_at: String,
}

/// One event of the record.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum Event {
    /// A run begins or resumes.
    RunStarted(RunStart),
    /// An episode begins. A resumed episode starts again from scratch: the
    /// sink drops what an earlier, unfinished attempt at it recorded.
    EpisodeStarted(EpisodeStart),
    /// An action was applied.
    Move(MoveRecord),
    /// An attempt was rejected.
    Attempt(AttemptRecord),
    /// An episode ended.
    EpisodeFinished(EpisodeEnd),
    /// The run ended.
    RunFinished(RunEnd),
}

/// Where events go. Implementations must keep events in the order given.
pub trait Sink: Send {
    /// Records one event.
    fn record(&mut self, event: Event) -> anyhow::Result<()>;

    /// Makes everything recorded so far durable.
    fn flush(&mut self) -> anyhow::Result<()> {
        Ok(())
    }
}

/// Where the episode driver sends events: shared by every episode running
/// at once, so events of different episodes interleave but each episode's
/// own events stay in order.
pub trait Recorder: Send + Sync {
    /// Records one event; an error means the record can no longer be kept
    /// (the disk is full, the writer died) and the run must stop.
    fn send(&self, event: Event) -> anyhow::Result<()>;
}

/// A [`Recorder`] keeping events in memory, for tests and dry runs.
#[derive(Debug, Default)]
pub struct MemoryRecorder {
    events: std::sync::Mutex<Vec<Event>>,
}

impl MemoryRecorder {
    /// Every event recorded so far, in order.
    pub fn events(&self) -> Vec<Event> {
        self.events
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }
}

impl Recorder for MemoryRecorder {
    fn send(&self, event: Event) -> anyhow::Result<()> {
        self.events
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(event);
        Ok(())
    }
}

/// Keeps every event in memory, for tests.
#[derive(Debug, Default)]
pub struct MemorySink {
    /// The events in order.
    pub events: Vec<Event>,
}

impl Sink for MemorySink {
    fn record(&mut self, event: Event) -> anyhow::Result<()> {
        self.events.push(event);
        Ok(())
    }
}

/// Drops every event.
#[derive(Debug, Default)]
pub struct NullSink;

impl Sink for NullSink {
    fn record(&mut self, _event: Event) -> anyhow::Result<()> {
        Ok(())
    }
}

/// The current time as RFC 3339 UTC with milliseconds.
pub fn now_rfc3339() -> String {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    rfc3339(now.as_secs() as i64, now.subsec_millis())
}

/// Formats seconds since the Unix epoch (UTC) as `YYYY-MM-DDTHH:MM:SS.mmmZ`.
fn rfc3339(secs: i64, millis: u32) -> String {
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    let (y, m, d) = civil_from_days(days);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.{millis:03}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

/// Days since 1970-01-01 to a proleptic Gregorian date (Howard Hinnant's
/// `civil_from_days`).
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc3339_known_instants() {
        assert_eq!(rfc3339(0, 0), "1970-01-01T00:00:00.000Z");
        assert_eq!(rfc3339(951_782_400, 5), "2000-02-29T00:00:00.005Z");
        assert_eq!(rfc3339(1_795_437_296, 123), "2026-11-23T12:34:56.123Z");
    }

    #[test]
    fn events_serialize_with_a_tag() {
        let e = Event::RunFinished(RunEnd {
            run_id: "r".into(),
            status: RunStatus::Interrupted,
            finished_at: "t".into(),
        });
        let json = serde_json::to_string(&e).unwrap();
        assert!(json.contains("\"event\":\"run_finished\""), "{json}");
        assert!(json.contains("\"status\":\"interrupted\""), "{json}");
    }
}
