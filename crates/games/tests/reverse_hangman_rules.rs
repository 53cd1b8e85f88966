//! The rules of Reverse Hangman, checked through the public API: matching,
//! scoring, duplicate rounds, chance draws, hidden information, notation and
//! parameter errors.

use std::collections::BTreeMap;

use arena_games::games::reverse_hangman::{
    Difficulty, Guess, GuessError, HangmanAction, MatchKind, PuzzleStatus, ReverseHangman,
    match_guess, puzzle_points, puzzles,
};
use arena_games::{AnyState, Engine, GameError, ParamValue, Playthrough, Turn, build};
use rand::seq::IndexedRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

type Play = Playthrough<ReverseHangman>;

fn game(difficulty: &str, rounds: i64, max_attempts: i64) -> Play {
    Playthrough::new(ReverseHangman::new(difficulty, rounds, max_attempts).unwrap())
}

fn guess(text: &str) -> HangmanAction {
    HangmanAction::Guess(Guess::new(text).unwrap())
}

fn prompt_of(id: u16) -> &'static str {
    &puzzles().unwrap()[usize::from(id) - 1].prompt
}

/// The first legal chance outcome.
fn draw_first(p: &mut Play) -> u16 {
    assert_eq!(p.turn(), Turn::Chance);
    let HangmanAction::Draw(id) = p.legal_actions()[0] else {
        panic!("a chance node lists draws");
    };
    p.apply(HangmanAction::Draw(id)).unwrap();
    id
}

fn any_game(params: &[(&str, ParamValue)]) -> Box<dyn AnyState> {
    let given: BTreeMap<String, ParamValue> = params
        .iter()
        .map(|(k, v)| (k.to_string(), v.clone()))
        .collect();
    build("reverse_hangman", &given)
        .unwrap()
        .new_initial_state()
}

// ---------------------------------------------------------------- matching

/// One matcher case: guess, prompt, expected percent and grade.
fn check(guess: &str, prompt: &str, percent: u8, kind: MatchKind) {
    let f = match_guess(guess, prompt);
    assert_eq!(
        (f.percent, f.kind),
        (percent, kind),
        "{guess:?} vs {prompt:?}: {f:?}"
    );
}

#[test]
fn matcher_exact_after_normalization() {
    let prompt = "Write a haiku about the ocean";
    check(prompt, prompt, 100, MatchKind::Exact);
    check(
        "  WRITE a Haiku -- about the OCEAN!! ",
        prompt,
        100,
        MatchKind::Exact,
    );
    // Stop words and request verbs do not count: the content is the same.
    check("A haiku about the ocean", prompt, 100, MatchKind::Exact);
    check("compose an ocean haiku", prompt, 100, MatchKind::Exact);
}

#[test]
fn matcher_joins_inflections() {
    check(
        "writing poems about oceans",
        "Write a poem about the ocean",
        100,
        MatchKind::Exact,
    );
    // Words ending in -us keep their s, so "haikus" misses "haiku".
    check(
        "haikus about oceans",
        "Write a haiku about the ocean",
        50,
        MatchKind::Partial,
    );
    check(
        "boiling eggs how",
        "How do I boil an egg?",
        100,
        MatchKind::Exact,
    );
    let f = match_guess("baked stories", "bake a story");
    assert_eq!(f.percent, 100);
    assert_eq!(f.matched_words, vec!["baked", "stories"]);
}

#[test]
fn matcher_near_partial_and_incorrect() {
    let prompt = "Summarize the main causes of the French Revolution";
    // 4 of 5 content words, nothing extra: 200 * 4 / 9 = 88.
    check(
        "main causes of the French Revolution",
        prompt,
        88,
        MatchKind::Near,
    );
    // 2 of 5: 200 * 2 / 7 = 57.
    check("the French Revolution", prompt, 57, MatchKind::Partial);
    check(
        "history of the American war",
        prompt,
        0,
        MatchKind::Incorrect,
    );
    // 1 of 5 plus 2 wrong: 200 * 1 / 8 = 25.
    check(
        "French cooking for dinner",
        prompt,
        25,
        MatchKind::Incorrect,
    );
    let f = match_guess("French Revolution dates", prompt);
    assert_eq!(f.matched_words, vec!["french", "revolution"]);
    assert_eq!(f.kind, MatchKind::Partial);
}

