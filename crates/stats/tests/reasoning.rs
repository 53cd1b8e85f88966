//! Reasoning categories: one example per rule and per tie-break, the
//! tokenisation edge cases, entropy and the counts helper.

use arena_stats::{CategoryCounts, ReasoningCategory, categorize, entropy};

use ReasoningCategory::*;

#[test]
fn categorize_examples() {
    #[track_caller]
    fn check(text: &str, expected: ReasoningCategory) {
        assert_eq!(categorize(text), expected, "{text:?}");
    }
    // One per category.
    check("I must block column 4 before it is too late.", Blocking);
    check("Playing 3 prevents a diagonal.", Blocking);
    check("This is the winning move.", WinningLogic);
    check("Checkmate in one.", WinningLogic);
    check("Completes four-in-a-row.", WinningLogic);
    check("They might be bluffing with a weak hand.", OpponentModeling);
    check(
        "Their range here is mostly broadway cards.",
        OpponentModeling,
    );
    check("Take the centre.", Positional);
    check("CORNERS are strongest in tic-tac-toe", Positional);
    check("Pot odds of 3 to 1 justify a call.", Heuristic);
    check("The expected value of raising is positive.", Heuristic);
    check("It is the only legal move.", RuleBased);
    check("According to the rules I have to call.", RuleBased);
    check("", RandomOrUnjustified);
    check("   ", RandomOrUnjustified);
    check("e4", RandomOrUnjustified);
    check("Because I feel like it.", RandomOrUnjustified);
    // Priority: the earlier rule wins when several match.
    check(
        "Block the opponent's winning move in the center column.",
        Blocking,
    );
    check(
        "Winning requires the center; the opponent cannot stop it.",
        WinningLogic,
    );
    check("My opponent likes the corner.", OpponentModeling);
    check("The center has the best odds.", Positional);
    check("A sound strategy: the rules force nothing here.", Heuristic);
    // Whole words: no match inside a longer word, apostrophes dropped.
    check("Look through the window.", RandomOrUnjustified);
    check("I won't lose this.", RandomOrUnjustified);
    check("I won.", WinningLogic);
    check("Blocked lines everywhere.", Blocking);
    check("The opponent’s move.", OpponentModeling);
    check("Undefended edges.", Positional);
}

#[test]
fn category_names() {
    let names: Vec<(&str, &str)> = ReasoningCategory::ALL
        .iter()
        .map(|c| (c.as_str(), c.label()))
        .collect();
    assert_eq!(
        names,
        [
            ("positional", "Positional"),
            ("blocking", "Blocking"),
            ("opponent_modeling", "Opponent Modeling"),
            ("winning_logic", "Winning Logic"),
            ("heuristic", "Heuristic"),
            ("rule_based", "Rule-Based"),
            ("random_or_unjustified", "Random/Unjustified"),
        ]
    );
    assert_eq!(OpponentModeling.to_string(), "Opponent Modeling");
}

#[test]
fn entropy_in_bits() {
    #[track_caller]
    fn check(counts: &[usize], expected: f64) {
        let got = entropy(counts);
        assert!(
            (got - expected).abs() < 1e-12,
            "entropy({counts:?}) = {got}, expected {expected}"
        );
        assert!(got.is_sign_positive(), "entropy({counts:?}) = {got}");
    }
    check(&[1, 1, 1, 1], 2.0);
    check(&[25, 25, 25, 25], 2.0);
    check(&[9], 0.0);
    check(&[0, 9, 0], 0.0);
    check(&[1, 1], 1.0);
    check(&[1, 1, 2], 1.5);
    check(&[1; 7], 7f64.log2());
    check(&[], 0.0);
    check(&[0, 0], 0.0);
}

#[test]
fn category_counts() {
    let mut counts = CategoryCounts::default();
    assert_eq!(
        (counts.total(), counts.entropy(), counts.share(Blocking)),
        (0, 0.0, 0.0)
    );
    for text in ["block it", "I block", "center", "", "the odds"] {
        counts.add_text(text);
    }
    counts.add(Heuristic);
    assert_eq!(counts.add_text("only move"), RuleBased);
    assert_eq!(counts.counts(), [1, 2, 0, 0, 2, 1, 1]);
    assert_eq!(counts.total(), 7);
    assert_eq!(counts.count(Heuristic), 2);
    assert!((counts.share(Blocking) - 2.0 / 7.0).abs() < 1e-15);
    assert_eq!(counts.entropy(), entropy(&[1, 2, 0, 0, 2, 1, 1]));
    let listed: Vec<(ReasoningCategory, usize)> = counts.iter().filter(|&(_, n)| n > 0).collect();
    assert_eq!(
        listed,
        [
            (Positional, 1),
            (Blocking, 2),
            (Heuristic, 2),
            (RuleBased, 1),
            (RandomOrUnjustified, 1)
        ]
    );
}
