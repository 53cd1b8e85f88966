//! `baseline_reverse_hangman`: guesses the prompt behind an output from the
//! output's salient words and its shape, and learns from the feedback.
//!
//! # Candidates
//! Every candidate is a content word in the matcher's sense (function words
//! and request verbs score nothing, so they are never guessed), ranked by a
//! score that adds up its evidence:
//! - **Form words** inferred from the output's shape: short lines make a
//!   poem (three lines a haiku, five a limerick, fourteen a sonnet), a
//!   question and its punch line a joke, numbered or bulleted lines a list
//!   (with its count as a number word), code a function (and its language),
//!   a greeting an email or letter, `Day 1` lines an itinerary, a first
//!   sentence of the form "X is …" a *what* question about X, and so on.
//! - **Category words**: the nouns prompts of the puzzle's category usually
//!   ask for (`recipe` for cooking, `joke` for humor, …), and the category.
//! - **Salient output words**: frequent words, words of the first sentence
//!   and capitalized names weigh more; common words with little content
//!   (`also`, `very`, `they`, …) weigh less.
//! - **Common prompt words** (`short`, `simple`, `tips`, …) at a low score,
//!   so that later probes try them.
//!
//! # Using the feedback
//! Each attempt's feedback names the guess's words that occur in the
//! prompt. Matched stems are kept in every later exploiting guess and
//! unmatched ones are never tried again. The score itself bounds the number
//! `p` of content stems in the prompt: `percent = ⌊200 c / (g + p)⌋` for a
//! guess of `g` stems with `c` matches, so `p` lies in a small interval that
//! tightens with every attempt.
//!
//! # Policy
//! 1. When the matched stems alone are sure to score 90 % against the
//!    largest `p` still possible, guess exactly them: the puzzle is solved.
//! 2. On the first attempt, guess the best candidates, as many as the
//!    prompt is estimated to have content words (an easy prompt is often
//!    solved right away).
//! 3. When the matched stems would score 90 % against the estimated `p`,
//!    try them alone.
//! 4. On the last attempt, guess the matched stems (the most precise guess).
//! 5. Otherwise probe: as many untried candidates as fit in a guess.
//!
//! The baseline reads only the seat's own observation (never the secret
//! prompt) and uses no randomness: the same observation gives the same guess.

use std::collections::{BTreeMap, BTreeSet};

use arena_games::Engine;
use arena_games::Seat;
use arena_games::games::reverse_hangman::matcher::EXACT_PERCENT;
use arena_games::games::reverse_hangman::matcher::{content_words, stem};
use arena_games::games::reverse_hangman::{
    AttemptView, CurrentPuzzle, MAX_GUESS_CHARS, PuzzleStatus, ReverseHangman,
};

/// Content stems per prompt word, for estimating the prompt's content size
/// before any feedback (English prompts are about half function words).
const CONTENT_RATIO: f64 = 0.5;

/// The guess for `seat`, or `None` when it is not that seat's turn to guess.
pub(super) fn choose(state: &ReverseHangman, seat: Seat) -> Option<String> {
    let current = state.observe(seat).current?;
    (current.status == PuzzleStatus::YourTurn).then(|| guess(&current))
}

/// The next guess for a puzzle in progress.
pub(super) fn guess(puzzle: &CurrentPuzzle) -> String {
    let known = Knowledge::from_attempts(&puzzle.attempts, puzzle.prompt_words);
    let untried: Vec<Candidate> = candidates(puzzle)
        .into_iter()
        .filter(|c| !known.tried.contains(&c.stem))
        .collect();
    let hits: Vec<&str> = known.hits.iter().map(|(w, _)| w.as_str()).collect();
    let n_hits = hits.len();
    let solves = |guessed: usize, found: usize, p: usize| {
        found > 0 && 200 * found / (guessed + p) >= usize::from(EXACT_PERCENT)
    };
    let estimate = known.estimate();
    let missing = estimate.saturating_sub(n_hits);
    // The most untried words a guess may add and still solve, if the
    // missing stems are among them.
    let room = (1..=missing.max(1) * 3)
        .take_while(|&k| solves(n_hits + k, n_hits + k.min(missing), estimate))
        .last()
        .unwrap_or(0);
    let untried_words = untried.iter().map(|c| c.word.as_str());
    let left = puzzle.attempts_left;
    let words: Vec<&str> = if solves(n_hits, n_hits, known.p_max) {
        // Certain: the matched words alone score 90 % whatever the prompt.
        hits
    } else if puzzle.attempts.is_empty() {
        untried_words.take(estimate).collect()
    } else if n_hits > 0 && (missing == 0 || untried.is_empty()) {
        hits
    } else if room >= 3 || (room > 0 && left <= 2) {
        // Few stems missing: try a handful while still able to solve.
        hits.into_iter().chain(untried_words.take(room)).collect()
    } else if left <= 1 && n_hits > 0 {
        hits
    } else {
        // Many missing: probe as many new words as fit; this guess cannot
        // solve, but the next ones know far more.
        untried_words.collect()
    };
    let text = fit(&words);
    if text.is_empty() {
        // Nothing left to try: the category is a content word at worst.
        return fit(&[puzzle.category.as_str(), "what"]);
    }
    text
}

