//! `vllm_<name>` agents: models served by [vLLM](https://docs.vllm.ai)
//! through its OpenAI-compatible API, with moves held to the legal ones by
//! vLLM's structured outputs. A catalog entry ([`VllmModel`]) either points
//! at running servers (`base_url`, or several `base_urls`) or is launched
//! here ([`VllmServer`]).
//!
//! At connection every server is checked: `/health` must answer, `/v1/models`
//! must list the served model, and `/version` decides the field that carries
//! the move constraint (see [`ConstraintField`]). Of several servers one
//! passing is enough; those that are down start in their cool-down. Requests
//! go through the shared HTTP client ([`crate::http`]), so retries, backoff,
//! the per-model concurrency limit and the balancing over several servers
//! are those of every HTTP backend.

mod catalog;
mod server;

use std::sync::Arc;
use std::time::{Duration, Instant};

use async_trait::async_trait;
use serde_json::{Value, json};

pub use catalog::{VllmCatalog, VllmLaunch, VllmModel};
pub use server::VllmServer;

use crate::agent::{Agent, DecisionRequest, DecisionResponse};
use crate::env::ApiEnv;
use crate::error::AgentError;
use crate::http::{Endpoint, HttpClient, HttpError, HttpSettings, JsonRequest, Secret};
use crate::prompt::render;
use crate::upstream::{Upstream, UpstreamStatus, endpoint_label};

/// The first release that takes `structured_outputs` (v0.10.2, where the
/// `guided_*` fields were deprecated; they were removed in v0.12.0).
const STRUCTURED_OUTPUTS_SINCE: (u64, u64, u64) = (0, 10, 2);

/// Builds the agent named `name` (`vllm_qwen2.5-7b`) from its catalog entry:
/// connects to its `base_url` or `base_urls`, or launches `vllm serve` when
/// it has none
/// (the agent owns that server; it stops when the last clone of the agent is
/// dropped, so build one agent per name and share it between seats). A key
/// named by `api_key_env` is read from the process environment over `.env`.
pub async fn build_vllm_agent(
    name: &str,
    catalog: &VllmCatalog,
    client: &HttpClient,
    settings: &HttpSettings,
) -> Result<Arc<VllmAgent>, AgentError> {
    let name = name.trim();
    let Some(short) = name.strip_prefix("vllm_") else {
        return Err(AgentError::UnknownAgent {
            name: name.to_string(),
            hint: "vLLM models are named `vllm_<name>` after their entry in \
                   agents/vllm_models.yaml"
                .to_string(),
        });
    };
    let Some(model) = catalog.get(short) else {
        let known = catalog.agent_names();
        return Err(AgentError::UnknownAgent {
            name: name.to_string(),
            hint: format!(
                "no model {short:?} in agents/vllm_models.yaml; catalogued: {}",
                if known.is_empty() {
                    "none".to_string()
                } else {
                    known.join(", ")
                }
            ),
        });
    };
    model.check(name)?;
    let env = if model.api_key_env.is_some() {
        ApiEnv::load(None)?
    } else {
        ApiEnv::default()
    };
    let agent = if !model.servers().is_empty() {
        VllmAgent::connect_with_env(name, model, &env, client, settings).await?
    } else {
        let server = Arc::new(VllmServer::launch(model).await?);
        VllmAgent::with_server(name, model, server, &env, client, settings).await?
    };
    Ok(Arc::new(agent))
}

/// Where the move constraint goes in a chat request, by server version.
///
/// vLLM v0.10.2 introduced `structured_outputs: {choice | regex | json |
/// grammar}` and deprecated the top-level `guided_choice`, `guided_regex`…
/// fields, which v0.12.0 removed — and a removed field is ignored, not
/// refused, so sending the wrong one silently unconstrains the model.
/// Servers reporting 0.10.2 or later get `structured_outputs`; older ones
/// the `guided_*` fields. A server whose `/version` is missing or
/// unreadable, or a source build reporting a 0.0/0.1 placeholder version
/// (no 0.1 release had guided decoding), is taken to be current.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ConstraintField {
    /// `structured_outputs: {choice: [...]}` / `{regex: "..."}` (v0.10.2+).
    StructuredOutputs,
    /// `guided_choice: [...]` / `guided_regex: "..."` (before v0.10.2).
    Guided,
}

