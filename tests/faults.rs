//! Fault injection: a 200-episode run against a misbehaving local
//! OpenAI-compatible server that answers 20 % of calls with 500, lets 10 %
//! hang past the client's timeout, returns garbage (5 %) or truncated (5 %)
//! JSON, 429 with `Retry-After` for 5 %, and streams every other reply
//! slowly in pieces. The run must finish; every episode must end with a
//! final or explicit status and a reason; retries and fallbacks must be in
//! the record; the record's invariants must hold (contiguous plies, every
//! finished episode replays, returns consistent with outcomes).

use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::process::Command;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use rusqlite::Connection;

use crate::util::{read_request, runner};

/// What the server did to one request.
#[derive(Clone, Copy, Debug)]
enum Fault {
    ServerError,
    Hang,
    Garbage,
    Truncated,
    RateLimited,
    SlowOk,
}

const KINDS: [Fault; 6] = [
    Fault::ServerError,
    Fault::Hang,
    Fault::Garbage,
    Fault::Truncated,
    Fault::RateLimited,
    Fault::SlowOk,
];

/// The fault for request `n`: a fixed pseudo-random pattern (SplitMix64),
/// so the mix is the same in every run.
fn fault(n: u64) -> (Fault, u64) {
    let mut z = n.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^= z >> 31;
    let kind = match z % 100 {
        0..20 => Fault::ServerError,
        20..30 => Fault::Hang,
        30..35 => Fault::Garbage,
        35..40 => Fault::Truncated,
        40..45 => Fault::RateLimited,
        _ => Fault::SlowOk,
    };
    (kind, z >> 32)
}

struct Server {
    url: String,
    counts: Arc<Vec<AtomicUsize>>,
}

fn serve() -> Server {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/v1", listener.local_addr().unwrap());
    let counts: Arc<Vec<AtomicUsize>> =
        Arc::new(KINDS.iter().map(|_| AtomicUsize::new(0)).collect());
    let requests = Arc::new(AtomicUsize::new(0));
    let shared = counts.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let (counts, requests) = (shared.clone(), requests.clone());
            std::thread::spawn(move || handle(stream, &counts, &requests));
        }
    });
    Server { url, counts }
}

fn handle(stream: TcpStream, counts: &[AtomicUsize], requests: &AtomicUsize) {
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut out = stream;
    while read_request(&mut reader).is_some() {
        let n = requests.fetch_add(1, Ordering::SeqCst) as u64;
        let (kind, noise) = fault(n);
        counts[KINDS
            .iter()
            .position(|k| std::mem::discriminant(k) == std::mem::discriminant(&kind))
            .unwrap()]
        .fetch_add(1, Ordering::SeqCst);
        // A square 1-9: often illegal, so re-prompts and fallbacks happen.
        let square = noise % 9 + 1;
        let ok = format!(
            r#"{{"id":"x","choices":[{{"index":0,"finish_reason":"stop","message":{{"role":"assistant","content":"I take a square.\nMove: {square}"}}}}],"usage":{{"prompt_tokens":40,"completion_tokens":6}}}}"#
        );
        let respond = |out: &mut TcpStream, status: &str, extra: &str, body: &str| {
            let head = format!(
                "HTTP/1.1 {status}\r\ncontent-type: application/json\r\n{extra}content-length: {}\r\n\r\n",
                body.len()
            );
            out.write_all(head.as_bytes())
                .and_then(|()| out.write_all(body.as_bytes()))
        };
        let result = match kind {
            Fault::ServerError => respond(
                &mut out,
                "500 Internal Server Error",
                "",
                r#"{"error":"overloaded"}"#,
            ),
            Fault::Hang => {
                // Past the client's timeout, then the connection is dropped.
                std::thread::sleep(Duration::from_millis(1500));
                return;
            }
            Fault::Garbage => respond(&mut out, "200 OK", "", "<html>proxy error</html>"),
            Fault::Truncated => {
                let cut = &ok[..ok.len() / 2];
                let head = format!(
                    "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n",
                    ok.len()
                );
                let _ = out.write_all(head.as_bytes());
                let _ = out.write_all(cut.as_bytes());
                return;
            }
            Fault::RateLimited => respond(
                &mut out,
                "429 Too Many Requests",
                "retry-after: 1\r\n",
                r#"{"error":"rate limited"}"#,
            ),
            Fault::SlowOk => {
                let head = format!(
                    "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n",
                    ok.len()
                );
                let mut r = out.write_all(head.as_bytes());
                for piece in ok.as_bytes().chunks(ok.len() / 4 + 1) {
                    std::thread::sleep(Duration::from_millis(15));
                    r = r
                        .and_then(|()| out.write_all(piece))
                        .and_then(|()| out.flush());
                }
                r
            }
        };
        if result.is_err() {
            return;
        }
    }
}

fn count(conn: &Connection, sql: &str) -> i64 {
    conn.query_row(sql, [], |r| r.get(0)).unwrap()
}

