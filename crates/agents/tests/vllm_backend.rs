//! The `vllm_` backend against in-process mock servers on loopback: the
//! checks at connection (health, served model, version), the move
//! constraint in the field the server's version understands, unconstrained
//! entries, retries, keys; several servers balanced as a pool (least busy,
//! cool-downs, the checks with a dead server, everything down); and
//! launching a server, with a small Python stand-in for `vllm serve`:
//! ready, missing, crashing, never ready.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use arena_agents::turn::{self, AttemptStatus, IllegalMovePolicy, OnFailure, Resolution};
use arena_agents::{
    Agent, AgentError, ApiEnv, ConstraintField, DecisionRequest, DecisionResponse, HttpClient,
    HttpError, HttpSettings, Sampling, VllmAgent, VllmCatalog, VllmLaunch, VllmModel, VllmServer,
    build_vllm_agent,
};
use arena_games::{AnyState, Turn, build};
use serde_json::{Value, json};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

// ---- helpers ---------------------------------------------------------------

const MODEL: &str = "Qwen/Qwen2.5-7B-Instruct";
const CHAT: &str = "/v1/chat/completions";
const KEY: &str = "vllm-SENTINEL-42";

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

fn entry(base_url: &str) -> VllmModel {
    VllmModel {
        base_url: Some(base_url.to_string()),
        ..VllmModel::new(MODEL)
    }
}

/// The decision request of the seat to move in `state`.
fn request_for(state: &dyn AnyState, game: &str) -> DecisionRequest {
    let Turn::Seat(seat) = state.turn() else {
        unreachable!("a player is to move")
    };
    DecisionRequest {
        game: game.to_string(),
        seat,
        episode_key: 1,
        observation: state.observation_text(seat),
        legal_actions: state.legal_actions(),
        legal_summary: state.legal_summary(),
        constraint: state.move_constraint(),
        attempt: 1,
        previous_error: None,
        sampling: Sampling {
            temperature: 0.0,
            max_tokens: 32,
            seed: 11,
        },
        state: None,
    }
}

fn tic_tac_toe() -> Box<dyn AnyState> {
    build("tic_tac_toe", &BTreeMap::new())
        .unwrap()
        .new_initial_state()
}

/// Reverse hangman after its puzzle draw: a free-text decision.
fn reverse_hangman() -> Box<dyn AnyState> {
    let mut state = build("reverse_hangman", &BTreeMap::new())
        .unwrap()
        .new_initial_state();
    assert_eq!(state.turn(), Turn::Chance);
    let draw = state.legal_actions()[0].clone();
    state.apply_text(&draw).unwrap();
    state
}

/// A mock vLLM server answering the checks made at connection.
async fn vllm(version: Option<&str>, served: &[&str]) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/health"))
        .respond_with(ResponseTemplate::new(200))
        .mount(&server)
        .await;
    let data: Vec<Value> = served
        .iter()
        .map(|id| json!({"id": id, "object": "model", "owned_by": "vllm"}))
        .collect();
    Mock::given(method("GET"))
        .and(path("/v1/models"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({"object": "list", "data": data})),
        )
        .mount(&server)
        .await;
    if let Some(v) = version {
        Mock::given(method("GET"))
            .and(path("/version"))
            .respond_with(ResponseTemplate::new(200).set_body_json(json!({"version": v})))
            .mount(&server)
            .await;
    }
    server
}

fn chat_reply(content: &str) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(json!({
        "id": "chatcmpl-1",
        "object": "chat.completion",
        "model": MODEL,
        "choices": [{"index": 0, "message": {"role": "assistant", "content": content},
                     "finish_reason": "stop"}],
        "usage": {"prompt_tokens": 120, "completion_tokens": 2, "total_tokens": 122}
    }))
}

async fn mount_chat(server: &MockServer, response: ResponseTemplate) {
    Mock::given(method("POST"))
        .and(path(CHAT))
        .respond_with(response)
        .mount(server)
        .await;
}

async fn connect(server: &MockServer, model: &VllmModel) -> Result<VllmAgent, AgentError> {
    let base = format!("{}/v1", server.uri());
    let model = VllmModel {
        base_url: Some(base),
        ..model.clone()
    };
    VllmAgent::connect(
        "vllm_test",
        &model,
        &HttpClient::new().unwrap(),
        &settings(),
    )
    .await
}

/// The body of the only chat request the server got.
async fn chat_body(server: &MockServer) -> Value {
    let chats: Vec<Request> = server
        .received_requests()
        .await
        .unwrap()
        .into_iter()
        .filter(|r| r.url.path() == CHAT)
        .collect();
    assert_eq!(chats.len(), 1, "one chat request");
    serde_json::from_slice(&chats[0].body).unwrap()
}

fn strings(value: &Value) -> Vec<String> {
    value
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_string())
        .collect()
}

// ---- the move constraint -------------------------------------------------

