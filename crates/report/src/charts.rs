//! The report's charts as SVG, drawn with plotters (no fonts needed: text
//! is left to the browser). Every chart is a standalone `<svg>` string that
//! the report writes next to its pages.

use plotters::prelude::*;

use crate::leaderboard::Leaderboard;

/// A chart failed to draw (plotters' error, as text).
#[derive(Debug, thiserror::Error)]
#[error("a chart could not be drawn: {0}")]
pub struct ChartError(String);

fn err<E: std::fmt::Debug>(e: E) -> ChartError {
    ChartError(format!("{e:?}"))
}

const ROW: u32 = 28;
const FONT: (&str, u32) = ("sans-serif", 13);
const BLUE: RGBColor = RGBColor(0x1f, 0x5f, 0xa8);
const ORANGE: RGBColor = RGBColor(0xd9, 0x6b, 0x1c);
const PALETTE: [RGBColor; 7] = [
    RGBColor(0x1f, 0x5f, 0xa8),
    RGBColor(0xd9, 0x6b, 0x1c),
    RGBColor(0x2e, 0x8b, 0x57),
    RGBColor(0xb0, 0x30, 0x60),
    RGBColor(0x7a, 0x5c, 0xb8),
    RGBColor(0x8c, 0x6d, 0x31),
    RGBColor(0x99, 0x99, 0x99),
];

/// Left margin wide enough for the longest name (plotters' naive font
/// metrics are an estimate; this errs wide).
fn label_width(names: &[&str]) -> u32 {
    let longest = names.iter().map(|n| n.chars().count()).max().unwrap_or(8) as u32;
    (longest.min(48) * 8 + 16).max(80)
}

fn shorten(name: &str) -> String {
    let chars: Vec<char> = name.chars().collect();
    if chars.len() <= 48 {
        name.to_string()
    } else {
        let tail: String = chars[chars.len() - 45..].iter().collect();
        format!("…{tail}")
    }
}

/// Bradley–Terry ratings as points with their confidence intervals, best at
/// the top.
pub fn ratings(board: &Leaderboard) -> Result<String, ChartError> {
    let names: Vec<String> = board.rows.iter().map(|r| shorten(&r.participant)).collect();
    let n = names.len();
    let lo = board
        .rows
        .iter()
        .map(|r| r.bradley_terry.lo)
        .fold(f64::INFINITY, f64::min);
    let hi = board
        .rows
        .iter()
        .map(|r| r.bradley_terry.hi)
        .fold(f64::NEG_INFINITY, f64::max);
    let pad = ((hi - lo) * 0.08).max(10.0);
    let (x0, x1) = (lo - pad, hi + pad);
    let height = 70 + ROW * n as u32;
    let refs: Vec<&str> = names.iter().map(String::as_str).collect();
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (760, height)).into_drawing_area();
        root.fill(&WHITE).map_err(err)?;
        let mut chart = ChartBuilder::on(&root)
            .margin(10)
            .x_label_area_size(36)
            .y_label_area_size(label_width(&refs))
            .build_cartesian_2d(x0..x1, -0.5..(n as f64 - 0.5))
            .map_err(err)?;
        chart
            .configure_mesh()
            .disable_y_mesh()
            .y_labels(n.max(1))
            .y_label_formatter(&|y| label_at(&names, n, *y))
            .x_label_formatter(&|x| format!("{x:.0}"))
            .x_desc("rating (Elo scale)")
            .label_style(FONT)
            .draw()
            .map_err(err)?;
        for (i, r) in board.rows.iter().enumerate() {
            let y = (n - 1 - i) as f64;
            let b = r.bradley_terry;
            chart
                .draw_series(std::iter::once(ErrorBar::new_horizontal(
                    y,
                    b.lo,
                    b.rating,
                    b.hi,
                    BLUE.stroke_width(2),
                    10,
                )))
                .map_err(err)?;
            chart
                .draw_series(std::iter::once(Circle::new(
                    (b.rating, y),
                    5,
                    BLUE.filled(),
                )))
                .map_err(err)?;
        }
        root.present().map_err(err)?;
    }
    Ok(svg)
}

/// The name for the tick at `y` (rows are drawn best at the top).
fn label_at(names: &[String], n: usize, y: f64) -> String {
    let r = y.round();
    if (y - r).abs() > 0.01 || r < 0.0 || r as usize >= n {
        return String::new();
    }
    names[n - 1 - r as usize].clone()
}