#[test]
fn a_200_episode_run_survives_a_misbehaving_server() {
    let dir = std::env::temp_dir().join(format!("arena-e2e-faults-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let db = dir.join("arena.db");
    // Enough requests in flight for the run to finish in seconds despite the
    // hangs and back-offs.
    let catalog = dir.join("catalog.json");
    std::fs::write(
        &catalog,
        r#"{"models": {"openai/faulty": {"concurrency": 32}}}"#,
    )
    .unwrap();
    let server = serve();
    let out = Command::new(env!("CARGO_BIN_EXE_runner"))
        .args([
            "--config",
            "configs/random_vs_random.yaml",
            "--override",
            "mode=llm_vs_random",
            "--override",
            "env_configs=[tic_tac_toe]",
            "--override",
            "agents.player_0={type: llm, model: litellm_openai/faulty}",
            "--override",
            "num_episodes=200",
            "--override",
            "concurrency=32",
            "--override",
            "llm_backend.request_timeout_s=0.4",
            "--override",
            "llm_backend.max_retries=3",
            "--override",
            "illegal_move_policy.on_failure=random",
            "--override",
            &format!("log.db={}", db.display()),
            "--quiet",
        ])
        .env("OPENAI_API_KEY", "sk-test")
        .env("OPENAI_API_BASE", &server.url)
        .env("ARENA_LITELLM_CATALOG", &catalog)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stdout}\n{stderr}");
    let injected: Vec<(String, usize)> = KINDS
        .iter()
        .zip(server.counts.iter())
        .map(|(k, c)| (format!("{k:?}"), c.load(Ordering::SeqCst)))
        .collect();
    eprintln!("faults injected: {injected:?}");
    for (kind, n) in &injected {
        assert!(*n > 10, "too few {kind} faults: {injected:?}");
    }

    let conn = Connection::open(&db).unwrap();
    assert_eq!(
        count(
            &conn,
            "SELECT COUNT(*) FROM runs WHERE status = 'completed'"
        ),
        1
    );
    assert_eq!(count(&conn, "SELECT COUNT(*) FROM episodes"), 200);
    // Every episode ended, with a reason unless it completed.
    assert_eq!(
        count(
            &conn,
            "SELECT COUNT(*) FROM episodes WHERE status NOT IN ('completed', 'truncated', 'forfeit', 'aborted')"
        ),
        0
    );
    assert_eq!(
        count(
            &conn,
            "SELECT COUNT(*) FROM episodes WHERE status <> 'completed' AND reason IS NULL"
        ),
        0
    );
    assert!(
        count(
            &conn,
            "SELECT COUNT(*) FROM episodes WHERE status = 'completed'"
        ) >= 150
    );
    // Plies are contiguous per episode.
    assert_eq!(
        count(
            &conn,
            "SELECT COUNT(*) FROM (SELECT episode_id, COUNT(*) AS n, MAX(ply) AS top FROM moves
             GROUP BY episode_id) WHERE n <> top + 1"
        ),
        0
    );
    // Returns agree with outcomes and sum to zero.
    assert_eq!(
        count(
            &conn,
            r#"SELECT COUNT(*) FROM episode_players p JOIN episodes e USING (episode_id)
               WHERE e.status = 'completed' AND NOT (
                 (p.outcome = 'win' AND p."return" > 0) OR (p.outcome = 'loss' AND p."return" < 0)
                 OR (p.outcome = 'draw' AND p."return" = 0))"#
        ),
        0
    );
    assert_eq!(
        count(
            &conn,
            r#"SELECT COUNT(*) FROM (SELECT episode_id, SUM(p."return") AS s FROM episode_players p
               JOIN episodes e USING (episode_id) WHERE e.status = 'completed' GROUP BY episode_id)
               WHERE s <> 0"#
        ),
        0
    );
    // Retries, failed attempts and fallbacks are in the record.
    let retried = count(
        &conn,
        "SELECT COUNT(*) FROM moves WHERE json_array_length(json_extract(metadata, '$.retries')) > 0",
    );
    let agent_errors = count(
        &conn,
        "SELECT COUNT(*) FROM attempts WHERE status = 'agent_error'",
    );
    let illegal = count(
        &conn,
        "SELECT COUNT(*) FROM attempts WHERE status = 'illegal'",
    );
    let fallbacks = count(
        &conn,
        "SELECT COUNT(*) FROM moves WHERE parse_status = 'fallback'",
    );
    eprintln!(
        "moves with retries {retried}, agent_error attempts {agent_errors}, illegal attempts {illegal}, fallbacks {fallbacks}"
    );
    assert!(
        retried > 50 && illegal > 50 && fallbacks > 0,
        "retries and fallbacks are recorded"
    );
    drop(conn);
    let check = runner(&["replay", "--db", db.to_str().unwrap(), "--check"]);
    assert!(
        check.status.success(),
        "{}",
        String::from_utf8_lossy(&check.stderr)
    );
}