#[tokio::test]
async fn current_servers_get_structured_outputs_choice() {
    let server = vllm(Some("0.11.0"), &["other-model", MODEL]).await;
    mount_chat(&server, chat_reply("5")).await;
    let agent = connect(&server, &VllmModel::new(MODEL)).await.unwrap();
    assert_eq!(agent.server_version(), Some("0.11.0"));
    assert_eq!(agent.constraint_field(), ConstraintField::StructuredOutputs);
    assert_eq!(agent.base_url(), format!("{}/v1", server.uri()));

    let state = tic_tac_toe();
    let request = request_for(state.as_ref(), "tic_tac_toe");
    let response = agent.decide(&request).await.unwrap();

    let body = chat_body(&server).await;
    assert_eq!(body["model"], MODEL);
    assert_eq!(
        strings(&body["structured_outputs"]["choice"]),
        state.legal_actions()
    );
    assert!(body.get("guided_choice").is_none(), "{body}");
    assert!(body.get("guided_regex").is_none(), "{body}");
    assert_eq!(body["seed"], 11);
    assert_eq!(body["max_tokens"], 32);
    assert_eq!(body["temperature"], 0.0);
    let user = body["messages"][1]["content"].as_str().unwrap();
    assert!(user.ends_with("Answer with your move only."), "{user}");
    assert_eq!(body["messages"][0]["role"], "system");

    assert!(response.constrained);
    assert_eq!(response.raw, "5");
    assert_eq!(
        (response.prompt_tokens, response.completion_tokens),
        (Some(120), Some(2))
    );
    let prompt: Value = serde_json::from_str(&response.prompt).unwrap();
    assert_eq!(prompt["messages"], body["messages"]);
    assert_eq!(response.metadata["backend"], "vllm");
    assert_eq!(response.metadata["server_version"], "0.11.0");
    assert_eq!(
        response.metadata["constraint_field"],
        "structured_outputs.choice"
    );
    assert_eq!(response.metadata["http_attempts"], 1);
    assert_eq!(response.metadata["launched"], false);
    assert_eq!(response.metadata["finish_reason"], "stop");
}

#[tokio::test]
async fn servers_before_0_10_2_get_guided_choice() {
    for version in ["0.9.2", "0.10.1.1"] {
        let server = vllm(Some(version), &[MODEL]).await;
        mount_chat(&server, chat_reply("1")).await;
        let agent = connect(&server, &VllmModel::new(MODEL)).await.unwrap();
        assert_eq!(agent.constraint_field(), ConstraintField::Guided);
        let state = tic_tac_toe();
        let response = agent
            .decide(&request_for(state.as_ref(), "tic_tac_toe"))
            .await
            .unwrap();
        let body = chat_body(&server).await;
        assert_eq!(strings(&body["guided_choice"]), state.legal_actions());
        assert!(
            body.get("structured_outputs").is_none(),
            "{version}: {body}"
        );
        assert!(response.constrained);
        assert_eq!(response.metadata["constraint_field"], "guided_choice");
    }
}

#[tokio::test]
async fn a_server_without_a_version_is_taken_to_be_current() {
    // No /version route: the mock answers 404.
    let server = vllm(None, &[MODEL]).await;
    mount_chat(&server, chat_reply("5")).await;
    let agent = connect(&server, &VllmModel::new(MODEL)).await.unwrap();
    assert_eq!(agent.server_version(), None);
    assert_eq!(agent.constraint_field(), ConstraintField::StructuredOutputs);
    // An unreadable version too.
    let server = vllm(Some("unknown"), &[MODEL]).await;
    let agent = connect(&server, &VllmModel::new(MODEL)).await.unwrap();
    assert_eq!(agent.constraint_field(), ConstraintField::StructuredOutputs);
}

#[tokio::test]
async fn free_text_games_get_the_regex_without_anchors() {
    let state = reverse_hangman();
    let request = request_for(state.as_ref(), "reverse_hangman");
    assert!(request.constraint.choices.is_none());
    let anchored = request.constraint.regex.clone();
    let bare = anchored
        .strip_prefix('^')
        .and_then(|r| r.strip_suffix('$'))
        .unwrap();
    for (version, field) in [
        ("0.11.0", "/structured_outputs/regex"),
        ("0.8.5", "/guided_regex"),
    ] {
        let server = vllm(Some(version), &[MODEL]).await;
        mount_chat(&server, chat_reply("a poem about the sea")).await;
        let agent = connect(&server, &VllmModel::new(MODEL)).await.unwrap();
        let response = agent.decide(&request).await.unwrap();
        let body = chat_body(&server).await;
        assert_eq!(body.pointer(field), Some(&json!(bare)), "{version}: {body}");
        assert!(body.get("guided_choice").is_none());
        assert!(
            body.pointer("/structured_outputs/choice").is_none(),
            "{body}"
        );
        assert!(response.constrained);
        // The free-text guess parses as a legal move.
        assert!(state.parse_legal(&response.raw).is_ok());
    }
}