/// Words joined by spaces, as many as fit in one guess.
fn fit(words: &[&str]) -> String {
    let mut out = String::new();
    for w in words {
        if out.len() + usize::from(!out.is_empty()) + w.len() > MAX_GUESS_CHARS {
            break;
        }
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(w);
    }
    out
}

/// What the feedback so far says about the prompt.
#[derive(Clone, Debug)]
struct Knowledge {
    /// Matched words with their stems, in the order first matched.
    hits: Vec<(String, String)>,
    /// Every stem guessed so far.
    tried: BTreeSet<String>,
    /// The fewest and most content stems the prompt can have.
    p_min: usize,
    p_max: usize,
    /// The prompt's length in words.
    prompt_words: usize,
}

impl Knowledge {
    fn from_attempts(attempts: &[AttemptView], prompt_words: usize) -> Knowledge {
        let mut hits: Vec<(String, String)> = Vec::new();
        let mut tried = BTreeSet::new();
        // Hyphens split words ("stand-up"), so a prompt can have a few more
        // stems than whitespace-separated words.
        let (mut p_min, mut p_max) = (1, prompt_words + prompt_words / 3 + 1);
        for a in attempts {
            let stems: Vec<String> = content_words(&a.guess)
                .into_iter()
                .map(|(_, s)| s)
                .collect();
            tried.extend(stems.iter().cloned());
            for w in &a.feedback.matched_words {
                let s = stem(w);
                if !hits.iter().any(|(_, h)| *h == s) {
                    hits.push((w.clone(), s));
                }
            }
            let (g, c, pct) = (
                stems.len(),
                a.feedback.matched_words.len(),
                a.feedback.percent,
            );
            if c > 0 && (1..100).contains(&pct) {
                // pct ≤ 200c / (g + p) < pct + 1.
                let hi = (200 * c / usize::from(pct)).saturating_sub(g);
                let lo = (200 * c / (usize::from(pct) + 1) + 1).saturating_sub(g);
                p_min = p_min.max(lo);
                p_max = p_max.min(hi);
            }
        }
        p_min = p_min.max(hits.len());
        p_max = p_max.max(p_min);
        Knowledge {
            hits,
            tried,
            p_min,
            p_max,
            prompt_words,
        }
    }

    /// The best guess of the prompt's number of content stems.
    fn estimate(&self) -> usize {
        let prior = (self.prompt_words as f64 * CONTENT_RATIO).round() as usize;
        prior.clamp(self.p_min, self.p_max).max(1)
    }
}

/// A word to guess and the evidence for it.
#[derive(Clone, Debug)]
struct Candidate {
    word: String,
    stem: String,
    score: f64,
}

/// Every candidate for the puzzle, best first, one per stem.
fn candidates(puzzle: &CurrentPuzzle) -> Vec<Candidate> {
    let mut scores: BTreeMap<String, (String, f64)> = BTreeMap::new();
    let mut add = |word: &str, score: f64| {
        // Only content words score; a request verb or function word would
        // just lengthen the guess.
        let Some((w, s)) = content_words(word).into_iter().next() else {
            return;
        };
        if !w.is_ascii() {
            return;
        }
        let entry = scores.entry(s).or_insert_with(|| (w, 0.0));
        entry.1 += score;
    };
    for (w, score) in form_words(&puzzle.output, &puzzle.category) {
        add(&w, score);
    }
    for (w, score) in salient_words(&puzzle.output) {
        add(&w, score);
    }
    for &w in COMMON_PROMPT_WORDS {
        add(w, 0.3);
    }
    let mut out: Vec<Candidate> = scores
        .into_iter()
        .map(|(stem, (word, score))| Candidate { word, stem, score })
        .collect();
    // Stable on the stem order for equal scores: deterministic.
    out.sort_by(|a, b| b.score.total_cmp(&a.score));
    out
}

