//! The hold'em state machine: posting, dealing, betting rounds, pots and
//! showdown, plus the per-seat views. The rules are documented on the
//! [module](super).

use std::fmt::Write as _;

use serde::Serialize;

use super::INFO;
use super::cards::{Card, CardSet};
use super::eval::{HandRank, evaluate};
use crate::engine::{Engine, Seat, Turn};
use crate::error::{GameError, ParseActionError};
use crate::params::Params;

/// The most seats at a table.
pub const MAX_SEATS: usize = 10;

/// The largest stack, blind or ante. Every bet size is a legal action, so
/// stacks are kept small enough to enumerate, and ten full stacks still fit
/// a `u32`.
pub const MAX_CHIPS: u32 = 1_000_000;

/// One move: a dealt card (chance) or a player's betting action.
///
/// Amounts are the seat's total bet on the current street after the action.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PokerAction {
    /// Chance deals this card (text: the card, e.g. `As`).
    Deal(Card),
    /// Give up the hand (`fold`).
    Fold,
    /// Pass without betting (`check`).
    Check,
    /// Match the current bet, or go all-in for less (`call`).
    Call,
    /// Open the betting on a street with no bet yet, to this total (`bet N`).
    Bet(u32),
    /// Raise the current bet to this total (`raise N`).
    Raise(u32),
}

/// The table settings.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
pub struct PokerConfig {
    /// Seats at the table, 2..=10.
    pub players: usize,
    /// Starting chips per seat.
    pub stack: u32,
    /// The small blind.
    pub small_blind: u32,
    /// The big blind, also the minimum bet and raise increment.
    pub big_blind: u32,
    /// The ante every seat posts each hand.
    pub ante: u32,
    /// Hands to play (1 = a single hand).
    pub hands: u32,
}

impl Default for PokerConfig {
    /// Heads-up, 200 chips, blinds 1/2, no ante, one hand.
    fn default() -> Self {
        PokerConfig {
            players: 2,
            stack: 200,
            small_blind: 1,
            big_blind: 2,
            ante: 0,
            hands: 1,
        }
    }
}

impl PokerConfig {
    /// Reads the registry parameters, checking each range and the
    /// constraints between them.
    pub fn from_params(params: &Params) -> Result<PokerConfig, GameError> {
        let int = |name: &str, min: i64, max: i64| -> Result<i64, GameError> {
            let v = params.int(name);
            if v < min || v > max {
                return Err(GameError::OutOfRange {
                    game: INFO.name.to_string(),
                    param: name.to_string(),
                    value: v.to_string(),
                    range: format!("{min}..={max}"),
                });
            }
            Ok(v)
        };
        let chips = i64::from(MAX_CHIPS);
        let config = PokerConfig {
            players: int("players", 2, MAX_SEATS as i64)? as usize,
            stack: int("stack", 1, chips)? as u32,
            small_blind: int("small_blind", 0, chips)? as u32,
            big_blind: int("big_blind", 1, chips)? as u32,
            ante: int("ante", 0, chips)? as u32,
            hands: int("hands", 1, 1_000_000)? as u32,
        };
        config.validate()?;
        Ok(config)
    }

    /// Checks the ranges and the constraints between the settings.
    pub fn validate(&self) -> Result<(), GameError> {
        let out_of_range = |param: &str, value: u64, range: String| GameError::OutOfRange {
            game: INFO.name.to_string(),
            param: param.to_string(),
            value: value.to_string(),
            range,
        };
        let invalid = |message: String| GameError::InvalidParams {
            game: INFO.name.to_string(),
            message,
        };
        if !(2..=MAX_SEATS).contains(&self.players) {
            return Err(out_of_range(
                "players",
                self.players as u64,
                format!("2..={MAX_SEATS}"),
            ));
        }
        for (name, value, min) in [
            ("stack", self.stack, 1),
            ("small_blind", self.small_blind, 0),
            ("big_blind", self.big_blind, 1),
            ("ante", self.ante, 0),
        ] {
            if value < min || value > MAX_CHIPS {
                return Err(out_of_range(
                    name,
                    u64::from(value),
                    format!("{min}..={MAX_CHIPS}"),
                ));
            }
        }
        if self.hands == 0 || self.hands > 1_000_000 {
            return Err(out_of_range(
                "hands",
                u64::from(self.hands),
                "1..=1000000".to_string(),
            ));
        }
        if self.big_blind < self.small_blind {
            return Err(invalid(format!(
                "big_blind ({}) must be at least small_blind ({}); valid big_blind range: {}..={}",
                self.big_blind, self.small_blind, self.small_blind, self.stack
            )));
        }
        if self.big_blind > self.stack {
            return Err(invalid(format!(
                "big_blind ({}) must be at most stack ({}); valid big_blind range: {}..={}",
                self.big_blind,
                self.stack,
                self.small_blind.max(1),
                self.stack
            )));
        }
        if self.ante > self.stack {
            return Err(invalid(format!(
                "ante ({}) must be at most stack ({}); valid ante range: 0..={}",
                self.ante, self.stack, self.stack
            )));
        }
        Ok(())
    }
}

/// The betting round.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Street {
    /// Before the flop.
    Preflop,
    /// After three board cards.
    Flop,
    /// After four.
    Turn,
    /// After five.
    River,
}

impl Street {
    fn name(self) -> &'static str {
        match self {
            Street::Preflop => "pre-flop",
            Street::Flop => "flop",
            Street::Turn => "turn",
            Street::River => "river",
        }
    }
}

/// Where a seat stands in the current hand.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SeatStatus {
    /// Not in this hand (no chips left).
    Out,
    /// Folded this hand.
    Folded,
    /// In the hand with chips behind.
    Active,
    /// In the hand with every chip committed.
    AllIn,
}

