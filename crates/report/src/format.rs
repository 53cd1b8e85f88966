//! Leaderboards as text: an aligned terminal table, Markdown, CSV and JSON.

use std::fmt::Write as _;

use crate::leaderboard::{Leaderboard, Row};

/// The text formats of `runner leaderboard`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// An aligned table for the terminal.
    Table,
    /// A GitHub-flavoured Markdown table.
    Markdown,
    /// One CSV row per participant and scope.
    Csv,
    /// The whole leaderboards as JSON.
    Json,
}

impl std::str::FromStr for Format {
    type Err = String;

    fn from_str(s: &str) -> Result<Format, String> {
        match s {
            "table" => Ok(Format::Table),
            "markdown" | "md" => Ok(Format::Markdown),
            "csv" => Ok(Format::Csv),
            "json" => Ok(Format::Json),
            other => Err(format!(
                "unknown leaderboard format {other:?}; use table, markdown, csv or json"
            )),
        }
    }
}

const HEADERS: [&str; 12] = [
    "#",
    "participant",
    "rating (BT)",
    "CI",
    "Elo",
    "Weng-Lin",
    "games",
    "W-D-L",
    "score (Wilson CI)",
    "invalid",
    "latency p50/p95",
    "cost/episode",
];

fn cells(r: &Row) -> Vec<String> {
    vec![
        r.rank.to_string(),
        r.participant.clone(),
        format!("{:.0}", r.bradley_terry.rating),
        format!("[{:.0}, {:.0}]", r.bradley_terry.lo, r.bradley_terry.hi),
        format!("{:.0}", r.elo),
        format!("{:.1}±{:.1}", r.weng_lin_mu, r.weng_lin_sigma),
        r.episodes.to_string(),
        format!("{}-{}-{}", r.wins, r.draws, r.losses),
        format!(
            "{:.1}% [{:.1}, {:.1}]",
            100.0 * r.score,
            100.0 * r.score_interval.lo,
            100.0 * r.score_interval.hi
        ),
        format!("{:.1}%", 100.0 * r.invalid_rate),
        match (r.latency_p50_ms, r.latency_p95_ms) {
            (Some(a), Some(b)) => format!("{} / {} ms", ms(a), ms(b)),
            _ => "-".to_string(),
        },
        format!("${:.4}", r.cost_per_episode),
    ]
}

fn ms(x: f64) -> String {
    if x < 10.0 {
        format!("{x:.2}")
    } else {
        format!("{x:.0}")
    }
}

/// Renders the leaderboards in `format`.
pub fn render(boards: &[Leaderboard], format: Format) -> String {
    match format {
        Format::Table => boards.iter().map(table).collect::<Vec<_>>().join("\n"),
        Format::Markdown => boards.iter().map(markdown).collect::<Vec<_>>().join("\n"),
        Format::Csv => csv(boards),
        Format::Json => {
            let mut s = serde_json::to_string_pretty(boards).unwrap_or_else(|e| {
                // Leaderboards hold only numbers and strings; this cannot fail.
                format!("{{\"error\": \"{e}\"}}")
            });
            s.push('\n');
            s
        }
    }
}

fn caption(b: &Leaderboard) -> String {
    format!(
        "{} — {} rated episodes in {} deals{}; ratings: Bradley–Terry (Elo scale) with {:.0}% bootstrap intervals",
        b.scope,
        b.rated_episodes,
        b.deals,
        if b.excluded_episodes > 0 {
            format!(
                " ({} more not rated: unfinished or self-play)",
                b.excluded_episodes
            )
        } else {
            String::new()
        },
        100.0 * b.confidence
    )
}