#[test]
fn matcher_scores_empty_and_garbage_as_zero() {
    let prompt = "Why is the sky blue?";
    check("", prompt, 0, MatchKind::Incorrect);
    check("the of and a", prompt, 0, MatchKind::Incorrect);
    check("!!! ... ???", prompt, 0, MatchKind::Incorrect);
    check("qwzx vbnm", prompt, 0, MatchKind::Incorrect);
    assert!(match_guess("qwzx", prompt).matched_words.is_empty());
}

#[test]
fn every_prompt_matches_itself_exactly() {
    for p in puzzles().unwrap() {
        let f = match_guess(&p.prompt, &p.prompt);
        assert_eq!(
            (f.percent, f.kind),
            (100, MatchKind::Exact),
            "puzzle {}",
            p.id
        );
        // Also the lower-cased prompt without its punctuation.
        let plain: String = p
            .prompt
            .to_lowercase()
            .chars()
            .filter(|&c| c != '\'')
            .map(|c| if c.is_alphanumeric() { c } else { ' ' })
            .collect();
        assert_eq!(match_guess(&plain, &p.prompt).kind, MatchKind::Exact);
    }
}

// ---------------------------------------------------------------- scoring

#[test]
fn scoring_table_by_difficulty_and_attempt() {
    let expected = [
        (Difficulty::Easy, [100, 80, 65, 50, 40, 30, 20, 15, 10, 5]),
        (
            Difficulty::Medium,
            [200, 160, 130, 100, 80, 60, 40, 30, 20, 10],
        ),
        (
            Difficulty::Hard,
            [300, 240, 195, 150, 120, 90, 60, 45, 30, 15],
        ),
        (
            Difficulty::Expert,
            [500, 400, 325, 250, 200, 150, 100, 75, 50, 25],
        ),
    ];
    for (d, row) in expected {
        for (k, points) in row.into_iter().enumerate() {
            assert_eq!(
                puzzle_points(d, Some(k + 1)),
                points,
                "{d:?} attempt {}",
                k + 1
            );
        }
        assert_eq!(puzzle_points(d, None), 0);
    }
}

// ---------------------------------------------------------------- chance

#[test]
fn chance_lists_undrawn_puzzles_of_the_round_difficulty_by_id() {
    let mut p = game("mixed", 5, 1);
    let all = puzzles().unwrap();
    let ids_of = |d: Difficulty| -> Vec<HangmanAction> {
        all.iter()
            .filter(|q| q.difficulty == d)
            .map(|q| HangmanAction::Draw(q.id))
            .collect()
    };
    // Mixed cycles easy, medium, hard, expert, easy.
    assert_eq!(p.legal_actions(), ids_of(Difficulty::Easy));
    let first = draw_first(&mut p);
    for _ in 0..2 {
        p.apply(guess("qwzx")).unwrap();
    }
    assert_eq!(p.legal_actions(), ids_of(Difficulty::Medium));
    for d in [Difficulty::Medium, Difficulty::Hard, Difficulty::Expert] {
        assert_eq!(p.legal_actions(), ids_of(d));
        draw_first(&mut p);
        p.apply(guess("qwzx")).unwrap();
        p.apply(guess("qwzx")).unwrap();
    }
    // Round 5 is easy again, without the puzzle drawn in round 1.
    let mut easy = ids_of(Difficulty::Easy);
    easy.retain(|&a| a != HangmanAction::Draw(first));
    assert_eq!(p.legal_actions(), easy);
}

