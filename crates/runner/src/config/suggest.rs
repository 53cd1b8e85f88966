//! "Did you mean" suggestions: the known word closest to a misspelt one by
//! edit distance, and hints for keys of the Python arena that this runner
//! spells differently.

/// The candidate closest to `word`, if it is close enough to be a likely
/// typo: within a third of the word's length in edits (at least one), or
/// one being a prefix of the other.
pub(crate) fn suggest<'a, I>(word: &str, candidates: I) -> Option<String>
where
    I: IntoIterator<Item = &'a str>,
{
    let word_lower = word.to_ascii_lowercase();
    let limit = (word.chars().count() / 3).max(1);
    let mut best: Option<(usize, &str)> = None;
    for candidate in candidates {
        if candidate == word {
            continue;
        }
        let distance = edit_distance(&word_lower, &candidate.to_ascii_lowercase());
        let prefix = word_lower.len() >= 3
            && (candidate.starts_with(&word_lower) || word_lower.starts_with(candidate));
        let close = distance <= limit || prefix;
        if close && best.is_none_or(|(d, _)| distance < d) {
            best = Some((distance, candidate));
        }
    }
    best.map(|(_, c)| c.to_string())
}

/// Levenshtein distance over characters, with adjacent transpositions
/// counted as one edit (optimal string alignment), so `sede` → `seed` is 1.
pub(crate) fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let width = b.len() + 1;
    let mut d = vec![0usize; (a.len() + 1) * width];
    for i in 0..=a.len() {
        d[i * width] = i;
    }
    for (j, cell) in d.iter_mut().enumerate().take(width) {
        *cell = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut best = (d[(i - 1) * width + j] + 1)
                .min(d[i * width + j - 1] + 1)
                .min(d[(i - 1) * width + j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                best = best.min(d[(i - 2) * width + j - 2] + 1);
            }
            d[i * width + j] = best;
        }
    }
    d[a.len() * width + b.len()]
}

/// `player_<n>` for a seat key written another way (`player1`, `Player_01`,
/// `seat_1`), when it holds a number.
pub(crate) fn seat_suggestion(key: &str) -> Option<String> {
    let digits: String = key.chars().filter(char::is_ascii_digit).collect();
    let seat: u32 = digits.parse().ok()?;
    Some(format!("player_{seat}"))
}

/// Help for a top-level key this runner does not have but another arena
/// (or a habit) might suggest.
pub(crate) fn foreign_key_hint(key: &str) -> Option<&'static str> {
    let key_lower = key.to_ascii_lowercase();
    if key_lower.contains("api_key") || key_lower.ends_with("_key") || key_lower == "key" {
        return Some(
            "API keys are never read from configs; set the provider's environment \
             variable instead (GROQ_API_KEY, OPENAI_API_KEY, …)",
        );
    }
    match key_lower.as_str() {
        "use_ray" | "ray" | "parallel" | "workers" | "num_workers" => {
            Some("this runner runs episodes concurrently by itself; set `concurrency` instead")
        }
        "log_level" | "verbose" | "verbosity" => Some(
            "this runner has no log level setting; every move is recorded in the \
             database set by `log.db`",
        ),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn edit_distance_table() {
        for (a, b, d) in [
            ("", "", 0),
            ("seed", "seed", 0),
            ("sede", "seed", 1),
            ("num_episode", "num_episodes", 1),
            ("modle", "model", 1),
            ("kitten", "sitting", 3),
            ("", "abc", 3),
        ] {
            assert_eq!(edit_distance(a, b), d, "{a} → {b}");
        }
    }

    #[test]
    fn suggestions_are_close_words_only() {
        let keys = ["num_episodes", "seed", "mode", "agents", "concurrency"];
        assert_eq!(
            suggest("num_episode", keys).as_deref(),
            Some("num_episodes")
        );
        assert_eq!(suggest("sed", keys).as_deref(), Some("seed"));
        assert_eq!(suggest("concurency", keys).as_deref(), Some("concurrency"));
        assert_eq!(suggest("Seed", keys).as_deref(), Some("seed"));
        assert_eq!(suggest("temperature", keys), None);
        assert_eq!(suggest("x", keys), None);
    }

    #[test]
    fn seat_keys_written_otherwise() {
        assert_eq!(seat_suggestion("player1").as_deref(), Some("player_1"));
        assert_eq!(seat_suggestion("player_01").as_deref(), Some("player_1"));
        assert_eq!(seat_suggestion("seat_2").as_deref(), Some("player_2"));
        assert_eq!(seat_suggestion("opponent"), None);
    }

    #[test]
    fn python_arena_keys_get_a_hint() {
        assert!(foreign_key_hint("use_ray").unwrap().contains("concurrency"));
        assert!(
            foreign_key_hint("groq_api_key")
                .unwrap()
                .contains("environment")
        );
        assert_eq!(foreign_key_hint("seed"), None);
    }
}
