//! The `litellm_` backends against in-process mock servers on loopback: the
//! three wire formats (request bodies checked, replies read), and the
//! reliability rules every HTTP backend shares — 401 without retries,
//! `Retry-After`, 5xx retries, timeouts, malformed replies, missing usage,
//! fallbacks, the per-model concurrency limit, several servers behind one
//! base URL variable — and that the key never shows up in an error, a
//! `Debug` print or the record.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use arena_agents::turn::{self, AttemptStatus, IllegalMovePolicy, OnFailure, Resolution};
use arena_agents::{
    Agent, AgentError, ApiEnv, DecisionRequest, DecisionResponse, HttpClient, HttpError,
    HttpSettings, JsonRequest, LitellmCatalog, Sampling, build_litellm_agent, extract_move,
    render_prompt,
};
use arena_games::{AnyState, Turn, build};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

// ---- helpers ---------------------------------------------------------------

const KEY: &str = "sk-SENTINEL-7f3e9a";

/// Fast retries so the tests take milliseconds.
fn settings() -> HttpSettings {
    HttpSettings {
        request_timeout: Duration::from_secs(5),
        max_retries: 2,
        backoff_base: Duration::from_millis(1),
        backoff_max: Duration::from_millis(5),
        max_retry_after: Duration::from_secs(5),
        concurrency: 4,
        requests_per_minute: None,
        fallbacks: Vec::new(),
        cooldown: Duration::from_millis(200),
    }
}

fn tic_tac_toe() -> Box<dyn AnyState> {
    build("tic_tac_toe", &BTreeMap::new())
        .unwrap()
        .new_initial_state()
}

/// The first decision of a tic-tac-toe game.
fn request() -> DecisionRequest {
    let state = tic_tac_toe();
    let Turn::Seat(seat) = state.turn() else {
        unreachable!("tic-tac-toe starts with a player to move")
    };
    DecisionRequest {
        game: "tic_tac_toe".to_string(),
        seat,
        episode_key: 1,
        observation: state.observation_text(seat),
        legal_actions: state.legal_actions(),
        legal_summary: state.legal_summary(),
        constraint: state.move_constraint(),
        attempt: 1,
        previous_error: None,
        sampling: Sampling {
            temperature: 0.5,
            max_tokens: 64,
            seed: 7,
        },
        state: None,
    }
}

fn catalog(value: Value) -> LitellmCatalog {
    LitellmCatalog::from_value(json!({ "models": value })).unwrap()
}

fn agent(
    name: &str,
    env: &[(&str, String)],
    catalog: &LitellmCatalog,
    settings: &HttpSettings,
) -> Arc<dyn Agent> {
    let env = ApiEnv::from_vars(env.iter().cloned());
    let client = HttpClient::new().unwrap();
    build_litellm_agent(name, &env, catalog, settings, &client).unwrap()
}

/// A Groq agent whose base URL is the mock server.
fn groq(server: &MockServer, catalog: &LitellmCatalog, settings: &HttpSettings) -> Arc<dyn Agent> {
    agent(
        "litellm_groq/test-model",
        &[
            ("GROQ_API_KEY", KEY.to_string()),
            ("GROQ_API_BASE", format!("{}/openai/v1", server.uri())),
        ],
        catalog,
        settings,
    )
}

fn chat_reply(content: &str) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(json!({
        "id": "chatcmpl-1",
        "choices": [{"index": 0, "message": {"role": "assistant", "content": content},
                     "finish_reason": "stop"}],
        "usage": {"prompt_tokens": 100, "completion_tokens": 10},
    }))
}

async fn mount(server: &MockServer, route: &str, response: ResponseTemplate) {
    Mock::given(method("POST"))
        .and(path(route))
        .respond_with(response)
        .mount(server)
        .await;
}

/// Mounted before the general reply: answers the first `n` requests.
async fn mount_first(server: &MockServer, route: &str, n: u64, response: ResponseTemplate) {
    Mock::given(method("POST"))
        .and(path(route))
        .respond_with(response)
        .up_to_n_times(n)
        .with_priority(1)
        .mount(server)
        .await;
}

async fn requests(server: &MockServer) -> Vec<Request> {
    server.received_requests().await.unwrap()
}

fn body(request: &Request) -> Value {
    serde_json::from_slice(&request.body).unwrap()
}

fn header<'a>(request: &'a Request, name: &str) -> Option<&'a str> {
    request.headers.get(name).and_then(|v| v.to_str().ok())
}

const CHAT: &str = "/openai/v1/chat/completions";

// ---- the three wire formats ------------------------------------------------