/// A server that answers `before` requests, then disappears (its port
/// refuses connections and open connections are dropped) for `outage`, then
/// comes back on the same port.
fn serve_with_outage(before: usize, outage: Duration) -> (String, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let url = format!("http://{addr}/v1");
    let served = Arc::new(AtomicUsize::new(0));
    let generation = Arc::new(AtomicUsize::new(0));
    let (s, g) = (served.clone(), generation.clone());
    std::thread::spawn(move || {
        let accept = |listener: TcpListener, stop_after: Option<usize>| {
            // Polled, so the outage starts on time even when every client
            // is on a kept-alive connection and nobody connects.
            listener.set_nonblocking(true).unwrap();
            loop {
                if stop_after.is_some_and(|n| s.load(Ordering::SeqCst) >= n) {
                    return;
                }
                match listener.accept() {
                    Ok((stream, _)) => {
                        stream.set_nonblocking(false).unwrap();
                        let (s2, g2) = (s.clone(), g.clone());
                        let mine = g.load(Ordering::SeqCst);
                        std::thread::spawn(move || answer(stream, &s2, &g2, mine));
                    }
                    Err(_) => std::thread::sleep(Duration::from_millis(5)),
                }
            }
        };
        accept(listener, Some(before));
        // Gone: the listener is closed and every open connection drops.
        generation.fetch_add(1, Ordering::SeqCst);
        std::thread::sleep(outage);
        let back = TcpListener::bind(addr).expect("the port is free again");
        accept(back, None);
    });
    (url, served)
}

fn answer(stream: TcpStream, served: &AtomicUsize, generation: &AtomicUsize, mine: usize) {
    let _ = stream.set_read_timeout(Some(Duration::from_millis(200)));
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut out = stream;
    loop {
        // Wait for the next request, dropping the connection when the
        // server goes away.
        loop {
            if generation.load(Ordering::SeqCst) != mine {
                return;
            }
            match reader.fill_buf() {
                Ok([]) => return,
                Ok(_) => break,
                Err(e)
                    if matches!(
                        e.kind(),
                        std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                    ) => {}
                Err(_) => return,
            }
        }
        if read_request(&mut reader).is_none() || generation.load(Ordering::SeqCst) != mine {
            return;
        }
        let n = served.fetch_add(1, Ordering::SeqCst);
        let ok = format!(
            r#"{{"id":"x","choices":[{{"index":0,"finish_reason":"stop","message":{{"role":"assistant","content":"Move: {}"}}}}],"usage":{{"prompt_tokens":40,"completion_tokens":3}}}}"#,
            n % 9 + 1
        );
        let reply = format!(
            "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n{ok}",
            ok.len()
        );
        if out.write_all(reply.as_bytes()).is_err() {
            return;
        }
    }
}

#[test]
fn a_server_that_disappears_and_comes_back_never_hangs_the_run() {
    let dir = std::env::temp_dir().join(format!("arena-e2e-outage-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let db = dir.join("arena.db");
    let (url, served) = serve_with_outage(60, Duration::from_secs(4));
    let started = std::time::Instant::now();
    let out = Command::new(env!("CARGO_BIN_EXE_runner"))
        .args([
            "--config",
            "configs/random_vs_random.yaml",
            "--override",
            "mode=llm_vs_random",
            "--override",
            "env_configs=[tic_tac_toe]",
            "--override",
            "agents.player_0={type: llm, model: litellm_openai/flaky}",
            "--override",
            "num_episodes=40",
            "--override",
            "concurrency=8",
            "--override",
            "llm_backend.request_timeout_s=2",
            "--override",
            "llm_backend.max_retries=3",
            "--override",
            "illegal_move_policy.on_failure=random",
            "--override",
            &format!("log.db={}", db.display()),
            "--quiet",
        ])
        .env("OPENAI_API_KEY", "sk-test")
        .env("OPENAI_API_BASE", &url)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .unwrap();
    let elapsed = started.elapsed();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(
        served.load(Ordering::SeqCst) > 60,
        "the server came back and was used again"
    );
    eprintln!("outage run took {elapsed:?}");
    let conn = Connection::open(&db).unwrap();
    assert_eq!(count(&conn, "SELECT COUNT(*) FROM episodes"), 40);
    // Each episode either finished or ended aborted, with the reason.
    assert_eq!(
        count(
            &conn,
            "SELECT COUNT(*) FROM episodes WHERE NOT (status IN ('completed', 'truncated', 'forfeit')
             OR (status = 'aborted' AND reason IS NOT NULL))"
        ),
        0
    );
    // The outage is in the record: connection failures retried or failed.
    let outage_seen = count(
        &conn,
        "SELECT (SELECT COUNT(*) FROM moves WHERE json_array_length(json_extract(metadata, '$.retries')) > 0)
              + (SELECT COUNT(*) FROM attempts WHERE status = 'agent_error')",
    );
    assert!(outage_seen > 0, "the outage left no trace in the record");
}
