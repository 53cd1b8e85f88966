//! The Anthropic Messages API (`POST {base}/v1/messages`): the system
//! prompt at the top level, `x-api-key` and `anthropic-version` headers,
//! replies as content blocks (`text`, `thinking`).

use serde_json::{Value, json};

use crate::http::{JsonRequest, Secret};
use crate::litellm::{WireOptions, WireReply, tokens};
use crate::prompt::Prompt;

/// The API version this adapter speaks.
const ANTHROPIC_VERSION: &str = "2023-06-01";

/// The request, and the prompt part of its body for the record. The
/// Messages API takes no seed.
pub(crate) fn request(
    base: &str,
    key: Option<&Secret>,
    prompt: &Prompt,
    options: &WireOptions<'_>,
) -> (JsonRequest, Value) {
    let url = if base.ends_with("/v1/messages") {
        base.to_string()
    } else if base.ends_with("/v1") {
        format!("{base}/messages")
    } else {
        format!("{base}/v1/messages")
    };
    let messages = json!([{"role": "user", "content": prompt.user}]);
    let mut body = json!({
        "model": options.model,
        "system": prompt.system,
        "messages": messages,
        "max_tokens": options.max_tokens,
    });
    if let Some(t) = options.temperature {
        body["temperature"] = json!(t);
    }
    let mut request = JsonRequest::post(url, body).header("anthropic-version", ANTHROPIC_VERSION);
    if let Some(key) = key {
        request = request.secret_header("x-api-key", "", key);
    }
    (
        request,
        json!({"system": prompt.system, "messages": messages}),
    )
}

/// Reads the `text` blocks as the reply and `thinking` blocks as reasoning,
/// `stop_reason`, `id` and `usage`.
pub(crate) fn parse(reply: &Value) -> Result<WireReply, String> {
    if reply.get("type").and_then(Value::as_str) == Some("error") {
        return Err(format!(
            "the server answered with an error: {}",
            reply.get("error").unwrap_or(&Value::Null)
        ));
    }
    let blocks = reply
        .get("content")
        .and_then(Value::as_array)
        .ok_or("the reply has no content blocks")?;
    let mut text = String::new();
    let mut thinking = String::new();
    for block in blocks {
        match block.get("type").and_then(Value::as_str) {
            Some("text") => text.push_str(block.get("text").and_then(Value::as_str).unwrap_or("")),
            Some("thinking") => {
                thinking.push_str(block.get("thinking").and_then(Value::as_str).unwrap_or(""))
            }
            _ => {}
        }
    }
    let usage = reply.get("usage");
    Ok(WireReply {
        text,
        reasoning: (!thinking.is_empty()).then_some(thinking),
        prompt_tokens: tokens(usage, "/input_tokens"),
        completion_tokens: tokens(usage, "/output_tokens"),
        reasoning_tokens: None,
        finish_reason: reply
            .get("stop_reason")
            .and_then(Value::as_str)
            .map(str::to_string),
        id: reply.get("id").and_then(Value::as_str).map(str::to_string),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_are_split_into_text_and_thinking() {
        let r = parse(&json!({
            "id": "msg_1", "type": "message", "stop_reason": "end_turn",
            "content": [{"type": "thinking", "thinking": "hmm", "signature": "x"},
                        {"type": "text", "text": "Move: 3"}],
            "usage": {"input_tokens": 20, "output_tokens": 7}
        }))
        .unwrap();
        assert_eq!(
            (r.text.as_str(), r.reasoning.as_deref()),
            ("Move: 3", Some("hmm"))
        );
        assert_eq!((r.prompt_tokens, r.completion_tokens), (Some(20), Some(7)));
        assert_eq!(r.finish_reason.as_deref(), Some("end_turn"));
        assert!(
            parse(&json!({"type": "error", "error": {"message": "overloaded"}}))
                .unwrap_err()
                .contains("overloaded")
        );
        assert!(parse(&json!({"id": "x"})).unwrap_err().contains("content"));
    }

    #[test]
    fn base_urls_are_joined_once() {
        let prompt = Prompt {
            system: "s".into(),
            user: "u".into(),
        };
        let options = WireOptions::test("m");
        for base in ["http://h", "http://h/v1", "http://h/v1/messages"] {
            let (r, _) = request(base, None, &prompt, &options);
            assert_eq!(r.url(), "http://h/v1/messages");
        }
    }
}