/// One logged event, the source of the betting history in words.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum Event {
    HandStart {
        hand: u32,
        button: u8,
    },
    Ante {
        seat: u8,
        amount: u32,
    },
    SmallBlind {
        seat: u8,
        amount: u32,
    },
    BigBlind {
        seat: u8,
        amount: u32,
    },
    Flop([Card; 3]),
    Turn(Card),
    River(Card),
    Act(ActEvent),
    Show {
        seat: u8,
        cards: [Card; 2],
        rank: HandRank,
    },
    Win {
        seat: u8,
        amount: u32,
        pot: u8,
        uncontested: bool,
    },
    Return {
        seat: u8,
        amount: u32,
    },
}

/// A betting action as it happened.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
struct ActEvent {
    seat: u8,
    action: PokerAction,
    /// Chips put in by this action.
    added: u32,
    /// The seat's street total afterwards.
    total: u32,
    all_in: bool,
}

impl Event {
    fn text(&self) -> String {
        match *self {
            Event::HandStart { hand, button } => {
                format!("hand {hand} begins; seat {button} has the button")
            }
            Event::Ante { seat, amount } => format!("seat {seat} posts an ante of {amount}"),
            Event::SmallBlind { seat, amount } => {
                format!("seat {seat} posts the small blind {amount}")
            }
            Event::BigBlind { seat, amount } => format!("seat {seat} posts the big blind {amount}"),
            Event::Flop([a, b, c]) => format!("flop: {a} {b} {c}"),
            Event::Turn(c) => format!("turn: {c}"),
            Event::River(c) => format!("river: {c}"),
            Event::Act(a) => {
                let s = a.seat;
                let mut t = match a.action {
                    PokerAction::Fold => format!("seat {s} folds"),
                    PokerAction::Check => format!("seat {s} checks"),
                    PokerAction::Call => {
                        format!("seat {s} calls {} ({} total this street)", a.added, a.total)
                    }
                    PokerAction::Bet(to) => format!("seat {s} bets {to}"),
                    PokerAction::Raise(to) => format!("seat {s} raises to {to}"),
                    PokerAction::Deal(c) => format!("{c} is dealt"),
                };
                if a.all_in {
                    t.push_str(" and is all-in");
                }
                t
            }
            Event::Show { seat, cards, rank } => {
                format!("seat {seat} shows {} {} ({rank})", cards[0], cards[1])
            }
            Event::Win {
                seat,
                amount,
                pot,
                uncontested,
            } => {
                let pot_name = if pot == 0 {
                    "the main pot".to_string()
                } else {
                    format!("side pot {pot}")
                };
                if uncontested {
                    format!("seat {seat} wins {amount} from {pot_name}; everyone else folded")
                } else {
                    format!("seat {seat} wins {amount} from {pot_name}")
                }
            }
            Event::Return { seat, amount } => {
                format!("{amount} uncalled returned to seat {seat}")
            }
        }
    }
}

/// A hold'em table: the match so far and the hand in progress.
///
/// Fixed-size arrays keep everything but the event log inline, so a clone is
/// one small copy plus the log.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Poker {
    cfg: PokerConfig,
    /// Each seat's chips at the start of the match; returns are measured
    /// from them.
    start_stacks: [u32; MAX_SEATS],
    /// The hand in progress, from 1.
    hand_no: u32,
    button: u8,
    sb_seat: u8,
    bb_seat: u8,
    /// Chips behind (not yet committed this hand).
    stacks: [u32; MAX_SEATS],
    /// Chips committed on the current street (blinds, bets; not antes).
    street_bet: [u32; MAX_SEATS],
    /// Chips committed this hand, antes included.
    committed: [u32; MAX_SEATS],
    status: [SeatStatus; MAX_SEATS],
    /// Seats that have acted on this street (bit per seat).
    acted: u16,
    /// The street's current bet when each seat last acted, for the rule on
    /// short all-in raises.
    acted_at: [u32; MAX_SEATS],
    hole: [[Card; 2]; MAX_SEATS],
    /// The seats in the hand, from left of the button to the button.
    deal_order: [u8; MAX_SEATS],
    n_in_hand: u8,
    hole_dealt: u8,
    board: [Card; 5],
    board_len: u8,
    /// Board cards wanted by now; more than `board_len` means chance deals.
    board_target: u8,
    /// Cards dealt this hand, bit per card index.
    dealt: u64,
    street: Street,
    current_bet: u32,
    /// The minimum raise increment: the largest full bet or raise increment
    /// on this street, at least the big blind.
    min_raise: u32,
    /// The seat to act when no card is due.
    to_act: u8,
    /// Whether the match is over.
    over: bool,
    /// What happened in the previous hand (from index 0) and in this one
    /// (from `hand_start`), in order.
    log: Vec<Event>,
    hand_start: usize,
}

/// A pot as a seat sees it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct PotView {
    /// Chips in it.
    pub amount: u32,
    /// Seats that can win it.
    pub eligible: Vec<Seat>,
}

/// One seat as everyone sees it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct SeatView {
    /// The seat.
    pub seat: Seat,
    /// Chips behind.
    pub stack: u32,
    /// Chips bet on the current street.
    pub bet: u32,
    /// Chips committed this hand, antes included.
    pub committed: u32,
    /// Folded, all-in, …
    pub status: SeatStatus,
    /// Hole cards, only once shown at a showdown (or for the observer).
    pub cards: Option<[Card; 2]>,
}