#[test]
fn single_difficulty_never_repeats_a_puzzle() {
    let mut p = game("hard", 20, 1);
    let mut drawn = Vec::new();
    while p.turn() != Turn::Terminal {
        let id = draw_first(&mut p);
        assert_eq!(
            puzzles().unwrap()[usize::from(id) - 1].difficulty,
            Difficulty::Hard
        );
        assert!(!drawn.contains(&id));
        drawn.push(id);
        p.apply(guess("qwzx")).unwrap();
        p.apply(guess("qwzx")).unwrap();
    }
    assert_eq!(drawn.len(), 20);
}

#[test]
fn illegal_draws_are_rejected_with_reasons_and_change_nothing() {
    let mut p = game("easy", 2, 7);
    let before = p.state().clone();
    let expert_id = puzzles()
        .unwrap()
        .iter()
        .find(|q| q.difficulty == Difficulty::Expert)
        .unwrap()
        .id;
    let err = p.apply(HangmanAction::Draw(expert_id)).unwrap_err();
    assert!(err.reason.contains("is expert"), "{}", err.reason);
    let err = p.apply(HangmanAction::Draw(999)).unwrap_err();
    assert!(err.reason.contains("no puzzle 999"), "{}", err.reason);
    let err = p.apply(guess("a guess")).unwrap_err();
    assert!(err.reason.contains("puzzle draw first"), "{}", err.reason);
    assert_eq!(*p.state(), before);
    assert!(p.history().is_empty());

    let id = draw_first(&mut p);
    let err = p.apply(HangmanAction::Draw(id)).unwrap_err();
    assert!(err.reason.contains("chance's moves"), "{}", err.reason);
    p.apply(guess(prompt_of(id))).unwrap();
    p.apply(guess(prompt_of(id))).unwrap();
    let err = p.apply(HangmanAction::Draw(id)).unwrap_err();
    assert!(err.reason.contains("already drawn"), "{}", err.reason);
}

// ---------------------------------------------------------------- rounds

#[test]
fn both_seats_play_the_same_puzzle_and_the_order_rotates() {
    let mut p = game("mixed", 3, 7);
    for round in 0..3 {
        let id = draw_first(&mut p);
        let first = round % 2;
        assert_eq!(p.turn(), Turn::Seat(first), "round {round}");
        let seen = |p: &Play, seat| p.state().observe(seat).current.unwrap().puzzle_id;
        assert_eq!(seen(&p, 0), id);
        assert_eq!(seen(&p, 1), id);
        assert_eq!(
            p.state().observe(1 - first).current.unwrap().status,
            PuzzleStatus::Waiting
        );
        p.apply(guess("qwzx")).unwrap();
        assert_eq!(p.turn(), Turn::Seat(first));
        p.apply(guess(prompt_of(id))).unwrap();
        assert_eq!(p.turn(), Turn::Seat(1 - first));
        assert_eq!(seen(&p, 1 - first), id);
        p.apply(guess(prompt_of(id))).unwrap();
    }
    assert_eq!(p.turn(), Turn::Terminal);
    // Easy, medium, hard: the first player of each round took two attempts,
    // the second one; seat 0 went first in rounds 1 and 3.
    let totals = p.state().totals();
    assert_eq!(totals, [80 + 200 + 240, 100 + 160 + 300]);
    assert_eq!(p.state().returns(), vec![-1, 1]);
    let obs = p.state().observe(0);
    assert_eq!(obs.returns, Some(vec![-1, 1]));
    assert_eq!(obs.totals, totals);
    assert_eq!(obs.completed_rounds.len(), 3);
    assert_eq!(obs.completed_rounds[1].play_order, [1, 0]);
    assert_eq!(obs.completed_rounds[1].seats[1].solved_on, Some(2));
    assert_eq!(obs.completed_rounds[1].seats[0].points, 200);
}

#[test]
fn an_exact_match_ends_the_seat_puzzle_early() {
    let mut p = game("easy", 1, 7);
    let id = draw_first(&mut p);
    p.apply(guess(&prompt_of(id).to_uppercase())).unwrap();
    assert_eq!(p.turn(), Turn::Seat(1));
    let c = p.state().observe(0).current.unwrap();
    assert_eq!(c.status, PuzzleStatus::Solved);
    assert_eq!(c.attempts.len(), 1);
    assert_eq!(c.attempts_left, 6);
    assert_eq!(c.points, Some(100));
    assert_eq!(c.prompt.as_deref(), Some(prompt_of(id)));
}

