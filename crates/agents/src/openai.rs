//! The OpenAI-compatible chat completions wire format
//! (`POST {base}/chat/completions`), spoken by OpenAI and by most hosted
//! and local servers (Groq, Together, Fireworks, DeepSeek, OpenRouter,
//! Mistral, xAI, Cerebras, DeepInfra, vLLM, Ollama, LM Studio, a LiteLLM
//! proxy).

use serde_json::{Value, json};

use crate::http::{JsonRequest, Secret};
use crate::litellm::{WireOptions, WireReply, text_of, tokens};
use crate::prompt::Prompt;

/// The request, and the prompt part of its body for the record.
pub(crate) fn request(
    base: &str,
    key: Option<&Secret>,
    prompt: &Prompt,
    options: &WireOptions<'_>,
) -> (JsonRequest, Value) {
    let url = if base.ends_with("/chat/completions") {
        base.to_string()
    } else {
        format!("{base}/chat/completions")
    };
    let messages = json!([
        {"role": "system", "content": prompt.system},
        {"role": "user", "content": prompt.user},
    ]);
    let mut body = json!({
        "model": options.model,
        "messages": messages,
    });
    body[options.max_tokens_field] = json!(options.max_tokens);
    if let Some(t) = options.temperature {
        body["temperature"] = json!(t);
    }
    if let Some((field, seed)) = options.seed {
        body[field] = json!(seed);
    }
    if let Some(schema) = &options.schema {
        body["response_format"] = json!({
            "type": "json_schema",
            "json_schema": {"name": "move", "schema": schema, "strict": true},
        });
    }
    let mut request = JsonRequest::post(url, body);
    if let Some(key) = key {
        request = request.secret_header("authorization", "Bearer ", key);
    }
    (request, json!({ "messages": messages }))
}

/// Reads `choices[0].message` (content, or the refusal; `reasoning_content`
/// or `reasoning` where the server splits reasoning off), `finish_reason`,
/// `id` and `usage`.
pub(crate) fn parse(reply: &Value) -> Result<WireReply, String> {
    let Some(choice) = reply.pointer("/choices/0") else {
        if let Some(error) = reply.get("error") {
            return Err(format!("the server answered with an error: {error}"));
        }
        return Err("the reply has no choices[0]".to_string());
    };
    let message = choice
        .get("message")
        .filter(|m| m.is_object())
        .ok_or("the reply has no choices[0].message")?;
    let mut text = text_of(message.get("content"));
    if text.is_empty() {
        text = text_of(message.get("refusal"));
    }
    let reasoning = [message.get("reasoning_content"), message.get("reasoning")]
        .into_iter()
        .map(text_of)
        .find(|r| !r.is_empty());
    let usage = reply.get("usage");
    Ok(WireReply {
        text,
        reasoning,
        prompt_tokens: tokens(usage, "/prompt_tokens"),
        completion_tokens: tokens(usage, "/completion_tokens"),
        reasoning_tokens: tokens(usage, "/completion_tokens_details/reasoning_tokens"),
        finish_reason: choice
            .get("finish_reason")
            .and_then(Value::as_str)
            .map(str::to_string),
        id: reply.get("id").and_then(Value::as_str).map(str::to_string),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replies_are_read_with_or_without_usage() {
        let r = parse(&json!({
            "id": "c1",
            "choices": [{"message": {"content": "Move: 4", "reasoning_content": "centre"},
                         "finish_reason": "stop"}],
            "usage": {"prompt_tokens": 10, "completion_tokens": 5,
                      "completion_tokens_details": {"reasoning_tokens": 2}}
        }))
        .unwrap();
        assert_eq!(r.text, "Move: 4");
        assert_eq!(r.reasoning.as_deref(), Some("centre"));
        assert_eq!(
            (r.prompt_tokens, r.completion_tokens, r.reasoning_tokens),
            (Some(10), Some(5), Some(2))
        );
        let r =
            parse(&json!({"choices": [{"message": {"content": null, "refusal": "no"}}]})).unwrap();
        assert_eq!((r.text.as_str(), r.prompt_tokens), ("no", None));
        let r = parse(&json!({"choices": [{"message": {"content": [{"type": "text", "text": "a"}, {"type": "text", "text": "b"}]}}]})).unwrap();
        assert_eq!(r.text, "ab");
        assert!(
            parse(&json!({"choices": []}))
                .unwrap_err()
                .contains("choices[0]")
        );
        assert!(
            parse(&json!({"choices": [{"text": "x"}]}))
                .unwrap_err()
                .contains("message")
        );
        assert!(
            parse(&json!({"error": {"message": "overloaded"}}))
                .unwrap_err()
                .contains("overloaded")
        );
    }

    #[test]
    fn base_urls_are_joined_once() {
        let prompt = Prompt {
            system: "s".into(),
            user: "u".into(),
        };
        let options = WireOptions::test("m");
        let (r, _) = request("http://h/v1", None, &prompt, &options);
        assert_eq!(r.url(), "http://h/v1/chat/completions");
        let (r, _) = request("http://h/v1/chat/completions", None, &prompt, &options);
        assert_eq!(r.url(), "http://h/v1/chat/completions");
    }
}