/// Words prompts often contain whatever they ask for.
const COMMON_PROMPT_WORDS: &[&str] = &[
    "short",
    "simple",
    "tips",
    "list",
    "how",
    "what",
    "why",
    "who",
    "story",
    "ideas",
    "steps",
    "guide",
    "example",
    "difference",
    "between",
    "benefits",
    "best",
    "beginner",
    "kids",
    "child",
    "terms",
    "plan",
    "day",
    "first",
    "using",
    "style",
    "main",
    "new",
    "review",
    "description",
    "summary",
    "funny",
    "quick",
    "three",
    "five",
    "much",
    "many",
    "each",
    "better",
    "ways",
    "work",
    "types",
];

/// Nouns that prompts of a category tend to ask for, with their weight.
fn category_words(category: &str) -> &'static [(&'static str, f64)] {
    match category {
        "poetry" => &[("poem", 2.5), ("poetry", 0.5)],
        "cooking" => &[("recipe", 2.0), ("cook", 0.8), ("how", 1.0)],
        "science" => &[("why", 1.2), ("how", 1.0), ("work", 0.8), ("science", 0.6)],
        "history" => &[("who", 1.2), ("history", 0.8), ("why", 0.6)],
        "humor" => &[("joke", 2.0), ("funny", 1.5)],
        "travel" => &[("trip", 1.5), ("travel", 1.0), ("visit", 0.8)],
        "code" => &[("function", 1.5), ("code", 1.0), ("programming", 1.0)],
        "business" => &[("email", 1.0), ("business", 0.8), ("company", 0.6)],
        "health" => &[("health", 0.8), ("how", 1.0), ("tips", 0.6)],
        "nature" => &[("nature", 0.6)],
        "education" => &[("lesson", 1.2), ("students", 0.8), ("teaching", 0.6)],
        "music" => &[("song", 1.5), ("music", 1.0), ("lyrics", 0.8)],
        "space" => &[("space", 0.8), ("astronaut", 0.8)],
        "sports" => &[("rules", 1.2), ("game", 0.8), ("sport", 0.6)],
        _ => &[],
    }
}

const NUMBER_WORDS: [&str; 11] = [
    "zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
];