impl ConstraintField {
    /// The field for a server reporting `version` (`None`: not reported).
    pub fn for_version(version: Option<&str>) -> ConstraintField {
        match version.and_then(parse_version) {
            Some(v) if v >= (0, 2, 0) && v < STRUCTURED_OUTPUTS_SINCE => ConstraintField::Guided,
            _ => ConstraintField::StructuredOutputs,
        }
    }
}

/// A model on one or several vLLM servers behind the [`Agent`] trait.
pub struct VllmAgent {
    name: String,
    model: VllmModel,
    /// Every server, in the catalog's order.
    servers: Vec<Server>,
    /// The OpenAI-compatible base URL of the first server.
    api: String,
    key: Option<Secret>,
    endpoint: Endpoint,
    version: Option<String>,
    field: ConstraintField,
    server: Option<Arc<VllmServer>>,
}

/// One server of a model.
#[derive(Debug)]
struct Server {
    /// Its root (`http://gpu1:8000`).
    root: String,
    /// Its root as the record shows it (no credentials).
    label: String,
    /// The version it reported at the check, if it passed and did.
    version: Option<String>,
}

impl std::fmt::Debug for VllmAgent {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let servers: Vec<&str> = self.servers.iter().map(|s| s.label.as_str()).collect();
        f.debug_struct("VllmAgent")
            .field("name", &self.name)
            .field("served_model", &self.model.served_name())
            .field("servers", &servers)
            .field("key", &self.key)
            .field("version", &self.version)
            .field("field", &self.field)
            .field("constrained", &self.model.constrained)
            .field("server", &self.server)
            .finish()
    }
}

impl VllmAgent {
    /// Connects the agent `name` (`vllm_qwen2.5-7b`) to the running server
    /// at the entry's `base_url`, or the servers of its `base_urls`, and
    /// checks each (health, served model, version). With several servers,
    /// one passing is enough: those down start in their cool-down (see
    /// [`VllmAgent::endpoints`]); a server that answers but does not serve
    /// the model, or refuses the key, is an error all the same. A key named
    /// by `api_key_env` is read from the process environment over `.env`.
    pub async fn connect(
        name: &str,
        model: &VllmModel,
        client: &HttpClient,
        settings: &HttpSettings,
    ) -> Result<VllmAgent, AgentError> {
        let env = if model.api_key_env.is_some() {
            ApiEnv::load(None)?
        } else {
            ApiEnv::default()
        };
        VllmAgent::connect_with_env(name, model, &env, client, settings).await
    }

    /// [`VllmAgent::connect`], with the key looked up in `env`.
    pub async fn connect_with_env(
        name: &str,
        model: &VllmModel,
        env: &ApiEnv,
        client: &HttpClient,
        settings: &HttpSettings,
    ) -> Result<VllmAgent, AgentError> {
        model.check(name)?;
        let roots: Vec<String> = model.servers().into_iter().map(server_root).collect();
        if roots.is_empty() {
            return Err(AgentError::Config {
                what: format!("{name} in agents/vllm_models.yaml"),
                message: "there is no base_url to connect to; add one, or let the runner \
                          launch the server"
                    .to_string(),
            });
        }
        VllmAgent::open(name, model, roots, None, env, client, settings).await
    }

    /// The agent `name` on a server launched here; the agent keeps the
    /// server running as long as it lives.
    pub async fn with_server(
        name: &str,
        model: &VllmModel,
        server: Arc<VllmServer>,
        env: &ApiEnv,
        client: &HttpClient,
        settings: &HttpSettings,
    ) -> Result<VllmAgent, AgentError> {
        model.check(name)?;
        let roots = vec![server.base_url().to_string()];
        VllmAgent::open(name, model, roots, Some(server), env, client, settings).await
    }

    /// The OpenAI-compatible base URL of the (first) server
    /// (`http://localhost:8000/v1`).
    pub fn base_url(&self) -> &str {
        &self.api
    }

    /// The OpenAI-compatible base URL of every server, in the catalog's
    /// order.
    pub fn base_urls(&self) -> Vec<String> {
        self.servers
            .iter()
            .map(|s| format!("{}/v1", s.root))
            .collect()
    }