#[tokio::test]
async fn openai_compatible_request_and_reply() {
    let server = MockServer::start().await;
    mount(
        &server,
        CHAT,
        ResponseTemplate::new(200).set_body_json(json!({
            "id": "chatcmpl-42",
            "choices": [{"message": {"role": "assistant",
                "content": "{\"reasoning\": \"centre\", \"move\": \"5\"}",
                "reasoning_content": "The centre square is strongest."},
                "finish_reason": "stop"}],
            "usage": {"prompt_tokens": 120, "completion_tokens": 30,
                      "completion_tokens_details": {"reasoning_tokens": 12}},
        })),
    )
    .await;
    let catalog = catalog(json!({"groq/test-model": {
        "input_cost_per_token": 1e-6, "output_cost_per_token": 2e-6,
        "supports_response_schema": true, "max_output_tokens": 48}}));
    let agent = groq(&server, &catalog, &settings());
    let request = request();
    let response = agent.decide(&request).await.unwrap();

    let sent = requests(&server).await;
    assert_eq!(sent.len(), 1);
    assert_eq!(
        header(&sent[0], "authorization"),
        Some(format!("Bearer {KEY}").as_str())
    );
    let b = body(&sent[0]);
    assert_eq!(b["model"], "test-model");
    assert_eq!(b["messages"][0]["role"], "system");
    assert_eq!(b["messages"][1]["role"], "user");
    assert!(
        b["messages"][1]["content"]
            .as_str()
            .unwrap()
            .contains("Move:")
    );
    // The catalog caps the request's 64 tokens at the model's 48.
    assert_eq!(b["max_tokens"], 48);
    assert_eq!(b["temperature"], 0.5);
    assert_eq!(b["seed"], 7);
    let format = &b["response_format"];
    assert_eq!(format["type"], "json_schema");
    assert_eq!(format["json_schema"]["strict"], true);
    let schema = &format["json_schema"]["schema"];
    assert_eq!(schema["required"], json!(["reasoning", "move"]));
    assert_eq!(
        schema["properties"]["move"]["enum"],
        json!(request.legal_actions)
    );

    assert!(!response.constrained);
    assert!(
        response
            .raw
            .starts_with("<think>\nThe centre square is strongest.\n</think>")
    );
    let read = extract_move(&response.raw, &request.legal_actions);
    assert_eq!(read.move_text.as_deref(), Some("5"));
    assert_eq!(read.thinking, "The centre square is strongest.");
    assert_eq!(
        (
            response.prompt_tokens,
            response.completion_tokens,
            response.reasoning_tokens
        ),
        (Some(120), Some(30), Some(12))
    );
    let cost = response.cost_usd.unwrap();
    assert!(
        (cost - (120.0 * 1e-6 + 30.0 * 2e-6)).abs() < 1e-12,
        "{cost}"
    );
    assert!(response.latency_ms > 0.0);
    let prompt: Value = serde_json::from_str(&response.prompt).unwrap();
    assert_eq!(prompt["messages"], b["messages"]);
    let m = &response.metadata;
    assert_eq!(m["provider"], "groq");
    assert_eq!(m["model"], "test-model");
    assert_eq!(m["endpoint"], "127.0.0.1");
    assert_eq!(m["catalog_entry"], "groq/test-model");
    assert_eq!(m["http_attempts"], 1);
    assert_eq!(m["retries"], json!([]));
    assert_eq!(m["fallback_used"], Value::Null);
    assert_eq!(m["finish_reason"], "stop");
    assert_eq!(m["response_id"], "chatcmpl-42");
    assert_eq!(m["response_schema"], true);
}

#[tokio::test]
async fn openai_itself_gets_max_completion_tokens_and_unknown_models_no_schema() {
    let server = MockServer::start().await;
    // No usage in the reply: the counts and the cost are unknown, not an error.
    mount(
        &server,
        "/v1/chat/completions",
        ResponseTemplate::new(200).set_body_json(json!({
            "choices": [{"message": {"content": "Move: 1"}, "finish_reason": "stop"}]})),
    )
    .await;
    let agent = agent(
        "litellm_gpt-4o-mini",
        &[
            ("OPENAI_API_KEY", KEY.to_string()),
            ("OPENAI_API_BASE", format!("{}/v1", server.uri())),
        ],
        &LitellmCatalog::default(),
        &settings(),
    );
    assert_eq!(agent.name(), "litellm_gpt-4o-mini");
    let response = agent.decide(&request()).await.unwrap();
    let b = body(&requests(&server).await[0]);
    assert_eq!(b["model"], "gpt-4o-mini");
    assert_eq!(b["max_completion_tokens"], 64);
    assert!(b.get("max_tokens").is_none());
    assert!(b.get("response_format").is_none());
    assert_eq!(response.raw, "Move: 1");
    assert_eq!(
        (
            response.prompt_tokens,
            response.completion_tokens,
            response.cost_usd
        ),
        (None, None, None)
    );
    assert_eq!(response.metadata["response_schema"], false);
    assert_eq!(response.metadata["provider"], "openai");
}

