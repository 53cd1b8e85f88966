//! Playing cards and card sets: a [`Card`] is a rank and a suit packed in one
//! byte, a [`CardSet`] is a 64-bit mask laid out for the hand evaluator.

use std::fmt;
use std::str::FromStr;

use serde::{Serialize, Serializer};

/// Rank characters from deuce (0) to ace (12).
const RANK_CHARS: [char; 13] = [
    '2', '3', '4', '5', '6', '7', '8', '9', 'T', 'J', 'Q', 'K', 'A',
];
/// Suit characters: clubs (0), diamonds, hearts, spades (3).
const SUIT_CHARS: [char; 4] = ['c', 'd', 'h', 's'];

/// One card of the 52-card deck. Its index is `rank * 4 + suit`, so `2c` is 0,
/// `2d` is 1 and `As` is 51; the deck is always listed in this index order.
/// The text form is the rank (`2`-`9`, `T`, `J`, `Q`, `K`, `A`) followed by
/// the suit (`c`, `d`, `h`, `s`), e.g. `As`, `Td`, `2c`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Card(u8);

impl Card {
    /// The deuce of clubs, the first card of the deck (index 0).
    pub const FIRST: Card = Card(0);

    /// The card with this index (`rank * 4 + suit`), if it is below 52.
    pub fn from_index(index: u8) -> Option<Card> {
        (index < 52).then_some(Card(index))
    }

    /// The card of `rank` (0 = deuce … 12 = ace) and `suit` (0 = clubs,
    /// 1 = diamonds, 2 = hearts, 3 = spades), if both are in range.
    pub fn new(rank: u8, suit: u8) -> Option<Card> {
        (rank < 13 && suit < 4).then_some(Card(rank * 4 + suit))
    }

    /// The index in `0..52`.
    pub fn index(self) -> u8 {
        self.0
    }

    /// The rank, 0 (deuce) to 12 (ace).
    pub fn rank(self) -> u8 {
        self.0 / 4
    }

    /// The suit, 0 (clubs) to 3 (spades).
    pub fn suit(self) -> u8 {
        self.0 % 4
    }

    /// This card's bit in a [`CardSet`].
    #[inline]
    pub fn bit(self) -> u64 {
        1u64 << (u32::from(self.suit()) * 16 + u32::from(self.rank()))
    }
}

impl fmt::Display for Card {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}{}",
            RANK_CHARS[self.rank() as usize],
            SUIT_CHARS[self.suit() as usize]
        )
    }
}

/// Text that is not a card.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error(
    "{0:?} is not a card; write a rank (2-9, T, J, Q, K, A) then a suit (c, d, h, s), e.g. As or Td"
)]
pub struct ParseCardError(pub String);

impl FromStr for Card {
    type Err = ParseCardError;

    /// Reads `As`, `td`, `2C`: case does not matter, `10` is accepted for `T`.
    fn from_str(s: &str) -> Result<Card, ParseCardError> {
        let err = || ParseCardError(s.to_string());
        let t = s.trim();
        // Split off the last character, not the last byte, so that text like
        // "A♠" is an error rather than a panic on a char boundary.
        let suit_char = t.chars().next_back().ok_or_else(err)?;
        let rank_text = t[..t.len() - suit_char.len_utf8()].to_ascii_uppercase();
        let rank = match rank_text.as_str() {
            "10" => 8,
            r if r.len() == 1 => {
                let c = r.chars().next().ok_or_else(err)?;
                RANK_CHARS.iter().position(|&x| x == c).ok_or_else(err)? as u8
            }
            _ => return Err(err()),
        };
        let suit_char = suit_char.to_ascii_lowercase();
        let suit = SUIT_CHARS
            .iter()
            .position(|&x| x == suit_char)
            .ok_or_else(err)? as u8;
        Card::new(rank, suit).ok_or_else(err)
    }
}

impl Serialize for Card {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

/// A set of cards as a 64-bit mask: suit `s` occupies bits `16 s .. 16 s + 13`
/// and rank `r` within it is bit `r`. The evaluator reads each suit's 13-bit
/// rank mask with one shift, which is why the layout is not the card index.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct CardSet(pub u64);

impl CardSet {
    /// The empty set.
    pub const EMPTY: CardSet = CardSet(0);

    /// The set with one more card.
    #[inline]
    #[must_use]
    pub fn with(self, card: Card) -> CardSet {
        CardSet(self.0 | card.bit())
    }

    /// Whether `card` is in the set.
    pub fn contains(self, card: Card) -> bool {
        self.0 & card.bit() != 0
    }

    /// The number of cards.
    pub fn len(self) -> u32 {
        self.0.count_ones()
    }

    /// Whether the set is empty.
    pub fn is_empty(self) -> bool {
        self.0 == 0
    }
}

impl FromIterator<Card> for CardSet {
    fn from_iter<I: IntoIterator<Item = Card>>(iter: I) -> Self {
        iter.into_iter().fold(CardSet::EMPTY, CardSet::with)
    }
}

/// Parses space-separated cards (`"As Kd 7c"`), for tests and tools.
pub fn parse_cards(text: &str) -> Result<Vec<Card>, ParseCardError> {
    text.split_whitespace().map(str::parse).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_round_trips_for_every_card() {
        for i in 0..52 {
            let card = Card::from_index(i).unwrap();
            assert_eq!(card.to_string().parse::<Card>().unwrap(), card);
        }
        assert_eq!("As".parse::<Card>().unwrap().index(), 51);
        assert_eq!("2c".parse::<Card>().unwrap().index(), 0);
        assert_eq!(" td ".parse::<Card>().unwrap().to_string(), "Td");
        assert_eq!("10H".parse::<Card>().unwrap().to_string(), "Th");
        assert!("1s".parse::<Card>().is_err());
        assert!("Ax".parse::<Card>().is_err());
        assert!("".parse::<Card>().is_err());
        assert!("A♠".parse::<Card>().is_err());
    }

    #[test]
    fn bits_are_distinct() {
        let all: CardSet = (0..52).map(|i| Card::from_index(i).unwrap()).collect();
        assert_eq!(all.len(), 52);
    }
}