#[tokio::test]
async fn unconstrained_entries_send_no_structured_fields() {
    let server = vllm(Some("0.11.0"), &[MODEL]).await;
    mount_chat(
        &server,
        chat_reply("Taking the centre blocks the most lines.\nMove: 5"),
    )
    .await;
    let model = VllmModel {
        constrained: false,
        ..VllmModel::new(MODEL)
    };
    let agent = connect(&server, &model).await.unwrap();
    let state = tic_tac_toe();
    let response = agent
        .decide(&request_for(state.as_ref(), "tic_tac_toe"))
        .await
        .unwrap();
    let body = chat_body(&server).await;
    for field in [
        "structured_outputs",
        "guided_choice",
        "guided_regex",
        "response_format",
    ] {
        assert!(body.get(field).is_none(), "{field}: {body}");
    }
    let user = body["messages"][1]["content"].as_str().unwrap();
    assert!(user.ends_with("Move: <your move>"), "{user}");
    assert!(!response.constrained);
    assert_eq!(response.metadata["constraint_field"], Value::Null);

    // The turn driver reads the marked line.
    let decision = turn::decide(
        &agent,
        state.as_ref(),
        "tic_tac_toe",
        1,
        Sampling::default(),
        IllegalMovePolicy {
            reprompts: 0,
            on_failure: OnFailure::Forfeit,
        },
        3,
    )
    .await;
    assert_eq!(
        decision.resolution,
        Resolution::Move {
            action: "5".to_string()
        }
    );
    assert_eq!(
        decision.attempts[0].reasoning,
        "Taking the centre blocks the most lines."
    );
}

#[tokio::test]
async fn the_turn_driver_plays_the_constrained_reply() {
    let server = vllm(Some("0.10.2"), &[MODEL]).await;
    // A server with a reasoning parser returns the reasoning apart.
    mount_chat(
        &server,
        ResponseTemplate::new(200).set_body_json(json!({
            "choices": [{"message": {"role": "assistant", "content": "7",
                                     "reasoning_content": "A corner is safe."},
                         "finish_reason": "stop"}],
            "usage": {"prompt_tokens": 100, "completion_tokens": 9}
        })),
    )
    .await;
    let agent: Arc<dyn Agent> = Arc::new(connect(&server, &VllmModel::new(MODEL)).await.unwrap());
    let state = tic_tac_toe();
    let decision = turn::decide(
        agent.as_ref(),
        state.as_ref(),
        "tic_tac_toe",
        1,
        Sampling::default(),
        IllegalMovePolicy::default(),
        5,
    )
    .await;
    assert_eq!(
        decision.resolution,
        Resolution::Move {
            action: "7".to_string()
        }
    );
    let attempt = &decision.attempts[0];
    assert_eq!(attempt.status, AttemptStatus::Parsed);
    assert_eq!(attempt.thinking, "A corner is safe.");
    assert!(attempt.response.as_ref().unwrap().constrained);
    assert!(state.legal_actions().contains(&"7".to_string()));
}

// ---- reliability and bad input -------------------------------------------

#[tokio::test]
async fn server_errors_are_retried_by_the_shared_client() {
    let server = vllm(Some("0.11.0"), &[MODEL]).await;
    Mock::given(method("POST"))
        .and(path(CHAT))
        .respond_with(ResponseTemplate::new(500).set_body_string("engine busy"))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    mount_chat(&server, chat_reply("5")).await;
    let agent = connect(&server, &VllmModel::new(MODEL)).await.unwrap();
    let response = agent
        .decide(&request_for(tic_tac_toe().as_ref(), "tic_tac_toe"))
        .await
        .unwrap();
    assert_eq!(response.raw, "5");
    assert_eq!(response.metadata["http_attempts"], 2);
    assert_eq!(response.metadata["retries"][0]["status"], 500);
}

#[tokio::test]
async fn a_server_that_is_down_is_named_with_how_to_start_it() {
    let port = free_port();
    let model = entry(&format!("http://127.0.0.1:{port}/v1"));
    let err = VllmAgent::connect(
        "vllm_qwen",
        &model,
        &HttpClient::new().unwrap(),
        &settings(),
    )
    .await
    .unwrap_err();
    let text = err.to_string();
    assert!(
        text.contains(&format!("http://127.0.0.1:{port}/health")),
        "{text}"
    );
    assert!(
        text.contains(&format!("vllm serve {MODEL} --port {port}")),
        "{text}"
    );
    assert!(text.contains("remove base_url"), "{text}");
    assert!(text.contains("vllm_qwen"), "{text}");
}

#[tokio::test]
async fn a_model_the_server_does_not_serve_lists_what_it_serves() {
    let server = vllm(
        Some("0.11.0"),
        &["meta-llama/Llama-3.1-8B-Instruct", "qwen"],
    )
    .await;
    let err = connect(&server, &VllmModel::new(MODEL)).await.unwrap_err();
    let text = err.to_string();
    assert!(
        text.contains(&format!("does not serve \"{MODEL}\"")),
        "{text}"
    );
    assert!(
        text.contains("it serves: meta-llama/Llama-3.1-8B-Instruct, qwen"),
        "{text}"
    );
    assert!(text.contains("served_model_name"), "{text}");
    // The served name is what is looked for and what requests carry.
    mount_chat(&server, chat_reply("5")).await;
    let model = VllmModel {
        served_model_name: Some("qwen".into()),
        ..VllmModel::new(MODEL)
    };
    let agent = connect(&server, &model).await.unwrap();
    agent
        .decide(&request_for(tic_tac_toe().as_ref(), "tic_tac_toe"))
        .await
        .unwrap();
    assert_eq!(chat_body(&server).await["model"], "qwen");
}

