//! The HTTP client every API backend shares: JSON requests with a
//! per-request timeout; retries of 408/409/429/5xx replies, connection errors
//! and timeouts with exponential backoff and full jitter that honour
//! `Retry-After`; a concurrency limit and an optional requests-per-minute
//! limit per model; clear errors that name the variable holding the key on
//! 401/403 and never contain the key itself.
//!
//! A backend builds a [`JsonRequest`] (URL, headers, body; the key goes in
//! with [`JsonRequest::secret_header`]) and sends it through an [`Endpoint`],
//! which carries the limits of one model. One [`HttpClient`] per run holds
//! the connection pool and hands out the limits, so every agent that talks
//! to the same model shares them. A model served from several base URLs
//! gets a pooled endpoint ([`HttpClient::pooled_endpoint`]): each attempt
//! goes to the least busy server that is in, and a failing server sits out
//! a cool-down (see [`Upstream`]).

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use rand::Rng;
use serde::Serialize;
use thiserror::Error;
use tokio::sync::Semaphore;

use crate::upstream::{Pool, Upstream, UpstreamStatus};

/// Reliability settings of an HTTP backend.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HttpSettings {
    /// The longest one request may take, from connecting to the last byte of
    /// the reply.
    pub request_timeout: Duration,
    /// Retries after the first attempt (so `max_retries + 1` requests at most).
    pub max_retries: u32,
    /// The backoff before the first retry; it doubles with each retry.
    pub backoff_base: Duration,
    /// The longest backoff.
    pub backoff_max: Duration,
    /// The longest `Retry-After` that is waited out; a server asking for more
    /// (a daily quota) ends the retries at once so fallbacks can take over.
    pub max_retry_after: Duration,
    /// Requests in flight at once, per model.
    pub concurrency: usize,
    /// Requests started per minute, per model; `None` for no limit.
    pub requests_per_minute: Option<u32>,
    /// Models (`groq/llama-3.1-8b-instant`) tried in order when this one
    /// has used up its retries.
    pub fallbacks: Vec<String>,
    /// How long a server of a model with several base URLs sits out after
    /// it fails (no connection, a timeout, a 5xx reply). A model with one
    /// server never leaves it out.
    pub cooldown: Duration,
}

impl Default for HttpSettings {
    /// 120 s per request, 3 retries, backoff from 1 s up to 30 s, waits of at
    /// most 60 s on `Retry-After`, 4 requests in flight per model, no rate
    /// limit, no fallbacks, 30 s cool-downs.
    fn default() -> Self {
        HttpSettings {
            request_timeout: Duration::from_secs(120),
            max_retries: 3,
            backoff_base: Duration::from_secs(1),
            backoff_max: Duration::from_secs(30),
            max_retry_after: Duration::from_secs(60),
            concurrency: 4,
            requests_per_minute: None,
            fallbacks: Vec::new(),
            cooldown: Duration::from_secs(30),
        }
    }
}

/// A secret (an API key). It prints as `***` in `Debug` and `Display`, and
/// every error text of a request that carries it has it replaced.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wraps a secret value.
    pub fn new(value: impl Into<String>) -> Secret {
        Secret(value.into())
    }

    /// The value itself, for the one place that sends it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(***)")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

/// One HTTP request with a JSON body (or none, for `GET`).
#[derive(Clone)]
pub struct JsonRequest {
    method: reqwest::Method,
    url: String,
    headers: Vec<(String, String, bool)>,
    secrets: Vec<Secret>,
    body: Option<serde_json::Value>,
}

impl JsonRequest {
    /// `POST url` with a JSON body.
    pub fn post(url: impl Into<String>, body: serde_json::Value) -> JsonRequest {
        JsonRequest {
            method: reqwest::Method::POST,
            url: url.into(),
            headers: Vec::new(),
            secrets: Vec::new(),
            body: Some(body),
        }
    }

    /// `GET url`.
    pub fn get(url: impl Into<String>) -> JsonRequest {
        JsonRequest {
            method: reqwest::Method::GET,
            url: url.into(),
            headers: Vec::new(),
            secrets: Vec::new(),
            body: None,
        }
    }

