//! Kuhn poker: three cards (J < Q < K), two seats, one betting round.
//!
//! Each seat antes 1 chip. Chance deals one card to seat 0, then one to
//! seat 1 from the two left (two chance actions); the third card is never
//! used. Seat 0 acts first. There are two moves, named as in OpenSpiel:
//!
//! - `pass`: check when no bet is pending, fold when facing a bet;
//! - `bet`: bet 1 chip when no bet is pending, call when facing a bet.
//!
//! The betting sequences are `pass pass` (showdown for the antes),
//! `bet pass` (seat 1 folds), `bet bet` (showdown for 2 each),
//! `pass bet pass` (seat 0 folds) and `pass bet bet` (showdown for 2 each).
//! At a showdown the higher card takes the pot.
//!
//! Notation: player moves are `pass` and `bet`; chance outcomes are the card
//! dealt, `J`, `Q` or `K`. Parsing ignores case and surrounding whitespace
//! and also reads `check` and `fold` as `pass` and `call` as `bet` where that
//! meaning fits the position (`check` only with no bet pending, `fold` and
//! `call` only when facing a bet).
//!
//! Order: player moves are listed `pass`, `bet`; chance outcomes in card
//! order `J`, `Q`, `K` (the second deal lists the two cards left, still in
//! that order), each equally likely.
//!
//! Chance order: the two deals come first, before any bet; their chance
//! keys ([`crate::Engine::chance_key`]) are 0 (seat 0's card) and 1 (seat
//! 1's), the number of cards dealt before.
//!
//! Hidden information: a seat sees its own card and every bet, never the
//! other seat's card — except after a showdown, when both cards are shown to
//! both seats. After a fold the cards stay hidden.
//!
//! Returns are chip deltas: the winner gets the loser's stake, +1 or +2, and
//! the loser the negative of it.

use std::fmt;
use std::sync::Arc;

use serde::Serialize;

use crate::any::{AnyGame, BuiltGame};
use crate::engine::{Engine, Seat, Turn};
use crate::error::{GameError, ParseActionError};
use crate::params::Params;
use crate::registry::GameInfo;

/// The registry entry.
pub const INFO: GameInfo = GameInfo {
    name: "kuhn_poker",
    description: "Kuhn poker: three cards, ante 1, one bet of 1; higher card wins at showdown",
    seats: "2",
    params: &[],
    build,
};

fn build(params: Params) -> Result<Arc<dyn AnyGame>, GameError> {
    Ok(BuiltGame::new(INFO.name, params, KuhnPoker::default()))
}

/// A card of the three-card deck, in rank order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub enum Card {
    /// The jack, lowest.
    #[serde(rename = "J")]
    Jack,
    /// The queen.
    #[serde(rename = "Q")]
    Queen,
    /// The king, highest.
    #[serde(rename = "K")]
    King,
}

impl Card {
    /// The deck in rank order.
    pub const ALL: [Card; 3] = [Card::Jack, Card::Queen, Card::King];

    /// The one-letter name (`J`, `Q`, `K`).
    pub fn letter(self) -> char {
        match self {
            Card::Jack => 'J',
            Card::Queen => 'Q',
            Card::King => 'K',
        }
    }
}

impl fmt::Display for Card {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.letter())
    }
}

/// A player's move.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum KuhnMove {
    /// Check, or fold when facing a bet.
    Pass,
    /// Bet 1, or call when facing a bet.
    Bet,
}

/// A Kuhn poker action: a chance deal or a player's move.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum KuhnAction {
    /// Chance deals this card to the next seat without one.
    Deal(Card),
    /// A player's move.
    Move(KuhnMove),
}

/// A Kuhn poker hand in progress.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct KuhnPoker {
    /// Each seat's card, once dealt.
    cards: [Option<Card>; 2],
    /// The moves so far; seat 0 made the even ones.
    betting: Vec<KuhnMove>,
}

/// One recorded move, as a seat sees it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct BetRecord {
    /// Who moved.
    pub seat: Seat,
    /// The move.
    pub action: KuhnMove,
}

/// What one seat knows.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct KuhnObservation {
    /// The observer.
    pub seat: Seat,
    /// The observer's card, once dealt.
    pub your_card: Option<Card>,
    /// The other seat's card: only after a showdown.
    pub opponent_card: Option<Card>,
    /// Every move so far, in order.
    pub betting: Vec<BetRecord>,
    /// Chips each seat has put in (ante included).
    pub contributions: [i64; 2],
    /// Chips in the pot.
    pub pot: i64,
    /// The seat to move, or `None` while dealing or once the hand is over.
    pub to_move: Option<Seat>,
    /// The observer's legal moves (empty when it is not the observer's turn).
    pub legal_actions: Vec<String>,
    /// The seat that folded, if any.
    pub folded: Option<Seat>,
    /// Each seat's chip result, once the hand is over.
    pub returns: Option<Vec<i64>>,
}

