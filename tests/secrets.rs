//! A sentinel API key set in the environment never reaches the database,
//! the terminal output or an export — not even when the server echoes it
//! back in an error.

use std::io::{BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::process::Command;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use crate::util::{read_request, runner};

const SENTINEL: &str = "sk-SENTINEL-9f3c1e7a-do-not-log";

/// A tiny OpenAI-compatible server on loopback: every third request fails
/// with a 500 whose body echoes the request's `Authorization` header; the
/// others answer with a fixed move.
fn serve() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/v1", listener.local_addr().unwrap());
    let count = Arc::new(AtomicUsize::new(0));
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let count = count.clone();
            std::thread::spawn(move || handle(stream, &count));
        }
    });
    url
}

fn handle(stream: TcpStream, count: &AtomicUsize) {
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut out = stream;
    while let Some((headers, _body)) = read_request(&mut reader) {
        let auth = headers
            .iter()
            .find(|(n, _)| n == "authorization")
            .map(|(n, v)| format!("{n}: {v}"))
            .unwrap_or_default();
        let n = count.fetch_add(1, Ordering::SeqCst);
        let (status, reply) = if n % 3 == 2 {
            (
                "500 Internal Server Error",
                format!("{{\"error\": \"bad request from {auth}\"}}"),
            )
        } else {
            (
                "200 OK",
                r#"{"id":"x","choices":[{"index":0,"finish_reason":"stop","message":{"role":"assistant","content":"Centre is best.\nMove: 4"}}],"usage":{"prompt_tokens":50,"completion_tokens":5}}"#
                    .to_string(),
            )
        };
        let response = format!(
            "HTTP/1.1 {status}\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n{reply}",
            reply.len()
        );
        if out.write_all(response.as_bytes()).is_err() {
            return;
        }
    }
}

#[test]
fn a_sentinel_key_never_reaches_the_record_the_output_or_exports() {
    let dir = std::env::temp_dir().join(format!("arena-e2e-secrets-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let db = dir.join("arena.db");
    let url = serve();
    let out = Command::new(env!("CARGO_BIN_EXE_runner"))
        .args([
            "--config",
            "configs/random_vs_random.yaml",
            "--override",
            "mode=llm_vs_random",
            "--override",
            "env_configs=[connect_four]",
            "--override",
            "agents.player_0={type: llm, model: litellm_openai/gpt-4o-mini}",
            "--override",
            "num_episodes=3",
            "--override",
            "llm_backend.max_retries=2",
            "--override",
            &format!("log.db={}", db.display()),
        ])
        .env("OPENAI_API_KEY", SENTINEL)
        .env("OPENAI_API_BASE", &url)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stdout}\n{stderr}");
    assert!(!stdout.contains(SENTINEL) && !stderr.contains(SENTINEL));
    // The model played (its moves are recorded), and the server's echo of
    // the key was retried, so the retries are in the record too.
    let conn = rusqlite::Connection::open(&db).unwrap();
    let model_moves: i64 = conn
        .query_row(
            "SELECT COUNT(*) FROM moves WHERE actor = 'litellm_openai/gpt-4o-mini'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert!(model_moves > 0);
    let retried: i64 = conn
        .query_row(
            "SELECT COUNT(*) FROM moves WHERE metadata LIKE '%bad request from%'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert!(retried > 0, "no retry of an echoing 500 was recorded");
    drop(conn);
    // Every byte of the database files, and every export.
    for entry in std::fs::read_dir(&dir).unwrap() {
        let bytes = std::fs::read(entry.unwrap().path()).unwrap();
        assert!(
            !bytes
                .windows(SENTINEL.len())
                .any(|w| w == SENTINEL.as_bytes()),
            "the key is in a database file"
        );
    }
    for (format, table) in [
        ("jsonl", "moves"),
        ("jsonl", "attempts"),
        ("csv", "episodes"),
        ("openai-chat", "moves"),
    ] {
        let out = runner(&[
            "export",
            "--db",
            db.to_str().unwrap(),
            "--format",
            format,
            "--table",
            table,
        ]);
        assert!(out.status.success());
        assert!(!String::from_utf8_lossy(&out.stdout).contains(SENTINEL));
    }
}