    /// How each server stands: requests in flight, and why it is out while
    /// it cools down (a server down at the check starts out).
    pub fn endpoints(&self) -> Vec<UpstreamStatus> {
        self.endpoint.upstreams()
    }

    /// The version the first server that passed the check reported, if it
    /// did.
    pub fn server_version(&self) -> Option<&str> {
        self.version.as_deref()
    }

    /// Where the move constraint goes in requests.
    pub fn constraint_field(&self) -> ConstraintField {
        self.field
    }

    /// The server this agent launched, if it did.
    pub fn server(&self) -> Option<&Arc<VllmServer>> {
        self.server.as_ref()
    }

    async fn open(
        name: &str,
        model: &VllmModel,
        roots: Vec<String>,
        server: Option<Arc<VllmServer>>,
        env: &ApiEnv,
        client: &HttpClient,
        settings: &HttpSettings,
    ) -> Result<VllmAgent, AgentError> {
        let key_var = model.api_key_env.as_deref().map(str::trim);
        let key = match key_var {
            Some(var) => match env.get(var) {
                Some(key) => Some(Secret::new(key)),
                None => {
                    return Err(AgentError::MissingEnv {
                        var: var.to_string(),
                        purpose: format!(
                            "the API key of the vLLM server of {name}, as given to its \
                             `--api-key`; or remove api_key_env from its entry"
                        ),
                    });
                }
            },
            None => None,
        };
        let mut settings = settings.clone();
        if let Some(c) = model.concurrency {
            settings.concurrency = c;
        }
        if let Some(c) = model.cooldown_s {
            settings.cooldown = Duration::from_secs_f64(c);
        }
        // The checks fail fast: one retry, and no long wait on a server that
        // is not there.
        let probe_settings = HttpSettings {
            request_timeout: settings.request_timeout.min(Duration::from_secs(10)),
            max_retries: settings.max_retries.min(1),
            ..settings.clone()
        };
        let probe = client.endpoint(name, key_var, &probe_settings);
        let agent_error = |message: String| AgentError::Backend {
            agent: name.to_string(),
            message,
        };

        let mut servers = Vec::new();
        let mut down = Vec::new();
        for (i, root) in roots.iter().enumerate() {
            let version = match check_server(&probe, root, model, key.as_ref()).await {
                Ok(version) => version,
                Err(Check::Down(why)) => {
                    down.push((i, why));
                    None
                }
                Err(Check::Unauthorized(error)) => {
                    return Err(AgentError::Http {
                        agent: name.to_string(),
                        error,
                    });
                }
                Err(Check::Wrong(message)) => return Err(agent_error(message)),
            };
            servers.push(Server {
                root: root.clone(),
                label: endpoint_label(root),
                version,
            });
        }
        if down.len() == roots.len() {
            return Err(agent_error(all_down_message(&roots, model, down)));
        }
        let passed: Vec<&Server> = servers
            .iter()
            .enumerate()
            .filter(|(i, _)| !down.iter().any(|(d, _)| d == i))
            .map(|(_, s)| s)
            .collect();
        let field = ConstraintField::for_version(passed[0].version.as_deref());
        if passed
            .iter()
            .any(|s| ConstraintField::for_version(s.version.as_deref()) != field)
        {
            let versions: Vec<String> = passed
                .iter()
                .map(|s| {
                    format!(
                        "{} reports {}",
                        s.label,
                        s.version.as_deref().unwrap_or("no version")
                    )
                })
                .collect();
            return Err(AgentError::Config {
                what: format!("{name} in agents/vllm_models.yaml"),
                message: format!(
                    "its servers take the move constraint in different fields ({}): servers \
                     before vLLM 0.10.2 take guided_*, later ones structured_outputs; run \
                     versions on one side of 0.10.2 on every server",
                    versions.join(", ")
                ),
            });
        }
        let version = passed[0].version.clone();

        let upstreams = roots
            .iter()
            .map(|root| Upstream {
                base: root.clone(),
                health: Some(format!("{root}/health")),
            })
            .collect();
        let endpoint = client.pooled_endpoint(name, key_var, &settings, upstreams);
        for (i, why) in &down {
            endpoint.take_out(
                *i,
                &format!("failed the check before the run: {}", why.short()),
            );
        }
        Ok(VllmAgent {
            name: name.to_string(),
            model: model.clone(),
            api: format!("{}/v1", roots[0]),
            servers,
            key,
            endpoint,
            version,
            field,
            server,
        })
    }

