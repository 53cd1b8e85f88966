//! Leaderboards: from finished episodes to ratings with confidence
//! intervals, win/draw/loss, a head-to-head matrix, per-model error, latency
//! and cost rates, poker big blinds per 100 hands on duplicate deals, and the
//! reasoning categories. One leaderboard covers every game, and one more each
//! game.
//!
//! What counts: episodes whose status is final (`completed`, `truncated`,
//! `forfeit`) between at least two different participants. An episode where
//! one participant holds every seat (self-play) says nothing about who is
//! stronger; it is left out of ratings and results but its decisions still
//! count in the error, latency and cost columns.

use std::collections::{BTreeMap, HashMap};

use arena_stats::{CategoryCounts, Match, ReasoningCategory};
use serde::Serialize;

use crate::data::{Dataset, EpisodeResult};

/// How leaderboards are computed.
#[derive(Clone, Debug)]
pub struct Options {
    /// Only this game (by registry name); `None` for every game.
    pub game: Option<String>,
    /// Bootstrap resamples for the Bradley–Terry intervals.
    pub bootstrap_rounds: usize,
    /// Confidence level of every interval.
    pub confidence: f64,
    /// Seed of the bootstrap (the same data and seed give the same
    /// intervals).
    pub seed: u64,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            game: None,
            bootstrap_rounds: 1000,
            confidence: 0.95,
            seed: 0x5eed,
        }
    }
}

/// Why no leaderboard could be made.
#[derive(Debug, thiserror::Error)]
pub enum LeaderboardError {
    /// Nothing to rate.
    #[error("{0}")]
    NoData(String),
    /// The statistics failed (a bug or degenerate data).
    #[error("the ratings could not be computed: {0}")]
    Stats(String),
}

/// One leaderboard: every game together, or one game.
#[derive(Clone, Debug, Serialize)]
pub struct Leaderboard {
    /// `all games` or the game's name.
    pub scope: String,
    /// The game, for a per-game leaderboard.
    pub game: Option<String>,
    /// Participants best first (by Bradley–Terry rating).
    pub rows: Vec<Row>,
    /// `head_to_head[i][j]`: how `rows[i]` fared against `rows[j]`.
    pub head_to_head: Vec<Vec<Option<HeadToHead>>>,
    /// Poker results in big blinds per 100 hands (heads-up and tables).
    pub poker: Vec<PokerRow>,
    /// Reasoning categories per participant.
    pub reasoning: Vec<ReasoningRow>,
    /// Episodes counted in the ratings.
    pub rated_episodes: usize,
    /// Deals (groups of mirrored episodes) among them.
    pub deals: usize,
    /// Episodes left out of the ratings (not final, or self-play).
    pub excluded_episodes: usize,
    /// The confidence level of the intervals.
    pub confidence: f64,
}

/// A rating with its confidence interval.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Rating {
    /// The point estimate.
    pub rating: f64,
    /// Lower bound.
    pub lo: f64,
    /// Upper bound.
    pub hi: f64,
}

/// A proportion's confidence interval.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Bounds {
    /// Lower bound.
    pub lo: f64,
    /// Upper bound.
    pub hi: f64,
}

/// One participant's line.
#[derive(Clone, Debug, Serialize)]
pub struct Row {
    /// 1-based rank by Bradley–Terry rating.
    pub rank: usize,
    /// The agent name.
    pub participant: String,
    /// Bradley–Terry rating (Elo scale, mean 1500) with its bootstrap
    /// interval.
    pub bradley_terry: Rating,
    /// Sequential Elo over the episodes in play order (K = 32).
    pub elo: f64,
    /// Weng-Lin (TrueSkill-like) skill.
    pub weng_lin_mu: f64,
    /// Weng-Lin uncertainty.
    pub weng_lin_sigma: f64,
    /// Rated episodes played.
    pub episodes: u32,
    /// Wins.
    pub wins: u32,
    /// Draws.
    pub draws: u32,
    /// Losses.
    pub losses: u32,
    /// (wins + draws / 2) / episodes.
    pub score: f64,
    /// Wilson interval of the score.
    pub score_interval: Bounds,
    /// Moves the participant decided (every episode, self-play included).
    pub decisions: u32,
    /// Rejected attempts / all attempts.
    pub invalid_rate: f64,
    /// Decisions that needed a re-prompt / decisions.
    pub reprompt_rate: f64,
    /// Decisions settled by the policy's random fallback / decisions.
    pub fallback_rate: f64,
    /// Episodes lost by forfeit.
    pub forfeits: u32,
    /// Forfeits / rated episodes.
    pub forfeit_rate: f64,
    /// Median decision latency, milliseconds.
    pub latency_p50_ms: Option<f64>,
    /// 95th percentile decision latency, milliseconds.
    pub latency_p95_ms: Option<f64>,
    /// Tokens per episode.
    pub tokens_per_episode: f64,
    /// Tokens per win (`None` without a win).
    pub tokens_per_win: Option<f64>,
    /// Cost per episode, US dollars.
    pub cost_per_episode: f64,
    /// Cost per win, US dollars (`None` without a win).
    pub cost_per_win: Option<f64>,
}

