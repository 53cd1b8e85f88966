//! API keys and base URLs: a lookup of variables from the process
//! environment over a `.env` file, read without changing the environment,
//! and the rules for finding a provider's key and base URL in it.

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

use crate::error::AgentError;
use crate::http::Secret;
use crate::naming::Provider;

/// Environment variables for API backends: the process environment wins over
/// a `.env` file. Empty values count as unset. `Debug` shows variable names,
/// never values.
#[derive(Clone, Default)]
pub struct ApiEnv {
    vars: BTreeMap<String, String>,
    dotenv: Option<PathBuf>,
}

impl fmt::Debug for ApiEnv {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ApiEnv")
            .field("vars", &self.vars.keys().collect::<Vec<_>>())
            .field("dotenv", &self.dotenv)
            .finish()
    }
}

impl ApiEnv {
    /// Exactly these variables (for tests and embedding).
    pub fn from_vars<I, K, V>(vars: I) -> ApiEnv
    where
        I: IntoIterator<Item = (K, V)>,
        K: Into<String>,
        V: Into<String>,
    {
        ApiEnv {
            vars: vars
                .into_iter()
                .map(|(k, v)| (k.into(), v.into()))
                .collect(),
            dotenv: None,
        }
    }

    /// The process environment alone (variables that are not UTF-8 are
    /// skipped).
    pub fn from_process() -> ApiEnv {
        ApiEnv {
            vars: std::env::vars_os()
                .filter_map(|(k, v)| Some((k.into_string().ok()?, v.into_string().ok()?)))
                .collect(),
            dotenv: None,
        }
    }

    /// The process environment over a `.env` file. With `Some(path)` the
    /// file must exist; with `None`, `.env` in the working directory is read
    /// when there is one. A malformed file is an error naming the file.
    pub fn load(dotenv: Option<&Path>) -> Result<ApiEnv, AgentError> {
        let path = match dotenv {
            Some(p) => {
                if !p.is_file() {
                    return Err(AgentError::Config {
                        what: p.display().to_string(),
                        message: "the .env file does not exist".to_string(),
                    });
                }
                Some(p.to_path_buf())
            }
            None => Some(PathBuf::from(".env")).filter(|p| p.is_file()),
        };
        let mut env = ApiEnv::default();
        if let Some(path) = &path {
            let config_error = |e: dotenvy::Error| AgentError::Config {
                what: path.display().to_string(),
                message: format!("{e}; write one `NAME=value` per line"),
            };
            for item in dotenvy::from_path_iter(path).map_err(config_error)? {
                let (k, v) = item.map_err(config_error)?;
                env.vars.insert(k, v);
            }
        }
        env.vars.extend(ApiEnv::from_process().vars);
        env.dotenv = path;
        Ok(env)
    }

    /// The `.env` file read, if any.
    pub fn dotenv_path(&self) -> Option<&Path> {
        self.dotenv.as_deref()
    }

    /// A variable's value, unless unset or empty.
    pub fn get(&self, var: &str) -> Option<&str> {
        self.vars
            .get(var)
            .map(|v| v.trim())
            .filter(|v| !v.is_empty())
    }

    /// The first of `vars` that is set, with its name.
    pub fn first_of<'a>(&self, vars: &[&'a str]) -> Option<(&'a str, &str)> {
        vars.iter().find_map(|v| Some((*v, self.get(v)?)))
    }

    /// The provider's API key: `Ok(None)` when it needs none and none is
    /// set; an error naming the variable when it needs one. `agent` names
    /// the model in the message.
    pub fn api_key(&self, provider: &Provider, agent: &str) -> Result<Option<Secret>, AgentError> {
        if let Some((_, key)) = self.first_of(provider.key_vars) {
            return Ok(Some(Secret::new(key)));
        }
        if !provider.key_required || provider.key_vars.is_empty() {
            return Ok(None);
        }
        Err(missing(
            provider.key_vars,
            &format!("the API key for {agent}"),
        ))
    }

    /// The provider's base URL (without a trailing `/`): the first base
    /// variable that is set, else the provider's default; an error naming
    /// the variable when there is no default.
    pub fn api_base(&self, provider: &Provider, agent: &str) -> Result<String, AgentError> {
        let base = match self.first_of(provider.base_vars) {
            Some((_, base)) => base.to_string(),
            None => match provider.default_base {
                Some(base) => base.to_string(),
                None => {
                    return Err(missing(
                        provider.base_vars,
                        &format!(
                            "the base URL of the server for {agent}, e.g. http://localhost:8000/v1"
                        ),
                    ));
                }
            },
        };
        Ok(base.trim_end_matches('/').to_string())
    }

    /// The provider's base URLs: [`ApiEnv::api_base`] read as a
    /// comma-separated list (`http://gpu1:8000/v1,http://gpu2:8000/v1`),
    /// each without a trailing `/`, for a model served by several servers.
    /// A list with an empty item is an error naming the variable.
    pub fn api_bases(&self, provider: &Provider, agent: &str) -> Result<Vec<String>, AgentError> {
        let list = self.api_base(provider, agent)?;
        let bases: Vec<String> = list
            .split(',')
            .map(|b| b.trim().trim_end_matches('/').to_string())
            .collect();
        if bases.iter().any(String::is_empty) {
            let var = self
                .first_of(provider.base_vars)
                .map_or("the base URL", |(var, _)| var);
            return Err(AgentError::Config {
                what: format!("{var} (the base URL of {agent})"),
                message: format!(
                    "{list:?} has an empty item; write one URL, or several separated by commas"
                ),
            });
        }
        Ok(bases)
    }
}

