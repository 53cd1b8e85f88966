//! A model's servers as a load balancer's upstream pool. Each request goes
//! to the least busy server that is in (fewest requests in flight; ties go
//! round robin, so a quiet pool still spreads its requests). A server that
//! fails — no connection, a timeout, a 5xx reply, a failed health check —
//! is out for a cool-down, with the reason kept for messages, and is tried
//! again after it: at once, or after a passing `GET` of its health URL when
//! it has one. These are nginx's passive health checks with `max_fails=1`
//! and `fail_timeout` as the cool-down. As in nginx, a pool of one server
//! never takes it out: there is nowhere else to send the request, so the
//! retries with backoff of [`crate::http`] are all that is left.
//!
//! The pool only keeps the books; [`crate::http::Endpoint`] asks it where to
//! send each attempt and tells it how the attempt went.

use std::sync::Mutex;
use std::time::Duration;

use serde::Serialize;
use tokio::time::Instant;

/// One server of a pool.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Upstream {
    /// The base URL requests are addressed under (`http://gpu1:8000`).
    pub base: String,
    /// A URL that must answer `GET` with a 2xx before the server takes
    /// requests again after a cool-down (vLLM's `/health`); `None` to send
    /// it requests as soon as the cool-down ends.
    pub health: Option<String>,
}

impl Upstream {
    /// A server with no health check.
    pub fn new(base: impl Into<String>) -> Upstream {
        Upstream {
            base: base.into(),
            health: None,
        }
    }
}

/// How one server of a pool stands, for messages and listings.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct UpstreamStatus {
    /// Its base URL, without credentials or query.
    pub endpoint: String,
    /// Requests in flight to it now.
    pub in_flight: usize,
    /// Why it is out, while it is (until a request or health check to it
    /// succeeds after the cool-down).
    pub out: Option<String>,
    /// The cool-down left, in milliseconds; 0 once it may be tried again.
    pub back_in_ms: Option<u64>,
}

/// The servers of one model and how each stands.
#[derive(Debug)]
pub(crate) struct Pool {
    upstreams: Vec<Upstream>,
    labels: Vec<String>,
    cooldown: Duration,
    state: Mutex<State>,
}

#[derive(Debug)]
struct State {
    slots: Vec<Slot>,
    /// Where the round robin among equally busy servers resumes.
    next: usize,
}

#[derive(Debug, Default)]
struct Slot {
    in_flight: usize,
    out: Option<Out>,
}

#[derive(Debug)]
struct Out {
    until: Instant,
    reason: String,
}

/// A server chosen for one attempt; it counts as busy until dropped.
#[derive(Debug)]
pub(crate) struct Pick<'a> {
    pool: &'a Pool,
    /// Its position in the pool.
    pub index: usize,
    /// Whether it comes back from a cool-down and has a health URL to
    /// check first.
    pub recheck: bool,
}

impl Drop for Pick<'_> {
    fn drop(&mut self) {
        let mut state = self.pool.lock();
        let slot = &mut state.slots[self.index];
        slot.in_flight = slot.in_flight.saturating_sub(1);
    }
}

/// Every server is cooling down.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct AllOut {
    /// Until the first one may be tried again.
    pub wait: Duration,
    /// Every server and why it is out.
    pub message: String,
}

impl Pool {
    /// A pool of `upstreams` (at least one) that leaves a failed server out
    /// for `cooldown`.
    pub fn new(upstreams: Vec<Upstream>, cooldown: Duration) -> Pool {
        let labels = upstreams.iter().map(|u| endpoint_label(&u.base)).collect();
        let slots = upstreams.iter().map(|_| Slot::default()).collect();
        Pool {
            upstreams,
            labels,
            cooldown,
            state: Mutex::new(State { slots, next: 0 }),
        }
    }

    /// The number of servers.
    pub fn len(&self) -> usize {
        self.upstreams.len()
    }

    /// The server at `index`.
    pub fn upstream(&self, index: usize) -> &Upstream {
        &self.upstreams[index]
    }

    /// The server at `index` as messages and the record name it.
    pub fn label(&self, index: usize) -> &str {
        &self.labels[index]
    }

    /// Every server, `, `-joined, for messages.
    pub fn labels(&self) -> String {
        self.labels.join(", ")
    }

