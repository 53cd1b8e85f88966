//! No-Limit Texas Hold'em for 2 to 10 seats: one hand, or a match of several
//! hands with carried stacks and a moving button.
//!
//! # Parameters
//! `players` (2..=10, default 2), `stack` (starting chips per seat, default
//! 200), `small_blind` (1), `big_blind` (2), `ante` (0) and `hands` (1). With
//! `hands` = 1 the game is one hand from fresh stacks; with more it is a match
//! that ends when one seat holds every chip or after `hands` hands.
//!
//! # Table
//! Seat 0 has the button in the first hand; afterwards the button moves to the
//! next seat (in increasing seat order, wrapping around) that still has
//! chips. Seats without chips sit out. Every seat in the hand first posts the
//! ante (antes are dead money: they do not count toward calling), then the
//! seat left of the button posts the small blind and the next one the big
//! blind. Heads-up (two seats with chips) the button posts the small blind,
//! acts first before the flop and last after it. A seat that cannot cover an
//! ante or blind posts what it has and is all-in; the bet to call before the
//! flop is then the larger blind actually posted, while the minimum raise
//! increment stays the full big blind.
//!
//! # Chance and dealing order
//! Every dealt card is one chance action ([`PokerAction::Deal`]); the legal
//! chance actions are the undealt cards in card-index order (`2c 2d 2h 2s 3c
//! … As`), all equally likely. Hole cards go one at a time to each seat in
//! the hand, starting left of the button and ending with the button, then a
//! second round in the same order. Then come the flop (three chance actions),
//! the turn and the river, each after the betting round before it. There are
//! no burn cards (unseen, they do not change the odds). When all but one seat
//! fold no more cards are dealt; when at most one seat can still bet, the
//! rest of the board is dealt without betting and the hand goes to showdown.
//!
//! The chance key ([`crate::Engine::chance_key`]) of a deal is the hand
//! number times 256 plus the card's slot in the hand (how many cards the hand
//! has dealt before it: hole cards from 0, then the board). It does not
//! depend on the betting: in two matches played from the same seed the k-th
//! card of hand h is the same card, even when hand h-1 ended preflop in one
//! and at a showdown in the other. (Which seat a hole-card slot goes to
//! follows the button and the seats still in the match, as above.)
//!
//! # Betting
//! Actions are `fold`, `check`, `call`, `bet N` and `raise N`, where N is the
//! seat's **total** bet on this street after the action ("raise to N"). Going
//! all-in is a bet or raise to everything the seat has (or a call, if that is
//! not more than the current bet). Legal actions are listed in this order:
//! `fold` (only when facing a bet — folding when a check is free is not
//! offered), then `check` or `call`, then every bet/raise size from the
//! minimum up to all-in, ascending.
//!
//! A bet must be at least the big blind; a raise must add at least the
//! largest bet or raise increment made so far on the street (at least the big
//! blind). A seat with fewer chips may still go all-in for less. Such a short
//! all-in raise is not a full raise: it does not change the minimum
//! increment, and it does not reopen the betting for a seat that has already
//! acted on the street — that seat may only call or fold — unless the raises
//! made since its last action add up to at least one full raise (the TDA
//! rule). Seats that have not yet acted may raise as usual. Nobody may raise
//! when every other seat still in the hand is all-in.
//!
//! # Pots and showdown
//! Pots are built from what each seat put in during the hand: one layer per
//! all-in level, each won by the best hand among the seats that put in at
//! least that much and did not fold. Chips a seat put in that nobody matched
//! go back to it. A pot that splits evenly is shared; the odd chips left
//! over go one each to the tied winners closest to the left of the button
//! (in dealing order). At a showdown every hand still in is shown, losers
//! included (no mucking), and stays visible to every seat for the rest of
//! that hand and the next one; a hand won because everyone else folded shows
//! no cards. No seat ever sees another seat's unshown hole cards.
//!
//! # Returns
//! Each seat's chips at the end minus its starting stack (they sum to zero).

mod cards;
mod eval;
mod state;

use std::sync::Arc;

use crate::any::{AnyGame, BuiltGame};
use crate::error::GameError;
use crate::params::{ParamKind, ParamSpec, Params};
use crate::registry::GameInfo;

pub use cards::{Card, CardSet, ParseCardError, parse_cards};
pub use eval::{Category, HandRank, evaluate};
pub use state::{
    MAX_CHIPS, MAX_SEATS, Poker, PokerAction, PokerConfig, PokerObservation, PotView, SeatStatus,
    SeatView, Street,
};

/// The registry entry.
pub const INFO: GameInfo = GameInfo {
    name: "poker",
    description: "No-Limit Texas Hold'em: blinds, antes, side pots; one hand or a match",
    seats: "2-10",
    params: &[
        ParamSpec {
            name: "players",
            kind: ParamKind::Int {
                min: 2,
                max: MAX_SEATS as i64,
            },
            default: "2",
            description: "seats at the table",
        },
        ParamSpec {
            name: "stack",
            kind: ParamKind::Int {
                min: 1,
                max: MAX_CHIPS as i64,
            },
            default: "200",
            description: "starting chips per seat; every bet size is a legal action, so keep it modest",
        },
        ParamSpec {
            name: "small_blind",
            kind: ParamKind::Int {
                min: 0,
                max: MAX_CHIPS as i64,
            },
            default: "1",
            description: "small blind; at most the big blind",
        },
        ParamSpec {
            name: "big_blind",
            kind: ParamKind::Int {
                min: 1,
                max: MAX_CHIPS as i64,
            },
            default: "2",
            description: "big blind (also the minimum bet); at most the stack",
        },
        ParamSpec {
            name: "ante",
            kind: ParamKind::Int {
                min: 0,
                max: MAX_CHIPS as i64,
            },
            default: "0",
            description: "ante every seat posts each hand; at most the stack",
        },
        ParamSpec {
            name: "hands",
            kind: ParamKind::Int {
                min: 1,
                max: 1_000_000,
            },
            default: "1",
            description: "hands to play; above 1 stacks carry over and the button moves",
        },
    ],
    build,
};

fn build(params: Params) -> Result<Arc<dyn AnyGame>, GameError> {
    let config = PokerConfig::from_params(&params)?;
    let state = Poker::new(config)?;
    Ok(BuiltGame::new(INFO.name, params, state))
}