#[tokio::test]
async fn keys_are_sent_required_and_never_shown() {
    let server = vllm(Some("0.11.0"), &[MODEL]).await;
    mount_chat(&server, chat_reply("5")).await;
    let model = VllmModel {
        api_key_env: Some("VLLM_API_KEY".into()),
        ..entry(&format!("{}/v1", server.uri()))
    };
    let client = HttpClient::new().unwrap();
    let env = ApiEnv::from_vars([("VLLM_API_KEY", KEY)]);
    let agent = VllmAgent::connect_with_env("vllm_k", &model, &env, &client, &settings())
        .await
        .unwrap();
    let response = agent
        .decide(&request_for(tic_tac_toe().as_ref(), "tic_tac_toe"))
        .await
        .unwrap();
    let requests = server.received_requests().await.unwrap();
    for r in requests.iter().filter(|r| r.url.path().starts_with("/v1/")) {
        assert_eq!(
            r.headers.get("authorization").unwrap().to_str().unwrap(),
            format!("Bearer {KEY}")
        );
    }
    let shown = format!("{agent:?} {response:?}");
    assert!(!shown.contains(KEY), "{shown}");

    // A variable that is not set is named before anything is sent.
    let err =
        VllmAgent::connect_with_env("vllm_k", &model, &ApiEnv::default(), &client, &settings())
            .await
            .unwrap_err();
    assert!(matches!(&err, AgentError::MissingEnv { var, .. } if var == "VLLM_API_KEY"));

    // A refused key names the variable.
    let refusing = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/health"))
        .respond_with(ResponseTemplate::new(200))
        .mount(&refusing)
        .await;
    Mock::given(method("GET"))
        .and(path("/v1/models"))
        .respond_with(ResponseTemplate::new(401).set_body_json(json!({"error": "Unauthorized"})))
        .mount(&refusing)
        .await;
    let model = VllmModel {
        base_url: Some(refusing.uri()),
        ..model
    };
    let err = VllmAgent::connect_with_env("vllm_k", &model, &env, &client, &settings())
        .await
        .unwrap_err()
        .to_string();
    assert!(err.contains("VLLM_API_KEY") && err.contains("401"), "{err}");
    assert!(!err.contains(KEY), "{err}");
}

#[tokio::test]
async fn names_not_in_the_catalog_list_the_catalogued_ones() {
    let catalog = VllmCatalog {
        models: [
            ("qwen".to_string(), entry("http://127.0.0.1:9/v1")),
            ("llama".to_string(), entry("http://127.0.0.1:9/v1")),
        ]
        .into_iter()
        .collect(),
    };
    let client = HttpClient::new().unwrap();
    let err = build_vllm_agent("vllm_mistral", &catalog, &client, &settings())
        .await
        .unwrap_err()
        .to_string();
    assert!(err.contains("\"mistral\""), "{err}");
    assert!(err.contains("vllm_llama, vllm_qwen"), "{err}");
    let err = build_vllm_agent("qwen", &catalog, &client, &settings())
        .await
        .unwrap_err()
        .to_string();
    assert!(err.contains("vllm_<name>"), "{err}");
}

#[test]
fn the_shipped_catalog_parses_and_checks() {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../agents/vllm_models.yaml"
    ))
    .unwrap();
    let catalog: VllmCatalog = serde_yaml::from_str(&text).unwrap();
    catalog.check().unwrap();
    assert!(catalog.models.len() >= 2);
    assert!(
        catalog.models.values().any(|m| m.base_url.is_some()),
        "an entry for a running server"
    );
    assert!(
        catalog.models.values().any(|m| m.base_url.is_none()),
        "an entry launched by the runner"
    );
    assert!(catalog.models.values().all(|m| !m.description.is_empty()));
    // Unknown fields are refused.
    let bad = "models:\n  x:\n    model_path: m\n    baseurl: http://h/v1\n";
    let err = serde_yaml::from_str::<VllmCatalog>(bad)
        .unwrap_err()
        .to_string();
    assert!(err.contains("baseurl"), "{err}");
}

// ---- several servers --------------------------------------------------------

/// An entry for the servers at `bases`, cooling a failed one down for
/// `cooldown_s`.
fn pooled(bases: &[String], cooldown_s: f64) -> VllmModel {
    VllmModel {
        base_urls: Some(bases.to_vec()),
        cooldown_s: Some(cooldown_s),
        ..VllmModel::new(MODEL)
    }
}

fn base(server: &MockServer) -> String {
    format!("{}/v1", server.uri())
}

/// A loopback address where nothing listens: connections are refused.
fn dead_base() -> String {
    format!("http://127.0.0.1:{}/v1", free_port())
}

/// Chat requests a server has received.
async fn chats(server: &MockServer) -> usize {
    server
        .received_requests()
        .await
        .unwrap()
        .iter()
        .filter(|r| r.url.path() == CHAT)
        .count()
}

async fn connect_pool(model: &VllmModel, settings: &HttpSettings) -> Result<VllmAgent, AgentError> {
    VllmAgent::connect("vllm_pool", model, &HttpClient::new().unwrap(), settings).await
}

