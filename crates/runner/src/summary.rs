//! The end-of-run table: per agent and game, episodes, wins/draws/losses,
//! the win rate with a 95% Wilson interval, invalid-attempt and forfeit
//! rates, decision latency (mean and p95), tokens and cost. Built by folding
//! the run's events, so the same table comes from a live run or from the
//! database of a finished one.

use std::collections::{BTreeMap, HashMap};

use serde::Serialize;

use crate::record::{EpisodeStatus, Event};

/// Statistics of one agent in one game.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct AgentStats {
    /// Episodes the agent finished with a result (completed or forfeit).
    pub episodes: u32,
    /// Wins.
    pub wins: u32,
    /// Draws.
    pub draws: u32,
    /// Losses.
    pub losses: u32,
    /// Episodes ended without a result (truncated, aborted, interrupted).
    pub unfinished: u32,
    /// Losses by forfeit.
    pub forfeits: u32,
    /// Attempts made.
    pub attempts: u32,
    /// Attempts rejected (unparseable, illegal, no answer).
    pub invalid_attempts: u32,
    /// Moves played by the policy's random fallback.
    pub fallbacks: u32,
    /// Decision latencies in milliseconds (one per applied move).
    #[serde(skip)]
    pub latencies_ms: Vec<f64>,
    /// Prompt plus completion tokens.
    pub tokens: u64,
    /// Cost in USD, when priced.
    pub cost_usd: f64,
}

impl AgentStats {
    /// Wins over episodes with a result.
    pub fn win_rate(&self) -> Option<f64> {
        (self.episodes > 0).then(|| f64::from(self.wins) / f64::from(self.episodes))
    }

    /// The 95% Wilson score interval of the win rate.
    pub fn win_rate_ci(&self) -> Option<(f64, f64)> {
        (self.episodes > 0).then(|| wilson(self.wins, self.episodes, 1.959_963_984_540_054))
    }

    /// Rejected attempts over attempts.
    pub fn invalid_rate(&self) -> Option<f64> {
        (self.attempts > 0).then(|| f64::from(self.invalid_attempts) / f64::from(self.attempts))
    }

    /// Forfeits over episodes with a result.
    pub fn forfeit_rate(&self) -> Option<f64> {
        (self.episodes > 0).then(|| f64::from(self.forfeits) / f64::from(self.episodes))
    }

    /// Mean decision latency.
    pub fn mean_latency_ms(&self) -> Option<f64> {
        (!self.latencies_ms.is_empty())
            .then(|| self.latencies_ms.iter().sum::<f64>() / self.latencies_ms.len() as f64)
    }

    /// 95th percentile decision latency (nearest rank).
    pub fn p95_latency_ms(&self) -> Option<f64> {
        if self.latencies_ms.is_empty() {
            return None;
        }
        let mut v = self.latencies_ms.clone();
        v.sort_by(f64::total_cmp);
        let rank = (0.95 * v.len() as f64).ceil() as usize;
        Some(v[rank.clamp(1, v.len()) - 1])
    }
}

/// The Wilson score interval for `k` successes in `n` trials.
pub fn wilson(k: u32, n: u32, z: f64) -> (f64, f64) {
    let n = f64::from(n);
    let p = f64::from(k) / n;
    let z2 = z * z;
    let centre = (p + z2 / (2.0 * n)) / (1.0 + z2 / n);
    let half = z * (p * (1.0 - p) / n + z2 / (4.0 * n * n)).sqrt() / (1.0 + z2 / n);
    ((centre - half).max(0.0), (centre + half).min(1.0))
}

/// The run's table, keyed by (agent, game).
#[derive(Clone, Debug, Default)]
pub struct Summary {
    /// Statistics per (agent, game), in order of first appearance.
    stats: Vec<AgentStats>,
    /// (agent, game) → index into `stats`.
    index: HashMap<(String, String), usize>,
    /// Episode id → the `stats` index of each seat. Resolved once per
    /// episode, so folding a move costs one lookup and no allocation.
    episodes: HashMap<String, Vec<usize>>,
    /// Episodes by status.
    pub statuses: BTreeMap<String, u32>,
}

