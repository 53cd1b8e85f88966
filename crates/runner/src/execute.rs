//! `runner --config FILE [--override k=v]... [--resume RUN_ID]`: loads and
//! validates the configuration, opens the database, builds every agent (a
//! model is fetched or loaded once), plans the episodes, runs them in
//! parallel with every move recorded, and prints the summary table.
//! Everything that can be checked is checked before the first episode.

use std::collections::HashSet;
use std::io::IsTerminal;
use std::path::PathBuf;
use std::sync::Arc;

use anyhow::{Context, Result, bail};
use arena_agents::{HttpSettings, Sampling};
use tokio_util::sync::CancellationToken;

use crate::config::{self, RunConfig};
use crate::episode::{self, EpisodeSpec, PlaySettings, SeatAgent};
use crate::factory::{AgentFactory, FactoryOptions};
use crate::record::{
    EpisodeEnd, EpisodeStart, EpisodeStatus, Event, Player, PlayerResult, Recorder, RunStatus,
};
use crate::run::{self, PlannedEpisode, RunOptions, RunPlan};
use crate::store::Store;
use crate::summary::Summary;

/// What `runner --config` was asked.
#[derive(Clone, Debug, Default)]
pub struct RunRequest {
    /// The config file.
    pub config: Option<PathBuf>,
    /// `--override key=value`, in order.
    pub overrides: Vec<String>,
    /// `--resume RUN_ID`.
    pub resume: Option<String>,
    /// `--db FILE` (overrides `log.db`).
    pub db: Option<PathBuf>,
    /// No progress bar.
    pub quiet: bool,
}

/// How the run ended, for the exit code.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ended {
    /// Every episode finished.
    Completed,
    /// Stopped by Ctrl-C; resumable.
    Interrupted,
}

/// Runs a configuration (or resumes a run) and prints the summary.
pub fn run(request: RunRequest) -> Result<Ended> {
    let interactive = std::io::stderr().is_terminal() && !request.quiet;
    let (mut cfg, db) = load(&request)?;
    let (run_id, skip, resumed) = match &request.resume {
        Some(id) => {
            // Read-only until every check has passed: bad input writes nothing.
            let store =
                Store::open_read_only(&db).with_context(|| format!("cannot resume run {id:?}"))?;
            let Some(stored) = store.run(id)? else {
                let known: Vec<String> = store
                    .runs()?
                    .into_iter()
                    .rev()
                    .take(5)
                    .map(|r| r.run_id)
                    .collect();
                bail!(
                    "no run {id:?} in {}; recent runs: {}",
                    db.display(),
                    if known.is_empty() {
                        "none".to_string()
                    } else {
                        known.join(", ")
                    }
                );
            };
            let stored_cfg = config::load_str(
                &stored.config_yaml,
                &PathBuf::from(format!("the stored config of run {id}")),
                &[],
            )
            .context("the stored configuration of the run no longer loads")?;
            if request.config.is_some() || !request.overrides.is_empty() {
                if cfg.to_yaml()? != stored_cfg.to_yaml()? {
                    bail!(
                        "the configuration differs from the one run {id} was started with; \
                         resume with `runner --resume {id}` alone (its stored configuration is used)"
                    );
                }
            } else {
                cfg = stored_cfg;
            }
            (id.clone(), store.finished_episode_ids(id)?, true)
        }
        None => (new_run_id(), HashSet::new(), false),
    };

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;

    // Build every agent before the first episode: a missing key, an unknown
    // model or a model file that cannot be fetched stops the run here.
    let mut factory = AgentFactory::new(
        FactoryOptions {
            http: HttpSettings {
                request_timeout: cfg.llm_backend.request_timeout,
                max_retries: cfg.llm_backend.max_retries,
                ..HttpSettings::default()
            },
            constrained: true,
            quiet: !interactive,
        },
        runtime.handle().clone(),
    );
    let mut episodes = Vec::new();
    let mut games = Vec::new();
    let mut seat_sets = Vec::new();
    for env in &cfg.envs {
        games.push(env.build_game()?);
        let mut seats = Vec::new();
        for s in &env.seats {
            let built = factory.get(&s.name)?;
            seats.push(SeatAgent {
                name: s.name.clone(),
                model: built.model,
                agent: built.agent,
            });
        }
        seat_sets.push(Arc::new(seats));
    }
    let humans = cfg.envs.iter().any(|e| {
        e.seats
            .iter()
            .any(|s| s.agent == arena_agents::AgentName::Human)
    });
    for plan in cfg.episodes() {
        let env = &cfg.envs[plan.env_index];
        let env_index = plan.env_index as u32;
        episodes.push(PlannedEpisode {
            spec: EpisodeSpec {
                run_id: run_id.clone(),
                episode_id: episode::episode_id(&run_id, env_index, plan.episode_index),
                game: games[plan.env_index].clone(),
                env_index,
                episode_index: plan.episode_index,
                seed: plan.seed,
                max_moves: env.max_game_rounds.map(|n| n.get()),
            },
            seats: seat_sets[plan.env_index].clone(),
        });
    }
    let total = episodes.len();
    let plan = RunPlan {
        run_id: run_id.clone(),
        seed: cfg.seed,
        config_yaml: cfg.to_yaml()?,
        episodes,
        settings: PlaySettings {
            sampling: Sampling {
                temperature: cfg.llm_backend.temperature as f32,
                max_tokens: cfg.llm_backend.max_tokens.get(),
                seed: 0,
            },
            policy: cfg.illegal_move_policy,
        },
        // A person plays one game at a time.
        concurrency: if humans {
            1
        } else {
            cfg.concurrency.get() as usize
        },
    };

    let store = Store::open(&db)?;

    let (writer, joiner) = crate::store::Writer::spawn(store)?;
    let recorder: Arc<dyn Recorder> = Arc::new(writer.clone());
    let cancel = CancellationToken::new();
    let options = RunOptions {
        skip,
        resumed,
        progress: interactive && !humans,
    };
    if resumed {
        eprintln!(
            "resuming run {run_id}: {} of {total} episodes already finished",
            options.skip.len()
        );
    } else {
        eprintln!(
            "run {run_id}: {total} episodes, results in {}",
            db.display()
        );
    }
    let outcome = runtime.block_on(async {
        // The handler is installed here, before the first episode starts:
        // a SIGINT that came before the listening task first ran would
        // otherwise kill the process instead of stopping the run.
        let mut interrupts = Interrupts::install()?;
        let stop = cancel.clone();
        tokio::spawn(async move {
            if interrupts.next().await {
                eprintln!("\nstopping: finishing the record (Ctrl-C again to abort)");
                stop.cancel();
                if interrupts.next().await {
                    std::process::exit(130);
                }
            }
        });
        run::execute(plan, recorder, &options, cancel).await
    });
    let closed = writer.close();
    let joined = joiner.join();
    let outcome = outcome?;
    closed.context("the results database could not be finished")?;
    joined.map_err(|_| anyhow::anyhow!("the database writer panicked"))??;

    let store = Store::open(&db)?;
    let summary = run_summary(&store, &run_id)?;
    print!("{}", summary.table());
    println!(
        "run {run_id} {} — {} episodes ended in this execution; database {}",
        outcome.status.as_str(),
        outcome.played,
        db.display()
    );
    match outcome.status {
        RunStatus::Interrupted => {
            println!(
                "resume with: runner --resume {run_id} --db {}",
                db.display()
            );
            Ok(Ended::Interrupted)
        }
        _ => Ok(Ended::Completed),
    }
}

