//! Rules of the hold'em engine, hand by hand: blinds and dealing order,
//! minimum raises and short all-ins, side pots, split pots with odd chips,
//! folds, antes, matches over several hands, errors and hidden cards.

use std::collections::BTreeMap;

use arena_games::games::poker::{
    Card, Poker, PokerAction, PokerConfig, PokerObservation, SeatStatus, Street,
};
use arena_games::{Engine, GameError, ParamValue, Playthrough, Turn, build};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use PokerAction::{Bet, Call, Check, Fold, Raise};

fn config(players: usize) -> PokerConfig {
    PokerConfig {
        players,
        ..PokerConfig::default()
    }
}

fn table(cfg: PokerConfig) -> Playthrough<Poker> {
    Playthrough::new(Poker::new(cfg).unwrap())
}

fn card(text: &str) -> Card {
    text.parse().unwrap()
}

/// Deals the given cards as chance actions, checking that chance is to move.
fn deal(play: &mut Playthrough<Poker>, cards: &str) {
    for c in cards.split_whitespace() {
        assert_eq!(play.turn(), Turn::Chance, "dealing {c}");
        play.apply(PokerAction::Deal(card(c))).unwrap();
    }
}

/// Applies betting actions, checking who is to act before each.
fn act(play: &mut Playthrough<Poker>, moves: &[(usize, PokerAction)]) {
    for &(seat, action) in moves {
        assert_eq!(play.turn(), Turn::Seat(seat), "before {action:?}");
        play.apply(action)
            .unwrap_or_else(|e| panic!("seat {seat} {action:?}: {e}"));
    }
}

fn summary(play: &Playthrough<Poker>) -> String {
    play.state().legal_summary()
}

#[test]
fn heads_up_button_posts_small_blind_acts_first_preflop_and_last_after() {
    let mut p = table(config(2));
    let s = p.state();
    assert_eq!(s.button(), 0);
    assert_eq!(s.street_bets(), &[1, 2]);
    assert_eq!(s.stacks(), &[199, 198]);
    // Hole cards: seat 1 (left of the button) first, then the button.
    deal(&mut p, "As Kd Qh Jc");
    assert_eq!(p.state().hole_cards(1), Some([card("As"), card("Qh")]));
    assert_eq!(p.state().hole_cards(0), Some([card("Kd"), card("Jc")]));
    assert_eq!(p.turn(), Turn::Seat(0));
    assert_eq!(summary(&p), "fold, call 2, raise 4..200");
    act(&mut p, &[(0, Call)]);
    // The big blind keeps its option.
    assert_eq!(summary(&p), "check, raise 4..200");
    act(&mut p, &[(1, Check)]);
    assert_eq!(p.state().street(), Street::Flop);
    deal(&mut p, "2c 3d 4h");
    assert_eq!(
        p.turn(),
        Turn::Seat(1),
        "the big blind acts first after the flop"
    );
    assert_eq!(summary(&p), "check, bet 2..198");
    act(&mut p, &[(1, Check), (0, Check)]);
    deal(&mut p, "5s");
    act(&mut p, &[(1, Check), (0, Check)]);
    deal(&mut p, "6s");
    act(&mut p, &[(1, Check), (0, Check)]);
    assert_eq!(p.turn(), Turn::Terminal);
    // The board is a 6-high straight that neither hand improves: the pot
    // of 4 splits.
    assert_eq!(p.state().returns(), vec![0, 0]);
}

#[test]
fn hole_cards_go_round_from_left_of_the_button_twice() {
    let mut p = table(config(4));
    deal(&mut p, "2c 3c 4c 5c 6c 7c 8c 9c");
    let s = p.state();
    assert_eq!(s.hole_cards(1), Some([card("2c"), card("6c")]));
    assert_eq!(s.hole_cards(2), Some([card("3c"), card("7c")]));
    assert_eq!(s.hole_cards(3), Some([card("4c"), card("8c")]));
    assert_eq!(s.hole_cards(0), Some([card("5c"), card("9c")]));
    // Three or more seats: small blind left of the button, big blind next,
    // the seat after the big blind acts first.
    assert_eq!(s.street_bets(), &[0, 1, 2, 0]);
    assert_eq!(p.turn(), Turn::Seat(3));
}

