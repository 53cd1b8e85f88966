//! `litellm_<provider>/<model>` agents: API models reached the way LiteLLM
//! reaches them, in pure Rust. The provider decides the wire format
//! (OpenAI-compatible chat completions, Anthropic Messages, Gemini
//! `generateContent`), the environment gives the key and base URL (or a
//! comma-separated list of them, balanced like a load balancer's pool), the
//! catalog gives prices and capabilities, and the shared HTTP client
//! ([`crate::http`]) retries, limits and falls back.
//!
//! The reply goes to the turn driver as text: when a server returns its
//! reasoning in a separate field (`reasoning_content`, Anthropic `thinking`
//! blocks, Gemini thought parts), the raw text starts with that reasoning in
//! a `<think>…</think>` block, so the parser splits and keeps it like the
//! inline thinking of other models. `constrained` is always false: even a
//! reply held to a JSON schema goes through the parser.

use std::sync::Arc;
use std::time::{Duration, Instant};

use async_trait::async_trait;
use serde_json::{Value, json};

use crate::agent::{Agent, DecisionRequest, DecisionResponse};
use crate::env::ApiEnv;
use crate::error::AgentError;
use crate::http::{Endpoint, HttpClient, HttpError, HttpSettings, JsonRequest, Secret};
use crate::litellm_catalog::{LitellmCatalog, LitellmModel};
use crate::naming::{ApiStyle, LitellmTarget, resolve_litellm};
use crate::prompt::{Prompt, render};
use crate::upstream::Upstream;
use crate::{anthropic, gemini, openai};

/// An API model behind the [`Agent`] trait, with its fallbacks.
pub struct LitellmAgent {
    name: String,
    /// The model first, then its fallbacks in order.
    routes: Vec<Route>,
}

/// Builds the agent named `name` (`litellm_groq/llama-3.1-8b-instant`,
/// `litellm_gpt-4o-mini`). Every key, base URL and fallback is checked now,
/// so a missing variable is an error before any episode starts. Agents built
/// from one `client` share the connection pool and each model's limits.
pub fn build_litellm_agent(
    name: &str,
    env: &ApiEnv,
    catalog: &LitellmCatalog,
    settings: &HttpSettings,
    client: &HttpClient,
) -> Result<Arc<dyn Agent>, AgentError> {
    let name = name.trim();
    let Some(model) = name.strip_prefix("litellm_") else {
        return Err(AgentError::UnknownAgent {
            name: name.to_string(),
            hint: "API models are named `litellm_<provider>/<model>`".to_string(),
        });
    };
    let target = resolve_litellm(model)?;
    let mut agent = LitellmAgent::new(target, env, catalog, settings, client)?;
    agent.name = name.to_string();
    Ok(Arc::new(agent))
}

impl LitellmAgent {
    /// The agent for a resolved model. Its catalog entry (looked up as
    /// `<provider>/<model>`, then bare `<model>`) gives prices, the reply
    /// schema switch, and `concurrency`, `requests_per_minute` and
    /// `fallbacks` that override `settings`. Fails when a key or base URL
    /// the model or a fallback needs is not set.
    pub fn new(
        target: LitellmTarget,
        env: &ApiEnv,
        catalog: &LitellmCatalog,
        settings: &HttpSettings,
        client: &HttpClient,
    ) -> Result<LitellmAgent, AgentError> {
        let name = target.to_string();
        let primary = Route::new(target, env, catalog, settings, client)?;
        let fallback_names = match &primary.entry {
            Some(entry) if !entry.fallbacks.is_empty() => entry.fallbacks.clone(),
            _ => settings.fallbacks.clone(),
        };
        let mut routes = vec![primary];
        for fallback in &fallback_names {
            let model = fallback.trim();
            let model = model.strip_prefix("litellm_").unwrap_or(model);
            let target = resolve_litellm(model).map_err(|e| AgentError::Config {
                what: format!("fallbacks of {name}"),
                message: e.to_string(),
            })?;
            let route = Route::new(target, env, catalog, settings, client)?;
            if routes.iter().any(|r| r.label == route.label) {
                return Err(AgentError::Config {
                    what: format!("fallbacks of {name}"),
                    message: format!("{} is listed twice (or is the model itself)", route.label),
                });
            }
            routes.push(route);
        }
        Ok(LitellmAgent { name, routes })
    }

