//! The deterministic prompt matcher of Reverse Hangman: normalizes a guess
//! and the secret prompt, compares their content words and grades the guess.
//!
//! The steps, in order:
//! 1. **Words.** Lower-case; apostrophes are dropped inside words (`don't` →
//!    `dont`); every other character that is not a letter or digit separates
//!    words, so punctuation disappears and whitespace collapses.
//! 2. **Exact text.** If the two word sequences are equal, the guess is an
//!    exact match at 100 %, whatever the words are.
//! 3. **Content words.** Words in [`STOP_WORDS`] and their inflections
//!    (words with the same stem) are dropped: function words (`a`, `the`,
//!    `about`, …) and request verbs (`write`, `explain`, …), which say how to
//!    ask rather than what was asked for.
//! 4. **Stems.** Each content word is reduced by [`stem`]: `-ies` → `-y`,
//!    then `-ing`, `-ed`, `-es`/`-s` are cut (a doubled final consonant left by
//!    `-ing`/`-ed` is undoubled), then a final `-e` is cut, so `baking`,
//!    `baked`, `bakes` and `bake` all become `bak`. A suffix is only cut when
//!    at least three letters remain. Words ending in `-ss`, `-us` and `-is`
//!    keep their `s` (`glass`, `virus`, `analysis`), at the price of plurals
//!    such as `haikus` or `menus` not joining their singular. Duplicate stems
//!    count once.
//! 5. **Score.** The Dice coefficient (the F1 score) of the two stem sets, in
//!    integer percent rounded down: `200 × common / (guess + prompt)`.
//! 6. **Grade.** [`MatchKind::Exact`] at [`EXACT_PERCENT`] (90) or more,
//!    [`MatchKind::Near`] at [`NEAR_PERCENT`] (70), [`MatchKind::Partial`] at
//!    [`PARTIAL_PERCENT`] (30), otherwise [`MatchKind::Incorrect`]. A guess
//!    without content words scores 0.
//!
//! The matched words are the guess's own content words (as normalized in
//! step 1) whose stems occur in the prompt, in guess order, each once.

use std::collections::BTreeSet;
use std::sync::OnceLock;

use serde::Serialize;

/// At or above this percentage a guess is an exact match and solves the puzzle.
pub const EXACT_PERCENT: u8 = 90;
/// At or above this percentage (and below [`EXACT_PERCENT`]) a guess is near.
pub const NEAR_PERCENT: u8 = 70;
/// At or above this percentage (and below [`NEAR_PERCENT`]) a guess is partial.
pub const PARTIAL_PERCENT: u8 = 30;

/// Words that carry no content for matching: function words and the request
/// verbs with which most prompts start.
pub const STOP_WORDS: &[&str] = &[
    // Function words.
    "a", "an", "the", "and", "or", "but", "of", "to", "in", "on", "at", "for", "from", "by", "with",
    "about", "into", "as", "is", "are", "was", "were", "be", "been", "it", "its", "this", "that",
    "these", "those", "i", "me", "my", "you", "your", "we", "our", "us", "please", "can", "could",
    "would", "should", "will", "some", "any", "so", "do", "does", "than", "then",
    // Request verbs: "describe X" and "explain X" ask for the same X.
    "write", "create", "compose", "give", "generate", "tell", "describe", "explain", "make",
    "produce", "draft", "provide",
];

/// How close a guess came to the secret prompt.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum MatchKind {
    /// Solved: the normalized texts are equal or the score is at least [`EXACT_PERCENT`].
    Exact,
    /// Close: at least [`NEAR_PERCENT`].
    Near,
    /// Some overlap: at least [`PARTIAL_PERCENT`].
    Partial,
    /// Little or nothing in common.
    Incorrect,
}

impl MatchKind {
    /// The grade for a score in percent.
    pub fn from_percent(percent: u8) -> MatchKind {
        if percent >= EXACT_PERCENT {
            MatchKind::Exact
        } else if percent >= NEAR_PERCENT {
            MatchKind::Near
        } else if percent >= PARTIAL_PERCENT {
            MatchKind::Partial
        } else {
            MatchKind::Incorrect
        }
    }

    /// The lower-case word for this grade.
    pub fn as_str(self) -> &'static str {
        match self {
            MatchKind::Exact => "exact",
            MatchKind::Near => "near",
            MatchKind::Partial => "partial",
            MatchKind::Incorrect => "incorrect",
        }
    }
}

/// The feedback on one guess.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
pub struct Feedback {
    /// The match score, 0-100.
    pub percent: u8,
    /// The grade of the score.
    pub kind: MatchKind,
    /// The guess's content words that occur (after stemming) in the prompt.
    pub matched_words: Vec<String>,
}

/// Splits `text` into lower-case words without punctuation (step 1).
pub fn words(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut word = String::new();
    for c in text.chars() {
        if c.is_alphanumeric() {
            word.extend(c.to_lowercase());
        } else if c == '\'' || c == '\u{2019}' {
            // An apostrophe joins its neighbours: "don't" and "dont" match.
        } else if !word.is_empty() {
            out.push(std::mem::take(&mut word));
        }
    }
    if !word.is_empty() {
        out.push(word);
    }
    out
}

