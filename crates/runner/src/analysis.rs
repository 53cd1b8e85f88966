//! `runner leaderboard` and `runner report`: the database read (read-only)
//! into `arena-report`'s dataset, then leaderboards as text or the static
//! HTML report with a replay page per episode.

use std::collections::HashMap;
use std::path::Path;

use anyhow::{Context, Result, bail};
use arena_report::{
    Dataset, EpisodeReplay, EpisodeResult, Format, Options, PlayerResult, RejectedAttempt,
    ReplayPlayer, ReplayStep, SeatStats, View,
};

use crate::replay;
use crate::store::Store;

/// Reads the episodes of the database (or of one run) with their players'
/// results and decision statistics; an unknown run or no episode at all is
/// an error.
pub fn dataset(store: &Store, run_id: Option<&str>) -> Result<Dataset> {
    check_run(store, run_id)?;
    let data = read_dataset(store, run_id)?;
    if data.episodes.is_empty() {
        bail!(
            "{} holds no episodes{}; play some first (`runner --config ...` or `runner tournament --config ...`)",
            store.path().display(),
            run_id.map(|r| format!(" of run {r}")).unwrap_or_default()
        );
    }
    Ok(data)
}

/// An error naming the recent runs when `run_id` is not in the database.
pub(crate) fn check_run(store: &Store, run_id: Option<&str>) -> Result<()> {
    let Some(id) = run_id else {
        return Ok(());
    };
    let runs = store.runs()?;
    if !runs.iter().any(|r| r.run_id == id) {
        let known: Vec<&str> = runs
            .iter()
            .rev()
            .take(5)
            .map(|r| r.run_id.as_str())
            .collect();
        bail!(
            "no run {id:?} in {}; recent runs: {}",
            store.path().display(),
            if known.is_empty() {
                "none".to_string()
            } else {
                known.join(", ")
            }
        );
    }
    Ok(())
}

/// [`dataset`] without its checks: a database (or run) with no episode yet
/// gives an empty dataset, as the live pages of `runner serve` want.
pub(crate) fn read_dataset(store: &Store, run_id: Option<&str>) -> Result<Dataset> {
    let rows = store.episodes_in_play_order(run_id)?;
    let mut players: HashMap<String, Vec<PlayerResult>> = HashMap::new();
    for (episode_id, p) in store.all_players(run_id)? {
        players.entry(episode_id).or_default().push(PlayerResult {
            seat: p.seat,
            agent: p.agent,
            model: p.model,
            score: p.score,
            outcome: p.outcome,
            stats: SeatStats::default(),
        });
    }
    fn stats<'a>(
        players: &'a mut HashMap<String, Vec<PlayerResult>>,
        episode_id: &str,
        seat: u32,
    ) -> Option<&'a mut SeatStats> {
        players
            .get_mut(episode_id)?
            .iter_mut()
            .find(|p| p.seat == seat)
            .map(|p| &mut p.stats)
    }
    for d in store.decisions(run_id)? {
        let Some(s) = stats(&mut players, &d.episode_id, d.seat) else {
            continue;
        };
        s.decisions += 1;
        if d.attempts > 1 {
            s.reprompted += 1;
        }
        if d.fallback {
            s.fallbacks += 1;
        }
        if let Some(ms) = d.latency_ms {
            s.latencies_ms.push(ms);
        }
        s.tokens += d.tokens;
        s.cost_usd += d.cost_usd.unwrap_or(0.0);
        if let Some(text) = d.reasoning.filter(|t| !t.trim().is_empty()) {
            s.reasoning.push(text);
        }
    }
    for (episode_id, seat, tokens, cost) in store.rejected_costs(run_id)? {
        if let Some(s) = stats(&mut players, &episode_id, seat) {
            s.rejected += 1;
            s.tokens += tokens;
            s.cost_usd += cost;
        }
    }
    let mut episodes = Vec::with_capacity(rows.len());
    for e in rows {
        let hands_played = if e.game == "poker" {
            store
                .last_state(&e.episode_id)?
                .as_deref()
                .and_then(poker_hands)
        } else {
            None
        };
        episodes.push(EpisodeResult {
            players: players.remove(&e.episode_id).unwrap_or_default(),
            id: e.episode_id,
            run_id: e.run_id,
            game: e.game,
            params: e.game_params,
            seed: e.seed,
            status: e.status.as_str().to_string(),
            reason: e.reason,
            hands_played,
        });
    }
    let mut names: Vec<&str> = episodes.iter().map(|e| e.run_id.as_str()).collect();
    names.dedup();
    let title = match (run_id, names.len()) {
        (Some(id), _) => format!("run {id}"),
        (None, 0) => "no episodes yet".to_string(),
        (None, 1) => format!("run {}", names[0]),
        (None, n) => format!("{n} runs"),
    };
    Ok(Dataset {
        title,
        source: store.path().display().to_string(),
        episodes,
    })
}