    /// The models asked, in order: the model itself, then its fallbacks
    /// (`groq/llama-3.1-8b-instant`).
    pub fn models(&self) -> Vec<&str> {
        self.routes.iter().map(|r| r.label.as_str()).collect()
    }
}

impl std::fmt::Debug for LitellmAgent {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LitellmAgent")
            .field("name", &self.name)
            .field("routes", &self.routes)
            .finish()
    }
}

#[async_trait]
impl Agent for LitellmAgent {
    fn name(&self) -> &str {
        &self.name
    }

    async fn decide(&self, request: &DecisionRequest) -> Result<DecisionResponse, AgentError> {
        let start = Instant::now();
        let prompt = render(request, false)?;
        let mut attempts = 0;
        let mut retries = Vec::new();
        let mut failed = Vec::new();
        for (i, route) in self.routes.iter().enumerate() {
            let call = route.call(&prompt, request);
            match route.endpoint.send_json(&call.http).await {
                Ok(reply) => {
                    attempts += reply.attempts;
                    retries.extend(reply.retries.iter().map(|r| retry_json(&route.label, r)));
                    let wire = route
                        .parse(&reply.json)
                        .map_err(|message| AgentError::Backend {
                            agent: self.name.clone(),
                            message: format!(
                                "{} ({}): {message}",
                                route.label,
                                reply
                                    .endpoint
                                    .as_deref()
                                    .map_or(call.host.clone(), host_only)
                            ),
                        })?;
                    let meta = Meta {
                        attempts,
                        retries,
                        failed,
                        fallback_used: (i > 0).then(|| route.label.clone()),
                        base_url: reply.endpoint.clone(),
                    };
                    return Ok(route.response(call, wire, meta, start));
                }
                Err(HttpError::Exhausted {
                    attempts: a,
                    retries: r,
                    last,
                    host,
                }) if i + 1 < self.routes.len() => {
                    attempts += a;
                    retries.extend(r.iter().map(|r| retry_json(&route.label, r)));
                    failed.push(json!({
                        "model": route.label,
                        "error": format!("{host}: gave up after {a} attempt(s); last error: {last}"),
                    }));
                }
                Err(error) if failed.is_empty() => {
                    return Err(AgentError::Http {
                        agent: self.name.clone(),
                        error,
                    });
                }
                Err(error) => {
                    let earlier: Vec<String> = failed
                        .iter()
                        .map(|f| {
                            format!(
                                "{}: {}",
                                f["model"].as_str().unwrap_or("?"),
                                f["error"].as_str().unwrap_or("?")
                            )
                        })
                        .collect();
                    return Err(AgentError::Backend {
                        agent: self.name.clone(),
                        message: format!(
                            "every model failed: {}; {}: {error}",
                            earlier.join("; "),
                            route.label
                        ),
                    });
                }
            }
        }
        // The loop returns on the last route in every case.
        Err(AgentError::Backend {
            agent: self.name.clone(),
            message: "no model to ask".to_string(),
        })
    }
}

/// One model an agent may ask: where, with which key, under which limits.
struct Route {
    /// `provider/model`.
    label: String,
    target: LitellmTarget,
    /// The first server's base URL: requests are addressed to it and the
    /// endpoint moves them to the server it picks.
    base: String,
    /// Every server's base URL.
    bases: Vec<String>,
    key: Option<Secret>,
    entry_name: Option<String>,
    entry: Option<LitellmModel>,
    endpoint: Endpoint,
}

impl std::fmt::Debug for Route {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Route")
            .field("model", &self.label)
            .field("bases", &self.bases)
            .field("key", &self.key)
            .field("catalog_entry", &self.entry_name)
            .field("endpoint", &self.endpoint)
            .finish()
    }
}

/// A request ready to send, with what the record needs.
struct Call {
    http: JsonRequest,
    prompt: Value,
    host: String,
    schema: bool,
    temperature: Option<f32>,
    seed: Option<u64>,
    max_tokens: u32,
}

