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

use crate::report_cli::{PLANTED, browser, eval_bool, fixture_db, start_driver, text};
use crate::util::scratch;

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

/// `POST path` with a form body and extra header lines.
fn post_as(server: &Server, path: &str, form: &str, headers: &str) -> Reply {
    let mut stream = TcpStream::connect(&server.addr).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(120)))
        .unwrap();
    write!(
        stream,
        "POST {path} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\n{headers}\
         Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n\r\n{form}",
        server.addr,
        form.len()
    )
    .unwrap();
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).unwrap();
    let raw = String::from_utf8(raw).expect("a UTF-8 answer");
    let (head, body) = raw.split_once("\r\n\r\n").expect("a header block");
    Reply {
        status: head.split(' ').nth(1).unwrap().parse().unwrap(),
        headers: head.to_lowercase(),
        body: body.to_string(),
    }
}

/// A form posted from the server's own page, as a browser posts it.
fn post(server: &Server, path: &str, form: &str) -> Reply {
    post_as(
        server,
        path,
        form,
        &format!(
            "Origin: http://{}\r\nSec-Fetch-Site: same-origin\r\n",
            server.addr
        ),
    )
}

/// `application/x-www-form-urlencoded` for a value.
fn form_value(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => {
                char::from(b).to_string()
            }
            b' ' => "+".to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
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

    // Any other address is served with a warning, and without games in
    // the browser (they write to the database).
    let mut server = serve(&["--db", &db_s, "--bind", "0.0.0.0:0"]);
    let port = server.addr.rsplit(':').next().unwrap().to_string();
    let refused = get_as(&format!("127.0.0.1:{port}"), "127.0.0.1", "/play");
    assert_eq!(refused.status, 403);
    assert!(refused.body.contains("loopback"), "{}", refused.body);
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
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status.code();
            }
            assert!(Instant::now() < deadline, "the run did not stop on Ctrl-C");
            std::thread::sleep(Duration::from_millis(20));
        }
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

async fn script_text(client: &fantoccini::Client, script: &str) -> String {
    client
        .execute(script, vec![])
        .await
        .unwrap()
        .as_str()
        .unwrap_or_else(|| panic!("{script} is not a string"))
        .to_string()
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
        // Read in one script: the poller replaces the table's body at any
        // moment, so an element found first may be gone when read.
        let finished = "return document.querySelector('#progress-table td.finished').textContent";
        let at_load = script_text(&client, finished).await;
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let now = script_text(&client, finished).await;
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
            script_text(
                &client,
                "return document.getElementById('progress-status').textContent"
            )
            .await
            .starts_with("As of "),
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

        // A game in the browser: the forms post to the server (the policy's
        // form-action) and come back to the game's page.
        client
            .goto(&format!("http://{}/play", server.addr))
            .await
            .unwrap();
        client
            .find(Locator::Css("select[name=game] option[value=tic_tac_toe]"))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
        client
            .find(Locator::Css("#play-form button"))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
        client.wait().for_element(Locator::Id("your-turn")).await.unwrap();
        assert!(text(&client, "#transcript").await.contains("Legal moves: 1, 2, 3"));
        client
            .find(Locator::Css(".legal-moves button[value='5']"))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
        client
            .wait()
            .for_element(Locator::Id("your-turn"))
            .await
            .unwrap();
        let transcript = text(&client, "#transcript").await;
        assert!(
            transcript.lines().any(|l| l.starts_with("4 | X |")),
            "the centre is taken: {transcript}"
        );
        client.close().await.unwrap();
    });
    assert_eq!(run.interrupt(), Some(130));
}

