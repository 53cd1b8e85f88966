//! Observability of long runs: structured logs (`--log-format json`, through
//! `tracing`) and an optional Prometheus endpoint (`--metrics-addr`) with
//! decisions, latency per agent, rejected attempts and retries by kind,
//! finished episodes by status, tokens and cost.
//!
//! Both are set once, at start-up, for the whole process ([`init`]); the
//! run's event stream feeds them ([`Metrics::observe`], [`log_event`]), so
//! they count exactly what the database records. Neither ever sees a key:
//! events hold none.

use std::fmt::Write as _;
use std::io::{BufRead, BufReader, Write};
use std::net::{SocketAddr, TcpListener};
use std::sync::atomic::AtomicU64;
use std::sync::{Arc, Mutex, OnceLock};

use anyhow::{Context, Result};
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;

use crate::record::Event;

/// How log lines are written to standard error.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum LogFormat {
    /// For people: the usual messages; warnings and errors as text lines.
    #[default]
    Text,
    /// One JSON object per line (tracing's JSON format), for log collectors:
    /// every message, run, episode and failed attempt is an event.
    Json,
}

static FORMAT: OnceLock<LogFormat> = OnceLock::new();
static METRICS: OnceLock<Arc<Metrics>> = OnceLock::new();

/// Sets up logging and, with an address, the metrics endpoint. Call once,
/// before anything logs. `ARENA_LOG` (a tracing filter such as `debug` or
/// `arena_runner=debug`) overrides the level: `warn` for text, `info` for
/// JSON.
pub fn init(format: LogFormat, metrics_addr: Option<SocketAddr>) -> Result<()> {
    let _ = FORMAT.set(format);
    let default = match format {
        LogFormat::Text => "warn",
        LogFormat::Json => "info",
    };
    let filter = tracing_subscriber::EnvFilter::try_from_env("ARENA_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_target(false);
    // A second init (tests) keeps the first subscriber.
    let _ = match format {
        LogFormat::Text => builder.without_time().try_init(),
        LogFormat::Json => builder.json().flatten_event(true).try_init(),
    };
    if let Some(addr) = metrics_addr {
        let metrics = Arc::new(Metrics::new());
        serve(addr, metrics.clone())?;
        let _ = METRICS.set(metrics);
    }
    Ok(())
}

/// A message for the person running the command (progress of a run, where
/// the results are): a plain line on standard error, or an `info` event
/// when the logs are JSON, so that standard error stays one JSON object per
/// line.
pub fn notice(message: &str) {
    match FORMAT.get().copied().unwrap_or_default() {
        LogFormat::Text => eprintln!("{message}"),
        LogFormat::Json => tracing::info!(message),
    }
}

/// The metrics of this process, when `--metrics-addr` was given.
pub fn metrics() -> Option<Arc<Metrics>> {
    METRICS.get().cloned()
}

/// Logs one record event: runs and episodes at `info`, rejected attempts at
/// `warn` (agent errors) or `info` (unreadable or illegal replies).
pub fn log_event(event: &Event) {
    match event {
        Event::RunStarted(r) => {
            tracing::info!(run_id = %r.run_id, resumed = r.resumed, seed = r.seed, "run started");
        }
        Event::EpisodeStarted(e) => {
            tracing::debug!(episode_id = %e.episode_id, game = %e.game, seed = e.seed, "episode started");
        }
        Event::EpisodeFinished(e) => {
            tracing::info!(
                episode_id = %e.episode_id,
                status = e.status.as_str(),
                reason = e.reason.as_deref().unwrap_or(""),
                "episode finished"
            );
        }
        Event::Attempt(a) if a.status == "agent_error" => {
            tracing::warn!(
                episode_id = %a.episode_id,
                ply = a.ply,
                seat = a.seat,
                agent = %a.agent,
                attempt = a.attempt,
                error = a.error.as_deref().unwrap_or(""),
                "agent failed to answer"
            );
        }
        Event::Attempt(a) => {
            tracing::info!(
                episode_id = %a.episode_id,
                ply = a.ply,
                seat = a.seat,
                agent = %a.agent,
                attempt = a.attempt,
                status = %a.status,
                error = a.error.as_deref().unwrap_or(""),
                "attempt rejected"
            );
        }
        Event::Move(_) => {}
        Event::RunFinished(r) => {
            tracing::info!(run_id = %r.run_id, status = r.status.as_str(), "run finished");
        }
    }
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct AgentLabel {
    agent: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct AgentStatus {
    agent: String,
    status: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct StatusLabel {
    status: String,
}

type LatencyFamily = Family<AgentLabel, Histogram, fn() -> Histogram>;

/// The Prometheus metrics of a run, fed by its events.
#[derive(Debug)]
pub struct Metrics {
    registry: Mutex<Registry>,
    decisions: Family<AgentLabel, Counter>,
    latency: LatencyFamily,
    rejected: Family<AgentStatus, Counter>,
    retries: Family<AgentLabel, Counter>,
    fallbacks: Family<AgentLabel, Counter>,
    episodes: Family<StatusLabel, Counter>,
    tokens: Family<AgentLabel, Counter>,
    cost: Family<AgentLabel, Counter<f64, AtomicU64>>,
}

fn latency_histogram() -> Histogram {
    // 1 ms to about 65 s.
    Histogram::new(exponential_buckets(0.001, 2.0, 17))
}

impl Default for Metrics {
    fn default() -> Metrics {
        Metrics::new()
    }
}

impl Metrics {
    /// Empty metrics, registered.
    pub fn new() -> Metrics {
        let mut registry = Registry::with_prefix("arena");
        let m = Metrics {
            registry: Mutex::new(Registry::default()),
            decisions: Family::default(),
            latency: Family::new_with_constructor(latency_histogram as fn() -> Histogram),
            rejected: Family::default(),
            retries: Family::default(),
            fallbacks: Family::default(),
            episodes: Family::default(),
            tokens: Family::default(),
            cost: Family::default(),
        };
        registry.register(
            "decisions",
            "Moves decided by each agent (accepted attempts and fallbacks)",
            m.decisions.clone(),
        );
        registry.register(
            "decision_latency_seconds",
            "Wall time of each decision, re-prompts included",
            m.latency.clone(),
        );
        registry.register(
            "rejected_attempts",
            "Rejected attempts by agent and kind (unparseable, illegal, agent_error)",
            m.rejected.clone(),
        );
        registry.register(
            "http_retries",
            "HTTP requests retried (5xx, 429, timeouts, connection errors) behind accepted moves",
            m.retries.clone(),
        );
        registry.register(
            "fallbacks",
            "Decisions settled by the illegal-move policy's random move",
            m.fallbacks.clone(),
        );
        registry.register(
            "episodes_finished",
            "Episodes ended, by status",
            m.episodes.clone(),
        );
        registry.register("tokens", "Prompt and completion tokens", m.tokens.clone());
        registry.register("cost_usd", "Cost in US dollars", m.cost.clone());
        *m.registry.lock().unwrap_or_else(|e| e.into_inner()) = registry;
        m
    }

    /// Counts one record event.
    pub fn observe(&self, event: &Event) {
        match event {
            Event::Move(m) if m.seat.is_some() => {
                let agent = AgentLabel {
                    agent: m.actor.clone(),
                };
                self.decisions.get_or_create(&agent).inc();
                if let Some(ms) = m.latency_ms {
                    self.latency.get_or_create(&agent).observe(ms / 1000.0);
                }
                if m.parse_status == "fallback" {
                    self.fallbacks.get_or_create(&agent).inc();
                }
                let retries = m
                    .metadata
                    .get("retries")
                    .and_then(serde_json::Value::as_array)
                    .map_or(0, Vec::len);
                if retries > 0 {
                    self.retries.get_or_create(&agent).inc_by(retries as u64);
                }
                let tokens = m.prompt_tokens.unwrap_or(0) + m.completion_tokens.unwrap_or(0);
                if tokens > 0 {
                    self.tokens.get_or_create(&agent).inc_by(tokens);
                }
                if let Some(cost) = m.cost_usd {
                    self.cost.get_or_create(&agent).inc_by(cost);
                }
            }
            Event::Attempt(a) => {
                self.rejected
                    .get_or_create(&AgentStatus {
                        agent: a.agent.clone(),
                        status: a.status.clone(),
                    })
                    .inc();
                let agent = AgentLabel {
                    agent: a.agent.clone(),
                };
                let tokens = a.prompt_tokens.unwrap_or(0) + a.completion_tokens.unwrap_or(0);
                if tokens > 0 {
                    self.tokens.get_or_create(&agent).inc_by(tokens);
                }
                if let Some(cost) = a.cost_usd {
                    self.cost.get_or_create(&agent).inc_by(cost);
                }
            }
            Event::EpisodeFinished(e) => {
                self.episodes
                    .get_or_create(&StatusLabel {
                        status: e.status.as_str().to_string(),
                    })
                    .inc();
            }
            _ => {}
        }
    }

    /// The metrics in Prometheus' text exposition format.
    pub fn encode(&self) -> String {
        let mut out = String::new();
        let registry = self.registry.lock().unwrap_or_else(|e| e.into_inner());
        if prometheus_client::encoding::text::encode(&mut out, &registry).is_err() {
            let _ = writeln!(out, "# the metrics could not be encoded");
        }
        out
    }
}

/// Serves `GET /metrics` (any path, in fact) on `addr` from a thread of its
/// own, for the life of the process. Binding fails early with a clear
/// message (address in use, bad address).
fn serve(addr: SocketAddr, metrics: Arc<Metrics>) -> Result<()> {
    let listener = TcpListener::bind(addr).with_context(|| {
        format!("cannot serve metrics on {addr}; choose a free address with --metrics-addr")
    })?;
    if !addr.ip().is_loopback() {
        notice(&format!(
            "warning: metrics on {addr} are reachable from the network (agent names, counts; no keys)"
        ));
    }
    std::thread::Builder::new()
        .name("metrics".into())
        .spawn(move || {
            for stream in listener.incoming().flatten() {
                let mut reader = BufReader::new(&stream);
                let mut line = String::new();
                // The request line and headers are read and ignored.
                while reader.read_line(&mut line).map(|n| n > 2).unwrap_or(false) {
                    line.clear();
                }
                let body = metrics.encode();
                let mut out = &stream;
                let _ = write!(
                    out,
                    "HTTP/1.1 200 OK\r\ncontent-type: application/openmetrics-text; version=1.0.0; charset=utf-8\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                    body.len()
                );
            }
        })
        .context("cannot start the metrics thread")?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::{AttemptRecord, EpisodeEnd, EpisodeStatus, MoveRecord};

    fn decision(agent: &str, latency_ms: f64, status: &str, retries: usize) -> Event {
        Event::Move(MoveRecord {
            episode_id: "r/0/0".into(),
            ply: 1,
            seat: Some(0),
            actor: agent.into(),
            action: "4".into(),
            observation: String::new(),
            prompt: None,
            raw_response: None,
            reasoning: None,
            thinking: None,
            parse_status: status.into(),
            attempts: 1,
            latency_ms: Some(latency_ms),
            prompt_tokens: Some(10),
            completion_tokens: Some(2),
            reasoning_tokens: None,
            cost_usd: Some(0.5),
            metadata: serde_json::json!({"retries": vec![serde_json::json!({}); retries]}),
            state_after: String::new(),
            created_at: String::new(),
        })
    }

    #[test]
    fn events_become_prometheus_series() {
        let m = Metrics::new();
        m.observe(&decision("litellm_openai/gpt-4o-mini", 250.0, "parsed", 2));
        m.observe(&decision("litellm_openai/gpt-4o-mini", 40.0, "fallback", 0));
        m.observe(&Event::Attempt(AttemptRecord {
            episode_id: "r/0/0".into(),
            ply: 1,
            seat: 0,
            agent: "litellm_openai/gpt-4o-mini".into(),
            attempt: 1,
            status: "illegal".into(),
            prompt: None,
            raw_response: None,
            move_text: None,
            reasoning: None,
            thinking: None,
            error: None,
            latency_ms: None,
            prompt_tokens: None,
            completion_tokens: None,
            reasoning_tokens: None,
            cost_usd: None,
            metadata: serde_json::json!({}),
            created_at: String::new(),
        }));
        m.observe(&Event::EpisodeFinished(EpisodeEnd {
            episode_id: "r/0/0".into(),
            status: EpisodeStatus::Completed,
            reason: None,
            results: vec![],
            finished_at: String::new(),
        }));
        let text = m.encode();
        for line in [
            r#"arena_decisions_total{agent="litellm_openai/gpt-4o-mini"} 2"#,
            r#"arena_decision_latency_seconds_count{agent="litellm_openai/gpt-4o-mini"} 2"#,
            r#"arena_decision_latency_seconds_bucket{le="0.256",agent="litellm_openai/gpt-4o-mini"} 2"#,
            r#"arena_decision_latency_seconds_bucket{le="0.064",agent="litellm_openai/gpt-4o-mini"} 1"#,
            r#"arena_rejected_attempts_total{agent="litellm_openai/gpt-4o-mini",status="illegal"} 1"#,
            r#"arena_http_retries_total{agent="litellm_openai/gpt-4o-mini"} 2"#,
            r#"arena_fallbacks_total{agent="litellm_openai/gpt-4o-mini"} 1"#,
            r#"arena_episodes_finished_total{status="completed"} 1"#,
            r#"arena_tokens_total{agent="litellm_openai/gpt-4o-mini"} 24"#,
            r#"arena_cost_usd_total{agent="litellm_openai/gpt-4o-mini"} 1.0"#,
        ] {
            assert!(text.contains(line), "{line} not in:\n{text}");
        }
    }
}