/// Words the prompt probably contains given the output's shape and the
/// category, with scores.
fn form_words(output: &str, category: &str) -> Vec<(String, f64)> {
    let mut out: Vec<(String, f64)> = Vec::new();
    let mut add = |w: &str, s: f64| out.push((w.to_string(), s));
    add(category, 0.8);
    for &(w, s) in category_words(category) {
        add(w, s);
    }
    let lines: Vec<&str> = output
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    let n_lines = lines.len();
    let n_words = output.split_whitespace().count();
    let lower = output.to_lowercase();
    let first_line = lines.first().copied().unwrap_or("");

    let is_item = |l: &str| {
        let l = l.trim_start();
        l.starts_with("- ")
            || l.starts_with("* ")
            || l.starts_with('•')
            || l.split_once(['.', ')']).is_some_and(|(n, _)| {
                !n.is_empty() && n.len() <= 2 && n.chars().all(|c| c.is_ascii_digit())
            })
    };
    let items = lines.iter().filter(|l| is_item(l)).count();
    let code_markers = [
        "def ",
        "fn ",
        "return",
        "{",
        "}",
        ";",
        "=>",
        "```",
        "select ",
        "function ",
        "const ",
        "print(",
    ];
    let code_lines = lines
        .iter()
        .filter(|l| {
            let l = l.to_lowercase();
            code_markers.iter().any(|m| l.contains(m))
        })
        .count();
    let code = code_lines >= 2;
    let speaker_lines = lines
        .iter()
        .filter(|l| {
            l.split_once(':').is_some_and(|(who, _)| {
                let w = who.trim();
                !w.is_empty()
                    && w.split_whitespace().count() <= 3
                    && w.chars().next().is_some_and(char::is_uppercase)
                    && w.chars().all(|c| c.is_alphabetic() || c == ' ')
            })
        })
        .count();
    let table_lines = lines.iter().filter(|l| l.matches('|').count() >= 2).count();
    let day_lines = lines
        .iter()
        .filter(|l| l.to_lowercase().starts_with("day "))
        .count();
    let avg_line_words = n_words as f64 / n_lines.max(1) as f64;
    let verse = n_lines >= 3 && avg_line_words <= 9.0 && items == 0 && !code && table_lines == 0;

    if verse {
        if category == "music" {
            add("song", 3.5);
            add("lyrics", 3.0);
        } else {
            add("poem", 3.0);
        }
        let form = match n_lines {
            3 => Some("haiku"),
            5 => Some("limerick"),
            14 => Some("sonnet"),
            19 => Some("villanelle"),
            _ => None,
        };
        // A named form is what the prompt asks for; "poem" less so.
        if let Some(form) = form {
            add(form, 6.0);
        }
        if n_lines <= 8 {
            add("short", 1.0);
        }
    }
    if first_line.ends_with('?') && n_lines <= 3 && n_words <= 40 {
        add("joke", 4.0);
    }
    if lower.starts_with("knock") {
        add("joke", 4.0);
        add("knock", 3.0);
    }
    if items >= 2 {
        add("list", 2.5);
        add("tips", 1.5);
        add("steps", 1.0);
        if let Some(w) = NUMBER_WORDS.get(items) {
            add(w, 2.5);
        }
    }
    if code {
        add("function", 3.5);
        add("code", 1.0);
        let languages: [(&str, &[&str]); 6] = [
            ("python", &["def ", "print(", "elif "]),
            ("rust", &["fn ", "let mut", "-> "]),
            ("javascript", &["function ", "const ", "=>", "console.log"]),
            ("sql", &["select ", " from ", "group by", "order by"]),
            ("html", &["<html", "<div", "</"]),
            ("java", &["public static", "system.out"]),
        ];
        for (language, markers) in languages {
            let found = markers.iter().filter(|m| lower.contains(*m)).count();
            if found > 0 {
                add(language, 1.5 + found as f64);
            }
        }
        if lower.contains("select ") && lower.contains(" from ") {
            add("query", 3.5);
        }
    }
    let greeting = ["dear ", "hi ", "hello", "subject:"]
        .iter()
        .any(|g| first_line.to_lowercase().starts_with(g));
    if greeting {
        add("email", 3.0);
        add("letter", 2.5);
    }
    if table_lines >= 2 {
        add("table", 4.0);
        add("compare", 2.0);
        add("rows", 1.5);
        if let Some(w) = NUMBER_WORDS.get(table_lines.saturating_sub(2)) {
            add(w, 1.0);
        }
    }
    if speaker_lines >= 2 && !code {
        add("dialogue", 3.0);
        add("conversation", 1.5);
        add("chat", 1.0);
    }
    if day_lines >= 2 {
        add("itinerary", 3.5);
        add("day", 2.5);
        add("trip", 1.5);
        if let Some(w) = NUMBER_WORDS.get(day_lines) {
            add(w, 2.5);
        }
    }
    if ["cup", "tablespoon", "teaspoon", "oven", "grams"]
        .iter()
        .any(|w| lower.contains(w))
    {
        add("recipe", 2.5);
    }
    if ["stars", "/5", "/10", "i bought", "i ordered", "verdict"]
        .iter()
        .any(|w| lower.contains(w))
    {
        add("review", 3.0);
    }

    // Question forms.
    let first_sentence = first_sentence(output).to_lowercase();
    let subject_is = [
        " is a ",
        " is an ",
        " is the ",
        " are ",
        " is when ",
        " is how ",
    ]
    .iter()
    .any(|p| first_sentence.contains(p));
    if subject_is && !verse && !code {
        add("what", 3.0);
        // "A budget is a plan…" answers "What is a budget?": the subject
        // is the topic.
        let subject = [" is ", " are "]
            .iter()
            .filter_map(|p| first_sentence.find(p))
            .min()
            .map_or("", |end| &first_sentence[..end]);
        for (w, _) in content_words(subject) {
            add(&w, 2.0);
        }
    }
    if lower.contains("stands for") {
        add("what", 3.0);
        add("stand", 3.0);
    }
    if [
        " because ",
        "the reason",
        "that is why",
        "that's why",
        "this is why",
        " so ",
    ]
    .iter()
    .any(|p| lower.contains(p))
    {
        add("why", 1.5);
    }
    if ["minutes", "step", "first,", "then ", "start by", "try "]
        .iter()
        .filter(|p| lower.contains(*p))
        .count()
        >= 2
    {
        add("how", 2.0);
    }
    let history_words = [" was ", " were ", " built ", " born ", " ruled "];
    if history_words.iter().filter(|p| lower.contains(*p)).count() >= 2 {
        add("who", 1.5);
    }
    add("what", 1.0);
    add("how", 1.0);
    add("why", 0.8);
    add("who", 0.5);
    out
}