/// The results of one participant against another.
#[derive(Clone, Copy, Debug, Default, Serialize)]
pub struct HeadToHead {
    /// Games won.
    pub wins: u32,
    /// Games drawn.
    pub draws: u32,
    /// Games lost.
    pub losses: u32,
}

impl HeadToHead {
    /// (wins + draws / 2) / games.
    pub fn score(&self) -> f64 {
        let n = self.wins + self.draws + self.losses;
        if n == 0 {
            return 0.5;
        }
        (f64::from(self.wins) + f64::from(self.draws) / 2.0) / f64::from(n)
    }
}

/// A participant's poker result in big blinds per 100 hands.
#[derive(Clone, Debug, Serialize)]
pub struct PokerRow {
    /// The agent name.
    pub participant: String,
    /// Deals (duplicate groups) played.
    pub deals: usize,
    /// Hands played.
    pub hands: u64,
    /// Mean over deals.
    pub bb_per_100: f64,
    /// Its Student-t interval (`None` with a single deal).
    pub interval: Option<Bounds>,
}

/// How a participant reasons, by rule-based category.
#[derive(Clone, Debug, Serialize)]
pub struct ReasoningRow {
    /// The agent name.
    pub participant: String,
    /// Reasoning texts categorised.
    pub total: usize,
    /// Share of each category, in [`ReasoningCategory::ALL`] order.
    pub shares: Vec<(String, f64)>,
    /// Shannon entropy of the categories, bits.
    pub entropy_bits: f64,
}

/// The leaderboard over every game, then one per game (alphabetical), or
/// only the one game `options.game` names.
pub fn leaderboards(
    data: &Dataset,
    options: &Options,
) -> Result<Vec<Leaderboard>, LeaderboardError> {
    let mut games: Vec<&str> = data.episodes.iter().map(|e| e.game.as_str()).collect();
    games.sort_unstable();
    games.dedup();
    if let Some(game) = &options.game {
        if !games.contains(&game.as_str()) {
            return Err(LeaderboardError::NoData(format!(
                "no episode of game {game:?} in {}; games there: {}",
                data.source,
                if games.is_empty() {
                    "none".to_string()
                } else {
                    games.join(", ")
                }
            )));
        }
        return Ok(vec![leaderboard(data, Some(game), options)?]);
    }
    let mut out = vec![leaderboard(data, None, options)?];
    if games.len() > 1 {
        for game in games {
            out.push(leaderboard(data, Some(game), options)?);
        }
    }
    Ok(out)
}

