//! Executes a planned run: episodes in parallel on tokio up to the run's
//! concurrency, each recorded as it plays; a progress bar; Ctrl-C marks the
//! episodes in flight and the run `interrupted`; the summary table at the
//! end. Which episodes to play, with which agents and seeds, is decided
//! before anything starts (see [`RunPlan`]), so scheduling can never change
//! a result.

use std::collections::HashSet;
use std::sync::{Arc, Mutex};

use anyhow::Result;
use indicatif::{ProgressBar, ProgressStyle};
use tokio::sync::Semaphore;
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;

use crate::episode::{self, EpisodeSpec, PlaySettings, SeatAgent};
use crate::record::{Event, Recorder, RunEnd, RunStart, RunStatus, now_rfc3339};
use crate::summary::Summary;

/// One planned episode with its seats.
#[derive(Clone, Debug)]
pub struct PlannedEpisode {
    /// Which episode.
    pub spec: EpisodeSpec,
    /// Its seats, in seat order.
    pub seats: Arc<Vec<SeatAgent>>,
}

/// Everything a run needs, decided up front.
#[derive(Debug)]
pub struct RunPlan {
    /// The run id.
    pub run_id: String,
    /// The run seed.
    pub seed: u64,
    /// The effective configuration (no secrets).
    pub config_yaml: String,
    /// Every episode of the run, in plan order.
    pub episodes: Vec<PlannedEpisode>,
    /// How decisions are made.
    pub settings: PlaySettings,
    /// Episodes in flight at once.
    pub concurrency: usize,
}

/// How to execute.
#[derive(Clone, Debug, Default)]
pub struct RunOptions {
    /// Episodes already finished (on resume): not played again.
    pub skip: HashSet<String>,
    /// Whether this resumes an earlier run.
    pub resumed: bool,
    /// Show a progress bar.
    pub progress: bool,
}

/// How a run ended.
#[derive(Debug)]
pub struct RunOutcome {
    /// The final status.
    pub status: RunStatus,
    /// The table of this execution's episodes.
    pub summary: Summary,
    /// Episodes this execution ended (interrupted ones included).
    pub played: usize,
}

/// Folds every event into the summary and the progress bar before passing
/// it on.
struct Tee {
    inner: Arc<dyn Recorder>,
    metrics: Option<Arc<crate::observe::Metrics>>,
    summary: Mutex<Summary>,
    bar: ProgressBar,
    counts: Mutex<(u64, u64)>,
    finished: std::sync::atomic::AtomicUsize,
}

impl Recorder for Tee {
    fn send(&self, event: Event) -> Result<()> {
        self.summary
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .add(&event);
        crate::observe::log_event(&event);
        if let Some(metrics) = &self.metrics {
            metrics.observe(&event);
        }
        match &event {
            Event::Move(m) if m.seat.is_some() => self.count(1, 0),
            Event::Attempt(_) => self.count(0, 1),
            Event::EpisodeFinished(_) => {
                self.finished
                    .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                self.bar.inc(1);
            }
            _ => {}
        }
        self.inner.send(event)
    }
}

impl Tee {
    fn count(&self, moves: u64, invalid: u64) {
        let mut c = self.counts.lock().unwrap_or_else(|e| e.into_inner());
        c.0 += moves;
        c.1 += invalid;
        // A message costs a format; nobody reads one per move.
        if !self.bar.is_hidden() && (c.0.is_multiple_of(16) || invalid > 0) {
            self.bar
                .set_message(format!("{} moves, {} invalid attempts", c.0, c.1));
        }
    }
}

/// Runs the plan, recording into `recorder`. `cancel` stops it (Ctrl-C is
/// wired to it by the caller); episodes in flight end `interrupted`.
pub async fn execute(
    plan: RunPlan,
    recorder: Arc<dyn Recorder>,
    options: &RunOptions,
    cancel: CancellationToken,
) -> Result<RunOutcome> {
    let started = Event::RunStarted(RunStart {
        run_id: plan.run_id.clone(),
        started_at: now_rfc3339(),
        config_yaml: plan.config_yaml.clone(),
        seed: plan.seed,
        resumed: options.resumed,
    });
    crate::observe::log_event(&started);
    recorder.send(started)?;
    let todo: Vec<PlannedEpisode> = plan
        .episodes
        .into_iter()
        .filter(|e| !options.skip.contains(&e.spec.episode_id))
        .collect();
    let bar = if options.progress {
        let bar = ProgressBar::new(todo.len() as u64);
        bar.set_style(
            ProgressStyle::with_template(
                "{elapsed_precise} [{bar:30}] {pos}/{len} episodes, {msg} (eta {eta})",
            )
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
        );
        bar
    } else {
        ProgressBar::hidden()
    };
    let tee = Arc::new(Tee {
        inner: recorder.clone(),
        metrics: crate::observe::metrics(),
        summary: Mutex::new(Summary::default()),
        bar: bar.clone(),
        counts: Mutex::new((0, 0)),
        finished: std::sync::atomic::AtomicUsize::new(0),
    });
    let settings = Arc::new(plan.settings);
    let slots = Arc::new(Semaphore::new(plan.concurrency.max(1)));
    let mut tasks = JoinSet::new();
    let mut failure: Option<anyhow::Error> = None;
    for planned in todo {
        // Wait for a slot (or a stop) before starting the next episode, so
        // episodes start in plan order.
        let permit = tokio::select! {
            p = slots.clone().acquire_owned() => p?,
            () = cancel.cancelled() => break,
        };
        // Reap finished tasks as we go, so a failure stops the run early.
        while let Some(done) = tasks.try_join_next() {
            if let Err(e) = flatten(done) {
                failure.get_or_insert(e);
                cancel.cancel();
            }
        }
        if failure.is_some() {
            break;
        }
        let tee = tee.clone();
        let settings = settings.clone();
        let cancel = cancel.clone();
        tasks.spawn(async move {
            let _permit = permit;
            episode::play(&planned.spec, &planned.seats, &settings, &*tee, &cancel).await
        });
    }
    while let Some(done) = tasks.join_next().await {
        if let Err(e) = flatten(done) {
            failure.get_or_insert(e);
            cancel.cancel();
        }
    }
    bar.finish_and_clear();
    let status = match (&failure, cancel.is_cancelled()) {
        (Some(_), _) => RunStatus::Failed,
        (None, true) => RunStatus::Interrupted,
        (None, false) => RunStatus::Completed,
    };
    let ended = Event::RunFinished(RunEnd {
        run_id: plan.run_id,
        status,
        finished_at: now_rfc3339(),
    });
    crate::observe::log_event(&ended);
    let finished = recorder.send(ended);
    if let Some(e) = failure {
        return Err(e);
    }
    finished?;
    let summary = tee
        .summary
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .clone();
    Ok(RunOutcome {
        status,
        summary,
        played: tee.finished.load(std::sync::atomic::Ordering::Relaxed),
    })
}