    /// Adds a header that is not secret.
    pub fn header(mut self, name: &str, value: &str) -> JsonRequest {
        self.headers
            .push((name.to_string(), value.to_string(), false));
        self
    }

    /// Adds a header whose value is `prefix` followed by a secret
    /// (`("authorization", "Bearer ", key)`, `("x-api-key", "", key)`). The
    /// header is marked sensitive and the secret is scrubbed from errors.
    pub fn secret_header(mut self, name: &str, prefix: &str, secret: &Secret) -> JsonRequest {
        self.headers.push((
            name.to_string(),
            format!("{prefix}{}", secret.expose()),
            true,
        ));
        self.secrets.push(secret.clone());
        self
    }

    /// The URL.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The JSON body, if any.
    pub fn body(&self) -> Option<&serde_json::Value> {
        self.body.as_ref()
    }

    /// Replaces every secret of this request in `text` with `***`.
    pub fn redact(&self, text: &str) -> String {
        let mut out = text.to_string();
        for secret in &self.secrets {
            if !secret.expose().is_empty() {
                out = out.replace(secret.expose(), "***");
            }
        }
        out
    }
}

impl fmt::Debug for JsonRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let headers: Vec<(&str, &str)> = self
            .headers
            .iter()
            .map(|(n, v, secret)| (n.as_str(), if *secret { "***" } else { v.as_str() }))
            .collect();
        f.debug_struct("JsonRequest")
            .field("method", &self.method)
            .field("url", &self.url)
            .field("headers", &headers)
            .field("body", &self.body)
            .finish()
    }
}

/// A successful reply.
#[derive(Clone, Debug, PartialEq)]
pub struct JsonReply {
    /// The HTTP status (2xx).
    pub status: u16,
    /// The parsed body.
    pub json: serde_json::Value,
    /// Requests made, the successful one included.
    pub attempts: u32,
    /// The failed attempts that were retried, in order.
    pub retries: Vec<RetryRecord>,
    /// The server that answered (its base URL, without credentials), when
    /// the endpoint is pooled.
    pub endpoint: Option<String>,
}

/// One failed attempt that was retried.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RetryRecord {
    /// The HTTP status, when a reply came.
    pub status: Option<u16>,
    /// What went wrong.
    pub error: String,
    /// The wait before the next attempt, in milliseconds.
    pub waited_ms: u64,
    /// The server that failed (its base URL, without credentials), when the
    /// endpoint is pooled; `None` also when every server was out and the
    /// attempt waited for the first one back.
    pub endpoint: Option<String>,
}

/// Why an HTTP request failed. No variant ever holds a key.
#[derive(Clone, Debug, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum HttpError {
    /// 401 or 403: the key is missing, wrong or not allowed this model.
    /// Never retried.
    #[error(
        "{host}: HTTP {status}: the API key was refused; check {}: {message}",
        key_var.as_deref().unwrap_or("the API key")
    )]
    Unauthorized {
        /// The server's host.
        host: String,
        /// 401 or 403.
        status: u16,
        /// The variable the key came from.
        key_var: Option<String>,
        /// The server's message.
        message: String,
    },
    /// Another 4xx reply (a bad request, an unknown model): the request
    /// itself is wrong, so it is not retried.
    #[error("{host}: HTTP {status}: {message}")]
    Rejected {
        /// The server's host.
        host: String,
        /// The status.
        status: u16,
        /// The server's message.
        message: String,
    },
    /// Every attempt failed with a retryable error.
    #[error("{host}: gave up after {attempts} attempt(s); last error: {last}")]
    Exhausted {
        /// The server's host.
        host: String,
        /// Requests made.
        attempts: u32,
        /// The last error.
        last: String,
        /// The attempts before the last one.
        retries: Vec<RetryRecord>,
    },
    /// A 2xx reply whose body is not JSON.
    #[error(
        "{host}: HTTP {status}: the reply is not valid JSON ({message}); it begins {snippet:?}"
    )]
    InvalidJson {
        /// The server's host.
        host: String,
        /// The status.
        status: u16,
        /// The parser's message.
        message: String,
        /// The start of the body.
        snippet: String,
    },
    /// The request could not be built (a malformed URL or header).
    #[error("invalid request to {url}: {message}")]
    InvalidRequest {
        /// The URL.
        url: String,
        /// What is wrong.
        message: String,
    },
    /// The HTTP client could not be created (TLS set-up).
    #[error("cannot create the HTTP client: {message}")]
    Client {
        /// What failed.
        message: String,
    },
}

