//! In-process llama.cpp for the arena: the process-wide backend, a model
//! loaded once and shared, and [`Session`]s — one llama.cpp context each —
//! that generate text with seeded, optionally grammar-constrained sampling
//! and keep the longest common prompt prefix in their KV cache between calls.
//!
//! A context is not `Sync`: a session lives on one thread. Give each episode
//! its own session so that what is cached depends only on that episode's
//! prompts, never on how episodes were scheduled; with the same prompts and
//! seed a session produces the same text.
//!
//! This is the only crate that links llama.cpp (a C++ build of several
//! minutes), so the rest of the workspace builds without it.

#![warn(missing_docs)]
// llama-cpp-2 wraps the C API; this crate itself writes no unsafe code.

use std::num::NonZeroU32;
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

use llama_cpp_2::context::LlamaContext;
use llama_cpp_2::context::params::LlamaContextParams;
use llama_cpp_2::llama_backend::LlamaBackend;
use llama_cpp_2::llama_batch::LlamaBatch;
use llama_cpp_2::model::LlamaModel;
use llama_cpp_2::model::params::LlamaModelParams;
use llama_cpp_2::sampling::LlamaSampler;
use llama_cpp_2::token::LlamaToken;
use llama_cpp_2::token::data::LlamaTokenData;
use llama_cpp_2::token::data_array::LlamaTokenDataArray;
use thiserror::Error;

/// Errors from loading a model or generating with it.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum LlamaError {
    /// llama.cpp's backend failed to start.
    #[error("llama.cpp backend failed to initialize: {0}")]
    Backend(String),
    /// The model file does not exist.
    #[error(
        "model file {0} does not exist; pull it with `runner models pull <name>` or fix the path in the catalog"
    )]
    MissingFile(PathBuf),
    /// The file exists but llama.cpp cannot load it.
    #[error(
        "cannot load {path} as a GGUF model ({reason}); the file may be corrupt or not a GGUF file: delete it and pull it again"
    )]
    Load {
        /// The file.
        path: PathBuf,
        /// llama.cpp's complaint.
        reason: String,
    },
    /// A context could not be created.
    #[error("cannot create a llama.cpp context: {0}")]
    Context(String),
    /// llama.cpp rejected the grammar.
    #[error("llama.cpp rejected the move grammar: {0}")]
    Grammar(String),
    /// The prompt does not fit the context.
    #[error(
        "the prompt has {prompt_tokens} tokens but the context holds {n_ctx}; raise context_size in the catalog or shorten the prompt"
    )]
    PromptTooLong {
        /// Tokens in the prompt.
        prompt_tokens: usize,
        /// The context size.
        n_ctx: u32,
    },
    /// Evaluation failed.
    #[error("llama.cpp decode failed: {0}")]
    Decode(String),
}

static BACKEND: OnceLock<Result<LlamaBackend, String>> = OnceLock::new();

/// The process-wide llama.cpp backend (initialized once, on first use).
pub fn backend() -> Result<&'static LlamaBackend, LlamaError> {
    let backend = BACKEND.get_or_init(|| {
        let mut backend = LlamaBackend::init().map_err(|e| e.to_string())?;
        backend.void_logs();
        Ok(backend)
    });
    backend.as_ref().map_err(|e| LlamaError::Backend(e.clone()))
}

/// A loaded GGUF model, shared by every session.
#[derive(Clone)]
pub struct Model {
    inner: Arc<LlamaModel>,
    path: PathBuf,
}

impl std::fmt::Debug for Model {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Model")
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}

impl Model {
    /// Loads a GGUF file; `gpu_layers` layers go to the GPU when built with one.
    pub fn load(path: &Path, gpu_layers: u32) -> Result<Model, LlamaError> {
        if !path.is_file() {
            return Err(LlamaError::MissingFile(path.to_path_buf()));
        }
        let backend = backend()?;
        let params = LlamaModelParams::default().with_n_gpu_layers(gpu_layers);
        let model =
            LlamaModel::load_from_file(backend, path, &params).map_err(|e| LlamaError::Load {
                path: path.to_path_buf(),
                reason: e.to_string(),
            })?;
        Ok(Model {
            inner: Arc::new(model),
            path: path.to_path_buf(),
        })
    }

    /// The file it was loaded from.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The Jinja chat template stored in the GGUF, if any.
    pub fn chat_template(&self) -> Option<String> {
        self.inner
            .meta_val_str("tokenizer.chat_template")
            .ok()
            .filter(|t| !t.trim().is_empty())
    }

    /// A metadata value of the GGUF (e.g. `general.name`).
    pub fn metadata(&self, key: &str) -> Option<String> {
        self.inner.meta_val_str(key).ok()
    }

    /// The number of tokens `text` encodes to (with the BOS token).
    pub fn count_tokens(&self, text: &str) -> usize {
        tokenize(&self.inner, text).len()
    }
}

