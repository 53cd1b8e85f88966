//! Reading a move out of a model's reply. The order is documented and fixed:
//!
//! 1. `<think>…</think>` blocks are split off as reasoning (an unclosed
//!    `<think>` swallows the rest of the reply: the model never answered).
//! 2. A JSON object with a `"move"` (or `"action"`) field, the whole reply
//!    or inside a fenced code block; its `"reasoning"` field is kept.
//! 3. The last marked line: `Move: X` (also `Final move:`, `Answer:`,
//!    `Action:`, markdown bold around the marker).
//! 4. A strict match: the whole reply, or its last non-empty line, is one of
//!    the legal action strings (ignoring case, surrounding quotes, backticks
//!    and a final full stop).
//!
//! Nothing is ever invented: a reply in which none of these finds a move is
//! an unparseable attempt, and a move found but not legal is an illegal
//! attempt. Either way the raw reply and the reason are kept.

use serde::{Deserialize, Serialize};

/// Where in the reply the move was found.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MoveSource {
    /// A JSON `move`/`action` field.
    Json,
    /// A marked `Move:` line.
    MarkedLine,
    /// The whole reply (or its last line) was a legal move.
    StrictMatch,
}

/// A reply split into reasoning and the move text it names, before the
/// move is checked against the game.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExtractedReply {
    /// The move text as the model wrote it (cleaned of markdown and quotes),
    /// or `None` when the reply names no move.
    pub move_text: Option<String>,
    /// Where the move text came from.
    pub source: Option<MoveSource>,
    /// Everything the model wrote as reasoning: think blocks, a JSON
    /// `reasoning` field, and the text before the move line.
    pub reasoning: String,
    /// The text of `<think>` blocks alone (reasoning models), for counting.
    pub thinking: String,
}

/// Splits `<think>…</think>` blocks off a reply. Returns (answer, thinking).
pub fn split_thinking(reply: &str) -> (String, String) {
    let mut answer = String::new();
    let mut thinking = String::new();
    let mut rest = reply;
    while let Some(start) = rest.find("<think>") {
        answer.push_str(&rest[..start]);
        let after = &rest[start + "<think>".len()..];
        match after.find("</think>") {
            Some(end) => {
                push_block(&mut thinking, &after[..end]);
                rest = &after[end + "</think>".len()..];
            }
            None => {
                push_block(&mut thinking, after);
                rest = "";
            }
        }
    }
    answer.push_str(rest);
    // Some servers strip the opening tag and leave only the closing one.
    if let Some(end) = answer.find("</think>") {
        let (before, after) = answer.split_at(end);
        push_block(&mut thinking, before);
        answer = after["</think>".len()..].to_string();
    }
    (answer.trim().to_string(), thinking)
}

fn push_block(out: &mut String, block: &str) {
    let block = block.trim();
    if block.is_empty() {
        return;
    }
    if !out.is_empty() {
        out.push('\n');
    }
    out.push_str(block);
}

/// Extracts the move text from a reply, following the documented order.
/// `legal` are the legal action strings when the game enumerates them; they
/// are used only for the final strict match.
pub fn extract_move(reply: &str, legal: &[String]) -> ExtractedReply {
    let (answer, thinking) = split_thinking(reply);
    let mut reasoning = thinking.clone();
    if let Some((mv, json_reasoning)) = json_move(&answer) {
        push_block(&mut reasoning, &json_reasoning);
        return ExtractedReply {
            move_text: Some(mv),
            source: Some(MoveSource::Json),
            reasoning,
            thinking,
        };
    }
    if let Some((line_idx, mv)) = marked_line(&answer) {
        let before: Vec<&str> = answer.lines().take(line_idx).collect();
        push_block(&mut reasoning, &before.join("\n"));
        return ExtractedReply {
            move_text: Some(mv),
            source: Some(MoveSource::MarkedLine),
            reasoning,
            thinking,
        };
    }
    if let Some(mv) = strict_match(&answer, legal) {
        let lines: Vec<&str> = answer.lines().filter(|l| !l.trim().is_empty()).collect();
        if lines.len() > 1 {
            push_block(&mut reasoning, &lines[..lines.len() - 1].join("\n"));
        }
        return ExtractedReply {
            move_text: Some(mv),
            source: Some(MoveSource::StrictMatch),
            reasoning,
            thinking,
        };
    }
    push_block(&mut reasoning, &answer);
    ExtractedReply {
        move_text: None,
        source: None,
        reasoning,
        thinking,
    }
}

/// A `{"move": ...}` object: the whole answer, or a fenced code block.
fn json_move(answer: &str) -> Option<(String, String)> {
    let mut candidates = vec![answer.trim().to_string()];
    let mut rest = answer;
    while let Some(start) = rest.find("```") {
        let after = &rest[start + 3..];
        let body_start = after.find('\n').map_or(0, |i| i + 1);
        let Some(end) = after[body_start..].find("```") else {
            break;
        };
        candidates.push(after[body_start..body_start + end].trim().to_string());
        rest = &after[body_start + end + 3..];
    }
    for text in candidates {
        if !text.starts_with('{') {
            continue;
        }
        let Ok(serde_json::Value::Object(obj)) = serde_json::from_str::<serde_json::Value>(&text)
        else {
            continue;
        };
        let mv = obj.get("move").or_else(|| obj.get("action"));
        let mv = match mv {
            Some(serde_json::Value::String(s)) => s.trim().to_string(),
            Some(serde_json::Value::Number(n)) => n.to_string(),
            _ => continue,
        };
        let reasoning = match obj.get("reasoning") {
            Some(serde_json::Value::String(s)) => s.clone(),
            _ => String::new(),
        };
        return Some((mv, reasoning));
    }
    None
}

