//! The API model catalog (`agents/litellm_models.yaml`): prices, context
//! windows and capabilities under the field names of LiteLLM's model cost
//! map, plus this project's per-model reliability settings. LiteLLM's own
//! `model_prices_and_context_window.json` loads as it is.
//!
//! The runner reads the YAML (this crate knows no YAML); both shapes arrive
//! here through serde: `{models: {<name>: {...}}}` (this project's file,
//! checked strictly: a malformed entry is an error) or LiteLLM's flat
//! `{<name>: {...}}` (lenient: its `sample_spec` and entries that do not fit
//! are skipped and listed in [`LitellmCatalog::skipped`]).

use std::collections::BTreeMap;

use serde::{Deserialize, Deserializer, Serialize};

use crate::error::AgentError;
use crate::naming::LitellmTarget;

/// One API model, with LiteLLM's field names. Unknown fields are ignored.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct LitellmModel {
    /// US dollars per prompt token.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub input_cost_per_token: Option<f64>,
    /// US dollars per completion token (reasoning tokens included).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub output_cost_per_token: Option<f64>,
    /// The context window in tokens.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_input_tokens: Option<u64>,
    /// The most tokens one reply may have; requests ask for no more.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_output_tokens: Option<u64>,
    /// LiteLLM's provider name (`groq`, `openai`, `vertex_ai-language-models`…).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub litellm_provider: Option<String>,
    /// `chat`, `embedding`, `completion`…
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mode: Option<String>,
    /// Whether the model takes a JSON schema for its reply; when true the
    /// move's schema is sent (OpenAI-compatible `response_format`, Gemini
    /// `responseSchema`). Unknown models get none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub supports_response_schema: Option<bool>,
    /// Whether the model reasons before answering (OpenAI's o-series and
    /// GPT-5 then take no `temperature`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub supports_reasoning: Option<bool>,
    /// This project: models tried in order when this one keeps failing.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub fallbacks: Vec<String>,
    /// This project: requests in flight at once (overrides the run's setting).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub concurrency: Option<usize>,
    /// This project: requests per minute (overrides the run's setting).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub requests_per_minute: Option<u32>,
    /// This project: seconds a server sits out after it fails, when the
    /// model's base URL variable lists several (overrides the run's setting).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cooldown_s: Option<f64>,
}

impl LitellmModel {
    /// The cost of a reply, when the model is priced and both token counts
    /// are known.
    pub fn cost_usd(
        &self,
        prompt_tokens: Option<u64>,
        completion_tokens: Option<u64>,
    ) -> Option<f64> {
        let input = self.input_cost_per_token?;
        let output = self.output_cost_per_token?;
        Some(input * prompt_tokens? as f64 + output * completion_tokens? as f64)
    }

    fn check(&self) -> Result<(), String> {
        for (field, value) in [
            ("input_cost_per_token", self.input_cost_per_token),
            ("output_cost_per_token", self.output_cost_per_token),
        ] {
            if value.is_some_and(|v| !v.is_finite() || v < 0.0) {
                return Err(format!("{field} must be a price of 0 or more"));
            }
        }
        if self.concurrency == Some(0) {
            return Err("concurrency must be at least 1".to_string());
        }
        if self
            .cooldown_s
            .is_some_and(|c| !c.is_finite() || !(0.0..=86_400.0).contains(&c))
        {
            return Err("cooldown_s must be a number of seconds from 0 to 86400".to_string());
        }
        if self.requests_per_minute == Some(0) {
            return Err(
                "requests_per_minute must be at least 1 (leave it out for no limit)".to_string(),
            );
        }
        Ok(())
    }
}

/// API models by LiteLLM model string (`groq/llama-3.1-8b-instant`, or a
/// bare `gpt-4o-mini` as in LiteLLM's map).
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct LitellmCatalog {
    models: BTreeMap<String, LitellmModel>,
    #[serde(skip)]
    skipped: Vec<String>,
}

