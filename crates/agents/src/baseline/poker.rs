//! `baseline_poker`: a no-limit hold'em player that weighs Monte-Carlo
//! equity against pot odds.
//!
//! # Range model
//! Every opponent still in the hand holds a range: the two-card hands it
//! could have, narrowed by how aggressively it played this hand. A hand's
//! pre-flop strength is its percentile among the 1326 starting hands by
//! Bill Chen's formula; after the flop it is also the percentile of its
//! made hand (the evaluator's rank of hole cards plus board) among every
//! holding the opponent could have. An opponent who made `k` bets or raises
//! before the flop holds only hands at or above the pre-flop percentile
//! `1 - 0.45^k` (top 45 % after one raise, top 20 % after two), and one who
//! made `j` bets or raises on the flop, turn or river only hands whose made
//! hand is at or above the percentile `1 - 0.5^j`. When no holding passes
//! both (cards already seen can empty a range) the thresholds are halved
//! until at least a few do. Bets and raises are read from the hand's history
//! in the seat's own observation, so the model uses nothing a seat may not
//! see.
//!
//! Players bluff, though: each sample draws an aggressive opponent's
//! holding from its range only half the time ([`BLUFF_SHARE`]) and from
//! every hand otherwise. A model that believed every raise would fold pot
//! after pot to a maniac; against `random`, whose every other action is a
//! raise, it lost about 6 chips a hand, and with the bluff share it wins
//! about 15.
//!
//! # Equity
//! Each sample draws one holding per opponent (rejecting holdings that
//! collide with cards already placed), completes the board
//! from the remaining deck, and scores the baseline's seven cards against
//! every opponent's with the game's own evaluator: 1 for a win, `1 / k` for
//! a `k`-way tie for best, 0 for a loss. The equity is the mean.
//!
//! # Decision
//! With `n` opponents the fair share is `1 / (n + 1)`; the *edge*
//! `(equity - fair) / (1 - fair)` says how far ahead the hand is.
//! - Facing a bet: fold when the equity is below the pot odds
//!   (`to_call / (pot + to_call)`); raise when the edge is at least
//!   [`RAISE_EDGE`] and a raise is legal; call otherwise (a call for less
//!   than the bet is the all-in call the rules allow).
//! - Not facing a bet: bet when the edge is at least [`BET_EDGE`] and a bet
//!   is legal; check otherwise (folding is never chosen when checking is
//!   free).
//! - Sizes grow with the edge, from half the pot (after calling) at the
//!   threshold to one and a half pots at certainty, clamped to the legal
//!   range; a size that would commit most of the stack goes all-in instead.
//!
//! # Determinism
//! The sampler is a `ChaCha8Rng` seeded from the request's sampling seed,
//! and the answer is one of the request's legal action strings, so the same
//! request always gets the same move.

use std::sync::OnceLock;

use arena_games::Engine;
use arena_games::Seat;
use arena_games::games::poker::{
    Card, CardSet, MAX_SEATS, Poker, PokerAction, SeatStatus, evaluate,
};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// Monte-Carlo samples per decision unless configured otherwise.
pub const DEFAULT_SAMPLES: u32 = 2000;

/// The edge (equity above the fair share, as a fraction of what is left to
/// gain) at which the baseline bets when it may check.
pub const BET_EDGE: f64 = 0.25;

/// The edge at which the baseline raises a bet rather than calling it.
pub const RAISE_EDGE: f64 = 0.4;

/// The share of each aggressive opponent's holdings drawn from every hand
/// rather than from its range (see the module documentation).
pub const BLUFF_SHARE: f64 = 0.5;

/// A range is widened until it holds at least this many holdings.
const MIN_RANGE: usize = 6;