/// The effective configuration and database path of a request.
fn load(request: &RunRequest) -> Result<(RunConfig, PathBuf)> {
    let cfg = config::load(request.config.as_deref(), &request.overrides)?;
    let db = request.db.clone().unwrap_or_else(|| cfg.log.db.clone());
    Ok((cfg, db))
}

/// A fresh run id: UTC time to the second and four random hex digits, so
/// ids sort by start time and two runs started together do not collide.
fn new_run_id() -> String {
    let stamp = crate::record::now_rfc3339();
    let compact: String = stamp[..19]
        .chars()
        .filter(|c| c.is_ascii_digit() || *c == 'T')
        .collect();
    format!("{compact}-{:04x}", rand::random::<u16>())
}

/// The summary of a whole run (every execution of it) from the database.
pub fn run_summary(store: &Store, run_id: &str) -> Result<Summary> {
    let mut summary = Summary::default();
    for e in store.episodes(run_id)? {
        let players = store.players(&e.episode_id)?;
        summary.add(&Event::EpisodeStarted(EpisodeStart {
            episode_id: e.episode_id.clone(),
            run_id: e.run_id.clone(),
            game: e.game.clone(),
            game_params: e.game_params.clone(),
            env_index: e.env_index,
            episode_index: e.episode_index,
            seed: e.seed,
            players: players
                .iter()
                .map(|p| Player {
                    seat: p.seat,
                    agent: p.agent.clone(),
                    model: p.model.clone(),
                })
                .collect(),
            started_at: e.started_at.clone(),
        }));
        for m in store.moves(&e.episode_id)? {
            summary.add(&Event::Move(m));
        }
        for a in store.attempts(&e.episode_id)? {
            summary.add(&Event::Attempt(a));
        }
        if e.status != EpisodeStatus::Running {
            summary.add(&Event::EpisodeFinished(EpisodeEnd {
                episode_id: e.episode_id.clone(),
                status: e.status,
                reason: e.reason.clone(),
                results: players
                    .iter()
                    .map(|p| PlayerResult {
                        seat: p.seat,
                        score: p.score.unwrap_or(0),
                        outcome: p.outcome.clone(),
                    })
                    .collect(),
                finished_at: e.finished_at.clone().unwrap_or_default(),
            }));
        }
    }
    Ok(summary)
}

/// Ctrl-C (SIGINT), listened for from the moment it is installed.
struct Interrupts {
    #[cfg(unix)]
    signal: tokio::signal::unix::Signal,
}

impl Interrupts {
    fn install() -> Result<Interrupts> {
        #[cfg(unix)]
        {
            let signal = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::interrupt())
                .context("cannot listen for Ctrl-C")?;
            Ok(Interrupts { signal })
        }
        #[cfg(not(unix))]
        Ok(Interrupts {})
    }

    /// Waits for the next Ctrl-C; false when none can come any more.
    async fn next(&mut self) -> bool {
        #[cfg(unix)]
        {
            self.signal.recv().await.is_some()
        }
        #[cfg(not(unix))]
        {
            tokio::signal::ctrl_c().await.is_ok()
        }
    }
}