impl HttpError {
    /// Whether the server refused the credentials (401/403).
    pub fn is_unauthorized(&self) -> bool {
        matches!(self, HttpError::Unauthorized { .. })
    }

    /// Whether every retry was used up (or the server asked to wait longer
    /// than allowed): the case where fallbacks are tried.
    pub fn is_exhausted(&self) -> bool {
        matches!(self, HttpError::Exhausted { .. })
    }
}

/// The connection pool and the per-model limits of a run. Cheap to clone;
/// clones share both.
#[derive(Clone)]
pub struct HttpClient {
    client: reqwest::Client,
    limits: Arc<Mutex<HashMap<String, Arc<Limits>>>>,
    pools: Arc<Mutex<HashMap<PoolKey, Arc<Pool>>>>,
}

/// A pool is shared by the endpoints of one model with the same servers.
type PoolKey = (String, Vec<Upstream>);

impl fmt::Debug for HttpClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let models: Vec<String> = self
            .limits
            .lock()
            .map(|l| l.keys().cloned().collect())
            .unwrap_or_default();
        f.debug_struct("HttpClient")
            .field("limited_models", &models)
            .finish()
    }
}

impl HttpClient {
    /// A client with its own connection pool and no limits handed out yet.
    pub fn new() -> Result<HttpClient, HttpError> {
        let client = reqwest::Client::builder()
            .user_agent(concat!("llm-arena/", env!("CARGO_PKG_VERSION")))
            .tcp_nodelay(true)
            .build()
            .map_err(|e| HttpError::Client {
                message: error_chain(&e),
            })?;
        Ok(HttpClient {
            client,
            limits: Arc::default(),
            pools: Arc::default(),
        })
    }

    /// An endpoint for the model `limit_key` (`groq/llama-3.1-8b-instant`).
    /// Every endpoint of this client with the same key shares one
    /// concurrency and rate limit; the first endpoint made for a key sets
    /// them. `key_var` is the variable named when the key is refused.
    pub fn endpoint(
        &self,
        limit_key: &str,
        key_var: Option<&str>,
        settings: &HttpSettings,
    ) -> Endpoint {
        let limits = {
            let mut map = self.limits.lock().unwrap_or_else(|e| e.into_inner());
            map.entry(limit_key.to_string())
                .or_insert_with(|| {
                    Arc::new(Limits {
                        in_flight: Semaphore::new(settings.concurrency.max(1)),
                        rate: settings
                            .requests_per_minute
                            .filter(|&n| n > 0)
                            .map(RateLimit::per_minute),
                    })
                })
                .clone()
        };
        Endpoint {
            client: self.client.clone(),
            limit_key: limit_key.to_string(),
            key_var: key_var.map(str::to_string),
            limits,
            settings: settings.clone(),
            pool: None,
        }
    }

    /// An endpoint for the model `limit_key` served by several servers
    /// (`upstreams`, in the order configured). Requests are addressed to the
    /// first server's base URL, and each attempt is moved to the server the
    /// pool picks (see [`Endpoint::send_json`]). The limits are the model's,
    /// as with [`HttpClient::endpoint`]: the pool shares them. Endpoints of
    /// this client with the same key and servers share the servers' health
    /// (the first one sets the cool-down). With no upstreams this is
    /// [`HttpClient::endpoint`].
    pub fn pooled_endpoint(
        &self,
        limit_key: &str,
        key_var: Option<&str>,
        settings: &HttpSettings,
        upstreams: Vec<Upstream>,
    ) -> Endpoint {
        let mut endpoint = self.endpoint(limit_key, key_var, settings);
        if upstreams.is_empty() {
            return endpoint;
        }
        let pool = {
            let mut map = self.pools.lock().unwrap_or_else(|e| e.into_inner());
            map.entry((limit_key.to_string(), upstreams.clone()))
                .or_insert_with(|| Arc::new(Pool::new(upstreams, settings.cooldown)))
                .clone()
        };
        endpoint.pool = Some(pool);
        endpoint
    }
}

