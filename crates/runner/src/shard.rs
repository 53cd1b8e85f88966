//! Sharded runs: `--shard K/N` makes this process play the K-th of N
//! disjoint parts of a run or tournament, into its own database; `runner
//! merge` combines the shards' databases afterwards.
//!
//! The plan (every episode with its seed) is fixed before anything starts,
//! so every shard computes the same plan and keeps the episodes at plan
//! positions `p` with `p mod N = K - 1`: the N shards together play each
//! episode exactly once, and each episode is the one an unsharded run would
//! have played. The shards must agree on the run id; by default a sharded
//! run's id is derived from its configuration (`sharded-<hash>`), so N
//! processes given the same configuration need no coordination.

use std::fmt;
use std::str::FromStr;

use sha2::{Digest, Sha256};

/// Part `index` (0-based) of `count`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Shard {
    index: usize,
    count: usize,
}

impl Shard {
    /// Whether the episode at plan position `position` is this shard's.
    pub fn keeps(&self, position: usize) -> bool {
        position % self.count == self.index
    }

    /// The run id every shard of the run with this effective configuration
    /// uses unless `--run-id` says otherwise.
    pub fn run_id(config_yaml: &str) -> String {
        let digest = Sha256::digest(config_yaml.as_bytes());
        let hex: String = digest[..6].iter().map(|b| format!("{b:02x}")).collect();
        format!("sharded-{hex}")
    }
}

impl fmt::Display for Shard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.index + 1, self.count)
    }
}

impl FromStr for Shard {
    type Err = String;

    fn from_str(s: &str) -> Result<Shard, String> {
        let bad = || {
            format!(
                "--shard {s:?}: give K/N with 1 ≤ K ≤ N, e.g. --shard 2/4 for the second of four parts"
            )
        };
        let (k, n) = s.split_once('/').ok_or_else(bad)?;
        let k: usize = k.trim().parse().map_err(|_| bad())?;
        let n: usize = n.trim().parse().map_err(|_| bad())?;
        if n == 0 || k == 0 || k > n {
            return Err(bad());
        }
        Ok(Shard {
            index: k - 1,
            count: n,
        })
    }
}

/// Checks an explicit run id: letters, digits, `-`, `_` and `.`, so it is
/// safe in file names, episode ids and shell commands.
pub fn check_run_id(id: &str) -> Result<(), String> {
    if id.is_empty()
        || id.len() > 100
        || !id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
    {
        return Err(format!(
            "--run-id {id:?}: use 1 to 100 letters, digits, '-', '_' or '.'"
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shards_partition_the_plan() {
        let shards: Vec<Shard> = (1..=4).map(|k| format!("{k}/4").parse().unwrap()).collect();
        for position in 0..100 {
            assert_eq!(shards.iter().filter(|s| s.keeps(position)).count(), 1);
        }
        assert_eq!(shards[1].to_string(), "2/4");
    }

    #[test]
    fn bad_shards_say_how_to_write_one() {
        for bad in ["0/4", "5/4", "1/0", "2", "a/b", "-1/3", ""] {
            let err = bad.parse::<Shard>().unwrap_err();
            assert!(err.contains("K/N"), "{bad}: {err}");
        }
        assert_eq!(
            " 1 / 1 ".trim().parse::<Shard>(),
            Ok(Shard { index: 0, count: 1 })
        );
    }

    #[test]
    fn the_derived_run_id_depends_on_the_configuration_only() {
        assert_eq!(Shard::run_id("seed: 1\n"), Shard::run_id("seed: 1\n"));
        assert_ne!(Shard::run_id("seed: 1\n"), Shard::run_id("seed: 2\n"));
        assert!(check_run_id(&Shard::run_id("x")).is_ok());
        assert!(check_run_id("a b").is_err() && check_run_id("../x").is_err());
    }
}