/// What one seat may know: its own cards, the board, every stack and bet,
/// the history in words, and hole cards shown at a showdown. Never another
/// seat's unshown cards.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct PokerObservation {
    /// The observer.
    pub seat: Seat,
    /// The hand in progress (from 1).
    pub hand: u32,
    /// Hands in the match.
    pub hands: u32,
    /// The button seat.
    pub button: Seat,
    /// Blinds and ante.
    pub small_blind: u32,
    /// The big blind.
    pub big_blind: u32,
    /// The ante.
    pub ante: u32,
    /// The betting round.
    pub street: Street,
    /// The observer's hole cards (empty before they are dealt).
    pub hole_cards: Vec<Card>,
    /// The board.
    pub board: Vec<Card>,
    /// All chips committed this hand.
    pub pot: u32,
    /// The pots by all-in level: main pot first.
    pub pots: Vec<PotView>,
    /// Every seat.
    pub seats: Vec<SeatView>,
    /// The seat to act, if a player is to act.
    pub to_act: Option<Seat>,
    /// The legal actions in compact form, when the observer is to act.
    pub legal: Option<String>,
    /// The current hand, in words.
    pub history: Vec<String>,
    /// The previous hand of a match, in words.
    pub previous_hand: Vec<String>,
    /// Chips won or lost per seat, once the game is over.
    pub returns: Option<Vec<i64>>,
}

impl Poker {
    /// A table at the start of the first hand: blinds posted, hole cards
    /// about to be dealt.
    pub fn new(cfg: PokerConfig) -> Result<Poker, GameError> {
        Poker::with_stacks(cfg, &vec![cfg.stack; cfg.players])
    }

    /// Like [`Poker::new`], but each seat starts with its own number of
    /// chips (`cfg.stack` is then unused), e.g. to set up side pots or
    /// resume a match. Returns are measured from these stacks.
    pub fn with_stacks(cfg: PokerConfig, stacks: &[u32]) -> Result<Poker, GameError> {
        cfg.validate()?;
        if stacks.len() != cfg.players || stacks.iter().any(|&c| c == 0 || c > MAX_CHIPS) {
            return Err(GameError::InvalidParams {
                game: INFO.name.to_string(),
                message: format!(
                    "need one stack per seat ({} seats), each in 1..={MAX_CHIPS}; got {stacks:?}",
                    cfg.players
                ),
            });
        }
        // Undealt slots hold a placeholder; `hole_dealt` and `board_len`
        // say which slots are real.
        let placeholder = Card::FIRST;
        let mut start_stacks = [0; MAX_SEATS];
        start_stacks[..cfg.players].copy_from_slice(stacks);
        let mut state = Poker {
            cfg,
            start_stacks,
            hand_no: 0,
            button: 0,
            sb_seat: 0,
            bb_seat: 0,
            stacks: [0; MAX_SEATS],
            street_bet: [0; MAX_SEATS],
            committed: [0; MAX_SEATS],
            status: [SeatStatus::Out; MAX_SEATS],
            acted: 0,
            acted_at: [0; MAX_SEATS],
            hole: [[placeholder; 2]; MAX_SEATS],
            deal_order: [0; MAX_SEATS],
            n_in_hand: 0,
            hole_dealt: 0,
            board: [placeholder; 5],
            board_len: 0,
            board_target: 0,
            dealt: 0,
            street: Street::Preflop,
            current_bet: 0,
            min_raise: cfg.big_blind,
            to_act: 0,
            over: false,
            log: Vec::new(),
            hand_start: 0,
        };
        state.stacks = start_stacks;
        state.start_hand();
        Ok(state)
    }

    /// The table settings.
    pub fn config(&self) -> &PokerConfig {
        &self.cfg
    }

    /// The hand in progress, from 1.
    pub fn hand_number(&self) -> u32 {
        self.hand_no
    }

    /// The button seat.
    pub fn button(&self) -> Seat {
        self.button as Seat
    }

    /// The betting round.
    pub fn street(&self) -> Street {
        self.street
    }

    /// Chips behind for each seat.
    pub fn stacks(&self) -> &[u32] {
        &self.stacks[..self.n()]
    }

    /// Chips bet on the current street by each seat.
    pub fn street_bets(&self) -> &[u32] {
        &self.street_bet[..self.n()]
    }

    /// Chips committed this hand by each seat, antes included.
    pub fn committed(&self) -> &[u32] {
        &self.committed[..self.n()]
    }

    /// Each seat's status in this hand.
    pub fn statuses(&self) -> &[SeatStatus] {
        &self.status[..self.n()]
    }

    /// The board so far.
    pub fn board(&self) -> &[Card] {
        &self.board[..self.board_len as usize]
    }

    /// A seat's hole cards, once both are dealt (omniscient: for tests,
    /// tools and `render`, never for a seat's view of another seat).
    pub fn hole_cards(&self, seat: Seat) -> Option<[Card; 2]> {
        (seat < self.n() && self.hole_dealt_to(seat) == 2).then(|| self.hole[seat])
    }

    /// The current bet to match on this street.
    pub fn current_bet(&self) -> u32 {
        self.current_bet
    }

    /// The bet or raise sizes (street totals) open to the seat to act, as
    /// an inclusive range, or `None` if it may not bet or raise.
    pub fn raise_range(&self) -> Option<(u32, u32)> {
        match self.turn() {
            Turn::Seat(p) => self.raise_range_for(p),
            _ => None,
        }
    }

    fn n(&self) -> usize {
        self.cfg.players
    }

    fn next_seat(&self, s: usize) -> usize {
        (s + 1) % self.n()
    }

    fn hole_dealt_to(&self, seat: Seat) -> u8 {
        let m = self.n_in_hand;
        match self.deal_order[..m as usize]
            .iter()
            .position(|&s| s as usize == seat)
        {
            Some(i) => (self.hole_dealt / m) + u8::from((self.hole_dealt % m) as usize > i),
            None => 0,
        }
    }

    fn count(&self, status: SeatStatus) -> usize {
        self.status[..self.n()]
            .iter()
            .filter(|&&s| s == status)
            .count()
    }

    fn in_hand(&self, seat: usize) -> bool {
        matches!(self.status[seat], SeatStatus::Active | SeatStatus::AllIn)
    }

    /// Moves chips from a seat's stack into its street bet and the pot.
    fn put(&mut self, seat: usize, amount: u32, on_street: bool) {
        debug_assert!(amount <= self.stacks[seat]);
        self.stacks[seat] -= amount;
        self.committed[seat] += amount;
        if on_street {
            self.street_bet[seat] += amount;
        }
        if self.stacks[seat] == 0 {
            self.status[seat] = SeatStatus::AllIn;
        }
    }