#[tokio::test]
async fn anthropic_messages_request_and_reply() {
    let server = MockServer::start().await;
    mount(
        &server,
        "/v1/messages",
        ResponseTemplate::new(200).set_body_json(json!({
            "id": "msg_01", "type": "message", "role": "assistant",
            "content": [{"type": "thinking", "thinking": "Corners are fine too.", "signature": "s"},
                        {"type": "text", "text": "I take a corner.\nMove: 1"}],
            "stop_reason": "end_turn",
            "usage": {"input_tokens": 200, "output_tokens": 20},
        })),
    )
    .await;
    let catalog = catalog(json!({"anthropic/claude-test": {
        "input_cost_per_token": 1e-6, "output_cost_per_token": 5e-6,
        "supports_response_schema": true}}));
    let agent = agent(
        "litellm_anthropic/claude-test",
        &[
            ("ANTHROPIC_API_KEY", KEY.to_string()),
            ("ANTHROPIC_API_BASE", server.uri()),
        ],
        &catalog,
        &settings(),
    );
    let request = request();
    let response = agent.decide(&request).await.unwrap();
    let sent = requests(&server).await;
    assert_eq!(header(&sent[0], "x-api-key"), Some(KEY));
    assert_eq!(header(&sent[0], "anthropic-version"), Some("2023-06-01"));
    assert!(header(&sent[0], "authorization").is_none());
    let b = body(&sent[0]);
    assert_eq!(b["model"], "claude-test");
    let prompt = render_prompt(&request, false).unwrap();
    assert_eq!(b["system"], prompt.system.as_str());
    assert_eq!(
        b["messages"],
        json!([{"role": "user", "content": prompt.user}])
    );
    assert_eq!(b["max_tokens"], 64);
    assert_eq!(b["temperature"], 0.5);
    // The Messages API takes no seed and no reply schema.
    assert!(b.get("seed").is_none() && b.get("response_format").is_none());
    let read = extract_move(&response.raw, &request.legal_actions);
    assert_eq!(read.move_text.as_deref(), Some("1"));
    assert_eq!(read.thinking, "Corners are fine too.");
    assert_eq!(
        (response.prompt_tokens, response.completion_tokens),
        (Some(200), Some(20))
    );
    assert!((response.cost_usd.unwrap() - 3e-4).abs() < 1e-12);
    assert_eq!(response.metadata["finish_reason"], "end_turn");
    assert_eq!(response.metadata["response_schema"], false);
    let prompt: Value = serde_json::from_str(&response.prompt).unwrap();
    assert_eq!(prompt["system"], b["system"]);
}

#[tokio::test]
async fn gemini_generate_content_request_and_reply() {
    let server = MockServer::start().await;
    mount(
        &server,
        "/v1beta/models/gemini-test:generateContent",
        ResponseTemplate::new(200).set_body_json(json!({
            "responseId": "resp-9",
            "candidates": [{"content": {"role": "model", "parts": [
                {"text": "Weighing the centre.", "thought": true},
                {"text": "{\"reasoning\": \"centre\", \"move\": \"5\"}"}]},
                "finishReason": "STOP"}],
            "usageMetadata": {"promptTokenCount": 50, "candidatesTokenCount": 8,
                              "thoughtsTokenCount": 4, "totalTokenCount": 62},
        })),
    )
    .await;
    let catalog = catalog(json!({"gemini/gemini-test": {
        "input_cost_per_token": 1e-7, "output_cost_per_token": 4e-7,
        "supports_response_schema": true}}));
    let agent = agent(
        "litellm_gemini/gemini-test",
        &[
            ("GEMINI_API_KEY", KEY.to_string()),
            ("GEMINI_API_BASE", server.uri()),
        ],
        &catalog,
        &settings(),
    );
    let request = request();
    let response = agent.decide(&request).await.unwrap();
    let sent = requests(&server).await;
    assert_eq!(header(&sent[0], "x-goog-api-key"), Some(KEY));
    assert!(
        !sent[0].url.as_str().contains(KEY),
        "the key is not in the URL"
    );
    let b = body(&sent[0]);
    assert!(b["systemInstruction"]["parts"][0]["text"].is_string());
    assert_eq!(b["contents"][0]["role"], "user");
    let config = &b["generationConfig"];
    assert_eq!(config["maxOutputTokens"], 64);
    assert_eq!(config["temperature"], 0.5);
    assert_eq!(config["seed"], 7);
    assert_eq!(config["responseMimeType"], "application/json");
    assert_eq!(config["responseSchema"]["type"], "OBJECT");
    assert_eq!(
        config["responseSchema"]["properties"]["move"]["enum"],
        json!(request.legal_actions)
    );
    let read = extract_move(&response.raw, &request.legal_actions);
    assert_eq!(read.move_text.as_deref(), Some("5"));
    assert_eq!(read.thinking, "Weighing the centre.");
    assert_eq!(
        (
            response.prompt_tokens,
            response.completion_tokens,
            response.reasoning_tokens
        ),
        (Some(50), Some(12), Some(4))
    );
    assert_eq!(response.metadata["response_id"], "resp-9");
    assert_eq!(response.metadata["response_schema"], true);
}

#[tokio::test]
async fn a_litellm_proxy_is_an_openai_compatible_server() {
    let server = MockServer::start().await;
    mount(&server, "/v1/chat/completions", chat_reply("Move: 9")).await;
    let agent = agent(
        "litellm_litellm_proxy/my-alias",
        &[
            ("LITELLM_PROXY_API_BASE", format!("{}/v1/", server.uri())),
            ("LITELLM_PROXY_API_KEY", KEY.to_string()),
        ],
        &LitellmCatalog::default(),
        &settings(),
    );
    let response = agent.decide(&request()).await.unwrap();
    assert_eq!(response.raw, "Move: 9");
    let sent = requests(&server).await;
    assert_eq!(body(&sent[0])["model"], "my-alias");
    assert_eq!(
        header(&sent[0], "authorization"),
        Some(format!("Bearer {KEY}").as_str())
    );
}

#[tokio::test]
async fn ollama_s_base_url_gets_its_openai_compatible_path() {
    let server = MockServer::start().await;
    mount(&server, "/v1/chat/completions", chat_reply("Move: 4")).await;
    let agent = agent(
        "litellm_ollama_chat/llama3.2",
        &[("OLLAMA_API_BASE", server.uri())],
        &LitellmCatalog::default(),
        &settings(),
    );
    assert_eq!(agent.decide(&request()).await.unwrap().raw, "Move: 4");
    let sent = requests(&server).await;
    assert!(
        header(&sent[0], "authorization").is_none(),
        "no key, no header"
    );
}

