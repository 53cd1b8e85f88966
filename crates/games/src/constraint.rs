//! Move constraints for constrained LLM decoding: for each decision, the list
//! of legal action strings (when enumerable) and three equivalent machine
//! forms — a GBNF grammar (llama.cpp), a JSON schema (structured outputs) and
//! an anchored regex — that accept exactly the legal moves.

use serde::{Deserialize, Serialize};

/// What a decoder may produce for one decision.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MoveConstraint {
    /// The legal action strings, when the action space is enumerable.
    /// `None` for free-text actions.
    pub choices: Option<Vec<String>>,
    /// A GBNF grammar whose `root` rule accepts exactly the legal moves.
    pub gbnf: String,
    /// A JSON schema (of a JSON string) accepting exactly the legal moves.
    pub json_schema: serde_json::Value,
    /// An anchored regex (`^...$`, Rust/PCRE syntax) accepting exactly the legal moves.
    pub regex: String,
}

/// The shape of a free-text action: a first character from `first`, then up
/// to `max_chars - 1` characters from `rest`. Both are character-class bodies
/// written the same way in GBNF and regex (`a-zA-Z0-9 ,.'`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FreeText {
    /// Class body for the first character.
    pub first: &'static str,
    /// Class body for the remaining characters.
    pub rest: &'static str,
    /// The longest accepted text, in characters.
    pub max_chars: usize,
}

impl MoveConstraint {
    /// A constraint accepting exactly the given strings.
    pub fn choices(choices: Vec<String>) -> Self {
        let gbnf = if choices.is_empty() {
            // Nothing is legal (a terminal state): a grammar that can never
            // complete. An empty character class matches no character.
            "root ::= [^\\x00-\\U0010FFFF]\n".to_string()
        } else {
            let alts: Vec<String> = choices.iter().map(|c| gbnf_literal(c)).collect();
            format!("root ::= {}\n", alts.join(" | "))
        };
        let regex = if choices.is_empty() {
            "^[^\\s\\S]$".to_string()
        } else {
            let alts: Vec<String> = choices.iter().map(|c| regex_escape(c)).collect();
            format!("^(?:{})$", alts.join("|"))
        };
        let json_schema = serde_json::json!({ "type": "string", "enum": choices });
        MoveConstraint {
            choices: Some(choices),
            gbnf,
            json_schema,
            regex,
        }
    }

    /// A constraint for free text of bounded length and characters.
    pub fn free_text(shape: FreeText) -> Self {
        let rest_max = shape.max_chars.saturating_sub(1);
        let gbnf = format!(
            "root ::= [{}] [{}]{{0,{rest_max}}}\n",
            shape.first, shape.rest
        );
        let regex = format!("^[{}][{}]{{0,{rest_max}}}$", shape.first, shape.rest);
        let json_schema = serde_json::json!({
            "type": "string",
            "minLength": 1,
            "maxLength": shape.max_chars,
            "pattern": regex,
        });
        MoveConstraint {
            choices: None,
            gbnf,
            json_schema,
            regex,
        }
    }
}

/// Quotes `s` as a GBNF string literal.
pub fn gbnf_literal(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\x{:02X}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Escapes `s` so a regex matches it literally.
pub fn regex_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        // Only the characters that are special outside a class in every
        // common dialect (Rust, PCRE, ECMAScript with the `u` flag).
        if "\\.+*?()|[]{}^$".contains(c) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}