async fn decide_ttt(agent: &VllmAgent) -> DecisionResponse {
    agent
        .decide(&request_for(tic_tac_toe().as_ref(), "tic_tac_toe"))
        .await
        .unwrap()
}

/// Waits (a few seconds at most) until `done` says yes.
async fn eventually(mut done: impl FnMut() -> bool) {
    for _ in 0..400 {
        if done() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("the condition never held");
}

#[tokio::test]
async fn requests_go_to_the_least_busy_of_three_servers() {
    let servers = [
        vllm(Some("0.11.0"), &[MODEL]).await,
        vllm(Some("0.11.0"), &[MODEL]).await,
        vllm(Some("0.11.0"), &[MODEL]).await,
    ];
    for server in &servers {
        mount_chat(
            server,
            chat_reply("5").set_delay(Duration::from_millis(300)),
        )
        .await;
    }
    let bases: Vec<String> = servers.iter().map(base).collect();
    let settings = HttpSettings {
        concurrency: 9,
        ..settings()
    };
    let agent = Arc::new(connect_pool(&pooled(&bases, 0.2), &settings).await.unwrap());
    assert_eq!(agent.base_url(), bases[0]);
    assert_eq!(agent.base_urls(), bases);

    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..9 {
        let agent = Arc::clone(&agent);
        tasks.spawn(async move { decide_ttt(&agent).await });
    }
    // Nine slow requests in flight at once: three on each server.
    let in_flight = |agent: &VllmAgent| -> Vec<usize> {
        agent.endpoints().iter().map(|e| e.in_flight).collect()
    };
    eventually(|| in_flight(&agent).iter().sum::<usize>() == 9).await;
    assert_eq!(in_flight(&agent), [3, 3, 3]);
    let mut served = Vec::new();
    while let Some(response) = tasks.join_next().await {
        let response = response.unwrap();
        assert_eq!(response.raw, "5");
        assert_eq!(response.metadata["http_attempts"], 1);
        served.push(response.metadata["endpoint"].as_str().unwrap().to_string());
    }
    for (server, label) in servers.iter().zip(&bases) {
        assert_eq!(chats(server).await, 3, "{label}");
        let root = label.trim_end_matches("/v1");
        assert_eq!(
            served.iter().filter(|s| *s == root).count(),
            3,
            "{served:?}"
        );
    }
    assert_eq!(in_flight(&agent), [0, 0, 0]);

    // One after another, they take turns.
    let mut turns = Vec::new();
    for _ in 0..3 {
        let response = decide_ttt(&agent).await;
        turns.push(response.metadata["endpoint"].as_str().unwrap().to_string());
    }
    turns.sort();
    turns.dedup();
    assert_eq!(turns.len(), 3, "{turns:?}");
}

#[tokio::test]
async fn a_failing_server_sits_out_its_cool_down_then_serves_again() {
    let servers = [
        vllm(Some("0.11.0"), &[MODEL]).await,
        vllm(Some("0.11.0"), &[MODEL]).await,
        vllm(Some("0.11.0"), &[MODEL]).await,
    ];
    for server in &servers {
        mount_chat(server, chat_reply("5")).await;
    }
    // The second server fails its first chat request, then recovers.
    Mock::given(method("POST"))
        .and(path(CHAT))
        .respond_with(ResponseTemplate::new(503).set_body_string("engine restarting"))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&servers[1])
        .await;
    let bases: Vec<String> = servers.iter().map(base).collect();
    let roots: Vec<String> = servers.iter().map(|s| s.uri()).collect();
    let agent = connect_pool(&pooled(&bases, 0.4), &settings())
        .await
        .unwrap();

    // Round robin: the first to server 0, the second to server 1, which
    // fails; the retry goes at once to server 2.
    assert_eq!(decide_ttt(&agent).await.metadata["endpoint"], roots[0]);
    let response = decide_ttt(&agent).await;
    assert_eq!(response.metadata["endpoint"], roots[2]);
    assert_eq!(response.metadata["http_attempts"], 2);
    let retry = &response.metadata["retries"][0];
    assert_eq!(retry["endpoint"], roots[1]);
    assert_eq!(retry["status"], 503);
    assert_eq!(retry["waited_ms"], 0);
    let out = agent.endpoints()[1].out.clone().unwrap();
    assert!(out.contains("HTTP 503: engine restarting"), "{out}");

    // While it cools down it gets nothing.
    let mut during = 0;
    for _ in 0..4 {
        if agent.endpoints()[1].back_in_ms == Some(0) {
            break;
        }
        let response = decide_ttt(&agent).await;
        assert_ne!(response.metadata["endpoint"], roots[1]);
        during += 1;
    }
    assert!(during > 0, "the cool-down ended before any request");
    assert_eq!(chats(&servers[1]).await, 1);

    // After it, it is checked (/health) and used again.
    eventually(|| agent.endpoints()[1].back_in_ms == Some(0)).await;
    let mut served = Vec::new();
    for _ in 0..3 {
        served.push(decide_ttt(&agent).await.metadata["endpoint"].clone());
    }
    assert!(served.contains(&json!(roots[1])), "{served:?}");
    assert_eq!(chats(&servers[1]).await, 2);
    assert_eq!(agent.endpoints()[1].out, None);
}

