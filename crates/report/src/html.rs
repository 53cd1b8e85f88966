//! The report's pages: the front page (leaderboards, charts, the list of
//! episodes), one replay page per episode, the charts and the two assets.
//! Each is rendered in memory ([`render_index`], [`render_episode`],
//! [`chart_svg`], [`STYLE_CSS`], [`VIEWER_JS`]) from one set of templates,
//! for two sites ([`Site`]): the report folder that [`write_report`] writes
//! and that opens from disk with no server, and the pages `runner serve`
//! answers with, which add a progress panel ([`render_progress`]).
//!
//! Untrusted text (everything a model wrote, and names from configs) reaches
//! the pages in two ways only: through minijinja with HTML auto-escaping,
//! and as JSON inside a `<script type="application/json">` block with every
//! `<`, `>` and `&` written as a `\u` escape, which the viewer reads with
//! `JSON.parse` and shows with `textContent`. The pages also carry a
//! Content-Security-Policy that forbids inline scripts.

use std::fs;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use minijinja::{Environment, Value, context};
use serde::Serialize;

use crate::charts;
use crate::data::{Dataset, EpisodeReplay, PlayChoices, PlayView, Progress};
use crate::leaderboard::Leaderboard;

/// The marker file that says a folder holds a report this tool wrote (and
/// may therefore be rewritten).
pub const MARKER: &str = ".arena-report";

/// The stylesheet of every page (`style.css`).
pub const STYLE_CSS: &str = include_str!("../assets/style.css");

/// The replay viewer (`viewer.js`).
pub const VIEWER_JS: &str = include_str!("../assets/viewer.js");

/// The live progress panel's poller (`progress.js`, served pages only).
pub const PROGRESS_JS: &str = include_str!("../assets/progress.js");

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

/// Where the pages live, which decides how they link to each other.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Site {
    /// The report folder, opened from disk: relative links, and episodes by
    /// their position in the list (`episodes/00003.html`), so the file names
    /// stay plain whatever the ids hold.
    Folder,
    /// The pages of `runner serve`: links from the server's root, episodes
    /// by id (`/episodes/<id>`, so a link stays right while new episodes
    /// finish), and the progress panel that polls `/api/progress`.
    Server,
}

impl Site {
    /// The path of an episode's replay page, relative to the site's root.
    pub fn episode_path(self, position: usize, id: &str) -> String {
        match self {
            Site::Folder => format!("episodes/{position:05}.html"),
            Site::Server => format!("episodes/{}", encode_path(id)),
        }
    }

    /// The prefix that leads from a page to the site's root: a replay page
    /// of the folder sits one level down.
    fn root(self, replay_page: bool) -> &'static str {
        match (self, replay_page) {
            (Site::Folder, false) => "",
            (Site::Folder, true) => "../",
            (Site::Server, _) => "/",
        }
    }
}

/// The charts drawn for each leaderboard.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ChartKind {
    /// Bradley–Terry ratings with their intervals.
    Ratings,
    /// The head-to-head heatmap.
    HeadToHead,
    /// Invalid attempts and fallbacks.
    Invalid,
    /// Decision latency.
    Latency,
    /// Cost per episode.
    Cost,
    /// Reasoning categories.
    Reasoning,
}

impl ChartKind {
    /// Every kind, in the order the page shows them.
    pub const ALL: [ChartKind; 6] = [
        ChartKind::Ratings,
        ChartKind::HeadToHead,
        ChartKind::Invalid,
        ChartKind::Latency,
        ChartKind::Cost,
        ChartKind::Reasoning,
    ];

    /// The kind's part of a chart's file name.
    pub fn name(self) -> &'static str {
        match self {
            ChartKind::Ratings => "ratings",
            ChartKind::HeadToHead => "head-to-head",
            ChartKind::Invalid => "invalid",
            ChartKind::Latency => "latency",
            ChartKind::Cost => "cost",
            ChartKind::Reasoning => "reasoning",
        }
    }

    /// Whether the board has something to draw in this chart (the ratings
    /// and the heatmap always do; the others are left out when empty).
    pub fn applies(self, board: &Leaderboard) -> bool {
        match self {
            ChartKind::Ratings | ChartKind::HeadToHead => true,
            ChartKind::Invalid => board
                .rows
                .iter()
                .any(|r| r.invalid_rate > 0.0 || r.fallback_rate > 0.0),
            ChartKind::Latency => board
                .rows
                .iter()
                .any(|r| r.latency_p95_ms.is_some_and(|ms| ms > 0.0)),
            ChartKind::Cost => board.rows.iter().any(|r| r.cost_per_episode > 0.0),
            ChartKind::Reasoning => !board.reasoning.is_empty(),
        }
    }
}

