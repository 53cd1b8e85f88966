//! The Gemini API (`POST {base}/v1beta/models/{model}:generateContent`):
//! the key in the `x-goog-api-key` header (never in the URL), a
//! `systemInstruction`, `generationConfig` for sampling and the reply
//! schema, thought parts kept apart as reasoning.

use serde_json::{Value, json};

use crate::http::{JsonRequest, Secret};
use crate::litellm::{WireOptions, WireReply, tokens};
use crate::prompt::Prompt;

/// The request, and the prompt part of its body for the record.
pub(crate) fn request(
    base: &str,
    key: Option<&Secret>,
    prompt: &Prompt,
    options: &WireOptions<'_>,
) -> (JsonRequest, Value) {
    let model = options
        .model
        .strip_prefix("models/")
        .unwrap_or(options.model);
    let root = if base.ends_with("/v1beta") || base.ends_with("/v1") {
        base.to_string()
    } else {
        format!("{base}/v1beta")
    };
    let url = format!("{root}/models/{model}:generateContent");
    let system = json!({"parts": [{"text": prompt.system}]});
    let contents = json!([{"role": "user", "parts": [{"text": prompt.user}]}]);
    let mut config = json!({"maxOutputTokens": options.max_tokens});
    if let Some(t) = options.temperature {
        config["temperature"] = json!(t);
    }
    if let Some((_, seed)) = options.seed {
        config["seed"] = json!(seed);
    }
    if let Some(schema) = &options.schema {
        config["responseMimeType"] = json!("application/json");
        config["responseSchema"] = openapi_schema(schema);
    }
    let body = json!({
        "systemInstruction": system,
        "contents": contents,
        "generationConfig": config,
    });
    let mut request = JsonRequest::post(url, body);
    if let Some(key) = key {
        request = request.secret_header("x-goog-api-key", "", key);
    }
    (
        request,
        json!({"systemInstruction": system, "contents": contents}),
    )
}

/// Gemini's `responseSchema` is an OpenAPI subset: upper-case type names,
/// `format: enum` beside string enums, `propertyOrdering` instead of
/// `additionalProperties`.
fn openapi_schema(schema: &Value) -> Value {
    match schema {
        Value::Object(map) => {
            let mut out = serde_json::Map::new();
            for (k, v) in map {
                match k.as_str() {
                    "additionalProperties" => {}
                    "type" => {
                        out.insert(
                            k.clone(),
                            v.as_str()
                                .map_or(v.clone(), |t| Value::String(t.to_ascii_uppercase())),
                        );
                    }
                    "properties" => {
                        let props = v
                            .as_object()
                            .map(|p| {
                                p.iter()
                                    .map(|(name, s)| (name.clone(), openapi_schema(s)))
                                    .collect::<serde_json::Map<_, _>>()
                            })
                            .unwrap_or_default();
                        // The order the model writes the fields in: the
                        // required ones as listed (reasoning before the move),
                        // then the rest.
                        let mut order: Vec<&str> = map
                            .get("required")
                            .and_then(Value::as_array)
                            .map(|r| r.iter().filter_map(Value::as_str).collect())
                            .unwrap_or_default();
                        order.retain(|name| props.contains_key(*name));
                        for name in props.keys() {
                            if !order.contains(&name.as_str()) {
                                order.push(name);
                            }
                        }
                        out.insert("propertyOrdering".to_string(), json!(order));
                        out.insert(k.clone(), Value::Object(props));
                    }
                    _ => {
                        out.insert(k.clone(), openapi_schema(v));
                    }
                }
            }
            if out.contains_key("enum") && !out.contains_key("format") {
                out.insert("format".to_string(), json!("enum"));
            }
            Value::Object(out)
        }
        Value::Array(items) => Value::Array(items.iter().map(openapi_schema).collect()),
        other => other.clone(),
    }
}

/// Reads `candidates[0].content.parts` (parts marked `thought` are
/// reasoning), `finishReason`, `responseId` and `usageMetadata`. Completion
/// tokens count the thoughts too, as they are billed as output.
pub(crate) fn parse(reply: &Value) -> Result<WireReply, String> {
    let Some(candidate) = reply.pointer("/candidates/0") else {
        if let Some(reason) = reply.pointer("/promptFeedback/blockReason") {
            return Err(format!("the prompt was blocked ({reason})"));
        }
        if let Some(error) = reply.get("error") {
            return Err(format!("the server answered with an error: {error}"));
        }
        return Err("the reply has no candidates[0]".to_string());
    };
    let mut text = String::new();
    let mut thoughts = String::new();
    let parts = candidate
        .pointer("/content/parts")
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or_default();
    for part in parts {
        let Some(t) = part.get("text").and_then(Value::as_str) else {
            continue;
        };
        if part.get("thought").and_then(Value::as_bool) == Some(true) {
            thoughts.push_str(t);
        } else {
            text.push_str(t);
        }
    }
    let usage = reply.get("usageMetadata");
    let candidates_tokens = tokens(usage, "/candidatesTokenCount");
    let thought_tokens = tokens(usage, "/thoughtsTokenCount");
    let completion_tokens = match (candidates_tokens, thought_tokens) {
        (None, None) => None,
        (c, t) => Some(c.unwrap_or(0) + t.unwrap_or(0)),
    };
    Ok(WireReply {
        text,
        reasoning: (!thoughts.is_empty()).then_some(thoughts),
        prompt_tokens: tokens(usage, "/promptTokenCount"),
        completion_tokens,
        reasoning_tokens: thought_tokens,
        finish_reason: candidate
            .get("finishReason")
            .and_then(Value::as_str)
            .map(str::to_string),
        id: reply
            .get("responseId")
            .and_then(Value::as_str)
            .map(str::to_string),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thoughts_are_reasoning_and_billed_as_output() {
        let r = parse(&json!({
            "responseId": "r1",
            "candidates": [{"content": {"role": "model", "parts": [
                {"text": "let me see", "thought": true}, {"text": "Move: 5"}]},
                "finishReason": "STOP"}],
            "usageMetadata": {"promptTokenCount": 30, "candidatesTokenCount": 4, "thoughtsTokenCount": 9}
        }))
        .unwrap();
        assert_eq!(
            (r.text.as_str(), r.reasoning.as_deref()),
            ("Move: 5", Some("let me see"))
        );
        assert_eq!(
            (r.prompt_tokens, r.completion_tokens, r.reasoning_tokens),
            (Some(30), Some(13), Some(9))
        );
        // A reply cut off before any text has no parts: an empty answer.
        let r = parse(&json!({"candidates": [{"finishReason": "MAX_TOKENS"}]})).unwrap();
        assert_eq!((r.text.as_str(), r.completion_tokens), ("", None));
        assert!(
            parse(&json!({"promptFeedback": {"blockReason": "SAFETY"}}))
                .unwrap_err()
                .contains("SAFETY")
        );
    }

    #[test]
    fn schemas_become_openapi() {
        let schema = json!({"type": "object", "additionalProperties": false,
            "properties": {"reasoning": {"type": "string"}, "move": {"type": "string", "enum": ["1", "2"]}},
            "required": ["reasoning", "move"]});
        assert_eq!(
            openapi_schema(&schema),
            json!({"type": "OBJECT",
                "properties": {"move": {"type": "STRING", "enum": ["1", "2"], "format": "enum"},
                               "reasoning": {"type": "STRING"}},
                "propertyOrdering": ["reasoning", "move"],
                "required": ["reasoning", "move"]})
        );
    }
}
