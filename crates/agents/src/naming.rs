//! Agent names as users write them in configs, and LiteLLM's rules for
//! turning `litellm_<provider>/<model>` into a provider, an endpoint and the
//! environment variables that hold its key and base URL.

use std::fmt;

use serde::Serialize;

use crate::error::AgentError;

/// An agent name, parsed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AgentName {
    /// `random`: a seeded uniformly random legal move.
    Random,
    /// `human`: a person at the terminal.
    Human,
    /// `litellm_<provider>/<model>` or `litellm_<bare model>`: an API model.
    Litellm(LitellmTarget),
    /// `vllm_<name>`: a model from `agents/vllm_models.yaml`.
    Vllm(String),
    /// `llamacpp_<name>`: a GGUF model from `agents/llamacpp_models.yaml`.
    LlamaCpp(String),
    /// `baseline_<game>`: a scripted player ([`crate::BaselineAgent`]).
    Baseline(String),
}

impl AgentName {
    /// Parses an agent name; an unknown prefix or provider is an error that
    /// says what is known.
    pub fn parse(name: &str) -> Result<AgentName, AgentError> {
        let name = name.trim();
        if name == "random" {
            return Ok(AgentName::Random);
        }
        if name == "human" {
            return Ok(AgentName::Human);
        }
        if let Some(model) = name.strip_prefix("litellm_") {
            return Ok(AgentName::Litellm(resolve_litellm(model)?));
        }
        if let Some(rest) = name.strip_prefix("vllm_") {
            return non_empty(name, rest).map(AgentName::Vllm);
        }
        if let Some(rest) = name.strip_prefix("llamacpp_") {
            return non_empty(name, rest).map(AgentName::LlamaCpp);
        }
        if name.starts_with("baseline_") {
            if crate::BaselineAgent::from_name(name).is_some() {
                return Ok(AgentName::Baseline(name.to_string()));
            }
            return Err(AgentError::UnknownAgent {
                name: name.to_string(),
                hint: format!("the baselines are: {}", crate::baseline::NAMES.join(", ")),
            });
        }
        Err(AgentError::UnknownAgent {
            name: name.to_string(),
            hint: "agent names are `random`, `human`, `litellm_<provider>/<model>`, \
                   `vllm_<name>`, `llamacpp_<name>` or `baseline_<game>`"
                .to_string(),
        })
    }
}

fn non_empty(name: &str, rest: &str) -> Result<String, AgentError> {
    if rest.is_empty() {
        return Err(AgentError::UnknownAgent {
            name: name.to_string(),
            hint: "the prefix must be followed by a model name from the catalog".to_string(),
        });
    }
    Ok(rest.to_string())
}

/// How a provider is spoken to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ApiStyle {
    /// OpenAI-compatible `/chat/completions`.
    OpenAiChat,
    /// Anthropic Messages API (`/v1/messages`).
    AnthropicMessages,
    /// Gemini `generateContent`.
    GeminiGenerateContent,
}

/// A provider LiteLLM knows, with the environment variables it reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Provider {
    /// The provider prefix (`groq`).
    pub name: &'static str,
    /// The wire protocol.
    pub style: ApiStyle,
    /// Variables holding the API key, first found wins; empty when the
    /// provider needs none (local servers).
    pub key_vars: &'static [&'static str],
    /// Whether a missing key is an error.
    pub key_required: bool,
    /// Variables overriding the base URL, first found wins.
    pub base_vars: &'static [&'static str],
    /// The default base URL; `None` when the user must set one.
    pub default_base: Option<&'static str>,
}

const fn p(
    name: &'static str,
    style: ApiStyle,
    key_vars: &'static [&'static str],
    key_required: bool,
    base_vars: &'static [&'static str],
    default_base: Option<&'static str>,
) -> Provider {
    Provider {
        name,
        style,
        key_vars,
        key_required,
        base_vars,
        default_base,
    }
}

use ApiStyle::{
    AnthropicMessages as Anthropic, GeminiGenerateContent as Gemini, OpenAiChat as OpenAi,
};