/// Settings of one session.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SessionConfig {
    /// Context size in tokens.
    pub n_ctx: u32,
    /// CPU threads for decoding.
    pub threads: u32,
}

impl Default for SessionConfig {
    fn default() -> Self {
        SessionConfig {
            n_ctx: 2048,
            threads: 2,
        }
    }
}

/// One generation request.
#[derive(Clone, Copy, Debug)]
pub struct GenerateRequest<'a> {
    /// The full prompt text (chat template already applied).
    pub prompt: &'a str,
    /// A GBNF grammar (root rule `root`) the output must match, or `None`.
    pub grammar: Option<&'a str>,
    /// The most tokens to generate.
    pub max_tokens: u32,
    /// 0 for greedy decoding, else the sampling temperature.
    pub temperature: f32,
    /// The sampling seed.
    pub seed: u32,
    /// The complete answers, when the grammar is a list of them: generation
    /// stops as soon as the text is one that no other answer extends, instead
    /// of evaluating one more token only to sample the end of text.
    pub stop_at: Option<&'a [String]>,
}

/// Why generation stopped.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StopReason {
    /// The model (or the completed grammar) ended the text.
    EndOfText,
    /// `max_tokens` was reached.
    MaxTokens,
}

/// What a session generated.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Generation {
    /// The generated text.
    pub text: String,
    /// Tokens in the prompt.
    pub prompt_tokens: usize,
    /// Of those, tokens reused from the KV cache rather than evaluated.
    pub reused_tokens: usize,
    /// Tokens generated.
    pub completion_tokens: usize,
    /// Why it stopped.
    pub stop: StopReason,
}

/// One llama.cpp context with its KV cache, borrowing the model: it lives
/// on the thread that made it (a context is not `Sync`).
pub struct Session<'m> {
    model: &'m LlamaModel,
    ctx: LlamaContext<'m>,
    /// The tokens whose keys and values are in the cache, in order.
    cached: Vec<LlamaToken>,
    n_ctx: u32,
}

impl std::fmt::Debug for Session<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Session")
            .field("cached_tokens", &self.cached.len())
            .finish_non_exhaustive()
    }
}

