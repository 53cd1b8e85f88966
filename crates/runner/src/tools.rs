//! `runner replay` and `runner export`: reading the record back. Both open
//! the database read-only, so inspecting a database can never change it.

use std::io::{BufRead, Write};
use std::path::Path;

use anyhow::{Context, Result, bail};
use serde_json::json;

use crate::replay::{self, render_step};
use crate::store::{self, ExportFormat, ExportTable, Store};

/// `runner replay --db FILE --episode ID [--seat N] [--step]`.
pub fn replay_show(db: &Path, episode_id: &str, seat: Option<usize>, step: bool) -> Result<()> {
    let store = Store::open_read_only(db)?;
    let Some(episode) = store.episode(episode_id)? else {
        bail!(
            "no episode {episode_id:?} in {}; list them with `runner export --db {} --table episodes --format csv`",
            db.display(),
            db.display()
        );
    };
    let players = store.players(episode_id)?;
    if let Some(s) = seat
        && s >= players.len()
    {
        bail!(
            "--seat {s}: the episode has seats 0..={}",
            players.len().saturating_sub(1)
        );
    }
    let moves = store.moves(episode_id)?;
    let (initial, steps) = replay::replay(&episode.game, &episode.game_params, &moves)
        .with_context(|| format!("episode {episode_id} does not replay"))?;
    let mut out = std::io::stdout().lock();
    writeln!(
        out,
        "episode {episode_id}: {} {} seed {} — {}",
        episode.game,
        episode.game_params,
        episode.seed,
        episode.status.as_str()
    )?;
    for p in &players {
        writeln!(
            out,
            "  seat {}: {}{}",
            p.seat,
            p.agent,
            p.model
                .as_deref()
                .map(|m| format!(" ({m})"))
                .unwrap_or_default()
        )?;
    }
    let start = match seat {
        Some(s) => initial.observation_text(s),
        None => initial.render(),
    };
    writeln!(out, "── start")?;
    for line in start.trim_end().lines() {
        writeln!(out, "   {line}")?;
    }
    let stdin = std::io::stdin();
    let mut line = String::new();
    for s in &steps {
        if step {
            write!(out, "[Enter] ")?;
            out.flush()?;
            line.clear();
            if stdin.lock().read_line(&mut line)? == 0 {
                break;
            }
        }
        write!(out, "{}", render_step(s, seat))?;
    }
    let results: Vec<String> = players
        .iter()
        .map(|p| {
            format!(
                "seat {} {} {}",
                p.seat,
                p.outcome.as_deref().unwrap_or("-"),
                p.score.map_or("-".to_string(), |s| s.to_string())
            )
        })
        .collect();
    writeln!(
        out,
        "── {}{}: {}",
        episode.status.as_str(),
        episode
            .reason
            .as_deref()
            .map(|r| format!(" ({r})"))
            .unwrap_or_default(),
        results.join(", ")
    )?;
    Ok(())
}

/// `runner replay --db FILE --check [--run ID]`: replays every episode and
/// fails naming the first that does not replay.
pub fn replay_check(db: &Path, run: Option<&str>) -> Result<()> {
    let store = Store::open_read_only(db)?;
    let runs = match run {
        Some(id) => {
            if store.run(id)?.is_none() {
                bail!("no run {id:?} in {}", db.display());
            }
            vec![id.to_string()]
        }
        None => store.runs()?.into_iter().map(|r| r.run_id).collect(),
    };
    let (mut episodes, mut moves) = (0u64, 0u64);
    for run_id in &runs {
        for e in store.episodes(run_id)? {
            let logged = store.moves(&e.episode_id)?;
            replay::replay(&e.game, &e.game_params, &logged)
                .with_context(|| format!("episode {} does not replay", e.episode_id))?;
            episodes += 1;
            moves += logged.len() as u64;
        }
    }
    println!(
        "ok: {episodes} episodes ({moves} logged actions) of {} runs replay exactly",
        runs.len()
    );
    Ok(())
}