/// One leaderboard: over `game`, or every game when `None`.
pub fn leaderboard(
    data: &Dataset,
    game: Option<&str>,
    options: &Options,
) -> Result<Leaderboard, LeaderboardError> {
    let episodes: Vec<&EpisodeResult> = data
        .episodes
        .iter()
        .filter(|e| game.is_none_or(|g| e.game == g))
        .collect();
    let rated: Vec<&EpisodeResult> = episodes
        .iter()
        .copied()
        .filter(|e| e.is_final() && distinct_agents(e) >= 2)
        .collect();
    if rated.is_empty() {
        return Err(LeaderboardError::NoData(format!(
            "no finished episode between two different participants{} in {} ({} episodes there)",
            game.map(|g| format!(" of {g}")).unwrap_or_default(),
            data.source,
            episodes.len()
        )));
    }

    // Participants in first-seen order; ranks come from the ratings.
    let mut index: HashMap<&str, usize> = HashMap::new();
    let mut names: Vec<String> = Vec::new();
    for e in &episodes {
        for p in &e.players {
            index.entry(p.agent.as_str()).or_insert_with(|| {
                names.push(p.agent.clone());
                names.len() - 1
            });
        }
    }
    let n = names.len();

    // Matches, grouped by deal for the bootstrap.
    let mut groups: BTreeMap<String, Vec<Match>> = BTreeMap::new();
    let mut ordered = Vec::new();
    for e in &rated {
        let seats: Vec<(usize, f64)> = e
            .players
            .iter()
            .map(|p| (index[p.agent.as_str()], p.score.unwrap_or(0) as f64))
            .collect();
        let matches: Vec<Match> = arena_stats::pairwise(&seats)
            .map_err(stats)?
            .into_iter()
            .filter(|m| m.a != m.b)
            .collect();
        ordered.extend(matches.iter().copied());
        groups.entry(e.deal_key()).or_default().extend(matches);
    }
    let groups: Vec<Vec<Match>> = groups.into_values().collect();
    let ratings = arena_stats::bootstrap_bradley_terry(
        n,
        &groups,
        options.bootstrap_rounds,
        options.confidence,
        options.seed,
    )
    .map_err(stats)?;
    let elo = arena_stats::elo(n, &ordered, 32.0, 1500.0).map_err(stats)?;
    let weng_lin = arena_stats::weng_lin(n, &ordered).map_err(stats)?;

    let mut h2h = vec![vec![HeadToHead::default(); n]; n];
    for m in &ordered {
        let (a, b) = (m.a, m.b);
        if m.score_a > 0.5 {
            h2h[a][b].wins += 1;
            h2h[b][a].losses += 1;
        } else if m.score_a < 0.5 {
            h2h[a][b].losses += 1;
            h2h[b][a].wins += 1;
        } else {
            h2h[a][b].draws += 1;
            h2h[b][a].draws += 1;
        }
    }

    let mut tallies = vec![Tally::default(); n];
    for e in &episodes {
        let counted = e.is_final() && distinct_agents(e) >= 2;
        for p in &e.players {
            let t = &mut tallies[index[p.agent.as_str()]];
            t.decisions += p.stats.decisions;
            t.reprompted += p.stats.reprompted;
            t.fallbacks += p.stats.fallbacks;
            t.rejected += p.stats.rejected;
            t.latencies.extend_from_slice(&p.stats.latencies_ms);
            t.tokens += p.stats.tokens;
            t.cost += p.stats.cost_usd;
            t.all_episodes += 1;
            for text in &p.stats.reasoning {
                t.reasoning.add_text(text);
            }
            if counted {
                t.episodes += 1;
                match p.outcome.as_deref() {
                    Some("win") => t.wins += 1,
                    Some("loss") => {
                        t.losses += 1;
                        if e.status == "forfeit" {
                            t.forfeits += 1;
                        }
                    }
                    _ => t.draws += 1,
                }
            }
        }
    }

    let mut order: Vec<usize> = (0..n).collect();
    // Ratings equal to a millionth of a point are a tie, broken by name:
    // the last bits of a fit depend on the order sums were taken in (a
    // merged shard database lists episodes differently), ranks must not.
    let key = |i: usize| (ratings[i].rating * 1e6).round();
    order.sort_by(|&a, &b| {
        key(b)
            .total_cmp(&key(a))
            .then_with(|| names[a].cmp(&names[b]))
    });
    let rows: Vec<Row> = order
        .iter()
        .enumerate()
        .map(|(rank, &i)| {
            let rated = Rating {
                rating: ratings[i].rating,
                lo: ratings[i].lo,
                hi: ratings[i].hi,
            };
            row(
                rank + 1,
                &names[i],
                &tallies[i],
                rated,
                elo[i],
                weng_lin[i],
                options,
            )
        })
        .collect::<Result<_, _>>()?;
    let head_to_head = order
        .iter()
        .map(|&i| {
            order
                .iter()
                .map(|&j| {
                    let h = h2h[i][j];
                    (i != j && h.wins + h.draws + h.losses > 0).then_some(h)
                })
                .collect()
        })
        .collect();
    let reasoning = order
        .iter()
        .filter(|&&i| tallies[i].reasoning.total() > 0)
        .map(|&i| {
            let counts = &tallies[i].reasoning;
            ReasoningRow {
                participant: names[i].clone(),
                total: counts.total(),
                shares: ReasoningCategory::ALL
                    .iter()
                    .map(|c| (c.label().to_string(), counts.share(*c)))
                    .collect(),
                entropy_bits: counts.entropy(),
            }
        })
        .collect();

    Ok(Leaderboard {
        scope: game.map_or_else(|| "all games".to_string(), str::to_string),
        game: game.map(str::to_string),
        poker: poker_rows(&rated, &names, &index, &order, options.confidence)?,
        rows,
        head_to_head,
        reasoning,
        rated_episodes: rated.len(),
        deals: groups.len(),
        excluded_episodes: episodes.len() - rated.len(),
        confidence: options.confidence,
    })
}

#[derive(Clone, Debug, Default)]
struct Tally {
    episodes: u32,
    all_episodes: u32,
    wins: u32,
    draws: u32,
    losses: u32,
    forfeits: u32,
    decisions: u32,
    reprompted: u32,
    fallbacks: u32,
    rejected: u32,
    latencies: Vec<f64>,
    tokens: u64,
    cost: f64,
    reasoning: CategoryCounts,
}

fn stats(e: arena_stats::StatsError) -> LeaderboardError {
    LeaderboardError::Stats(e.to_string())
}