#[test]
fn running_out_of_attempts_ends_the_seat_puzzle_with_no_points() {
    let mut p = game("medium", 1, 3);
    let id = draw_first(&mut p);
    for n in 0..3 {
        assert_eq!(p.turn(), Turn::Seat(0));
        assert_eq!(p.state().observe(0).current.unwrap().attempts_left, 3 - n);
        p.apply(guess("qwzx vbnm")).unwrap();
    }
    assert_eq!(p.turn(), Turn::Seat(1));
    let c = p.state().observe(0).current.unwrap();
    assert_eq!(c.status, PuzzleStatus::OutOfAttempts);
    assert_eq!(c.points, Some(0));
    assert_eq!(c.prompt.as_deref(), Some(prompt_of(id)));
    // The other seat solves it on its last attempt and wins.
    p.apply(guess("qwzx")).unwrap();
    p.apply(guess("qwzx")).unwrap();
    p.apply(guess(prompt_of(id))).unwrap();
    assert_eq!(p.turn(), Turn::Terminal);
    assert_eq!(p.state().totals(), [0, 130]);
    assert_eq!(p.state().returns(), vec![-1, 1]);
}

#[test]
fn equal_totals_are_a_draw() {
    let mut p = game("easy", 2, 2);
    for _ in 0..2 {
        draw_first(&mut p);
        for _ in 0..4 {
            p.apply(guess("qwzx")).unwrap();
        }
    }
    assert_eq!(p.turn(), Turn::Terminal);
    assert_eq!(p.state().totals(), [0, 0]);
    assert_eq!(p.state().returns(), vec![0, 0]);
    assert!(p.state().observation_text(1).contains("A draw."));
}

// ---------------------------------------------------------------- hidden information

#[test]
fn the_prompt_and_the_other_seat_guesses_stay_hidden_until_allowed() {
    let mut s = any_game(&[("difficulty", "easy".into()), ("rounds", 2.into())]);
    s.apply_text("puzzle 1").unwrap();
    let prompt = prompt_of(1);
    let secret_guess = "zebra xylophone quartz";
    let shows = |s: &dyn AnyState, seat, needle: &str| {
        s.observation_text(seat).contains(needle)
            || s.observation_json(seat).to_string().contains(needle)
    };

    // Seat 0 plays first: seat 1 sees the puzzle but not the prompt.
    assert!(shows(&*s, 1, "salt wind on the shore") || shows(&*s, 1, "Salt wind on the shore"));
    assert!(!shows(&*s, 0, prompt) && !shows(&*s, 1, prompt));
    s.apply_text(secret_guess).unwrap();
    assert!(shows(&*s, 0, secret_guess));
    assert!(!shows(&*s, 1, secret_guess));
    // Seat 0 solves it: it now sees the prompt; seat 1 still does not, nor
    // seat 0's guesses, its points, or any change in the totals.
    let seat1_before = s.observation_text(1);
    s.apply_text(prompt).unwrap();
    assert!(shows(&*s, 0, prompt));
    assert!(!shows(&*s, 1, prompt));
    assert!(!shows(&*s, 1, secret_guess));
    assert!(!s.observation_text(1).contains("80 points"));
    assert_eq!(s.observation_json(1)["totals"], serde_json::json!([0, 0]));
    // What seat 1 sees differs from before only in whose turn it is.
    let seat1_now = s.observation_text(1);
    assert_ne!(seat1_now, seat1_before);
    assert!(seat1_now.contains("Your turn"));
    assert_eq!(
        seat1_before.replace("Waiting: your opponent plays this puzzle first.", ""),
        seat1_now.replace(
            "Your turn: reply with your guess of the prompt (1-160 characters: letters, digits, spaces and basic punctuation).",
            ""
        )
    );
    // Seat 1 plays: seat 0 never sees its guesses during the round.
    let other_guess = "walrus trombone granite";
    s.apply_text(other_guess).unwrap();
    assert!(!shows(&*s, 0, other_guess));
    // The round ends: everything about it is revealed to both seats.
    s.apply_text("haiku ocean").unwrap();
    for seat in 0..2 {
        for needle in [prompt, secret_guess, other_guess] {
            assert!(
                shows(&*s, seat, needle),
                "seat {seat} should see {needle:?}"
            );
        }
    }
    assert_eq!(s.observation_json(0)["totals"], serde_json::json!([80, 80]));
    // The omniscient render shows the prompt.
    assert!(s.render().contains(prompt));
}