fn missing(vars: &[&str], purpose: &str) -> AgentError {
    let var = vars.first().copied().unwrap_or("?").to_string();
    let purpose = if vars.len() > 1 {
        format!("{purpose}; {} are read too", vars[1..].join(", "))
    } else {
        purpose.to_string()
    };
    AgentError::MissingEnv { var, purpose }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::naming::provider;

    #[test]
    fn keys_and_bases_follow_the_provider_table() {
        let env = ApiEnv::from_vars([
            ("GROQ_API_KEY", "gk"),
            ("TOGETHER_API_KEY", "tk"),
            ("OPENAI_API_KEY", "  "),
            ("HOSTED_VLLM_API_BASE", "http://gpu:8000/v1/"),
        ]);
        let groq = provider("groq").unwrap();
        assert_eq!(env.api_key(groq, "g").unwrap().unwrap().expose(), "gk");
        assert_eq!(
            env.api_base(groq, "g").unwrap(),
            "https://api.groq.com/openai/v1"
        );
        // The second spelling of Together's key is read too.
        let together = provider("together_ai").unwrap();
        assert_eq!(env.api_key(together, "t").unwrap().unwrap().expose(), "tk");
        // An empty value is unset.
        let err = env
            .api_key(provider("openai").unwrap(), "litellm_gpt-4o")
            .unwrap_err()
            .to_string();
        assert!(
            err.starts_with("OPENAI_API_KEY is not set; export it or put it in .env"),
            "{err}"
        );
        let vllm = provider("hosted_vllm").unwrap();
        assert_eq!(env.api_key(vllm, "v").unwrap(), None);
        assert_eq!(env.api_base(vllm, "v").unwrap(), "http://gpu:8000/v1");
        let err = ApiEnv::default()
            .api_base(vllm, "v")
            .unwrap_err()
            .to_string();
        assert!(err.contains("HOSTED_VLLM_API_BASE is not set"), "{err}");
        let err = ApiEnv::default()
            .api_base(provider("litellm_proxy").unwrap(), "p")
            .unwrap_err()
            .to_string();
        assert!(err.contains("LITELLM_PROXY_API_BASE is not set"), "{err}");
    }

    #[test]
    fn a_base_variable_may_list_several_servers() {
        let vllm = provider("hosted_vllm").unwrap();
        let env = ApiEnv::from_vars([(
            "HOSTED_VLLM_API_BASE",
            "http://gpu1:8000/v1/, http://gpu2:8000/v1",
        )]);
        assert_eq!(
            env.api_bases(vllm, "v").unwrap(),
            ["http://gpu1:8000/v1", "http://gpu2:8000/v1"]
        );
        let groq = provider("groq").unwrap();
        assert_eq!(
            ApiEnv::default().api_bases(groq, "g").unwrap(),
            ["https://api.groq.com/openai/v1"]
        );
        let env = ApiEnv::from_vars([("HOSTED_VLLM_API_BASE", "http://gpu1:8000/v1,,")]);
        let err = env.api_bases(vllm, "litellm_hosted_vllm/q").unwrap_err();
        let err = err.to_string();
        assert!(
            err.starts_with("HOSTED_VLLM_API_BASE (the base URL of"),
            "{err}"
        );
        assert!(err.contains("empty item"), "{err}");
    }

    #[test]
    fn dotenv_files_are_read_under_the_process_environment() {
        let dir = std::env::temp_dir().join(format!("arena-env-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join(".env");
        // PATH is set in every process environment, so the file's value loses.
        std::fs::write(
            &path,
            "# keys\nARENA_TEST_DOTENV_KEY=\"from file\"\nexport PATH=/nowhere\n",
        )
        .unwrap();
        let env = ApiEnv::load(Some(&path)).unwrap();
        assert_eq!(env.get("ARENA_TEST_DOTENV_KEY"), Some("from file"));
        assert_ne!(env.get("PATH"), Some("/nowhere"));
        let debug = format!("{env:?}");
        assert!(debug.contains("ARENA_TEST_DOTENV_KEY") && !debug.contains("from file"));

        std::fs::write(&path, "NOT A VALID LINE\n").unwrap();
        let err = ApiEnv::load(Some(&path)).unwrap_err().to_string();
        assert!(err.contains(".env"), "{err}");
        let err = ApiEnv::load(Some(&dir.join("missing.env")))
            .unwrap_err()
            .to_string();
        assert!(err.contains("does not exist"), "{err}");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