impl Summary {
    /// Folds one event in.
    pub fn add(&mut self, event: &Event) {
        match event {
            Event::EpisodeStarted(e) => {
                let seats = e
                    .players
                    .iter()
                    .map(|p| {
                        let key = (p.agent.clone(), e.game.clone());
                        let next = self.stats.len();
                        let i = *self.index.entry(key).or_insert(next);
                        if i == next {
                            self.stats.push(AgentStats::default());
                        }
                        i
                    })
                    .collect();
                self.episodes.insert(e.episode_id.clone(), seats);
            }
            // Every attempt is counted once: a rejected one by its own
            // event, the accepted one by its move.
            Event::Attempt(a) => {
                let Some(stats) = self.stats(&a.episode_id, a.seat) else {
                    return;
                };
                stats.attempts += 1;
                stats.invalid_attempts += 1;
                stats.tokens += a.prompt_tokens.unwrap_or(0) + a.completion_tokens.unwrap_or(0);
                stats.cost_usd += a.cost_usd.unwrap_or(0.0);
            }
            Event::Move(m) => {
                let Some(seat) = m.seat else { return };
                let Some(stats) = self.stats(&m.episode_id, seat) else {
                    return;
                };
                if m.parse_status == "fallback" {
                    stats.fallbacks += 1;
                } else {
                    stats.attempts += 1;
                }
                stats.tokens += m.prompt_tokens.unwrap_or(0) + m.completion_tokens.unwrap_or(0);
                stats.cost_usd += m.cost_usd.unwrap_or(0.0);
                if let Some(ms) = m.latency_ms {
                    stats.latencies_ms.push(ms);
                }
            }
            Event::EpisodeFinished(e) => {
                *self
                    .statuses
                    .entry(e.status.as_str().to_string())
                    .or_default() += 1;
                for r in &e.results {
                    let Some(stats) = self.stats(&e.episode_id, r.seat) else {
                        continue;
                    };
                    match r.outcome.as_deref() {
                        Some(outcome) => {
                            stats.episodes += 1;
                            match outcome {
                                "win" => stats.wins += 1,
                                "draw" => stats.draws += 1,
                                _ => {
                                    stats.losses += 1;
                                    if e.status == EpisodeStatus::Forfeit {
                                        stats.forfeits += 1;
                                    }
                                }
                            }
                        }
                        None => stats.unfinished += 1,
                    }
                }
                // Nothing follows an episode's end: its entry can go, so
                // memory does not grow with the number of episodes.
                self.episodes.remove(&e.episode_id);
            }
            Event::RunStarted(_) | Event::RunFinished(_) => {}
        }
    }

    fn stats(&mut self, episode_id: &str, seat: u32) -> Option<&mut AgentStats> {
        let i = *self.episodes.get(episode_id)?.get(seat as usize)?;
        self.stats.get_mut(i)
    }

    /// Statistics per (agent, game), sorted.
    pub fn rows(&self) -> BTreeMap<(String, String), &AgentStats> {
        self.index
            .iter()
            .map(|(key, &i)| (key.clone(), &self.stats[i]))
            .collect()
    }

    /// The table as text.
    pub fn table(&self) -> String {
        let pct = |x: Option<f64>| x.map_or("-".to_string(), |x| format!("{:.1}%", 100.0 * x));
        let ms = |x: Option<f64>| x.map_or("-".to_string(), |x| format!("{x:.0}"));
        let mut rows = vec![
            [
                "agent",
                "game",
                "eps",
                "W/D/L",
                "win rate [95% CI]",
                "invalid",
                "forfeit",
                "ms mean",
                "ms p95",
                "tokens",
                "cost $",
            ]
            .map(String::from)
            .to_vec(),
        ];
        for ((agent, game), s) in self.rows() {
            let rate = match (s.win_rate(), s.win_rate_ci()) {
                (Some(r), Some((lo, hi))) => {
                    format!("{:.1}% [{:.1}, {:.1}]", 100.0 * r, 100.0 * lo, 100.0 * hi)
                }
                _ => "-".to_string(),
            };
            rows.push(vec![
                agent.clone(),
                game.clone(),
                s.episodes.to_string(),
                format!("{}/{}/{}", s.wins, s.draws, s.losses),
                rate,
                pct(s.invalid_rate()),
                pct(s.forfeit_rate()),
                ms(s.mean_latency_ms()),
                ms(s.p95_latency_ms()),
                s.tokens.to_string(),
                if s.cost_usd > 0.0 {
                    format!("{:.4}", s.cost_usd)
                } else {
                    "-".to_string()
                },
            ]);
        }
        let widths: Vec<usize> = (0..rows[0].len())
            .map(|c| rows.iter().map(|r| r[c].chars().count()).max().unwrap_or(0))
            .collect();
        let mut out = String::new();
        for row in &rows {
            let cells: Vec<String> = row
                .iter()
                .zip(&widths)
                .enumerate()
                .map(|(i, (cell, w))| {
                    if i < 2 {
                        format!("{cell:<w$}")
                    } else {
                        format!("{cell:>w$}")
                    }
                })
                .collect();
            out.push_str(cells.join("  ").trim_end());
            out.push('\n');
        }
        let statuses: Vec<String> = self
            .statuses
            .iter()
            .map(|(s, n)| format!("{n} {s}"))
            .collect();
        out.push_str(&format!("episodes: {}\n", statuses.join(", ")));
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wilson_matches_known_values() {
        // 8 of 10 at 95%: [0.4902, 0.9433] (standard tables).
        let (lo, hi) = wilson(8, 10, 1.959_963_984_540_054);
        assert!(
            (lo - 0.4902).abs() < 1e-4 && (hi - 0.9433).abs() < 1e-4,
            "{lo} {hi}"
        );
        let (lo, hi) = wilson(0, 5, 1.959_963_984_540_054);
        assert!(lo == 0.0 && (hi - 0.4345).abs() < 1e-4, "{lo} {hi}");
    }

    #[test]
    fn p95_is_nearest_rank() {
        let s = AgentStats {
            latencies_ms: (1..=100).map(f64::from).collect(),
            ..Default::default()
        };
        assert_eq!(s.p95_latency_ms(), Some(95.0));
        assert_eq!(s.mean_latency_ms(), Some(50.5));
    }
}