/// The path of a board's chart relative to the site's root:
/// `charts/<scope>-<kind>.svg`, the scope being `all` or the game.
pub fn chart_path(board: &Leaderboard, kind: ChartKind) -> String {
    format!(
        "charts/{}-{}.svg",
        // One file name: a `/` in a game's name must not make a folder.
        encode(&scope_name(board), false),
        kind.name()
    )
}

/// The board and chart a chart file name (`<scope>-<kind>.svg`, as
/// [`chart_path`] writes it) stands for.
pub fn find_chart<'a>(
    boards: &'a [Leaderboard],
    file: &str,
) -> Option<(&'a Leaderboard, ChartKind)> {
    let stem = file.strip_suffix(".svg")?;
    let kind = ChartKind::ALL
        .into_iter()
        .find(|k| stem.ends_with(&format!("-{}", k.name())))?;
    let scope = &stem[..stem.len() - kind.name().len() - 1];
    let board = boards.iter().find(|b| scope_name(b) == scope)?;
    kind.applies(board).then_some((board, kind))
}

/// Draws one chart of a board as a standalone SVG document.
pub fn chart_svg(board: &Leaderboard, kind: ChartKind) -> Result<String, charts::ChartError> {
    match kind {
        ChartKind::Ratings => charts::ratings(board),
        ChartKind::HeadToHead => charts::head_to_head(board),
        ChartKind::Invalid => charts::invalid(board),
        ChartKind::Latency => charts::latency(board),
        ChartKind::Cost => charts::cost(board),
        ChartKind::Reasoning => charts::reasoning(board),
    }
}

fn scope_name(board: &Leaderboard) -> String {
    board.game.clone().unwrap_or_else(|| "all".to_string())
}

/// What the front page shows.
#[derive(Clone, Copy, Debug)]
pub struct IndexPage<'a> {
    /// Which site the page belongs to.
    pub site: Site,
    /// The episodes, in the order they are listed.
    pub data: &'a Dataset,
    /// The leaderboards, every game first.
    pub boards: &'a [Leaderboard],
    /// Why a scope has no leaderboard (yet): shown under the boards.
    pub notes: &'a [String],
    /// The runs' progress, shown at the top (served pages only).
    pub progress: Option<&'a Progress>,
}

/// A neighbouring episode, for a replay page's previous/next links.
#[derive(Clone, Copy, Debug)]
pub struct EpisodeRef<'a> {
    /// Its position in the front page's list.
    pub position: usize,
    /// Its id.
    pub id: &'a str,
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

/// Renders the front page.
pub fn render_index(page: &IndexPage<'_>) -> Result<String, ReportError> {
    let root = page.site.root(false);
    let chart = |board: &Leaderboard, kind: ChartKind| {
        kind.applies(board)
            .then(|| format!("{root}{}", chart_path(board, kind)))
    };
    let chart_files: Vec<ChartFiles> = page
        .boards
        .iter()
        .map(|b| ChartFiles {
            ratings: format!("{root}{}", chart_path(b, ChartKind::Ratings)),
            head_to_head: format!("{root}{}", chart_path(b, ChartKind::HeadToHead)),
            invalid: chart(b, ChartKind::Invalid),
            latency: chart(b, ChartKind::Latency),
            cost: chart(b, ChartKind::Cost),
            reasoning: chart(b, ChartKind::Reasoning),
        })
        .collect();
    let links: Vec<EpisodeLink<'_>> = page
        .data
        .episodes
        .iter()
        .enumerate()
        .map(|(i, e)| EpisodeLink {
            href: format!("{root}{}", page.site.episode_path(i, &e.id)),
            id: &e.id,
            game: &e.game,
            status: &e.status,
            reason: e.reason.as_deref(),
            players: &e.players,
        })
        .collect();
    Ok(environment().get_template("index.html")?.render(context! {
        live => page.site == Site::Server,
        root => root,
        title => &page.data.title,
        source => &page.data.source,
        version => env!("CARGO_PKG_VERSION"),
        boards => page.boards,
        notes => page.notes,
        charts => &chart_files,
        episodes => &links,
        progress => page.progress,
    })?)
}