    fn start_hand(&mut self) {
        let n = self.n();
        self.hand_no += 1;
        if self.hand_no > 1 {
            let mut b = self.next_seat(self.button as usize);
            while self.stacks[b] == 0 {
                b = self.next_seat(b);
            }
            self.button = b as u8;
        }
        self.street_bet = [0; MAX_SEATS];
        self.committed = [0; MAX_SEATS];
        self.acted = 0;
        self.acted_at = [0; MAX_SEATS];
        self.hole_dealt = 0;
        self.board_len = 0;
        self.board_target = 0;
        self.dealt = 0;
        self.street = Street::Preflop;
        self.n_in_hand = 0;
        for i in 1..=n {
            let s = (self.button as usize + i) % n;
            if self.stacks[s] > 0 {
                self.status[s] = SeatStatus::Active;
                self.deal_order[self.n_in_hand as usize] = s as u8;
                self.n_in_hand += 1;
            } else {
                self.status[s] = SeatStatus::Out;
            }
        }
        // Views show only this hand and the one before, so older events are
        // dropped to keep long matches small (the playthrough's history
        // still holds every action).
        self.log.drain(..self.hand_start);
        self.hand_start = self.log.len();
        self.log.push(Event::HandStart {
            hand: self.hand_no,
            button: self.button,
        });
        if self.cfg.ante > 0 {
            for i in 0..self.n_in_hand as usize {
                let s = self.deal_order[i] as usize;
                let amount = self.cfg.ante.min(self.stacks[s]);
                self.put(s, amount, false);
                self.log.push(Event::Ante {
                    seat: s as u8,
                    amount,
                });
            }
        }
        let m = self.n_in_hand as usize;
        let (sb, bb) = if m == 2 {
            (self.button as usize, self.deal_order[0] as usize)
        } else {
            (self.deal_order[0] as usize, self.deal_order[1] as usize)
        };
        self.sb_seat = sb as u8;
        self.bb_seat = bb as u8;
        let amount = self.cfg.small_blind.min(self.stacks[sb]);
        if amount > 0 {
            self.put(sb, amount, true);
            self.log.push(Event::SmallBlind {
                seat: sb as u8,
                amount,
            });
        }
        let amount = self.cfg.big_blind.min(self.stacks[bb]);
        if amount > 0 {
            self.put(bb, amount, true);
            self.log.push(Event::BigBlind {
                seat: bb as u8,
                amount,
            });
        }
        self.current_bet = self.street_bet[sb].max(self.street_bet[bb]);
        self.min_raise = self.cfg.big_blind;
    }

    /// Whether `seat` still has to act on this street. A seat that has not
    /// acted must act only if someone else can still respond to it.
    fn needs_action(&self, seat: usize, can_act: usize) -> bool {
        self.status[seat] == SeatStatus::Active
            && (self.street_bet[seat] < self.current_bet
                || (self.acted & (1 << seat) == 0 && can_act >= 2))
    }

    /// The first seat from `from` on (clockwise, inclusive) that must act.
    fn find_actor(&self, from: usize) -> Option<usize> {
        let can_act = self.count(SeatStatus::Active);
        (0..self.n())
            .map(|i| (from + i) % self.n())
            .find(|&s| self.needs_action(s, can_act))
    }

    /// Starts the betting round of the current street, or skips it when
    /// nobody has to act.
    fn start_round(&mut self) {
        self.acted = 0;
        self.min_raise = self.cfg.big_blind;
        let first = if self.street == Street::Preflop {
            self.next_seat(self.bb_seat as usize)
        } else {
            self.next_seat(self.button as usize)
        };
        match self.find_actor(first) {
            Some(s) => self.to_act = s as u8,
            None => self.end_round(),
        }
    }

    /// Closes the betting round: moves to the next street (whose cards are
    /// then due from chance) or to the showdown.
    fn end_round(&mut self) {
        self.street_bet = [0; MAX_SEATS];
        self.current_bet = 0;
        self.acted = 0;
        let (street, target) = match self.street {
            Street::Preflop => (Street::Flop, 3),
            Street::Flop => (Street::Turn, 4),
            Street::Turn => (Street::River, 5),
            Street::River => {
                self.end_hand();
                return;
            }
        };
        self.street = street;
        self.board_target = target;
    }

    /// After a player's action: the next seat to act, or the end of the
    /// round or of the hand.
    fn advance(&mut self, seat: usize) {
        let live = self.n_in_hand as usize - self.count(SeatStatus::Folded);
        if live == 1 {
            self.end_hand();
            return;
        }
        match self.find_actor(self.next_seat(seat)) {
            Some(s) => self.to_act = s as u8,
            None => self.end_round(),
        }
    }

    /// The pots by all-in level: `(amount, eligible seats mask)`, main pot
    /// first. Each all-in seat's commitment closes a pot; everything above
    /// the highest all-in level is the last pot. A seat with chips behind is
    /// eligible for every pot (mid-hand it may still match them); an all-in
    /// seat for the pots up to its own level; a folded seat for none.
    fn pots(&self) -> ([(u32, u16); MAX_SEATS + 1], usize) {
        let n = self.n();
        let mut levels = [0u32; MAX_SEATS + 1];
        let mut n_levels = 0;
        for s in 0..n {
            if self.status[s] == SeatStatus::AllIn
                && !levels[..n_levels].contains(&self.committed[s])
            {
                levels[n_levels] = self.committed[s];
                n_levels += 1;
            }
        }
        levels[..n_levels].sort_unstable();
        // The open-ended top pot.
        levels[n_levels] = u32::MAX;
        n_levels += 1;
        let mut pots = [(0u32, 0u16); MAX_SEATS + 1];
        let mut n_pots = 0;
        let mut prev = 0;
        for &level in &levels[..n_levels] {
            let mut amount = 0;
            let mut eligible = 0u16;
            for s in 0..n {
                let c = self.committed[s];
                amount += c.min(level).saturating_sub(prev);
                let in_pot = match self.status[s] {
                    SeatStatus::Active => true,
                    SeatStatus::AllIn => c >= level,
                    _ => false,
                };
                if in_pot {
                    eligible |= 1 << s;
                }
            }
            if amount > 0 {
                pots[n_pots] = (amount, eligible);
                n_pots += 1;
            }
            prev = level;
        }
        (pots, n_pots)
    }

