//! `runner serve --db FILE [--bind IP:PORT] [--run RUN_ID]`: the pages of
//! `runner report`, answered live by a local web server (axum) from the
//! database as it is at each request, so a run's results appear while it
//! plays, with a progress panel that polls `/api/progress`.
//!
//! Routes: `/` (and `/index.html`) the leaderboards and the episode list;
//! `/episodes/<episode id>` a replay page; `/charts/<scope>-<kind>.svg`;
//! `/style.css`, `/viewer.js`, `/progress.js`; `/progress` and
//! `/api/progress`.
//!
//! The database is opened read-only for each request (a running `runner`
//! keeps writing: SQLite's write-ahead log lets both go on). The pages are
//! rendered by `arena-report` from the same templates as the report folder,
//! so what a model wrote is escaped the same way, and every answer carries a
//! Content-Security-Policy header that forbids inline scripts. On a loopback
//! address the server answers only requests addressed to a loopback name,
//! which keeps a web page elsewhere from reading it through DNS rebinding.

mod live;
mod play;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use anyhow::{Context, Result, anyhow};
use arena_report::{EpisodeRef, IndexPage, Site};
use axum::Router;
use axum::body::Body;
use axum::extract::{Form, Path, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};

use crate::analysis;
use live::{Freshness, Live};
use play::{Play, StartForm};

/// What the handlers share.
#[derive(Debug)]
struct App {
    live: Live,
    /// Games in the browser: only on a loopback address.
    play: Option<Arc<Play>>,
    runtime: tokio::runtime::Handle,
}

/// What `runner serve` was asked.
#[derive(Clone, Debug)]
pub struct ServeRequest {
    /// The database to read.
    pub db: PathBuf,
    /// Where to listen, `IP:PORT` (port 0: any free port).
    pub bind: String,
    /// Only this run.
    pub run: Option<String>,
}

/// The Content-Security-Policy of every page: scripts only from files of
/// the server, no inline script, requests only to the server.
const PAGE_CSP: &str = "default-src 'none'; img-src 'self'; style-src 'self'; script-src 'self'; \
     connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

/// The policy of a chart opened on its own: an SVG document may not run
/// anything.
const SVG_CSP: &str = "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'self'";

/// Checks the database and the address, listens, prints the address on
/// standard output, and serves until Ctrl-C.
pub fn serve(request: ServeRequest) -> Result<()> {
    let addr: SocketAddr = request.bind.parse().map_err(|_| {
        anyhow!(
            "--bind {:?} is not an address: give IP:PORT, such as 127.0.0.1:8000",
            request.bind
        )
    })?;
    // A missing, foreign or newer database, or an unknown run, stops here,
    // before anything listens.
    let store = crate::store::Store::open_read_only(&request.db)?;
    analysis::check_run(&store, request.run.as_deref())?;
    drop(store);

    let listener = std::net::TcpListener::bind(addr).map_err(|e| match e.kind() {
        std::io::ErrorKind::AddrInUse => anyhow!(
            "cannot listen on {addr}: the port is in use (another `runner serve`?); \
             choose another with --bind, such as --bind 127.0.0.1:8001"
        ),
        std::io::ErrorKind::AddrNotAvailable => anyhow!(
            "cannot listen on {addr}: no network interface of this machine has that address"
        ),
        _ => anyhow!("cannot listen on {addr}: {e}"),
    })?;
    listener
        .set_nonblocking(true)
        .context("cannot set up the listening socket")?;
    let local = listener
        .local_addr()
        .context("cannot read the listening address")?;
    if !local.ip().is_loopback() {
        eprintln!(
            "warning: listening on {local}, which is not a loopback address: anyone who can \
             reach this machine on the network can read every page, with the models' replies \
             and the prompts; use --bind 127.0.0.1:{} to keep them on this machine",
            local.port()
        );
    }

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    let handle = runtime.handle().clone();
    let play = local
        .ip()
        .is_loopback()
        .then(|| Arc::new(Play::new(request.db.clone(), handle.clone())));
    let app = Arc::new(App {
        live: Live::new(request.db.clone(), request.run.clone()),
        play: play.clone(),
        runtime: handle,
    });
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::from_std(listener)
            .context("cannot set up the listening socket")?;
        let router = router(app, local);
        eprintln!(
            "serving {} at http://{local}/ (Ctrl-C stops)",
            request.db.display()
        );
        // The address alone on standard output: a script (or a test) that
        // asked for port 0 reads which one it got.
        println!("http://{local}/");
        let served = axum::serve(listener, router)
            .with_graceful_shutdown(async {
                let _ = tokio::signal::ctrl_c().await;
            })
            .await
            .context("the server stopped");
        // Games still in play end `interrupted`, with their record complete.
        if let Some(play) = play {
            play.shut_down().await;
        }
        served
    })
}

