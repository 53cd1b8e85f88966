//! The list of every game, its parameters, and how to build it by name.

use std::collections::BTreeMap;
use std::sync::Arc;

use crate::any::AnyGame;
use crate::error::GameError;
use crate::games;
use crate::params::{ParamSpec, ParamValue, Params};

/// A registered game: its name, what it is, its parameters and its builder.
#[derive(Clone, Copy, Debug)]
pub struct GameInfo {
    /// The name used in configs (`connect_four`).
    pub name: &'static str,
    /// One line describing the game.
    pub description: &'static str,
    /// The number of seats, in words ("2", "2-10").
    pub seats: &'static str,
    /// Every parameter with its default and range.
    pub params: &'static [ParamSpec],
    /// Builds the game from validated parameters; checks the constraints
    /// between parameters.
    pub build: fn(Params) -> Result<Arc<dyn AnyGame>, GameError>,
}

/// Every registered game, in a stable order.
pub fn registry() -> &'static [GameInfo] {
    games::ALL
}

/// The registry entry for `name`.
pub fn find(name: &str) -> Result<&'static GameInfo, GameError> {
    registry()
        .iter()
        .find(|g| g.name == name)
        .ok_or_else(|| GameError::UnknownGame {
            name: name.to_string(),
            known: registry().iter().map(|g| g.name.to_string()).collect(),
        })
}

/// Builds the game `name` from the given parameter values (missing ones
/// take their defaults). Unknown names, unknown parameters, wrong types and
/// out-of-range values are errors naming the parameter and its valid range.
pub fn build(
    name: &str,
    given: &BTreeMap<String, ParamValue>,
) -> Result<Arc<dyn AnyGame>, GameError> {
    let info = find(name)?;
    let params = Params::resolve(info.name, info.params, given)?;
    (info.build)(params)
}