    /// Awards the pots, then starts the next hand or ends the match.
    fn end_hand(&mut self) {
        let n = self.n();
        let live = self.n_in_hand as usize - self.count(SeatStatus::Folded);
        let mut ranks = [HandRank(0); MAX_SEATS];
        if live > 1 {
            let board: CardSet = self.board[..self.board_len as usize]
                .iter()
                .copied()
                .collect();
            for i in 1..=n {
                let s = (self.button as usize + i) % n;
                if self.in_hand(s) {
                    let cards = self.hole[s];
                    ranks[s] = evaluate(board.with(cards[0]).with(cards[1]));
                    self.log.push(Event::Show {
                        seat: s as u8,
                        cards,
                        rank: ranks[s],
                    });
                }
            }
        }
        // Chips the top seat put in beyond what anyone else did were never
        // called: they go straight back rather than into a pot.
        let top = (0..n).max_by_key(|&s| self.committed[s]).unwrap_or(0);
        let others_max = (0..n)
            .filter(|&s| s != top)
            .map(|s| self.committed[s])
            .max()
            .unwrap_or(0);
        if self.committed[top] > others_max {
            let uncalled = self.committed[top] - others_max;
            self.committed[top] = others_max;
            self.stacks[top] += uncalled;
            self.log.push(Event::Return {
                seat: top as u8,
                amount: uncalled,
            });
        }
        let (pots, n_pots) = self.pots();
        for (pot_idx, &(amount, eligible)) in pots[..n_pots].iter().enumerate() {
            let best = (0..n)
                .filter(|&s| eligible & (1 << s) != 0)
                .map(|s| ranks[s])
                .max()
                .unwrap_or(HandRank(0));
            let mut winners = [0usize; MAX_SEATS];
            let mut n_winners = 0;
            for i in 1..=n {
                let s = (self.button as usize + i) % n;
                if eligible & (1 << s) != 0 && ranks[s] == best {
                    winners[n_winners] = s;
                    n_winners += 1;
                }
            }
            if n_winners == 0 {
                continue;
            }
            let share = amount / n_winners as u32;
            let odd = amount as usize % n_winners;
            for (i, &w) in winners[..n_winners].iter().enumerate() {
                let won = share + u32::from(i < odd);
                self.stacks[w] += won;
                self.log.push(Event::Win {
                    seat: w as u8,
                    amount: won,
                    pot: pot_idx as u8,
                    uncontested: live == 1,
                });
            }
        }
        let with_chips = self.stacks[..n].iter().filter(|&&c| c > 0).count();
        if self.hand_no >= self.cfg.hands || with_chips <= 1 {
            self.over = true;
        } else {
            self.start_hand();
        }
    }

    /// The bet/raise range for seat `p`: street totals from the minimum to
    /// all-in. `None` if it may not bet or raise.
    fn raise_range_for(&self, p: usize) -> Option<(u32, u32)> {
        let max_to = self.street_bet[p] + self.stacks[p];
        if max_to <= self.current_bet {
            return None;
        }
        // Someone else must be able to respond.
        let others = (0..self.n())
            .filter(|&s| s != p && self.status[s] == SeatStatus::Active)
            .count();
        if others == 0 {
            return None;
        }
        // A seat that acted may raise again only when the raises since then
        // add up to a full raise (short all-ins do not reopen the betting).
        let acted = self.acted & (1 << p) != 0;
        if acted && self.current_bet - self.acted_at[p] < self.min_raise {
            return None;
        }
        let min_to = self.current_bet + self.min_raise;
        Some((min_to.min(max_to), max_to))
    }

    fn facing_bet(&self, p: usize) -> bool {
        self.street_bet[p] < self.current_bet
    }

    fn call_total(&self, p: usize) -> u32 {
        self.current_bet.min(self.street_bet[p] + self.stacks[p])
    }

    fn apply_bet(&mut self, p: usize, action: PokerAction) {
        let before = self.street_bet[p];
        let to = match action {
            PokerAction::Call => self.call_total(p),
            PokerAction::Bet(to) | PokerAction::Raise(to) => to,
            _ => before,
        };
        if matches!(action, PokerAction::Bet(_) | PokerAction::Raise(_)) {
            let increment = to - self.current_bet;
            // Only a full raise sets the new minimum increment.
            if increment >= self.min_raise {
                self.min_raise = increment;
            }
            self.current_bet = to;
        }
        match action {
            PokerAction::Fold => self.status[p] = SeatStatus::Folded,
            _ => self.put(p, to - before, true),
        }
        self.acted |= 1 << p;
        self.acted_at[p] = self.current_bet;
        self.log.push(Event::Act(ActEvent {
            seat: p as u8,
            action,
            added: to - before,
            total: to,
            all_in: self.status[p] == SeatStatus::AllIn,
        }));
        self.advance(p);
    }

    fn deal(&mut self, card: Card) {
        self.dealt |= 1u64 << card.index();
        let m = self.n_in_hand;
        if self.hole_dealt < 2 * m {
            let k = self.hole_dealt;
            let seat = self.deal_order[(k % m) as usize] as usize;
            self.hole[seat][(k / m) as usize] = card;
            self.hole_dealt += 1;
            if self.hole_dealt == 2 * m {
                self.start_round();
            }
            return;
        }
        self.board[self.board_len as usize] = card;
        self.board_len += 1;
        if self.board_len == self.board_target {
            let b = self.board;
            self.log.push(match self.board_len {
                3 => Event::Flop([b[0], b[1], b[2]]),
                4 => Event::Turn(b[3]),
                _ => Event::River(b[4]),
            });
            self.start_round();
        }
    }