/// Where one model's requests go through: the shared connection pool, the
/// model's limits and the retry settings.
#[derive(Clone)]
pub struct Endpoint {
    client: reqwest::Client,
    limit_key: String,
    key_var: Option<String>,
    limits: Arc<Limits>,
    settings: HttpSettings,
    pool: Option<Arc<Pool>>,
}

impl fmt::Debug for Endpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Endpoint")
            .field("limit_key", &self.limit_key)
            .field("key_var", &self.key_var)
            .field("settings", &self.settings)
            .field("upstreams", &self.pool.as_ref().map(|p| p.labels()))
            .finish()
    }
}

/// How one attempt ended.
enum Outcome {
    Done(u16, serde_json::Value),
    Fatal(HttpError),
    Retry {
        status: Option<u16>,
        error: String,
        retry_after: Option<Duration>,
    },
    /// Every server of the pool is cooling down; nothing was sent.
    AllOut {
        wait: Duration,
        message: String,
    },
}

impl Endpoint {
    /// The settings this endpoint retries with.
    pub fn settings(&self) -> &HttpSettings {
        &self.settings
    }

    /// How each server of a pooled endpoint stands (empty when the
    /// endpoint is not pooled).
    pub fn upstreams(&self) -> Vec<UpstreamStatus> {
        self.pool.as_ref().map(|p| p.status()).unwrap_or_default()
    }

    /// Takes the server at `index` of a pooled endpoint out for the
    /// cool-down, with the reason messages give (a failed check before the
    /// run). Does nothing on an endpoint that is not pooled, or with one
    /// server.
    pub fn take_out(&self, index: usize, reason: &str) {
        if let Some(pool) = self.pool.as_ref().filter(|p| index < p.len()) {
            pool.fail(index, reason);
        }
    }