    /// The constraint fields for a request, and their name for the record.
    fn constraint(&self, request: &DecisionRequest) -> Option<(&'static str, Value)> {
        if !self.model.constrained {
            return None;
        }
        let structured = self.field == ConstraintField::StructuredOutputs;
        match &request.constraint.choices {
            Some(choices) if choices.is_empty() => None,
            Some(choices) => Some(if structured {
                (
                    "structured_outputs.choice",
                    json!({"structured_outputs": {"choice": choices}}),
                )
            } else {
                ("guided_choice", json!({"guided_choice": choices}))
            }),
            None if request.constraint.regex.is_empty() => None,
            None => {
                let regex = unanchored(&request.constraint.regex);
                Some(if structured {
                    (
                        "structured_outputs.regex",
                        json!({"structured_outputs": {"regex": regex}}),
                    )
                } else {
                    ("guided_regex", json!({"guided_regex": regex}))
                })
            }
        }
    }
}

#[async_trait]
impl Agent for VllmAgent {
    fn name(&self) -> &str {
        &self.name
    }

    async fn decide(&self, request: &DecisionRequest) -> Result<DecisionResponse, AgentError> {
        let start = Instant::now();
        let constraint = self.constraint(request);
        // Held to the legal moves, the whole reply is the move, so the model
        // is asked for the move alone.
        let prompt = render(request, constraint.is_some())?;
        let messages = json!([
            {"role": "system", "content": prompt.system},
            {"role": "user", "content": prompt.user},
        ]);
        let sampling = request.sampling;
        let seed = sampling.seed & (i64::MAX as u64);
        let mut body = json!({
            "model": self.model.served_name(),
            "messages": messages,
            "max_tokens": sampling.max_tokens,
            "temperature": sampling.temperature,
            "seed": seed,
        });
        if let (Some((_, fields)), Some(body)) = (&constraint, body.as_object_mut())
            && let Some(fields) = fields.as_object()
        {
            body.extend(fields.clone());
        }
        // Addressed to the first server; the endpoint sends it to the one it
        // picks.
        let mut http = JsonRequest::post(format!("{}/chat/completions", self.api), body);
        if let Some(key) = &self.key {
            http = http.secret_header("authorization", "Bearer ", key);
        }
        let reply = self
            .endpoint
            .send_json(&http)
            .await
            .map_err(|error| AgentError::Http {
                agent: self.name.clone(),
                error,
            })?;
        let served = reply
            .endpoint
            .as_deref()
            .and_then(|label| self.servers.iter().find(|s| s.label == label))
            .unwrap_or(&self.servers[0]);
        let wire = crate::openai::parse(&reply.json).map_err(|message| AgentError::Backend {
            agent: self.name.clone(),
            message: format!("{}/v1: {message}", served.label),
        })?;
        // Reasoning split off by a `--reasoning-parser` comes first, as a
        // `<think>` block the parser separates again.
        let raw = match &wire.reasoning {
            Some(reasoning) => format!("<think>\n{}\n</think>\n{}", reasoning.trim(), wire.text),
            None => wire.text.clone(),
        };
        let retries: Vec<Value> = reply
            .retries
            .iter()
            .map(|r| {
                json!({
                    "endpoint": r.endpoint,
                    "status": r.status,
                    "error": r.error,
                    "waited_ms": r.waited_ms,
                })
            })
            .collect();
        Ok(DecisionResponse {
            prompt: json!({ "messages": messages }).to_string(),
            raw,
            constrained: constraint.is_some(),
            prompt_tokens: wire.prompt_tokens,
            completion_tokens: wire.completion_tokens,
            reasoning_tokens: wire.reasoning_tokens,
            latency_ms: start.elapsed().as_secs_f64() * 1000.0,
            cost_usd: None,
            metadata: json!({
                "backend": "vllm",
                "model": self.model.served_name(),
                "model_path": self.model.model_path,
                "endpoint": served.label,
                "server_version": served.version.as_ref().or(self.version.as_ref()),
                "launched": self.server.is_some(),
                "constraint_field": constraint.as_ref().map(|(f, _)| *f),
                "http_attempts": reply.attempts,
                "retries": retries,
                "finish_reason": wire.finish_reason,
                "response_id": wire.id,
                "reasoning_field": wire.reasoning.is_some(),
                "max_tokens": sampling.max_tokens,
                "temperature": sampling.temperature,
                "seed": seed,
            }),
        })
    }
}