/// The legal moves a play page offers as buttons.
fn buttons(html: &str) -> Vec<String> {
    html.split(r#"name="move" value=""#)
        .skip(1)
        .map(|t| t.split('"').next().unwrap().to_string())
        .collect()
}

#[test]
fn a_person_plays_against_an_agent_and_the_game_is_recorded() {
    let dir = scratch("serve-play");
    let db = fixture_db(&dir);
    let server = serve(&["--db", db.to_str().unwrap(), "--bind", "127.0.0.1:0"]);

    let form = get_ok(&server, "/play");
    for offered in [
        r#"<option value="tic_tac_toe">"#,
        r#"<option value="random">"#,
        r#"<option value="baseline">"#,
    ] {
        assert!(form.body.contains(offered), "{offered}");
    }
    // Another site's page cannot start a game here.
    let forged = post_as(
        &server,
        "/play",
        "game=tic_tac_toe&opponent=random&seat=0",
        "Origin: http://evil.example\r\n",
    );
    assert_eq!(forged.status, 403);
    // Choices that do not fit are refused with the reason, on the form.
    let refused = post(&server, "/play", "game=hex&opponent=baseline&seat=0");
    assert_eq!(refused.status, 400);
    assert!(
        refused.body.contains("hex has no scripted player"),
        "{}",
        refused.body
    );
    let refused = post(
        &server,
        "/play",
        "game=tic_tac_toe&opponent=litellm_openai%2Fgpt-4o&seat=0",
    );
    assert_eq!(refused.status, 400);
    assert!(refused.body.contains("is not offered"), "{}", refused.body);
    let refused = post(&server, "/play", "game=tic_tac_toe&opponent=random&seat=2");
    assert_eq!(refused.status, 400);
    assert!(refused.body.contains("no seat 2"), "{}", refused.body);

    let started = post(&server, "/play", "game=tic_tac_toe&opponent=random&seat=0");
    assert_eq!(started.status, 303, "{}", started.body);
    let page_path = started.header("location").unwrap().to_string();
    assert!(page_path.starts_with("/play/"), "{page_path}");
    let page = get_ok(&server, &page_path);
    assert!(page.body.contains(r#"id="your-turn""#), "{}", page.body);
    assert!(
        page.body.contains("You are X (seat 0)"),
        "the observation: {}",
        page.body
    );
    assert_eq!(
        buttons(&page.body),
        ["1", "2", "3", "4", "5", "6", "7", "8", "9"]
    );

    // A move that is not one gets the game's own message, escaped, and the
    // question again.
    let bad = "<script>window.__pwned = 1</script>";
    let moved = post(
        &server,
        &format!("{page_path}/move"),
        &format!("move={}", form_value(bad)),
    );
    assert_eq!(moved.status, 303);
    let page = get_ok(&server, &page_path);
    assert!(!page.body.contains("<script>window"), "the move served raw");
    assert!(
        page.body.contains(
            "cannot read &quot;&lt;script&gt;window.__pwned = 1&lt;&#x2f;script&gt;&quot; as a move"
        ),
        "{}",
        page.body
    );
    assert!(page.body.contains(r#"id="your-turn""#));
    assert_eq!(page.body.matches("Your move (seat 0): ").count(), 2);

    // Play the first legal move until the game is over.
    let mut page = page;
    for _ in 0..9 {
        if page.body.contains(r#"id="result""#) {
            break;
        }
        let legal = buttons(&page.body);
        assert!(!legal.is_empty(), "no move offered: {}", page.body);
        let moved = post(
            &server,
            &format!("{page_path}/move"),
            &format!("move={}", legal[0]),
        );
        assert_eq!(moved.status, 303);
        page = get_ok(&server, &page_path);
    }
    let html = unslash(&page.body);
    assert!(html.contains(r#"id="result""#), "{html}");
    assert!(
        ["You won", "You lost", "A draw"]
            .iter()
            .any(|r| html.contains(r)),
        "{html}"
    );
    let replay = html
        .split(r#"id="replay" href=""#)
        .nth(1)
        .and_then(|t| t.split('"').next())
        .unwrap()
        .to_string();
    assert!(get_ok(&server, &replay).body.contains("tic_tac_toe"));

    // A new run of one episode, the person's seat recorded as `human`.
    let p = progress(&server);
    let runs = p["runs"].as_array().unwrap();
    assert_eq!(runs.len(), 2, "{p}");
    assert_eq!(runs[1]["status"], "completed", "{p}");
    assert_eq!(runs[1]["finished"], 1);
    assert_eq!(runs[1]["planned"], 1);
    let conn = Connection::open(&db).unwrap();
    let (agent, moves): (String, i64) = conn
        .query_row(
            "SELECT p.agent, (SELECT count(*) FROM moves m WHERE m.episode_id = p.episode_id AND m.seat = 0)
             FROM episode_players p JOIN episodes e USING (episode_id)
             WHERE e.run_id = ?1 AND p.seat = 0",
            [runs[1]["run_id"].as_str().unwrap()],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert_eq!(agent, "human");
    assert!(moves >= 3, "the person's moves are recorded: {moves}");
    drop(conn);

    // A game stopped half way is recorded `interrupted`. Seat 1: the
    // opponent moves first.
    let started = post(
        &server,
        "/play",
        "game=connect_four&opponent=baseline&seat=1",
    );
    let page_path = started.header("location").unwrap().to_string();
    let mut page = get_ok(&server, &page_path);
    // The page reloads itself while the opponent moves.
    while page.body.contains(r#"id="thinking""#) {
        assert!(
            page.body
                .contains(r#"<meta http-equiv="refresh" content="1">"#)
        );
        std::thread::sleep(Duration::from_millis(200));
        page = get_ok(&server, &page_path);
    }
    assert!(page.body.contains(r#"id="your-turn""#), "{}", page.body);
    assert_eq!(buttons(&page.body).len(), 7);
    let stopped = post(&server, &format!("{page_path}/stop"), "");
    assert_eq!(stopped.status, 303);
    let page = get_ok(&server, &page_path);
    assert!(
        page.body.contains("The game ended interrupted"),
        "{}",
        page.body
    );
    let p = progress(&server);
    assert_eq!(p["runs"][2]["status"], "interrupted", "{p}");
    assert_eq!(get(&server, "/play/nope").status, 404);

    // Ctrl-C stops the server; a game left waiting for its person is
    // recorded `interrupted` first.
    let started = post(&server, "/play", "game=tic_tac_toe&opponent=random&seat=0");
    assert_eq!(started.status, 303);
    let mut server = server;
    let pid = nix::unistd::Pid::from_raw(i32::try_from(server.child.id()).unwrap());
    nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGINT).unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    let status = loop {
        if let Some(status) = server.child.try_wait().unwrap() {
            break status;
        }
        assert!(
            Instant::now() < deadline,
            "the server did not stop on Ctrl-C"
        );
        std::thread::sleep(Duration::from_millis(20));
    };
    assert_eq!(status.code(), Some(0));
    let conn = Connection::open(&db).unwrap();
    let statuses: Vec<String> = conn
        .prepare("SELECT status FROM runs ORDER BY started_at, rowid")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert_eq!(
        statuses,
        ["completed", "completed", "interrupted", "interrupted"]
    );
}
