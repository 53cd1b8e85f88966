//! `runner --config FILE [--override k=v]... [--resume RUN_ID]`: loads and
//! validates the configuration, opens the database, builds every agent (a
//! model is fetched or loaded once), plans the episodes, runs them in
//! parallel with every move recorded, and prints the summary table.
//! Everything that can be checked is checked before the first episode.
//!
//! The second half — open the store, start the writer, listen for Ctrl-C,
//! [`run::execute`], print the summary, pick the exit code — is [`launch`],
//! shared with `runner tournament` ([`crate::tournament`]), as are the
//! look-up of a run to resume ([`stored_run`]) and the agent factory.

use std::collections::HashSet;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::{Context, Result, bail};
use arena_agents::turn::IllegalMovePolicy;
use arena_agents::{HttpSettings, Sampling};
use tokio_util::sync::CancellationToken;

use crate::config::{self, LlmBackend, RunConfig};
use crate::episode::{self, EpisodeSpec, PlaySettings, SeatAgent};
use crate::factory::{AgentFactory, FactoryOptions};
use crate::record::{
    EpisodeEnd, EpisodeStart, EpisodeStatus, Event, Player, PlayerResult, Recorder, RunStatus,
};
use crate::run::{self, PlannedEpisode, RunOptions, RunPlan};
use crate::shard::Shard;
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
    /// `--shard K/N`: play only this part of the plan.
    pub shard: Option<Shard>,
    /// `--run-id ID`: the id of a new run.
    pub run_id: Option<String>,
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
            let stored = stored_run(&db, id)?;
            if crate::tournament::is_tournament_yaml(&stored.config_yaml) {
                bail!(
                    "run {id} is a tournament; resume it with `runner tournament --resume {id} --db {}`",
                    db.display()
                );
            }
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
            (id.clone(), stored.finished, true)
        }
        None => choose_run_id(
            &db,
            request.run_id.as_deref(),
            request.shard,
            &cfg.to_yaml()?,
            "runner",
        )?,
    };

    let runtime = new_runtime()?;
    // Build every agent before the first episode: a missing key, an unknown
    // model or a model file that cannot be fetched stops the run here.
    let mut factory = agent_factory(&cfg.llm_backend, !interactive, &runtime);
    let mut episodes = Vec::new();
    let mut games = Vec::new();
    let mut seat_sets = Vec::new();
    for env in &cfg.envs {
        games.push(env.build_game()?);
        let mut seats = Vec::new();
        for s in &env.seats {
            seats.push(seat_agent(&mut factory, &s.name)?);
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
    let plan = RunPlan {
        run_id,
        seed: cfg.seed,
        config_yaml: cfg.to_yaml()?,
        episodes,
        settings: play_settings(&cfg.llm_backend, cfg.illegal_move_policy),
        // A person plays one game at a time.
        concurrency: if humans {
            1
        } else {
            cfg.concurrency.get() as usize
        },
    };
    launch(Launch {
        runtime,
        plan,
        db,
        skip,
        resumed,
        progress: interactive && !humans,
        resume_command: "runner",
        shard: request.shard,
    })
}

/// A run of the database, as needed to resume it.
pub(crate) struct StoredRun {
    /// The effective configuration it was started with.
    pub config_yaml: String,
    /// Its finished episodes, which a resume does not play again.
    pub finished: HashSet<String>,
}

/// Looks up run `id` in `db` without writing anything (bad input must leave
/// the database as it was); an unknown id is an error listing recent runs.
pub(crate) fn stored_run(db: &Path, id: &str) -> Result<StoredRun> {
    let store = Store::open_read_only(db).with_context(|| format!("cannot resume run {id:?}"))?;
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
    Ok(StoredRun {
        config_yaml: stored.config_yaml,
        finished: store.finished_episode_ids(id)?,
    })
}

/// The async runtime a run plays on.
pub(crate) fn new_runtime() -> Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")
}

/// The agent factory of a run: HTTP settings from `llm_backend`, moves of
/// in-process models held to the game's grammar.
pub(crate) fn agent_factory(
    llm: &LlmBackend,
    quiet: bool,
    runtime: &tokio::runtime::Runtime,
) -> AgentFactory {
    AgentFactory::new(
        FactoryOptions {
            http: HttpSettings {
                request_timeout: llm.request_timeout,
                max_retries: llm.max_retries,
                ..HttpSettings::default()
            },
            constrained: true,
            quiet,
        },
        runtime.handle().clone(),
    )
}

/// The seat of agent `name`, built (once per name) by `factory`.
pub(crate) fn seat_agent(factory: &mut AgentFactory, name: &str) -> Result<SeatAgent> {
    let built = factory.get(name)?;
    Ok(SeatAgent {
        name: name.to_string(),
        model: built.model,
        agent: built.agent,
    })
}

/// How decisions are made, from `llm_backend` and the illegal-move policy.
pub(crate) fn play_settings(llm: &LlmBackend, policy: IllegalMovePolicy) -> PlaySettings {
    PlaySettings {
        sampling: Sampling {
            temperature: llm.temperature as f32,
            max_tokens: llm.max_tokens.get(),
            seed: 0,
        },
        policy,
    }
}

