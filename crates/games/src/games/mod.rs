//! The games. Each module holds one engine and its `INFO` registry entry.

pub mod connect_four;
pub mod poker;

use crate::registry::GameInfo;

/// Every registered game, in the order `runner games` lists them.
pub(crate) static ALL: &[GameInfo] = &[connect_four::INFO, poker::INFO];