#[tokio::test]
async fn a_server_down_at_the_check_starts_out_and_stays_out_while_dead() {
    let live = [
        vllm(Some("0.11.0"), &[MODEL]).await,
        vllm(Some("0.11.0"), &[MODEL]).await,
    ];
    for server in &live {
        mount_chat(server, chat_reply("5")).await;
    }
    let dead = dead_base();
    let bases = vec![base(&live[0]), dead.clone(), base(&live[1])];
    let agent = connect_pool(&pooled(&bases, 0.2), &settings())
        .await
        .unwrap();
    let dead_root = dead.trim_end_matches("/v1");
    let status = &agent.endpoints()[1];
    assert_eq!(status.endpoint, dead_root);
    let out = status.out.as_deref().unwrap();
    assert!(
        out.starts_with(&format!(
            "failed the check before the run: {dead_root}/health"
        )),
        "{out}"
    );
    assert!(out.contains("cannot connect"), "{out}");
    assert!(agent.endpoints()[0].out.is_none() && agent.endpoints()[2].out.is_none());

    for _ in 0..4 {
        let response = decide_ttt(&agent).await;
        assert_ne!(response.metadata["endpoint"], dead_root);
        assert_eq!(response.metadata["http_attempts"], 1);
    }
    // Back from its cool-down, its /health check fails before any request
    // is sent to it: it goes out again and the decisions never notice.
    eventually(|| agent.endpoints()[1].back_in_ms == Some(0)).await;
    for _ in 0..3 {
        let response = decide_ttt(&agent).await;
        assert_ne!(response.metadata["endpoint"], dead_root);
        assert_eq!(response.metadata["retries"], json!([]));
    }
    let out = agent.endpoints()[1].out.clone().unwrap();
    assert!(
        out.starts_with(&format!("{dead_root}/health after the cool-down")),
        "{out}"
    );
}

#[tokio::test]
async fn when_every_server_is_down_the_error_names_each_within_the_retry_budget() {
    let servers = [
        vllm(Some("0.11.0"), &[MODEL]).await,
        vllm(Some("0.11.0"), &[MODEL]).await,
        vllm(Some("0.11.0"), &[MODEL]).await,
    ];
    for server in &servers {
        mount_chat(
            server,
            ResponseTemplate::new(500).set_body_string("CUDA error"),
        )
        .await;
    }
    let bases: Vec<String> = servers.iter().map(base).collect();
    let settings = HttpSettings {
        max_retries: 5,
        ..settings()
    };
    let agent = connect_pool(&pooled(&bases, 0.2), &settings).await.unwrap();
    let start = std::time::Instant::now();
    let err = agent
        .decide(&request_for(tic_tac_toe().as_ref(), "tic_tac_toe"))
        .await
        .unwrap_err();
    // Three failures, a wait for the first server back, its failure, one
    // more: six tries, well under the generous bound.
    assert!(
        start.elapsed() < Duration::from_secs(10),
        "{:?}",
        start.elapsed()
    );
    let AgentError::Http {
        error: HttpError::Exhausted { retries, last, .. },
        ..
    } = &err
    else {
        panic!("{err}");
    };
    assert!(
        last.starts_with("HTTP 500: CUDA error; servers out: "),
        "{last}"
    );
    for server in &servers {
        assert!(last.contains(&server.uri()), "{last}");
    }
    let failed: Vec<Option<&str>> = retries.iter().map(|r| r.endpoint.as_deref()).collect();
    assert_eq!(failed.len(), 5, "{retries:?}");
    let mut first_three: Vec<&str> = failed[..3].iter().map(|f| f.unwrap()).collect();
    first_three.sort_unstable();
    let mut roots: Vec<String> = servers.iter().map(|s| s.uri()).collect();
    roots.sort();
    assert_eq!(first_three, roots, "each server once before any waits");
    assert_eq!(failed[3], None, "the wait for a server to come back");
    assert!(retries[3].error.starts_with("every server is out: "));
    assert!(retries[3].waited_ms <= 200, "{retries:?}");

    // A cool-down longer than any wait allowed fails at once.
    let agent = connect_pool(
        &pooled(&bases, 600.0),
        &HttpSettings {
            max_retries: 5,
            ..settings.clone()
        },
    )
    .await
    .unwrap();
    let err = agent
        .decide(&request_for(tic_tac_toe().as_ref(), "tic_tac_toe"))
        .await
        .unwrap_err()
        .to_string();
    assert!(err.contains("gave up after 3 attempt(s)"), "{err}");
    assert!(err.contains("more than the 5 s allowed"), "{err}");
}

#[tokio::test]
async fn when_every_server_fails_its_check_the_error_names_each() {
    let wrong = vllm(Some("0.11.0"), &["another-model"]).await;
    let dead = [dead_base(), dead_base()];
    let err = connect_pool(&pooled(&dead, 0.2), &settings())
        .await
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("none of the 2 vLLM servers in base_urls answers"),
        "{err}"
    );
    for base in &dead {
        let root = base.trim_end_matches("/v1");
        assert!(err.contains(&format!("{root}/health")), "{err}");
    }
    // A server that answers but serves another model is a mistake to fix,
    // not an outage to wait out.
    let bases = vec![dead[0].clone(), base(&wrong)];
    let err = connect_pool(&pooled(&bases, 0.2), &settings())
        .await
        .unwrap_err()
        .to_string();
    assert!(err.contains("does not serve"), "{err}");
}

