//! The static HTML report: `index.html` (leaderboards, charts, the list of
//! episodes), one replay page per episode under `episodes/`, the charts
//! under `charts/`, and `style.css` / `viewer.js`. It opens from disk with no
//! server and fetches nothing.
//!
//! Untrusted text (everything a model wrote, and names from configs) reaches
//! the pages in two ways only: through minijinja with HTML auto-escaping,
//! and as JSON inside a `<script type="application/json">` block with every
//! `<`, `>` and `&` written as a `\u` escape, which the viewer reads with
//! `JSON.parse` and shows with `textContent`. The pages also carry a
//! Content-Security-Policy that forbids inline scripts.

use std::fs;
use std::path::{Path, PathBuf};

use minijinja::{Environment, Value, context};
use serde::Serialize;

use crate::charts;
use crate::data::{Dataset, EpisodeReplay};
use crate::leaderboard::Leaderboard;

/// The marker file that says a folder holds a report this tool wrote (and
/// may therefore be rewritten).
pub const MARKER: &str = ".arena-report";

/// Why the report could not be written.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    /// The output folder holds something else.
    #[error(
        "{0} is not empty and holds no earlier report; choose another --out folder or empty this one"
    )]
    NotAReportFolder(PathBuf),
    /// A file could not be written.
    #[error("cannot write {path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// A chart could not be drawn.
    #[error(transparent)]
    Chart(#[from] charts::ChartError),
    /// A template failed (a bug).
    #[error("the report template failed: {0}")]
    Template(#[from] minijinja::Error),
    /// An episode could not be read for its replay page.
    #[error("episode {id}: {message}")]
    Episode {
        /// The episode.
        id: String,
        /// Why.
        message: String,
    },
}

/// What was written.
#[derive(Clone, Debug)]
pub struct Written {
    /// The report's front page.
    pub index: PathBuf,
    /// Replay pages written.
    pub episodes: usize,
}

#[derive(Serialize)]
struct ChartFiles {
    ratings: String,
    head_to_head: String,
    /// The charts with nothing to show are left out (`None`).
    invalid: Option<String>,
    latency: Option<String>,
    cost: Option<String>,
    reasoning: Option<String>,
}

#[derive(Serialize)]
struct EpisodeLink<'a> {
    href: String,
    id: &'a str,
    game: &'a str,
    status: &'a str,
    reason: Option<&'a str>,
    players: &'a [crate::data::PlayerResult],
}

/// Writes the report into `out`. `replay` is asked for each episode of
/// `data` in order (so a large database is read one episode at a time).
pub fn write_report<F>(
    out: &Path,
    data: &Dataset,
    boards: &[Leaderboard],
    mut replay: F,
) -> Result<Written, ReportError>
where
    F: FnMut(&str) -> Result<EpisodeReplay, String>,
{
    prepare(out)?;
    let io = |path: &Path| {
        let path = path.to_path_buf();
        move |source| ReportError::Io { path, source }
    };
    for dir in ["charts", "episodes"] {
        let d = out.join(dir);
        fs::create_dir_all(&d).map_err(io(&d))?;
    }
    let write = |name: &str, contents: &str| -> Result<(), ReportError> {
        let path = out.join(name);
        fs::write(&path, contents).map_err(io(&path))
    };
    write("style.css", include_str!("../assets/style.css"))?;
    write("viewer.js", include_str!("../assets/viewer.js"))?;

    let mut chart_files = Vec::new();
    for (i, board) in boards.iter().enumerate() {
        let name = |kind: &str| format!("charts/{i}-{kind}.svg");
        let files = ChartFiles {
            ratings: name("ratings"),
            head_to_head: name("head-to-head"),
            invalid: board
                .rows
                .iter()
                .any(|r| r.invalid_rate > 0.0 || r.fallback_rate > 0.0)
                .then(|| name("invalid")),
            latency: board
                .rows
                .iter()
                .any(|r| r.latency_p95_ms.is_some_and(|ms| ms > 0.0))
                .then(|| name("latency")),
            cost: board
                .rows
                .iter()
                .any(|r| r.cost_per_episode > 0.0)
                .then(|| name("cost")),
            reasoning: (!board.reasoning.is_empty()).then(|| name("reasoning")),
        };
        write(&files.ratings, &charts::ratings(board)?)?;
        write(&files.head_to_head, &charts::head_to_head(board)?)?;
        if let Some(f) = &files.invalid {
            write(f, &charts::invalid(board)?)?;
        }
        if let Some(f) = &files.latency {
            write(f, &charts::latency(board)?)?;
        }
        if let Some(f) = &files.cost {
            write(f, &charts::cost(board)?)?;
        }
        if let Some(f) = &files.reasoning {
            write(f, &charts::reasoning(board)?)?;
        }
        chart_files.push(files);
    }

    let mut env = Environment::new();
    env.add_template("index.html", include_str!("../templates/index.html"))?;
    env.add_template("episode.html", include_str!("../templates/episode.html"))?;

    let page = |i: usize| format!("{i:05}.html");
    let links: Vec<EpisodeLink<'_>> = data
        .episodes
        .iter()
        .enumerate()
        .map(|(i, e)| EpisodeLink {
            href: format!("episodes/{}", page(i)),
            id: &e.id,
            game: &e.game,
            status: &e.status,
            reason: e.reason.as_deref(),
            players: &e.players,
        })
        .collect();
    let index = env.get_template("index.html")?.render(context! {
        title => &data.title,
        source => &data.source,
        version => env!("CARGO_PKG_VERSION"),
        boards => boards,
        charts => &chart_files,
        episodes => &links,
    })?;
    write("index.html", &index)?;

    let episode_page = env.get_template("episode.html")?;
    let n = data.episodes.len();
    for (i, e) in data.episodes.iter().enumerate() {
        let replayed = replay(&e.id).map_err(|message| ReportError::Episode {
            id: e.id.clone(),
            message,
        })?;
        let html = episode_page.render(context! {
            id => &replayed.id,
            game => &replayed.game,
            seed => replayed.seed.to_string(),
            status => &replayed.status,
            reason => &replayed.reason,
            players => &replayed.players,
            prev => (i > 0).then(|| page(i - 1)),
            next => (i + 1 < n).then(|| page(i + 1)),
            data => Value::from_safe_string(script_json(&replayed)),
        })?;
        write(&format!("episodes/{}", page(i)), &html)?;
    }
    write(
        MARKER,
        "written by `runner report`; the folder may be rewritten by it\n",
    )?;
    Ok(Written {
        index: out.join("index.html"),
        episodes: n,
    })
}

