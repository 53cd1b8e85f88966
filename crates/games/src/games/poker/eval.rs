//! A fast 7-card hand evaluator on bit masks, with no tables.
//!
//! The four 13-bit suit masks of a [`CardSet`] give everything: a suit with
//! five or more cards is a flush; AND/OR combinations of the suit masks give
//! the ranks held at least twice, three times and four times; five
//! consecutive rank bits are a straight. The result is a [`HandRank`], a
//! `u32` whose natural order is the poker order:
//!
//! ```text
//! bits 26..30  category (0 = high card … 8 = straight flush)
//! bits 13..26  primary ranks (the quads, trips, pairs, straight top or flush cards)
//! bits  0..13  kickers
//! ```
//!
//! Rank sets of equal size compare as integers exactly like their cards
//! sorted high to low, so no further encoding is needed.

use std::fmt;

use serde::Serialize;

use super::cards::CardSet;

/// The category of a poker hand, from worst to best.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Category {
    /// No pair.
    HighCard,
    /// Two cards of one rank.
    OnePair,
    /// Two pairs.
    TwoPair,
    /// Three cards of one rank.
    ThreeOfAKind,
    /// Five consecutive ranks (the ace plays high or low).
    Straight,
    /// Five cards of one suit.
    Flush,
    /// Three of one rank and two of another.
    FullHouse,
    /// Four cards of one rank.
    FourOfAKind,
    /// A straight in one suit.
    StraightFlush,
}

impl Category {
    /// Every category, worst first.
    pub const ALL: [Category; 9] = [
        Category::HighCard,
        Category::OnePair,
        Category::TwoPair,
        Category::ThreeOfAKind,
        Category::Straight,
        Category::Flush,
        Category::FullHouse,
        Category::FourOfAKind,
        Category::StraightFlush,
    ];

    /// The category's name in words ("full house").
    pub fn name(self) -> &'static str {
        match self {
            Category::HighCard => "high card",
            Category::OnePair => "pair",
            Category::TwoPair => "two pair",
            Category::ThreeOfAKind => "three of a kind",
            Category::Straight => "straight",
            Category::Flush => "flush",
            Category::FullHouse => "full house",
            Category::FourOfAKind => "four of a kind",
            Category::StraightFlush => "straight flush",
        }
    }
}

/// The strength of a hand: a larger value is a better hand, equal values tie.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct HandRank(pub u32);

const RANK_NAMES: [&str; 13] = [
    "2", "3", "4", "5", "6", "7", "8", "9", "T", "J", "Q", "K", "A",
];
const RANKS_MASK: u32 = 0x1fff;

impl HandRank {
    /// The category (straight flush … high card).
    pub fn category(self) -> Category {
        Category::ALL[(self.0 >> 26) as usize]
    }

    fn primary(self) -> u32 {
        (self.0 >> 13) & RANKS_MASK
    }

    fn kickers(self) -> u32 {
        self.0 & RANKS_MASK
    }
}

/// The ranks in `mask`, high to low, as text ("A K 9").
fn ranks_text(mask: u32) -> String {
    (0..13)
        .rev()
        .filter(|r| mask & (1 << r) != 0)
        .map(|r| RANK_NAMES[r])
        .collect::<Vec<_>>()
        .join(" ")
}

impl fmt::Display for HandRank {
    /// Describes the hand: "full house, Q over 4", "flush, A K 9 7 3".
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let p = ranks_text(self.primary());
        let k = ranks_text(self.kickers());
        let name = self.category().name();
        match self.category() {
            Category::StraightFlush | Category::Straight => write!(f, "{name}, {p} high"),
            Category::FullHouse => write!(f, "{name}, {p} over {k}"),
            Category::Flush | Category::HighCard => write!(f, "{name}, {p}"),
            _ => write!(f, "{name}, {p}; kickers {k}"),
        }
    }
}

#[inline]
fn make(category: Category, primary: u32, kickers: u32) -> HandRank {
    HandRank(((category as u32) << 26) | (primary << 13) | kickers)
}

/// The highest set bit of a non-zero mask, as a mask.
#[inline]
fn top1(mask: u32) -> u32 {
    debug_assert!(mask != 0);
    1 << (31 - mask.leading_zeros())
}

/// Bits set in each 13-bit rank mask. A table rather than `count_ones`,
/// because the baseline x86-64 target has no `popcnt` instruction and the
/// portable fallback is a dozen operations.
static POPCOUNT_13: [u8; 8192] = {
    let mut table = [0u8; 8192];
    let mut i = 0;
    while i < 8192 {
        table[i] = (i as u32).count_ones() as u8;
        i += 1;
    }
    table
};

/// The `n` highest set bits of a 13-bit `mask`.
#[inline]
fn top_n(mut mask: u32, n: u32) -> u32 {
    let mut extra = u32::from(POPCOUNT_13[mask as usize]).saturating_sub(n);
    while extra > 0 {
        mask &= mask - 1;
        extra -= 1;
    }
    mask
}

/// The number of cards of each suit, in the low byte of each suit's 16-bit
/// lane: one SWAR popcount for all four suits at once.
#[inline]
fn suit_counts(m: u64) -> u64 {
    let x = m - ((m >> 1) & 0x5555_5555_5555_5555);
    let x = (x & 0x3333_3333_3333_3333) + ((x >> 2) & 0x3333_3333_3333_3333);
    let x = (x + (x >> 4)) & 0x0f0f_0f0f_0f0f_0f0f;
    (x + (x >> 8)) & 0x00ff_00ff_00ff_00ff
}