impl FromIterator<(String, LitellmModel)> for LitellmCatalog {
    fn from_iter<I: IntoIterator<Item = (String, LitellmModel)>>(iter: I) -> Self {
        LitellmCatalog {
            models: iter.into_iter().collect(),
            skipped: Vec::new(),
        }
    }
}

impl<'de> Deserialize<'de> for LitellmCatalog {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let value = serde_json::Value::deserialize(deserializer)?;
        LitellmCatalog::from_value(value).map_err(serde::de::Error::custom)
    }
}

impl LitellmCatalog {
    /// Parses a catalog from JSON text: LiteLLM's
    /// `model_prices_and_context_window.json`, or this project's shape.
    pub fn from_json(text: &str) -> Result<LitellmCatalog, AgentError> {
        let value: serde_json::Value = serde_json::from_str(text)
            .map_err(|e| catalog_error(format!("not valid JSON: {e}")))?;
        LitellmCatalog::from_value(value).map_err(catalog_error)
    }

    /// Builds a catalog from an already parsed document (either shape).
    pub fn from_value(value: serde_json::Value) -> Result<LitellmCatalog, String> {
        let serde_json::Value::Object(mut top) = value else {
            return Err("a catalog is a map of model names to entries".to_string());
        };
        let strict = top.len() == 1
            && top
                .get("models")
                .is_some_and(|m| m.is_object() || m.is_null());
        if strict {
            let models = match top.remove("models") {
                Some(serde_json::Value::Object(m)) => m,
                _ => serde_json::Map::new(),
            };
            let mut catalog = LitellmCatalog::default();
            for (name, entry) in models {
                let model = parse_entry(entry).map_err(|e| format!("model {name:?}: {e}"))?;
                catalog.models.insert(name, model);
            }
            return Ok(catalog);
        }
        let mut catalog = LitellmCatalog::default();
        for (name, entry) in top {
            if name == "sample_spec" {
                continue;
            }
            match parse_entry(entry) {
                Ok(model) => {
                    catalog.models.insert(name, model);
                }
                Err(e) => catalog.skipped.push(format!("{name}: {e}")),
            }
        }
        Ok(catalog)
    }

    /// The entry for a resolved model: `<provider>/<model>` first, then the
    /// bare `<model>` when that entry belongs to the same provider (or names
    /// none), as in LiteLLM's map where OpenAI and Anthropic models are bare.
    pub fn lookup(&self, target: &LitellmTarget) -> Option<(&str, &LitellmModel)> {
        let prefixed = format!("{}/{}", target.provider.name, target.model);
        if let Some((k, m)) = self.models.get_key_value(&prefixed) {
            return Some((k.as_str(), m));
        }
        let (k, m) = self.models.get_key_value(&target.model)?;
        let same_provider = m
            .litellm_provider
            .as_deref()
            .is_none_or(|p| p == target.provider.name);
        same_provider.then_some((k.as_str(), m))
    }

    /// The entry stored under exactly `name`.
    pub fn get(&self, name: &str) -> Option<&LitellmModel> {
        self.models.get(name)
    }

    /// Every entry, by name.
    pub fn models(&self) -> impl Iterator<Item = (&str, &LitellmModel)> {
        self.models.iter().map(|(k, m)| (k.as_str(), m))
    }

    /// The number of entries.
    pub fn len(&self) -> usize {
        self.models.len()
    }

    /// Whether there are no entries.
    pub fn is_empty(&self) -> bool {
        self.models.is_empty()
    }

    /// Entries of a LiteLLM-shaped map that were skipped, with why.
    pub fn skipped(&self) -> &[String] {
        &self.skipped
    }
}

fn parse_entry(entry: serde_json::Value) -> Result<LitellmModel, String> {
    let model: LitellmModel = serde_json::from_value(entry).map_err(|e| e.to_string())?;
    model.check()?;
    Ok(model)
}