/// Every provider this project speaks to, with LiteLLM's variable names.
pub const PROVIDERS: &[Provider] = &[
    p(
        "openai",
        OpenAi,
        &["OPENAI_API_KEY"],
        true,
        &["OPENAI_API_BASE", "OPENAI_BASE_URL"],
        Some("https://api.openai.com/v1"),
    ),
    p(
        "anthropic",
        Anthropic,
        &["ANTHROPIC_API_KEY"],
        true,
        &["ANTHROPIC_API_BASE", "ANTHROPIC_BASE_URL"],
        Some("https://api.anthropic.com"),
    ),
    p(
        "gemini",
        Gemini,
        &["GEMINI_API_KEY"],
        true,
        &["GEMINI_API_BASE"],
        Some("https://generativelanguage.googleapis.com"),
    ),
    p(
        "groq",
        OpenAi,
        &["GROQ_API_KEY"],
        true,
        &["GROQ_API_BASE"],
        Some("https://api.groq.com/openai/v1"),
    ),
    p(
        "together_ai",
        OpenAi,
        &[
            "TOGETHERAI_API_KEY",
            "TOGETHER_API_KEY",
            "TOGETHER_AI_API_KEY",
        ],
        true,
        &["TOGETHERAI_API_BASE"],
        Some("https://api.together.xyz/v1"),
    ),
    p(
        "fireworks_ai",
        OpenAi,
        &["FIREWORKS_AI_API_KEY", "FIREWORKS_API_KEY"],
        true,
        &["FIREWORKS_AI_API_BASE", "FIREWORKS_API_BASE"],
        Some("https://api.fireworks.ai/inference/v1"),
    ),
    p(
        "deepseek",
        OpenAi,
        &["DEEPSEEK_API_KEY"],
        true,
        &["DEEPSEEK_API_BASE"],
        Some("https://api.deepseek.com/v1"),
    ),
    p(
        "openrouter",
        OpenAi,
        &["OPENROUTER_API_KEY"],
        true,
        &["OPENROUTER_API_BASE"],
        Some("https://openrouter.ai/api/v1"),
    ),
    p(
        "mistral",
        OpenAi,
        &["MISTRAL_API_KEY"],
        true,
        &["MISTRAL_API_BASE"],
        Some("https://api.mistral.ai/v1"),
    ),
    p(
        "xai",
        OpenAi,
        &["XAI_API_KEY"],
        true,
        &["XAI_API_BASE"],
        Some("https://api.x.ai/v1"),
    ),
    p(
        "cerebras",
        OpenAi,
        &["CEREBRAS_API_KEY"],
        true,
        &["CEREBRAS_API_BASE"],
        Some("https://api.cerebras.ai/v1"),
    ),
    p(
        "deepinfra",
        OpenAi,
        &["DEEPINFRA_API_KEY"],
        true,
        &["DEEPINFRA_API_BASE"],
        Some("https://api.deepinfra.com/v1/openai"),
    ),
    p(
        "hosted_vllm",
        OpenAi,
        &["HOSTED_VLLM_API_KEY"],
        false,
        &["HOSTED_VLLM_API_BASE"],
        None,
    ),
    p(
        "ollama",
        OpenAi,
        &["OLLAMA_API_KEY"],
        false,
        &["OLLAMA_API_BASE"],
        Some("http://localhost:11434/v1"),
    ),
    p(
        "ollama_chat",
        OpenAi,
        &["OLLAMA_API_KEY"],
        false,
        &["OLLAMA_API_BASE"],
        Some("http://localhost:11434/v1"),
    ),
    p(
        "lm_studio",
        OpenAi,
        &["LM_STUDIO_API_KEY"],
        false,
        &["LM_STUDIO_API_BASE"],
        Some("http://localhost:1234/v1"),
    ),
    p(
        "litellm_proxy",
        OpenAi,
        &["LITELLM_PROXY_API_KEY"],
        false,
        &["LITELLM_PROXY_API_BASE"],
        None,
    ),
];

/// A resolved API model: its provider and the model name sent on the wire.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LitellmTarget {
    /// The provider.
    pub provider: &'static Provider,
    /// The model name as the provider expects it (`meta-llama/Llama-3-8b`).
    pub model: String,
}

impl fmt::Display for LitellmTarget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "litellm_{}/{}", self.provider.name, self.model)
    }
}

/// The provider entry for `name`.
pub fn provider(name: &str) -> Option<&'static Provider> {
    PROVIDERS.iter().find(|p| p.name == name)
}

/// Resolves a LiteLLM model string the way LiteLLM does: the text before the
/// first `/` is the provider when it is a known one (the rest, slashes and
/// all, is the model); bare `gpt-*`, `o1`/`o3`/`o4`-style and `chatgpt-*`
/// names go to OpenAI and `claude-*` to Anthropic.
pub fn resolve_litellm(model: &str) -> Result<LitellmTarget, AgentError> {
    let model = model.trim();
    if let Some((prefix, rest)) = model.split_once('/') {
        if let Some(provider) = provider(prefix) {
            if rest.is_empty() {
                return Err(AgentError::UnknownAgent {
                    name: format!("litellm_{model}"),
                    hint: format!("give a model after `{prefix}/`"),
                });
            }
            return Ok(LitellmTarget {
                provider,
                model: rest.to_string(),
            });
        }
        return Err(unknown_provider(model, prefix));
    }
    let bare_openai = model.starts_with("gpt-")
        || model.starts_with("chatgpt-")
        || is_openai_reasoning_name(model);
    if bare_openai {
        return Ok(LitellmTarget {
            provider: &PROVIDERS[0],
            model: model.to_string(),
        });
    }
    if model.starts_with("claude-") {
        return Ok(LitellmTarget {
            provider: &PROVIDERS[1],
            model: model.to_string(),
        });
    }
    Err(unknown_provider(model, model))
}