    fn chance_due(&self) -> bool {
        self.hole_dealt < 2 * self.n_in_hand || self.board_len < self.board_target
    }

    fn summary_for(&self, p: usize) -> String {
        let mut parts = Vec::with_capacity(3);
        if self.facing_bet(p) {
            parts.push("fold".to_string());
            parts.push(format!("call {}", self.call_total(p)));
        } else {
            parts.push("check".to_string());
        }
        if let Some((lo, hi)) = self.raise_range_for(p) {
            let verb = if self.current_bet == 0 {
                "bet"
            } else {
                "raise"
            };
            if lo == hi {
                parts.push(format!("{verb} {lo}"));
            } else {
                parts.push(format!("{verb} {lo}..{hi}"));
            }
        }
        parts.join(", ")
    }

    fn history_lines(&self, from: usize, to: usize) -> Vec<String> {
        self.log[from..to].iter().map(Event::text).collect()
    }

    /// Seats whose hole cards were shown at this hand's showdown.
    fn shown_mask(&self) -> u16 {
        self.log[self.hand_start..]
            .iter()
            .filter_map(|e| match e {
                Event::Show { seat, .. } => Some(1u16 << seat),
                _ => None,
            })
            .fold(0, |a, b| a | b)
    }

    fn display_pots(&self) -> Vec<PotView> {
        let (pots, n_pots) = self.pots();
        pots[..n_pots]
            .iter()
            .map(|&(amount, eligible)| PotView {
                amount,
                eligible: (0..self.n()).filter(|s| eligible & (1 << s) != 0).collect(),
            })
            .collect()
    }

    fn returns_vec(&self) -> Vec<i64> {
        (0..self.n())
            .map(|s| i64::from(self.stacks[s]) - i64::from(self.start_stacks[s]))
            .collect()
    }

    fn cards_text(cards: &[Card]) -> String {
        if cards.is_empty() {
            return "(none)".to_string();
        }
        cards
            .iter()
            .map(Card::to_string)
            .collect::<Vec<_>>()
            .join(" ")
    }

    fn role_text(&self, s: usize) -> String {
        let mut roles = Vec::new();
        if s == self.button as usize {
            roles.push("button");
        }
        if self.status[s] != SeatStatus::Out {
            if s == self.sb_seat as usize {
                roles.push("small blind");
            }
            if s == self.bb_seat as usize {
                roles.push("big blind");
            }
        }
        if roles.is_empty() {
            String::new()
        } else {
            format!(" ({})", roles.join(", "))
        }
    }

    fn status_text(status: SeatStatus) -> &'static str {
        match status {
            SeatStatus::Out => "out of chips",
            SeatStatus::Folded => "folded",
            SeatStatus::Active => "in the hand",
            SeatStatus::AllIn => "all-in",
        }
    }

    /// The shared text of `observation_text` and `render`; `viewer` is the
    /// observing seat, or `None` for the omniscient view.
    fn text(&self, viewer: Option<Seat>) -> String {
        let c = &self.cfg;
        let mut out = String::new();
        let _ = writeln!(
            out,
            "No-Limit Texas Hold'em, {} seats, blinds {}/{}{}. Hand {} of {}{}.",
            c.players,
            c.small_blind,
            c.big_blind,
            if c.ante > 0 {
                format!(", ante {}", c.ante)
            } else {
                String::new()
            },
            self.hand_no,
            c.hands,
            if c.hands > 1 {
                " (the match ends early when one seat has every chip)"
            } else {
                ""
            }
        );
        let _ = writeln!(
            out,
            "Amounts in bet, raise and call are your total bet on this street after the action."
        );
        if let Some(v) = viewer {
            let _ = writeln!(out, "You are seat {v}.");
            let dealt = self.hole_dealt_to(v) as usize;
            let _ = writeln!(
                out,
                "Your cards: {}",
                Self::cards_text(&self.hole[v][..dealt])
            );
        }
        let _ = writeln!(
            out,
            "Board ({}): {}",
            self.street.name(),
            Self::cards_text(self.board())
        );
        let pot: u32 = self.committed[..self.n()].iter().sum();
        let pots = self.display_pots();
        if pots.len() > 1 {
            let parts: Vec<String> = pots
                .iter()
                .enumerate()
                .map(|(i, p)| {
                    let name = if i == 0 {
                        "main".to_string()
                    } else {
                        format!("side {i}")
                    };
                    let seats: Vec<String> = p.eligible.iter().map(|s| s.to_string()).collect();
                    format!("{name} {} (seats {})", p.amount, seats.join(", "))
                })
                .collect();
            let _ = writeln!(out, "Pot: {pot} ({})", parts.join("; "));
        } else {
            let _ = writeln!(out, "Pot: {pot}");
        }
        let shown = self.shown_mask();
        let _ = writeln!(out, "Seats:");
        for s in 0..self.n() {
            let you = if viewer == Some(s) { ", you" } else { "" };
            let cards = match viewer {
                _ if self.status[s] == SeatStatus::Out => String::new(),
                Some(v) if v != s && shown & (1 << s) == 0 => String::new(),
                _ => {
                    let d = self.hole_dealt_to(s) as usize;
                    if d == 0 {
                        String::new()
                    } else {
                        format!(", cards {}", Self::cards_text(&self.hole[s][..d]))
                    }
                }
            };
            let _ = writeln!(
                out,
                "  seat {s}{}{you}: stack {}, bet {} this street, {} in the pot, {}{cards}",
                self.role_text(s),
                self.stacks[s],
                self.street_bet[s],
                self.committed[s],
                Self::status_text(self.status[s]),
            );
        }
        if self.hand_no > 1 {
            let _ = writeln!(out, "Previous hand:");
            for line in self.history_lines(0, self.hand_start) {
                let _ = writeln!(out, "  {line}");
            }
        }
        let _ = writeln!(out, "This hand:");
        for line in self.history_lines(self.hand_start, self.log.len()) {
            let _ = writeln!(out, "  {line}");
        }
        match self.turn() {
            Turn::Seat(p) => {
                if viewer == Some(p) {
                    let _ = write!(out, "Your turn (seat {p}). Legal: {}", self.summary_for(p));
                } else {
                    let _ = write!(out, "Seat {p} to act.");
                }
            }
            Turn::Chance => {
                let _ = write!(out, "Cards are being dealt.");
            }
            Turn::Terminal => {
                let r: Vec<String> = self
                    .returns_vec()
                    .iter()
                    .enumerate()
                    .map(|(s, d)| format!("seat {s} {d:+}"))
                    .collect();
                let _ = write!(out, "Game over. Chips won or lost: {}", r.join(", "));
            }
        }
        out
    }
}