#[test]
fn prompts_never_leak_into_observations_before_a_seat_is_done() {
    // Every puzzle, both seats, right after the draw.
    for q in puzzles().unwrap() {
        let difficulty = q.difficulty.as_str();
        let mut p = game(difficulty, 1, 7);
        p.apply(HangmanAction::Draw(q.id)).unwrap();
        for seat in 0..2 {
            let text = p.state().observation_text(seat);
            let json = serde_json::to_string(&p.state().observe(seat)).unwrap();
            assert!(!text.contains(&q.prompt), "puzzle {} seat {seat}", q.id);
            assert!(!json.contains(&q.prompt), "puzzle {} seat {seat}", q.id);
            assert!(text.contains(&q.output));
        }
    }
}

// ---------------------------------------------------------------- illegal input

#[test]
fn malformed_guesses_are_typed_errors_and_change_nothing() {
    let mut s = any_game(&[]);
    s.apply_text("puzzle 1").unwrap();
    let before_obs = [s.observation_text(0), s.observation_text(1)];
    let long = "word ".repeat(40);
    for bad in [
        "",
        "   \n",
        long.as_str(),
        "<script>alert(1)</script>",
        "caf\u{e9} au lait",
    ] {
        let err = s.apply_text(bad).unwrap_err();
        assert!(
            matches!(err, GameError::Unparsable(_)),
            "{bad:?} gave {err:?}"
        );
        assert!(s.parse_legal(bad).is_err());
    }
    assert_eq!(s.history_len(), 1);
    assert_eq!([s.observation_text(0), s.observation_text(1)], before_obs);
    let msg = s.apply_text(&long).unwrap_err().to_string();
    assert!(msg.contains("at most 160"), "{msg}");
    let msg = s.apply_text("a <b>").unwrap_err().to_string();
    assert!(msg.contains("'<'"), "{msg}");

    assert_eq!(Guess::new(""), Err(GuessError::Empty));
    assert_eq!(
        Guess::new(&long),
        Err(GuessError::TooLong {
            chars: 199,
            max: 160
        })
    );
    assert!(matches!(
        Guess::new("tab\u{7f}"),
        Err(GuessError::BadChar { .. })
    ));
}

#[test]
fn moves_after_the_end_are_rejected() {
    let mut s = any_game(&[("rounds", 1.into()), ("max_attempts", 1.into())]);
    s.apply_text("puzzle 1").unwrap();
    s.apply_text("qwzx").unwrap();
    s.apply_text("qwzx").unwrap();
    assert!(s.is_terminal());
    assert!(s.legal_actions().is_empty());
    let err = s.apply_text("one more guess").unwrap_err();
    assert!(matches!(err, GameError::Illegal { .. }), "{err:?}");
    assert_eq!(s.history_len(), 3);
}

// ---------------------------------------------------------------- parameters