#[tokio::test]
async fn the_turn_driver_plays_the_reply() {
    let server = MockServer::start().await;
    mount(
        &server,
        CHAT,
        chat_reply("The centre is strongest.\nMove: 5"),
    )
    .await;
    let agent = groq(&server, &LitellmCatalog::default(), &settings());
    let state = tic_tac_toe();
    let policy = IllegalMovePolicy {
        reprompts: 0,
        on_failure: OnFailure::Forfeit,
    };
    let decision = turn::decide(
        agent.as_ref(),
        state.as_ref(),
        "tic_tac_toe",
        1,
        Sampling::default(),
        policy,
        3,
    )
    .await;
    assert_eq!(
        decision.resolution,
        Resolution::Move {
            action: "5".to_string()
        }
    );
    assert_eq!(decision.attempts[0].status, AttemptStatus::Parsed);
    assert_eq!(decision.attempts[0].reasoning, "The centre is strongest.");
}

// ---- reliability -----------------------------------------------------------

#[tokio::test]
async fn unauthorized_names_the_variable_and_is_not_retried() {
    let server = MockServer::start().await;
    // The server echoes the key, as some do; it must not come back out.
    mount(
        &server,
        CHAT,
        ResponseTemplate::new(401).set_body_json(json!({"error": {
            "message": format!("Invalid API Key {KEY}"), "type": "invalid_request_error"}})),
    )
    .await;
    let agent = groq(&server, &LitellmCatalog::default(), &settings());
    let err = agent.decide(&request()).await.unwrap_err();
    assert_eq!(requests(&server).await.len(), 1);
    let AgentError::Http { error, .. } = &err else {
        panic!("{err:?}")
    };
    assert!(error.is_unauthorized());
    let text = err.to_string();
    assert!(
        text.contains("GROQ_API_KEY") && text.contains("401"),
        "{text}"
    );
    assert!(text.contains("Invalid API Key ***"), "{text}");
    assert_no_key(&text);
    assert_no_key(&format!("{err:?}"));
}

#[tokio::test]
async fn too_many_requests_waits_out_retry_after() {
    let server = MockServer::start().await;
    mount_first(
        &server,
        CHAT,
        1,
        ResponseTemplate::new(429)
            .insert_header("retry-after", "1")
            .set_body_json(json!({"error": {"message": "Rate limit reached"}})),
    )
    .await;
    mount(&server, CHAT, chat_reply("Move: 3")).await;
    let agent = groq(&server, &LitellmCatalog::default(), &settings());
    let response = agent.decide(&request()).await.unwrap();
    assert_eq!(requests(&server).await.len(), 2);
    let m = &response.metadata;
    assert_eq!(m["http_attempts"], 2);
    assert_eq!(m["retries"][0]["status"], 429);
    assert!(
        m["retries"][0]["error"]
            .as_str()
            .unwrap()
            .contains("Rate limit reached")
    );
    // The backoff here is at most 5 ms; the header asked for a second.
    assert!(
        m["retries"][0]["waited_ms"].as_u64().unwrap() >= 1000,
        "{m}"
    );
    assert!(response.latency_ms >= 1000.0, "{}", response.latency_ms);
}

#[tokio::test]
async fn a_retry_after_beyond_the_limit_gives_up_at_once() {
    let server = MockServer::start().await;
    mount(
        &server,
        CHAT,
        ResponseTemplate::new(429).insert_header("retry-after", "86400"),
    )
    .await;
    let agent = groq(&server, &LitellmCatalog::default(), &settings());
    let err = agent.decide(&request()).await.unwrap_err();
    assert_eq!(requests(&server).await.len(), 1);
    assert!(err.to_string().contains("86400 s"), "{err}");
}

#[tokio::test]
async fn server_errors_are_retried() {
    let server = MockServer::start().await;
    mount_first(
        &server,
        CHAT,
        1,
        ResponseTemplate::new(500).set_body_string("upstream exploded"),
    )
    .await;
    mount(&server, CHAT, chat_reply("Move: 2")).await;
    let agent = groq(&server, &LitellmCatalog::default(), &settings());
    let response = agent.decide(&request()).await.unwrap();
    assert_eq!(response.raw, "Move: 2");
    let m = &response.metadata;
    assert_eq!(m["http_attempts"], 2);
    assert_eq!(m["retries"][0]["status"], 500);
    assert!(
        m["retries"][0]["error"]
            .as_str()
            .unwrap()
            .contains("upstream exploded")
    );
    assert_eq!(m["retries"][0]["model"], "groq/test-model");

    // Without a success, the retries run out: 1 + max_retries requests.
    let server = MockServer::start().await;
    mount(&server, CHAT, ResponseTemplate::new(503)).await;
    let agent = groq(&server, &LitellmCatalog::default(), &settings());
    let err = agent.decide(&request()).await.unwrap_err();
    assert_eq!(requests(&server).await.len(), 3);
    let AgentError::Http { error, .. } = &err else {
        panic!("{err:?}")
    };
    assert!(error.is_exhausted(), "{err}");
    assert!(
        err.to_string().contains("3 attempt(s)") && err.to_string().contains("503"),
        "{err}"
    );
}

