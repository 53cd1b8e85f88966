//! The 7-card evaluator against the known category counts of all
//! 133,784,560 seven-card hands, and against a slow, obviously correct
//! best-of-21 reference on random hands.

use std::sync::atomic::{AtomicUsize, Ordering};

use arena_games::games::poker::{Card, CardSet, Category, evaluate};
use rand::SeedableRng;
use rand::seq::SliceRandom;
use rand_chacha::ChaCha8Rng;

fn deck() -> Vec<Card> {
    (0..52).map(|i| Card::from_index(i).unwrap()).collect()
}

/// Category counts over every 7-card hand. The hands are enumerated with
/// nested loops that extend a partial mask one card at a time; the first
/// card is handed out to worker threads.
fn count_all_seven_card_hands() -> [u64; 9] {
    let bits: Vec<u64> = deck().iter().map(|c| c.bit()).collect();
    let next_first = AtomicUsize::new(0);
    let threads = std::thread::available_parallelism()
        .map_or(2, |n| n.get())
        .min(8);
    let mut total = [0u64; 9];
    std::thread::scope(|scope| {
        let workers: Vec<_> = (0..threads)
            .map(|_| {
                scope.spawn(|| {
                    let mut counts = [0u64; 9];
                    loop {
                        let a = next_first.fetch_add(1, Ordering::Relaxed);
                        if a > 45 {
                            break;
                        }
                        let ma = bits[a];
                        for b in a + 1..47 {
                            let mb = ma | bits[b];
                            for c in b + 1..48 {
                                let mc = mb | bits[c];
                                for d in c + 1..49 {
                                    let md = mc | bits[d];
                                    for e in d + 1..50 {
                                        let me = md | bits[e];
                                        for f in e + 1..51 {
                                            let mf = me | bits[f];
                                            for &g in &bits[f + 1..52] {
                                                let rank = evaluate(CardSet(mf | g));
                                                counts[rank.category() as usize] += 1;
                                            }
                                        }
                                    }
                                }
                            }
                        }
                    }
                    counts
                })
            })
            .collect();
        for w in workers {
            let counts = w.join().unwrap();
            for (t, c) in total.iter_mut().zip(counts) {
                *t += c;
            }
        }
    });
    total
}

#[test]
fn every_seven_card_hand_is_classified_exactly() {
    let counts = count_all_seven_card_hands();
    let expected = [
        (Category::HighCard, 23_294_460),
        (Category::OnePair, 58_627_800),
        (Category::TwoPair, 31_433_400),
        (Category::ThreeOfAKind, 6_461_620),
        (Category::Straight, 6_180_020),
        (Category::Flush, 4_047_644),
        (Category::FullHouse, 3_473_184),
        (Category::FourOfAKind, 224_848),
        (Category::StraightFlush, 41_584),
    ];
    for (category, want) in expected {
        assert_eq!(counts[category as usize], want, "{category:?}");
    }
    assert_eq!(counts.iter().sum::<u64>(), 133_784_560);
}

/// A slow reference: the best of the 21 five-card hands, each scored as
/// (category, ranks by count then rank, high first).
fn reference(cards: &[Card]) -> (u8, Vec<u8>) {
    let mut best = (0, Vec::new());
    for skip1 in 0..7 {
        for skip2 in skip1 + 1..7 {
            let five: Vec<Card> = (0..7)
                .filter(|&i| i != skip1 && i != skip2)
                .map(|i| cards[i])
                .collect();
            let score = five_card(&five);
            if score > best {
                best = score;
            }
        }
    }
    best
}

fn five_card(cards: &[Card]) -> (u8, Vec<u8>) {
    let mut counts = [0u8; 13];
    for c in cards {
        counts[c.rank() as usize] += 1;
    }
    // Ranks ordered by (count, rank), both descending.
    let mut groups: Vec<(u8, u8)> = (0..13u8)
        .filter(|&r| counts[r as usize] > 0)
        .map(|r| (counts[r as usize], r))
        .collect();
    groups.sort_unstable_by(|a, b| b.cmp(a));
    let ranks: Vec<u8> = groups.iter().map(|&(_, r)| r).collect();
    let flush = cards.iter().all(|c| c.suit() == cards[0].suit());
    let straight_top = if groups.len() == 5 {
        if ranks[0] - ranks[4] == 4 {
            Some(ranks[0])
        } else if ranks == [12, 3, 2, 1, 0] {
            Some(3)
        } else {
            None
        }
    } else {
        None
    };
    let shape: Vec<u8> = groups.iter().map(|&(c, _)| c).collect();
    match (straight_top, flush, shape.as_slice()) {
        (Some(top), true, _) => (8, vec![top]),
        (_, _, [4, 1]) => (7, ranks),
        (_, _, [3, 2]) => (6, ranks),
        (_, true, _) => (5, ranks),
        (Some(top), false, _) => (4, vec![top]),
        (_, _, [3, 1, 1]) => (3, ranks),
        (_, _, [2, 2, 1]) => (2, ranks),
        (_, _, [2, 1, 1, 1]) => (1, ranks),
        _ => (0, ranks),
    }
}

#[test]
fn matches_a_best_of_21_reference_on_random_hands() {
    let mut rng = ChaCha8Rng::seed_from_u64(2024);
    let mut cards = deck();
    let mut previous: Option<(Vec<Card>, _, _)> = None;
    for _ in 0..100_000 {
        cards.shuffle(&mut rng);
        let hand = cards[..7].to_vec();
        let fast = evaluate(hand.iter().copied().collect());
        let slow = reference(&hand);
        assert_eq!(fast.category() as u8, slow.0, "{hand:?}");
        if let Some((other, other_fast, other_slow)) = &previous {
            assert_eq!(
                fast.cmp(other_fast),
                slow.cmp(other_slow),
                "{hand:?} vs {other:?}"
            );
        }
        previous = Some((hand, fast, slow));
    }
}

#[test]
fn close_hands_compare_by_reference_within_a_category() {
    // Pairs of hands drawn from a small deck of few ranks, so that equal
    // categories (and ties) are common.
    let mut rng = ChaCha8Rng::seed_from_u64(7);
    let small: Vec<Card> = deck().into_iter().filter(|c| c.rank() >= 7).collect();
    let mut cards = small.clone();
    for _ in 0..50_000 {
        cards.shuffle(&mut rng);
        let (a, b) = (&cards[..7], &cards[7..14]);
        let fa = evaluate(a.iter().copied().collect());
        let fb = evaluate(b.iter().copied().collect());
        assert_eq!(
            fa.cmp(&fb),
            reference(a).cmp(&reference(b)),
            "{a:?} vs {b:?}"
        );
    }
}