/// Makes `out` ready: created when missing; an earlier report's files are
/// removed; anything else is refused untouched.
fn prepare(out: &Path) -> Result<(), ReportError> {
    let io = |path: &Path| {
        let path = path.to_path_buf();
        move |source| ReportError::Io { path, source }
    };
    match fs::read_dir(out) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            fs::create_dir_all(out).map_err(io(out))
        }
        Err(e) => Err(ReportError::Io {
            path: out.to_path_buf(),
            source: e,
        }),
        Ok(mut entries) => {
            if entries.next().is_none() {
                return Ok(());
            }
            if !out.join(MARKER).is_file() {
                return Err(ReportError::NotAReportFolder(out.to_path_buf()));
            }
            // Only what this writer makes is removed.
            for dir in ["charts", "episodes"] {
                let d = out.join(dir);
                if d.is_dir() {
                    fs::remove_dir_all(&d).map_err(io(&d))?;
                }
            }
            Ok(())
        }
    }
}

/// JSON that is safe inside a `<script>` element: no `<`, `>` or `&` can
/// close the element or open a comment, and the two line separators that
/// old parsers choke on are escaped too.
pub fn script_json<T: Serialize>(value: &T) -> String {
    let json = serde_json::to_string(value).unwrap_or_else(|_| "null".to_string());
    let mut out = String::with_capacity(json.len() + 16);
    for c in json.chars() {
        match c {
            '<' => out.push_str("\\u003c"),
            '>' => out.push_str("\\u003e"),
            '&' => out.push_str("\\u0026"),
            '\u{2028}' => out.push_str("\\u2028"),
            '\u{2029}' => out.push_str("\\u2029"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn script_json_cannot_close_the_script_element() {
        let s = script_json(&"</script><script>alert(1)</script> & <!--");
        assert!(
            !s.contains('<') && !s.contains('>') && !s.contains('&'),
            "{s}"
        );
        let back: String = serde_json::from_str(&s).unwrap();
        assert_eq!(back, "</script><script>alert(1)</script> & <!--");
    }

    #[test]
    fn a_folder_with_other_files_is_refused_untouched() {
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join("notes.txt"), "mine").unwrap();
        let err = prepare(dir.path()).unwrap_err();
        assert!(matches!(err, ReportError::NotAReportFolder(_)), "{err}");
        assert_eq!(
            fs::read_to_string(dir.path().join("notes.txt")).unwrap(),
            "mine"
        );
    }
}