#[tokio::test]
async fn slow_replies_time_out_and_are_retried() {
    let server = MockServer::start().await;
    mount(
        &server,
        CHAT,
        chat_reply("Move: 1").set_delay(Duration::from_millis(800)),
    )
    .await;
    let settings = HttpSettings {
        request_timeout: Duration::from_millis(100),
        max_retries: 1,
        ..settings()
    };
    let agent = groq(&server, &LitellmCatalog::default(), &settings);
    let err = agent.decide(&request()).await.unwrap_err();
    assert!(
        err.to_string().contains("no complete reply within 0.1 s"),
        "{err}"
    );
    assert_eq!(requests(&server).await.len(), 2);
}

#[tokio::test]
async fn bad_requests_carry_the_server_message_and_are_not_retried() {
    let server = MockServer::start().await;
    mount(
        &server,
        CHAT,
        ResponseTemplate::new(400).set_body_json(json!({"error": {
            "message": "response_format json_schema is not supported by this model"}})),
    )
    .await;
    let agent = groq(&server, &LitellmCatalog::default(), &settings());
    let err = agent.decide(&request()).await.unwrap_err();
    assert_eq!(requests(&server).await.len(), 1);
    let text = err.to_string();
    assert!(
        text.contains("HTTP 400") && text.contains("json_schema is not supported"),
        "{text}"
    );
}

#[tokio::test]
async fn malformed_replies_are_clear_errors() {
    let server = MockServer::start().await;
    mount(
        &server,
        CHAT,
        ResponseTemplate::new(200).set_body_string("{\"choices\": ["),
    )
    .await;
    let agent = groq(&server, &LitellmCatalog::default(), &settings());
    let err = agent.decide(&request()).await.unwrap_err();
    assert!(
        matches!(
            &err,
            AgentError::Http {
                error: HttpError::InvalidJson { .. },
                ..
            }
        ),
        "{err:?}"
    );
    assert!(err.to_string().contains("not valid JSON"), "{err}");
    assert_eq!(requests(&server).await.len(), 1);

    // Valid JSON without a message is a backend error that says what is missing.
    let server = MockServer::start().await;
    mount(
        &server,
        CHAT,
        ResponseTemplate::new(200).set_body_json(json!({"choices": []})),
    )
    .await;
    let agent = groq(&server, &LitellmCatalog::default(), &settings());
    let err = agent.decide(&request()).await.unwrap_err();
    assert!(matches!(err, AgentError::Backend { .. }), "{err:?}");
    assert!(err.to_string().contains("choices[0]"), "{err}");

    // The turn driver records it as an agent error attempt.
    let state = tic_tac_toe();
    let policy = IllegalMovePolicy {
        reprompts: 1,
        on_failure: OnFailure::Forfeit,
    };
    let decision = turn::decide(
        agent.as_ref(),
        state.as_ref(),
        "tic_tac_toe",
        1,
        Sampling::default(),
        policy,
        3,
    )
    .await;
    assert_eq!(decision.attempts.len(), 2);
    assert!(
        decision
            .attempts
            .iter()
            .all(|a| a.status == AttemptStatus::AgentError)
    );
    assert!(matches!(decision.resolution, Resolution::Forfeit { .. }));
}

#[tokio::test]
async fn the_client_serves_other_backends_too() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/health"))
        .respond_with(ResponseTemplate::new(200))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/v1/models"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"data": [{"id": "qwen3"}]})))
        .mount(&server)
        .await;
    let client = HttpClient::new().unwrap();
    let endpoint = client.endpoint("vllm/qwen3", None, &settings());
    let health = endpoint
        .send_json(&JsonRequest::get(format!("{}/health", server.uri())))
        .await
        .unwrap();
    assert_eq!((health.status, health.json), (200, Value::Null));
    let models = endpoint
        .send_json(&JsonRequest::get(format!("{}/v1/models", server.uri())))
        .await
        .unwrap();
    assert_eq!(models.json["data"][0]["id"], "qwen3");
    assert_eq!(models.attempts, 1);
    // A server that is down: connection errors are retried, then reported.
    let down = JsonRequest::get("http://127.0.0.1:9/health");
    let err = endpoint.send_json(&down).await.unwrap_err();
    assert!(err.is_exhausted(), "{err}");
    assert!(err.to_string().contains("cannot connect"), "{err}");
}

// ---- several servers ---------------------------------------------------------

#[tokio::test]
async fn a_base_variable_listing_several_servers_balances_them() {
    let a = MockServer::start().await;
    let b = MockServer::start().await;
    mount(&a, CHAT, chat_reply("Move: 5")).await;
    mount(&b, CHAT, chat_reply("Move: 5")).await;
    mount_first(
        &b,
        CHAT,
        1,
        ResponseTemplate::new(502).set_body_string("bad gateway"),
    )
    .await;
    let (base_a, base_b) = (
        format!("{}/openai/v1", a.uri()),
        format!("{}/openai/v1", b.uri()),
    );
    let env = [
        ("GROQ_API_KEY", KEY.to_string()),
        ("GROQ_API_BASE", format!("{base_a}, {base_b}/")),
    ];
    // The catalog's cool-down outlasts the test: the failed server stays out.
    let catalog = catalog(json!({"groq/test-model": {"cooldown_s": 60}}));
    let agent = agent("litellm_groq/test-model", &env, &catalog, &settings());

    let first = agent.decide(&request()).await.unwrap();
    assert_eq!(first.metadata["base_url"], base_a);
    assert_eq!(first.metadata["endpoint"], "127.0.0.1");
    // The second goes to b, which fails; the retry goes at once to a.
    let second = agent.decide(&request()).await.unwrap();
    assert_eq!(second.metadata["base_url"], base_a);
    assert_eq!(second.metadata["http_attempts"], 2);
    let retry = &second.metadata["retries"][0];
    assert_eq!(retry["endpoint"], base_b);
    assert_eq!(retry["status"], 502);
    assert_eq!(retry["waited_ms"], 0);
    for _ in 0..3 {
        let response = agent.decide(&request()).await.unwrap();
        assert_eq!(response.metadata["base_url"], base_a);
    }
    assert_eq!(requests(&a).await.len(), 5);
    assert_eq!(requests(&b).await.len(), 1);
    // The key goes to every server, and into no record.
    assert!(
        requests(&b)
            .await
            .iter()
            .all(|r| header(r, "authorization") == Some(format!("Bearer {KEY}").as_str()))
    );
    assert!(!second.metadata.to_string().contains(KEY));
}