fn catalog_error(message: String) -> AgentError {
    AgentError::Config {
        what: "litellm model catalog".to_string(),
        message,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::naming::resolve_litellm;

    const LITELLM_MAP: &str = r#"{
        "sample_spec": {"max_tokens": "LEGACY parameter", "input_cost_per_token": 0.0},
        "gpt-4o-mini": {"input_cost_per_token": 1.5e-07, "output_cost_per_token": 6e-07,
            "litellm_provider": "openai", "mode": "chat", "supports_response_schema": true,
            "supports_vision": true, "max_input_tokens": 128000},
        "groq/llama-3.1-8b-instant": {"input_cost_per_token": 5e-08, "output_cost_per_token": 8e-08,
            "litellm_provider": "groq", "mode": "chat"},
        "llama-3.1-8b-instant": {"input_cost_per_token": 1.0, "output_cost_per_token": 1.0,
            "litellm_provider": "fireworks_ai"},
        "broken": {"input_cost_per_token": "free"}
    }"#;

    #[test]
    fn litellm_s_own_map_loads_leniently() {
        let catalog = LitellmCatalog::from_json(LITELLM_MAP).unwrap();
        assert_eq!(catalog.len(), 3);
        assert_eq!(catalog.skipped().len(), 1);
        assert!(catalog.skipped()[0].starts_with("broken:"));
        // Bare OpenAI names, prefixed names, and bare names of other
        // providers that must not match.
        let (key, m) = catalog
            .lookup(&resolve_litellm("gpt-4o-mini").unwrap())
            .unwrap();
        assert_eq!(
            (key, m.supports_response_schema),
            ("gpt-4o-mini", Some(true))
        );
        let (key, _) = catalog
            .lookup(&resolve_litellm("openai/gpt-4o-mini").unwrap())
            .unwrap();
        assert_eq!(key, "gpt-4o-mini");
        let (key, _) = catalog
            .lookup(&resolve_litellm("groq/llama-3.1-8b-instant").unwrap())
            .unwrap();
        assert_eq!(key, "groq/llama-3.1-8b-instant");
        assert!(
            catalog
                .lookup(&resolve_litellm("cerebras/llama-3.1-8b-instant").unwrap())
                .is_none()
        );
    }

    #[test]
    fn this_project_s_shape_is_strict() {
        let ok = serde_json::json!({"models": {"groq/x": {"input_cost_per_token": 1e-7,
            "output_cost_per_token": 2e-7, "fallbacks": ["openai/gpt-4o-mini"], "concurrency": 2,
            "future_field": 1}}});
        let catalog = LitellmCatalog::from_value(ok).unwrap();
        let m = catalog.get("groq/x").unwrap();
        assert_eq!(m.fallbacks, vec!["openai/gpt-4o-mini".to_string()]);
        assert_eq!(m.concurrency, Some(2));
        let cost = m.cost_usd(Some(1000), Some(10)).unwrap();
        assert!((cost - 1.02e-4).abs() < 1e-12, "{cost}");
        assert_eq!(m.cost_usd(None, Some(10)), None);
        assert_eq!(LitellmModel::default().cost_usd(Some(1), Some(1)), None);

        for (bad, expected) in [
            (
                serde_json::json!({"models": {"m": {"input_cost_per_token": "free"}}}),
                "model \"m\"",
            ),
            (
                serde_json::json!({"models": {"m": {"concurrency": 0}}}),
                "concurrency",
            ),
            (
                serde_json::json!({"models": {"m": {"output_cost_per_token": -1.0}}}),
                "price",
            ),
            (serde_json::json!([1, 2]), "map"),
        ] {
            let err = LitellmCatalog::from_value(bad).unwrap_err();
            assert!(err.contains(expected), "{err}");
        }
        assert!(
            LitellmCatalog::from_json("{")
                .unwrap_err()
                .to_string()
                .contains("JSON")
        );
    }
}