/// What the fallback chain adds to the record.
struct Meta {
    attempts: u32,
    retries: Vec<Value>,
    failed: Vec<Value>,
    fallback_used: Option<String>,
    /// The base URL of the server that answered.
    base_url: Option<String>,
}

impl Route {
    fn new(
        target: LitellmTarget,
        env: &ApiEnv,
        catalog: &LitellmCatalog,
        settings: &HttpSettings,
        client: &HttpClient,
    ) -> Result<Route, AgentError> {
        let provider = target.provider;
        let label = format!("{}/{}", provider.name, target.model);
        let agent = format!("litellm_{label}");
        let key = env.api_key(provider, &agent)?;
        let mut bases = env.api_bases(provider, &agent)?;
        for base in &mut bases {
            // LiteLLM users point OLLAMA_API_BASE at the server root (its
            // native API); the OpenAI-compatible endpoint spoken here is
            // under /v1.
            if matches!(provider.name, "ollama" | "ollama_chat") && !base.ends_with("/v1") {
                base.push_str("/v1");
            }
            let url_ok = reqwest::Url::parse(base)
                .is_ok_and(|u| matches!(u.scheme(), "http" | "https") && u.host_str().is_some());
            if !url_ok {
                return Err(AgentError::Config {
                    what: format!(
                        "the base URL of {agent} ({})",
                        provider.base_vars.join(" or ")
                    ),
                    message: format!("{base:?} is not an http(s) URL"),
                });
            }
        }
        if let Some(i) = (1..bases.len()).find(|&i| bases[..i].contains(&bases[i])) {
            return Err(AgentError::Config {
                what: format!(
                    "the base URLs of {agent} ({})",
                    provider.base_vars.join(" or ")
                ),
                message: format!("{:?} is listed twice; list each server once", bases[i]),
            });
        }
        let (entry_name, entry) = match catalog.lookup(&target) {
            Some((name, entry)) => (Some(name.to_string()), Some(entry.clone())),
            None => (None, None),
        };
        let mut settings = settings.clone();
        if let Some(entry) = &entry {
            if let Some(c) = entry.concurrency {
                settings.concurrency = c;
            }
            if let Some(r) = entry.requests_per_minute {
                settings.requests_per_minute = Some(r);
            }
            if let Some(c) = entry.cooldown_s {
                settings.cooldown = Duration::from_secs_f64(c);
            }
        }
        // The variable named when the key is refused: the one that held
        // it, or the first one to set.
        let key_var = env
            .first_of(provider.key_vars)
            .map(|(var, _)| var)
            .or(provider.key_vars.first().copied());
        let upstreams = bases.iter().map(Upstream::new).collect();
        let endpoint = client.pooled_endpoint(&label, key_var, &settings, upstreams);
        Ok(Route {
            label,
            target,
            base: bases[0].clone(),
            bases,
            key,
            entry_name,
            entry,
            endpoint,
        })
    }