#[tokio::test]
async fn servers_that_need_different_constraint_fields_are_refused() {
    let old = vllm(Some("0.9.2"), &[MODEL]).await;
    let new = vllm(Some("0.11.0"), &[MODEL]).await;
    let err = connect_pool(&pooled(&[base(&old), base(&new)], 0.2), &settings())
        .await
        .unwrap_err()
        .to_string();
    assert!(err.contains("different fields"), "{err}");
    assert!(
        err.contains(&format!("{} reports 0.9.2", old.uri())),
        "{err}"
    );
}

#[tokio::test]
async fn base_url_and_base_urls_together_are_refused() {
    let server = vllm(Some("0.11.0"), &[MODEL]).await;
    let model = VllmModel {
        base_url: Some(base(&server)),
        ..pooled(&[base(&server)], 0.2)
    };
    let err = connect_pool(&model, &settings()).await.unwrap_err();
    assert!(matches!(err, AgentError::Config { .. }), "{err}");
    assert!(
        err.to_string().contains("both base_url and base_urls"),
        "{err}"
    );
    assert!(server.received_requests().await.unwrap().is_empty());
}

// ---- launching -------------------------------------------------------------

/// A stand-in for `vllm serve`: answers /health, /v1/models, /version and
/// chat completions (with the first allowed choice) on the given host and
/// port, after recording its arguments and pid to the file after `--record`.
const FAKE_VLLM: &str = r#"
import json, os, sys, time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

args = sys.argv[1:]
def opt(name, default=None):
    return args[args.index(name) + 1] if name in args else default

model = args[1]
served = opt("--served-model-name", model)
with open(opt("--record"), "w") as f:
    json.dump({"argv": args, "pid": os.getpid()}, f)
print("INFO loading", model, flush=True)
print("WARNING a line on stderr", file=sys.stderr, flush=True)
time.sleep(float(opt("--delay", "0")))

class Handler(BaseHTTPRequestHandler):
    def log_message(self, *a):
        pass
    def reply(self, code, obj):
        body = b"" if obj is None else json.dumps(obj).encode()
        self.send_response(code)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    def do_GET(self):
        if self.path == "/health":
            self.reply(200, None)
        elif self.path == "/v1/models":
            self.reply(200, {"object": "list", "data": [{"id": served}]})
        elif self.path == "/version":
            self.reply(200, {"version": "0.11.0"})
        else:
            self.reply(404, {"error": "not found"})
    def do_POST(self):
        request = json.loads(self.rfile.read(int(self.headers["content-length"])))
        choice = request["structured_outputs"]["choice"][0]
        self.reply(200, {"choices": [{"message": {"role": "assistant", "content": choice},
                                      "finish_reason": "stop"}],
                         "usage": {"prompt_tokens": 50, "completion_tokens": 1}})

ThreadingHTTPServer((opt("--host"), int(opt("--port"))), Handler).serve_forever()
"#;

/// Never ready: forks a grandchild, records both pids, and sleeps.
const NEVER_READY: &str = r#"
import subprocess, sys, time
args = sys.argv[1:]
record = args[args.index("--record") + 1]
child = subprocess.Popen(["sleep", "600"])
with open(record, "w") as f:
    f.write(f"{__import__('os').getpid()} {child.pid}")
print("INFO loading weights 3/8", file=sys.stderr, flush=True)
time.sleep(600)
"#;

const CRASHES: &str = r#"
import sys
print("ValueError: no GPU: CUDA is not available", file=sys.stderr, flush=True)
sys.exit(3)
"#;

/// A scratch directory removed on drop.
struct Scratch(PathBuf);