impl Engine for Poker {
    type Action = PokerAction;
    type Observation = PokerObservation;

    fn n_seats(&self) -> usize {
        self.n()
    }

    fn turn(&self) -> Turn {
        if self.over {
            Turn::Terminal
        } else if self.chance_due() {
            Turn::Chance
        } else {
            Turn::Seat(self.to_act as Seat)
        }
    }

    /// The hand number times 256 plus the number of cards the hand has
    /// dealt so far (at most 52), so the key of a card slot does not depend
    /// on the betting.
    fn chance_key(&self) -> Option<u64> {
        Some((u64::from(self.hand_no) << 8) | u64::from(self.dealt.count_ones()))
    }

    /// At a chance node: every undealt card in index order. For a player:
    /// `fold` (when facing a bet), `check` or `call`, then every bet/raise
    /// total from the minimum to all-in, ascending.
    fn legal_actions_into(&self, out: &mut Vec<PokerAction>) {
        match self.turn() {
            Turn::Terminal => {}
            Turn::Chance => {
                let mut free = !self.dealt & ((1u64 << 52) - 1);
                while free != 0 {
                    let i = free.trailing_zeros() as u8;
                    free &= free - 1;
                    out.extend(Card::from_index(i).map(PokerAction::Deal));
                }
            }
            Turn::Seat(p) => {
                if self.facing_bet(p) {
                    out.push(PokerAction::Fold);
                    out.push(PokerAction::Call);
                } else {
                    out.push(PokerAction::Check);
                }
                if let Some((lo, hi)) = self.raise_range_for(p) {
                    let make = if self.current_bet == 0 {
                        PokerAction::Bet
                    } else {
                        PokerAction::Raise
                    };
                    out.extend((lo..=hi).map(make));
                }
            }
        }
    }

    fn is_legal(&self, action: PokerAction) -> bool {
        match self.turn() {
            Turn::Terminal => false,
            Turn::Chance => match action {
                PokerAction::Deal(c) => self.dealt & (1u64 << c.index()) == 0,
                _ => false,
            },
            Turn::Seat(p) => match action {
                PokerAction::Deal(_) => false,
                PokerAction::Fold | PokerAction::Call => self.facing_bet(p),
                PokerAction::Check => !self.facing_bet(p),
                PokerAction::Bet(to) | PokerAction::Raise(to) => {
                    let is_bet = matches!(action, PokerAction::Bet(_));
                    (self.current_bet == 0) == is_bet
                        && self
                            .raise_range_for(p)
                            .is_some_and(|(lo, hi)| (lo..=hi).contains(&to))
                }
            },
        }
    }

    fn illegal_reason(&self, action: PokerAction) -> String {
        let p = match self.turn() {
            Turn::Terminal => return "the game is over".to_string(),
            Turn::Chance => {
                return match action {
                    PokerAction::Deal(c) => format!("{c} has already been dealt"),
                    _ => "cards are being dealt; only chance acts now".to_string(),
                };
            }
            Turn::Seat(p) => p,
        };
        let legal = self.summary_for(p);
        let why = match action {
            PokerAction::Deal(c) => format!("{c} is a card, not a betting action"),
            PokerAction::Fold => "there is no bet to fold to; check instead".to_string(),
            PokerAction::Call => "there is no bet to call".to_string(),
            PokerAction::Check => format!(
                "you cannot check: the bet is {} and you have {} in",
                self.current_bet, self.street_bet[p]
            ),
            PokerAction::Bet(to) | PokerAction::Raise(to) => {
                let word = if matches!(action, PokerAction::Bet(_)) {
                    "bet"
                } else {
                    "raise"
                };
                let max_to = self.street_bet[p] + self.stacks[p];
                if matches!(action, PokerAction::Bet(_)) && self.current_bet > 0 {
                    format!(
                        "there is already a bet of {}; raise instead",
                        self.current_bet
                    )
                } else if matches!(action, PokerAction::Raise(_)) && self.current_bet == 0 {
                    "there is no bet to raise; bet instead".to_string()
                } else {
                    match self.raise_range_for(p) {
                        None if max_to <= self.current_bet => format!(
                            "you have {max_to} at most, not more than the bet of {}",
                            self.current_bet
                        ),
                        None if self.acted & (1 << p) != 0
                            && self.current_bet - self.acted_at[p] < self.min_raise =>
                        {
                            "a short all-in raise does not reopen the betting for a seat that \
                             has already acted; you may only call or fold"
                                .to_string()
                        }
                        None => {
                            "every other seat is all-in, so there is nobody to raise".to_string()
                        }
                        Some((lo, _)) if to < lo => {
                            format!("{word} to {to} is below the minimum {word} to {lo}")
                        }
                        Some(_) => format!(
                            "{word} to {to} is more than your {max_to} chips (stack plus bet)"
                        ),
                    }
                }
            }
        };
        format!("{why}; legal: {legal}")
    }