    fn call(&self, prompt: &Prompt, request: &DecisionRequest) -> Call {
        let provider = self.target.provider;
        let style = provider.style;
        let sampling = request.sampling;
        let max_tokens = match self.entry.as_ref().and_then(|e| e.max_output_tokens) {
            Some(cap) => sampling
                .max_tokens
                .min(u32::try_from(cap).unwrap_or(u32::MAX)),
            None => sampling.max_tokens,
        };
        let openai_reasoning = provider.name == "openai"
            && (self.entry.as_ref().and_then(|e| e.supports_reasoning) == Some(true)
                || is_openai_reasoning_model(&self.target.model));
        // OpenAI's reasoning models reject any temperature but the default.
        let temperature = (!openai_reasoning).then_some(sampling.temperature);
        let seed = match style {
            ApiStyle::AnthropicMessages => None,
            // Gemini's seed is an int32.
            ApiStyle::GeminiGenerateContent => Some(("seed", sampling.seed & 0x7fff_ffff)),
            // Mistral names it `random_seed` and rejects unknown fields.
            ApiStyle::OpenAiChat if provider.name == "mistral" => {
                Some(("random_seed", sampling.seed & 0x7fff_ffff))
            }
            ApiStyle::OpenAiChat => Some(("seed", sampling.seed & (i64::MAX as u64))),
        };
        let wants_schema =
            self.entry.as_ref().and_then(|e| e.supports_response_schema) == Some(true);
        let schema = match style {
            ApiStyle::AnthropicMessages => None,
            ApiStyle::OpenAiChat => {
                wants_schema.then(|| move_schema(&request.constraint.json_schema, true))
            }
            ApiStyle::GeminiGenerateContent => {
                wants_schema.then(|| move_schema(&request.constraint.json_schema, false))
            }
        };
        let options = WireOptions {
            model: &self.target.model,
            max_tokens,
            // OpenAI's own API takes `max_completion_tokens` (its reasoning
            // models reject `max_tokens`); compatible servers take `max_tokens`.
            max_tokens_field: if provider.name == "openai" {
                "max_completion_tokens"
            } else {
                "max_tokens"
            },
            temperature,
            seed,
            schema,
        };
        let key = self.key.as_ref();
        let (http, prompt_json) = match style {
            ApiStyle::OpenAiChat => openai::request(&self.base, key, prompt, &options),
            ApiStyle::AnthropicMessages => anthropic::request(&self.base, key, prompt, &options),
            ApiStyle::GeminiGenerateContent => gemini::request(&self.base, key, prompt, &options),
        };
        let host = reqwest::Url::parse(http.url())
            .ok()
            .and_then(|u| u.host_str().map(str::to_string))
            .unwrap_or_default();
        Call {
            http,
            prompt: prompt_json,
            host,
            schema: options.schema.is_some(),
            temperature,
            seed: seed.map(|(_, s)| s),
            max_tokens,
        }
    }

    fn parse(&self, reply: &Value) -> Result<WireReply, String> {
        match self.target.provider.style {
            ApiStyle::OpenAiChat => openai::parse(reply),
            ApiStyle::AnthropicMessages => anthropic::parse(reply),
            ApiStyle::GeminiGenerateContent => gemini::parse(reply),
        }
    }

    fn response(
        &self,
        call: Call,
        wire: WireReply,
        meta: Meta,
        start: Instant,
    ) -> DecisionResponse {
        let raw = match &wire.reasoning {
            Some(reasoning) => format!("<think>\n{}\n</think>\n{}", reasoning.trim(), wire.text),
            None => wire.text.clone(),
        };
        let cost_usd = self
            .entry
            .as_ref()
            .and_then(|e| e.cost_usd(wire.prompt_tokens, wire.completion_tokens));
        DecisionResponse {
            prompt: call.prompt.to_string(),
            raw,
            constrained: false,
            prompt_tokens: wire.prompt_tokens,
            completion_tokens: wire.completion_tokens,
            reasoning_tokens: wire.reasoning_tokens,
            latency_ms: start.elapsed().as_secs_f64() * 1000.0,
            cost_usd,
            metadata: json!({
                "provider": self.target.provider.name,
                "model": self.target.model,
                "endpoint": meta.base_url.as_deref().map_or(call.host, host_only),
                "base_url": meta.base_url,
                "catalog_entry": self.entry_name,
                "http_attempts": meta.attempts,
                "retries": meta.retries,
                "failed_models": meta.failed,
                "fallback_used": meta.fallback_used,
                "finish_reason": wire.finish_reason,
                "response_id": wire.id,
                "response_schema": call.schema,
                "reasoning_field": wire.reasoning.is_some(),
                "max_tokens": call.max_tokens,
                "temperature": call.temperature,
                "seed": call.seed,
            }),
        }
    }
}

/// What an adapter needs beyond the prompt.
#[derive(Clone, Debug)]
pub(crate) struct WireOptions<'a> {
    /// The model name on the wire.
    pub model: &'a str,
    /// The reply's token limit.
    pub max_tokens: u32,
    /// Its field name (OpenAI-compatible only).
    pub max_tokens_field: &'static str,
    /// `None` to leave the server's default.
    pub temperature: Option<f32>,
    /// The seed field and value, `None` to send none.
    pub seed: Option<(&'static str, u64)>,
    /// The reply's JSON schema, when one is sent.
    pub schema: Option<Value>,
}