/// A run ready to start: every check passed, every agent built, nothing
/// written yet.
pub(crate) struct Launch {
    /// The runtime the agents were built on; the episodes play on it.
    pub runtime: tokio::runtime::Runtime,
    /// What to play.
    pub plan: RunPlan,
    /// The results database.
    pub db: PathBuf,
    /// Episodes already finished (on resume).
    pub skip: HashSet<String>,
    /// Whether this resumes an earlier run.
    pub resumed: bool,
    /// Show a progress bar.
    pub progress: bool,
    /// The command that resumes the run after an interruption (`runner`,
    /// `runner tournament`), completed with `--resume ID --db FILE`.
    pub resume_command: &'static str,
    /// Only this part of the plan (`--shard K/N`).
    pub shard: Option<Shard>,
}

/// Executes a checked run: opens the database (only now is anything
/// written), records every event through the writer thread, stops cleanly
/// on Ctrl-C, prints the summary of the whole run and says how it ended.
pub(crate) fn launch(launch: Launch) -> Result<Ended> {
    let Launch {
        runtime,
        plan,
        db,
        skip,
        resumed,
        progress,
        resume_command,
        shard,
    } = launch;
    let mut plan = plan;
    let planned = plan.episodes.len();
    if let Some(shard) = shard {
        plan.episodes = std::mem::take(&mut plan.episodes)
            .into_iter()
            .enumerate()
            .filter(|(position, _)| shard.keeps(*position))
            .map(|(_, e)| e)
            .collect();
    }
    let run_id = plan.run_id.clone();
    let total = plan.episodes.len();
    let part = match shard {
        Some(s) => format!(" (shard {s}: {total} of the plan's {planned})"),
        None => String::new(),
    };
    let resume_shard = match shard {
        Some(s) => format!(" --shard {s}"),
        None => String::new(),
    };
    let store = Store::open(&db)?;

    let (writer, joiner) = crate::store::Writer::spawn(store)?;
    let recorder: Arc<dyn Recorder> = Arc::new(writer.clone());
    let cancel = CancellationToken::new();
    let options = RunOptions {
        skip,
        resumed,
        progress,
    };
    if resumed {
        let done = plan
            .episodes
            .iter()
            .filter(|e| options.skip.contains(&e.spec.episode_id))
            .count();
        crate::observe::notice(&format!(
            "resuming run {run_id}{part}: {done} of {total} episodes already finished"
        ));
    } else {
        crate::observe::notice(&format!(
            "run {run_id}{part}: {total} episodes, results in {}",
            db.display()
        ));
    }
    let outcome = runtime.block_on(async {
        // The handler is installed here, before the first episode starts:
        // a SIGINT that came before the listening task first ran would
        // otherwise kill the process instead of stopping the run.
        let mut interrupts = Interrupts::install()?;
        let stop = cancel.clone();
        tokio::spawn(async move {
            if interrupts.next().await {
                crate::observe::notice("\nstopping: finishing the record (Ctrl-C again to abort)");
                stop.cancel();
                if interrupts.next().await {
                    std::process::exit(130);
                }
            }
        });
        run::execute(plan, recorder, &options, cancel).await
    });
    let closed = writer.close();
    // The thread ends when every handle is gone: a writer that failed
    // never got the close message, and would wait for this one for ever.
    drop(writer);
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
                "resume with: {resume_command} --resume {run_id} --db {}{resume_shard}",
                db.display()
            );
            Ok(Ended::Interrupted)
        }
        _ => Ok(Ended::Completed),
    }
}

/// The id of a new run and the episodes already finished under it:
/// `--run-id` when given, derived from the configuration for a sharded run
/// (so every shard agrees), otherwise fresh. An explicit id must not be in
/// the database yet. A sharded run whose derived id is already there is the
/// same run (same configuration, same shard plan), and is resumed: a shard
/// task that a cluster scheduler starts again just finishes its part.
pub(crate) fn choose_run_id(
    db: &Path,
    explicit: Option<&str>,
    shard: Option<Shard>,
    config_yaml: &str,
    command: &str,
) -> Result<(String, HashSet<String>, bool)> {
    let (id, derived) = match explicit {
        Some(id) => {
            crate::shard::check_run_id(id).map_err(anyhow::Error::msg)?;
            (id.to_string(), false)
        }
        None if shard.is_some() => (Shard::run_id(config_yaml), true),
        None => return Ok((new_run_id(), HashSet::new(), false)),
    };
    // Only an arena database can hold the run; any other file is reported
    // when the run opens it.
    let Ok(store) = Store::open_read_only(db) else {
        return Ok((id, HashSet::new(), false));
    };
    let Some(stored) = store.run(&id)? else {
        return Ok((id, HashSet::new(), false));
    };
    if derived && stored.config_yaml == config_yaml {
        return Ok((id.clone(), store.finished_episode_ids(&id)?, true));
    }
    let shard = shard.map(|s| format!(" --shard {s}")).unwrap_or_default();
    bail!(
        "run {id} is already in {}; resume it with `{command} --resume {id} --db {}{shard}`, \
         or choose another --run-id or database",
        db.display(),
        db.display()
    );
}

/// The effective configuration and database path of a request.
fn load(request: &RunRequest) -> Result<(RunConfig, PathBuf)> {
    let cfg = config::load(request.config.as_deref(), &request.overrides)?;
    let db = request.db.clone().unwrap_or_else(|| cfg.log.db.clone());
    Ok((cfg, db))
}

/// A fresh run id: UTC time to the second and four random hex digits, so
/// ids sort by start time and two runs started together do not collide.
pub(crate) fn new_run_id() -> String {
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
