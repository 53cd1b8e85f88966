//! Observability of long runs: `--log-format json` makes standard error one
//! JSON object per line (runs, episodes, the runner's messages), and
//! `--metrics-addr` serves Prometheus metrics while a run plays.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::util::{ok, refused, scratch};

#[test]
fn json_logs_are_one_object_per_line() {
    let dir = scratch("json-logs");
    let db = dir.join("arena.db");
    let out = Command::new(env!("CARGO_BIN_EXE_runner"))
        .args([
            "--log-format",
            "json",
            "--config",
            "configs/random_vs_random.yaml",
            "--override",
            "env_configs=[tic_tac_toe]",
            "--override",
            "num_episodes=3",
            "--db",
            db.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    let table = ok(&out);
    assert!(
        table.contains("tic_tac_toe"),
        "the summary still goes to stdout"
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    let events: Vec<serde_json::Value> = stderr
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
        .collect();
    let messages: Vec<&str> = events
        .iter()
        .filter_map(|e| e["message"].as_str())
        .collect();
    assert!(
        messages
            .iter()
            .any(|m| m.starts_with("run ") && m.contains("3 episodes")),
        "{messages:?}"
    );
    assert_eq!(
        messages
            .iter()
            .filter(|m| **m == "episode finished")
            .count(),
        3
    );
    assert!(messages.contains(&"run started") && messages.contains(&"run finished"));
    let finished = events
        .iter()
        .find(|e| e["message"] == "episode finished")
        .unwrap();
    assert_eq!(finished["status"], "completed");
    assert_eq!(finished["level"], "INFO");

    // An error is an event too.
    let out = Command::new(env!("CARGO_BIN_EXE_runner"))
        .args([
            "--log-format",
            "json",
            "leaderboard",
            "--db",
            dir.join("none.db").to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let line = String::from_utf8_lossy(&out.stderr);
    let event: serde_json::Value = serde_json::from_str(line.trim()).unwrap();
    assert_eq!(event["level"], "ERROR");
    assert!(
        event["error"].as_str().unwrap().contains("none.db"),
        "{event}"
    );
}

fn get(port: u16, path: &str) -> Option<String> {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).ok()?;
    write!(stream, "GET {path} HTTP/1.1\r\nhost: localhost\r\n\r\n").ok()?;
    let mut body = String::new();
    stream.read_to_string(&mut body).ok()?;
    Some(body)
}

#[test]
fn metrics_are_served_while_a_run_plays() {
    let dir = scratch("metrics");
    let db = dir.join("arena.db");
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let addr = format!("127.0.0.1:{port}");
    let mut child = Command::new(env!("CARGO_BIN_EXE_runner"))
        .args([
            "--metrics-addr",
            &addr,
            "--config",
            "configs/random_vs_random.yaml",
            "--override",
            "mode=random_vs_baseline",
            "--override",
            "env_configs=[connect_four]",
            "--override",
            "num_episodes=100000",
            "--override",
            "concurrency=1",
            "--db",
            db.to_str().unwrap(),
            "--quiet",
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let started = Instant::now();
    let mut seen = None;
    while started.elapsed() < Duration::from_secs(60) {
        if let Some(body) = get(port, "/metrics")
            && body.contains("arena_episodes_finished_total{status=\"completed\"}")
        {
            seen = Some(body);
            break;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let pid = nix::unistd::Pid::from_raw(i32::try_from(child.id()).unwrap());
    nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGINT).unwrap();
    let status = child.wait().unwrap();
    let body = seen.expect("the metrics endpoint showed a finished episode");
    assert!(body.starts_with("HTTP/1.1 200 OK"), "{body}");
    assert!(
        body.contains("arena_decisions_total{agent=\"baseline_connect_four\"}"),
        "{body}"
    );
    assert!(
        body.contains("arena_decision_latency_seconds_bucket{le="),
        "{body}"
    );
    assert_eq!(status.code(), Some(130));

    // An address that is taken is refused before anything runs.
    let taken = TcpListener::bind("127.0.0.1:0").unwrap();
    let taken_addr = taken.local_addr().unwrap().to_string();
    refused(
        &[
            "--metrics-addr",
            &taken_addr,
            "--config",
            "configs/random_vs_random.yaml",
            "--db",
            dir.join("other.db").to_str().unwrap(),
        ],
        &["cannot serve metrics on", "--metrics-addr"],
    );
    assert!(!dir.join("other.db").exists());
}