#[tokio::test]
async fn bad_base_url_lists_are_config_errors() {
    let catalog = LitellmCatalog::default();
    let client = HttpClient::new().unwrap();
    for (list, expected) in [
        (
            "http://gpu1:8000/v1,gpu2:8000",
            "\"gpu2:8000\" is not an http(s) URL",
        ),
        (
            "http://gpu1:8000/v1,http://gpu1:8000/v1/",
            "\"http://gpu1:8000/v1\" is listed twice",
        ),
        ("http://gpu1:8000/v1,", "has an empty item"),
    ] {
        let env = ApiEnv::from_vars([("HOSTED_VLLM_API_BASE", list)]);
        let err = build_litellm_agent(
            "litellm_hosted_vllm/qwen",
            &env,
            &catalog,
            &settings(),
            &client,
        )
        .unwrap_err();
        assert!(matches!(err, AgentError::Config { .. }), "{err}");
        let text = err.to_string();
        assert!(text.contains(expected), "{text}");
        assert!(text.contains("HOSTED_VLLM_API_BASE"), "{text}");
    }
}

// ---- fallbacks ---------------------------------------------------------------

fn fallback_env(server: &MockServer) -> Vec<(&'static str, String)> {
    vec![
        ("GROQ_API_KEY", KEY.to_string()),
        ("GROQ_API_BASE", format!("{}/openai/v1", server.uri())),
        ("OPENAI_API_KEY", "sk-second".to_string()),
        ("OPENAI_API_BASE", format!("{}/oa/v1", server.uri())),
    ]
}

#[tokio::test]
async fn fallbacks_answer_when_the_model_keeps_failing() {
    let server = MockServer::start().await;
    mount(
        &server,
        CHAT,
        ResponseTemplate::new(503).set_body_string("overloaded"),
    )
    .await;
    mount(&server, "/oa/v1/chat/completions", chat_reply("Move: 7")).await;
    let catalog = catalog(json!({
        "groq/test-model": {"fallbacks": ["openai/gpt-fallback"]},
        "openai/gpt-fallback": {"input_cost_per_token": 1e-6, "output_cost_per_token": 1e-6},
    }));
    let agent = agent(
        "litellm_groq/test-model",
        &fallback_env(&server),
        &catalog,
        &settings(),
    );
    let response = agent.decide(&request()).await.unwrap();
    assert_eq!(response.raw, "Move: 7");
    let m = &response.metadata;
    assert_eq!(m["fallback_used"], "openai/gpt-fallback");
    assert_eq!(m["provider"], "openai");
    assert_eq!(m["model"], "gpt-fallback");
    assert_eq!(m["failed_models"][0]["model"], "groq/test-model");
    assert!(
        m["failed_models"][0]["error"]
            .as_str()
            .unwrap()
            .contains("503")
    );
    // Three requests to the model (1 + 2 retries), then one to the fallback.
    assert_eq!(m["http_attempts"], 4);
    assert_eq!(m["retries"].as_array().unwrap().len(), 2);
    // Priced at the fallback's rates.
    assert!((response.cost_usd.unwrap() - 110.0 * 1e-6).abs() < 1e-12);
    let sent = requests(&server).await;
    assert_eq!(sent.len(), 4);
    assert_eq!(header(&sent[3], "authorization"), Some("Bearer sk-second"));
}

#[tokio::test]
async fn fallbacks_come_from_the_settings_and_are_not_used_for_refused_keys() {
    let server = MockServer::start().await;
    mount(&server, CHAT, ResponseTemplate::new(403)).await;
    mount(&server, "/oa/v1/chat/completions", chat_reply("Move: 7")).await;
    let settings = HttpSettings {
        fallbacks: vec!["litellm_openai/gpt-fallback".to_string()],
        ..settings()
    };
    let agent = agent(
        "litellm_groq/test-model",
        &fallback_env(&server),
        &LitellmCatalog::default(),
        &settings,
    );
    let err = agent.decide(&request()).await.unwrap_err();
    assert!(err.to_string().contains("GROQ_API_KEY"), "{err}");
    assert_eq!(requests(&server).await.len(), 1);
}