/// The output's first sentence (up to the first `.`, `!`, `?` or line break).
fn first_sentence(output: &str) -> &str {
    let end = output.find(['.', '!', '?', '\n']).unwrap_or(output.len());
    &output[..end]
}

/// Common words that carry little content but are not the matcher's stop
/// words; they are ranked low rather than dropped.
const GENERIC: &[&str] = &[
    "he", "she", "they", "them", "their", "theirs", "his", "her", "him", "there", "here", "which",
    "what", "when", "where", "who", "how", "why", "not", "no", "yes", "all", "each", "other",
    "such", "only", "also", "just", "very", "more", "most", "much", "many", "few", "like", "now",
    "up", "out", "over", "after", "before", "while", "until", "if", "because", "since", "get",
    "got", "has", "have", "had", "let", "may", "might", "must", "way", "thing", "even", "still",
    "well", "back", "own", "same", "too", "off", "down", "through", "per", "around", "one",
    "every", "keep", "use", "used", "can", "into", "onto", "them", "then", "its", "our", "who",
    "whom", "whose", "both", "either", "neither", "than", "again", "once", "never", "always",
    "often", "usually", "really", "quite", "rather", "almost", "enough", "less", "little", "lot",
    "lots", "next", "last", "long", "look", "looks", "put", "take", "go", "goes", "went", "come",
    "comes", "came", "say", "says", "said", "see", "sees", "saw", "know", "need", "want", "find",
    "help", "try", "turn", "good", "great", "sure", "yet", "am", "being", "did", "done", "don",
    "doesn", "isn", "aren", "won", "dont", "youre", "its",
];

/// Content words of the output with salience scores.
fn salient_words(output: &str) -> Vec<(String, f64)> {
    let first: BTreeSet<String> = content_words(first_sentence(output))
        .into_iter()
        .map(|(_, s)| s)
        .collect();
    // Count stems and note capitalized words that do not start a sentence.
    let mut counts: BTreeMap<String, (String, f64, bool)> = BTreeMap::new();
    let mut sentence_start = true;
    for token in tokens(output) {
        let Token {
            text,
            capitalized,
            ends_sentence,
        } = token;
        let Some((w, s)) = content_words(&text).into_iter().next() else {
            sentence_start = ends_sentence;
            continue;
        };
        let entry = counts.entry(s).or_insert_with(|| (w, 0.0, false));
        entry.1 += 1.0;
        if capitalized && !sentence_start {
            entry.2 = true;
        }
        sentence_start = ends_sentence;
    }
    counts
        .into_iter()
        .map(|(stem, (word, count, name))| {
            let mut score = 1.0 + (0.5 * (count - 1.0)).min(3.0);
            if first.contains(&stem) {
                score += 1.0;
            }
            if name {
                score += 1.0;
            }
            if word.len() >= 7 {
                score += 0.3;
            }
            if word.chars().all(|c| c.is_ascii_digit()) {
                score = 0.5 + 0.2 * count;
            }
            if GENERIC.contains(&word.as_str()) || word.len() < 3 {
                score *= 0.2;
            }
            (word, score)
        })
        .collect()
}

/// A word of the output with what its surroundings say.
struct Token {
    text: String,
    capitalized: bool,
    ends_sentence: bool,
}

