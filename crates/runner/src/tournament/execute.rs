//! `runner tournament --config T.yaml [--override k=v]... [--resume RUN_ID]`:
//! loads and validates the tournament, builds every participant once, plans
//! every episode with its seats and seed, and hands the plan to the
//! execution shared with `runner --config` ([`crate::execute::launch`]).
//! Everything that can be checked is checked before anything is written.

use std::collections::HashMap;
use std::io::IsTerminal;
use std::path::PathBuf;
use std::sync::Arc;

use anyhow::{Context, Result, bail};

use super::{Tournament, load, load_str};
use crate::config::DEFAULT_DB;
use crate::episode::{self, EpisodeSpec, SeatAgent};
use crate::execute::{
    Ended, Launch, agent_factory, choose_run_id, launch, new_runtime, play_settings, seat_agent,
    stored_run,
};
use crate::run::{PlannedEpisode, RunPlan};

/// What `runner tournament` was asked.
#[derive(Clone, Debug, Default)]
pub struct TournamentRequest {
    /// The tournament file.
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
    pub shard: Option<crate::shard::Shard>,
    /// `--run-id ID`: the id of a new tournament run.
    pub run_id: Option<String>,
}

/// Runs a tournament (or resumes one) and prints the summary.
pub fn run(request: TournamentRequest) -> Result<Ended> {
    let interactive = std::io::stderr().is_terminal() && !request.quiet;
    let given = match &request.config {
        Some(path) => Some(load(path, &request.overrides)?),
        None if request.resume.is_none() => bail!(
            "no tournament to run; give one: `runner tournament --config experiments/baselines.yaml` \
             (experiments/README.md describes the file)"
        ),
        None if !request.overrides.is_empty() => bail!(
            "--override needs --config; to resume, give `runner tournament --resume ID` alone \
             (the stored tournament is used)"
        ),
        None => None,
    };
    let db = request
        .db
        .clone()
        .or_else(|| given.as_ref().map(|t| t.log.db.clone()))
        .unwrap_or_else(|| PathBuf::from(DEFAULT_DB));
    let (tournament, run_id, skip, resumed) = match &request.resume {
        Some(id) => {
            let stored = stored_run(&db, id)?;
            if !super::is_tournament_yaml(&stored.config_yaml) {
                bail!(
                    "run {id} is not a tournament; resume it with `runner --resume {id} --db {}`",
                    db.display()
                );
            }
            let stored_t = load_str(
                &stored.config_yaml,
                &PathBuf::from(format!("the stored tournament of run {id}")),
                &[],
            )
            .context("the stored tournament of the run no longer loads")?;
            if let Some(given) = given
                && given.to_yaml()? != stored_t.to_yaml()?
            {
                bail!(
                    "the tournament differs from the one run {id} was started with; resume with \
                     `runner tournament --resume {id} --db {}` alone (its stored tournament is used)",
                    db.display()
                );
            }
            (stored_t, id.clone(), stored.finished, true)
        }
        None => {
            let Some(t) = given else {
                unreachable!("a tournament without --resume was loaded above");
            };
            let (id, skip, resumed) = choose_run_id(
                &db,
                request.run_id.as_deref(),
                request.shard,
                &t.to_yaml()?,
                "runner tournament",
            )?;
            (t, id, skip, resumed)
        }
    };

    let runtime = new_runtime()?;
    // Build every participant before the first episode: a missing key, an
    // unknown model or a model file that cannot be fetched stops here.
    let mut factory = agent_factory(&tournament.llm_backend, !interactive, &runtime);
    let mut agents: Vec<SeatAgent> = Vec::with_capacity(tournament.participants.len());
    for p in &tournament.participants {
        agents.push(seat_agent(&mut factory, &p.name)?);
    }
    let games = tournament
        .games
        .iter()
        .map(|g| g.build_game())
        .collect::<Result<Vec<_>, _>>()?;
    let plan = tournament.plan();
    // One seat list per seating, shared by the episodes that use it.
    let mut seatings: HashMap<Vec<usize>, Arc<Vec<SeatAgent>>> = HashMap::new();
    let mut episodes = Vec::with_capacity(plan.len());
    for e in &plan {
        let seats = seatings
            .entry(e.seats.clone())
            .or_insert_with(|| Arc::new(e.seats.iter().map(|&p| agents[p].clone()).collect()))
            .clone();
        let game = &tournament.games[e.env_index as usize];
        episodes.push(PlannedEpisode {
            spec: EpisodeSpec {
                run_id: run_id.clone(),
                episode_id: episode::episode_id(&run_id, e.env_index, e.episode_index),
                game: games[e.env_index as usize].clone(),
                env_index: e.env_index,
                episode_index: e.episode_index,
                seed: e.seed,
                max_moves: game.max_game_rounds.map(|n| n.get()),
            },
            seats,
        });
    }
    if !resumed {
        crate::observe::notice(&overview(&tournament));
    }
    let id = run_id.clone();
    let db_path = db.clone();
    let run_plan = RunPlan {
        run_id,
        seed: tournament.seed,
        config_yaml: tournament.to_yaml()?,
        episodes,
        settings: play_settings(&tournament.llm_backend, tournament.illegal_move_policy),
        concurrency: tournament.concurrency.get() as usize,
    };
    let ended = launch(Launch {
        runtime,
        plan: run_plan,
        db,
        skip,
        resumed,
        progress: interactive,
        resume_command: "runner tournament",
        shard: request.shard,
    })?;
    // A finished tournament ends with its leaderboard (a shard has only
    // part of the results: the merge has the whole).
    if ended == Ended::Completed && request.shard.is_none() {
        match crate::analysis::leaderboard_cmd(&db_path, Some(&id), None, "table") {
            Ok(table) => {
                println!("\n{table}");
                println!(
                    "the full report: runner report --db {} --run {id} --out report/",
                    db_path.display()
                );
            }
            Err(e) => crate::observe::notice(&format!("no leaderboard: {e:#}")),
        }
    }
    Ok(ended)
}

/// One line per game: its tables and episodes.
fn overview(t: &Tournament) -> String {
    let mut out = format!(
        "tournament{}: {} participants, {} schedule, {}",
        t.name
            .as_deref()
            .map(|n| format!(" {n:?}"))
            .unwrap_or_default(),
        t.participants.len(),
        match t.schedule {
            super::Schedule::RoundRobin => "round-robin",
            super::Schedule::Gauntlet { .. } => "gauntlet",
        },
        if t.duplicate {
            "duplicate (every deal in every seating)"
        } else {
            "one seating per deal"
        }
    );
    for (g, game) in t.games.iter().enumerate() {
        let tables = t.tables(g).len();
        let per_table =
            u64::from(game.episodes.get()) * if t.duplicate { game.seats as u64 } else { 1 };
        out.push_str(&format!(
            "\n  {} ({} seats): {tables} tables × {} deals = {} episodes",
            game.game,
            game.seats,
            game.episodes,
            tables as u64 * per_table
        ));
    }
    out
}