#[test]
fn bad_parameters_name_the_parameter() {
    let try_build = |params: &[(&str, ParamValue)]| {
        let given: BTreeMap<String, ParamValue> = params
            .iter()
            .map(|(k, v)| (k.to_string(), v.clone()))
            .collect();
        build("reverse_hangman", &given).unwrap_err()
    };
    let param_of = |e: GameError| match e {
        GameError::OutOfRange { param, .. }
        | GameError::WrongType { param, .. }
        | GameError::UnknownParam { param, .. } => param,
        other => panic!("unexpected {other:?}"),
    };
    assert_eq!(
        param_of(try_build(&[("difficulty", "nightmare".into())])),
        "difficulty"
    );
    assert_eq!(param_of(try_build(&[("rounds", 0.into())])), "rounds");
    assert_eq!(param_of(try_build(&[("rounds", 21.into())])), "rounds");
    assert_eq!(
        param_of(try_build(&[("max_attempts", 0.into())])),
        "max_attempts"
    );
    assert_eq!(
        param_of(try_build(&[("max_attempts", 11.into())])),
        "max_attempts"
    );
    assert_eq!(param_of(try_build(&[("rounds", "three".into())])), "rounds");
    assert_eq!(param_of(try_build(&[("seed", 3.into())])), "seed");
    // The engine constructor checks the same, for callers that bypass the registry.
    let e = ReverseHangman::new("nightmare", 3, 7).unwrap_err();
    assert_eq!(param_of(e.clone()), "difficulty");
    assert!(e.to_string().contains("nightmare"), "{e}");
    assert_eq!(
        param_of(ReverseHangman::new("easy", 0, 7).unwrap_err()),
        "rounds"
    );
    assert_eq!(
        param_of(ReverseHangman::new("easy", 3, 11).unwrap_err()),
        "max_attempts"
    );
}

#[test]
fn defaults_are_mixed_three_rounds_seven_attempts() {
    let s = any_game(&[]);
    let obs = s.observation_json(0);
    assert_eq!(obs["rounds"], 3);
    assert_eq!(obs["max_attempts"], 7);
    assert_eq!(obs["difficulty"], "mixed");
    assert_eq!(s.turn(), Turn::Chance);
}

// ---------------------------------------------------------------- notation and replay

#[test]
fn notation_round_trips_and_constraints_fit() {
    let mut p = game("mixed", 2, 7);
    let state = p.state().clone();
    for a in p.legal_actions() {
        let text = state.action_text(a);
        assert!(text.starts_with("puzzle "));
        assert_eq!(state.parse_action(&text).unwrap(), a);
    }
    assert_eq!(state.parse_action("17").unwrap(), HangmanAction::Draw(17));
    assert!(state.parse_action("a guess").is_err());
    let c = state.move_constraint();
    assert_eq!(c.choices.as_ref().unwrap().len(), 21);

    draw_first(&mut p);
    let s = p.state();
    assert!(p.legal_actions().is_empty(), "guesses are not enumerable");
    let c = s.move_constraint();
    assert!(c.choices.is_none());
    let re = regex::Regex::new(&c.regex).unwrap();
    for q in puzzles().unwrap() {
        let a = s.parse_action(&q.prompt).unwrap();
        assert_eq!(s.action_text(a), q.prompt);
        assert!(s.is_legal(a));
        assert!(re.is_match(&q.prompt), "{}", q.prompt);
    }
    for bad in ["", "<b>", "-dash first", "caf\u{e9}"] {
        assert!(!re.is_match(bad), "{bad:?}");
        assert!(s.parse_action(bad).is_err(), "{bad:?}");
    }
    // Whitespace is canonicalized, so print -> parse -> print is stable.
    let a = s.parse_action("  a   poem\tabout rain ").unwrap();
    assert_eq!(s.action_text(a), "a poem about rain");
    assert!(s.legal_summary().contains("1-160 characters"));
}

/// A random guess: a few words of the output, sometimes the prompt itself.
fn random_guess(rng: &mut ChaCha8Rng, state: &ReverseHangman) -> HangmanAction {
    let puzzle = state.current_puzzle().unwrap();
    if rng.random_range(0..5) == 0 {
        return guess(&puzzle.prompt);
    }
    let words: Vec<String> = puzzle
        .output
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_string)
        .collect();
    let n = rng.random_range(1..=6);
    let picked: Vec<&str> = (0..n)
        .map(|_| words.choose(rng).unwrap().as_str())
        .collect();
    guess(&picked.join(" "))
}