#[cfg(test)]
impl WireOptions<'_> {
    pub(crate) fn test(model: &str) -> WireOptions<'_> {
        WireOptions {
            model,
            max_tokens: 16,
            max_tokens_field: "max_tokens",
            temperature: Some(0.0),
            seed: Some(("seed", 1)),
            schema: None,
        }
    }
}

/// A reply as every adapter reads it.
#[derive(Clone, Debug, Default, PartialEq)]
pub(crate) struct WireReply {
    /// The answer text.
    pub text: String,
    /// Reasoning the server returned apart from the answer.
    pub reasoning: Option<String>,
    /// Prompt tokens.
    pub prompt_tokens: Option<u64>,
    /// Completion tokens, reasoning included.
    pub completion_tokens: Option<u64>,
    /// Reasoning tokens.
    pub reasoning_tokens: Option<u64>,
    /// Why generation stopped.
    pub finish_reason: Option<String>,
    /// The server's id of the reply.
    pub id: Option<String>,
}

/// A string, or the `text` of an array of parts, or empty.
pub(crate) fn text_of(value: Option<&Value>) -> String {
    match value {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Array(parts)) => parts
            .iter()
            .filter_map(|p| p.get("text").and_then(Value::as_str))
            .collect(),
        _ => String::new(),
    }
}

/// A token count at `pointer` in a usage object.
pub(crate) fn tokens(usage: Option<&Value>, pointer: &str) -> Option<u64> {
    usage?.pointer(pointer)?.as_u64()
}

/// The reply schema: an object with the reasoning first and then the move
/// (the game's schema of the move string), which the parser reads as its
/// JSON form. OpenAI's strict mode needs an object at the top and takes no
/// `minLength`/`maxLength`; the game's pattern already bounds the length.
fn move_schema(move_schema: &Value, strict_openai: bool) -> Value {
    let mut mv = move_schema.clone();
    if strict_openai && let Some(obj) = mv.as_object_mut() {
        obj.remove("minLength");
        obj.remove("maxLength");
    }
    json!({
        "type": "object",
        "properties": {
            "reasoning": {"type": "string"},
            "move": mv,
        },
        "required": ["reasoning", "move"],
        "additionalProperties": false,
    })
}

/// OpenAI's reasoning models: `o1`, `o3-mini`, `o4-mini`, `gpt-5`…
/// (not `gpt-5-chat`, which takes a temperature).
fn is_openai_reasoning_model(model: &str) -> bool {
    let mut chars = model.chars();
    let o_series = chars.next() == Some('o')
        && chars.next().is_some_and(|c| c.is_ascii_digit())
        && chars.next().is_none_or(|c| c == '-');
    o_series || (model.starts_with("gpt-5") && !model.starts_with("gpt-5-chat"))
}

/// The host of a base URL, as the record's `endpoint` has it.
fn host_only(base: &str) -> String {
    reqwest::Url::parse(base)
        .ok()
        .and_then(|u| u.host_str().map(str::to_string))
        .unwrap_or_default()
}

fn retry_json(model: &str, retry: &crate::http::RetryRecord) -> Value {
    json!({
        "model": model,
        "endpoint": retry.endpoint,
        "status": retry.status,
        "error": retry.error,
        "waited_ms": retry.waited_ms,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reasoning_models_by_name() {
        for m in ["o1", "o3-mini", "o4-mini-2025-04-16", "gpt-5", "gpt-5-mini"] {
            assert!(is_openai_reasoning_model(m), "{m}");
        }
        for m in ["gpt-4o-mini", "gpt-5-chat-latest", "omni", "o", "gpt-4.1"] {
            assert!(!is_openai_reasoning_model(m), "{m}");
        }
    }

    #[test]
    fn the_move_schema_wraps_the_game_s() {
        let game = json!({"type": "string", "minLength": 1, "maxLength": 9, "pattern": "^[a-z]+$"});
        let s = move_schema(&game, true);
        assert_eq!(
            s["properties"]["move"],
            json!({"type": "string", "pattern": "^[a-z]+$"})
        );
        assert_eq!(s["required"], json!(["reasoning", "move"]));
        assert_eq!(move_schema(&game, false)["properties"]["move"], game);
    }
}
