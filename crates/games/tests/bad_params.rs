//! Bad game parameters: each is a typed error whose message names the
//! parameter (or game) and what would be valid.

use std::collections::BTreeMap;

use arena_games::{GameError, ParamValue, build};

fn given(params: &[(&str, ParamValue)]) -> BTreeMap<String, ParamValue> {
    params
        .iter()
        .map(|(k, v)| (k.to_string(), v.clone()))
        .collect()
}

/// Builds `game` with `params` and checks the error kind and that the
/// message contains every fragment.
fn check(
    game: &str,
    params: &[(&str, ParamValue)],
    kind: fn(&GameError) -> bool,
    fragments: &[&str],
) {
    let err = build(game, &given(params)).expect_err("bad parameters must not build");
    assert!(
        kind(&err),
        "{game} {params:?}: unexpected error kind {err:?}"
    );
    let message = err.to_string();
    for f in fragments {
        assert!(
            message.contains(f),
            "{game} {params:?}: {message:?} lacks {f:?}"
        );
    }
}

#[test]
fn unknown_game_lists_the_known_ones() {
    check(
        "chess",
        &[],
        |e| matches!(e, GameError::UnknownGame { .. }),
        &["chess", "connect_four"],
    );
}

#[test]
fn unknown_parameter_lists_the_parameters() {
    check(
        "connect_four",
        &[("colums", 7.into())],
        |e| matches!(e, GameError::UnknownParam { .. }),
        &["colums", "rows, columns, k"],
    );
}

#[test]
fn wrong_type_names_the_expected_type() {
    check(
        "connect_four",
        &[("rows", "six".into())],
        |e| matches!(e, GameError::WrongType { .. }),
        &["rows", "an integer in 2..=15", "\"six\""],
    );
}

#[test]
fn out_of_range_names_the_range() {
    check(
        "connect_four",
        &[("columns", 40.into())],
        |e| matches!(e, GameError::OutOfRange { .. }),
        &["columns", "40", "2..=15"],
    );
}

#[test]
fn connect_four_that_cannot_be_won_is_rejected() {
    check(
        "connect_four",
        &[("rows", 2.into()), ("columns", 2.into()), ("k", 4.into())],
        |e| matches!(e, GameError::InvalidParams { .. }),
        &["k=4", "max(rows, columns) = 2"],
    );
}

#[test]
fn connect_four_too_large_for_the_bitboard_is_rejected() {
    check(
        "connect_four",
        &[("rows", 9.into()), ("columns", 9.into())],
        |e| matches!(e, GameError::InvalidParams { .. }),
        &["(rows + 1) × columns must be at most 64"],
    );
}
