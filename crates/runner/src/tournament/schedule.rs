//! Who sits where, and with which seed: the tables of each game, the
//! seatings of each table, and the plan of every episode.

use sha2::{Digest, Sha256};

use super::{Schedule, Tournament};

/// One planned episode of a tournament.
///
/// Ids: `env_index` is the game's place in `games` (0-based) and
/// `episode_index` numbers the game's episodes in play order — table by
/// table, deal by deal, and with `duplicate` seating by seating — so with
/// `duplicate` the seatings of one deal are consecutive:
/// `episode_index = (table × episodes + deal) × seats + rotation`; without
/// it `episode_index = table × episodes + deal`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TournamentEpisode {
    /// The game's index in [`Tournament::games`].
    pub env_index: u32,
    /// The episode's number among the game's episodes.
    pub episode_index: u32,
    /// The table's index among the game's tables ([`Tournament::tables`]).
    pub table: u32,
    /// The deal, 0-based, among the table's `episodes` deals.
    pub deal: u32,
    /// The seating: seat `s` holds the table's member `(s + rotation) % seats`.
    pub rotation: u32,
    /// Participant indices, seat 0 first.
    pub seats: Vec<usize>,
    /// The episode seed: shared by every seating of the deal when
    /// `duplicate` is on ([`tournament_seed`]).
    pub seed: u64,
}

/// The seed of deal `deal` of a table: the first 8 bytes, little-endian, of
/// the SHA-256 of `llm-arena/tournament-seed/v1`, a zero byte, the
/// tournament seed (8 bytes LE), the game index (8 bytes LE), the game name,
/// a zero byte, the number of participants at the table (8 bytes LE), each
/// participant's name followed by a zero byte, in byte order of the names
/// (so reordering `participants` changes no seed), and the deal index
/// (8 bytes LE). The seating is not part of it: mirrored episodes share it.
pub fn tournament_seed(
    seed: u64,
    game_index: usize,
    game: &str,
    participants: &[&str],
    deal: u32,
) -> u64 {
    let mut names = participants.to_vec();
    names.sort_unstable();
    let mut hash = Sha256::new();
    hash.update(b"llm-arena/tournament-seed/v1\0");
    hash.update(seed.to_le_bytes());
    hash.update((game_index as u64).to_le_bytes());
    hash.update(game.as_bytes());
    hash.update([0u8]);
    hash.update((names.len() as u64).to_le_bytes());
    for name in names {
        hash.update(name.as_bytes());
        hash.update([0u8]);
    }
    hash.update(u64::from(deal).to_le_bytes());
    let digest = hash.finalize();
    let mut first = [0u8; 8];
    first.copy_from_slice(&digest[..8]);
    u64::from_le_bytes(first)
}

/// The participants (indices) who can play game `game_index`.
pub(super) fn eligible(t: &Tournament, game_index: usize) -> Vec<usize> {
    let game = &t.games[game_index].game;
    (0..t.participants.len())
        .filter(|&i| t.participants[i].plays(game))
        .collect()
}

/// The tables of a game, each in file order of its members: round robin,
/// every `seats`-subset of the participants who play the game, in
/// lexicographic order; gauntlet, for each challenger in file order, every
/// `seats - 1`-subset of the anchors who play it.
pub(super) fn tables(t: &Tournament, game_index: usize) -> Vec<Vec<usize>> {
    let seats = t.games[game_index].seats;
    let players = eligible(t, game_index);
    match &t.schedule {
        Schedule::RoundRobin => combinations(&players, seats),
        Schedule::Gauntlet { anchors } => {
            let (anchors, challengers): (Vec<usize>, Vec<usize>) =
                players.iter().partition(|p| anchors.contains(p));
            let mut out = Vec::new();
            for c in challengers {
                for mut table in combinations(&anchors, seats - 1) {
                    table.push(c);
                    table.sort_unstable();
                    out.push(table);
                }
            }
            out
        }
    }
}

/// How many tables a schedule makes from `players` participants of whom
/// `anchors` are anchors (saturating), without listing them.
pub(super) fn table_count(
    schedule: &Schedule,
    players: usize,
    anchors: usize,
    seats: usize,
) -> u64 {
    match schedule {
        Schedule::RoundRobin => binomial(players, seats),
        Schedule::Gauntlet { .. } => {
            ((players - anchors) as u64).saturating_mul(binomial(anchors, seats.saturating_sub(1)))
        }
    }
}