/// Splits the output into words (apostrophes join, like the matcher),
/// noting capitals and sentence ends.
fn tokens(output: &str) -> Vec<Token> {
    let mut out: Vec<Token> = Vec::new();
    let mut word = String::new();
    let flush = |word: &mut String, out: &mut Vec<Token>| {
        if !word.is_empty() {
            let capitalized = word.chars().next().is_some_and(char::is_uppercase);
            out.push(Token {
                text: std::mem::take(word),
                capitalized,
                ends_sentence: false,
            });
        }
    };
    for c in output.chars() {
        if c.is_alphanumeric() {
            word.push(c);
        } else if c == '\'' || c == '\u{2019}' {
            // Joined, as the matcher does.
        } else {
            flush(&mut word, &mut out);
            if matches!(c, '.' | '!' | '?' | '\n' | ':')
                && let Some(last) = out.last_mut()
            {
                last.ends_sentence = true;
            }
        }
    }
    flush(&mut word, &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use arena_games::games::reverse_hangman::{Difficulty, Feedback, match_guess};

    fn puzzle(output: &str, category: &str, prompt_words: usize) -> CurrentPuzzle {
        CurrentPuzzle {
            round: 1,
            puzzle_id: 1,
            difficulty: Difficulty::Easy,
            category: category.to_string(),
            output: output.to_string(),
            prompt_words,
            play_order: [0, 1],
            status: PuzzleStatus::YourTurn,
            attempts: Vec::new(),
            attempts_left: 7,
            points: None,
            prompt: None,
        }
    }

    fn play(p: &mut CurrentPuzzle, secret: &str) -> Feedback {
        let g = guess(p);
        let feedback = match_guess(&g, secret);
        p.attempts.push(AttemptView {
            guess: g,
            feedback: feedback.clone(),
        });
        p.attempts_left -= 1;
        feedback
    }

    #[test]
    fn a_haiku_is_recognized_from_its_shape() {
        let p = puzzle(
            "Salt wind on the shore\nwaves fold their white hands and bow\nthe tide keeps its time",
            "poetry",
            6,
        );
        let g = guess(&p);
        assert!(g.split(' ').any(|w| w == "haiku"), "{g}");
    }

    #[test]
    fn feedback_keeps_matches_and_drops_misses() {
        let mut p = puzzle(
            "A budget is a plan for how you will earn and spend money over a period of time, \
             such as a month or a year. It lists your expected income and expenses.",
            "business",
            4,
        );
        let secret = "What is a budget?";
        // Play until solved; no guess repeats a word that missed, and the
        // guess that solves keeps every word that matched.
        let mut solved = false;
        while !solved && p.attempts_left > 0 {
            let known = Knowledge::from_attempts(&p.attempts, p.prompt_words);
            let next = guess(&p);
            for (w, s) in content_words(&next) {
                let missed = known.tried.contains(&s) && !known.hits.iter().any(|(_, h)| *h == s);
                assert!(!missed, "{w} already missed: {:?}", p.attempts);
            }
            let feedback = play(&mut p, secret);
            solved = feedback.percent >= 90;
            if solved {
                for (w, _) in &known.hits {
                    assert!(feedback.matched_words.contains(w), "{w} dropped");
                }
            }
        }
        assert!(solved, "{:?}", p.attempts);
    }

    #[test]
    fn the_score_bounds_the_prompt_size() {
        // "why sky blue" has three stems; a guess of 10 stems with 2 matches
        // scores floor(400 / 13) = 30.
        let attempts = vec![AttemptView {
            guess: "sky blue light air red color sunset eyes waves gas".to_string(),
            feedback: match_guess(
                "sky blue light air red color sunset eyes waves gas",
                "Why is the sky blue?",
            ),
        }];
        assert_eq!(attempts[0].feedback.percent, 30);
        let k = Knowledge::from_attempts(&attempts, 5);
        assert!(k.p_min <= 3 && 3 <= k.p_max, "{k:?}");
        assert!(k.p_max - k.p_min <= 1, "{k:?}");
    }

    #[test]
    fn guesses_fit_the_game() {
        let long = "word ".repeat(400) + "Supercalifragilistic élan café";
        let p = puzzle(&long, "science", 30);
        let g = guess(&p);
        assert!(!g.is_empty() && g.len() <= MAX_GUESS_CHARS);
        assert!(g.chars().all(|c| c.is_ascii_alphanumeric() || c == ' '));
        assert_eq!(guess(&p), g, "deterministic");
    }
}
