//! The games. Each module holds one engine and its `INFO` registry entry;
//! `matrix` holds one engine for three games and an entry for each.

pub mod connect_four;
pub mod hex;
pub mod kuhn_poker;
pub mod matrix;
pub mod poker;
pub mod reverse_hangman;
pub mod tic_tac_toe;

use crate::registry::GameInfo;

/// Every registered game, in the order `runner games` lists them.
pub(crate) static ALL: &[GameInfo] = &[
    connect_four::INFO,
    poker::INFO,
    reverse_hangman::INFO,
    tic_tac_toe::INFO,
    kuhn_poker::INFO,
    hex::INFO,
    matrix::PRISONERS_DILEMMA,
    matrix::MATCHING_PENNIES,
    matrix::ROCK_PAPER_SCISSORS,
];