fn router(app: Arc<App>, local: SocketAddr) -> Router {
    Router::new()
        .route("/", get(index))
        .route("/index.html", get(index))
        .route("/episodes/{*id}", get(episode))
        .route("/charts/{file}", get(chart))
        .route("/progress", get(progress_page))
        .route("/api/progress", get(progress_api))
        .route("/play", get(play_form).post(play_start))
        .route("/play/{id}", get(play_page))
        .route("/play/{id}/move", post(play_move))
        .route("/play/{id}/stop", post(play_stop))
        .route(
            "/style.css",
            get(|| async { asset("text/css", arena_report::STYLE_CSS) }),
        )
        .route(
            "/viewer.js",
            get(|| async { asset("text/javascript", arena_report::VIEWER_JS) }),
        )
        .route(
            "/progress.js",
            get(|| async { asset("text/javascript", arena_report::PROGRESS_JS) }),
        )
        .fallback(|| async { not_found("no such page") })
        .with_state(app)
        .layer(middleware::from_fn(move |request: Request, next: Next| {
            guard(local, request, next)
        }))
}

/// Refuses a request addressed to another host name when the server
/// listens on a loopback address, and adds the headers every answer gets.
async fn guard(local: SocketAddr, request: Request, next: Next) -> Response {
    if local.ip().is_loopback() && !loopback_host(request.headers()) {
        return (
            StatusCode::MISDIRECTED_REQUEST,
            "this server answers only requests to localhost or a loopback address\n",
        )
            .into_response();
    }
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    // Not `no-referrer`: that makes a browser send `Origin: null` with the
    // page's own forms, and the play forms check their origin.
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    headers
        .entry(header::CONTENT_SECURITY_POLICY)
        .or_insert(HeaderValue::from_static(PAGE_CSP));
    headers
        .entry(header::CACHE_CONTROL)
        .or_insert(HeaderValue::from_static("no-store"));
    response
}

