//! `runner serve`: the report's pages over HTTP from a fixture database
//! (leaderboard rows, a replay page, charts, assets, markup planted in a
//! model's reply never served raw), the progress API following a run while
//! it plays, bad input refused with exit code 2, loopback by default, and
//! the live pages in headless Chromium (the progress panel's script polls
//! under the Content-Security-Policy).

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use fantoccini::Locator;
use rusqlite::Connection;

use crate::report_cli::{PLANTED, browser, eval_bool, fixture_db, scratch, start_driver, text};

/// A `runner serve` process, killed when dropped.
struct Server {
    child: Child,
    /// `127.0.0.1:PORT`.
    addr: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// What `runner serve` did first: listened (its address), or exited.
enum Started {
    Listening(Server),
    Exited { code: Option<i32>, stderr: String },
}

/// Starts `runner serve ARGS` and waits for the address it prints.
fn start(args: &[&str]) -> Started {
    let mut child = Command::new(env!("CARGO_BIN_EXE_runner"))
        .arg("serve")
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the runner binary starts");
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let mut line = String::new();
        let _ = BufReader::new(stdout).read_line(&mut line);
        let _ = tx.send(line);
    });
    let line = rx.recv_timeout(Duration::from_secs(60)).unwrap_or_default();
    if let Some(addr) = line
        .trim()
        .strip_prefix("http://")
        .and_then(|a| a.strip_suffix('/'))
    {
        return Started::Listening(Server {
            child,
            addr: addr.to_string(),
        });
    }
    let _ = child.kill();
    let status = child.wait().unwrap();
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    Started::Exited {
        code: status.code(),
        stderr,
    }
}

fn serve(args: &[&str]) -> Server {
    match start(args) {
        Started::Listening(server) => server,
        Started::Exited { code, stderr } => panic!("runner serve exited ({code:?}):\n{stderr}"),
    }
}

/// One HTTP answer.
struct Reply {
    status: u16,
    /// The header block, lowercased.
    headers: String,
    body: String,
}

impl Reply {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.lines().find_map(|l| {
            l.strip_prefix(name)
                .and_then(|rest| rest.strip_prefix(':'))
                .map(str::trim)
        })
    }
}

/// `GET path` over a fresh connection (HTTP/1.1, `Connection: close`).
fn get_as(addr: &str, host: &str, path: &str) -> Reply {
    let mut stream = TcpStream::connect(addr).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(120)))
        .unwrap();
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).unwrap();
    let raw = String::from_utf8(raw).expect("a UTF-8 answer");
    let (head, body) = raw.split_once("\r\n\r\n").expect("a header block");
    let status = head
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .expect("a status line");
    Reply {
        status,
        headers: head.to_lowercase(),
        body: body.to_string(),
    }
}

fn get(server: &Server, path: &str) -> Reply {
    get_as(&server.addr, &server.addr, path)
}

fn get_ok(server: &Server, path: &str) -> Reply {
    let reply = get(server, path);
    assert_eq!(reply.status, 200, "{path}: {}", reply.body);
    reply
}

fn progress(server: &Server) -> serde_json::Value {
    serde_json::from_str(&get_ok(server, "/api/progress").body).unwrap()
}

/// minijinja writes `/` in attribute values as `&#x2f;`.
fn unslash(html: &str) -> String {
    html.replace("&#x2f;", "/")
}

