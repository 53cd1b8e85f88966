//! The embedded puzzle dataset (`games/reverse_hangman/puzzles.json` at the
//! repository root): prompt/output pairs written for this project, parsed and
//! checked once.

use std::sync::OnceLock;

use serde::{Deserialize, Serialize};
use thiserror::Error;

use super::action::Guess;
use super::matcher::content_words;

/// The dataset text, embedded at compile time so the crate does no I/O.
const PUZZLES_JSON: &str = include_str!("../../../../../games/reverse_hangman/puzzles.json");

/// How hard a puzzle is; sets its base points.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Difficulty {
    /// Short, literal prompts. 100 base points.
    Easy,
    /// A topic plus a form or a constraint. 200 base points.
    Medium,
    /// Several constraints. 300 base points.
    Hard,
    /// Long, specific prompts. 500 base points.
    Expert,
}

impl Difficulty {
    /// Every difficulty, easiest first; also the order in which `mixed`
    /// episodes cycle through them.
    pub const ALL: [Difficulty; 4] = [
        Difficulty::Easy,
        Difficulty::Medium,
        Difficulty::Hard,
        Difficulty::Expert,
    ];

    /// The points for solving a puzzle of this difficulty on the first attempt.
    pub fn base_points(self) -> i64 {
        match self {
            Difficulty::Easy => 100,
            Difficulty::Medium => 200,
            Difficulty::Hard => 300,
            Difficulty::Expert => 500,
        }
    }

    /// The lower-case name, as in the dataset and the `difficulty` parameter.
    pub fn as_str(self) -> &'static str {
        match self {
            Difficulty::Easy => "easy",
            Difficulty::Medium => "medium",
            Difficulty::Hard => "hard",
            Difficulty::Expert => "expert",
        }
    }

    /// Reads a lower-case name.
    pub fn from_name(name: &str) -> Option<Difficulty> {
        Difficulty::ALL.into_iter().find(|d| d.as_str() == name)
    }
}

/// One puzzle: a prompt and the text an AI produced for it.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Puzzle {
    /// Its number: puzzles are numbered 1, 2, 3, … in file order.
    pub id: u16,
    /// How hard it is.
    pub difficulty: Difficulty,
    /// Its topic (`poetry`, `cooking`, `science`, …).
    pub category: String,
    /// The secret prompt. Always a legal guess, so it can be typed back.
    pub prompt: String,
    /// The text the players see.
    pub output: String,
}

/// What is wrong with a dataset.
#[derive(Clone, Debug, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum DatasetError {
    /// The file is not a JSON array of puzzles.
    #[error("the puzzle file is not valid: {0}")]
    Json(String),
    /// Ids are not 1, 2, 3, … in file order.
    #[error("puzzle number {position} has id {id}; ids must be 1, 2, 3, ... in file order")]
    BadId {
        /// The 1-based position in the file.
        position: usize,
        /// The id found there.
        id: u16,
    },
    /// A field is empty or only whitespace.
    #[error("puzzle {id} has an empty {field}")]
    EmptyField {
        /// The puzzle.
        id: u16,
        /// The field.
        field: &'static str,
    },
    /// The prompt could not be typed as a guess.
    #[error("the prompt of puzzle {id} is not a legal guess: {reason}")]
    PromptNotGuessable {
        /// The puzzle.
        id: u16,
        /// Why.
        reason: String,
    },
    /// The prompt has no content word, so only a verbatim guess could match.
    #[error("the prompt of puzzle {id} has no content words")]
    NoContentWords {
        /// The puzzle.
        id: u16,
    },
}

/// The embedded dataset, parsed and checked on first use.
pub fn puzzles() -> Result<&'static [Puzzle], DatasetError> {
    static PUZZLES: OnceLock<Result<Vec<Puzzle>, DatasetError>> = OnceLock::new();
    match PUZZLES.get_or_init(|| parse_puzzles(PUZZLES_JSON)) {
        Ok(list) => Ok(list),
        Err(e) => Err(e.clone()),
    }
}