fn table(b: &Leaderboard) -> String {
    let rows: Vec<Vec<String>> = b.rows.iter().map(cells).collect();
    let mut widths: Vec<usize> = HEADERS.iter().map(|h| h.chars().count()).collect();
    for r in &rows {
        for (w, c) in widths.iter_mut().zip(r) {
            *w = (*w).max(c.chars().count());
        }
    }
    let mut out = String::new();
    let _ = writeln!(out, "{}", caption(b));
    let line = |cells: &[String]| -> String {
        let parts: Vec<String> = cells
            .iter()
            .zip(&widths)
            .enumerate()
            .map(|(i, (c, w))| {
                let pad = w - c.chars().count();
                // Names to the left, numbers to the right.
                if i == 1 {
                    format!("{c}{}", " ".repeat(pad))
                } else {
                    format!("{}{c}", " ".repeat(pad))
                }
            })
            .collect();
        parts.join("  ").trim_end().to_string()
    };
    let headers: Vec<String> = HEADERS.iter().map(|h| h.to_string()).collect();
    let _ = writeln!(out, "{}", line(&headers));
    for r in &rows {
        let _ = writeln!(out, "{}", line(r));
    }
    for p in &b.poker {
        let _ = writeln!(
            out,
            "poker: {} {:+.1} bb/100 {} over {} deals, {} hands",
            p.participant,
            p.bb_per_100,
            poker_interval(p),
            p.deals,
            p.hands
        );
    }
    out
}

fn poker_interval(p: &crate::leaderboard::PokerRow) -> String {
    match p.interval {
        Some(b) => format!("[{:+.1}, {:+.1}]", b.lo, b.hi),
        None => "(one deal: no interval)".to_string(),
    }
}

/// Markdown cells: `|` would end a cell.
fn md(s: &str) -> String {
    s.replace('|', "\\|").replace('\n', " ")
}

fn markdown(b: &Leaderboard) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "### {}\n\n{}\n", md(&b.scope), md(&caption(b)));
    let _ = writeln!(out, "| {} |", HEADERS.join(" | "));
    let _ = writeln!(
        out,
        "|{}",
        HEADERS
            .iter()
            .enumerate()
            .map(|(i, _)| if i == 1 { " --- |" } else { " ---: |" })
            .collect::<String>()
    );
    for r in &b.rows {
        let c: Vec<String> = cells(r).iter().map(|c| md(c)).collect();
        let _ = writeln!(out, "| {} |", c.join(" | "));
    }
    if !b.poker.is_empty() {
        let _ = writeln!(
            out,
            "\n| participant | bb/100 | CI | deals | hands |\n| --- | ---: | ---: | ---: | ---: |"
        );
        for p in &b.poker {
            let _ = writeln!(
                out,
                "| {} | {:+.1} | {} | {} | {} |",
                md(&p.participant),
                p.bb_per_100,
                poker_interval(p),
                p.deals,
                p.hands
            );
        }
    }
    out
}

fn csv(boards: &[Leaderboard]) -> String {
    let mut out = String::from(
        "scope,rank,participant,bt_rating,bt_lo,bt_hi,elo,weng_lin_mu,weng_lin_sigma,episodes,wins,draws,losses,score,score_lo,score_hi,decisions,invalid_rate,reprompt_rate,fallback_rate,forfeits,latency_p50_ms,latency_p95_ms,tokens_per_episode,tokens_per_win,cost_per_episode,cost_per_win\n",
    );
    let opt = |x: Option<f64>| x.map(|v| v.to_string()).unwrap_or_default();
    for b in boards {
        for r in &b.rows {
            let fields = [
                b.scope.clone(),
                r.rank.to_string(),
                r.participant.clone(),
                r.bradley_terry.rating.to_string(),
                r.bradley_terry.lo.to_string(),
                r.bradley_terry.hi.to_string(),
                r.elo.to_string(),
                r.weng_lin_mu.to_string(),
                r.weng_lin_sigma.to_string(),
                r.episodes.to_string(),
                r.wins.to_string(),
                r.draws.to_string(),
                r.losses.to_string(),
                r.score.to_string(),
                r.score_interval.lo.to_string(),
                r.score_interval.hi.to_string(),
                r.decisions.to_string(),
                r.invalid_rate.to_string(),
                r.reprompt_rate.to_string(),
                r.fallback_rate.to_string(),
                r.forfeits.to_string(),
                opt(r.latency_p50_ms),
                opt(r.latency_p95_ms),
                r.tokens_per_episode.to_string(),
                opt(r.tokens_per_win),
                r.cost_per_episode.to_string(),
                opt(r.cost_per_win),
            ];
            let quoted: Vec<String> = fields.iter().map(|f| csv_field(f)).collect();
            out.push_str(&quoted.join(","));
            out.push('\n');
        }
    }
    out
}

fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}