/// Every episode, game by game in file order, then table, deal and seating.
pub(super) fn plan(t: &Tournament) -> Vec<TournamentEpisode> {
    let mut out = Vec::new();
    for (g, game) in t.games.iter().enumerate() {
        let n = game.seats;
        let deals = game.episodes.get();
        for (ti, members) in tables(t, g).iter().enumerate() {
            let names: Vec<&str> = members
                .iter()
                .map(|&m| t.participants[m].name.as_str())
                .collect();
            let table = ti as u32;
            for deal in 0..deals {
                let seed = tournament_seed(t.seed, g, &game.game, &names, deal);
                let (rotations, first) = if t.duplicate {
                    (0..n as u32, (table * deals + deal) * n as u32)
                } else {
                    let r = deal % n as u32;
                    (r..r + 1, table * deals + deal)
                };
                for (k, rotation) in rotations.enumerate() {
                    out.push(TournamentEpisode {
                        env_index: g as u32,
                        episode_index: first + k as u32,
                        table,
                        deal,
                        rotation,
                        seats: (0..n)
                            .map(|s| members[(s + rotation as usize) % n])
                            .collect(),
                        seed,
                    });
                }
            }
        }
    }
    out
}

/// Every `k`-subset of `items`, each in the order of `items`, in
/// lexicographic order.
fn combinations(items: &[usize], k: usize) -> Vec<Vec<usize>> {
    let mut out = Vec::new();
    if k > items.len() {
        return out;
    }
    let mut idx: Vec<usize> = (0..k).collect();
    loop {
        out.push(idx.iter().map(|&i| items[i]).collect());
        // The rightmost index that can still move right.
        let Some(i) = (0..k).rev().find(|&i| idx[i] < items.len() - k + i) else {
            return out;
        };
        idx[i] += 1;
        for j in i + 1..k {
            idx[j] = idx[j - 1] + 1;
        }
    }
}

/// `n` choose `k`, saturating at `u64::MAX`.
fn binomial(n: usize, k: usize) -> u64 {
    if k > n {
        return 0;
    }
    let k = k.min(n - k);
    let mut acc: u128 = 1;
    for i in 0..k {
        acc = acc * (n - i) as u128 / (i + 1) as u128;
        if acc > u128::from(u64::MAX) {
            return u64::MAX;
        }
    }
    acc as u64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn combinations_are_lexicographic_subsets() {
        assert_eq!(
            combinations(&[0, 2, 5, 7], 2),
            vec![
                vec![0, 2],
                vec![0, 5],
                vec![0, 7],
                vec![2, 5],
                vec![2, 7],
                vec![5, 7]
            ]
        );
        assert_eq!(combinations(&[1, 2, 3], 3), vec![vec![1, 2, 3]]);
        assert!(combinations(&[1, 2], 3).is_empty());
        for (n, k) in [(6, 3), (10, 4), (5, 1), (7, 7)] {
            let items: Vec<usize> = (0..n).collect();
            assert_eq!(
                combinations(&items, k).len() as u64,
                binomial(n, k),
                "{n} {k}"
            );
        }
        assert_eq!(binomial(200, 100), u64::MAX);
    }

    #[test]
    fn seeds_depend_on_the_participant_set_not_its_order() {
        let a = tournament_seed(1, 0, "poker", &["x", "y"], 0);
        assert_eq!(a, tournament_seed(1, 0, "poker", &["y", "x"], 0));
        assert_ne!(a, tournament_seed(1, 0, "poker", &["x", "z"], 0));
        assert_ne!(a, tournament_seed(1, 0, "poker", &["x", "y"], 1));
        assert_ne!(a, tournament_seed(1, 1, "poker", &["x", "y"], 0));
        assert_ne!(a, tournament_seed(2, 0, "poker", &["x", "y"], 0));
        // Names are delimited: ("ab", "c") is not ("a", "bc").
        assert_ne!(
            tournament_seed(1, 0, "g", &["ab", "c"], 0),
            tournament_seed(1, 0, "g", &["a", "bc"], 0)
        );
    }
}
