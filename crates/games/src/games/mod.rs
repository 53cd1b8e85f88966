//! The games. Each module holds one engine and its `INFO` registry entry.

pub mod connect_four;
pub mod hex;
pub mod kuhn_poker;
pub mod tic_tac_toe;

use crate::registry::GameInfo;

/// Every registered game, in the order `runner games` lists them.
pub(crate) static ALL: &[GameInfo] = &[
    connect_four::INFO,
    tic_tac_toe::INFO,
    kuhn_poker::INFO,
    hex::INFO,
];
