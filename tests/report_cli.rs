//! `runner leaderboard` and `runner report`: leaderboards in every format
//! from a real run, the static report written and then opened in headless
//! Chromium (Debian's `chromium` and `chromium-driver`, which
//! `scripts/setup.sh --with-browser` installs), driven over WebDriver: the
//! leaderboard rows are there, a replay steps with the keyboard, a seat's
//! view hides the other hand, and markup planted in a model's reply is shown
//! as text and never runs.

use std::net::TcpListener;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::actions::{InputSource, KeyAction, KeyActions};
use fantoccini::key::Key;
use fantoccini::{Client, ClientBuilder, Locator};
use rusqlite::Connection;

use crate::util::{ok, runner, scratch};

/// Plays the fixture run (12 episodes, three games) into `db`.
pub(crate) fn fixture_db(dir: &Path) -> PathBuf {
    let db = dir.join("arena.db");
    ok(&runner(&[
        "--config",
        "tests/fixtures/report.yaml",
        "--db",
        db.to_str().unwrap(),
        "--quiet",
    ]));
    db
}

pub(crate) const PLANTED: &str =
    "<script>window.__pwned = 1</script><img src=x onerror=\"window.__pwned = 2\"> Move: 5";

#[test]
fn leaderboard_in_every_format() {
    let dir = scratch("leaderboard");
    let db = fixture_db(&dir);
    let db = db.to_str().unwrap();

    let table = ok(&runner(&["leaderboard", "--db", db]));
    assert!(table.contains("all games — 12 rated episodes"), "{table}");
    for name in [
        "baseline_tic_tac_toe",
        "baseline_connect_four",
        "baseline_poker",
        "random",
    ] {
        assert!(table.contains(name), "{name} missing:\n{table}");
    }

    let json = ok(&runner(&["leaderboard", "--db", db, "--format", "json"]));
    let boards: serde_json::Value = serde_json::from_str(&json).unwrap();
    let boards = boards.as_array().unwrap();
    // Every game together, then each of the three.
    assert_eq!(boards.len(), 4);
    let c4 = boards
        .iter()
        .find(|b| b["scope"] == "connect_four")
        .expect("a connect_four board");
    let rows = c4["rows"].as_array().unwrap();
    assert_eq!(rows[0]["participant"], "baseline_connect_four", "{c4}");
    assert_eq!(rows[0]["wins"], 4, "the baseline beats random: {c4}");
    let bt = &rows[0]["bradley_terry"];
    assert!(
        bt["lo"].as_f64() <= bt["rating"].as_f64() && bt["rating"].as_f64() <= bt["hi"].as_f64()
    );
    let poker = boards.iter().find(|b| b["scope"] == "poker").unwrap();
    assert_eq!(
        poker["poker"].as_array().unwrap().len(),
        2,
        "bb/100 rows: {poker}"
    );

    let csv = ok(&runner(&[
        "leaderboard",
        "--db",
        db,
        "--format",
        "csv",
        "--game",
        "tic_tac_toe",
    ]));
    let mut lines = csv.lines();
    assert!(
        lines
            .next()
            .unwrap()
            .starts_with("scope,rank,participant,bt_rating,bt_lo,bt_hi")
    );
    assert_eq!(lines.count(), 2, "{csv}");

    let md = ok(&runner(&[
        "leaderboard",
        "--db",
        db,
        "--format",
        "markdown",
        "--game",
        "poker",
    ]));
    assert!(
        md.contains("| # | participant |") && md.contains("bb/100"),
        "{md}"
    );
}