fn row(
    rank: usize,
    name: &str,
    t: &Tally,
    rated: Rating,
    elo: f64,
    weng_lin: arena_stats::WengLin,
    options: &Options,
) -> Result<Row, LeaderboardError> {
    let ratio = |a: u32, b: u32| {
        if b == 0 {
            0.0
        } else {
            f64::from(a) / f64::from(b)
        }
    };
    let points = f64::from(t.wins) + f64::from(t.draws) / 2.0;
    let games = f64::from(t.episodes);
    // Every attempt: the rejected ones plus the accepted one of each
    // decision a fallback did not settle.
    let attempts = t.rejected + t.decisions.saturating_sub(t.fallbacks);
    let per_episode = |x: f64| {
        if t.all_episodes == 0 {
            0.0
        } else {
            x / f64::from(t.all_episodes)
        }
    };
    let score = arena_stats::wilson(points, games, options.confidence).map_err(stats)?;
    let percentile = |p: f64| {
        (!t.latencies.is_empty())
            .then(|| arena_stats::percentile(&t.latencies, p))
            .transpose()
            .map_err(stats)
    };
    Ok(Row {
        rank,
        participant: name.to_string(),
        bradley_terry: rated,
        elo,
        weng_lin_mu: weng_lin.mu,
        weng_lin_sigma: weng_lin.sigma,
        episodes: t.episodes,
        wins: t.wins,
        draws: t.draws,
        losses: t.losses,
        score: if games > 0.0 { points / games } else { 0.0 },
        score_interval: Bounds {
            lo: score.lo,
            hi: score.hi,
        },
        decisions: t.decisions,
        invalid_rate: ratio(t.rejected, attempts),
        reprompt_rate: ratio(t.reprompted, t.decisions),
        fallback_rate: ratio(t.fallbacks, t.decisions),
        forfeits: t.forfeits,
        forfeit_rate: ratio(t.forfeits, t.episodes),
        latency_p50_ms: percentile(50.0)?,
        latency_p95_ms: percentile(95.0)?,
        tokens_per_episode: per_episode(t.tokens as f64),
        tokens_per_win: (t.wins > 0).then(|| t.tokens as f64 / f64::from(t.wins)),
        cost_per_episode: per_episode(t.cost),
        cost_per_win: (t.wins > 0).then(|| t.cost / f64::from(t.wins)),
    })
}

fn distinct_agents(e: &EpisodeResult) -> usize {
    let mut agents: Vec<&str> = e.players.iter().map(|p| p.agent.as_str()).collect();
    agents.sort_unstable();
    agents.dedup();
    agents.len()
}

/// Big blinds per 100 hands, one sample per deal: a participant's chips over
/// the deal's mirrored episodes divided by the big blind and the hands it
/// played there. Averaging per deal keeps the duplicate structure: the
/// interval reflects how results vary between deals, with the luck inside a
/// deal cancelled.
fn poker_rows(
    rated: &[&EpisodeResult],
    names: &[String],
    index: &HashMap<&str, usize>,
    order: &[usize],
    confidence: f64,
) -> Result<Vec<PokerRow>, LeaderboardError> {
    // deal → participant → (chips in big blinds, hands)
    let mut deals: BTreeMap<String, BTreeMap<usize, (f64, u64)>> = BTreeMap::new();
    for e in rated.iter().filter(|e| e.game == "poker") {
        let Some(bb) = e
            .params
            .get("big_blind")
            .and_then(serde_json::Value::as_f64)
        else {
            continue;
        };
        let Some(hands) = e.hands_played.filter(|&h| h > 0) else {
            continue;
        };
        if bb <= 0.0 {
            continue;
        }
        let deal = deals.entry(e.deal_key()).or_default();
        for p in &e.players {
            let entry = deal.entry(index[p.agent.as_str()]).or_default();
            entry.0 += p.score.unwrap_or(0) as f64 / bb;
            entry.1 += u64::from(hands);
        }
    }
    let mut samples: BTreeMap<usize, (Vec<f64>, u64)> = BTreeMap::new();
    for deal in deals.values() {
        for (&who, &(bbs, hands)) in deal {
            let s = samples.entry(who).or_default();
            s.0.push(100.0 * bbs / hands as f64);
            s.1 += hands;
        }
    }
    let mut rows = Vec::new();
    for i in order {
        let Some((values, hands)) = samples.get(i) else {
            continue;
        };
        let mean = values.iter().sum::<f64>() / values.len() as f64;
        let interval = if values.len() >= 2 {
            let m = arena_stats::mean_interval(values, confidence).map_err(stats)?;
            Some(Bounds { lo: m.lo, hi: m.hi })
        } else {
            None
        };
        rows.push(PokerRow {
            participant: names[*i].clone(),
            deals: values.len(),
            hands: *hands,
            bb_per_100: mean,
            interval,
        });
    }
    Ok(rows)
}