/// Parses and checks a dataset in the format of `puzzles.json`.
pub fn parse_puzzles(json: &str) -> Result<Vec<Puzzle>, DatasetError> {
    let list: Vec<Puzzle> =
        serde_json::from_str(json).map_err(|e| DatasetError::Json(e.to_string()))?;
    for (i, p) in list.iter().enumerate() {
        if usize::from(p.id) != i + 1 {
            return Err(DatasetError::BadId {
                position: i + 1,
                id: p.id,
            });
        }
        for (field, value) in [
            ("category", &p.category),
            ("prompt", &p.prompt),
            ("output", &p.output),
        ] {
            if value.trim().is_empty() {
                return Err(DatasetError::EmptyField { id: p.id, field });
            }
        }
        match Guess::new(&p.prompt) {
            Ok(g) if g.as_str() == p.prompt => {}
            Ok(_) => {
                return Err(DatasetError::PromptNotGuessable {
                    id: p.id,
                    reason: "it has extra whitespace".to_string(),
                });
            }
            Err(e) => {
                return Err(DatasetError::PromptNotGuessable {
                    id: p.id,
                    reason: e.to_string(),
                });
            }
        }
        if content_words(&p.prompt).is_empty() {
            return Err(DatasetError::NoContentWords { id: p.id });
        }
    }
    Ok(list)
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;

    #[test]
    fn embedded_dataset_is_valid_and_large_enough() {
        let list = puzzles().unwrap();
        assert!(list.len() >= 80, "{} puzzles", list.len());
        for d in Difficulty::ALL {
            let n = list.iter().filter(|p| p.difficulty == d).count();
            // 20 per difficulty lets a single-difficulty episode run the
            // maximum of 20 rounds without repeating a puzzle.
            assert!(n >= 20, "{n} {} puzzles", d.as_str());
        }
        let ids: BTreeSet<u16> = list.iter().map(|p| p.id).collect();
        assert_eq!(ids.len(), list.len());
        let categories: BTreeSet<&str> = list.iter().map(|p| p.category.as_str()).collect();
        assert!(categories.len() >= 8, "{categories:?}");
        let texts: BTreeSet<&str> = list.iter().map(|p| p.prompt.as_str()).collect();
        assert_eq!(texts.len(), list.len(), "duplicate prompts");
    }

    #[test]
    fn expert_prompts_are_longer_than_easy_ones() {
        let list = puzzles().unwrap();
        let mean_words = |d: Difficulty| {
            let ps: Vec<_> = list.iter().filter(|p| p.difficulty == d).collect();
            ps.iter()
                .map(|p| p.prompt.split(' ').count())
                .sum::<usize>()
                / ps.len()
        };
        assert!(mean_words(Difficulty::Easy) < mean_words(Difficulty::Medium));
        assert!(mean_words(Difficulty::Medium) < mean_words(Difficulty::Hard));
        assert!(mean_words(Difficulty::Hard) < mean_words(Difficulty::Expert));
    }

    #[test]
    fn bad_datasets_are_rejected() {
        let one = |id: u16, prompt: &str| {
            format!(
                r#"[{{"id": {id}, "difficulty": "easy", "category": "x", "prompt": "{prompt}", "output": "y"}}]"#
            )
        };
        assert!(parse_puzzles(&one(1, "Write a poem")).is_ok());
        assert_eq!(
            parse_puzzles(&one(2, "Write a poem")),
            Err(DatasetError::BadId { position: 1, id: 2 })
        );
        assert_eq!(
            parse_puzzles(&one(1, " ")),
            Err(DatasetError::EmptyField {
                id: 1,
                field: "prompt"
            })
        );
        assert_eq!(
            parse_puzzles(&one(1, "Write a")),
            Err(DatasetError::NoContentWords { id: 1 })
        );
        assert!(matches!(
            parse_puzzles(&one(1, "Write a poem \u{e9}")),
            Err(DatasetError::PromptNotGuessable { id: 1, .. })
        ));
        assert!(matches!(parse_puzzles("{}"), Err(DatasetError::Json(_))));
    }
}
