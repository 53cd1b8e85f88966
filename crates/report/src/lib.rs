//! Leaderboards and the static HTML report of the arena.
//!
//! The runner reads its database into a [`Dataset`] (finished episodes with
//! per-seat results and decision statistics) and, one episode at a time, an
//! [`EpisodeReplay`]; this crate turns them into [`Leaderboard`]s — ratings
//! with confidence intervals from `arena-stats`, win/draw/loss, head to head,
//! error, latency and cost rates, poker in big blinds per 100 hands, the
//! reasoning categories — and writes them as text ([`format::render`]) or as
//! a report folder that opens from disk ([`write_report`]); the same pages
//! render in memory for `runner serve` ([`render_index`],
//! [`render_episode`], [`chart_svg`], [`render_progress`]). It knows nothing
//! of SQLite, YAML, HTTP or the terminal.
//!
//! ```
//! use arena_report::{Dataset, EpisodeResult, PlayerResult, SeatStats, Options};
//!
//! let player = |seat: u32, agent: &str, score: i64, outcome: &str| PlayerResult {
//!     seat,
//!     agent: agent.to_string(),
//!     model: None,
//!     score: Some(score),
//!     outcome: Some(outcome.to_string()),
//!     stats: SeatStats::default(),
//! };
//! let episode = |i: u64, winner_first: bool| EpisodeResult {
//!     id: format!("run/0/{i}"),
//!     run_id: "run".into(),
//!     game: "tic_tac_toe".into(),
//!     params: serde_json::json!({}),
//!     seed: i,
//!     status: "completed".into(),
//!     reason: None,
//!     players: if winner_first {
//!         vec![player(0, "baseline_tic_tac_toe", 1, "win"), player(1, "random", -1, "loss")]
//!     } else {
//!         vec![player(0, "random", 0, "draw"), player(1, "baseline_tic_tac_toe", 0, "draw")]
//!     },
//!     hands_played: None,
//! };
//! let data = Dataset {
//!     title: "example".into(),
//!     source: "memory".into(),
//!     episodes: (0..6).map(|i| episode(i, i % 3 != 0)).collect(),
//! };
//! let boards = arena_report::leaderboards(&data, &Options::default()).unwrap();
//! assert_eq!(boards[0].rows[0].participant, "baseline_tic_tac_toe");
//! assert_eq!((boards[0].rows[0].wins, boards[0].rows[0].draws), (4, 2));
//! ```

#![warn(missing_docs)]

mod charts;
mod data;
pub mod format;
mod html;
mod leaderboard;

pub use charts::ChartError;
pub use data::{
    Dataset, EpisodeReplay, EpisodeResult, PlayChoices, PlayOption, PlayView, PlayerResult,
    Progress, RejectedAttempt, ReplayPlayer, ReplayStep, RunProgress, SeatStats, View,
};
pub use format::Format;
pub use html::{
    ChartKind, EpisodeRef, IndexPage, MARKER, PROGRESS_JS, ReportError, STYLE_CSS, Site, VIEWER_JS,
    Written, chart_path, chart_svg, encode_path, find_chart, render_episode, render_index,
    render_play, render_play_form, render_progress, script_json, write_report,
};
pub use leaderboard::{
    Bounds, HeadToHead, Leaderboard, LeaderboardError, Options, PokerRow, Rating, ReasoningRow,
    Row, leaderboard, leaderboards,
};
