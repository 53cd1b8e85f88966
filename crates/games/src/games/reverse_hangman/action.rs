//! Reverse Hangman actions: a guess of the prompt, held inline so that the
//! action is `Copy`, and the chance draw of a puzzle.

use std::fmt;

use thiserror::Error;

use crate::constraint::FreeText;

/// The longest guess, in characters.
pub const MAX_GUESS_CHARS: usize = 160;

/// The characters a guess may start with (a character-class body).
pub const GUESS_FIRST_CHARS: &str = "a-zA-Z0-9\"'(";

/// The characters of the rest of a guess (a character-class body): letters,
/// digits, space and basic punctuation. The `-` comes last so that it is
/// literal in both GBNF and regex.
pub const GUESS_REST_CHARS: &str = "a-zA-Z0-9 ,.;:!?'\"()/&%+-";

/// The shape of a guess, for constrained decoding.
pub const GUESS_SHAPE: FreeText = FreeText {
    first: GUESS_FIRST_CHARS,
    rest: GUESS_REST_CHARS,
    max_chars: MAX_GUESS_CHARS,
};

/// The punctuation allowed after the first character, besides letters and digits.
const REST_PUNCTUATION: &str = " ,.;:!?'\"()/&%+-";

/// A guess of the prompt in canonical form: trimmed, every run of whitespace
/// made one space, 1 to [`MAX_GUESS_CHARS`] ASCII characters matching
/// [`GUESS_SHAPE`]. The only way to make one is [`Guess::new`], so every
/// `Guess` is well formed.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Guess {
    len: u8,
    // Bytes past `len` are always zero, so the derived `Eq` and `Hash` see
    // only the text.
    bytes: [u8; MAX_GUESS_CHARS],
}

/// Why text is not a well-formed guess.
#[derive(Clone, Debug, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum GuessError {
    /// Nothing but whitespace.
    #[error("the guess is empty")]
    Empty,
    /// More than [`MAX_GUESS_CHARS`] characters after whitespace is collapsed.
    #[error("the guess has {chars} characters, at most {max} are allowed")]
    TooLong {
        /// Its length in characters.
        chars: usize,
        /// The limit.
        max: usize,
    },
    /// A character outside the allowed set.
    #[error("character {ch:?} at position {position} is not allowed{}", if *.position == 1 { " first" } else { "" })]
    BadChar {
        /// The character.
        ch: char,
        /// Its 1-based position in the canonical guess.
        position: usize,
    },
}

impl Guess {
    /// Canonicalizes and checks `text`.
    pub fn new(text: &str) -> Result<Guess, GuessError> {
        let canonical = text.split_whitespace().collect::<Vec<_>>().join(" ");
        if canonical.is_empty() {
            return Err(GuessError::Empty);
        }
        for (i, ch) in canonical.chars().enumerate() {
            let ok = ch.is_ascii_alphanumeric()
                || if i == 0 {
                    "\"'(".contains(ch)
                } else {
                    REST_PUNCTUATION.contains(ch)
                };
            if !ok {
                return Err(GuessError::BadChar {
                    ch,
                    position: i + 1,
                });
            }
        }
        // Only ASCII is left, so bytes are characters.
        if canonical.len() > MAX_GUESS_CHARS {
            return Err(GuessError::TooLong {
                chars: canonical.len(),
                max: MAX_GUESS_CHARS,
            });
        }
        let mut bytes = [0u8; MAX_GUESS_CHARS];
        bytes[..canonical.len()].copy_from_slice(canonical.as_bytes());
        Ok(Guess {
            len: canonical.len() as u8,
            bytes,
        })
    }

    /// The guess text.
    pub fn as_str(&self) -> &str {
        // Always ASCII by construction; the fallback is unreachable.
        std::str::from_utf8(&self.bytes[..usize::from(self.len)]).unwrap_or_default()
    }
}

impl fmt::Debug for Guess {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Guess({:?})", self.as_str())
    }
}

impl fmt::Display for Guess {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A Reverse Hangman move.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum HangmanAction {
    /// Chance draws the puzzle with this id for the next round. Text: `puzzle 17`.
    Draw(u16),
    /// The player to move guesses the prompt. Text: the guess itself.
    Guess(Guess),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn guesses_are_canonicalized() {
        let g = Guess::new("  Write a\t poem\nabout   rain ").unwrap();
        assert_eq!(g.as_str(), "Write a poem about rain");
        assert_eq!(g, Guess::new("Write a poem about rain").unwrap());
        assert_eq!(format!("{g:?}"), "Guess(\"Write a poem about rain\")");
    }

    #[test]
    fn malformed_guesses_are_typed_errors() {
        assert_eq!(Guess::new(""), Err(GuessError::Empty));
        assert_eq!(Guess::new(" \n\t "), Err(GuessError::Empty));
        assert_eq!(
            Guess::new(&"a".repeat(161)),
            Err(GuessError::TooLong {
                chars: 161,
                max: 160
            })
        );
        assert!(Guess::new(&"a".repeat(160)).is_ok());
        assert_eq!(
            Guess::new("poem <b>"),
            Err(GuessError::BadChar {
                ch: '<',
                position: 6
            })
        );
        assert_eq!(
            Guess::new("caf\u{e9}"),
            Err(GuessError::BadChar {
                ch: '\u{e9}',
                position: 4
            })
        );
        assert_eq!(
            Guess::new("-poem"),
            Err(GuessError::BadChar {
                ch: '-',
                position: 1
            })
        );
    }
}