impl KuhnPoker {
    /// The card dealt to `seat`, if any (omniscient; agents see
    /// [`Engine::observe`] instead).
    pub fn card(&self, seat: Seat) -> Option<Card> {
        self.cards.get(seat).copied().flatten()
    }

    fn is_dealt(&self) -> bool {
        self.cards[1].is_some()
    }

    fn is_over(&self) -> bool {
        matches!(
            self.betting.as_slice(),
            [KuhnMove::Pass, KuhnMove::Pass]
                | [KuhnMove::Bet, _]
                | [KuhnMove::Pass, KuhnMove::Bet, _]
        )
    }

    /// The seat that folded, if the hand ended in a fold.
    fn folded(&self) -> Option<Seat> {
        match self.betting.as_slice() {
            [KuhnMove::Bet, KuhnMove::Pass] => Some(1),
            [KuhnMove::Pass, KuhnMove::Bet, KuhnMove::Pass] => Some(0),
            _ => None,
        }
    }

    fn is_showdown(&self) -> bool {
        self.is_over() && self.folded().is_none()
    }

    /// Whether the player to act faces a bet.
    fn facing_bet(&self) -> bool {
        self.betting.last() == Some(&KuhnMove::Bet)
    }

    fn contributions(&self) -> [i64; 2] {
        let mut c = [1, 1];
        for (i, b) in self.betting.iter().enumerate() {
            if *b == KuhnMove::Bet {
                c[i % 2] += 1;
            }
        }
        c
    }

    fn winner(&self) -> Option<Seat> {
        if !self.is_over() {
            return None;
        }
        if let Some(f) = self.folded() {
            return Some(1 - f);
        }
        match (self.cards[0], self.cards[1]) {
            (Some(a), Some(b)) => Some(if a > b { 0 } else { 1 }),
            _ => None,
        }
    }

    fn remaining_cards(&self) -> impl Iterator<Item = Card> + '_ {
        Card::ALL
            .into_iter()
            .filter(|c| !self.cards.contains(&Some(*c)))
    }

    fn move_word(bet: KuhnMove, facing: bool) -> &'static str {
        match (bet, facing) {
            (KuhnMove::Pass, false) => "passed (checked)",
            (KuhnMove::Pass, true) => "passed (folded)",
            (KuhnMove::Bet, false) => "bet 1",
            (KuhnMove::Bet, true) => "bet (called)",
        }
    }

    /// The moves in words, from `seat`'s point of view when given.
    fn betting_words(&self, seat: Option<Seat>) -> String {
        if self.betting.is_empty() {
            return "no moves yet".to_string();
        }
        let mut facing = false;
        let mut parts = Vec::new();
        for (i, &b) in self.betting.iter().enumerate() {
            let who = match seat {
                Some(s) if s == i % 2 => "you".to_string(),
                Some(_) => "opponent".to_string(),
                None => format!("seat {}", i % 2),
            };
            parts.push(format!("{who} {}", Self::move_word(b, facing)));
            facing = b == KuhnMove::Bet;
        }
        parts.join(", ")
    }

    fn legal_words(&self) -> &'static str {
        if self.facing_bet() {
            "pass (fold) or bet (call 1)"
        } else {
            "pass (check) or bet (bet 1)"
        }
    }
}

impl Engine for KuhnPoker {
    type Action = KuhnAction;
    type Observation = KuhnObservation;

    fn n_seats(&self) -> usize {
        2
    }

    fn turn(&self) -> Turn {
        if !self.is_dealt() {
            Turn::Chance
        } else if self.is_over() {
            Turn::Terminal
        } else {
            Turn::Seat(self.betting.len() % 2)
        }
    }

    fn legal_actions_into(&self, out: &mut Vec<KuhnAction>) {
        match self.turn() {
            Turn::Chance => out.extend(self.remaining_cards().map(KuhnAction::Deal)),
            Turn::Seat(_) => out.extend([
                KuhnAction::Move(KuhnMove::Pass),
                KuhnAction::Move(KuhnMove::Bet),
            ]),
            Turn::Terminal => {}
        }
    }

    /// The number of cards dealt before: 0, then 1.
    fn chance_key(&self) -> Option<u64> {
        Some(self.cards.iter().flatten().count() as u64)
    }