/// Renders an episode's replay page; `prev` and `next` are its neighbours
/// in the front page's list.
pub fn render_episode(
    site: Site,
    replay: &EpisodeReplay,
    prev: Option<EpisodeRef<'_>>,
    next: Option<EpisodeRef<'_>>,
) -> Result<String, ReportError> {
    let root = site.root(true);
    let href = |e: EpisodeRef<'_>| format!("{root}{}", site.episode_path(e.position, e.id));
    Ok(environment()
        .get_template("episode.html")?
        .render(context! {
            live => site == Site::Server,
            root => root,
            id => &replay.id,
            game => &replay.game,
            seed => replay.seed.to_string(),
            status => &replay.status,
            reason => &replay.reason,
            players => &replay.players,
            prev => prev.map(href),
            next => next.map(href),
            data => Value::from_safe_string(script_json(replay)),
        })?)
}

/// Renders the progress page of `runner serve`.
pub fn render_progress(title: &str, progress: &Progress) -> Result<String, ReportError> {
    Ok(environment()
        .get_template("progress.html")?
        .render(context! {
            live => true,
            root => Site::Server.root(false),
            title => title,
            progress => progress,
        })?)
}

/// Renders the form of `/play`, where a person picks a game and an
/// opponent.
pub fn render_play_form(choices: &PlayChoices) -> Result<String, ReportError> {
    Ok(environment().get_template("play.html")?.render(context! {
        live => true,
        root => Site::Server.root(false),
        choices => choices,
    })?)
}

/// Renders the page of a game a person plays; while the other seats move
/// it reloads itself every second (a `refresh` meta element: no script).
pub fn render_play(view: &PlayView) -> Result<String, ReportError> {
    let root = Site::Server.root(false);
    Ok(environment()
        .get_template("play_game.html")?
        .render(context! {
            live => true,
            root => root,
            refresh => view.phase == "thinking",
            replay => format!("{root}{}", Site::Server.episode_path(0, &view.episode_id)),
            play => view,
        })?)
}

/// The templates, parsed once.
fn environment() -> &'static Environment<'static> {
    static ENV: OnceLock<Environment<'static>> = OnceLock::new();
    ENV.get_or_init(|| {
        let mut env = Environment::new();
        // The templates are part of the build: a syntax error is caught by
        // the unit tests, never by a user.
        for (name, source) in [
            ("index.html", include_str!("../templates/index.html")),
            ("episode.html", include_str!("../templates/episode.html")),
            ("progress.html", include_str!("../templates/progress.html")),
            ("head.html", include_str!("../templates/head.html")),
            ("play.html", include_str!("../templates/play.html")),
            (
                "play_game.html",
                include_str!("../templates/play_game.html"),
            ),
            (
                "progress_panel.html",
                include_str!("../templates/progress_panel.html"),
            ),
        ] {
            if let Err(e) = env.add_template(name, source) {
                panic!("the report template {name} does not parse: {e}");
            }
        }
        env
    })
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
    write("style.css", STYLE_CSS)?;
    write("viewer.js", VIEWER_JS)?;
    for board in boards {
        for kind in ChartKind::ALL {
            if kind.applies(board) {
                write(&chart_path(board, kind), &chart_svg(board, kind)?)?;
            }
        }
    }
    let index = render_index(&IndexPage {
        site: Site::Folder,
        data,
        boards,
        notes: &[],
        progress: None,
    })?;
    write("index.html", &index)?;

    let episodes = &data.episodes;
    let neighbour = |i: usize| EpisodeRef {
        position: i,
        id: &episodes[i].id,
    };
    for (i, e) in episodes.iter().enumerate() {
        let replayed = replay(&e.id).map_err(|message| ReportError::Episode {
            id: e.id.clone(),
            message,
        })?;
        let html = render_episode(
            Site::Folder,
            &replayed,
            i.checked_sub(1).map(neighbour),
            (i + 1 < episodes.len()).then(|| neighbour(i + 1)),
        )?;
        write(&Site::Folder.episode_path(i, &e.id), &html)?;
    }
    write(
        MARKER,
        "written by `runner report`; the folder may be rewritten by it\n",
    )?;
    Ok(Written {
        index: out.join("index.html"),
        episodes: episodes.len(),
    })
}