    /// Sends `request` and parses the JSON reply (an empty body is `null`),
    /// retrying what is worth retrying. Each attempt waits for a
    /// concurrency permit and a rate slot; backoff waits hold neither.
    ///
    /// A pooled endpoint takes the request as addressed to its first
    /// server's base URL and sends each attempt to the server it picks: the
    /// least busy one that is in, one this request has not tried yet when
    /// there is one. A failure that is the server's (no connection, a
    /// timeout, a 5xx reply) takes it out for the cool-down, and the retry
    /// goes at once to another server that is in; with none left it backs
    /// off as usual. When every server is out the request waits for the
    /// first one back, which uses up a retry, or fails naming every server
    /// and why it is out when that is further away than `max_retry_after`.
    pub async fn send_json(&self, request: &JsonRequest) -> Result<JsonReply, HttpError> {
        let host = match &self.pool {
            Some(pool) if pool.len() > 1 => (0..pool.len())
                .map(|i| host_of(pool.label(i)))
                .collect::<Vec<_>>()
                .join(", "),
            _ => host_of(&request.url),
        };
        let mut retries = Vec::new();
        let mut attempts = 0;
        let mut tries = 0;
        let mut tried = Vec::new();
        loop {
            tries += 1;
            let (outcome, upstream) = self.attempt(request, &tried).await;
            let endpoint = upstream.and_then(|i| self.label(i));
            let (status, error, retry_after, all_out) = match outcome {
                Outcome::Done(status, json) => {
                    return Ok(JsonReply {
                        status,
                        json,
                        attempts: attempts + 1,
                        retries,
                        endpoint,
                    });
                }
                Outcome::Fatal(e) => return Err(e),
                Outcome::Retry {
                    status,
                    error,
                    retry_after,
                } => (status, request.redact(&error), retry_after, false),
                Outcome::AllOut { wait, message } => {
                    (None, request.redact(&message), Some(wait), true)
                }
            };
            if !all_out {
                attempts += 1;
            }
            tried.extend(upstream);
            if tries > self.settings.max_retries {
                return Err(HttpError::Exhausted {
                    host,
                    attempts,
                    last: self.with_pool_state(error, all_out),
                    retries,
                });
            }
            let failover =
                upstream.is_some() && self.pool.as_ref().is_some_and(|p| p.has_other(&tried));
            let wait = if failover {
                Duration::ZERO
            } else {
                if let Some(wait) = retry_after.filter(|w| *w > self.settings.max_retry_after) {
                    let allowed = self.settings.max_retry_after.as_secs_f64();
                    let last = if all_out {
                        format!(
                            "{error} (the first is back in {:.1} s, more than the {allowed:.0} s \
                             allowed)",
                            wait.as_secs_f64()
                        )
                    } else {
                        format!(
                            "{error} (the server asked to wait {:.0} s, more than the \
                             {allowed:.0} s allowed)",
                            wait.as_secs_f64()
                        )
                    };
                    return Err(HttpError::Exhausted {
                        host,
                        attempts,
                        last: self.with_pool_state(last, all_out),
                        retries,
                    });
                }
                let backoff = full_jitter(
                    self.settings.backoff_base,
                    self.settings.backoff_max,
                    tries - 1,
                );
                match retry_after {
                    // The wait for a server to come back is not a backoff.
                    Some(r) if all_out => r,
                    Some(r) => r.max(backoff),
                    None => backoff,
                }
            };
            retries.push(RetryRecord {
                status,
                error,
                waited_ms: u64::try_from(wait.as_millis()).unwrap_or(u64::MAX),
                endpoint,
            });
            tokio::time::sleep(wait).await;
        }
    }

    /// The label of the pool's server at `index`.
    fn label(&self, index: usize) -> Option<String> {
        self.pool.as_ref().map(|p| p.label(index).to_string())
    }

    /// `error`, followed by the servers that are out when some are (and
    /// the error does not list them already).
    fn with_pool_state(&self, error: String, all_out: bool) -> String {
        let out = self
            .pool
            .as_ref()
            .filter(|_| !all_out)
            .and_then(|p| p.out_summary());
        match out {
            Some(out) => format!("{error}; servers out: {out}"),
            None => error,
        }
    }

    /// One attempt: a permit, a rate slot, a server when pooled, the
    /// request. Returns the server it went to.
    async fn attempt(&self, request: &JsonRequest, tried: &[usize]) -> (Outcome, Option<usize>) {
        // The semaphore is never closed, so acquiring only fails if it were.
        let Ok(_permit) = self.limits.in_flight.acquire().await else {
            let closed = HttpError::Client {
                message: "the concurrency limiter was closed".to_string(),
            };
            return (Outcome::Fatal(closed), None);
        };
        if let Some(rate) = &self.limits.rate {
            rate.wait().await;
        }
        let Some(pool) = &self.pool else {
            return (self.send_once(request, &request.url).await, None);
        };
        let first = &pool.upstream(0).base;
        let path = request
            .url
            .strip_prefix(first.as_str())
            .filter(|p| p.is_empty() || p.starts_with(['/', '?']));
        let Some(path) = path else {
            let error = HttpError::InvalidRequest {
                url: request.url.clone(),
                message: format!("a request of a pooled endpoint must be addressed to {first}"),
            };
            return (Outcome::Fatal(error), None);
        };
        let pick = loop {
            let pick = match pool.pick(tried) {
                Ok(pick) => pick,
                Err(out) => {
                    let outcome = Outcome::AllOut {
                        wait: out.wait,
                        message: out.message,
                    };
                    return (outcome, None);
                }
            };
            // Back from a cool-down: its health check first, when it has one.
            if pick.recheck
                && let Some(health) = pool.upstream(pick.index).health.as_deref()
            {
                if let Err(e) = self.check_health(health).await {
                    pool.fail(pick.index, &format!("{health} after the cool-down: {e}"));
                    continue;
                }
                pool.succeed(pick.index);
            }
            break pick;
        };
        let url = format!("{}{path}", pool.upstream(pick.index).base);
        let outcome = self.send_once(request, &url).await;
        match &outcome {
            Outcome::Retry { status, error, .. }
                if status.is_none_or(|s| (500..600).contains(&s)) =>
            {
                pool.fail(pick.index, &request.redact(error));
            }
            Outcome::Done(..)
            | Outcome::Fatal(
                HttpError::Unauthorized { .. }
                | HttpError::Rejected { .. }
                | HttpError::InvalidJson { .. },
            ) => pool.succeed(pick.index),
            // 408, 409 and 429 say nothing about the server's health.
            _ => {}
        }
        (outcome, Some(pick.index))
    }