#[tokio::test]
async fn when_every_model_fails_the_error_lists_them() {
    let server = MockServer::start().await;
    mount(&server, CHAT, ResponseTemplate::new(502)).await;
    mount(
        &server,
        "/oa/v1/chat/completions",
        ResponseTemplate::new(500),
    )
    .await;
    let settings = HttpSettings {
        fallbacks: vec!["openai/gpt-fallback".to_string()],
        ..settings()
    };
    let agent = agent(
        "litellm_groq/test-model",
        &fallback_env(&server),
        &LitellmCatalog::default(),
        &settings,
    );
    let text = agent.decide(&request()).await.unwrap_err().to_string();
    assert!(
        text.contains("every model failed")
            && text.contains("groq/test-model")
            && text.contains("openai/gpt-fallback")
            && text.contains("502")
            && text.contains("500"),
        "{text}"
    );
    assert_eq!(requests(&server).await.len(), 6);
}

// ---- construction ----------------------------------------------------------

fn build_error(name: &str, env: &[(&str, &str)], catalog: &LitellmCatalog) -> String {
    let env = ApiEnv::from_vars(env.iter().copied());
    let client = HttpClient::new().unwrap();
    build_litellm_agent(name, &env, catalog, &settings(), &client)
        .map(|a| format!("built {a:?}"))
        .unwrap_err()
        .to_string()
}

#[test]
fn missing_keys_and_bases_are_errors_at_construction() {
    let none = LitellmCatalog::default();
    assert_eq!(
        build_error("litellm_groq/llama-3.1-8b-instant", &[], &none),
        "GROQ_API_KEY is not set; export it or put it in .env \
         (the API key for litellm_groq/llama-3.1-8b-instant)"
    );
    let text = build_error("litellm_hosted_vllm/Qwen/Qwen3-8B", &[], &none);
    assert!(
        text.starts_with("HOSTED_VLLM_API_BASE is not set"),
        "{text}"
    );
    let text = build_error("litellm_litellm_proxy/alias", &[], &none);
    assert!(
        text.starts_with("LITELLM_PROXY_API_BASE is not set"),
        "{text}"
    );
    let text = build_error("litellm_together_ai/m", &[], &none);
    assert!(
        text.contains("TOGETHERAI_API_KEY") && text.contains("TOGETHER_API_KEY"),
        "{text}"
    );
    // A fallback's key is checked too.
    let with_fallback = catalog(json!({"groq/m": {"fallbacks": ["anthropic/claude-x"]}}));
    let text = build_error("litellm_groq/m", &[("GROQ_API_KEY", "k")], &with_fallback);
    assert!(text.starts_with("ANTHROPIC_API_KEY is not set"), "{text}");
    let self_fallback = catalog(json!({"groq/m": {"fallbacks": ["groq/m"]}}));
    let text = build_error("litellm_groq/m", &[("GROQ_API_KEY", "k")], &self_fallback);
    assert!(text.contains("listed twice"), "{text}");
    let text = build_error(
        "litellm_groq/m",
        &[("GROQ_API_KEY", "k"), ("GROQ_API_BASE", "localhost:8000")],
        &none,
    );
    assert!(text.contains("not an http(s) URL"), "{text}");
    let text = build_error("litellm_acme/m", &[], &none);
    assert!(text.contains("unknown provider \"acme\""), "{text}");
    assert!(build_error("groq/m", &[], &none).contains("litellm_<provider>/<model>"));
    // Local servers need no key.
    let env = ApiEnv::from_vars([("OLLAMA_API_BASE", "http://127.0.0.1:9/v1")]);
    let client = HttpClient::new().unwrap();
    build_litellm_agent(
        "litellm_ollama_chat/llama3.2",
        &env,
        &none,
        &settings(),
        &client,
    )
    .unwrap();
}

#[test]
fn the_shipped_catalog_parses_and_names_real_providers() {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../agents/litellm_models.yaml"
    ))
    .unwrap();
    let catalog: LitellmCatalog = serde_yaml::from_str(&text).unwrap();
    assert!(catalog.len() >= 10);
    for (name, model) in catalog.models() {
        let target = arena_agents::resolve_litellm(name).unwrap();
        assert_eq!(
            model.litellm_provider.as_deref(),
            Some(target.provider.name),
            "{name}"
        );
        assert!(
            model.cost_usd(Some(1), Some(1)).is_some_and(|c| c > 0.0),
            "{name} is priced"
        );
        assert!(
            model.fallbacks.is_empty(),
            "{name}: fallbacks would need more keys"
        );
        assert_eq!(catalog.lookup(&target).map(|(k, _)| k), Some(name));
    }
}

#[test]
fn the_readme_lists_every_provider_s_variables() {
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../README.md")).unwrap();
    for p in arena_agents::PROVIDERS {
        let style = match p.style {
            arena_agents::ApiStyle::OpenAiChat => "OpenAI chat completions",
            arena_agents::ApiStyle::AnthropicMessages => "Anthropic Messages",
            arena_agents::ApiStyle::GeminiGenerateContent => "Gemini generateContent",
        };
        let ticks = |vars: &[&str]| {
            vars.iter()
                .map(|v| format!("`{v}`"))
                .collect::<Vec<_>>()
                .join(", ")
        };
        let optional = if p.key_required { "" } else { " (optional)" };
        let default = p
            .default_base
            .map_or("— (required)".to_string(), |b| format!("`{b}`"));
        let row = format!(
            "| `{}` | {style} | {}{optional} | {} | {default} |",
            p.name,
            ticks(p.key_vars),
            ticks(p.base_vars)
        );
        assert!(readme.contains(&row), "README.md lacks the row\n{row}");
    }
}