/// The server root of a base URL: `http://h:8000/v1/` → `http://h:8000`
/// (health and version live at the root, the OpenAI API under `/v1`).
fn server_root(base: &str) -> String {
    let base = base.trim().trim_end_matches('/');
    base.strip_suffix("/v1").unwrap_or(base).to_string()
}

/// Why a server failed its check.
enum Check {
    /// It does not answer, or answers with server errors: it may come back.
    Down(Down),
    /// `/v1/models` refused the key.
    Unauthorized(HttpError),
    /// It answers, but is not what the entry says (another model, not a
    /// vLLM server).
    Wrong(String),
}

/// Which check a server that is down failed.
enum Down {
    Health { root: String, error: HttpError },
    Models { api: String, error: HttpError },
}

impl Down {
    /// One line for lists and cool-down reasons.
    fn short(&self) -> String {
        match self {
            Down::Health { root, error } => format!("{root}/health: {error}"),
            Down::Models { api, error } => format!("{api}/models: {error}"),
        }
    }
}

/// Checks one server: `/health` answers, `/v1/models` lists the served
/// model; then reads its version (`None` when `/version` does not say).
async fn check_server(
    probe: &Endpoint,
    root: &str,
    model: &VllmModel,
    key: Option<&Secret>,
) -> Result<Option<String>, Check> {
    match probe
        .send_json(&JsonRequest::get(format!("{root}/health")))
        .await
    {
        // A health answer that is not JSON (`OK` from a proxy) is fine.
        Ok(_) | Err(HttpError::InvalidJson { .. }) => {}
        Err(error) => {
            let root = root.to_string();
            return Err(Check::Down(Down::Health { root, error }));
        }
    }

    let api = format!("{root}/v1");
    let mut models = JsonRequest::get(format!("{api}/models"));
    if let Some(key) = key {
        models = models.secret_header("authorization", "Bearer ", key);
    }
    let served = match probe.send_json(&models).await {
        Ok(reply) => model_ids(&reply.json).ok_or_else(|| {
            Check::Wrong(format!(
                "{api}/models did not answer with a model list; is this a vLLM server?"
            ))
        })?,
        Err(error) if error.is_unauthorized() => return Err(Check::Unauthorized(error)),
        Err(error) if error.is_exhausted() => return Err(Check::Down(Down::Models { api, error })),
        Err(e) => return Err(Check::Wrong(format!("{api}/models: {e}"))),
    };
    let want = model.served_name();
    if !served.iter().any(|s| s == want) {
        return Err(Check::Wrong(format!(
            "the vLLM server at {root} does not serve {want:?}; it serves: {}. Set \
             served_model_name in agents/vllm_models.yaml to one of them, or start the server \
             with `--served-model-name {want}`",
            if served.is_empty() {
                "nothing".to_string()
            } else {
                served.join(", ")
            }
        )));
    }

    // An old or unusual server without /version is taken to be current.
    let version = probe
        .send_json(&JsonRequest::get(format!("{root}/version")))
        .await
        .ok()
        .and_then(|reply| {
            reply
                .json
                .get("version")
                .and_then(Value::as_str)
                .map(str::to_string)
        });
    Ok(version)
}

/// The error when no server passed its check: for one server, how to start
/// it; for several, each and why.
fn all_down_message(roots: &[String], model: &VllmModel, down: Vec<(usize, Down)>) -> String {
    if let [(_, why)] = down.as_slice() {
        return match why {
            Down::Health { root, error } => down_message(root, model, error),
            Down::Models { api, error } => format!("{api}/models: {error}"),
        };
    }
    let each: Vec<String> = down.iter().map(|(_, why)| why.short()).collect();
    format!(
        "none of the {} vLLM servers in base_urls answers: {}; start them with `vllm serve {}` \
         or remove the dead ones from base_urls in agents/vllm_models.yaml",
        roots.len(),
        each.join("; "),
        model.model_path
    )
}

