//! The vLLM model catalog (`agents/vllm_models.yaml`): what `vllm_<name>`
//! agents name, where the server is or how to launch it. The runner reads the
//! YAML; this module only defines the shape and checks entries.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::error::AgentError;

/// `agents/vllm_models.yaml`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VllmCatalog {
    /// Models by name (the part after `vllm_`).
    #[serde(default)]
    pub models: BTreeMap<String, VllmModel>,
}

/// One model served by vLLM.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VllmModel {
    /// One line for listings.
    #[serde(default)]
    pub description: String,
    /// The model vLLM loads: a Hugging Face id (`Qwen/Qwen2.5-7B-Instruct`)
    /// or a local directory.
    pub model_path: String,
    /// A tokenizer other than the model's own (`--tokenizer`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tokenizer_path: Option<String>,
    /// The name the server knows the model by (`--served-model-name`);
    /// `model_path` when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub served_model_name: Option<String>,
    /// A running server (`http://localhost:8000/v1`, with or without the
    /// `/v1`). Absent: the runner launches one with [`VllmModel::launch`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub base_url: Option<String>,
    /// The variable holding the key a server started with `--api-key`
    /// expects (`VLLM_API_KEY`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub api_key_env: Option<String>,
    /// Whether moves are held to the legal ones with vLLM's structured
    /// outputs (default true). False asks for free reasoning and a `Move:`
    /// line, for studies of raw behaviour.
    #[serde(default = "default_true")]
    pub constrained: bool,
    /// Requests in flight at once (overrides the run's HTTP setting; vLLM
    /// batches concurrent requests).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub concurrency: Option<usize>,
    /// How to launch the server when there is no `base_url`; the defaults
    /// when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub launch: Option<VllmLaunch>,
}

/// How the runner starts `vllm serve` for a model without a `base_url`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VllmLaunch {
    /// The program and its first arguments; the model path follows them
    /// (default `["vllm", "serve"]`).
    #[serde(default = "default_command")]
    pub command: Vec<String>,
    /// Extra arguments, after the ones the runner adds
    /// (`["--max-model-len", "4096"]`).
    #[serde(default)]
    pub args: Vec<String>,
    /// The address the server listens on (default `127.0.0.1`).
    #[serde(default = "default_host")]
    pub host: String,
    /// The port (default 8000).
    #[serde(default = "default_port")]
    pub port: u16,
    /// How long to wait for `/health` to answer (default 600 s: loading a
    /// large model and compiling its graphs takes minutes).
    #[serde(default = "default_startup_timeout")]
    pub startup_timeout_s: u64,
}

impl Default for VllmLaunch {
    /// `vllm serve <model_path> --host 127.0.0.1 --port 8000`, waiting up to
    /// 600 s.
    fn default() -> Self {
        VllmLaunch {
            command: default_command(),
            args: Vec::new(),
            host: default_host(),
            port: default_port(),
            startup_timeout_s: default_startup_timeout(),
        }
    }
}

fn default_true() -> bool {
    true
}

fn default_command() -> Vec<String> {
    vec!["vllm".to_string(), "serve".to_string()]
}

fn default_host() -> String {
    "127.0.0.1".to_string()
}

fn default_port() -> u16 {
    8000
}

fn default_startup_timeout() -> u64 {
    600
}

impl VllmModel {
    /// An entry for `model_path` with every other field at its default
    /// (launched locally, constrained).
    pub fn new(model_path: impl Into<String>) -> VllmModel {
        VllmModel {
            description: String::new(),
            model_path: model_path.into(),
            tokenizer_path: None,
            served_model_name: None,
            base_url: None,
            api_key_env: None,
            constrained: true,
            concurrency: None,
            launch: None,
        }
    }

    /// The model name requests carry: `served_model_name`, else `model_path`.
    pub fn served_name(&self) -> &str {
        self.served_model_name
            .as_deref()
            .filter(|n| !n.trim().is_empty())
            .unwrap_or(&self.model_path)
    }

    /// The launch settings, defaults filled in.
    pub fn launch_settings(&self) -> VllmLaunch {
        self.launch.clone().unwrap_or_default()
    }