    /// `GET health`, once, within the request timeout (10 s at most).
    async fn check_health(&self, health: &str) -> Result<(), String> {
        let reply = self
            .client
            .get(health)
            .timeout(self.settings.request_timeout.min(Duration::from_secs(10)))
            .send()
            .await
            .map_err(|e| error_chain(&e))?;
        let status = reply.status();
        if status.is_success() {
            Ok(())
        } else {
            Err(format!("HTTP {}", status.as_u16()))
        }
    }

    async fn send_once(&self, request: &JsonRequest, url: &str) -> Outcome {
        let host = host_of(url);
        let host = host.as_str();
        let mut builder = self
            .client
            .request(request.method.clone(), url)
            .timeout(self.settings.request_timeout)
            .header("accept", "application/json");
        for (name, value, secret) in &request.headers {
            let mut value = match reqwest::header::HeaderValue::from_str(value) {
                Ok(v) => v,
                Err(_) => {
                    return Outcome::Fatal(HttpError::InvalidRequest {
                        url: request.url.clone(),
                        message: format!("the value of header {name} is not valid header text"),
                    });
                }
            };
            value.set_sensitive(*secret);
            builder = builder.header(name.as_str(), value);
        }
        if let Some(body) = &request.body {
            builder = builder
                .header("content-type", "application/json")
                .body(body.to_string());
        }
        let response = match builder.send().await {
            Ok(r) => r,
            Err(e) => return self.transport_error(request, &e),
        };
        let status = response.status().as_u16();
        let retry_after = retry_after(response.headers());
        let bytes = match response.bytes().await {
            Ok(b) => b,
            Err(e) => return self.transport_error(request, &e),
        };
        if (200..300).contains(&status) {
            // An empty 2xx body (a health check) reads as null.
            if bytes.iter().all(u8::is_ascii_whitespace) {
                return Outcome::Done(status, serde_json::Value::Null);
            }
            return match serde_json::from_slice(&bytes) {
                Ok(json) => Outcome::Done(status, json),
                Err(e) => Outcome::Fatal(HttpError::InvalidJson {
                    host: host.to_string(),
                    status,
                    message: e.to_string(),
                    snippet: request.redact(&snippet(&bytes, 200)),
                }),
            };
        }
        let message = request.redact(&server_message(&bytes));
        match status {
            401 | 403 => Outcome::Fatal(HttpError::Unauthorized {
                host: host.to_string(),
                status,
                key_var: self.key_var.clone(),
                message,
            }),
            408 | 409 | 429 | 500..=599 => Outcome::Retry {
                status: Some(status),
                error: format!("HTTP {status}: {message}"),
                retry_after,
            },
            _ => Outcome::Fatal(HttpError::Rejected {
                host: host.to_string(),
                status,
                message,
            }),
        }
    }

    fn transport_error(&self, request: &JsonRequest, e: &reqwest::Error) -> Outcome {
        if e.is_builder() {
            return Outcome::Fatal(HttpError::InvalidRequest {
                url: request.url.clone(),
                message: request.redact(&error_chain(e)),
            });
        }
        let error = if e.is_timeout() {
            format!(
                "no complete reply within {:.1} s (request_timeout)",
                self.settings.request_timeout.as_secs_f64()
            )
        } else if e.is_connect() {
            format!("cannot connect: {}", error_chain(e))
        } else {
            error_chain(e)
        };
        Outcome::Retry {
            status: None,
            error,
            retry_after: None,
        }
    }
}