/// The top card of the best straight in a rank mask, as a one-bit mask.
#[inline]
fn straight_top(ranks: u32) -> Option<u32> {
    // Shift up by one and copy the ace into bit 0 so the wheel (A-2-3-4-5)
    // is five consecutive bits like any other straight.
    let r = (ranks << 1) | (ranks >> 12);
    let runs = r & (r >> 1) & (r >> 2) & (r >> 3) & (r >> 4);
    // A run starting at shifted bit j ends at shifted bit j + 4, which is
    // rank j + 3.
    (runs != 0).then(|| 1 << (31 - runs.leading_zeros() + 3))
}

#[inline]
fn flush_rank(suited: u32) -> HandRank {
    match straight_top(suited) {
        Some(top) => make(Category::StraightFlush, top, 0),
        None => make(Category::Flush, top_n(suited, 5), 0),
    }
}

/// Evaluates the best five-card hand within 5 to 7 cards.
///
/// With at most seven cards a flush rules out four of a kind and a full
/// house (either would need at least eight cards), so a flush is returned as
/// soon as it is found. Sets with more than seven cards are not supported.
#[inline]
pub fn evaluate(cards: CardSet) -> HandRank {
    let m = cards.0;
    // A lane count of at least 5 plus 11 reaches 16 and sets the lane's
    // bit 4; counts are at most 13, so no lane carries into the next.
    let flushes = (suit_counts(m) + 0x000b_000b_000b_000b) & 0x0010_0010_0010_0010;
    if flushes != 0 {
        let shift = flushes.trailing_zeros() & !15;
        return flush_rank(((m >> shift) & 0x1fff) as u32);
    }
    let c = (m & 0x1fff) as u32;
    let d = ((m >> 16) & 0x1fff) as u32;
    let h = ((m >> 32) & 0x1fff) as u32;
    let s = ((m >> 48) & 0x1fff) as u32;
    let ranks = c | d | h | s;
    // Ranks held at least twice: both cards in clubs/diamonds, both in
    // hearts/spades, or one in each half.
    let two = (c & d) | (h & s) | ((c | d) & (h | s));
    let three = (c & d & (h | s)) | (h & s & (c | d));
    let four = c & d & h & s;
    if four != 0 {
        return make(Category::FourOfAKind, four, top1(ranks & !four));
    }
    if three != 0 {
        let trips = top1(three);
        // The pair of a full house may be a second set of trips.
        let pair = two & !trips;
        if pair != 0 {
            return make(Category::FullHouse, trips, top1(pair));
        }
    }
    if let Some(top) = straight_top(ranks) {
        return make(Category::Straight, top, 0);
    }
    if three != 0 {
        return make(Category::ThreeOfAKind, three, top_n(ranks & !three, 2));
    }
    if two != 0 {
        if two & (two - 1) != 0 {
            // Of three pairs the lowest can only play as the kicker.
            let pairs = top_n(two, 2);
            return make(Category::TwoPair, pairs, top1(ranks & !pairs));
        }
        return make(Category::OnePair, two, top_n(ranks & !two, 3));
    }
    make(Category::HighCard, top_n(ranks, 5), 0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::games::poker::cards::parse_cards;

    fn eval(text: &str) -> HandRank {
        evaluate(parse_cards(text).unwrap().into_iter().collect())
    }

    #[test]
    fn categories_and_descriptions() {
        let cases = [
            ("As Ks Qs Js Ts 2c 3d", "straight flush, A high"),
            ("Ah 2h 3h 4h 5h Kc Kd", "straight flush, 5 high"),
            ("7c 7d 7h 7s Kc 2d 3d", "four of a kind, 7; kickers K"),
            ("7c 7d 7h Kc Kd Ks 2d", "full house, K over 7"),
            ("7c 7d 7h Kc Kd 2s 2d", "full house, 7 over K"),
            ("2h 9h Jh Kh 4h 4c 4d", "flush, K J 9 4 2"),
            ("Ac 2d 3h 4s 5c Kd Kh", "straight, 5 high"),
            ("Tc Jd Qh Ks Ac 9d 8h", "straight, A high"),
            ("8c 8d 8h Ks 2c 5d 6h", "three of a kind, 8; kickers K 6"),
            ("8c 8d Kh Ks 2c 2d 6h", "two pair, K 8; kickers 6"),
            ("8c 8d Kh Ks 2c 2d Ah", "two pair, K 8; kickers A"),
            ("8c 8d Kh 3s 2c 5d 6h", "pair, 8; kickers K 6 5"),
            ("Ac Td Kh 3s 2c 5d 6h", "high card, A K T 6 5"),
        ];
        for (cards, want) in cases {
            assert_eq!(eval(cards).to_string(), want, "{cards}");
        }
    }

    #[test]
    fn order_within_and_across_categories() {
        assert!(eval("Ac 2d 3h 4s 5c") < eval("2c 3d 4h 5s 6c"));
        assert!(eval("Ac Ad Kh Qs Jc") > eval("Ac Ad Kh Qs Tc"));
        assert!(eval("2c 2d 3h 3s 4c") > eval("Ac Ad Kh Qs Jc"));
        assert!(eval("Kc Kd Kh 2s 2c") > eval("Qc Qd Qh As Ac"));
        assert_eq!(eval("Ac Ad Kh Qs Jc 2d 3h"), eval("As Ah Kd Qc Js 2s 3c"));
        assert!(eval("2c 3c 4c 5c 7c") > eval("Ac Kd Qh Js Tc"));
    }
}