    /// The least busy server that is in, preferring those not in `avoid`
    /// (the ones this request already tried); equally busy ones take turns.
    pub fn pick(&self, avoid: &[usize]) -> Result<Pick<'_>, AllOut> {
        let now = Instant::now();
        let mut state = self.lock();
        let n = state.slots.len();
        let is_in = |slot: &Slot| n == 1 || slot.out.as_ref().is_none_or(|o| o.until <= now);
        let candidates: Vec<usize> = (0..n).filter(|&i| is_in(&state.slots[i])).collect();
        if candidates.is_empty() {
            let wait = state
                .slots
                .iter()
                .filter_map(|s| s.out.as_ref())
                .map(|o| o.until.saturating_duration_since(now))
                .min()
                .unwrap_or(Duration::ZERO);
            drop(state);
            return Err(AllOut {
                wait,
                message: format!(
                    "every server is out: {}",
                    self.out_summary().unwrap_or_default()
                ),
            });
        }
        let fresh: Vec<usize> = candidates
            .iter()
            .copied()
            .filter(|i| !avoid.contains(i))
            .collect();
        let pool = if fresh.is_empty() { candidates } else { fresh };
        let start = state.next;
        let index = pool
            .into_iter()
            .min_by_key(|&i| (state.slots[i].in_flight, (i + n - start) % n))
            .unwrap_or(0);
        state.next = (index + 1) % n;
        let slot = &mut state.slots[index];
        slot.in_flight += 1;
        let recheck = slot.out.is_some() && self.upstreams[index].health.is_some();
        Ok(Pick {
            pool: self,
            index,
            recheck,
        })
    }

    /// Whether a server other than those in `avoid` is in now: a failed
    /// attempt then goes there at once, without a backoff.
    pub fn has_other(&self, avoid: &[usize]) -> bool {
        let now = Instant::now();
        let state = self.lock();
        state.slots.iter().enumerate().any(|(i, slot)| {
            !avoid.contains(&i) && slot.out.as_ref().is_none_or(|o| o.until <= now)
        })
    }

    /// Takes the server at `index` out for the cool-down (not in a pool of
    /// one), keeping `reason`.
    pub fn fail(&self, index: usize, reason: &str) {
        if self.len() < 2 {
            return;
        }
        let until = Instant::now() + self.cooldown;
        let mut state = self.lock();
        state.slots[index].out = Some(Out {
            until,
            reason: reason.to_string(),
        });
    }

    /// The server at `index` answered: it is in.
    pub fn succeed(&self, index: usize) {
        self.lock().slots[index].out = None;
    }

    /// How every server stands.
    pub fn status(&self) -> Vec<UpstreamStatus> {
        let now = Instant::now();
        let state = self.lock();
        state
            .slots
            .iter()
            .zip(&self.labels)
            .map(|(slot, label)| UpstreamStatus {
                endpoint: label.clone(),
                in_flight: slot.in_flight,
                out: slot.out.as_ref().map(|o| o.reason.clone()),
                back_in_ms: slot
                    .out
                    .as_ref()
                    .map(|o| millis(o.until.saturating_duration_since(now))),
            })
            .collect()
    }

    /// The servers that are out and why, `None` when none is:
    /// `http://a:8000 (out for 1.5 s more: HTTP 503: busy), …`.
    pub fn out_summary(&self) -> Option<String> {
        let now = Instant::now();
        let state = self.lock();
        let out: Vec<String> = state
            .slots
            .iter()
            .zip(&self.labels)
            .filter_map(|(slot, label)| {
                let out = slot.out.as_ref()?;
                let left = out.until.saturating_duration_since(now);
                Some(if left.is_zero() {
                    format!("{label} (cool-down over, not yet back: {})", out.reason)
                } else {
                    format!(
                        "{label} (out for {:.1} s more: {})",
                        left.as_secs_f64(),
                        out.reason
                    )
                })
            })
            .collect();
        (!out.is_empty()).then(|| out.join("; "))
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// A URL as the record may show it: no user, password, query or fragment
/// (where keys sometimes hide), no trailing `/`.
pub(crate) fn endpoint_label(url: &str) -> String {
    match reqwest::Url::parse(url.trim()) {
        Ok(mut u) => {
            let _ = u.set_username("");
            let _ = u.set_password(None);
            u.set_query(None);
            u.set_fragment(None);
            u.to_string().trim_end_matches('/').to_string()
        }
        Err(_) => url.trim().trim_end_matches('/').to_string(),
    }
}

fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pool(n: usize, health: bool) -> Pool {
        let upstreams = (0..n)
            .map(|i| Upstream {
                base: format!("http://gpu{i}:8000"),
                health: health.then(|| format!("http://gpu{i}:8000/health")),
            })
            .collect();
        Pool::new(upstreams, Duration::from_secs(30))
    }

    fn in_flight(pool: &Pool) -> Vec<usize> {
        pool.status().iter().map(|s| s.in_flight).collect()
    }

    #[test]
    fn the_least_busy_server_gets_the_request_and_ties_take_turns() {
        let pool = pool(3, false);
        // Requests that stay in flight fill the servers evenly.
        let held: Vec<Pick<'_>> = (0..7).map(|_| pool.pick(&[]).unwrap()).collect();
        let order: Vec<usize> = held.iter().map(|p| p.index).collect();
        assert_eq!(order, [0, 1, 2, 0, 1, 2, 0]);
        assert_eq!(in_flight(&pool), [3, 2, 2]);
        // A server whose requests end early is the least busy one.
        let (still, done): (Vec<_>, Vec<_>) = held.into_iter().partition(|p| p.index == 2);
        drop(done);
        assert_eq!(in_flight(&pool), [0, 0, 2]);
        let a = pool.pick(&[]).unwrap();
        let b = pool.pick(&[]).unwrap();
        let c = pool.pick(&[]).unwrap();
        // The turn resumes after the last server picked (0).
        assert_eq!((a.index, b.index, c.index), (1, 0, 1));
        assert_eq!(in_flight(&pool), [1, 2, 2]);
        drop((a, b, c, still));
        // Requests that end at once rotate over every server.
        let pool = self::pool(3, false);
        let order: Vec<usize> = (0..6).map(|_| pool.pick(&[]).unwrap().index).collect();
        assert_eq!(order, [0, 1, 2, 0, 1, 2]);
    }

    #[tokio::test(start_paused = true)]
    async fn a_failed_server_is_out_for_the_cool_down_then_back() {
        let pool = pool(3, false);
        pool.fail(1, "HTTP 500: boom");
        for _ in 0..6 {
            assert_ne!(pool.pick(&[]).unwrap().index, 1);
        }
        let status = &pool.status()[1];
        assert_eq!(status.out.as_deref(), Some("HTTP 500: boom"));
        assert_eq!(status.back_in_ms, Some(30_000));
        let summary = pool.out_summary().unwrap();
        assert!(summary.starts_with("http://gpu1:8000 (out for 30.0 s more: HTTP 500"));

        tokio::time::advance(Duration::from_secs(30)).await;
        let picks: Vec<usize> = (0..3).map(|_| pool.pick(&[]).unwrap().index).collect();
        assert!(picks.contains(&1), "{picks:?}");
        // Still marked until something it serves succeeds.
        assert!(pool.status()[1].out.is_some());
        pool.succeed(1);
        assert_eq!(pool.status()[1].out, None);
        assert_eq!(pool.out_summary(), None);
    }

    #[tokio::test(start_paused = true)]
    async fn when_every_server_is_out_the_wait_is_for_the_first_back() {
        let pool = pool(2, true);
        pool.fail(0, "cannot connect");
        tokio::time::advance(Duration::from_secs(10)).await;
        pool.fail(1, "no complete reply within 5.0 s");
        let out = pool.pick(&[]).unwrap_err();
        assert_eq!(out.wait, Duration::from_secs(20));
        assert!(
            out.message
                .contains("http://gpu0:8000 (out for 20.0 s more: cannot connect)")
        );
        assert!(
            out.message
                .contains("http://gpu1:8000 (out for 30.0 s more")
        );
        tokio::time::advance(out.wait).await;
        // Back from a cool-down with a health URL: checked before use.
        let pick = pool.pick(&[]).unwrap();
        assert_eq!((pick.index, pick.recheck), (0, true));
    }

    #[test]
    fn retries_prefer_a_server_not_tried_yet() {
        let pool = pool(3, false);
        assert_eq!(pool.pick(&[0]).unwrap().index, 1);
        assert_eq!(pool.pick(&[1, 2]).unwrap().index, 0);
        // Tried everywhere: any server that is in.
        assert!(pool.pick(&[0, 1, 2]).is_ok());
        assert!(pool.has_other(&[0, 1]));
        pool.fail(2, "HTTP 502");
        assert!(!pool.has_other(&[0, 1]));
    }

    #[test]
    fn a_pool_of_one_never_takes_its_server_out() {
        let pool = pool(1, true);
        pool.fail(0, "HTTP 500");
        let pick = pool.pick(&[0]).unwrap();
        assert_eq!((pick.index, pick.recheck), (0, false));
        assert_eq!(pool.out_summary(), None);
    }

    #[test]
    fn labels_carry_no_credentials() {
        assert_eq!(
            endpoint_label("https://user:pw@h:8443/v1/?key=sk-1#x"),
            "https://h:8443/v1"
        );
        assert_eq!(endpoint_label("http://h:8000/"), "http://h:8000");
        assert_eq!(endpoint_label("not a url/"), "not a url");
    }
}
