//! Rule-based categories of the reasoning a model logs with its moves, and
//! the entropy of how an agent's reasoning spreads over them.

use std::fmt;

/// What kind of argument a piece of move reasoning makes.
///
/// The same seven categories as the Python Game Reasoning Arena's
/// analysis, assigned by [`categorize`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ReasoningCategory {
    /// Where on the board: centre, corners, edges, columns.
    Positional,
    /// Stopping the opponent: blocking a line, preventing a win.
    Blocking,
    /// What the opponent holds, wants or will do: bluffs, ranges.
    OpponentModeling,
    /// Making or setting up a win: four in a row, checkmate, a fork.
    WinningLogic,
    /// General principles and numbers: odds, equity, likelihood, strategy.
    Heuristic,
    /// Appeals to the rules: legal, forced, the only move.
    RuleBased,
    /// No reasoning, or none of the above.
    RandomOrUnjustified,
}

impl ReasoningCategory {
    /// Every category, in declaration order (the order of
    /// [`CategoryCounts::counts`]).
    pub const ALL: [ReasoningCategory; 7] = [
        Self::Positional,
        Self::Blocking,
        Self::OpponentModeling,
        Self::WinningLogic,
        Self::Heuristic,
        Self::RuleBased,
        Self::RandomOrUnjustified,
    ];

    /// A stable snake_case identifier, for storage and JSON
    /// (`"opponent_modeling"`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Positional => "positional",
            Self::Blocking => "blocking",
            Self::OpponentModeling => "opponent_modeling",
            Self::WinningLogic => "winning_logic",
            Self::Heuristic => "heuristic",
            Self::RuleBased => "rule_based",
            Self::RandomOrUnjustified => "random_or_unjustified",
        }
    }

    /// A human label, as the Python arena prints it (`"Opponent Modeling"`).
    pub fn label(self) -> &'static str {
        match self {
            Self::Positional => "Positional",
            Self::Blocking => "Blocking",
            Self::OpponentModeling => "Opponent Modeling",
            Self::WinningLogic => "Winning Logic",
            Self::Heuristic => "Heuristic",
            Self::RuleBased => "Rule-Based",
            Self::RandomOrUnjustified => "Random/Unjustified",
        }
    }

    fn index(self) -> usize {
        self as usize
    }
}

