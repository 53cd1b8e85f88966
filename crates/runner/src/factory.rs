//! Turning agent names from a config into agents, once per name: every
//! episode that names `llamacpp_gemma3-270m` shares one loaded model (and
//! an API model shares one set of rate limits). Everything that can fail —
//! an unknown name, a model missing from its catalog, a model file that
//! cannot be fetched — fails here, before any episode starts.

use std::collections::HashMap;
use std::sync::Arc;

use anyhow::{Context, Result, bail};
use arena_agents::{
    Agent, AgentName, ApiEnv, BaselineAgent, HttpClient, HttpSettings, HumanAgent, LitellmCatalog,
    LlamaCppAgent, RandomPlayer, build_litellm_agent, build_vllm_agent,
};

use crate::catalog;

/// Options that change how agents are built.
#[derive(Clone, Debug)]
pub struct FactoryOptions {
    /// Timeouts, retries and limits of HTTP backends.
    pub http: HttpSettings,
    /// Hold in-process models to the game's move grammar (default true;
    /// false studies raw behaviour).
    pub constrained: bool,
    /// No progress bars (model pulls).
    pub quiet: bool,
}

impl Default for FactoryOptions {
    fn default() -> Self {
        FactoryOptions {
            http: HttpSettings::default(),
            constrained: true,
            quiet: false,
        }
    }
}

/// An agent ready to play, with the model behind it for the record.
#[derive(Clone, Debug)]
pub struct BuiltAgent {
    /// The agent.
    pub agent: Arc<dyn Agent>,
    /// The model, when there is one (file name or provider/model).
    pub model: Option<String>,
}

/// Builds agents by name, once each.
#[derive(Debug, Default)]
pub struct AgentFactory {
    options: FactoryOptions,
    built: HashMap<String, BuiltAgent>,
    /// What API agents need, loaded on first use: keys (environment over
    /// `.env`), the catalog, and one HTTP client whose per-model limits
    /// every agent of the run shares.
    api: Option<(ApiEnv, LitellmCatalog, HttpClient)>,
    /// The runtime async constructors (vLLM's server checks) run on.
    runtime: Option<tokio::runtime::Handle>,
}

impl AgentFactory {
    /// A factory with these options; `runtime` runs the async checks of
    /// server-backed agents (it must not be the caller's own runtime).
    pub fn new(options: FactoryOptions, runtime: tokio::runtime::Handle) -> Self {
        AgentFactory {
            options,
            built: HashMap::new(),
            api: None,
            runtime: Some(runtime),
        }
    }

    /// The agent for `name`, built on first use.
    pub fn get(&mut self, name: &str) -> Result<BuiltAgent> {
        if let Some(agent) = self.built.get(name) {
            return Ok(agent.clone());
        }
        let agent = self
            .build(name)
            .with_context(|| format!("agent {name:?}"))?;
        self.built.insert(name.to_string(), agent.clone());
        Ok(agent)
    }

    fn api(&mut self) -> Result<&(ApiEnv, LitellmCatalog, HttpClient)> {
        let api = match self.api.take() {
            Some(api) => api,
            None => (
                ApiEnv::load(None)?,
                catalog::litellm()?.0,
                HttpClient::new()?,
            ),
        };
        Ok(self.api.insert(api))
    }

    fn build(&mut self, name: &str) -> Result<BuiltAgent> {
        let parsed = AgentName::parse(name)?;
        let (agent, model): (Arc<dyn Agent>, Option<String>) = match parsed {
            AgentName::Random => (Arc::new(RandomPlayer), None),
            AgentName::Baseline(_) => {
                let Some(b) = BaselineAgent::from_name(name) else {
                    bail!("no such baseline");
                };
                (Arc::new(b), None)
            }
            AgentName::LlamaCpp(model_name) => {
                let (catalog, origin) = catalog::llamacpp()?;
                let Some(entry) = catalog.models.get(&model_name) else {
                    let known: Vec<String> = catalog
                        .models
                        .keys()
                        .map(|k| format!("llamacpp_{k}"))
                        .collect();
                    bail!(
                        "no model {model_name:?} in {origin}; catalogued: {}",
                        known.join(", ")
                    );
                };
                let path = crate::models::ensure(&model_name, self.options.quiet)?;
                let agent = LlamaCppAgent::new(name, &path, entry, self.options.constrained)?;
                let file = path.file_name().map(|f| f.to_string_lossy().into_owned());
                (Arc::new(agent), file)
            }
            AgentName::Human => (Arc::new(HumanAgent::stdio()), None),
            AgentName::Litellm(target) => {
                let settings = self.options.http.clone();
                let (env, catalog, client) = self.api()?;
                let agent = build_litellm_agent(name, env, catalog, &settings, client)?;
                (
                    agent,
                    Some(format!("{}/{}", target.provider.name, target.model)),
                )
            }
            AgentName::Vllm(short) => {
                let (catalog, _) = catalog::vllm()?;
                let settings = self.options.http.clone();
                let client = self.api()?.2.clone();
                let Some(runtime) = self.runtime.clone() else {
                    bail!("no runtime to check the vLLM server on");
                };
                let vllm =
                    runtime.block_on(build_vllm_agent(name, &catalog, &client, &settings))?;
                // A pool may start with some servers out; the run goes on
                // with the others, and the person running it should know.
                for server in vllm.endpoints() {
                    if let Some(reason) = &server.out {
                        crate::observe::notice(&format!(
                            "warning: {name}: server {} is out at the start ({reason}); \
                             the others serve until it passes /health",
                            server.endpoint
                        ));
                    }
                }
                let agent: Arc<dyn arena_agents::Agent> = vllm;
                let model = catalog
                    .models
                    .get(&short)
                    .map(|m| m.served_name().to_string());
                (agent, model)
            }
        };
        Ok(BuiltAgent { agent, model })
    }
}