/// The message for a server that does not answer `/health`.
fn down_message(root: &str, model: &VllmModel, error: &HttpError) -> String {
    let mut start = format!("vllm serve {}", model.model_path);
    if let Some(port) = reqwest::Url::parse(root).ok().and_then(|u| u.port())
        && port != 8000
    {
        start.push_str(&format!(" --port {port}"));
    }
    if let Some(name) = &model.served_model_name {
        start.push_str(&format!(" --served-model-name {name}"));
    }
    format!(
        "no vLLM server answers at {root}/health ({error}); start it with `{start}` or remove \
         base_url from its entry in agents/vllm_models.yaml to let the runner launch it"
    )
}

/// The ids in an OpenAI `/v1/models` reply.
fn model_ids(reply: &Value) -> Option<Vec<String>> {
    let data = reply.get("data")?.as_array()?;
    Some(
        data.iter()
            .filter_map(|m| m.get("id").and_then(Value::as_str))
            .map(str::to_string)
            .collect(),
    )
}

/// `0.11.0`, `v0.10.2rc1`, `0.6.3.post1`, `0.11.1.dev12+g3c4d` → the release
/// numbers; `None` when the text does not start with `major.minor`.
fn parse_version(text: &str) -> Option<(u64, u64, u64)> {
    let text = text.trim();
    let text = text.strip_prefix('v').unwrap_or(text);
    let mut parts = text.split('.');
    let number = |part: Option<&str>| -> Option<u64> {
        let part = part?;
        let end = part
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(part.len());
        part[..end].parse().ok()
    };
    let major = number(parts.next())?;
    let minor = number(parts.next())?;
    let patch = number(parts.next()).unwrap_or(0);
    Some((major, minor, patch))
}

/// The game's regex without its `^…$` anchors. vLLM matches a regex against
/// the whole output, and its documentation writes patterns without anchors;
/// its xgrammar backend skips them, but not every backend accepts them.
fn unanchored(regex: &str) -> &str {
    let regex = regex.strip_prefix('^').unwrap_or(regex);
    match regex.strip_suffix('$') {
        // `\$` is a literal dollar; `\\$` an escaped backslash, then the anchor.
        Some(rest) if (rest.len() - rest.trim_end_matches('\\').len()) % 2 == 0 => rest,
        _ => regex,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_choose_the_constraint_field() {
        for (version, field) in [
            (Some("0.11.0"), ConstraintField::StructuredOutputs),
            (Some("0.10.2"), ConstraintField::StructuredOutputs),
            (Some("0.10.2rc1"), ConstraintField::StructuredOutputs),
            (Some("0.12.0"), ConstraintField::StructuredOutputs),
            (Some("1.0.0"), ConstraintField::StructuredOutputs),
            (Some("0.10.1.1"), ConstraintField::Guided),
            (Some("0.9.2"), ConstraintField::Guided),
            (Some("v0.6.3.post1"), ConstraintField::Guided),
            (Some("0.10"), ConstraintField::Guided),
            (Some("0.1.dev1+g1234"), ConstraintField::StructuredOutputs),
            (Some("0.0.0+local"), ConstraintField::StructuredOutputs),
            (Some("dev"), ConstraintField::StructuredOutputs),
            (None, ConstraintField::StructuredOutputs),
        ] {
            assert_eq!(ConstraintField::for_version(version), field, "{version:?}");
        }
        assert_eq!(parse_version("0.11.1.dev12+g3c4d"), Some((0, 11, 1)));
        assert_eq!(parse_version("11"), None);
    }

    #[test]
    fn regexes_lose_their_anchors_only() {
        assert_eq!(unanchored("^[a-z][a-z ]{0,9}$"), "[a-z][a-z ]{0,9}");
        assert_eq!(unanchored("^(?:1|2)$"), "(?:1|2)");
        assert_eq!(unanchored("costs \\$"), "costs \\$");
        assert_eq!(unanchored("^a\\\\$"), "a\\\\");
        assert_eq!(unanchored("abc"), "abc");
    }

    #[test]
    fn base_urls_give_the_server_root() {
        assert_eq!(
            server_root("http://localhost:8000/v1"),
            "http://localhost:8000"
        );
        assert_eq!(server_root(" http://h:8000/v1/ "), "http://h:8000");
        assert_eq!(server_root("http://h:8000"), "http://h:8000");
        assert_eq!(server_root("https://h/vllm/v1"), "https://h/vllm");
    }
}