    fn is_legal(&self, action: KuhnAction) -> bool {
        match (self.turn(), action) {
            (Turn::Chance, KuhnAction::Deal(c)) => !self.cards.contains(&Some(c)),
            (Turn::Seat(_), KuhnAction::Move(_)) => true,
            _ => false,
        }
    }

    fn illegal_reason(&self, action: KuhnAction) -> String {
        let legal = self.legal_summary();
        match (self.turn(), action) {
            (Turn::Terminal, _) => "the game is over".to_string(),
            (Turn::Chance, KuhnAction::Deal(c)) => {
                format!("the {c} is already dealt; cards left: {legal}")
            }
            (Turn::Chance, KuhnAction::Move(_)) => {
                format!("the cards are being dealt; chance outcomes: {legal}")
            }
            (Turn::Seat(_), _) => {
                format!("cards are dealt by chance, not by players; legal moves: {legal}")
            }
        }
    }

    fn apply_legal(&mut self, action: KuhnAction) {
        match action {
            KuhnAction::Deal(c) => {
                let seat = usize::from(self.cards[0].is_some());
                self.cards[seat] = Some(c);
            }
            KuhnAction::Move(b) => self.betting.push(b),
        }
    }

    fn returns(&self) -> Vec<i64> {
        match self.winner() {
            Some(w) => {
                // The winner takes the loser's stake; its own comes back.
                let won = self.contributions()[1 - w];
                let mut r = vec![-won; 2];
                r[w] = won;
                r
            }
            None => vec![0, 0],
        }
    }

    fn observe(&self, seat: Seat) -> KuhnObservation {
        let seat = seat.min(1);
        let contributions = self.contributions();
        let to_move = self.turn().seat();
        let legal_actions = if to_move == Some(seat) {
            vec!["pass".to_string(), "bet".to_string()]
        } else {
            Vec::new()
        };
        KuhnObservation {
            seat,
            your_card: self.cards[seat],
            opponent_card: if self.is_showdown() {
                self.cards[1 - seat]
            } else {
                None
            },
            betting: self
                .betting
                .iter()
                .enumerate()
                .map(|(i, &action)| BetRecord {
                    seat: i % 2,
                    action,
                })
                .collect(),
            contributions,
            pot: contributions.iter().sum(),
            to_move,
            legal_actions,
            folded: self.folded(),
            returns: self.is_over().then(|| self.returns()),
        }
    }

    fn observation_text(&self, seat: Seat) -> String {
        let seat = seat.min(1);
        let other = 1 - seat;
        let c = self.contributions();
        let mut out = String::from(
            "Kuhn poker: a deck of three cards, J < Q < K. Each player antes 1 chip and \
             gets one card; the higher card wins the pot at a showdown. Moves: pass \
             (check, or fold when facing a bet) and bet (bet 1 chip, or call a bet).\n",
        );
        out.push_str(&format!(
            "You are seat {seat} ({}).\n",
            if seat == 0 {
                "you act first"
            } else {
                "you act second"
            }
        ));
        match self.cards[seat] {
            Some(card) => out.push_str(&format!("Your card: {card}.\n")),
            None => out.push_str("Your card: not dealt yet.\n"),
        }
        out.push_str(&format!(
            "Moves so far: {}.\n",
            self.betting_words(Some(seat))
        ));
        out.push_str(&format!(
            "Pot: {} chips (you put in {}, your opponent {}).\n",
            c[0] + c[1],
            c[seat],
            c[other]
        ));
        match self.turn() {
            Turn::Chance => out.push_str("The cards are being dealt."),
            Turn::Seat(s) if s == seat => {
                out.push_str(&format!("Your move: {}.", self.legal_words()));
            }
            Turn::Seat(_) => out.push_str("Waiting for your opponent to move."),
            Turn::Terminal => {
                let r = self.returns();
                let result = match r[seat] {
                    x if x > 0 => format!("you win {x} chip{}", if x == 1 { "" } else { "s" }),
                    x => format!("you lose {} chip{}", -x, if x == -1 { "" } else { "s" }),
                };
                match self.folded() {
                    Some(f) if f == seat => out.push_str(&format!(
                        "Game over: you folded, {result}. Cards are not shown after a fold."
                    )),
                    Some(_) => out.push_str(&format!(
                        "Game over: your opponent folded, {result}. Cards are not shown after a fold."
                    )),
                    None => {
                        let theirs = self.cards[other].map_or('?', Card::letter);
                        out.push_str(&format!(
                            "Game over: showdown, your {} against your opponent's {theirs}; {result}.",
                            self.cards[seat].map_or('?', Card::letter)
                        ));
                    }
                }
            }
        }
        out
    }

