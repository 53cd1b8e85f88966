//! The HTTP path's own cost per decision, server time excluded: a
//! `litellm_` agent asks a loopback server that answers at once with a canned
//! reply. `decide` covers the prompt, the request body, the limits, the
//! round trip, JSON parsing and the record; `bare_reqwest_post` is the same
//! round trip with nothing else, the floor the agent's overhead sits on.

use std::collections::BTreeMap;
use std::time::Duration;

use arena_agents::{
    ApiEnv, DecisionRequest, HttpClient, HttpSettings, LitellmCatalog, Sampling,
    build_litellm_agent,
};
use arena_games::{Turn, build};
use criterion::{Criterion, criterion_group, criterion_main};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const REPLY: &str = r#"{"id":"c1","choices":[{"message":{"role":"assistant","content":"The centre is strongest.\nMove: 5"},"finish_reason":"stop"}],"usage":{"prompt_tokens":180,"completion_tokens":12}}"#;

/// Serves every request on every connection with `REPLY`, at once.
async fn instant_server() -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            tokio::spawn(async move {
                let reply = format!(
                    "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n{REPLY}",
                    REPLY.len()
                );
                while read_request(&mut socket).await {
                    if socket.write_all(reply.as_bytes()).await.is_err() {
                        return;
                    }
                }
            });
        }
    });
    url
}

/// Reads one request (headers and a `content-length` body); false at EOF.
async fn read_request(socket: &mut tokio::net::TcpStream) -> bool {
    let mut data = Vec::new();
    let mut buf = [0u8; 8192];
    let header_end = loop {
        if let Some(at) = data.windows(4).position(|w| w == b"\r\n\r\n") {
            break at + 4;
        }
        match socket.read(&mut buf).await {
            Ok(0) | Err(_) => return false,
            Ok(n) => data.extend_from_slice(&buf[..n]),
        }
    };
    let headers = String::from_utf8_lossy(&data[..header_end]).to_ascii_lowercase();
    let length: usize = headers
        .lines()
        .find_map(|l| l.strip_prefix("content-length:"))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(0);
    while data.len() < header_end + length {
        match socket.read(&mut buf).await {
            Ok(0) | Err(_) => return false,
            Ok(n) => data.extend_from_slice(&buf[..n]),
        }
    }
    true
}

fn http_decision(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let url = rt.block_on(instant_server());
    let env = ApiEnv::from_vars([
        ("GROQ_API_KEY", "bench-key".to_string()),
        ("GROQ_API_BASE", url.clone()),
    ]);
    let catalog = LitellmCatalog::from_value(serde_json::json!({"models": {"groq/bench": {
        "input_cost_per_token": 5e-8, "output_cost_per_token": 8e-8,
        "supports_response_schema": true}}}))
    .unwrap();
    let settings = HttpSettings {
        request_timeout: Duration::from_secs(5),
        ..HttpSettings::default()
    };
    let client = HttpClient::new().unwrap();
    let agent =
        build_litellm_agent("litellm_groq/bench", &env, &catalog, &settings, &client).unwrap();

    let state = build("connect_four", &BTreeMap::new())
        .unwrap()
        .new_initial_state();
    let Turn::Seat(seat) = state.turn() else {
        unreachable!("Connect Four starts with a player to move")
    };
    let request = DecisionRequest {
        game: "connect_four".to_string(),
        seat,
        episode_key: 1,
        observation: state.observation_text(seat),
        legal_actions: state.legal_actions(),
        legal_summary: state.legal_summary(),
        constraint: state.move_constraint(),
        attempt: 1,
        previous_error: None,
        sampling: Sampling::default(),
        state: None,
    };
    let body =
        serde_json::json!({"model": "bench", "messages": [{"role": "user", "content": "x"}]});
    let bare = reqwest::Client::new();
    let chat_url = format!("{url}/chat/completions");

    let mut group = c.benchmark_group("http");
    group.bench_function("litellm_decide_instant_server", |b| {
        b.iter(|| {
            let response = rt.block_on(agent.decide(&request)).unwrap();
            assert!(response.raw.ends_with("Move: 5"));
        })
    });
    group.bench_function("bare_reqwest_post", |b| {
        b.iter(|| {
            rt.block_on(async {
                let reply = bare
                    .post(&chat_url)
                    .header("content-type", "application/json")
                    .body(body.to_string())
                    .send()
                    .await
                    .unwrap();
                reply.bytes().await.unwrap()
            })
        })
    });
    group.finish();
}

criterion_group!(benches, http_decision);
criterion_main!(benches);