impl<'m> Session<'m> {
    /// A new context over `model`.
    pub fn new(model: &'m Model, config: SessionConfig) -> Result<Session<'m>, LlamaError> {
        let backend = backend()?;
        let threads = i32::try_from(config.threads.max(1)).unwrap_or(1);
        let n_ctx = config.n_ctx.max(64);
        let params = LlamaContextParams::default()
            .with_n_ctx(NonZeroU32::new(n_ctx))
            .with_n_batch(n_ctx)
            .with_n_threads(threads)
            .with_n_threads_batch(threads)
            // Keep the whole window of sliding-window models (Gemma 3) so a
            // cached prefix can be cut back to any position.
            .with_swa_full(true);
        let ctx = model
            .inner
            .new_context(backend, params)
            .map_err(|e| LlamaError::Context(e.to_string()))?;
        Ok(Session {
            model: &model.inner,
            ctx,
            cached: Vec::new(),
            n_ctx,
        })
    }

    /// Empties the KV cache, so the next generation starts from nothing, as
    /// in a new session (without the cost of making a new context).
    pub fn reset(&mut self) {
        self.ctx.clear_kv_cache();
        self.cached.clear();
    }

    /// Generates text for `req`, reusing the cached prefix of the prompt.
    pub fn generate(&mut self, req: &GenerateRequest<'_>) -> Result<Generation, LlamaError> {
        let model = self.model;
        let tokens = tokenize(model, req.prompt);
        if tokens.is_empty() {
            return Err(LlamaError::Decode(
                "the prompt encodes to no tokens".to_string(),
            ));
        }
        let budget = tokens.len() + req.max_tokens as usize;
        if budget > self.n_ctx as usize {
            return Err(LlamaError::PromptTooLong {
                prompt_tokens: budget,
                n_ctx: self.n_ctx,
            });
        }
        let mut sampler = Sampler::new(self.model, req)?;

        // Reuse the longest common prefix, but always evaluate at least the
        // last prompt token so there are fresh logits to sample from.
        let common = self
            .cached
            .iter()
            .zip(&tokens)
            .take_while(|(a, b)| a == b)
            .count();
        let reuse = common.min(tokens.len() - 1);
        let cut = self
            .ctx
            .clear_kv_cache_seq(Some(0), Some(reuse as u32), None)
            .unwrap_or(false);
        let reuse = if cut {
            reuse
        } else {
            self.ctx.clear_kv_cache();
            0
        };
        self.cached.truncate(reuse);

        let mut batch = LlamaBatch::new(self.n_ctx as usize, 1);
        let last = tokens.len() - 1;
        for (i, &tok) in tokens.iter().enumerate().skip(reuse) {
            batch
                .add(tok, i as i32, &[0], i == last)
                .map_err(|e| LlamaError::Decode(e.to_string()))?;
        }
        self.decode(&mut batch)?;
        self.cached.extend_from_slice(&tokens[reuse..]);

        let mut out = Vec::new();
        let mut completion = 0;
        let mut stop = StopReason::MaxTokens;
        let vocab = model.vocab();
        while completion < req.max_tokens as usize {
            let token = sampler.next(&self.ctx, batch.n_tokens() - 1);
            if vocab.is_eog(token) {
                stop = StopReason::EndOfText;
                break;
            }
            completion += 1;
            out.extend_from_slice(&vocab.token_to_piece(token, false, None));
            if finished(&out, req.stop_at) {
                // The text is a complete answer that nothing longer extends:
                // the grammar would only allow the end of text next.
                stop = StopReason::EndOfText;
                break;
            }
            batch.clear();
            let pos = self.cached.len() as i32;
            batch
                .add(token, pos, &[0], true)
                .map_err(|e| LlamaError::Decode(e.to_string()))?;
            self.decode(&mut batch)?;
            self.cached.push(token);
        }
        Ok(Generation {
            text: String::from_utf8_lossy(&out).into_owned(),
            prompt_tokens: tokens.len(),
            reused_tokens: reuse,
            completion_tokens: completion,
            stop,
        })
    }

    fn decode(&mut self, batch: &mut LlamaBatch) -> Result<(), LlamaError> {
        self.ctx.decode(batch).map_err(|e| {
            // A failed decode leaves the cache in an unknown state.
            self.cached.clear();
            LlamaError::Decode(e.to_string())
        })
    }
}

/// Tokenizes a prompt with the BOS token; special tokens written in the text
/// (a chat template's turn markers) are read as such.
fn tokenize(model: &LlamaModel, text: &str) -> Vec<LlamaToken> {
    model.vocab().tokenize(text.as_bytes(), true, true)
}

/// Whether `text` is one of `answers` and no other answer extends it.
fn finished(text: &[u8], answers: Option<&[String]>) -> bool {
    let Some(answers) = answers else { return false };
    answers.iter().any(|a| a.as_bytes() == text)
        && !answers
            .iter()
            .any(|a| a.len() > text.len() && a.as_bytes().starts_with(text))
}

/// Seeded sampling with an optional grammar, applied lazily: the token the
/// plain sampler picks is kept when the grammar allows it, and only otherwise
/// is the grammar run over the whole vocabulary (262k tokens for Gemma 3),
/// which is the expensive part. The result is the same as applying the
/// grammar first whenever the plain pick is legal, and deterministic for a
/// seed either way.
struct Sampler {
    base: LlamaSampler,
    grammar: Option<LlamaSampler>,
    eos: LlamaToken,
}

impl Sampler {
    fn new(model: &LlamaModel, req: &GenerateRequest<'_>) -> Result<Sampler, LlamaError> {
        let grammar = match req.grammar {
            Some(g) => Some(
                LlamaSampler::grammar(model, g, "root")
                    .map_err(|e| LlamaError::Grammar(e.to_string()))?,
            ),
            None => None,
        };
        let base = if req.temperature > 0.0 {
            LlamaSampler::chain_simple([
                LlamaSampler::temp(req.temperature),
                LlamaSampler::dist(req.seed),
            ])
        } else {
            LlamaSampler::greedy()
        };
        Ok(Sampler {
            base,
            grammar,
            eos: model.vocab().eos(),
        })
    }

    fn next(&mut self, ctx: &LlamaContext<'_>, idx: i32) -> LlamaToken {
        let Some(grammar) = self.grammar.as_mut() else {
            // No grammar in this chain, so `sample` accepting the token is all
            // the accepting there is.
            return self.base.sample(ctx, idx);
        };
        let mut candidates = ctx.token_data_array_ith(idx);
        self.base.apply(&mut candidates);
        let picked = candidates.selected_token();
        let allowed = picked.is_some_and(|t| {
            let mut single =
                LlamaTokenDataArray::new(vec![LlamaTokenData::new(t, 1.0, 0.0)], false);
            grammar.apply(&mut single);
            single.data[0].logit().is_finite()
        });
        let token = match picked {
            Some(t) if allowed => t,
            _ => {
                let mut candidates = ctx.token_data_array_ith(idx);
                grammar.apply(&mut candidates);
                self.base.apply(&mut candidates);
                // The grammar leaves at least the end of text when it is complete.
                candidates.selected_token().unwrap_or(self.eos)
            }
        };
        // The grammar is applied by hand here, never through `sample`, so this
        // is the one and only accept of the token.
        grammar.accept(token);
        token
    }
}
