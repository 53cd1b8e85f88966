//! `runner games` lists every game with its parameters.

use crate::util::runner;

#[test]
fn games_lists_every_game_and_its_parameters() {
    let out = runner(&["games"]);
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    for info in arena_games::registry() {
        assert!(
            text.contains(info.name),
            "{} missing from:\n{text}",
            info.name
        );
        for p in info.params {
            assert!(text.contains(p.name), "{}.{} missing", info.name, p.name);
        }
    }
    assert!(text.contains("columns        default 7"), "{text}");
}

#[test]
fn unknown_subcommand_fails_with_usage() {
    let out = runner(&["no-such-command"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("Usage"));
}