/// Chooses the move of the seat to act in `state`, as one of `legal`
/// (the state's legal action strings). `None` when no player is to act.
pub(super) fn choose(state: &Poker, legal: &[String], samples: u32, seed: u64) -> Option<String> {
    let me = state.turn().seat()?;
    let hole = state.hole_cards(me)?;
    let board = state.board();
    let mut rng = ChaCha8Rng::seed_from_u64(seed);

    let opponents: Vec<Seat> = (0..state.n_seats())
        .filter(|&s| {
            s != me && matches!(state.statuses()[s], SeatStatus::Active | SeatStatus::AllIn)
        })
        .collect();
    let aggression = aggression(state, me);
    let dead = index_mask(&hole) | index_mask(board);
    let postflop = (board.len() >= 3).then(|| postflop_percentiles(board, dead));
    let ranges: Vec<Vec<u16>> = opponents
        .iter()
        .map(|&o| {
            let [pre, post] = aggression[o];
            range(
                dead,
                postflop.as_deref(),
                threshold(0.45, pre),
                threshold(0.5, post),
            )
        })
        .collect();
    let equity = equity(hole, board, &ranges, BLUFF_SHARE, samples.max(1), &mut rng);

    let stack = state.stacks()[me];
    let my_bet = state.street_bets()[me];
    let to_call = state.current_bet().saturating_sub(my_bet).min(stack);
    let pot: u32 = state.committed().iter().sum();
    let fair = 1.0 / (opponents.len() as f64 + 1.0);
    let edge = (equity - fair) / (1.0 - fair);

    let sized = |threshold: f64| -> Option<PokerAction> {
        let (lo, hi) = state.raise_range()?;
        if edge < threshold {
            return None;
        }
        // Half a pot at the threshold, one and a half at certainty.
        let fraction = 0.5 + (edge - threshold) / (1.0 - threshold);
        let pot_after_call = f64::from(pot + to_call);
        let target = f64::from(state.current_bet()) + pot_after_call * fraction;
        let mut to = (target.round() as u32).clamp(lo, hi);
        // Leaving a sliver behind only invites a cheap all-in: commit it all.
        if f64::from(to) >= 0.7 * f64::from(hi) {
            to = hi;
        }
        Some(if state.current_bet() == 0 {
            PokerAction::Bet(to)
        } else {
            PokerAction::Raise(to)
        })
    };
    let action = if to_call > 0 {
        let pot_odds = f64::from(to_call) / f64::from(pot + to_call);
        if equity < pot_odds {
            PokerAction::Fold
        } else {
            sized(RAISE_EDGE).unwrap_or(PokerAction::Call)
        }
    } else {
        sized(BET_EDGE).unwrap_or(PokerAction::Check)
    };
    let text = state.action_text(action);
    if legal.contains(&text) {
        return Some(text);
    }
    // The state's own legal list always holds the choice; a request whose
    // list disagrees still gets a legal answer: the passive one.
    ["check", "call"]
        .into_iter()
        .find(|p| legal.iter().any(|l| l == p))
        .or_else(|| legal.first().map(String::as_str))
        .map(str::to_string)
}

/// The Monte-Carlo equity of `hole` on `board` against one holding drawn
/// from each range (indices into [`combos`]), over `samples` deals.
pub(super) fn equity(
    hole: [Card; 2],
    board: &[Card],
    ranges: &[Vec<u16>],
    bluff: f64,
    samples: u32,
    rng: &mut ChaCha8Rng,
) -> f64 {
    let all = combos();
    let mine: CardSet = hole.iter().copied().collect();
    let board_set: CardSet = board.iter().copied().collect();
    let dead = index_mask(&hole) | index_mask(board);
    let any = range(dead, None, 0.0, 0.0);
    let mut total = 0.0;
    for _ in 0..samples {
        let mut used = dead;
        let mut hands = [CardSet::EMPTY; MAX_SEATS];
        for (hand, range) in hands.iter_mut().zip(ranges) {
            let range = if range.len() < any.len() && rng.random_bool(bluff) {
                &any
            } else {
                range
            };
            let mut picked = None;
            if !range.is_empty() {
                // Rejection keeps the draw uniform over the holdings that
                // do not collide; give up after a while and deal at random.
                for _ in 0..32 {
                    let c = &all[usize::from(range[rng.random_range(0..range.len())])];
                    if c.index_mask & used == 0 {
                        picked = Some(*c);
                        break;
                    }
                }
            }
            let (mask, cards) = match picked {
                Some(c) => (c.index_mask, c.cards),
                None => {
                    let a = draw(&mut used, rng);
                    let b = draw(&mut used, rng);
                    (0, CardSet::EMPTY.with(a).with(b))
                }
            };
            used |= mask;
            *hand = cards;
        }
        let mut full_board = board_set;
        for _ in board.len()..5 {
            full_board = full_board.with(draw(&mut used, rng));
        }
        let my_rank = evaluate(CardSet(mine.0 | full_board.0));
        let mut tied = 1u32;
        let mut lost = false;
        for hand in &hands[..ranges.len()] {
            let rank = evaluate(CardSet(hand.0 | full_board.0));
            if rank > my_rank {
                lost = true;
                break;
            }
            if rank == my_rank {
                tied += 1;
            }
        }
        if !lost {
            total += 1.0 / f64::from(tied);
        }
    }
    total / f64::from(samples)
}