#[test]
fn random_playthroughs_replay_and_keep_secrets() {
    for seed in 0..40 {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let difficulty = ["easy", "medium", "hard", "expert", "mixed"][seed as usize % 5];
        let rounds = rng.random_range(1..=5);
        let attempts = rng.random_range(1..=4);
        let mut p = game(difficulty, rounds, attempts);
        let mut steps = 0;
        while p.turn() != Turn::Terminal {
            let action = match p.turn() {
                Turn::Chance => *p.legal_actions().choose(&mut rng).unwrap(),
                Turn::Seat(seat) => {
                    // A guess changes nothing in the other seat's view while
                    // the round runs, except whose turn it is.
                    let other = 1 - seat;
                    let before = p.state().observe(other);
                    p.apply(random_guess(&mut rng, p.state())).unwrap();
                    let mut after = p.state().observe(other);
                    if let (Some(b), Some(a)) = (&before.current, &mut after.current) {
                        a.status = b.status;
                        after.to_move = before.to_move;
                        assert_eq!(after, before, "seed {seed}");
                    }
                    steps += 1;
                    continue;
                }
                Turn::Terminal => unreachable!(),
            };
            p.apply(action).unwrap();
            steps += 1;
        }
        assert!(steps <= (rounds * (1 + 2 * attempts)) as usize);
        let replayed = Playthrough::replay(
            p.initial_state().clone(),
            p.history().iter().map(|s| s.action),
        )
        .unwrap();
        assert_eq!(replayed.state(), p.state(), "seed {seed}");
        assert_eq!(p.state().clone(), *p.state());
        let r = p.state().returns();
        assert_eq!(r[0] + r[1], 0);
        let [a, b] = p.state().totals();
        assert_eq!(r[0], (a - b).signum());
    }
}

#[test]
fn text_history_replays_through_the_registry() {
    let mut s = any_game(&[("rounds", 2.into()), ("max_attempts", 2.into())]);
    let script = [
        "puzzle 3",
        "blue sky",
        "why is the sky blue",
        "sky",
        "sky colour",
    ];
    for m in script {
        s.apply_text(m).unwrap();
    }
    let history: Vec<String> = s.history().into_iter().map(|(_, t)| t).collect();
    assert_eq!(history, script);
    let mut t = any_game(&[("rounds", 2.into()), ("max_attempts", 2.into())]);
    for m in &history {
        t.apply_text(m).unwrap();
    }
    assert_eq!(t.render(), s.render());
    assert_eq!(t.observation_json(1), s.observation_json(1));
}

// ---------------------------------------------------------------- golden

/// A fixed two-round game rendered at each step: a change in the rules, the
/// matcher or the texts shows up as a diff of the snapshot.
#[test]
fn golden_playthrough() {
    let mut s = any_game(&[("rounds", 2.into()), ("max_attempts", 3.into())]);
    let script = [
        "puzzle 3",
        "blue sky",
        "Why is the sky blue?",
        "the colour of the sky",
        "sky blue why",
        "puzzle 24",
        "vaccines immune system",
        "how vaccines train the immune system",
        "Explain how vaccines train the immune system in simple terms",
        "vaccine",
        "a recipe for soup",
        "vaccines and the immune system in simple terms",
    ];
    let mut out = String::new();
    for m in script {
        out.push_str(&format!("> {m}\n"));
        s.apply_text(m).unwrap();
        for seat in 0..2 {
            if s.turn() == Turn::Seat(seat) || s.is_terminal() {
                out.push_str(&format!(
                    "--- seat {seat} sees:\n{}",
                    s.observation_text(seat)
                ));
            }
        }
    }
    assert!(s.is_terminal());
    assert_eq!(s.returns(), vec![-1, 1]);
    out.push_str(&format!("--- render:\n{}", s.render()));
    insta::assert_snapshot!(out);
}
