//! The scripted baselines played through the games crate, as the runner
//! would: legality over many random positions, strength against `random`,
//! and the reverse hangman guesser over the whole puzzle dataset.

use std::collections::BTreeMap;

use arena_agents::{Baseline, BaselineAgent, DecisionRequest, RandomAgent, Sampling};
use arena_games::games::reverse_hangman::{ATTEMPT_MULTIPLIER_PERCENT, match_guess, puzzles};
use arena_games::{AnyState, ParamValue, Turn, build};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

fn request(game: &str, state: &dyn AnyState, seed: u64) -> DecisionRequest {
    let Turn::Seat(seat) = state.turn() else {
        panic!("no player to move");
    };
    DecisionRequest {
        game: game.to_string(),
        seat,
        episode_key: 0,
        observation: state.observation_text(seat),
        legal_actions: state.legal_actions(),
        legal_summary: state.legal_summary(),
        constraint: state.move_constraint(),
        attempt: 1,
        previous_error: None,
        sampling: Sampling {
            seed,
            ..Sampling::default()
        },
        state: Some(state.clone_box()),
    }
}

fn poker(players: i64, hands: i64) -> Box<dyn AnyState> {
    let mut params = BTreeMap::new();
    params.insert("players".to_string(), ParamValue::Int(players));
    params.insert("hands".to_string(), ParamValue::Int(hands));
    build("poker", &params).unwrap().new_initial_state()
}

/// Deals one random card when chance is to act.
fn deal(state: &mut dyn AnyState, rng: &mut ChaCha8Rng) {
    let cards = state.legal_actions();
    let card = &cards[rng.random_range(0..cards.len())];
    state.apply_text(card).unwrap();
}

#[test]
fn poker_baseline_only_plays_legal_moves() {
    let agent = BaselineAgent::new("bp", Baseline::Poker { samples: 40 });
    let mut decisions = 0;
    for players in [2, 3, 6] {
        for seed in 0..6u64 {
            let mut rng = ChaCha8Rng::seed_from_u64(seed * 31 + players as u64);
            let mut random = RandomAgent::new(seed);
            // A short match, so later hands start from uneven stacks.
            let mut s = poker(players, 3);
            while !s.is_terminal() {
                match s.turn() {
                    Turn::Chance => deal(s.as_mut(), &mut rng),
                    Turn::Seat(seat) => {
                        let m = if seat % 2 == 0 {
                            decisions += 1;
                            let r = request("poker", s.as_ref(), seed + decisions);
                            let m = agent.choose(&r).unwrap();
                            assert!(
                                r.legal_actions.contains(&m),
                                "{m:?} not in {:?}",
                                r.legal_actions
                            );
                            m
                        } else {
                            random.choose(s.as_ref()).unwrap()
                        };
                        s.apply_text(&m).unwrap();
                    }
                    Turn::Terminal => unreachable!(),
                }
            }
        }
    }
    assert!(decisions > 50, "only {decisions} decisions");
}

/// Heads-up: deals the hole cards `mine` to `me` (seat 0 is the button and
/// acts first pre-flop) and `theirs` to the other seat.
fn heads_up(mine: &str, theirs: &str, me: usize) -> Box<dyn AnyState> {
    let mut s = poker(2, 1);
    let (m, t): (Vec<&str>, Vec<&str>) = (mine.split(' ').collect(), theirs.split(' ').collect());
    let (zero, one) = if me == 0 { (&m, &t) } else { (&t, &m) };
    // Dealing starts left of the button: seat 1, seat 0, seat 1, seat 0.
    for card in [one[0], zero[0], one[1], zero[1]] {
        s.apply_text(card).unwrap();
    }
    s
}

#[test]
fn poker_baseline_plays_aces_and_folds_seven_deuce_to_a_shove() {
    let agent = BaselineAgent::from_name("baseline_poker").unwrap();
    for seed in 0..3 {
        // First to act with aces.
        let s = heads_up("Ac Ad", "Kh 9s", 0);
        let m = agent.choose(&request("poker", s.as_ref(), seed)).unwrap();
        assert_ne!(m, "fold");
        // Aces facing an all-in call it.
        let mut s = heads_up("Ac Ad", "Kh 9s", 1);
        s.apply_text("raise 200").unwrap();
        let m = agent.choose(&request("poker", s.as_ref(), seed)).unwrap();
        assert_eq!(m, "call");
        // Seven-deuce offsuit facing an all-in folds.
        let mut s = heads_up("7c 2d", "Kh 9s", 1);
        s.apply_text("raise 200").unwrap();
        let m = agent.choose(&request("poker", s.as_ref(), seed)).unwrap();
        assert_eq!(m, "fold");
    }
}

#[test]
fn poker_baseline_is_deterministic() {
    let agent = BaselineAgent::from_name("baseline_poker").unwrap();
    let mut s = heads_up("Jc Td", "Kh 9s", 1);
    s.apply_text("call").unwrap();
    let r = request("poker", s.as_ref(), 42);
    assert_eq!(agent.choose(&r).unwrap(), agent.choose(&r).unwrap());
}