/// Reduces a lower-case word to its stem (step 4).
pub fn stem(word: &str) -> String {
    // Suffixes are cut only when three letters remain, so short words such
    // as "bed", "sing" or "news" keep their shape.
    let keeps = |w: &str, suffix: &str| w.len() >= suffix.len() + 3 && w.ends_with(suffix);
    let mut w = word.to_string();
    let mut undouble = false;
    if keeps(&w, "ies") {
        w.truncate(w.len() - 3);
        w.push('y');
    } else if keeps(&w, "ing") {
        w.truncate(w.len() - 3);
        undouble = true;
    } else if keeps(&w, "ed") {
        w.truncate(w.len() - 2);
        undouble = true;
    } else if keeps(&w, "es")
        && ["s", "x", "z", "ch", "sh", "o"]
            .iter()
            .any(|e| w[..w.len() - 2].ends_with(e))
    {
        w.truncate(w.len() - 2);
    } else if keeps(&w, "s") && !["ss", "us", "is"].iter().any(|e| w.ends_with(e)) {
        w.truncate(w.len() - 1);
    }
    if undouble {
        let b = w.as_bytes();
        let n = b.len();
        if n >= 4
            && b[n - 1] == b[n - 2]
            && b[n - 1].is_ascii_alphabetic()
            && !b"aeioulsz".contains(&b[n - 1])
        {
            w.truncate(n - 1);
        }
    }
    if w.len() > 3 && w.ends_with('e') {
        w.truncate(w.len() - 1);
    }
    w
}

/// The content words of `text` paired with their stems, each stem once, in
/// text order (steps 1, 3 and 4).
pub fn content_words(text: &str) -> Vec<(String, String)> {
    let mut seen = BTreeSet::new();
    let mut out = Vec::new();
    static STOP_STEMS: OnceLock<BTreeSet<String>> = OnceLock::new();
    let stop_stems = STOP_STEMS.get_or_init(|| STOP_WORDS.iter().map(|w| stem(w)).collect());
    for w in words(text) {
        let s = stem(&w);
        if STOP_WORDS.contains(&w.as_str()) || stop_stems.contains(&s) {
            continue;
        }
        if seen.insert(s.clone()) {
            out.push((w, s));
        }
    }
    out
}

/// Grades `guess` against the secret `prompt`.
pub fn match_guess(guess: &str, prompt: &str) -> Feedback {
    let guess_words = content_words(guess);
    let prompt_stems: BTreeSet<String> =
        content_words(prompt).into_iter().map(|(_, s)| s).collect();
    let matched_words: Vec<String> = guess_words
        .iter()
        .filter(|(_, s)| prompt_stems.contains(s))
        .map(|(w, _)| w.clone())
        .collect();
    let percent = if words(guess) == words(prompt) && !words(guess).is_empty() {
        100
    } else if guess_words.is_empty() || prompt_stems.is_empty() {
        0
    } else {
        let total = guess_words.len() + prompt_stems.len();
        // At most 100 since common ≤ min(guess, prompt) ≤ total / 2.
        (200 * matched_words.len() / total) as u8
    };
    Feedback {
        percent,
        kind: MatchKind::from_percent(percent),
        matched_words,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stems_join_inflections() {
        for (a, b) in [
            ("baking", "bake"),
            ("baked", "bakes"),
            ("stories", "story"),
            ("running", "run"),
            ("stopped", "stop"),
            ("boxes", "box"),
            ("recipes", "recipe"),
            ("poems", "poem"),
            ("tomatoes", "tomato"),
        ] {
            assert_eq!(stem(a), stem(b), "{a} vs {b}");
        }
        assert_eq!(stem("glass"), "glass");
        assert_eq!(stem("virus"), "virus");
        assert_eq!(stem("bed"), "bed");
        assert_eq!(stem("sing"), "sing");
        assert_eq!(stem("falling"), "fall");
    }

    #[test]
    fn inflected_stop_words_are_dropped() {
        let content: Vec<String> = content_words("Writing described poems, explained")
            .into_iter()
            .map(|(w, _)| w)
            .collect();
        assert_eq!(content, vec!["poems"]);
    }

    #[test]
    fn words_strip_punctuation_and_case() {
        assert_eq!(
            words("  Write a HAIKU -- about   the sea's waves!"),
            vec!["write", "a", "haiku", "about", "the", "seas", "waves"]
        );
    }

    #[test]
    fn grades_follow_the_thresholds() {
        assert_eq!(MatchKind::from_percent(100), MatchKind::Exact);
        assert_eq!(MatchKind::from_percent(90), MatchKind::Exact);
        assert_eq!(MatchKind::from_percent(89), MatchKind::Near);
        assert_eq!(MatchKind::from_percent(70), MatchKind::Near);
        assert_eq!(MatchKind::from_percent(69), MatchKind::Partial);
        assert_eq!(MatchKind::from_percent(30), MatchKind::Partial);
        assert_eq!(MatchKind::from_percent(29), MatchKind::Incorrect);
        assert_eq!(MatchKind::from_percent(0), MatchKind::Incorrect);
    }
}