/// `o1`, `o3-mini`, `o4-mini-2025-04-16`…
fn is_openai_reasoning_name(model: &str) -> bool {
    let mut chars = model.chars();
    chars.next() == Some('o')
        && chars.next().is_some_and(|c| c.is_ascii_digit())
        && chars.next().is_none_or(|c| c == '-')
}

fn unknown_provider(model: &str, prefix: &str) -> AgentError {
    AgentError::UnknownProvider {
        model: model.to_string(),
        provider: prefix.to_string(),
        known: PROVIDERS.iter().map(|p| p.name.to_string()).collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `input` resolves to (provider, model), or to an error when `None`.
    fn check(input: &str, expected: Option<(&str, &str)>) {
        let got = resolve_litellm(input)
            .ok()
            .map(|t| (t.provider.name, t.model));
        assert_eq!(
            got.as_ref().map(|(p, m)| (*p, m.as_str())),
            expected,
            "{input}"
        );
    }

    #[test]
    fn litellm_name_resolution_table() {
        check(
            "groq/llama-3.1-8b-instant",
            Some(("groq", "llama-3.1-8b-instant")),
        );
        check(
            "together_ai/meta-llama/Llama-3.3-70B-Instruct-Turbo",
            Some(("together_ai", "meta-llama/Llama-3.3-70B-Instruct-Turbo")),
        );
        check(
            "openrouter/anthropic/claude-3.5-sonnet",
            Some(("openrouter", "anthropic/claude-3.5-sonnet")),
        );
        check(
            "anthropic/claude-sonnet-4-5",
            Some(("anthropic", "claude-sonnet-4-5")),
        );
        check(
            "gemini/gemini-2.5-flash",
            Some(("gemini", "gemini-2.5-flash")),
        );
        check(
            "hosted_vllm/Qwen/Qwen3-8B",
            Some(("hosted_vllm", "Qwen/Qwen3-8B")),
        );
        check(
            "litellm_proxy/my-alias",
            Some(("litellm_proxy", "my-alias")),
        );
        check("ollama_chat/llama3.2", Some(("ollama_chat", "llama3.2")));
        check("gpt-4o-mini", Some(("openai", "gpt-4o-mini")));
        check("o3-mini", Some(("openai", "o3-mini")));
        check("o1", Some(("openai", "o1")));
        check("chatgpt-4o-latest", Some(("openai", "chatgpt-4o-latest")));
        check(
            "claude-3-5-haiku-latest",
            Some(("anthropic", "claude-3-5-haiku-latest")),
        );
        check("openai/gpt-4.1", Some(("openai", "gpt-4.1")));
        // Unknown providers and unprefixed unknown names are errors.
        check("acme/model-1", None);
        check("llama-3-8b", None);
        check("omega", None);
        check("groq/", None);
    }

    #[test]
    fn unknown_provider_lists_the_known_ones() {
        let err = resolve_litellm("acme/model-1").unwrap_err().to_string();
        assert!(
            err.contains("acme") && err.contains("together_ai") && err.contains("groq"),
            "{err}"
        );
    }

    #[test]
    fn agent_names() {
        assert_eq!(AgentName::parse("random").unwrap(), AgentName::Random);
        assert_eq!(AgentName::parse("human").unwrap(), AgentName::Human);
        assert_eq!(
            AgentName::parse("vllm_qwen3").unwrap(),
            AgentName::Vllm("qwen3".into())
        );
        assert_eq!(
            AgentName::parse("llamacpp_gemma3-270m").unwrap(),
            AgentName::LlamaCpp("gemma3-270m".into())
        );
        assert!(matches!(
            AgentName::parse("litellm_groq/x").unwrap(),
            AgentName::Litellm(_)
        ));
        assert_eq!(
            AgentName::parse("baseline_connect_four").unwrap(),
            AgentName::Baseline("baseline_connect_four".into())
        );
        for bad in [
            "gpt4",
            "vllm_",
            "llamacpp_",
            "litellm_nowhere/x",
            "",
            "baseline_chess",
        ] {
            assert!(AgentName::parse(bad).is_err(), "{bad}");
        }
    }
}