/// `runner export`.
pub fn export(
    db: &Path,
    format: &str,
    table: &str,
    run: Option<&str>,
    out_path: Option<&Path>,
) -> Result<()> {
    let store = Store::open_read_only(db)?;
    // Everything is checked before `--out` is created: creating it empties
    // an existing file, which a refused export must leave as it was.
    let kind = if format == "openai-chat" {
        None
    } else {
        let format: ExportFormat = format
            .parse()
            .map_err(|e| anyhow::anyhow!("--format: {e}; or `openai-chat` for fine-tuning data"))?;
        let table: ExportTable = table.parse().map_err(|e| anyhow::anyhow!("--table: {e}"))?;
        Some((format, table))
    };
    if let Some(id) = run
        && store.run(id)?.is_none()
    {
        bail!("no run {id:?} in {}", db.display());
    }
    if let Some(p) = out_path
        && is_part_of_database(p, db)
    {
        bail!(
            "--out {} is the database itself (or its journal); write the export to another file",
            p.display()
        );
    }
    let mut out: Box<dyn Write> = match out_path {
        Some(p) => Box::new(std::io::BufWriter::new(
            std::fs::File::create(p).with_context(|| format!("cannot create {}", p.display()))?,
        )),
        None => Box::new(std::io::BufWriter::new(std::io::stdout().lock())),
    };
    let rows = match kind {
        None => openai_chat(&store, run, &mut out)?,
        Some((format, table)) => store::export(&store, run, format, table, &mut out)?,
    };
    out.flush()?;
    if let Some(p) = out_path {
        crate::observe::notice(&format!("{rows} rows written to {}", p.display()));
    }
    Ok(())
}

/// Whether `path` names the database file `db` or its `-wal`/`-shm`
/// companions (through any spelling of the path: both are resolved).
fn is_part_of_database(path: &Path, db: &Path) -> bool {
    let Ok(path) = std::fs::canonicalize(path) else {
        // A file that does not exist yet cannot be the database.
        return false;
    };
    let Ok(db) = std::fs::canonicalize(db) else {
        return false;
    };
    ["", "-wal", "-shm"].iter().any(|suffix| {
        let mut name = db.as_os_str().to_owned();
        name.push(suffix);
        path == Path::new(&name)
    })
}

/// One chat-format example per model decision whose move was the model's
/// own: the prompt as the model saw it, then its reply. Chat prompts stored
/// as JSON messages are kept as they are; a plain-text prompt becomes one
/// user message. Scripted moves, random fallbacks and chance are skipped.
fn openai_chat(store: &Store, run: Option<&str>, out: &mut dyn Write) -> Result<u64> {
    let runs: Vec<String> = match run {
        Some(id) => {
            if store.run(id)?.is_none() {
                bail!("no run {id:?} in {}", store.path().display());
            }
            vec![id.to_string()]
        }
        None => store.runs()?.into_iter().map(|r| r.run_id).collect(),
    };
    let mut count = 0;
    for run_id in &runs {
        for e in store.episodes(run_id)? {
            let players = store.players(&e.episode_id)?;
            for m in store.moves(&e.episode_id)? {
                let (Some(seat), Some(prompt), Some(raw)) = (m.seat, &m.prompt, &m.raw_response)
                else {
                    continue;
                };
                if m.parse_status != "parsed" || prompt.is_empty() {
                    continue;
                }
                let mut messages = match serde_json::from_str::<serde_json::Value>(prompt) {
                    Ok(serde_json::Value::Array(msgs)) => msgs,
                    _ => vec![json!({"role": "user", "content": prompt})],
                };
                messages.push(json!({"role": "assistant", "content": raw}));
                let player = players.iter().find(|p| p.seat == seat);
                let example = json!({
                    "messages": messages,
                    "metadata": {
                        "run_id": run_id,
                        "episode_id": e.episode_id,
                        "game": e.game,
                        "ply": m.ply,
                        "seat": seat,
                        "agent": m.actor,
                        "action": m.action,
                        "outcome": player.and_then(|p| p.outcome.clone()),
                    }
                });
                serde_json::to_writer(&mut *out, &example)?;
                out.write_all(b"\n")?;
                count += 1;
            }
        }
    }
    Ok(count)
}

/// `runner merge --into TARGET SHARD...`: every source is checked (an
/// llm-arena database of this version, not the target) before anything is
/// written, then merged in its own transaction.
pub fn merge(into: &Path, shards: &[std::path::PathBuf]) -> Result<String> {
    for shard in shards {
        Store::open_read_only(shard)
            .with_context(|| format!("cannot merge {}", shard.display()))?;
    }
    let mut target = Store::open(into)?;
    let mut out = String::new();
    for shard in shards {
        let stats = target.merge_from(shard)?;
        out.push_str(&format!(
            "{}: {} episodes copied, {} already there, {} unfinished left out, {} new runs\n",
            shard.display(),
            stats.episodes_copied,
            stats.episodes_already_there,
            stats.episodes_unfinished,
            stats.runs_added
        ));
    }
    out.push_str(&format!("merged into {}\n", into.display()));
    Ok(out)
}