#[test]
fn chance_lists_undealt_cards_in_index_order() {
    let mut p = table(config(2));
    let legal = p.legal_actions();
    assert_eq!(legal.len(), 52);
    assert_eq!(legal[0], PokerAction::Deal(card("2c")));
    assert_eq!(legal[1], PokerAction::Deal(card("2d")));
    assert_eq!(legal[51], PokerAction::Deal(card("As")));
    deal(&mut p, "2d");
    let legal = p.legal_actions();
    assert_eq!(legal.len(), 51);
    assert!(!legal.contains(&PokerAction::Deal(card("2d"))));
    let err = p.apply(PokerAction::Deal(card("2d"))).unwrap_err();
    assert!(err.reason.contains("already been dealt"), "{}", err.reason);
}

#[test]
fn legal_actions_are_fold_call_then_every_raise_ascending() {
    let mut p = table(config(2));
    deal(&mut p, "As Kd Qh Jc");
    let legal = p.legal_actions();
    assert_eq!(legal[0], Fold);
    assert_eq!(legal[1], Call);
    let raises: Vec<u32> = legal[2..]
        .iter()
        .map(|a| match a {
            Raise(n) => *n,
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(raises, (4..=200).collect::<Vec<_>>());
    let texts: Vec<String> = legal.iter().map(|&a| p.state().action_text(a)).collect();
    assert_eq!(&texts[..3], &["fold", "call", "raise 4"]);
    let constraint = p.state().move_constraint();
    assert_eq!(constraint.choices.unwrap().len(), 2 + 197);
}

#[test]
fn minimum_raise_is_the_last_full_raise() {
    let mut p = table(config(2));
    deal(&mut p, "As Kd Qh Jc");
    let before = p.state().clone();
    let err = p.apply(Raise(3)).unwrap_err();
    assert_eq!(err.action, Raise(3));
    assert_eq!(
        err.reason,
        "raise to 3 is below the minimum raise to 4; legal: fold, call 2, raise 4..200"
    );
    assert_eq!(p.state(), &before);
    act(&mut p, &[(0, Raise(6))]);
    // The raise added 4, so the next raise must add at least 4 more.
    assert_eq!(summary(&p), "fold, call 6, raise 10..200");
    act(&mut p, &[(1, Raise(20))]);
    assert_eq!(summary(&p), "fold, call 20, raise 34..200");
}

/// Three seats; seat 2 is short. On the flop seat 1 bets 20 and seat 2 goes
/// all-in for 28, a raise of only 8.
fn short_all_in_on_the_flop() -> Playthrough<Poker> {
    let cfg = config(3);
    let mut p = Playthrough::new(Poker::with_stacks(cfg, &[200, 200, 30]).unwrap());
    deal(&mut p, "2c 3c 4c 2d 3d 4d");
    act(&mut p, &[(0, Call), (1, Call), (2, Check)]);
    deal(&mut p, "Kh 8s 7d");
    act(&mut p, &[(1, Bet(20)), (2, Raise(28))]);
    assert_eq!(p.state().statuses()[2], SeatStatus::AllIn);
    p
}

#[test]
fn short_all_in_raise_does_not_reopen_betting_for_seats_that_acted() {
    let mut p = short_all_in_on_the_flop();
    // Seat 0 has not acted on the flop: it may raise, by a full 20.
    assert_eq!(summary(&p), "fold, call 28, raise 48..198");
    act(&mut p, &[(0, Call)]);
    // Seat 1 bet 20 and faces only a short raise: call or fold.
    assert_eq!(summary(&p), "fold, call 28");
    let before = p.state().clone();
    let err = p.apply(Raise(48)).unwrap_err();
    assert!(
        err.reason.contains("does not reopen the betting"),
        "{}",
        err.reason
    );
    assert!(
        err.reason.ends_with("legal: fold, call 28"),
        "{}",
        err.reason
    );
    assert_eq!(p.state(), &before);
    act(&mut p, &[(1, Call)]);
    assert_eq!(p.state().street(), Street::Turn);
}

#[test]
fn full_raise_after_short_all_in_reopens_betting() {
    let mut p = short_all_in_on_the_flop();
    act(&mut p, &[(0, Raise(48))]);
    // Seat 1 now faces a full raise: it may re-raise by at least 20.
    assert_eq!(summary(&p), "fold, call 48, raise 68..198");
}

#[test]
fn short_all_ins_that_add_up_to_a_full_raise_reopen_betting() {
    // Seat 1 bets 20; seat 2 all-in to 30 (short), seat 3 all-in to 40:
    // 20 more than seat 1's bet in total, a full raise for seat 1.
    let mut p = Playthrough::new(Poker::with_stacks(config(4), &[200, 200, 32, 42]).unwrap());
    deal(&mut p, "2c 3c 4c 5c 2d 3d 4d 5d");
    act(&mut p, &[(3, Call), (0, Call), (1, Call), (2, Check)]);
    deal(&mut p, "Kh 8s 7d");
    act(&mut p, &[(1, Bet(20)), (2, Raise(30)), (3, Raise(40))]);
    // Seat 0 has not acted: minimum raise is 40 + 20.
    assert_eq!(summary(&p), "fold, call 40, raise 60..198");
    act(&mut p, &[(0, Call)]);
    assert_eq!(summary(&p), "fold, call 40, raise 60..198");
}

#[test]
fn three_all_ins_of_different_sizes_make_side_pots() {
    // Seat 1 (10 chips) has the best hand, seat 2 (20) the second, seat 3
    // (30) the third, and the big stack on the button the worst.
    let mut p = Playthrough::new(Poker::with_stacks(config(4), &[100, 10, 20, 30]).unwrap());
    deal(&mut p, "As Ks Qs 8d Ah Kh Qh 4s");
    act(
        &mut p,
        &[(3, Raise(30)), (0, Raise(100)), (1, Call), (2, Call)],
    );
    // Nobody can bet any more: the board is dealt out.
    assert_eq!(p.state().committed(), &[100, 10, 20, 30]);
    let obs: PokerObservation = p.state().observe(0);
    let pots: Vec<(u32, Vec<usize>)> = obs
        .pots
        .iter()
        .map(|p| (p.amount, p.eligible.clone()))
        .collect();
    assert_eq!(
        pots,
        vec![
            (40, vec![0, 1, 2, 3]),
            (30, vec![0, 2, 3]),
            (20, vec![0, 3]),
            (70, vec![0]),
        ]
    );
    deal(&mut p, "2c 7d 9h Js 3c");
    assert_eq!(p.turn(), Turn::Terminal);
    assert_eq!(p.state().returns(), vec![-30, 30, 10, -10]);
    let text = p.state().observation_text(0);
    for line in [
        "70 uncalled returned to seat 0",
        "seat 1 wins 40 from the main pot",
        "seat 2 wins 30 from side pot 1",
        "seat 3 wins 20 from side pot 2",
        "seat 1 shows As Ah (pair, A; kickers J 9 7)",
    ] {
        assert!(text.contains(line), "missing {line:?} in\n{text}");
    }
}

#[test]
fn folded_chips_stay_in_the_side_pot_they_were_put_into() {
    // Seat 3 all-in for 5; seat 0 raises to 20, seat 1 folds its small
    // blind, seat 2 calls. Seat 3 wins the main pot; the side pot (with seat
    // 1's dead blind) goes to the better of seats 0 and 2.
    let mut p = Playthrough::new(Poker::with_stacks(config(4), &[100, 100, 100, 5]).unwrap());
    deal(&mut p, "7c 8c As 2d 7d 8d Ah 3h");
    act(
        &mut p,
        &[(3, Raise(5)), (0, Raise(20)), (1, Fold), (2, Call)],
    );
    deal(&mut p, "Kc Qd Js");
    act(&mut p, &[(2, Check), (0, Check)]);
    deal(&mut p, "4s");
    act(&mut p, &[(2, Check), (0, Check)]);
    deal(&mut p, "5c");
    act(&mut p, &[(2, Check), (0, Check)]);
    assert_eq!(p.turn(), Turn::Terminal);
    // Main pot: 5 × 3 + 1 (seat 1's dead blind) = 16 to seat 3's aces.
    // Side pot: 15 + 15 = 30 to seat 2's eights over seat 0's king high.
    let r = p.state().returns();
    assert_eq!(r, vec![-20, -1, 10, 11]);
}

#[test]
fn split_pot_odd_chip_goes_to_the_first_winner_left_of_the_button() {
    // Three seats: the button calls, the small blind folds (1 dead chip),
    // the big blind checks; the pot of 5 splits between seats 0 and 2 on a
    // board straight, and seat 2 (first left of the button among the
    // winners) gets the odd chip.
    let mut p = table(config(3));
    deal(&mut p, "2c 2d 3c 3d 3h 4c");
    act(&mut p, &[(0, Call), (1, Fold), (2, Check)]);
    deal(&mut p, "Ts Jh Qd");
    act(&mut p, &[(2, Check), (0, Check)]);
    deal(&mut p, "Kc");
    act(&mut p, &[(2, Check), (0, Check)]);
    deal(&mut p, "As");
    act(&mut p, &[(2, Check), (0, Check)]);
    assert_eq!(p.turn(), Turn::Terminal);
    assert_eq!(p.state().returns(), vec![0, -1, 1]);
    let text = p.state().render();
    assert!(text.contains("seat 2 wins 3 from the main pot"), "{text}");
    assert!(text.contains("seat 0 wins 2 from the main pot"), "{text}");
}

#[test]
fn fold_ends_the_hand_without_a_board_or_shown_cards() {
    let mut p = table(config(2));
    deal(&mut p, "As Kd Qh Jc");
    act(&mut p, &[(0, Raise(6)), (1, Fold)]);
    assert_eq!(p.turn(), Turn::Terminal);
    assert!(p.state().board().is_empty());
    assert_eq!(p.state().returns(), vec![2, -2]);
    let seen_by_1 = p.state().observation_text(1);
    assert!(
        !seen_by_1.contains("Kd") && !seen_by_1.contains("Jc"),
        "{seen_by_1}"
    );
    assert!(
        seen_by_1.contains("4 uncalled returned to seat 0"),
        "{seen_by_1}"
    );
    assert!(
        seen_by_1.contains("seat 0 wins 4 from the main pot; everyone else folded"),
        "{seen_by_1}"
    );
    assert!(seen_by_1.contains("Game over. Chips won or lost: seat 0 +2, seat 1 -2"));
    let obs = p.state().observe(1);
    assert_eq!(obs.seats[0].cards, None);
    assert_eq!(obs.returns, Some(vec![2, -2]));
}

#[test]
fn antes_are_dead_money_posted_before_the_blinds() {
    let cfg = PokerConfig {
        players: 3,
        ante: 1,
        ..PokerConfig::default()
    };
    let mut p = table(cfg);
    assert_eq!(p.state().committed(), &[1, 2, 3]);
    assert_eq!(p.state().street_bets(), &[0, 1, 2]);
    deal(&mut p, "2c 2d 3c 3d 3h 4c");
    // Antes do not count toward the call: the button still owes 2.
    assert_eq!(summary(&p), "fold, call 2, raise 4..199");
    act(&mut p, &[(0, Fold), (1, Fold)]);
    assert_eq!(p.turn(), Turn::Terminal);
    assert_eq!(p.state().returns(), vec![-1, -2, 3]);
}

#[test]
fn all_in_preflop_deals_the_board_and_shows_both_hands() {
    let mut p = table(config(2));
    deal(&mut p, "As Kd Ah Kc");
    act(&mut p, &[(0, Raise(200)), (1, Call)]);
    assert_eq!(p.turn(), Turn::Chance);
    // Nothing is shown before the showdown.
    assert!(!p.state().observation_text(1).contains("Kd"));
    deal(&mut p, "2c 7d 9h Js 3c");
    assert_eq!(p.turn(), Turn::Terminal);
    assert_eq!(p.state().returns(), vec![-200, 200]);
    let seen_by_1 = p.state().observation_text(1);
    assert!(seen_by_1.contains("seat 0 shows Kd Kc"), "{seen_by_1}");
    let obs = p.state().observe(1);
    assert_eq!(obs.seats[0].cards, Some([card("Kd"), card("Kc")]));
}

#[test]
fn a_match_carries_stacks_and_moves_the_button() {
    let cfg = PokerConfig {
        hands: 3,
        ..PokerConfig::default()
    };
    let mut p = table(cfg);
    deal(&mut p, "As Kd Ah Kc");
    act(&mut p, &[(0, Fold)]);
    // Hand 2: seat 1 has the button and posts the small blind.
    assert_eq!(p.state().hand_number(), 2);
    assert_eq!(p.state().button(), 1);
    assert_eq!(p.state().stacks(), &[197, 200]);
    assert_eq!(p.state().street_bets(), &[2, 1]);
    deal(&mut p, "2c 2d 3c 3d");
    assert_eq!(p.turn(), Turn::Seat(1));
    let text = p.state().observation_text(0);
    assert!(
        text.contains("Previous hand:\n  hand 1 begins; seat 0 has the button"),
        "{text}"
    );
    assert!(text.contains("seat 0 folds"), "{text}");
    act(&mut p, &[(1, Fold)]);
    assert_eq!(p.state().hand_number(), 3);
    assert_eq!(p.state().button(), 0);
    deal(&mut p, "2c 2d 3c 3d");
    act(&mut p, &[(0, Call), (1, Check)]);
    deal(&mut p, "Ts Jh Qd");
    act(&mut p, &[(1, Check), (0, Check)]);
    deal(&mut p, "Kc");
    act(&mut p, &[(1, Check), (0, Check)]);
    deal(&mut p, "9s");
    act(&mut p, &[(1, Check), (0, Check)]);
    // Straight on the board: a split. Three hands played: the match is over.
    assert_eq!(p.turn(), Turn::Terminal);
    assert_eq!(p.state().returns(), vec![0, 0]);
}

#[test]
fn a_match_ends_when_one_seat_has_every_chip() {
    let cfg = PokerConfig {
        hands: 10,
        ..PokerConfig::default()
    };
    let mut p = table(cfg);
    deal(&mut p, "As Kd Ah Kc");
    act(&mut p, &[(0, Raise(200)), (1, Call)]);
    deal(&mut p, "2c 7d 9h Js 3c");
    assert_eq!(p.turn(), Turn::Terminal);
    assert_eq!(p.state().hand_number(), 1);
    assert_eq!(p.state().returns(), vec![-200, 200]);
}

#[test]
fn a_busted_seat_sits_out_and_the_button_skips_it() {
    let cfg = PokerConfig {
        players: 3,
        hands: 5,
        ..PokerConfig::default()
    };
    let mut p = table(cfg);
    // Hand 1: seat 0 button, seat 1 small blind, seat 2 big blind. Seats 0
    // and 1 get it all in and seat 1 loses everything.
    deal(&mut p, "Ks 2c As Kh 7d Ah");
    act(&mut p, &[(0, Raise(200)), (1, Call), (2, Fold)]);
    deal(&mut p, "3c 4d 9h Js Qc");
    // Hand 2: the button passes seat 1 by; heads-up, the button (seat 2)
    // posts the small blind.
    let s = p.state();
    assert_eq!(s.hand_number(), 2);
    assert_eq!(s.button(), 2);
    assert_eq!(s.statuses()[1], SeatStatus::Out);
    assert_eq!(s.stacks(), &[400, 0, 197]);
    assert_eq!(s.street_bets(), &[2, 0, 1]);
    deal(&mut p, "2c 2d 3c 3d");
    assert_eq!(p.state().hole_cards(1), None);
    assert_eq!(p.turn(), Turn::Seat(2));
    act(&mut p, &[(2, Fold)]);
    assert_eq!(p.state().button(), 0);
    assert_eq!(p.state().street_bets(), &[1, 0, 2]);
}

#[test]
fn an_illegal_action_is_a_typed_error_and_changes_nothing() {
    let mut p = table(config(2));
    deal(&mut p, "As Kd Qh Jc");
    let before = p.clone();
    for (action, reason) in [
        (
            Check,
            "you cannot check: the bet is 2 and you have 1 in; legal: fold, call 2, raise 4..200",
        ),
        (
            Bet(10),
            "there is already a bet of 2; raise instead; legal: fold, call 2, raise 4..200",
        ),
        (
            Raise(201),
            "raise to 201 is more than your 200 chips (stack plus bet); legal: fold, call 2, raise 4..200",
        ),
        (
            PokerAction::Deal(card("2c")),
            "2c is a card, not a betting action; legal: fold, call 2, raise 4..200",
        ),
    ] {
        let err = p.apply(action).unwrap_err();
        assert_eq!(err.action, action);
        assert_eq!(err.reason, reason);
        assert_eq!(p.state(), before.state());
        assert_eq!(p.history(), before.history());
    }
    // Through the text API: typed errors, state unchanged.
    let mut any: Box<dyn arena_games::AnyState> = Box::new(p.clone());
    match any.apply_text("raise 3") {
        Err(GameError::Illegal { action, reason }) => {
            assert_eq!(action, "raise 3");
            assert!(reason.starts_with("raise to 3 is below the minimum raise to 4"));
        }
        other => panic!("{other:?}"),
    }
    assert!(matches!(
        any.apply_text("dance"),
        Err(GameError::Unparsable(_))
    ));
    assert_eq!(any.history_len(), 4);
    any.apply_text("  RAISE 10 ").unwrap();
    assert_eq!(any.history().last().unwrap().1, "raise 10");
    // After the game is over nothing applies.
    any.apply_text("fold").unwrap();
    assert!(any.is_terminal());
    assert!(matches!(
        any.apply_text("check"),
        Err(GameError::Illegal { .. })
    ));
}

#[test]
fn parsing_accepts_canonical_text_and_friendly_variants() {
    let mut p = table(config(2));
    deal(&mut p, "As Kd Qh Jc");
    let s = p.state();
    for (text, want) in [
        ("fold", Fold),
        (" Call ", Call),
        ("call 2", Call),
        ("call 1", Call),
        ("raise 4", Raise(4)),
        ("RAISE TO 8", Raise(8)),
        ("bet 8", Raise(8)),
        ("all-in", Raise(200)),
        ("check", Check),
    ] {
        assert_eq!(s.parse_action(text).unwrap(), want, "{text}");
    }
    assert!(s.parse_action("call 7").is_err());
    assert!(s.parse_action("raise lots").is_err());
    assert!(s.parse_action("").is_err());
    for action in p.legal_actions() {
        let text = s.action_text(action);
        assert_eq!(s.parse_action(&text).unwrap(), action, "{text}");
    }
}

#[test]
fn bad_parameters_are_typed_errors_naming_the_parameter() {
    let build_with = |pairs: &[(&str, i64)]| {
        let params: BTreeMap<String, ParamValue> = pairs
            .iter()
            .map(|&(k, v)| (k.to_string(), ParamValue::Int(v)))
            .collect();
        build("poker", &params).map(|_| ())
    };
    assert!(build_with(&[]).is_ok());
    assert!(build_with(&[("players", 10), ("hands", 100), ("ante", 1)]).is_ok());
    for (pairs, param, range) in [
        (vec![("players", 1)], "players", "2..=10"),
        (vec![("players", 11)], "players", "2..=10"),
        (vec![("stack", 0)], "stack", "1..=1000000"),
        (vec![("big_blind", 0)], "big_blind", "1..=1000000"),
        (vec![("hands", 0)], "hands", "1..=1000000"),
    ] {
        match build_with(&pairs) {
            Err(GameError::OutOfRange {
                param: p, range: r, ..
            }) => {
                assert_eq!(p, param);
                assert_eq!(r, range);
            }
            other => panic!("{pairs:?}: {other:?}"),
        }
    }
    for (pairs, mentions) in [
        (
            vec![("small_blind", 5), ("big_blind", 2)],
            "big_blind (2) must be at least small_blind (5)",
        ),
        (
            vec![("stack", 10), ("big_blind", 20)],
            "big_blind (20) must be at most stack (10)",
        ),
        (
            vec![("stack", 10), ("ante", 11)],
            "ante (11) must be at most stack (10)",
        ),
    ] {
        match build_with(&pairs) {
            Err(GameError::InvalidParams { message, .. }) => {
                assert!(message.contains(mentions), "{message}");
            }
            other => panic!("{pairs:?}: {other:?}"),
        }
    }
    assert!(matches!(
        build_with(&[("seats", 3)]),
        Err(GameError::UnknownParam { .. })
    ));
    assert!(Poker::with_stacks(config(2), &[10]).is_err());
    assert!(Poker::with_stacks(config(2), &[10, 0]).is_err());
}

#[test]
fn the_registry_builds_a_playable_game() {
    let game = build("poker", &BTreeMap::new()).unwrap();
    assert_eq!(game.n_seats(), 2);
    let mut state = game.new_initial_state();
    assert_eq!(state.turn(), Turn::Chance);
    for c in ["As", "Kd", "Qh", "Jc"] {
        state.apply_text(c).unwrap();
    }
    assert_eq!(state.legal_summary(), "fold, call 2, raise 4..200");
    let json = state.observation_json(1);
    assert_eq!(json["hole_cards"], serde_json::json!(["As", "Qh"]));
    assert_eq!(json["legal"], serde_json::Value::Null);
    assert_eq!(
        state.observation_json(0)["legal"],
        "fold, call 2, raise 4..200"
    );
}

/// Random play from many seeds and table sizes, checking the invariants
/// every hand must keep.
#[test]
fn random_play_keeps_chips_order_views_and_replay_consistent() {
    let mut legal = Vec::new();
    for seed in 0..300u64 {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let players = 2 + (seed as usize % 9);
        let cfg = PokerConfig {
            players,
            stack: 20 + (seed as u32 % 7) * 30,
            small_blind: 1 + (seed as u32 % 3),
            big_blind: 3 + (seed as u32 % 3),
            ante: (seed as u32 % 4).saturating_sub(2),
            hands: 1 + (seed as u32 % 5),
        };
        let total = cfg.stack * players as u32;
        let mut p = table(cfg);
        let mut steps = 0;
        while !p.is_terminal() {
            steps += 1;
            assert!(steps < 10_000, "seed {seed}: no end");
            let s = p.state();
            let chips: u32 = s.stacks().iter().sum::<u32>() + s.committed().iter().sum::<u32>();
            assert_eq!(chips, total, "seed {seed}: chips not conserved");
            legal.clear();
            s.legal_actions_into(&mut legal);
            assert!(!legal.is_empty());
            for &a in &legal {
                assert!(s.is_legal(a), "seed {seed}: listed {a:?} is not legal");
                assert_eq!(s.parse_action(&s.action_text(a)).unwrap(), a);
            }
            if let Turn::Seat(seat) = p.turn() {
                check_order(&legal);
                // Another seat's unshown hole cards never appear in a view.
                for other in 0..players {
                    if other == seat {
                        continue;
                    }
                    let obs = s.observe(other);
                    if let Some(cards) = s.hole_cards(seat) {
                        assert!(!obs.hole_cards.contains(&cards[0]));
                        assert_eq!(obs.seats[seat].cards, None, "seed {seed}");
                    }
                }
                assert_eq!(s.observe(seat).legal, Some(s.legal_summary()));
            }
            let pick = legal[rng.random_range(0..legal.len())];
            p.apply(pick).unwrap();
        }
        let returns = p.state().returns();
        assert_eq!(returns.iter().sum::<i64>(), 0, "seed {seed}");
        let replayed = Playthrough::replay(
            p.initial_state().clone(),
            p.history().iter().map(|s| s.action),
        )
        .unwrap();
        assert_eq!(replayed.state(), p.state());
    }
}

fn check_order(legal: &[PokerAction]) {
    let mut i = 0;
    if legal[0] == Fold {
        assert_eq!(legal[1], Call);
        i = 2;
    } else {
        assert_eq!(legal[0], Check);
        i += 1;
    }
    let sizes: Vec<u32> = legal[i..]
        .iter()
        .map(|a| match a {
            Bet(n) | Raise(n) => *n,
            other => panic!("{other:?} after check/call"),
        })
        .collect();
    assert!(sizes.windows(2).all(|w| w[1] == w[0] + 1));
}

/// A golden playthrough: a four-seat hand with three all-ins, seen by seat
/// 2 before the showdown and by the omniscient renderer at the end.
#[test]
fn golden_side_pot_hand() {
    let mut p = Playthrough::new(Poker::with_stacks(config(4), &[100, 10, 20, 30]).unwrap());
    deal(&mut p, "As Ks Qs 8d Ah Kh Qh 4s");
    act(&mut p, &[(3, Raise(30)), (0, Raise(100)), (1, Call)]);
    insta::assert_snapshot!("side_pot_seat_2_to_act", p.state().observation_text(2));
    act(&mut p, &[(2, Call)]);
    deal(&mut p, "2c 7d 9h Js 3c");
    insta::assert_snapshot!("side_pot_render_end", p.state().render());
}

#[test]
fn a_big_blind_short_of_chips_posts_all_in_and_the_board_runs_out() {
    // Seat 1 has one chip: its big blind is all-in for 1, which the small
    // blind already matches, so nobody acts and the board is dealt.
    let mut p = Playthrough::new(Poker::with_stacks(config(2), &[200, 1]).unwrap());
    assert_eq!(
        p.state().statuses(),
        &[SeatStatus::Active, SeatStatus::AllIn]
    );
    deal(&mut p, "As Kd Ah Kc");
    assert_eq!(p.turn(), Turn::Chance);
    deal(&mut p, "2c 7d 9h Js 3c");
    assert_eq!(p.turn(), Turn::Terminal);
    assert_eq!(p.state().returns(), vec![-1, 1]);
}

#[test]
fn a_short_all_in_bet_below_the_big_blind_keeps_the_big_blind_increment() {
    let cfg = PokerConfig {
        players: 3,
        big_blind: 4,
        ..PokerConfig::default()
    };
    // Seat 1 (small blind) has 6 chips: after calling 4 before the flop it
    // has 2 left, less than the big blind.
    let mut p = Playthrough::new(Poker::with_stacks(cfg, &[200, 6, 200]).unwrap());
    deal(&mut p, "2c 3c 4c 2d 3d 4d");
    act(&mut p, &[(0, Call), (1, Call), (2, Check)]);
    deal(&mut p, "Kh 8s 7d");
    assert_eq!(summary(&p), "check, bet 2");
    act(&mut p, &[(1, Bet(2))]);
    // The all-in bet of 2 is not a full bet: a raise must still add 4.
    assert_eq!(summary(&p), "fold, call 2, raise 6..196");
}