/// The head-to-head matrix as a heatmap: row participant's score against
/// the column participant, green for winning, red for losing.
pub fn head_to_head(board: &Leaderboard) -> Result<String, ChartError> {
    let names: Vec<String> = board.rows.iter().map(|r| shorten(&r.participant)).collect();
    let n = names.len();
    let refs: Vec<&str> = names.iter().map(String::as_str).collect();
    let cell = 56u32;
    let left = label_width(&refs);
    let width = left + 30 + cell * n as u32;
    let height = 60 + cell * n as u32;
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (width, height)).into_drawing_area();
        root.fill(&WHITE).map_err(err)?;
        let mut chart = ChartBuilder::on(&root)
            .margin(10)
            .x_label_area_size(30)
            .y_label_area_size(left)
            .build_cartesian_2d(-0.5..(n as f64 - 0.5), -0.5..(n as f64 - 0.5))
            .map_err(err)?;
        // Column labels are ranks (names would collide); the row labels and
        // the table below name them.
        chart
            .configure_mesh()
            .disable_mesh()
            .x_labels(n.max(1))
            .y_labels(n.max(1))
            .x_label_formatter(&|x| {
                let r = x.round();
                if (x - r).abs() < 0.01 && r >= 0.0 && (r as usize) < n {
                    format!("#{}", r as usize + 1)
                } else {
                    String::new()
                }
            })
            .y_label_formatter(&|y| label_at(&names, n, *y))
            .x_desc("opponent (rank)")
            .label_style(FONT)
            .draw()
            .map_err(err)?;
        for (i, row) in board.head_to_head.iter().enumerate() {
            for (j, h) in row.iter().enumerate() {
                let (x, y) = (j as f64, (n - 1 - i) as f64);
                let (fill, label) = match h {
                    Some(h) => (
                        score_colour(h.score()),
                        format!("{:.0}%", 100.0 * h.score()),
                    ),
                    None => (RGBColor(0xee, 0xee, 0xee), String::new()),
                };
                chart
                    .draw_series(std::iter::once(Rectangle::new(
                        [(x - 0.48, y - 0.48), (x + 0.48, y + 0.48)],
                        fill.filled(),
                    )))
                    .map_err(err)?;
                if !label.is_empty() {
                    let (px, py) = chart.backend_coord(&(x, y));
                    root.draw(&Text::new(
                        label,
                        (px - 14, py - 7),
                        FONT.into_font().color(&BLACK),
                    ))
                    .map_err(err)?;
                }
            }
        }
        root.present().map_err(err)?;
    }
    Ok(svg)
}

/// Red (0) through white (0.5) to green (1).
fn score_colour(score: f64) -> RGBColor {
    let s = score.clamp(0.0, 1.0);
    let mix =
        |a: u8, b: u8, t: f64| (f64::from(a) + (f64::from(b) - f64::from(a)) * t).round() as u8;
    if s < 0.5 {
        let t = s / 0.5;
        RGBColor(mix(0xe0, 0xff, t), mix(0x6c, 0xff, t), mix(0x6c, 0xff, t))
    } else {
        let t = (s - 0.5) / 0.5;
        RGBColor(mix(0xff, 0x5a, t), mix(0xff, 0xb8, t), mix(0xff, 0x6e, t))
    }
}

/// One series of a bar chart: its legend, colour and value per row.
type Series<'a> = (
    &'a str,
    RGBColor,
    &'a dyn Fn(&crate::leaderboard::Row) -> Option<f64>,
);