fn flatten(done: Result<Result<crate::record::EpisodeEnd>, tokio::task::JoinError>) -> Result<()> {
    match done {
        Ok(Ok(_)) => Ok(()),
        Ok(Err(e)) => Err(e),
        Err(e) => Err(anyhow::anyhow!("an episode task failed: {e}")),
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use arena_agents::RandomPlayer;

    use super::*;
    use crate::episode::episode_id;
    use crate::record::{EpisodeStatus, MemoryRecorder};

    fn plan(concurrency: usize, n: u32) -> RunPlan {
        let game = arena_games::build("connect_four", &BTreeMap::new()).unwrap();
        let seats = Arc::new(
            (0..2)
                .map(|_| SeatAgent {
                    name: "random".into(),
                    model: None,
                    agent: Arc::new(RandomPlayer),
                })
                .collect::<Vec<_>>(),
        );
        RunPlan {
            run_id: "r".into(),
            seed: 1,
            config_yaml: String::new(),
            episodes: (0..n)
                .map(|i| PlannedEpisode {
                    spec: EpisodeSpec {
                        run_id: "r".into(),
                        episode_id: episode_id("r", 0, i),
                        game: game.clone(),
                        env_index: 0,
                        episode_index: i,
                        seed: crate::episode::mix(1, u64::from(i)),
                        max_moves: None,
                    },
                    seats: seats.clone(),
                })
                .collect(),
            settings: PlaySettings::default(),
            concurrency,
        }
    }

    /// Each episode's moves, by episode id.
    fn games(events: &[Event]) -> BTreeMap<String, Vec<String>> {
        let mut out: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for e in events {
            if let Event::Move(m) = e {
                out.entry(m.episode_id.clone())
                    .or_default()
                    .push(m.action.clone());
            }
        }
        out
    }

    async fn run(concurrency: usize, skip: HashSet<String>) -> (RunOutcome, Vec<Event>) {
        let rec = Arc::new(MemoryRecorder::default());
        let options = RunOptions {
            skip,
            ..Default::default()
        };
        let outcome = execute(
            plan(concurrency, 12),
            rec.clone(),
            &options,
            CancellationToken::new(),
        )
        .await
        .unwrap();
        (outcome, rec.events())
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn concurrency_does_not_change_any_game() {
        let (one, ev1) = run(1, HashSet::new()).await;
        let (four, ev4) = run(4, HashSet::new()).await;
        assert_eq!(one.status, RunStatus::Completed);
        assert_eq!(four.played, 12);
        assert_eq!(games(&ev1), games(&ev4));
        assert_eq!(games(&ev1).len(), 12);
        let rows = one.summary.rows();
        let s = rows[&("random".to_string(), "connect_four".to_string())];
        // Both seats are `random`, so each episode counts twice.
        assert_eq!(s.wins + s.draws + s.losses, 24);
        assert_eq!(s.wins, s.losses);
    }

    #[tokio::test]
    async fn skipped_episodes_are_not_played_again() {
        let skip: HashSet<String> = (0..5).map(|i| episode_id("r", 0, i)).collect();
        let (outcome, events) = run(2, skip).await;
        assert_eq!(outcome.played, 7);
        let (_, all) = run(2, HashSet::new()).await;
        let all = games(&all);
        for (id, moves) in games(&events) {
            assert_eq!(all[&id], moves, "{id}");
        }
    }

    #[tokio::test]
    async fn a_stop_interrupts_the_run() {
        let rec = Arc::new(MemoryRecorder::default());
        let cancel = CancellationToken::new();
        cancel.cancel();
        let outcome = execute(plan(2, 5), rec.clone(), &RunOptions::default(), cancel)
            .await
            .unwrap();
        assert_eq!(outcome.status, RunStatus::Interrupted);
        let events = rec.events();
        assert!(
            matches!(events.last(), Some(Event::RunFinished(e)) if e.status == RunStatus::Interrupted)
        );
        assert!(events.iter().all(
            |e| !matches!(e, Event::EpisodeFinished(f) if f.status == EpisodeStatus::Completed)
        ));
    }
}