/// Every holding not touching `dead` whose pre-flop percentile is at least
/// `t_pre` and (after the flop) whose made-hand percentile is at least
/// `t_post`; thresholds are halved until at least [`MIN_RANGE`] qualify.
pub(super) fn range(dead: u64, postflop: Option<&[f32]>, t_pre: f32, t_post: f32) -> Vec<u16> {
    let all = combos();
    let (mut t_pre, mut t_post) = (t_pre, t_post);
    loop {
        let r: Vec<u16> = (0..all.len())
            .filter(|&i| {
                let c = &all[i];
                c.index_mask & dead == 0
                    && c.preflop >= t_pre
                    && postflop.is_none_or(|p| p[i] >= t_post)
            })
            .map(|i| i as u16)
            .collect();
        if r.len() >= MIN_RANGE || (t_pre == 0.0 && t_post == 0.0) {
            return r;
        }
        // Below 1 % a threshold is as good as none.
        let halve = |t: f32| if t < 0.02 { 0.0 } else { t / 2.0 };
        t_pre = halve(t_pre);
        t_post = halve(t_post);
    }
}

/// The percentile threshold after `k` aggressive actions: `1 - keep^k`.
fn threshold(keep: f32, k: u32) -> f32 {
    1.0 - keep.powi(k.min(16) as i32)
}

/// One of the 1326 two-card holdings.
#[derive(Clone, Copy, Debug)]
pub(super) struct Combo {
    /// The two cards' bits by card index, for collision checks.
    index_mask: u64,
    /// The two cards as an evaluator set.
    cards: CardSet,
    /// The percentile of its Chen score among all holdings, in `[0, 1]`.
    preflop: f32,
}

/// Every holding, in card-index order, with its pre-flop percentile.
pub(super) fn combos() -> &'static [Combo] {
    static COMBOS: OnceLock<Vec<Combo>> = OnceLock::new();
    COMBOS.get_or_init(|| {
        let cards: Vec<Card> = (0..52).filter_map(Card::from_index).collect();
        let mut out = Vec::with_capacity(1326);
        let mut scores = Vec::with_capacity(1326);
        for (i, &a) in cards.iter().enumerate() {
            for &b in &cards[i + 1..] {
                scores.push(chen_doubled(a, b));
                out.push(Combo {
                    index_mask: index_mask(&[a, b]),
                    cards: CardSet::EMPTY.with(a).with(b),
                    preflop: 0.0,
                });
            }
        }
        let mut sorted = scores.clone();
        sorted.sort_unstable();
        let n = sorted.len() as f32;
        for (combo, score) in out.iter_mut().zip(&scores) {
            let below = sorted.partition_point(|s| s < score) as f32;
            let equal = sorted.partition_point(|s| s <= score) as f32 - below;
            combo.preflop = (below + equal / 2.0) / n;
        }
        out
    })
}

/// Bill Chen's starting-hand score in half points (without the final
/// rounding up): the high card (A 10, K 8, Q 7, J 6, else half its
/// value), doubled for a pair (at least 5), +2 suited, minus the gap (1,
/// 2, 4, 5 for gaps of 1, 2, 3, 4+), +1 for connected or one-gapped cards
/// below a queen.
pub(super) fn chen_doubled(a: Card, b: Card) -> i32 {
    let (hi, lo) = if a.rank() >= b.rank() { (a, b) } else { (b, a) };
    let value = |rank: u8| match rank {
        12 => 20,
        11 => 16,
        10 => 14,
        9 => 12,
        r => i32::from(r) + 2,
    };
    if hi.rank() == lo.rank() {
        return (2 * value(hi.rank())).max(10);
    }
    let mut score = value(hi.rank());
    if hi.suit() == lo.suit() {
        score += 4;
    }
    let gap = hi.rank() - lo.rank() - 1;
    score -= match gap {
        0 => 0,
        1 => 2,
        2 => 4,
        3 => 8,
        _ => 10,
    };
    if gap <= 1 && hi.rank() < 10 {
        score += 2;
    }
    score
}

/// For every holding (indexed like [`combos`]), the percentile of its made
/// hand with `board` among the holdings that do not touch `dead`; -1 for
/// those that do.
fn postflop_percentiles(board: &[Card], dead: u64) -> Vec<f32> {
    let all = combos();
    let board_set: CardSet = board.iter().copied().collect();
    let ranks: Vec<Option<u32>> = all
        .iter()
        .map(|c| (c.index_mask & dead == 0).then(|| evaluate(CardSet(c.cards.0 | board_set.0)).0))
        .collect();
    let mut sorted: Vec<u32> = ranks.iter().flatten().copied().collect();
    sorted.sort_unstable();
    let n = sorted.len().max(1) as f32;
    ranks
        .iter()
        .map(|r| match r {
            Some(r) => {
                let below = sorted.partition_point(|s| s < r) as f32;
                let equal = sorted.partition_point(|s| s <= r) as f32 - below;
                (below + equal / 2.0) / n
            }
            None => -1.0,
        })
        .collect()
}