impl Scratch {
    fn new() -> Scratch {
        static N: AtomicUsize = AtomicUsize::new(0);
        let dir = std::env::temp_dir().join(format!(
            "arena-vllm-test-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        ));
        std::fs::create_dir_all(&dir).unwrap();
        Scratch(dir)
    }

    fn file(&self, name: &str, text: &str) -> PathBuf {
        let path = self.0.join(name);
        std::fs::write(&path, text).unwrap();
        path
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn free_port() -> u16 {
    let listener = std::net::TcpListener::bind(("127.0.0.1", 0)).unwrap();
    listener.local_addr().unwrap().port()
}

/// An entry launched with `python3 <script> serve` (run through the
/// interpreter rather than as an executable file, which a test writing it
/// while other threads fork could find busy).
fn launched(script: &Path, record: &Path, port: u16, extra: &[&str], timeout_s: u64) -> VllmModel {
    let mut args = vec!["--record".to_string(), record.display().to_string()];
    args.extend(extra.iter().map(|s| s.to_string()));
    VllmModel {
        launch: Some(VllmLaunch {
            command: vec![
                "python3".to_string(),
                script.display().to_string(),
                "serve".to_string(),
            ],
            args,
            host: "127.0.0.1".to_string(),
            port,
            startup_timeout_s: timeout_s,
        }),
        ..VllmModel::new(MODEL)
    }
}

/// Whether a process is gone (or a zombie no one has reaped yet).
fn gone(pid: u32) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Err(_) => true,
        Ok(stat) => stat
            .rsplit(')')
            .next()
            .is_some_and(|rest| rest.trim_start().starts_with('Z')),
    }
}

/// Waits up to two seconds for a process to go (a zombie is reaped by init).
async fn eventually_gone(pid: u32) -> bool {
    for _ in 0..100 {
        if gone(pid) {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    false
}

#[tokio::test]
async fn a_launched_server_is_checked_used_and_stopped_with_its_agent() {
    let scratch = Scratch::new();
    let script = scratch.file("fake_vllm.py", FAKE_VLLM);
    let record = scratch.0.join("argv.json");
    let port = free_port();
    let model = VllmModel {
        served_model_name: Some("qwen-small".into()),
        ..launched(&script, &record, port, &["--delay", "0.4"], 30)
    };
    let catalog = VllmCatalog {
        models: [("qwen-small".to_string(), model)].into_iter().collect(),
    };
    let agent = build_vllm_agent(
        "vllm_qwen-small",
        &catalog,
        &HttpClient::new().unwrap(),
        &settings(),
    )
    .await
    .unwrap();
    assert_eq!(agent.name(), "vllm_qwen-small");

    let recorded: Value = serde_json::from_str(&std::fs::read_to_string(&record).unwrap()).unwrap();
    let argv = strings(&recorded["argv"]);
    let pid = u32::try_from(recorded["pid"].as_u64().unwrap()).unwrap();
    let port_text = port.to_string();
    assert_eq!(
        argv,
        [
            "serve",
            MODEL,
            "--host",
            "127.0.0.1",
            "--port",
            port_text.as_str(),
            "--served-model-name",
            "qwen-small",
            "--record",
            record.to_str().unwrap(),
            "--delay",
            "0.4"
        ]
    );

    let state = tic_tac_toe();
    let decision = turn::decide(
        agent.as_ref(),
        state.as_ref(),
        "tic_tac_toe",
        1,
        Sampling::default(),
        IllegalMovePolicy::default(),
        1,
    )
    .await;
    assert_eq!(
        decision.resolution,
        Resolution::Move {
            action: state.legal_actions()[0].clone()
        }
    );
    let response = decision.attempts[0].response.as_ref().unwrap();
    assert_eq!(response.metadata["launched"], true);
    assert_eq!(response.metadata["model"], "qwen-small");

    // The server lives as long as the agent, and goes with it.
    assert!(!gone(pid));
    drop(agent);
    assert!(eventually_gone(pid).await, "the server stopped");
    assert!(
        std::net::TcpStream::connect(("127.0.0.1", port)).is_err(),
        "nothing listens any more"
    );
}

#[tokio::test]
async fn a_missing_executable_is_a_clear_error() {
    let model = VllmModel {
        launch: Some(VllmLaunch {
            command: vec!["vllm-not-installed-here".to_string(), "serve".to_string()],
            port: free_port(),
            ..VllmLaunch::default()
        }),
        ..VllmModel::new(MODEL)
    };
    let text = VllmServer::launch(&model).await.unwrap_err().to_string();
    assert!(
        text.contains("`vllm-not-installed-here` was not found on PATH"),
        "{text}"
    );
    assert!(text.contains("pip install vllm"), "{text}");
    assert!(text.contains("launch.command"), "{text}");
}

#[tokio::test]
async fn a_server_that_never_gets_ready_is_stopped_with_its_output() {
    let scratch = Scratch::new();
    let script = scratch.file("never_ready.py", NEVER_READY);
    let record = scratch.0.join("pids");
    let port = free_port();
    let model = launched(&script, &record, port, &[], 1);
    let err = VllmServer::launch(&model).await.unwrap_err();
    assert!(matches!(err, AgentError::Launch { .. }), "{err:?}");
    let text = err.to_string();
    assert!(
        text.contains(&format!(
            "did not answer http://127.0.0.1:{port}/health within 1 s"
        )),
        "{text}"
    );
    assert!(text.contains("startup_timeout_s"), "{text}");
    assert!(text.contains("loading weights 3/8"), "{text}");
    // The script and the process it forked are both gone.
    let pids: Vec<u32> = std::fs::read_to_string(&record)
        .unwrap()
        .split_whitespace()
        .map(|p| p.parse().unwrap())
        .collect();
    assert_eq!(pids.len(), 2);
    for pid in pids {
        assert!(eventually_gone(pid).await, "process {pid} was stopped");
    }
}

#[tokio::test]
async fn a_server_that_exits_early_shows_why() {
    let scratch = Scratch::new();
    let script = scratch.file("crashes.py", CRASHES);
    let model = launched(&script, &scratch.0.join("unused"), free_port(), &[], 30);
    let text = VllmServer::launch(&model).await.unwrap_err().to_string();
    assert!(text.contains("exited"), "{text}");
    assert!(text.contains("exit status: 3"), "{text}");
    assert!(text.contains("CUDA is not available"), "{text}");
}
