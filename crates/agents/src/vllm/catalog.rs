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
    /// `/v1`). Absent (and no `base_urls`): the runner launches one with
    /// [`VllmModel::launch`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub base_url: Option<String>,
    /// Several running servers of the same model, balanced: each request
    /// goes to the least busy one that is in, and one that fails sits out
    /// `cooldown_s`. Instead of `base_url`, not with it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub base_urls: Option<Vec<String>>,
    /// Seconds a server of `base_urls` sits out after it fails (overrides
    /// the run's HTTP setting, 30 s by default).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cooldown_s: Option<f64>,
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
            base_urls: None,
            cooldown_s: None,
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

    /// The running servers to connect to: `base_url`, or every one of
    /// `base_urls`; none when the runner launches the server.
    pub fn servers(&self) -> Vec<&str> {
        match (&self.base_url, &self.base_urls) {
            (Some(base), _) => vec![base.as_str()],
            (None, Some(bases)) => bases.iter().map(String::as_str).collect(),
            (None, None) => Vec::new(),
        }
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
        let is_url = |base: &str| {
            reqwest::Url::parse(base.trim())
                .is_ok_and(|u| matches!(u.scheme(), "http" | "https") && u.host_str().is_some())
        };
        if let Some(base) = &self.base_url {
            if self.base_urls.is_some() {
                return Err(bad(
                    "both base_url and base_urls are given; list every server under base_urls \
                     and remove base_url"
                        .to_string(),
                ));
            }
            if !is_url(base) {
                return Err(bad(format!(
                    "base_url {base:?} is not an http(s) URL (write e.g. http://localhost:8000/v1)"
                )));
            }
        }
        let bases = self.base_urls.as_deref().unwrap_or_default();
        if self.base_urls.as_ref().is_some_and(Vec::is_empty) {
            return Err(bad(
                "base_urls is empty; list at least one server, or leave it out to have the \
                 runner launch one"
                    .to_string(),
            ));
        }
        for (i, base) in bases.iter().enumerate() {
            if !is_url(base) {
                return Err(bad(format!(
                    "base_urls[{i}] {base:?} is not an http(s) URL (write e.g. \
                     http://gpu1:8000/v1)"
                )));
            }
            if let Some(j) = bases[..i].iter().position(|b| same_server(b, base)) {
                return Err(bad(format!(
                    "base_urls[{i}] {base:?} is the server of base_urls[{j}] again; list each \
                     server once"
                )));
            }
        }
        if self
            .cooldown_s
            .is_some_and(|c| !c.is_finite() || !(0.0..=86_400.0).contains(&c))
        {
            return Err(bad(
                "cooldown_s must be a number of seconds from 0 to 86400".to_string(),
            ));
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

/// Whether two base URLs name one server (`/v1` and a trailing `/` aside).
fn same_server(a: &str, b: &str) -> bool {
    let root = |s: &str| {
        let s = s.trim().trim_end_matches('/');
        s.strip_suffix("/v1").unwrap_or(s).to_ascii_lowercase()
    };
    root(a) == root(b)
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

    #[test]
    fn several_servers_are_listed_under_base_urls() {
        let model: VllmModel = serde_json::from_value(serde_json::json!({
            "model_path": "m",
            "base_urls": ["http://gpu1:8000/v1", "http://gpu2:8000"],
            "cooldown_s": 0.2,
        }))
        .unwrap();
        assert!(model.check("vllm_x").is_ok());
        assert_eq!(model.servers(), ["http://gpu1:8000/v1", "http://gpu2:8000"]);
        assert_eq!(model.cooldown_s, Some(0.2));
        let one = VllmModel {
            base_url: Some("http://h:8000/v1".into()),
            ..VllmModel::new("m")
        };
        assert_eq!(one.servers(), ["http://h:8000/v1"]);
        assert!(VllmModel::new("m").servers().is_empty());
    }

    #[test]
    fn bad_server_lists_say_what_to_fix() {
        let with = |base_url: Option<&str>, base_urls: Option<&[&str]>| VllmModel {
            base_url: base_url.map(str::to_string),
            base_urls: base_urls.map(|b| b.iter().map(|s| s.to_string()).collect()),
            ..VllmModel::new("m")
        };
        for (model, expected) in [
            (
                with(Some("http://a:8000/v1"), Some(&["http://b:8000/v1"])),
                "both base_url and base_urls are given",
            ),
            (with(None, Some(&[])), "base_urls is empty"),
            (
                with(None, Some(&["http://a:8000/v1", "gpu2:8000"])),
                "base_urls[1] \"gpu2:8000\" is not an http(s) URL",
            ),
            (
                with(None, Some(&["http://a:8000/v1", "http://a:8000/"])),
                "base_urls[1] \"http://a:8000/\" is the server of base_urls[0] again",
            ),
            (
                VllmModel {
                    cooldown_s: Some(-1.0),
                    ..with(None, Some(&["http://a:8000"]))
                },
                "cooldown_s",
            ),
        ] {
            let text = model.check("vllm_x").unwrap_err().to_string();
            assert!(text.contains(expected), "{text}");
            assert!(
                text.starts_with("vllm_x in agents/vllm_models.yaml: "),
                "{text}"
            );
        }
    }
}