/// Plants markup in the first decision of the first poker episode (its
/// reply and reasoning); returns the episode id.
fn plant(db: &Path) -> String {
    let conn = Connection::open(db).unwrap();
    let (episode, ply): (String, i64) = conn
        .query_row(
            "SELECT m.episode_id, min(m.ply) FROM moves m JOIN episodes e USING (episode_id)
             WHERE e.game = 'poker' AND m.seat IS NOT NULL
             GROUP BY m.episode_id ORDER BY m.episode_id LIMIT 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    conn.execute(
        "UPDATE moves SET raw_response = ?1, reasoning = '</pre><script>window.__pwned = 3</script>'
         WHERE episode_id = ?2 AND ply = ?3",
        rusqlite::params![PLANTED, episode, ply],
    )
    .unwrap();
    episode
}

#[test]
fn serve_answers_the_report_pages_and_never_serves_model_text_raw() {
    let dir = scratch("serve-pages");
    let db = fixture_db(&dir);
    let planted = plant(&db);
    let before = std::fs::read(&db).unwrap();
    let server = serve(&["--db", db.to_str().unwrap(), "--bind", "127.0.0.1:0"]);
    assert!(server.addr.starts_with("127.0.0.1:"), "{}", server.addr);

    let index = get_ok(&server, "/");
    assert_eq!(
        index.header("content-type"),
        Some("text/html; charset=utf-8")
    );
    let csp = index.header("content-security-policy").unwrap();
    assert!(
        csp.contains("script-src 'self'") && !csp.contains("unsafe-inline"),
        "{csp}"
    );
    assert_eq!(index.header("x-content-type-options"), Some("nosniff"));
    let html = unslash(&index.body);
    // The overall leaderboard: one row per participant.
    let board = html
        .split(r#"id="leaderboard""#)
        .nth(1)
        .and_then(|t| t.split("</table>").next())
        .expect("the overall leaderboard");
    assert_eq!(board.matches("<tr><td>").count(), 4, "{board}");
    for name in [
        "baseline_tic_tac_toe",
        "baseline_connect_four",
        "baseline_poker",
        "random",
    ] {
        assert!(
            board.contains(&format!(r#"<td class="name">{name}</td>"#)),
            "{name}"
        );
    }
    // The progress panel, and its script from a file.
    assert!(html.contains(r#"<script src="/progress.js"></script>"#));
    assert!(
        html.contains(r#"<td class="finished">12 / 12</td>"#),
        "{html}"
    );
    assert_eq!(html.matches("<script").count(), 1, "no inline script");
    assert!(!html.contains("<script>window"), "model text unescaped");
    // Same as /index.html, where replay pages link back to.
    assert_eq!(get_ok(&server, "/index.html").status, 200);

    // Every episode is listed and its replay page answers; the planted one
    // carries the markup only as escaped JSON.
    let links: Vec<&str> = html
        .split(r#"<a href="/episodes/"#)
        .skip(1)
        .map(|t| t.split('"').next().unwrap())
        .collect();
    assert_eq!(links.len(), 12, "{links:?}");
    let page = get_ok(&server, &format!("/episodes/{planted}"));
    assert!(
        !page.body.contains("<script>window") && !page.body.contains("<img src=x"),
        "model text served raw"
    );
    assert!(
        page.body
            .contains(r#"\u003cscript\u003ewindow.__pwned = 1\u003c/script\u003e"#),
        "the planted reply as escaped JSON"
    );
    let page = unslash(&page.body);
    assert!(page.contains(r#"<script src="/viewer.js"></script>"#));
    assert!(page.contains(r#"href="/index.html#episodes""#));
    assert!(page.contains(r#"id="next-episode""#) || page.contains(r#"id="prev-episode""#));
    for link in &links {
        assert_eq!(get(&server, &format!("/episodes/{link}")).status, 200);
    }

    // Charts and assets.
    let charts: Vec<String> = html
        .split(r#"<img src=""#)
        .skip(1)
        .map(|t| t.split('"').next().unwrap().to_string())
        .collect();
    assert!(charts.len() >= 8, "{charts:?}");
    for chart in &charts {
        let svg = get_ok(&server, chart);
        assert_eq!(svg.header("content-type"), Some("image/svg+xml"));
        assert!(svg.body.starts_with("<svg"), "{chart}");
    }
    for (path, kind) in [
        ("/style.css", "text/css"),
        ("/viewer.js", "text/javascript"),
        ("/progress.js", "text/javascript"),
    ] {
        assert_eq!(get_ok(&server, path).header("content-type"), Some(kind));
    }

    // The progress page and API: one completed run of 12 episodes.
    let p = progress(&server);
    assert_eq!(p["finished"], 12, "{p}");
    let run = &p["runs"][0];
    assert_eq!(run["status"], "completed", "{p}");
    assert_eq!(run["planned"], 12);
    assert_eq!(run["by_status"]["completed"], 12);
    assert_eq!(run["running"], 0);
    let page = get_ok(&server, "/progress");
    assert!(page.body.contains("<td class=\"status\">completed</td>"));

    // What is not there, and requests for another host name (DNS
    // rebinding) are refused.
    assert_eq!(get(&server, "/episodes/nope/0/0").status, 404);
    assert_eq!(get(&server, "/charts/chess-ratings.svg").status, 404);
    assert_eq!(get(&server, "/etc/passwd").status, 404);
    assert_eq!(
        get_as(&server.addr, "evil.example:80", "/api/progress").status,
        421
    );
    assert_eq!(
        get_as(&server.addr, "localhost", "/api/progress").status,
        200
    );
    drop(server);
    assert_eq!(std::fs::read(&db).unwrap(), before, "the database changed");
}

#[test]
fn serve_refuses_bad_input_and_listens_on_loopback_by_default() {
    let dir = scratch("serve-bad");
    let db = fixture_db(&dir);
    let db_s = db.to_str().unwrap().to_string();
    let foreign = dir.join("foreign.db");
    Connection::open(&foreign)
        .unwrap()
        .execute_batch("CREATE TABLE notes (x TEXT);")
        .unwrap();
    let foreign_s = foreign.to_str().unwrap().to_string();
    let missing = dir.join("missing.db");
    let missing_s = missing.to_str().unwrap().to_string();
    let taken = TcpListener::bind("127.0.0.1:0").unwrap();
    let taken_s = taken.local_addr().unwrap().to_string();

    let cases: Vec<(Vec<&str>, Vec<&str>)> = vec![
        (
            vec!["--db", &missing_s],
            vec!["missing.db", "does not exist"],
        ),
        (vec!["--db", &foreign_s], vec!["not an llm-arena"]),
        (
            vec!["--db", &db_s, "--bind", "localhost:eight"],
            vec!["not an address", "127.0.0.1:8000"],
        ),
        (
            vec!["--db", &db_s, "--bind", &taken_s],
            vec![&taken_s, "in use", "--bind"],
        ),
        (
            vec!["--db", &db_s, "--bind", "127.0.0.1:0", "--run", "nope"],
            vec!["no run \"nope\"", "recent runs"],
        ),
    ];
    for (args, needles) in cases {
        match start(&args) {
            Started::Listening(_) => panic!("{args:?}: it listened"),
            Started::Exited { code, stderr } => {
                assert_eq!(code, Some(2), "{args:?}: {stderr}");
                for n in needles {
                    assert!(stderr.contains(n), "{args:?}: {n:?} not in:\n{stderr}");
                }
            }
        }
    }
    assert!(!missing.exists(), "a missing database must not be created");
    drop(taken);

    // With no --bind: loopback port 8000 (or, when something else has that
    // port, a refusal that names it).
    match start(&["--db", &db_s]) {
        Started::Listening(server) => assert_eq!(server.addr, "127.0.0.1:8000"),
        Started::Exited { code, stderr } => {
            assert_eq!(code, Some(2), "{stderr}");
            assert!(
                stderr.contains("127.0.0.1:8000") && stderr.contains("in use"),
                "{stderr}"
            );
        }
    }

    // Any other address is served with a warning.
    let mut server = serve(&["--db", &db_s, "--bind", "0.0.0.0:0"]);
    server.child.kill().unwrap();
    let mut stderr = String::new();
    server
        .child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    assert!(
        stderr.contains("warning: listening on 0.0.0.0:")
            && stderr.contains("not a loopback address")
            && stderr.contains("can read every page"),
        "{stderr}"
    );
}

/// A long run (the report fixture, thousands of episodes, one at a time)
/// playing into `db` in the background, stopped with SIGINT when dropped.
struct LongRun {
    child: Child,
}

impl LongRun {
    fn start(db: &Path) -> LongRun {
        let child = Command::new(env!("CARGO_BIN_EXE_runner"))
            .args([
                "--config",
                "tests/fixtures/report.yaml",
                "--override",
                "num_episodes=5000",
                "--override",
                "concurrency=1",
                "--db",
                db.to_str().unwrap(),
                "--quiet",
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        // Wait until it has finished a few episodes.
        let deadline = Instant::now() + Duration::from_secs(60);
        let finished = || -> i64 {
            Connection::open(db)
                .and_then(|c| {
                    c.query_row(
                        "SELECT count(*) FROM episodes WHERE status = 'completed'",
                        [],
                        |r| r.get(0),
                    )
                })
                .unwrap_or(0)
        };
        while !db.exists() || finished() < 3 {
            assert!(Instant::now() < deadline, "the run did not start");
            std::thread::sleep(Duration::from_millis(20));
        }
        LongRun { child }
    }

    /// Ctrl-C, and the run's exit code.
    fn interrupt(&mut self) -> Option<i32> {
        let pid = nix::unistd::Pid::from_raw(i32::try_from(self.child.id()).unwrap());
        nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGINT).unwrap();
        self.child.wait().unwrap().code()
    }
}

impl Drop for LongRun {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn wait_for(what: &str, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while !done() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn progress_follows_a_run_while_it_plays() {
    let dir = scratch("serve-progress");
    let db = dir.join("arena.db");
    let mut run = LongRun::start(&db);
    let server = serve(&["--db", db.to_str().unwrap(), "--bind", "127.0.0.1:0"]);

    let first = progress(&server);
    let r = &first["runs"][0];
    assert_eq!(r["status"], "running", "{first}");
    assert_eq!(r["planned"], 15000, "three games of 5000: {first}");
    let finished = r["finished"].as_u64().unwrap();
    assert!(finished >= 3, "{first}");
    // It moves on while we watch.
    wait_for("more finished episodes", || {
        progress(&server)["runs"][0]["finished"].as_u64().unwrap() > finished
    });
    // The front page, the episode list and the leaderboards are read as the
    // run writes.
    let html = unslash(&get_ok(&server, "/").body);
    assert!(html.contains(r#"id="leaderboard""#), "{html}");
    assert!(html.contains(r#"<td class="status">running</td>"#));

    assert_eq!(run.interrupt(), Some(130));
    let last = progress(&server);
    let r = &last["runs"][0];
    assert_eq!(r["status"], "interrupted", "{last}");
    assert_eq!(r["running"], 0, "{last}");
    let conn = Connection::open(&db).unwrap();
    let completed: i64 = conn
        .query_row(
            "SELECT count(*) FROM episodes WHERE status = 'completed'",
            [],
            |row| row.get(0),
        )
        .unwrap();
    assert_eq!(r["finished"], completed, "{last}");
    assert_eq!(r["by_status"]["completed"], completed, "{last}");
    assert!(r["last_activity"].as_str().unwrap() >= r["started_at"].as_str().unwrap());
}

#[test]
fn live_pages_work_in_headless_chromium() {
    let dir = scratch("serve-browser");
    let db = dir.join("arena.db");
    let mut run = LongRun::start(&db);
    let server = serve(&["--db", db.to_str().unwrap(), "--bind", "127.0.0.1:0"]);
    let driver = start_driver();
    let profile: PathBuf = dir.join("chromium-profile");
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let client = browser(driver.port, &profile).await;
        client
            .goto(&format!("http://{}/", server.addr))
            .await
            .unwrap();
        let rows = client
            .find_all(Locator::Css("#leaderboard tbody tr"))
            .await
            .unwrap();
        // The plan plays tic-tac-toe first: its two participants.
        assert_eq!(rows.len(), 2, "two participants so far");
        let charts_loaded = eval_bool(
            &client,
            "return [...document.images].length >= 2 && [...document.images].every(i => i.complete && i.naturalWidth > 0)",
        )
        .await;
        assert!(charts_loaded, "every chart image loads");
        // The panel's script polls the server (the policy lets it fetch
        // from the server, and only from there) and redraws the table; the
        // reload link shows once more episodes have finished.
        let at_load = text(&client, "#progress-table td.finished").await;
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let now = text(&client, "#progress-table td.finished").await;
            let reload = eval_bool(
                &client,
                "return !document.getElementById('progress-reload').hidden",
            )
            .await;
            if now != at_load && reload {
                break;
            }
            assert!(
                Instant::now() < deadline,
                "the progress panel did not update: {at_load} → {now}"
            );
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        assert!(
            text(&client, "#progress-status").await.starts_with("As of "),
            "the poll failed"
        );

        // A replay page from the list.
        let link = client
            .find(Locator::Css("#episodes tbody a"))
            .await
            .unwrap();
        link.click().await.unwrap();
        client
            .wait()
            .for_element(Locator::Id("step-counter"))
            .await
            .unwrap();
        assert!(text(&client, "#step-counter").await.starts_with("step 0 / "));
        client.close().await.unwrap();
    });
    assert_eq!(run.interrupt(), Some(130));
}