#[test]
fn leaderboard_and_report_refuse_bad_input() {
    let dir = scratch("report-bad");
    let db = fixture_db(&dir);
    let db_s = db.to_str().unwrap();
    let foreign = dir.join("foreign.db");
    Connection::open(&foreign)
        .unwrap()
        .execute_batch("CREATE TABLE notes (x TEXT); INSERT INTO notes VALUES ('mine');")
        .unwrap();
    let empty = dir.join("empty.db");
    std::fs::write(&empty, b"").unwrap();
    let empty_s = empty.to_str().unwrap().to_string();
    let occupied = dir.join("occupied");
    std::fs::create_dir_all(&occupied).unwrap();
    std::fs::write(occupied.join("thesis.tex"), "keep me").unwrap();

    let foreign_s = foreign.to_str().unwrap().to_string();
    let missing = dir.join("missing.db");
    let missing_s = missing.to_str().unwrap().to_string();
    let occupied_s = occupied.to_str().unwrap().to_string();
    let fresh_s = dir.join("r").to_str().unwrap().to_string();
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (vec!["leaderboard", "--db", &missing_s], "missing.db"),
        (vec!["leaderboard", "--db", &foreign_s], "not an llm-arena"),
        (vec!["leaderboard", "--db", &empty_s], "empty.db"),
        (
            vec!["leaderboard", "--db", db_s, "--game", "chess"],
            "no episode of game \"chess\"",
        ),
        (
            vec!["leaderboard", "--db", db_s, "--run", "nope"],
            "no run \"nope\"",
        ),
        (
            vec!["leaderboard", "--db", db_s, "--format", "xml"],
            "unknown leaderboard format",
        ),
        (
            vec!["report", "--db", db_s, "--out", &occupied_s],
            "holds no earlier report",
        ),
        (
            vec!["report", "--db", &foreign_s, "--out", &fresh_s],
            "not an llm-arena",
        ),
    ];
    let before = std::fs::read(&db).unwrap();
    for (args, expected) in cases {
        let out = runner(&args);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(
            stderr.contains(expected),
            "{args:?}: expected {expected:?} in:\n{stderr}"
        );
    }
    assert_eq!(std::fs::read(&db).unwrap(), before, "the database changed");
    assert_eq!(
        std::fs::read_to_string(occupied.join("thesis.tex")).unwrap(),
        "keep me"
    );
    assert_eq!(std::fs::read_dir(&occupied).unwrap().count(), 1);
    assert!(!missing.exists(), "a missing database must not be created");
    assert_eq!(
        std::fs::metadata(&empty).unwrap().len(),
        0,
        "the empty file was written to"
    );
    let conn = Connection::open(&foreign).unwrap();
    let mine: String = conn
        .query_row("SELECT x FROM notes", [], |r| r.get(0))
        .unwrap();
    assert_eq!(mine, "mine");
}

/// ChromeDriver on a free loopback port, killed when dropped.
pub(crate) struct Driver {
    child: Child,
    pub(crate) port: u16,
}