    fn apply_legal(&mut self, action: PokerAction) {
        match action {
            PokerAction::Deal(card) => self.deal(card),
            _ => {
                let p = self.to_act as usize;
                self.apply_bet(p, action);
            }
        }
    }

    fn returns(&self) -> Vec<i64> {
        if self.over {
            self.returns_vec()
        } else {
            vec![0; self.n()]
        }
    }

    fn observe(&self, seat: Seat) -> PokerObservation {
        let shown = self.shown_mask();
        let seats = (0..self.n())
            .map(|s| {
                let visible = s == seat || shown & (1 << s) != 0;
                SeatView {
                    seat: s,
                    stack: self.stacks[s],
                    bet: self.street_bet[s],
                    committed: self.committed[s],
                    status: self.status[s],
                    cards: if visible && self.status[s] != SeatStatus::Out {
                        self.hole_cards(s)
                    } else {
                        None
                    },
                }
            })
            .collect();
        let turn = self.turn();
        let to_act = match turn {
            Turn::Seat(p) => Some(p),
            _ => None,
        };
        PokerObservation {
            seat,
            hand: self.hand_no,
            hands: self.cfg.hands,
            button: self.button as Seat,
            small_blind: self.cfg.small_blind,
            big_blind: self.cfg.big_blind,
            ante: self.cfg.ante,
            street: self.street,
            hole_cards: if seat < self.n() {
                self.hole[seat][..self.hole_dealt_to(seat) as usize].to_vec()
            } else {
                Vec::new()
            },
            board: self.board().to_vec(),
            pot: self.committed[..self.n()].iter().sum(),
            pots: self.display_pots(),
            seats,
            to_act,
            legal: to_act.filter(|&p| p == seat).map(|p| self.summary_for(p)),
            history: self.history_lines(self.hand_start, self.log.len()),
            previous_hand: self.history_lines(0, self.hand_start),
            returns: self.over.then(|| self.returns_vec()),
        }
    }

    fn observation_text(&self, seat: Seat) -> String {
        self.text(Some(seat))
    }

    fn render(&self) -> String {
        self.text(None)
    }

    fn action_text(&self, action: PokerAction) -> String {
        match action {
            PokerAction::Deal(c) => c.to_string(),
            PokerAction::Fold => "fold".to_string(),
            PokerAction::Check => "check".to_string(),
            PokerAction::Call => "call".to_string(),
            PokerAction::Bet(to) => format!("bet {to}"),
            PokerAction::Raise(to) => format!("raise {to}"),
        }
    }

    /// Reads the canonical forms case-insensitively, and a few friendly
    /// variants: `call N` (N the call total or the chips to add), `raise to
    /// N`, `all-in` / `allin`, and `bet`/`raise` used for each other.
    fn parse_action(&self, text: &str) -> Result<PokerAction, ParseActionError> {
        let expected = "fold, check, call, bet N or raise N (N = your total bet this street \
                        after the action), or a card such as As when dealing";
        let lower = text.trim().to_ascii_lowercase();
        let words: Vec<&str> = lower.split_whitespace().collect();
        let p = match self.turn() {
            Turn::Seat(p) => Some(p),
            _ => None,
        };
        let amount = |w: &str| -> Result<u32, ParseActionError> {
            w.parse::<u32>().map_err(|_| {
                ParseActionError::new(text, format!("{w:?} is not a whole number of chips"))
            })
        };
        // A bet or raise is whichever of the two fits the state.
        let sized = |to: u32, said_bet: bool| {
            if p.is_some() {
                if self.current_bet == 0 {
                    PokerAction::Bet(to)
                } else {
                    PokerAction::Raise(to)
                }
            } else if said_bet {
                PokerAction::Bet(to)
            } else {
                PokerAction::Raise(to)
            }
        };
        match words.as_slice() {
            ["fold"] => Ok(PokerAction::Fold),
            ["check"] => Ok(PokerAction::Check),
            ["call"] => Ok(PokerAction::Call),
            ["call", n] => {
                let n = amount(n)?;
                match p {
                    Some(p)
                        if self.facing_bet(p)
                            && (n == self.call_total(p)
                                || n == self.call_total(p) - self.street_bet[p]) =>
                    {
                        Ok(PokerAction::Call)
                    }
                    Some(p) if self.facing_bet(p) => Err(ParseActionError::new(
                        text,
                        format!(
                            "a call is to {} (adding {}); write just \"call\"",
                            self.call_total(p),
                            self.call_total(p) - self.street_bet[p]
                        ),
                    )),
                    _ => Ok(PokerAction::Call),
                }
            }
            [verb @ ("bet" | "raise"), n] | [verb @ ("bet" | "raise"), "to", n] => {
                Ok(sized(amount(n)?, *verb == "bet"))
            }
            ["all-in" | "allin" | "all_in" | "shove"] | ["all", "in"] => match p {
                Some(p) => match self.raise_range_for(p) {
                    Some((_, hi)) => Ok(sized(hi, false)),
                    None if self.facing_bet(p) => Ok(PokerAction::Call),
                    None => Err(ParseActionError::new(
                        text,
                        format!("you cannot go all-in now; legal: {}", self.summary_for(p)),
                    )),
                },
                None => Err(ParseActionError::new(text, expected)),
            },
            [card] if card.len() <= 3 => card
                .parse::<Card>()
                .map(PokerAction::Deal)
                .map_err(|_| ParseActionError::new(text, expected)),
            _ => Err(ParseActionError::new(text, expected)),
        }
    }

    /// "fold, call 2, raise 4..200" (amounts are street totals), or the
    /// number of undealt cards at a chance node.
    fn legal_summary(&self) -> String {
        match self.turn() {
            Turn::Terminal => String::new(),
            Turn::Chance => format!("any of the {} undealt cards", 52 - self.dealt.count_ones()),
            Turn::Seat(p) => self.summary_for(p),
        }
    }
}