/// Whether the `Host` header names this machine's loopback: `localhost`,
/// `127.x.y.z` or `[::1]`, with any port.
fn loopback_host(headers: &HeaderMap) -> bool {
    let Some(host) = headers.get(header::HOST).and_then(|h| h.to_str().ok()) else {
        // HTTP/1.0 without a Host header cannot be a browser's rebinding.
        return true;
    };
    let name = match host.strip_prefix('[') {
        Some(rest) => rest.split(']').next().unwrap_or(""),
        None => host.split(':').next().unwrap_or(""),
    };
    name.eq_ignore_ascii_case("localhost")
        || name
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// Runs blocking work (SQLite, the statistics, rendering) off the async
/// threads; an error becomes a 500 page with its message.
async fn blocking<F>(work: F) -> Response
where
    F: FnOnce() -> Result<Response> + Send + 'static,
{
    match tokio::task::spawn_blocking(work).await {
        Ok(Ok(response)) => response,
        Ok(Err(e)) => failure(&e),
        Err(e) => failure(&anyhow!("the request failed: {e}")),
    }
}

async fn index(State(app): State<Arc<App>>) -> Response {
    blocking(move || {
        let live = &app.live;
        let snapshot = live.snapshot(Freshness::Now)?;
        let mut progress = live.progress()?;
        // The panel offers a reload once more episodes have finished than
        // the leaderboards below were computed from.
        progress.finished = snapshot.finished;
        let page = arena_report::render_index(&IndexPage {
            site: Site::Server,
            data: &snapshot.data,
            boards: &snapshot.boards,
            notes: &snapshot.notes,
            progress: Some(&progress),
        })?;
        Ok(html(page))
    })
    .await
}

async fn episode(State(app): State<Arc<App>>, Path(id): Path<String>) -> Response {
    blocking(move || {
        let live = &app.live;
        // A new episode is not in the snapshot of the page that linked to
        // it yet: look again in the database as it is now.
        let mut snapshot = live.snapshot(Freshness::Page)?;
        let mut position = snapshot.data.episodes.iter().position(|e| e.id == id);
        if position.is_none() {
            snapshot = live.snapshot(Freshness::Now)?;
            position = snapshot.data.episodes.iter().position(|e| e.id == id);
        }
        let Some(i) = position else {
            return Ok(not_found(&format!("no episode {id:?}")));
        };
        let store = live.open()?;
        let replay = store.read_transaction(|s| analysis::episode_replay(s, &id))??;
        let episodes = &snapshot.data.episodes;
        let neighbour = |i: usize| EpisodeRef {
            position: i,
            id: &episodes[i].id,
        };
        let page = arena_report::render_episode(
            Site::Server,
            &replay,
            i.checked_sub(1).map(neighbour),
            (i + 1 < episodes.len()).then(|| neighbour(i + 1)),
        )?;
        Ok(html(page))
    })
    .await
}

async fn chart(State(app): State<Arc<App>>, Path(file): Path<String>) -> Response {
    blocking(move || {
        let snapshot = app.live.snapshot(Freshness::Page)?;
        let Some((board, kind)) = arena_report::find_chart(&snapshot.boards, &file) else {
            return Ok(not_found(&format!("no chart {file:?}")));
        };
        let svg = arena_report::chart_svg(board, kind)?;
        Ok((
            [
                (header::CONTENT_TYPE, "image/svg+xml"),
                (header::CONTENT_SECURITY_POLICY, SVG_CSP),
            ],
            svg,
        )
            .into_response())
    })
    .await
}

async fn progress_page(State(app): State<Arc<App>>) -> Response {
    blocking(move || {
        let progress = app.live.progress()?;
        let title = match app.live.run() {
            Some(id) => format!("run {id}"),
            None => "llm-arena".to_string(),
        };
        Ok(html(arena_report::render_progress(&title, &progress)?))
    })
    .await
}

async fn progress_api(State(app): State<Arc<App>>) -> Response {
    blocking(move || Ok(axum::Json(app.live.progress()?).into_response())).await
}

/// The answer to a play request when the server listens on a network
/// address.
fn no_play() -> Response {
    text(
        StatusCode::FORBIDDEN,
        "playing is offered only when the server listens on a loopback address: \
         a game writes to the database",
    )
}

/// Whether a form was posted from this server's own pages: a page of
/// another site must not start or play games here.
fn same_origin(headers: &HeaderMap) -> bool {
    let value = |name| {
        headers
            .get(name)
            .and_then(|v: &HeaderValue| v.to_str().ok())
    };
    if value("sec-fetch-site").is_some_and(|site| site != "same-origin" && site != "none") {
        return false;
    }
    match (value("origin"), value("host")) {
        // Not a browser (browsers send Origin with every form post).
        (None, _) => true,
        (Some(origin), Some(host)) => origin == format!("http://{host}"),
        (Some(_), None) => false,
    }
}

fn cross_site() -> Response {
    text(
        StatusCode::FORBIDDEN,
        "this form was posted from another site",
    )
}

async fn play_form(State(app): State<Arc<App>>) -> Response {
    let Some(play) = app.play.clone() else {
        return no_play();
    };
    blocking(move || Ok(html(arena_report::render_play_form(&play.choices(None))?))).await
}

async fn play_start(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    Form(form): Form<StartForm>,
) -> Response {
    let Some(play) = app.play.clone() else {
        return no_play();
    };
    if !same_origin(&headers) {
        return cross_site();
    }
    let runtime = app.runtime.clone();
    let starting = play.clone();
    let started = tokio::task::spawn_blocking(move || starting.start(&form, &runtime)).await;
    match started {
        Ok(Ok(Ok(id))) => {
            play.settle(&id).await;
            Redirect::to(&format!("/play/{id}")).into_response()
        }
        Ok(Ok(Err(refusal))) => {
            match arena_report::render_play_form(&play.choices(Some(refusal))) {
                Ok(page) => (StatusCode::BAD_REQUEST, html(page)).into_response(),
                Err(e) => failure(&e.into()),
            }
        }
        Ok(Err(e)) => failure(&e),
        Err(e) => failure(&anyhow!("the request failed: {e}")),
    }
}

async fn play_page(State(app): State<Arc<App>>, Path(id): Path<String>) -> Response {
    let Some(play) = app.play.clone() else {
        return no_play();
    };
    match play.view(&id) {
        Some(view) => match arena_report::render_play(&view) {
            Ok(page) => html(page),
            Err(e) => failure(&e.into()),
        },
        None => not_found(&format!("no game {id:?}")),
    }
}

/// A posted move.
#[derive(Debug, serde::Deserialize)]
struct MoveForm {
    #[serde(rename = "move")]
    text: String,
}

async fn play_move(
    State(app): State<Arc<App>>,
    Path(id): Path<String>,
    headers: HeaderMap,
    Form(form): Form<MoveForm>,
) -> Response {
    let Some(play) = app.play.clone() else {
        return no_play();
    };
    if !same_origin(&headers) {
        return cross_site();
    }
    if play.play_move(&id, &form.text).await {
        Redirect::to(&format!("/play/{id}")).into_response()
    } else {
        not_found(&format!("no game {id:?}"))
    }
}

async fn play_stop(
    State(app): State<Arc<App>>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Response {
    let Some(play) = app.play.clone() else {
        return no_play();
    };
    if !same_origin(&headers) {
        return cross_site();
    }
    if play.stop_game(&id).await {
        Redirect::to(&format!("/play/{id}")).into_response()
    } else {
        not_found(&format!("no game {id:?}"))
    }
}

fn html(page: String) -> Response {
    ([(header::CONTENT_TYPE, "text/html; charset=utf-8")], page).into_response()
}

fn asset(content_type: &'static str, text: &'static str) -> Response {
    (
        [
            (header::CONTENT_TYPE, content_type),
            (header::CACHE_CONTROL, "no-cache"),
        ],
        text,
    )
        .into_response()
}

fn not_found(message: &str) -> Response {
    text(StatusCode::NOT_FOUND, message)
}

fn failure(error: &anyhow::Error) -> Response {
    eprintln!("error: {error:#}");
    text(StatusCode::INTERNAL_SERVER_ERROR, &format!("{error:#}"))
}

/// A plain-text answer (never read as markup: `nosniff` is set on every
/// answer).
fn text(status: StatusCode, message: &str) -> Response {
    let mut response = Response::new(Body::from(format!("{message}\n")));
    *response.status_mut() = status;
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    fn host(value: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(header::HOST, HeaderValue::from_str(value).unwrap());
        h
    }

    #[test]
    fn only_loopback_host_names_are_answered() {
        for ok in [
            "127.0.0.1:8000",
            "localhost:8000",
            "LOCALHOST",
            "[::1]:8000",
            "127.1.2.3",
        ] {
            assert!(loopback_host(&host(ok)), "{ok}");
        }
        for bad in [
            "evil.example:8000",
            "localhost.evil.example",
            "10.0.0.1:8000",
            "[::2]:8000",
        ] {
            assert!(!loopback_host(&host(bad)), "{bad}");
        }
        assert!(loopback_host(&HeaderMap::new()));
    }
}