/// The concurrency and rate limits of one model.
#[derive(Debug)]
struct Limits {
    in_flight: Semaphore,
    rate: Option<RateLimit>,
}

/// Spaces request starts evenly: at most one every `interval` (a GCRA with
/// no burst), which keeps within a per-minute quota however the provider
/// counts its window.
#[derive(Debug)]
struct RateLimit {
    interval: Duration,
    next: Mutex<Option<tokio::time::Instant>>,
}

impl RateLimit {
    fn per_minute(n: u32) -> RateLimit {
        RateLimit {
            interval: Duration::from_secs(60) / n,
            next: Mutex::new(None),
        }
    }

    /// Reserves the next start slot and sleeps until it.
    async fn wait(&self) {
        let slot = {
            let mut next = self.next.lock().unwrap_or_else(|e| e.into_inner());
            let now = tokio::time::Instant::now();
            let slot = next.map_or(now, |n| n.max(now));
            *next = Some(slot + self.interval);
            slot
        };
        tokio::time::sleep_until(slot).await;
    }
}

/// Exponential backoff with full jitter: uniform in
/// `[0, min(max, base · 2^retry)]`.
fn full_jitter(base: Duration, max: Duration, retry: u32) -> Duration {
    let cap = base
        .checked_mul(1u32.checked_shl(retry.min(31)).unwrap_or(u32::MAX))
        .unwrap_or(max)
        .min(max);
    let cap_us = u64::try_from(cap.as_micros()).unwrap_or(u64::MAX);
    if cap_us == 0 {
        return Duration::ZERO;
    }
    // Jitter only spreads retries in time; it never changes a result, so
    // the thread RNG is fine here.
    Duration::from_micros(rand::rng().random_range(0..=cap_us))
}

/// `Retry-After` in seconds or as an HTTP date, or OpenAI's
/// `retry-after-ms`.
fn retry_after(headers: &reqwest::header::HeaderMap) -> Option<Duration> {
    if let Some(ms) = headers
        .get("retry-after-ms")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<f64>().ok())
        .filter(|ms| ms.is_finite() && *ms >= 0.0)
    {
        return Some(Duration::from_secs_f64(ms / 1000.0));
    }
    let value = headers.get("retry-after")?.to_str().ok()?.trim();
    parse_retry_after(value, SystemTime::now())
}

/// Parses a `Retry-After` value relative to `now`.
pub(crate) fn parse_retry_after(value: &str, now: SystemTime) -> Option<Duration> {
    if let Ok(secs) = value.parse::<f64>() {
        return (secs.is_finite() && secs >= 0.0).then(|| Duration::from_secs_f64(secs));
    }
    let date = httpdate::parse_http_date(value).ok()?;
    Some(date.duration_since(now).unwrap_or(Duration::ZERO))
}

/// The host of a URL, for messages.
fn host_of(url: &str) -> String {
    reqwest::Url::parse(url)
        .ok()
        .and_then(|u| {
            u.host_str().map(|h| match u.port() {
                Some(p) => format!("{h}:{p}"),
                None => h.to_string(),
            })
        })
        .unwrap_or_else(|| url.to_string())
}

/// The server's error message: `error.message`, `error` or `message` in a
/// JSON body, else the start of the body.
fn server_message(body: &[u8]) -> String {
    if let Ok(json) = serde_json::from_slice::<serde_json::Value>(body) {
        let found = json
            .pointer("/error/message")
            .or_else(|| json.get("error"))
            .or_else(|| json.get("message"))
            .or_else(|| json.get("detail"));
        match found {
            Some(serde_json::Value::String(s)) => return truncate(s, 500),
            Some(other) if !other.is_null() => return truncate(&other.to_string(), 500),
            _ => {}
        }
    }
    let text = snippet(body, 500);
    if text.trim().is_empty() {
        "(empty body)".to_string()
    } else {
        text
    }
}

