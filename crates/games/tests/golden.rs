//! Golden playthroughs: one seeded random game of every registered game,
//! rendered move by move and compared with the snapshot committed under
//! `tests/snapshots/`. A change in rules, notation or rendering shows up as a
//! diff; accept intended changes with `INSTA_UPDATE=always cargo test`.

mod support;

use std::fmt::Write;

use arena_games::{AnyState, Turn};
use support::RandomPlayer;

const SEED: u64 = 2026;

fn playthrough(name: &str) -> String {
    let game = arena_games::build(name, &Default::default()).unwrap();
    let mut state: Box<dyn AnyState> = game.new_initial_state();
    let mut player = RandomPlayer::new(SEED);
    let mut out = String::new();
    writeln!(
        out,
        "game {name}, parameters {:?}, seed {SEED}",
        game.params().values()
    )
    .unwrap();
    writeln!(out, "{}\n", state.render()).unwrap();
    let mut ply = 0;
    while state.turn() != Turn::Terminal {
        let action = player.pick(state.as_ref());
        let actor = match state.turn() {
            Turn::Seat(s) => format!("seat {s}"),
            _ => "chance".to_string(),
        };
        state.apply_text(&action).unwrap();
        writeln!(
            out,
            "== ply {ply}: {actor} plays {action}\n{}\n",
            state.render()
        )
        .unwrap();
        ply += 1;
    }
    writeln!(
        out,
        "returns {:?}, outcomes {:?}",
        state.returns(),
        state.outcomes()
    )
    .unwrap();
    for seat in 0..state.n_seats() {
        writeln!(
            out,
            "\n-- final observation of seat {seat}\n{}",
            state.observation_text(seat)
        )
        .unwrap();
    }
    out
}

#[test]
fn golden_playthroughs() {
    for info in arena_games::registry() {
        insta::assert_snapshot!(info.name, playthrough(info.name));
    }
}