#[test]
fn poker_baseline_beats_random_heads_up() {
    let agent = BaselineAgent::new("bp", Baseline::Poker { samples: 100 });
    let (mut total, mut sq) = (0i64, 0i64);
    let hands = 600u64;
    for hand in 0..hands {
        let mut rng = ChaCha8Rng::seed_from_u64(1000 + hand);
        let mut random = RandomAgent::new(hand);
        let me = (hand % 2) as usize;
        let mut s = poker(2, 1);
        while !s.is_terminal() {
            match s.turn() {
                Turn::Chance => deal(s.as_mut(), &mut rng),
                Turn::Seat(seat) if seat == me => {
                    let m = agent
                        .choose(&request(
                            "poker",
                            s.as_ref(),
                            hand * 100 + s.history_len() as u64,
                        ))
                        .unwrap();
                    s.apply_text(&m).unwrap();
                }
                Turn::Seat(_) => {
                    let m = random.choose(s.as_ref()).unwrap();
                    s.apply_text(&m).unwrap();
                }
                Turn::Terminal => unreachable!(),
            }
        }
        let r = s.returns()[me];
        total += r;
        sq += r * r;
    }
    let n = hands as f64;
    let sd = ((sq as f64 / n) - (total as f64 / n).powi(2)).sqrt() * n.sqrt();
    eprintln!(
        "baseline_poker vs random: {total:+} chips over {hands} hands (sd of the sum {sd:.0})"
    );
    // Decisive: at least 2.5 big blinds a hand, and more than twice the
    // standard deviation of the sum (200-chip stacks make single hands swing).
    assert!(
        total > 5 * hands as i64 && total as f64 > 2.0 * sd,
        "won only {total} chips in {hands} hands (sd {sd:.0})"
    );
}

/// One seat's play of one puzzle: (best percent, points, base points).
fn play_puzzle(agent: &BaselineAgent, id: u16, difficulty: &str) -> (u8, i64, i64) {
    let mut params = BTreeMap::new();
    params.insert(
        "difficulty".to_string(),
        ParamValue::Str(difficulty.to_string()),
    );
    params.insert("rounds".to_string(), ParamValue::Int(1));
    let mut s = build("reverse_hangman", &params)
        .unwrap()
        .new_initial_state();
    s.apply_text(&format!("puzzle {id}")).unwrap();
    // Round 0: seat 0 plays first.
    while s.turn() == Turn::Seat(0) {
        let m = agent
            .choose(&request("reverse_hangman", s.as_ref(), 0))
            .unwrap();
        s.apply_text(&m).unwrap();
    }
    let obs = s.observation_json(0);
    let current = &obs["current"];

    let best = current["attempts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["percent"].as_u64().unwrap() as u8)
        .max()
        .unwrap_or(0);
    let points = current["points"].as_i64().unwrap();
    let base = match difficulty {
        "easy" => 100,
        "medium" => 200,
        "hard" => 300,
        _ => 500,
    };
    (best, points, base)
}

#[test]
fn reverse_hangman_baseline_over_the_whole_dataset() {
    let agent = BaselineAgent::from_name("baseline_reverse_hangman").unwrap();
    let all = puzzles().unwrap();
    let (mut best_sum, mut solved, mut points, mut max_points) = (0u64, 0, 0i64, 0i64);
    let (mut trivial_sum, mut trivial_solved) = (0u64, 0);
    let mut by_difficulty: BTreeMap<&str, (u64, usize, usize)> = BTreeMap::new();
    for p in all {
        let d = p.difficulty.as_str();
        let (best, pts, base) = play_puzzle(&agent, p.id, d);
        eprintln!("{:>2} {d:<6} {best:>3}% {pts:>3}  {}", p.id, p.prompt);
        best_sum += u64::from(best);
        solved += usize::from(pts > 0);
        points += pts;
        max_points += base * ATTEMPT_MULTIPLIER_PERCENT[0] / 100;
        let e = by_difficulty.entry(d).or_default();
        e.0 += u64::from(best);
        e.1 += usize::from(pts > 0);
        e.2 += 1;
        // The trivial guess: the output's own words, as many as fit.
        let mut trivial = String::new();
        for w in p.output.split(|c: char| !c.is_ascii_alphanumeric()) {
            if !w.is_empty() && trivial.len() + w.len() < 160 {
                trivial.push_str(w);
                trivial.push(' ');
            }
        }
        let trivial = match_guess(trivial.trim(), &p.prompt).percent;
        trivial_sum += u64::from(trivial);
        trivial_solved += usize::from(trivial >= 90);
    }
    let n = all.len() as f64;
    let mean = best_sum as f64 / n;
    let trivial = trivial_sum as f64 / n;
    eprintln!(
        "mean best match {mean:.1}%, solved {solved}/{}, points {points}/{max_points}; \
         the trivial output-words guess: {trivial:.1}%, solved {trivial_solved}",
        all.len()
    );
    for (d, (sum, solved, count)) in &by_difficulty {
        eprintln!(
            "  {d:<6} mean best {:.1}%, solved {solved}/{count}",
            *sum as f64 / *count as f64
        );
    }
    assert_eq!(all.len(), 84);
    // Measured: 71.3 % mean best match, 21 solved, 1870 of 23100 points;
    // the trivial guess: 12.3 %, nothing solved.
    assert!(
        mean >= 60.0 && mean >= trivial + 40.0,
        "mean {mean:.1}% vs trivial {trivial:.1}%"
    );
    assert!(solved >= 15, "solved only {solved}");
}
