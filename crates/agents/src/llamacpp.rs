//! `llamacpp_<name>` agents: a GGUF model run in-process by llama.cpp. Each
//! model file is loaded once per process by one dedicated worker thread,
//! which owns the llama.cpp contexts — one per episode, so the cached prompt
//! prefix depends only on that episode — and never blocks the async runtime.
//! Moves are grammar-constrained by default, so the model cannot produce an
//! illegal one.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::sync::{Arc, Mutex, OnceLock, Weak};
use std::time::Instant;

use arena_llama::{GenerateRequest, Generation, LlamaError, Model, Session, SessionConfig};
use async_trait::async_trait;
use tokio::sync::oneshot;

use crate::agent::{Agent, DecisionRequest, DecisionResponse};
use crate::catalog::LlamaCppModel;
use crate::error::AgentError;
use crate::prompt;

/// A job for a model's worker thread.
enum Job {
    Generate {
        episode_key: u64,
        prompt: String,
        grammar: Option<String>,
        stop_at: Option<Vec<String>>,
        max_tokens: u32,
        temperature: f32,
        seed: u32,
        reply: oneshot::Sender<Result<Generation, LlamaError>>,
    },
    EndEpisode(u64),
}

/// The thread that owns one loaded model and its contexts.
struct Worker {
    jobs: Mutex<mpsc::Sender<Job>>,
    chat_template: Option<String>,
}

/// Workers by model file: a model is loaded once however many agents use it.
fn workers() -> &'static Mutex<HashMap<PathBuf, Weak<Worker>>> {
    static WORKERS: OnceLock<Mutex<HashMap<PathBuf, Weak<Worker>>>> = OnceLock::new();
    WORKERS.get_or_init(Default::default)
}

fn worker_for(path: &Path, config: &LlamaCppModel) -> Result<Arc<Worker>, AgentError> {
    let mut map = workers().lock().unwrap_or_else(|e| e.into_inner());
    if let Some(w) = map.get(path).and_then(Weak::upgrade) {
        return Ok(w);
    }
    let model = Model::load(path, config.gpu_layers).map_err(AgentError::from)?;
    let chat_template = config
        .chat_template
        .clone()
        .or_else(|| model.chat_template());
    let session_config = SessionConfig {
        n_ctx: config.context_size,
        threads: config
            .threads
            .unwrap_or_else(|| std::thread::available_parallelism().map_or(2, |n| n.get() as u32)),
    };
    let (tx, rx) = mpsc::channel::<Job>();
    std::thread::Builder::new()
        .name(format!("llamacpp {}", path.display()))
        .spawn(move || run_worker(model, session_config, rx))
        .map_err(|e| AgentError::Backend {
            agent: path.display().to_string(),
            message: e.to_string(),
        })?;
    let worker = Arc::new(Worker {
        jobs: Mutex::new(tx),
        chat_template,
    });
    map.insert(path.to_path_buf(), Arc::downgrade(&worker));
    Ok(worker)
}

/// The worker loop: sessions live here, on this thread, for as long as their
/// episode runs.
fn run_worker(model: Model, config: SessionConfig, jobs: mpsc::Receiver<Job>) {
    let mut sessions: HashMap<u64, Session<'_>> = HashMap::new();
    // Contexts of finished episodes, emptied, ready for new ones: making a
    // context costs as much as evaluating a short prompt.
    let mut idle: Vec<Session<'_>> = Vec::new();
    for job in jobs {
        match job {
            Job::Generate {
                episode_key,
                prompt,
                grammar,
                stop_at,
                max_tokens,
                temperature,
                seed,
                reply,
            } => {
                let result = match sessions.entry(episode_key) {
                    std::collections::hash_map::Entry::Occupied(e) => Ok(e.into_mut()),
                    std::collections::hash_map::Entry::Vacant(e) => match idle.pop() {
                        Some(s) => Ok(e.insert(s)),
                        None => Session::new(&model, config).map(|s| e.insert(s)),
                    },
                }
                .and_then(|session| {
                    session.generate(&GenerateRequest {
                        prompt: &prompt,
                        grammar: grammar.as_deref(),
                        stop_at: stop_at.as_deref(),
                        max_tokens,
                        temperature,
                        seed,
                    })
                });
                // The asker may have gone (a cancelled episode); nothing to do then.
                let _ = reply.send(result);
            }
            Job::EndEpisode(key) => {
                if let Some(mut session) = sessions.remove(&key) {
                    // Emptied, so a new episode starts exactly as in a new context.
                    session.reset();
                    if idle.len() < 8 {
                        idle.push(session);
                    }
                }
            }
        }
    }
}