fn snippet(body: &[u8], max: usize) -> String {
    truncate(String::from_utf8_lossy(body).trim(), max)
}

fn truncate(s: &str, max: usize) -> String {
    if s.len() <= max {
        return s.to_string();
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…", &s[..end])
}

/// An error and its causes, `: `-joined (reqwest's own text is terse).
fn error_chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(cause) = source {
        let cause_text = cause.to_string();
        if !text.contains(&cause_text) {
            text.push_str(": ");
            text.push_str(&cause_text);
        }
        source = cause.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_in_seconds_and_as_a_date() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        assert_eq!(parse_retry_after("3", now), Some(Duration::from_secs(3)));
        assert_eq!(
            parse_retry_after("0.5", now),
            Some(Duration::from_millis(500))
        );
        let later = httpdate::fmt_http_date(now + Duration::from_secs(7));
        assert_eq!(parse_retry_after(&later, now), Some(Duration::from_secs(7)));
        let earlier = httpdate::fmt_http_date(now - Duration::from_secs(7));
        assert_eq!(parse_retry_after(&earlier, now), Some(Duration::ZERO));
        assert_eq!(parse_retry_after("-1", now), None);
        assert_eq!(parse_retry_after("soon", now), None);
    }

    #[tokio::test(start_paused = true)]
    async fn the_rate_limit_spaces_request_starts() {
        let rate = RateLimit::per_minute(120);
        let start = tokio::time::Instant::now();
        for _ in 0..3 {
            rate.wait().await;
        }
        // Starts at 0, 500 and 1000 ms.
        assert_eq!(start.elapsed(), Duration::from_millis(1000));
        // A slot long past is not saved up into a burst.
        tokio::time::sleep(Duration::from_secs(10)).await;
        let later = tokio::time::Instant::now();
        rate.wait().await;
        rate.wait().await;
        assert_eq!(later.elapsed(), Duration::from_millis(500));
    }

    #[test]
    fn jitter_stays_under_the_exponential_cap() {
        let base = Duration::from_millis(100);
        let max = Duration::from_millis(1000);
        for retry in 0..40 {
            let cap = (base * 2u32.saturating_pow(retry.min(20))).min(max);
            for _ in 0..20 {
                assert!(full_jitter(base, max, retry) <= cap, "retry {retry}");
            }
        }
        assert_eq!(full_jitter(Duration::ZERO, max, 3), Duration::ZERO);
    }

    #[test]
    fn server_messages_are_read_from_the_usual_places() {
        assert_eq!(
            server_message(br#"{"error": {"message": "model not found", "type": "x"}}"#),
            "model not found"
        );
        assert_eq!(server_message(br#"{"error": "bad"}"#), "bad");
        assert_eq!(server_message(br#"{"message": "nope"}"#), "nope");
        assert_eq!(server_message(b"Bad Gateway"), "Bad Gateway");
        assert_eq!(server_message(b""), "(empty body)");
        let long = "é".repeat(400);
        assert!(server_message(long.as_bytes()).ends_with('…'));
    }

    #[test]
    fn requests_redact_their_secrets_everywhere() {
        let key = Secret::new("sk-SENTINEL-123");
        let request = JsonRequest::post("https://api.example.com/v1", serde_json::json!({}))
            .secret_header("authorization", "Bearer ", &key)
            .header("x-other", "visible");
        let debug = format!("{request:?} {key:?} {key}");
        assert!(!debug.contains("SENTINEL"), "{debug}");
        assert!(debug.contains("visible"), "{debug}");
        assert_eq!(
            request.redact("Incorrect API key provided: sk-SENTINEL-123."),
            "Incorrect API key provided: ***."
        );
    }

    #[test]
    fn hosts_for_messages() {
        assert_eq!(
            host_of("https://api.groq.com/openai/v1/chat"),
            "api.groq.com"
        );
        assert_eq!(host_of("http://127.0.0.1:8080/v1"), "127.0.0.1:8080");
        assert_eq!(host_of("not a url"), "not a url");
    }
}