const MARKERS: &[&str] = &["final move", "final answer", "move", "answer", "action"];

/// The last line of the form `Move: X`; returns its index and X cleaned.
fn marked_line(answer: &str) -> Option<(usize, String)> {
    let lines: Vec<&str> = answer.lines().collect();
    for (i, line) in lines.iter().enumerate().rev() {
        let plain = line
            .trim()
            .trim_start_matches(['#', '>', '-', '*', ' '])
            .replace("**", "");
        let lower = plain.to_ascii_lowercase();
        for marker in MARKERS {
            if let Some(rest) = lower.strip_prefix(marker) {
                let rest = rest.trim_start();
                if let Some(value) = rest.strip_prefix(':').or_else(|| rest.strip_prefix('=')) {
                    // Take the value from the original-case text.
                    let offset = plain.len() - value.len();
                    let cleaned = clean(&plain[offset..]);
                    if !cleaned.is_empty() {
                        return Some((i, cleaned));
                    }
                }
            }
        }
    }
    None
}

/// The whole answer, or its last non-empty line, as a legal action.
fn strict_match(answer: &str, legal: &[String]) -> Option<String> {
    let whole = clean(answer);
    let last = answer
        .lines()
        .rev()
        .find(|l| !l.trim().is_empty())
        .map(clean)
        .unwrap_or_default();
    [whole, last]
        .into_iter()
        .find(|candidate| legal.iter().any(|l| l.eq_ignore_ascii_case(candidate)))
}

/// Strips markdown emphasis, code ticks, quotes and a final full stop.
fn clean(text: &str) -> String {
    let mut s = text.trim();
    loop {
        let before = s;
        s = s.trim_matches(|c: char| c == '*' || c == '`' || c == '"' || c == '\'' || c == '_');
        s = s.strip_suffix('.').unwrap_or(s);
        s = s.trim();
        if s == before {
            break;
        }
    }
    s.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn legal(xs: &[&str]) -> Vec<String> {
        xs.iter().map(|s| s.to_string()).collect()
    }

    /// Checks that `reply` yields `expected` (move text, source).
    fn check(reply: &str, expected: Option<(&str, MoveSource)>) {
        let got = extract_move(
            reply,
            &legal(&["1", "2", "3", "4", "5", "6", "7", "fold", "call"]),
        );
        let got = got.move_text.as_deref().zip(got.source);
        assert_eq!(got, expected, "reply: {reply:?}");
    }

    #[test]
    fn parser_table() {
        use MoveSource::*;
        check("Move: 4", Some(("4", MarkedLine)));
        check(
            "I think the centre is strong.\nMove: 4",
            Some(("4", MarkedLine)),
        );
        check("**Move:** `4`", Some(("4", MarkedLine)));
        check("## Final move: fold.", Some(("fold", MarkedLine)));
        check(
            "Columns 3 and 5 are weak; 6 is fine.\nMove: 4\n",
            Some(("4", MarkedLine)),
        );
        check(
            "Move: 3\nOn reflection...\nMove: 5",
            Some(("5", MarkedLine)),
        );
        check(r#"{"reasoning": "centre", "move": "4"}"#, Some(("4", Json)));
        check(r#"{"move": 4}"#, Some(("4", Json)));
        check("```json\n{\"move\": \"call\"}\n```", Some(("call", Json)));
        check("4", Some(("4", StrictMatch)));
        check("  \"fold\". ", Some(("fold", StrictMatch)));
        check("Let me think.\nCALL", Some(("CALL", StrictMatch)));
        check(
            "<think>maybe 3, maybe 5</think>\nMove: 2",
            Some(("2", MarkedLine)),
        );
        // A move named only inside the reasoning is not a move.
        check("<think>Move: 3</think>", None);
        check("<think>unfinished thoughts, 4 looks good", None);
        // Several numbers and no marker: nothing is invented.
        check("Columns 3 or 5 could work, or 4.", None);
        check("I would play 4", None);
        check("", None);
        check(&"7 ".repeat(100_000), None);
        // A marked line naming an illegal move is still extracted (and later rejected).
        check("Move: 8", Some(("8", MarkedLine)));
    }

    #[test]
    fn reasoning_is_kept() {
        let r = extract_move(
            "<think>deep</think>Centre is best.\nMove: 4",
            &legal(&["4"]),
        );
        assert_eq!(r.thinking, "deep");
        assert_eq!(r.reasoning, "deep\nCentre is best.");
        let r = extract_move(r#"{"reasoning": "block", "move": "4"}"#, &legal(&["4"]));
        assert_eq!(r.reasoning, "block");
        let r = extract_move("no idea", &legal(&["4"]));
        assert_eq!(r.reasoning, "no idea");
    }

    #[test]
    fn closing_tag_without_opening_tag() {
        let (answer, thinking) = split_thinking("hmm\n</think>\nMove: 1");
        assert_eq!(answer, "Move: 1");
        assert_eq!(thinking, "hmm");
    }

    proptest::proptest! {
        #[test]
        fn no_reply_panics(reply in "\\PC{0,300}", tail in "(Move|move|\\*\\*Move\\*\\*|<think>|</think>|```|\\{\"move\": )?.{0,20}") {
            let text = format!("{reply}\n{tail}");
            let r = extract_move(&text, &legal(&["1", "fold", "raise 4"]));
            // Whatever is found came from the reply, never from elsewhere.
            if let Some(mv) = r.move_text {
                proptest::prop_assert!(text.to_lowercase().contains(&mv.to_lowercase()) || mv.parse::<f64>().is_ok());
            }
        }
    }
}