/// Horizontal bars, one per participant, for one or two series.
fn bars(board: &Leaderboard, series: &[Series<'_>], axis: &str) -> Result<String, ChartError> {
    let names: Vec<String> = board.rows.iter().map(|r| shorten(&r.participant)).collect();
    let n = names.len();
    let refs: Vec<&str> = names.iter().map(String::as_str).collect();
    let max = board
        .rows
        .iter()
        .flat_map(|r| series.iter().filter_map(move |s| (s.2)(r)))
        .fold(0.0f64, f64::max);
    let x1 = if max > 0.0 { max * 1.1 } else { 1.0 };
    let height = 80 + ROW * n as u32;
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (760, height)).into_drawing_area();
        root.fill(&WHITE).map_err(err)?;
        let mut chart = ChartBuilder::on(&root)
            .margin(10)
            .x_label_area_size(36)
            .y_label_area_size(label_width(&refs))
            .build_cartesian_2d(0.0..x1, -0.5..(n as f64 - 0.5))
            .map_err(err)?;
        chart
            .configure_mesh()
            .disable_y_mesh()
            .y_labels(n.max(1))
            .y_label_formatter(&|y| label_at(&names, n, *y))
            .x_desc(axis)
            .label_style(FONT)
            .draw()
            .map_err(err)?;
        let k = series.len() as f64;
        let band = 0.7 / k;
        for (si, (label, colour, value)) in series.iter().enumerate() {
            let rects = board.rows.iter().enumerate().filter_map(|(i, r)| {
                let v = value(r)?;
                let y = (n - 1 - i) as f64 + 0.35 - band * (si as f64 + 1.0);
                Some(Rectangle::new(
                    [(0.0, y), (v, y + band * 0.9)],
                    colour.filled(),
                ))
            });
            chart
                .draw_series(rects)
                .map_err(err)?
                .label(*label)
                .legend(move |(x, y)| {
                    Rectangle::new([(x, y - 5), (x + 12, y + 5)], colour.filled())
                });
        }
        if series.len() > 1 {
            chart
                .configure_series_labels()
                .background_style(WHITE.mix(0.9))
                .border_style(BLACK.mix(0.3))
                .label_font(FONT)
                .position(SeriesLabelPosition::LowerRight)
                .draw()
                .map_err(err)?;
        }
        root.present().map_err(err)?;
    }
    Ok(svg)
}

/// Invalid attempts and fallbacks per participant, in percent.
pub fn invalid(board: &Leaderboard) -> Result<String, ChartError> {
    bars(
        board,
        &[
            ("invalid attempts", ORANGE, &|r| {
                Some(100.0 * r.invalid_rate)
            }),
            ("random fallbacks", BLUE, &|r| Some(100.0 * r.fallback_rate)),
        ],
        "% of attempts / of decisions",
    )
}

/// Decision latency p50 and p95 per participant, milliseconds.
pub fn latency(board: &Leaderboard) -> Result<String, ChartError> {
    bars(
        board,
        &[
            ("p50", BLUE, &|r| r.latency_p50_ms),
            ("p95", ORANGE, &|r| r.latency_p95_ms),
        ],
        "decision latency (ms)",
    )
}

/// Cost per episode per participant, US dollars.
pub fn cost(board: &Leaderboard) -> Result<String, ChartError> {
    bars(
        board,
        &[("cost per episode", BLUE, &|r| Some(r.cost_per_episode))],
        "US$ per episode",
    )
}

/// The share of each reasoning category per participant, stacked.
pub fn reasoning(board: &Leaderboard) -> Result<String, ChartError> {
    let names: Vec<String> = board
        .reasoning
        .iter()
        .map(|r| shorten(&r.participant))
        .collect();
    let n = names.len();
    let refs: Vec<&str> = names.iter().map(String::as_str).collect();
    let height = 120 + ROW * n as u32;
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (760, height)).into_drawing_area();
        root.fill(&WHITE).map_err(err)?;
        let mut chart = ChartBuilder::on(&root)
            .margin(10)
            .x_label_area_size(36)
            .y_label_area_size(label_width(&refs))
            .build_cartesian_2d(0.0..100.0, -0.5..(n as f64 - 0.5))
            .map_err(err)?;
        chart
            .configure_mesh()
            .disable_y_mesh()
            .y_labels(n.max(1))
            .y_label_formatter(&|y| label_at(&names, n, *y))
            .x_desc("% of reasoned moves")
            .label_style(FONT)
            .draw()
            .map_err(err)?;
        let categories = board.reasoning.first().map_or(0, |r| r.shares.len());
        for c in 0..categories {
            let colour = PALETTE[c % PALETTE.len()];
            let label = board.reasoning[0].shares[c].0.clone();
            let rects = board.reasoning.iter().enumerate().map(|(i, r)| {
                let start: f64 = r.shares[..c].iter().map(|s| 100.0 * s.1).sum();
                let y = (n - 1 - i) as f64;
                Rectangle::new(
                    [(start, y - 0.3), (start + 100.0 * r.shares[c].1, y + 0.3)],
                    colour.filled(),
                )
            });
            chart
                .draw_series(rects)
                .map_err(err)?
                .label(label)
                .legend(move |(x, y)| {
                    Rectangle::new([(x, y - 5), (x + 12, y + 5)], colour.filled())
                });
        }
        chart
            .configure_series_labels()
            .background_style(WHITE.mix(0.9))
            .border_style(BLACK.mix(0.3))
            .label_font(FONT)
            .position(SeriesLabelPosition::UpperRight)
            .draw()
            .map_err(err)?;
        root.present().map_err(err)?;
    }
    Ok(svg)
}
