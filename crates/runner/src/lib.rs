//! The arena runner: the command line. So far it lists the games and their
//! parameters; running episodes from configs comes next.

#![warn(missing_docs)]

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