impl Drop for Driver {
    /// Stops ChromeDriver and the browser it started: they share a process
    /// group, so a test that panics before closing its session leaves no
    /// Chromium behind.
    fn drop(&mut self) {
        if let Ok(pid) = i32::try_from(self.child.id()) {
            let _ = nix::sys::signal::killpg(
                nix::unistd::Pid::from_raw(pid),
                nix::sys::signal::Signal::SIGKILL,
            );
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub(crate) fn start_driver() -> Driver {
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let child = Command::new("chromedriver")
        .arg(format!("--port={port}"))
        .process_group(0)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect(
            "chromedriver is needed for the browser test: run scripts/setup.sh --with-browser \
             (Debian packages chromium and chromium-driver)",
        );
    let deadline = Instant::now() + Duration::from_secs(30);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            Instant::now() < deadline,
            "chromedriver did not listen on port {port}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    Driver { child, port }
}

pub(crate) async fn browser(port: u16, profile: &Path) -> Client {
    let mut caps = serde_json::Map::new();
    caps.insert(
        "goog:chromeOptions".to_string(),
        serde_json::json!({
            "args": [
                "--headless=new",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-dev-shm-usage",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                format!("--user-data-dir={}", profile.display()),
            ]
        }),
    );
    let connector = hyper_util::client::legacy::connect::HttpConnector::new();
    ClientBuilder::new(connector)
        .capabilities(caps)
        .connect(&format!("http://127.0.0.1:{port}"))
        .await
        .expect("a headless Chromium session")
}

pub(crate) async fn press(client: &Client, key: char) {
    let actions = KeyActions::new("keyboard".to_string())
        .then(KeyAction::Down { value: key })
        .then(KeyAction::Up { value: key });
    client.perform_actions(actions).await.unwrap();
}

/// The text of the element `css` selects. Pages redraw parts of
/// themselves (the viewer on each step, the live progress panel every two
/// seconds), so an element found may be replaced before its text is read: a
/// stale element is looked up again.
pub(crate) async fn text(client: &Client, css: &str) -> String {
    let mut last = None;
    for _ in 0..10 {
        let element = client
            .find(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("{css}: {e}"));
        match element.text().await {
            Ok(text) => return text,
            Err(e) => {
                last = Some(e);
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        }
    }
    panic!("{css}: {:?}", last)
}

pub(crate) async fn eval_bool(client: &Client, script: &str) -> bool {
    client
        .execute(script, vec![])
        .await
        .unwrap()
        .as_bool()
        .unwrap_or_else(|| panic!("{script} is not a boolean"))
}

#[test]
fn report_works_in_headless_chromium_and_never_runs_model_text() {
    let dir = scratch("report-browser");
    let db = fixture_db(&dir);
    // Plant markup in what "a model" wrote at the first decision of the first
    // poker episode: its reply, its reasoning and a rejected attempt.
    let conn = Connection::open(&db).unwrap();
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
    drop(conn);

    let out = dir.join("report");
    let index = ok(&runner(&[
        "report",
        "--db",
        db.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]));
    let index = PathBuf::from(index.trim());
    assert_eq!(index, out.join("index.html"));
    let pages = std::fs::read_dir(out.join("episodes")).unwrap().count();
    assert_eq!(pages, 12, "a replay page per episode");
    let html = std::fs::read_to_string(&index).unwrap();
    assert!(
        !html.contains("<script>window"),
        "model text in the page unescaped"
    );
    // The report is self-contained: nothing is fetched from anywhere else.
    for page in [
        html.clone(),
        std::fs::read_to_string(out.join("episodes/00000.html")).unwrap(),
    ] {
        assert!(
            !page.contains("http://") && !page.contains("https://"),
            "external reference"
        );
    }
    // Writing it again over itself is allowed (the folder is a report).
    ok(&runner(&[
        "report",
        "--db",
        db.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]));

    let driver = start_driver();
    let profile = dir.join("chromium-profile");
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let client = browser(driver.port, &profile).await;
        let url = format!("file://{}", index.display());
        client.goto(&url).await.unwrap();

        // The overall leaderboard: one row per participant, best first.
        let rows = client
            .find_all(Locator::Css("#leaderboard tbody tr"))
            .await
            .unwrap();
        assert_eq!(rows.len(), 4, "four participants");
        let mut names = Vec::new();
        for row in &rows {
            names.push(row.find(Locator::Css("td.name")).await.unwrap().text().await.unwrap());
        }
        assert!(names.contains(&"random".to_string()), "{names:?}");
        assert_ne!(names[0], "random", "a baseline leads: {names:?}");
        // The charts load (SVG files next to the page).
        let charts_loaded = eval_bool(
            &client,
            "return [...document.images].length >= 5 && [...document.images].every(i => i.complete && i.naturalWidth > 0)",
        )
        .await;
        assert!(charts_loaded, "every chart image loads");

        // Open the planted poker episode from the episode list.
        let link = client
            .find(Locator::XPath(&format!("//a[text()='{episode}']")))
            .await
            .unwrap();
        link.click().await.unwrap();
        client.wait().for_element(Locator::Id("step-counter")).await.unwrap();
        let counter = text(&client, "#step-counter").await;
        let total: usize = counter.rsplit(' ').next().unwrap().parse().unwrap();
        assert_eq!(counter, format!("step 0 / {total}"));

        // Step with the keyboard to the planted decision.
        for _ in 0..=ply {
            press(&client, Key::Right.into()).await;
        }
        assert_eq!(text(&client, "#step-counter").await, format!("step {} / {total}", ply + 1));
        let shown = text(&client, "#raw-response").await;
        assert_eq!(shown, PLANTED, "the reply is shown as the characters it is");
        let reasoning = text(&client, "#reasoning").await;
        assert!(reasoning.contains("<script>window.__pwned = 3</script>"), "{reasoning}");
        assert!(
            eval_bool(&client, "return window.__pwned === undefined").await,
            "planted script ran"
        );
        assert!(
            eval_bool(
                &client,
                "return document.querySelectorAll('#step-details script, #step-details img').length === 0"
            )
            .await,
            "planted elements were created"
        );

        // A seat's view: seat 1's hole cards show in the omniscient board
        // and not in seat 0's view (before any showdown).
        press(&client, Key::Home.into()).await;
        for _ in 0..4 {
            press(&client, Key::Right.into()).await;
        }
        let everything = text(&client, "#board").await;
        assert_eq!(everything.matches(", cards ").count(), 2, "{everything}");
        press(&client, 'v').await;
        let seat0 = text(&client, "#board").await;
        assert_eq!(seat0.matches(", cards ").count(), 1, "seat 0 sees only its own cards:\n{seat0}");
        assert_eq!(text(&client, "#action").await, "(a card or draw)");

        // End jumps to the last step; the move list marks it.
        press(&client, Key::End.into()).await;
        assert_eq!(text(&client, "#step-counter").await, format!("step {total} / {total}"));
        let current = client.find_all(Locator::Css("#moves li.current")).await.unwrap();
        assert_eq!(current.len(), 1);
        assert!(
            eval_bool(&client, "return window.__pwned === undefined").await,
            "planted script ran"
        );
        client.close().await.unwrap();
    });
}