/// The number of the hand a poker state shows (`Hand 3 of 10.`): the hands
/// played when it is the final state.
fn poker_hands(state: &str) -> Option<u32> {
    let at = state.find("Hand ")?;
    let rest = &state[at + 5..];
    let end = rest.find(|c: char| !c.is_ascii_digit())?;
    rest[..end].parse().ok()
}

/// One episode step by step with every seat's view, for the replay viewer.
pub fn episode_replay(store: &Store, episode_id: &str) -> Result<EpisodeReplay> {
    let Some(e) = store.episode(episode_id)? else {
        bail!("no episode {episode_id:?} in {}", store.path().display());
    };
    let players = store.players(episode_id)?;
    let moves = store.moves(episode_id)?;
    let attempts = store.attempts(episode_id)?;
    let (initial, steps) = replay::replay(&e.game, &e.game_params, &moves)
        .with_context(|| format!("episode {episode_id} does not replay"))?;
    let seats = players.len();
    let view = |state: &dyn arena_games::AnyState| View {
        all: state.render(),
        seats: (0..seats).map(|s| state.observation_text(s)).collect(),
    };
    let steps = steps
        .iter()
        .map(|step| {
            let m = step.record;
            ReplayStep {
                ply: m.ply,
                seat: m.seat,
                actor: m.actor.clone(),
                action: m.action.clone(),
                parse_status: m.parse_status.clone(),
                attempts: m.attempts,
                latency_ms: m.latency_ms,
                tokens: match (m.prompt_tokens, m.completion_tokens) {
                    (None, None) => None,
                    (p, c) => Some(p.unwrap_or(0) + c.unwrap_or(0)),
                },
                cost_usd: m.cost_usd,
                prompt: m.prompt.clone(),
                raw_response: m.raw_response.clone(),
                reasoning: m.reasoning.clone(),
                thinking: m.thinking.clone(),
                rejected: attempts
                    .iter()
                    .filter(|a| a.ply == m.ply && Some(a.seat) == m.seat)
                    .map(|a| RejectedAttempt {
                        attempt: a.attempt,
                        status: a.status.clone(),
                        raw_response: a.raw_response.clone(),
                        error: a.error.clone(),
                    })
                    .collect(),
                after: view(step.state.as_ref()),
            }
        })
        .collect();
    Ok(EpisodeReplay {
        id: e.episode_id.clone(),
        run_id: e.run_id.clone(),
        game: e.game.clone(),
        params: e.game_params.clone(),
        seed: e.seed,
        status: e.status.as_str().to_string(),
        reason: e.reason.clone(),
        players: players
            .iter()
            .map(|p| ReplayPlayer {
                seat: p.seat,
                agent: p.agent.clone(),
                score: p.score,
                outcome: p.outcome.clone(),
            })
            .collect(),
        initial: view(initial.as_ref()),
        steps,
    })
}

/// `runner leaderboard --db FILE [--run ID] [--game G] [--format F]`.
pub fn leaderboard_cmd(
    db: &Path,
    run_id: Option<&str>,
    game: Option<&str>,
    format: &str,
) -> Result<String> {
    let format: Format = format.parse().map_err(anyhow::Error::msg)?;
    let store = Store::open_read_only(db)?;
    let data = dataset(&store, run_id)?;
    let boards = arena_report::leaderboards(
        &data,
        &Options {
            game: game.map(str::to_string),
            ..Options::default()
        },
    )?;
    Ok(arena_report::format::render(&boards, format))
}

/// `runner report --db FILE --out DIR [--run ID]`: returns the front page.
pub fn report_cmd(db: &Path, run_id: Option<&str>, out: &Path) -> Result<std::path::PathBuf> {
    if let Some(file) = crate::store::file_in_the_way(out) {
        bail!(
            "--out {}: {} is a file, not a folder; choose a new or empty folder (or an earlier report)",
            out.display(),
            file.display()
        );
    }
    let store = Store::open_read_only(db)?;
    let data = dataset(&store, run_id)?;
    let boards = arena_report::leaderboards(&data, &Options::default())?;
    let written = arena_report::write_report(out, &data, &boards, |id| {
        episode_replay(&store, id).map_err(|e| format!("{e:#}"))
    })?;
    crate::observe::notice(&format!(
        "report: {} leaderboards, {} replay pages",
        boards.len(),
        written.episodes
    ));
    Ok(written.index)
}