    fn render(&self) -> String {
        let card = |s: usize| self.cards[s].map_or("-".to_string(), |c| c.to_string());
        let c = self.contributions();
        let mut out = format!(
            "Seat 0: {}, seat 1: {}. Moves: {}. Pot: {} ({} + {}).\n",
            card(0),
            card(1),
            self.betting_words(None),
            c[0] + c[1],
            c[0],
            c[1]
        );
        match self.turn() {
            Turn::Chance => out.push_str("Dealing."),
            Turn::Seat(s) => out.push_str(&format!("Seat {s} to move.")),
            Turn::Terminal => {
                let r = self.returns();
                let how = match self.folded() {
                    Some(f) => format!("seat {f} folded"),
                    None => "showdown".to_string(),
                };
                out.push_str(&format!("Game over ({how}): returns {} / {}.", r[0], r[1]));
            }
        }
        out
    }

    fn action_text(&self, action: KuhnAction) -> String {
        match action {
            KuhnAction::Deal(c) => c.to_string(),
            KuhnAction::Move(KuhnMove::Pass) => "pass".to_string(),
            KuhnAction::Move(KuhnMove::Bet) => "bet".to_string(),
        }
    }

    fn parse_action(&self, text: &str) -> Result<KuhnAction, ParseActionError> {
        let word = text.trim().to_ascii_lowercase();
        let facing = self.facing_bet();
        let action = match word.as_str() {
            "pass" => KuhnAction::Move(KuhnMove::Pass),
            "bet" => KuhnAction::Move(KuhnMove::Bet),
            "check" if !facing => KuhnAction::Move(KuhnMove::Pass),
            "fold" if facing => KuhnAction::Move(KuhnMove::Pass),
            "call" if facing => KuhnAction::Move(KuhnMove::Bet),
            "check" => {
                return Err(ParseActionError::new(
                    text,
                    "you face a bet: pass (fold) or bet (call)",
                ));
            }
            "fold" | "call" => {
                return Err(ParseActionError::new(
                    text,
                    "no bet is pending: pass (check) or bet",
                ));
            }
            "j" | "jack" => KuhnAction::Deal(Card::Jack),
            "q" | "queen" => KuhnAction::Deal(Card::Queen),
            "k" | "king" => KuhnAction::Deal(Card::King),
            _ => {
                return Err(ParseActionError::new(
                    text,
                    "pass or bet (chance outcomes: J, Q, K)",
                ));
            }
        };
        Ok(action)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::Playthrough;

    #[test]
    fn deal_order_and_second_deal_excludes_first_card() {
        let mut p = Playthrough::new(KuhnPoker::default());
        assert_eq!(p.turn(), Turn::Chance);
        assert_eq!(
            p.legal_actions(),
            vec![
                KuhnAction::Deal(Card::Jack),
                KuhnAction::Deal(Card::Queen),
                KuhnAction::Deal(Card::King)
            ]
        );
        p.apply(KuhnAction::Deal(Card::Queen)).unwrap();
        assert_eq!(p.turn(), Turn::Chance);
        assert_eq!(
            p.legal_actions(),
            vec![KuhnAction::Deal(Card::Jack), KuhnAction::Deal(Card::King)]
        );
        let err = p.apply(KuhnAction::Deal(Card::Queen)).unwrap_err();
        assert!(err.reason.contains("already dealt"), "{}", err.reason);
        p.apply(KuhnAction::Deal(Card::King)).unwrap();
        assert_eq!(p.turn(), Turn::Seat(0));
        assert_eq!(p.state().card(0), Some(Card::Queen));
        assert_eq!(p.state().card(1), Some(Card::King));
    }

    #[test]
    fn aliases_depend_on_the_position() {
        let mut p = Playthrough::new(KuhnPoker::default());
        p.apply(KuhnAction::Deal(Card::Jack)).unwrap();
        p.apply(KuhnAction::Deal(Card::King)).unwrap();
        let s = p.state();
        assert_eq!(
            s.parse_action(" Check "),
            Ok(KuhnAction::Move(KuhnMove::Pass))
        );
        assert!(s.parse_action("call").is_err());
        assert!(s.parse_action("fold").is_err());
        p.apply(KuhnAction::Move(KuhnMove::Bet)).unwrap();
        let s = p.state();
        assert_eq!(s.parse_action("FOLD"), Ok(KuhnAction::Move(KuhnMove::Pass)));
        assert_eq!(s.parse_action("call"), Ok(KuhnAction::Move(KuhnMove::Bet)));
        assert!(s.parse_action("check").is_err());
        assert_eq!(s.parse_action("BET"), Ok(KuhnAction::Move(KuhnMove::Bet)));
    }
}