impl fmt::Display for ReasoningCategory {
    /// Writes the [`label`](Self::label).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

/// The rules of [`categorize`], in priority order. A pattern is one or more
/// words; a word ending in `*` matches any word it begins.
const RULES: &[(ReasoningCategory, &[&str])] = &[
    (
        ReasoningCategory::Blocking,
        &[
            "block*",
            "prevent*",
            "stop the opponent",
            "stop my opponent",
            "stop them",
            "deny",
            "denies",
            "denying",
            "defend*",
            "defensive*",
        ],
    ),
    (
        ReasoningCategory::WinningLogic,
        &[
            "win",
            "wins",
            "winning",
            "won",
            "checkmate",
            "four in a row",
            "three in a row",
            "complete the line",
            "complete my line",
            "complete a line",
            "fork",
        ],
    ),
    (
        ReasoningCategory::OpponentModeling,
        &[
            "opponent*",
            "bluff*",
            "they might",
            "they may",
            "they could",
            "they will",
            "their hand",
            "their cards",
            "range",
            "ranges",
        ],
    ),
    (
        ReasoningCategory::Positional,
        &[
            "center*",
            "centre*",
            "central",
            "middle",
            "corner*",
            "edge*",
            "column*",
            "position*",
        ],
    ),
    (
        ReasoningCategory::Heuristic,
        &[
            "probabilit*",
            "odds",
            "equity",
            "likel*",
            "unlikely",
            "expected value",
            "strateg*",
            "best move",
            "advantag*",
        ],
    ),
    (
        ReasoningCategory::RuleBased,
        &[
            "rule*",
            "must",
            "legal*",
            "only move",
            "only legal move",
            "forced",
            "according to",
        ],
    ),
];

/// The category of one piece of move reasoning, by keyword rules.
///
/// The text is lower-cased, apostrophes are dropped (`won't` is the word
/// `wont`, not `won`), and it is split into words at every other character
/// that is not a letter or digit. Keywords match whole words, so `win` does
/// not match `window`; a few are prefixes (`block*` matches `blocks`,
/// `blocking`, `blocked`) and some are phrases, which match consecutive
/// words (`four-in-a-row` matches `four in a row`).
///
/// The first category with a matching keyword wins, in this order:
///
/// 1. [`Blocking`](ReasoningCategory::Blocking): block\*, prevent\*, stop
///    the opponent, stop my opponent, stop them, deny, denies, denying,
///    defend\*, defensive\*.
/// 2. [`WinningLogic`](ReasoningCategory::WinningLogic): win, wins,
///    winning, won, checkmate, four in a row, three in a row, complete the
///    line, complete my line, complete a line, fork.
/// 3. [`OpponentModeling`](ReasoningCategory::OpponentModeling):
///    opponent\*, bluff\*, they might, they may, they could, they will,
///    their hand, their cards, range, ranges.
/// 4. [`Positional`](ReasoningCategory::Positional): center\*, centre\*,
///    central, middle, corner\*, edge\*, column\*, position\*.
/// 5. [`Heuristic`](ReasoningCategory::Heuristic): probabilit\*, odds,
///    equity, likel\*, unlikely, expected value, strateg\*, best move,
///    advantag\*.
/// 6. [`RuleBased`](ReasoningCategory::RuleBased): rule\*, must, legal\*,
///    only move, only legal move, forced, according to.
/// 7. Otherwise, and for empty text,
///    [`RandomOrUnjustified`](ReasoningCategory::RandomOrUnjustified).
///
/// The order puts the more specific intent first: "block the opponent's
/// winning move" is blocking although it also names the opponent and a win.
/// (The Python arena instead counts matching keywords per category and takes
/// the most; a fixed priority is easier to predict.)
///
/// ```
/// use arena_stats::{ReasoningCategory, categorize};
///
/// assert_eq!(categorize("Block column 3 or they connect four"), ReasoningCategory::Blocking);
/// assert_eq!(categorize("Taking the centre square."), ReasoningCategory::Positional);
/// assert_eq!(categorize(""), ReasoningCategory::RandomOrUnjustified);
/// ```
pub fn categorize(text: &str) -> ReasoningCategory {
    let words = words(text);
    RULES
        .iter()
        .find(|(_, patterns)| patterns.iter().any(|p| contains_phrase(&words, p)))
        .map_or(ReasoningCategory::RandomOrUnjustified, |&(category, _)| {
            category
        })
}

/// Shannon entropy, in bits, of the distribution given by `counts`.
///
/// `-Σ p log₂ p` over the nonzero counts, with `p` each count's share of
/// the total: 0 when everything falls in one category, `log₂ k` when `k`
/// categories are equally frequent. Empty or all-zero counts give 0.
///
/// ```
/// assert_eq!(arena_stats::entropy(&[5, 5, 5, 5]), 2.0);
/// assert_eq!(arena_stats::entropy(&[7, 0, 0]), 0.0);
/// ```
pub fn entropy(counts: &[usize]) -> f64 {
    let total: usize = counts.iter().sum();
    if total == 0 {
        return 0.0;
    }
    let total = total as f64;
    // Written as p · log₂(1/p), each term non-negative, so that a single
    // category gives +0 rather than -0.
    counts
        .iter()
        .filter(|&&c| c > 0)
        .map(|&c| {
            let p = c as f64 / total;
            p * (total / c as f64).log2()
        })
        .sum()
}

/// How many pieces of reasoning fell in each category, for one agent (or
/// one agent in one game).
///
/// ```
/// use arena_stats::{CategoryCounts, ReasoningCategory};
///
/// let mut counts = CategoryCounts::default();
/// counts.add_text("I block their line");
/// counts.add_text("The corner is strong");
/// assert_eq!(counts.total(), 2);
/// assert_eq!(counts.share(ReasoningCategory::Blocking), 0.5);
/// assert_eq!(counts.entropy(), 1.0);
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CategoryCounts {
    counts: [usize; 7],
}

impl CategoryCounts {
    /// Categorises `text` with [`categorize`], counts it, and returns the
    /// category.
    pub fn add_text(&mut self, text: &str) -> ReasoningCategory {
        let category = categorize(text);
        self.add(category);
        category
    }

    /// Counts one piece of reasoning already categorised.
    pub fn add(&mut self, category: ReasoningCategory) {
        self.counts[category.index()] += 1;
    }

    /// How many pieces of reasoning fell in `category`.
    pub fn count(&self, category: ReasoningCategory) -> usize {
        self.counts[category.index()]
    }

    /// The count of every category, in [`ReasoningCategory::ALL`] order.
    pub fn counts(&self) -> [usize; 7] {
        self.counts
    }

    /// How many pieces of reasoning were counted.
    pub fn total(&self) -> usize {
        self.counts.iter().sum()
    }

    /// The fraction of all counted reasoning that fell in `category`; 0
    /// when nothing was counted.
    pub fn share(&self, category: ReasoningCategory) -> f64 {
        match self.total() {
            0 => 0.0,
            total => self.count(category) as f64 / total as f64,
        }
    }

    /// The [`entropy`] of the counts, in bits: 0 for an agent that always
    /// argues the same way, up to `log₂ 7 ≈ 2.81` for one that uses every
    /// category equally.
    pub fn entropy(&self) -> f64 {
        entropy(&self.counts)
    }

    /// Every category with its count, in [`ReasoningCategory::ALL`] order.
    pub fn iter(&self) -> impl Iterator<Item = (ReasoningCategory, usize)> + '_ {
        ReasoningCategory::ALL.into_iter().zip(self.counts)
    }
}

/// Lower-cased words of `text`, apostrophes dropped.
fn words(text: &str) -> Vec<String> {
    let cleaned: String = text
        .chars()
        .filter(|&c| c != '\'' && c != '\u{2019}')
        .flat_map(char::to_lowercase)
        .collect();
    cleaned
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_owned)
        .collect()
}

/// Whether `pattern`'s words occur consecutively in `words`.
fn contains_phrase(words: &[String], pattern: &str) -> bool {
    let pattern: Vec<&str> = pattern.split(' ').collect();
    words
        .windows(pattern.len())
        .any(|window| window.iter().zip(&pattern).all(|(w, p)| word_matches(w, p)))
}

fn word_matches(word: &str, pattern: &str) -> bool {
    match pattern.strip_suffix('*') {
        Some(prefix) => word.starts_with(prefix),
        None => word == pattern,
    }
}