// ---- secrets -------------------------------------------------------------------

fn assert_no_key(text: &str) {
    assert!(!text.contains("SENTINEL"), "the key leaked: {text}");
}

#[tokio::test]
async fn the_key_never_appears_in_errors_debug_or_the_record() {
    let server = MockServer::start().await;
    let echo = json!({"error": {"message": format!("bad key {KEY}")}});
    mount_first(
        &server,
        CHAT,
        1,
        ResponseTemplate::new(500).set_body_json(echo.clone()),
    )
    .await;
    mount(&server, CHAT, chat_reply("Move: 5")).await;
    let env = ApiEnv::from_vars([
        ("GROQ_API_KEY", KEY.to_string()),
        ("GROQ_API_BASE", format!("{}/openai/v1", server.uri())),
    ]);
    let client = HttpClient::new().unwrap();
    let agent = build_litellm_agent(
        "litellm_groq/m",
        &env,
        &LitellmCatalog::default(),
        &settings(),
        &client,
    )
    .unwrap();
    let response: DecisionResponse = agent.decide(&request()).await.unwrap();
    assert_no_key(&serde_json::to_string(&response).unwrap());
    assert!(
        response.metadata["retries"][0]["error"]
            .as_str()
            .unwrap()
            .contains("bad key ***")
    );
    assert_no_key(&format!("{agent:?} {env:?} {client:?}"));

    for (status, retried) in [
        (401, false),
        (403, false),
        (400, false),
        (404, false),
        (503, true),
    ] {
        let server = MockServer::start().await;
        mount(
            &server,
            CHAT,
            ResponseTemplate::new(status).set_body_json(echo.clone()),
        )
        .await;
        let env = ApiEnv::from_vars([
            ("GROQ_API_KEY", KEY.to_string()),
            ("GROQ_API_BASE", format!("{}/openai/v1", server.uri())),
        ]);
        let agent = build_litellm_agent(
            "litellm_groq/m",
            &env,
            &LitellmCatalog::default(),
            &settings(),
            &client,
        )
        .unwrap();
        let err = agent.decide(&request()).await.unwrap_err();
        assert_no_key(&err.to_string());
        assert_no_key(&format!("{err:?}"));
        assert_eq!(
            requests(&server).await.len(),
            if retried { 3 } else { 1 },
            "{status}"
        );
    }
}

// ---- limits ----------------------------------------------------------------

/// A loopback HTTP/1.1 server that holds each request for `hold` and counts
/// how many it holds at once.
struct CountingServer {
    url: String,
    max_in_flight: Arc<AtomicUsize>,
    served: Arc<AtomicUsize>,
}

async fn counting_server(hold: Duration) -> CountingServer {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let in_flight = Arc::new(AtomicUsize::new(0));
    let max_in_flight = Arc::new(AtomicUsize::new(0));
    let served = Arc::new(AtomicUsize::new(0));
    let (i, m, s) = (in_flight.clone(), max_in_flight.clone(), served.clone());
    tokio::spawn(async move {
        loop {
            let Ok((mut socket, _)) = listener.accept().await else {
                return;
            };
            let (i, m, s) = (i.clone(), m.clone(), s.clone());
            tokio::spawn(async move {
                while read_request(&mut socket).await {
                    let now = i.fetch_add(1, Ordering::SeqCst) + 1;
                    m.fetch_max(now, Ordering::SeqCst);
                    tokio::time::sleep(hold).await;
                    i.fetch_sub(1, Ordering::SeqCst);
                    s.fetch_add(1, Ordering::SeqCst);
                    let body = r#"{"choices":[{"message":{"content":"Move: 5"}}]}"#;
                    let reply = format!(
                        "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n{body}",
                        body.len()
                    );
                    if socket.write_all(reply.as_bytes()).await.is_err() {
                        return;
                    }
                }
            });
        }
    });
    CountingServer {
        url,
        max_in_flight,
        served,
    }
}

/// Reads one request (headers and a `content-length` body); false at EOF.
async fn read_request(socket: &mut tokio::net::TcpStream) -> bool {
    let mut data = Vec::new();
    let mut buf = [0u8; 4096];
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_concurrency_limit_holds_across_agents_of_one_model() {
    let server = counting_server(Duration::from_millis(100)).await;
    let env = ApiEnv::from_vars([
        ("GROQ_API_KEY", KEY.to_string()),
        ("GROQ_API_BASE", server.url.clone()),
    ]);
    let catalog = catalog(json!({"groq/m": {"concurrency": 2}}));
    let client = HttpClient::new().unwrap();
    // Two agents (two seats playing one model) share the model's limit.
    let agents: Vec<Arc<dyn Agent>> = (0..2)
        .map(|_| {
            build_litellm_agent("litellm_groq/m", &env, &catalog, &settings(), &client).unwrap()
        })
        .collect();
    let mut tasks = Vec::new();
    for i in 0..8 {
        let agent = agents[i % 2].clone();
        tasks.push(tokio::spawn(async move { agent.decide(&request()).await }));
    }
    for task in tasks {
        assert_eq!(task.await.unwrap().unwrap().raw, "Move: 5");
    }
    assert_eq!(server.served.load(Ordering::SeqCst), 8);
    let max = server.max_in_flight.load(Ordering::SeqCst);
    assert!(
        (1..=2).contains(&max),
        "{max} requests in flight at once; the limit is 2"
    );
}