/// Percent-encodes a path: every byte but ASCII letters, digits, `-`, `_`,
/// `.`, `~` and `/` (so an episode id's `/` stay path separators).
pub fn encode_path(text: &str) -> String {
    encode(text, true)
}

/// Percent-encodes `text` for a URL path; `/` is kept when `keep_slash`.
fn encode(text: &str, keep_slash: bool) -> String {
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        if b.is_ascii_alphanumeric()
            || matches!(b, b'-' | b'_' | b'.' | b'~')
            || (keep_slash && b == b'/')
        {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
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

    fn dataset() -> Dataset {
        use crate::data::{EpisodeResult, PlayerResult, SeatStats};
        let player = |seat: u32, agent: &str, score: i64| PlayerResult {
            seat,
            agent: agent.to_string(),
            model: None,
            score: Some(score),
            outcome: Some(if score > 0 { "win" } else { "loss" }.to_string()),
            stats: SeatStats::default(),
        };
        Dataset {
            title: "<b>run</b>".into(),
            source: "memory".into(),
            episodes: (0..4u32)
                .map(|i| EpisodeResult {
                    id: format!("r <x>/0/{i}"),
                    run_id: "r <x>".into(),
                    game: if i < 2 { "tic_tac_toe" } else { "connect_four" }.into(),
                    params: serde_json::json!({}),
                    seed: u64::from(i),
                    status: "completed".into(),
                    reason: None,
                    players: vec![player(0, "a<script>", 1), player(1, "b", -1)],
                    hands_played: None,
                })
                .collect(),
        }
    }

    fn replay() -> EpisodeReplay {
        EpisodeReplay {
            id: "r/0/1".into(),
            run_id: "r".into(),
            game: "tic_tac_toe".into(),
            params: serde_json::json!({}),
            seed: 1,
            status: "running".into(),
            reason: None,
            players: vec![],
            initial: Default::default(),
            steps: vec![],
        }
    }

    #[test]
    fn both_sites_render_from_the_same_templates() {
        let data = dataset();
        let boards = crate::leaderboards(&data, &crate::Options::default()).unwrap();
        let folder = render_index(&IndexPage {
            site: Site::Folder,
            data: &data,
            boards: &boards,
            notes: &[],
            progress: None,
        })
        .unwrap();
        // minijinja's escaping writes `/` in attribute values as `&#x2f;`.
        let unslash = |page: String| page.replace("&#x2f;", "/");
        let folder = unslash(folder);
        assert!(folder.contains(r#"href="style.css""#), "{folder}");
        assert!(folder.contains(r#"href="episodes/00003.html""#));
        assert!(folder.contains(r#"src="charts/all-ratings.svg""#));
        assert!(folder.contains(r#"src="charts/connect_four-head-to-head.svg""#));
        assert!(!folder.contains("progress.js") && !folder.contains("connect-src"));
        assert!(folder.contains("a&lt;script&gt;") && !folder.contains("a<script>"));

        let progress = Progress {
            at: "2026-01-01T00:00:00Z".into(),
            finished: 4,
            runs: vec![crate::data::RunProgress {
                run_id: "r <x>".into(),
                status: "running".into(),
                planned: Some(10),
                finished: 4,
                ..Default::default()
            }],
        };
        let notes = ["nothing of poker yet".to_string()];
        let live = render_index(&IndexPage {
            site: Site::Server,
            data: &data,
            boards: &boards,
            notes: &notes,
            progress: Some(&progress),
        })
        .map(unslash)
        .unwrap();
        assert!(live.contains(r#"href="/style.css""#), "{live}");
        assert!(
            live.contains(r#"href="/episodes/r%20%3Cx%3E/0/3""#),
            "{live}"
        );
        assert!(live.contains(r#"src="/charts/all-ratings.svg""#));
        assert!(live.contains(r#"<script src="/progress.js"></script>"#));
        assert!(live.contains("connect-src 'self'"));
        assert!(live.contains(r#"data-finished="4""#));
        assert!(
            live.contains("<td class=\"finished\">4 / 10</td>"),
            "{live}"
        );
        assert!(live.contains("nothing of poker yet"));
        assert!(live.contains("r &lt;x&gt;") && !live.contains("r <x>"));
        // No inline script: every <script> either loads a file or holds data.
        for page in [&folder, &live] {
            assert_eq!(
                page.matches("<script").count(),
                page.matches("<script src=").count()
            );
        }
        let page = render_progress("t", &progress).map(unslash).unwrap();
        assert!(page.contains("id=\"progress-table\"") && page.contains("/progress.js"));

        let r = replay();
        let prev = Some(EpisodeRef {
            position: 0,
            id: "r/0/0",
        });
        let next = Some(EpisodeRef {
            position: 2,
            id: "r/0/2",
        });
        let folder = render_episode(Site::Folder, &r, prev, next)
            .map(unslash)
            .unwrap();
        assert!(folder.contains(r#"href="../style.css""#));
        assert!(folder.contains(r#"href="../episodes/00002.html""#));
        assert!(folder.contains(r#"<script src="../viewer.js"></script>"#));
        assert!(!folder.contains("In play"));
        let live = render_episode(Site::Server, &r, prev, None)
            .map(unslash)
            .unwrap();
        assert!(live.contains(r#"href="/episodes/r/0/0""#) && !live.contains("next-episode"));
        assert!(live.contains(r#"href="/index.html#episodes""#));
        assert!(live.contains("In play"));
    }

    #[test]
    fn play_pages_escape_the_game_text_and_reload_only_while_the_others_move() {
        let view = PlayView {
            id: "ab12".into(),
            game: "tic_tac_toe".into(),
            seat: 0,
            opponent: "random".into(),
            episode_id: "r/0/0".into(),
            phase: "your_turn".into(),
            transcript: "cannot read \"<b>x</b>\" as a move".into(),
            legal: vec!["1".into(), "2".into()],
            result: None,
        };
        let page = render_play(&view).unwrap().replace("&#x2f;", "/");
        assert!(
            page.contains("cannot read &quot;&lt;b&gt;x&lt;/b&gt;&quot;"),
            "{page}"
        );
        assert!(page.contains(r#"<button type="submit" name="move" value="2">2</button>"#));
        assert!(page.contains(r#"action="/play/ab12/move""#));
        assert!(!page.contains("http-equiv=\"refresh\""));
        assert_eq!(page.matches("<script").count(), 0);
        let thinking = PlayView {
            phase: "thinking".into(),
            ..view.clone()
        };
        let page = render_play(&thinking).unwrap();
        assert!(page.contains(r#"<meta http-equiv="refresh" content="1">"#));
        assert!(!page.contains("name=\"move\""));
        let over = PlayView {
            phase: "over".into(),
            result: Some("You won.".into()),
            ..view
        };
        let page = render_play(&over).unwrap().replace("&#x2f;", "/");
        assert!(
            page.contains(r#"<a id="replay" href="/episodes/r/0/0">"#),
            "{page}"
        );

        let choices = PlayChoices {
            games: vec![crate::PlayOption {
                name: "hex".into(),
                description: "<i>".into(),
            }],
            opponents: vec![],
            error: Some("hex has no scripted player".into()),
        };
        let form = render_play_form(&choices).unwrap();
        assert!(
            form.contains(r#"<option value="hex">hex: &lt;i&gt;</option>"#),
            "{form}"
        );
        assert!(form.contains("hex has no scripted player"));
    }

    #[test]
    fn chart_names_lead_back_to_their_board() {
        let data = dataset();
        let boards = crate::leaderboards(&data, &crate::Options::default()).unwrap();
        for board in &boards {
            for kind in ChartKind::ALL.into_iter().filter(|k| k.applies(board)) {
                let path = chart_path(board, kind);
                let file = path.strip_prefix("charts/").unwrap();
                let (found, k) = find_chart(&boards, file).unwrap();
                assert_eq!((found.scope.as_str(), k), (board.scope.as_str(), kind));
                assert!(chart_svg(board, kind).unwrap().starts_with("<svg"));
            }
        }
        // Nothing to draw, or no such scope or kind.
        assert!(find_chart(&boards, "all-cost.svg").is_none());
        assert!(find_chart(&boards, "chess-ratings.svg").is_none());
        assert!(find_chart(&boards, "all-pie.svg").is_none());
        assert!(find_chart(&boards, "all-ratings").is_none());
    }

    #[test]
    fn paths_are_percent_encoded() {
        assert_eq!(
            encode_path("20260101T000000-ab12/0/3"),
            "20260101T000000-ab12/0/3"
        );
        assert_eq!(encode_path("a b/\"/<é>"), "a%20b/%22/%3C%C3%A9%3E");
        assert_eq!(encode("x/y", false), "x%2Fy");
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