/// An in-process llama.cpp agent.
#[derive(Clone)]
pub struct LlamaCppAgent {
    name: String,
    worker: Arc<Worker>,
    constrained: bool,
    model_path: PathBuf,
}

impl std::fmt::Debug for LlamaCppAgent {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LlamaCppAgent")
            .field("name", &self.name)
            .field("model", &self.model_path)
            .field("constrained", &self.constrained)
            .finish()
    }
}

impl LlamaCppAgent {
    /// An agent over the GGUF file at `path`, with the catalog entry's
    /// settings; `constrained: false` lets the model write freely (for
    /// studies of raw behaviour). Loads the model unless already loaded.
    pub fn new(
        name: &str,
        path: &Path,
        config: &LlamaCppModel,
        constrained: bool,
    ) -> Result<Self, AgentError> {
        let worker = worker_for(path, config)?;
        Ok(LlamaCppAgent {
            name: name.to_string(),
            worker,
            constrained,
            model_path: path.to_path_buf(),
        })
    }

    fn prompt_text(&self, request: &DecisionRequest) -> Result<String, AgentError> {
        let parts = prompt::render(request, self.constrained)?;
        match &self.worker.chat_template {
            // Tokenizing adds the BOS token, so the template must not.
            Some(t) => prompt::chat_template(t, &parts, "", ""),
            None => Ok(prompt::plain_text(&parts)),
        }
    }
}

#[async_trait]
impl Agent for LlamaCppAgent {
    fn name(&self) -> &str {
        &self.name
    }

    async fn decide(&self, request: &DecisionRequest) -> Result<DecisionResponse, AgentError> {
        let start = Instant::now();
        let prompt = self.prompt_text(request)?;
        let grammar = self.constrained.then(|| request.constraint.gbnf.clone());
        let stop_at = if self.constrained {
            request.constraint.choices.clone()
        } else {
            None
        };
        let (reply, answer) = oneshot::channel();
        let job = Job::Generate {
            episode_key: request.episode_key,
            prompt: prompt.clone(),
            grammar,
            stop_at,
            max_tokens: request.sampling.max_tokens,
            temperature: request.sampling.temperature,
            // llama.cpp takes a 32-bit seed; fold the 64-bit one.
            seed: (request.sampling.seed ^ (request.sampling.seed >> 32)) as u32,
            reply,
        };
        let send = self
            .worker
            .jobs
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .send(job);
        let dead = || AgentError::Backend {
            agent: self.name.clone(),
            message: "the model's worker thread stopped".into(),
        };
        send.map_err(|_| dead())?;
        let generation = answer
            .await
            .map_err(|_| dead())?
            .map_err(AgentError::from)?;
        Ok(DecisionResponse {
            prompt,
            raw: generation.text,
            constrained: self.constrained,
            prompt_tokens: Some(generation.prompt_tokens as u64),
            completion_tokens: Some(generation.completion_tokens as u64),
            reasoning_tokens: None,
            latency_ms: start.elapsed().as_secs_f64() * 1000.0,
            cost_usd: None,
            metadata: serde_json::json!({
                "backend": "llamacpp",
                "model_file": self.model_path.display().to_string(),
                "reused_prompt_tokens": generation.reused_tokens,
                "stop": format!("{:?}", generation.stop),
            }),
        })
    }

    fn end_episode(&self, episode_key: u64) {
        let _ = self
            .worker
            .jobs
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .send(Job::EndEpisode(episode_key));
    }
}