/// Bets and raises per seat this hand: `[pre-flop, after the flop]`, read
/// from the hand's history in `me`'s observation.
pub(super) fn aggression(state: &Poker, me: Seat) -> [[u32; 2]; MAX_SEATS] {
    let mut counts = [[0u32; 2]; MAX_SEATS];
    let mut street = 0;
    for line in state.observe(me).history {
        if line.starts_with("flop:") {
            street = 1;
            continue;
        }
        let Some((seat, rest)) = line.strip_prefix("seat ").and_then(|l| l.split_once(' ')) else {
            continue;
        };
        let Ok(seat) = seat.parse::<usize>() else {
            continue;
        };
        if seat < MAX_SEATS && (rest.starts_with("bets ") || rest.starts_with("raises to ")) {
            counts[seat][street] += 1;
        }
    }
    counts
}

/// Draws a card not in `used` and marks it used.
fn draw(used: &mut u64, rng: &mut ChaCha8Rng) -> Card {
    loop {
        let i: u8 = rng.random_range(0..52);
        if *used & (1u64 << i) == 0 {
            *used |= 1u64 << i;
            // In range by construction.
            return Card::from_index(i).unwrap_or(Card::FIRST);
        }
    }
}

/// The cards' bits by card index.
fn index_mask(cards: &[Card]) -> u64 {
    cards.iter().fold(0, |m, c| m | (1u64 << c.index()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use arena_games::games::poker::parse_cards;

    fn cards2(text: &str) -> [Card; 2] {
        let c = parse_cards(text).unwrap();
        [c[0], c[1]]
    }

    #[test]
    fn aces_have_85_percent_against_a_random_hand() {
        let mut rng = ChaCha8Rng::seed_from_u64(11);
        let hole = cards2("Ac Ad");
        let uniform = range(index_mask(&hole), None, 0.0, 0.0);
        assert_eq!(uniform.len(), 1225);
        let e = equity(hole, &[], &[uniform], 0.0, 20_000, &mut rng);
        // The exact value is 0.8520.
        assert!((e - 0.852).abs() < 0.02, "equity {e}");
    }

    #[test]
    fn ranges_narrow_with_aggression() {
        let hole = cards2("7c 2d");
        let dead = index_mask(&hole);
        let open = range(dead, None, 0.0, 0.0);
        let raised = range(dead, None, threshold(0.45, 1), 0.0);
        let reraised = range(dead, None, threshold(0.45, 2), 0.0);
        assert!(open.len() > raised.len() && raised.len() > reraised.len());
        // 72o against a range after two raises is far worse than against any hand.
        let mut rng = ChaCha8Rng::seed_from_u64(3);
        let e_open = equity(hole, &[], &[open], 0.0, 4000, &mut rng);
        let e_raised = equity(hole, &[], &[reraised], 0.0, 4000, &mut rng);
        assert!(e_raised + 0.05 < e_open, "{e_raised} vs {e_open}");
    }

    #[test]
    fn chen_scores_order_classic_hands() {
        let c = |t: &str| {
            let [a, b] = cards2(t);
            chen_doubled(a, b)
        };
        assert_eq!(c("As Ah"), 40);
        assert_eq!(c("2s 2h"), 10);
        assert_eq!(c("As Ks"), 24);
        // 7-2 offsuit: 3.5 minus 5 for the gap.
        assert_eq!(c("7c 2d"), -3);
        assert!(c("Ks Kd") > c("As Ks") && c("As Ks") > c("Ts 9s") && c("Ts 9s") > c("7c 2d"));
        let all = combos();
        assert_eq!(all.len(), 1326);
        let best = all.iter().map(|c| c.preflop).fold(0.0, f32::max);
        assert!(best > 0.99);
    }

    #[test]
    fn a_made_hand_outranks_air_after_the_flop() {
        let board = parse_cards("Ah 7s 2c").unwrap();
        let dead = index_mask(&board);
        let p = postflop_percentiles(&board, dead);
        let at = |t: &str| {
            let [a, b] = cards2(t);
            let m = index_mask(&[a, b]);
            let i = combos().iter().position(|c| c.index_mask == m).unwrap();
            p[i]
        };
        assert!(at("Ac Ad") > 0.99);
        // No pair, no draw: near the bottom.
        assert!(at("5c 3d") < 0.2, "{}", at("5c 3d"));
        assert!(at("As Kd") > at("Kc Qd") && at("Kc Qd") > at("5c 3d"));
        assert_eq!(at("Ah Kd"), -1.0);
    }
}