    /// Checks the entry; `agent` names it in the message.
    pub fn check(&self, agent: &str) -> Result<(), AgentError> {
        let bad = |message: String| AgentError::Config {
            what: format!("{agent} in agents/vllm_models.yaml"),
            message,
        };
        if self.model_path.trim().is_empty() {
            return Err(bad(
                "model_path is empty; give a Hugging Face id or a local model directory"
                    .to_string(),
            ));
        }
        if let Some(base) = &self.base_url {
            let ok = reqwest::Url::parse(base.trim())
                .is_ok_and(|u| matches!(u.scheme(), "http" | "https") && u.host_str().is_some());
            if !ok {
                return Err(bad(format!(
                    "base_url {base:?} is not an http(s) URL (write e.g. http://localhost:8000/v1)"
                )));
            }
        }
        if self
            .api_key_env
            .as_deref()
            .is_some_and(|v| v.trim().is_empty())
        {
            return Err(bad(
                "api_key_env is empty; name a variable (VLLM_API_KEY) or leave it out".to_string(),
            ));
        }
        if self.concurrency == Some(0) {
            return Err(bad("concurrency must be at least 1".to_string()));
        }
        if let Some(launch) = &self.launch {
            if launch.command.first().is_none_or(|c| c.trim().is_empty()) {
                return Err(bad(
                    "launch.command is empty; leave it out for [\"vllm\", \"serve\"]".to_string(),
                ));
            }
            if launch.host.trim().is_empty() {
                return Err(bad("launch.host is empty".to_string()));
            }
            if launch.port == 0 {
                return Err(bad(
                    "launch.port must be a port number from 1 to 65535".to_string()
                ));
            }
            if launch.startup_timeout_s == 0 {
                return Err(bad(
                    "launch.startup_timeout_s must be at least 1".to_string()
                ));
            }
        }
        Ok(())
    }
}

impl VllmCatalog {
    /// The entry named `name` (without the `vllm_` prefix).
    pub fn get(&self, name: &str) -> Option<&VllmModel> {
        self.models.get(name)
    }

    /// The agent names of every entry (`vllm_<name>`), sorted.
    pub fn agent_names(&self) -> Vec<String> {
        self.models.keys().map(|k| format!("vllm_{k}")).collect()
    }

    /// Checks every entry.
    pub fn check(&self) -> Result<(), AgentError> {
        for (name, model) in &self.models {
            model.check(&format!("vllm_{name}"))?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_fill_in() {
        let model: VllmModel = serde_json::from_value(serde_json::json!({
            "model_path": "Qwen/Qwen2.5-7B-Instruct",
            "launch": {"args": ["--max-model-len", "4096"]},
        }))
        .unwrap();
        assert!(model.constrained);
        assert_eq!(model.served_name(), "Qwen/Qwen2.5-7B-Instruct");
        let launch = model.launch_settings();
        assert_eq!(launch.command, ["vllm", "serve"]);
        assert_eq!((launch.host.as_str(), launch.port), ("127.0.0.1", 8000));
        assert_eq!(launch.startup_timeout_s, 600);
        assert_eq!(launch.args, ["--max-model-len", "4096"]);
        assert_eq!(VllmModel::new("m").launch_settings(), VllmLaunch::default());
        let named = VllmModel {
            served_model_name: Some("qwen".into()),
            ..VllmModel::new("Qwen/Qwen2.5-7B-Instruct")
        };
        assert_eq!(named.served_name(), "qwen");
    }

    #[test]
    fn bad_entries_say_what_to_fix() {
        let unknown = serde_json::from_value::<VllmModel>(
            serde_json::json!({"model_path": "m", "baseurl": "x"}),
        );
        assert!(unknown.unwrap_err().to_string().contains("baseurl"));
        for (model, expected) in [
            (VllmModel::new(" "), "model_path"),
            (
                VllmModel {
                    base_url: Some("localhost:8000".into()),
                    ..VllmModel::new("m")
                },
                "http(s) URL",
            ),
            (
                VllmModel {
                    launch: Some(VllmLaunch {
                        command: vec![],
                        ..VllmLaunch::default()
                    }),
                    ..VllmModel::new("m")
                },
                "launch.command",
            ),
            (
                VllmModel {
                    launch: Some(VllmLaunch {
                        port: 0,
                        ..VllmLaunch::default()
                    }),
                    ..VllmModel::new("m")
                },
                "launch.port",
            ),
            (
                VllmModel {
                    concurrency: Some(0),
                    ..VllmModel::new("m")
                },
                "concurrency",
            ),
        ] {
            let text = model.check("vllm_x").unwrap_err().to_string();
            assert!(text.contains(expected), "{text}");
            assert!(text.contains("vllm_x"), "{text}");
        }
        assert!(VllmModel::new("m").check("vllm_x").is_ok());
    }
}
