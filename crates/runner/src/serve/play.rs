//! `/play`: a person plays a game in the browser against an agent that
//! needs no key (`random`, the game's baseline, a llama.cpp model already on
//! disk).
//!
//! The episode is played by the runner's own driver ([`run::execute`] with
//! a plan of one episode, from a configuration validated like any other)
//! and recorded in the database as a new run, so it shows in the
//! leaderboards and replays like any episode. The person's seat is the
//! terminal player, [`HumanAgent`], on a reader and a writer of this
//! module: what it writes (the observation, the legal moves, why a move was
//! refused) is the page's transcript, and each move posted from the page is
//! one line it reads, checks against the game, and either plays or answers
//! with the game's error and reads again.
//!
//! The pages need no script: while the other seats move, the page reloads
//! itself. Playing writes to the database, so it is only offered on a
//! loopback address, and a form posted from another site is refused.

use std::collections::HashMap;
use std::io::{self, BufRead, Read, Write};
use std::path::PathBuf;
use std::sync::mpsc::{self, RecvTimeoutError};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::{Context, Result, anyhow, bail};
use arena_agents::{
    Agent, AgentError, BaselineAgent, DecisionRequest, DecisionResponse, HumanAgent,
    default_cache_dir,
};
use arena_report::{PlayChoices, PlayOption, PlayView};
use async_trait::async_trait;
use tokio_util::sync::CancellationToken;

use crate::config;
use crate::episode::{self, EpisodeSpec, PlaySettings, SeatAgent};
use crate::factory::{AgentFactory, FactoryOptions};
use crate::record::Recorder;
use crate::run::{self, PlannedEpisode, RunOptions, RunPlan};
use crate::store::{Store, Writer};

/// Games in play at once, at most.
const MAX_GAMES: usize = 8;

/// A game whose person has not moved for this long is stopped.
const IDLE: Duration = Duration::from_secs(30 * 60);

/// How long a posted move waits for the other seats before the page is
/// shown (it then reloads itself until they have moved).
const WAIT: Duration = Duration::from_secs(20);

/// The most legal moves shown as buttons.
const MAX_BUTTONS: usize = 40;

/// The games people play through this server.
#[derive(Debug)]
pub(crate) struct Play {
    db: PathBuf,
    /// Agents built once for every game (a model is loaded once).
    factory: Mutex<AgentFactory>,
    games: Mutex<HashMap<String, Arc<Game>>>,
    tasks: Mutex<Vec<tokio::task::JoinHandle<()>>>,
    /// Stops every game when the server stops.
    stop: CancellationToken,
}

/// One game in play (or over).
#[derive(Debug)]
struct Game {
    id: String,
    game: String,
    seat: usize,
    opponent: String,
    episode_id: String,
    cancel: CancellationToken,
    seat_state: Arc<SeatShared>,
}

/// What the person's seat and the pages share.
#[derive(Debug)]
struct SeatShared {
    state: Mutex<SeatState>,
    /// Bumped on every change of phase, for a posted move to wait on.
    changed: tokio::sync::watch::Sender<u64>,
}

#[derive(Debug)]
struct SeatState {
    phase: Phase,
    /// What the terminal player would have seen for the decision at hand.
    transcript: Vec<u8>,
    legal: Vec<String>,
    /// Lines to the seat's reader; `None` once the game is over.
    input: Option<mpsc::Sender<String>>,
    result: Option<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Phase {
    YourTurn,
    Thinking,
    Over,
}

impl Phase {
    fn as_str(self) -> &'static str {
        match self {
            Phase::YourTurn => "your_turn",
            Phase::Thinking => "thinking",
            Phase::Over => "over",
        }
    }
}

impl SeatShared {
    fn lock(&self) -> std::sync::MutexGuard<'_, SeatState> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Moves to `phase`; a game that is over stays over (a seat's reader
    /// thread may still be finishing a line when the game is stopped).
    fn set_phase(&self, phase: Phase) {
        {
            let mut state = self.lock();
            if state.phase == Phase::Over {
                return;
            }
            state.phase = phase;
        }
        self.changed.send_modify(|v| *v += 1);
    }
}

/// The form's fields.
#[derive(Debug, serde::Deserialize)]
pub(crate) struct StartForm {
    game: String,
    opponent: String,
    seat: String,
}

impl Play {
    pub(crate) fn new(db: PathBuf, runtime: tokio::runtime::Handle) -> Play {
        let options = FactoryOptions {
            quiet: true,
            ..FactoryOptions::default()
        };
        Play {
            db,
            factory: Mutex::new(AgentFactory::new(options, runtime)),
            games: Mutex::new(HashMap::new()),
            tasks: Mutex::new(Vec::new()),
            stop: CancellationToken::new(),
        }
    }

    /// The games and opponents the form offers.
    pub(crate) fn choices(&self, error: Option<String>) -> PlayChoices {
        let games = arena_games::registry()
            .iter()
            .map(|g| PlayOption {
                name: g.name.to_string(),
                description: g.description.to_string(),
            })
            .collect();
        let mut opponents = vec![
            PlayOption {
                name: "random".into(),
                description: "a seeded uniformly random legal move".into(),
            },
            PlayOption {
                name: "baseline".into(),
                description: format!(
                    "the game's scripted player ({})",
                    arena_games::registry()
                        .iter()
                        .filter(
                            |g| BaselineAgent::from_name(&format!("baseline_{}", g.name)).is_some()
                        )
                        .map(|g| g.name)
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            },
        ];
        opponents.extend(
            present_models()
                .into_iter()
                .map(|(name, description)| PlayOption {
                    name: format!("llamacpp_{name}"),
                    description,
                }),
        );
        PlayChoices {
            games,
            opponents,
            error,
        }
    }

    /// Starts a game; an `Err` is a message for the person (a refused
    /// choice), a failure of the server is the outer `Err`.
    pub(crate) fn start(
        self: &Arc<Self>,
        form: &StartForm,
        runtime: &tokio::runtime::Handle,
    ) -> Result<std::result::Result<String, String>> {
        let in_play = self
            .lock_games()
            .values()
            .filter(|g| g.seat_state.lock().phase != Phase::Over)
            .count();
        if in_play >= MAX_GAMES {
            return Ok(Err(format!(
                "{in_play} games are in play already; finish or stop one first"
            )));
        }
        let Some(info) = arena_games::registry().iter().find(|g| g.name == form.game) else {
            return Ok(Err(format!("there is no game {:?}", form.game)));
        };
        let opponent = match form.opponent.as_str() {
            "random" => "random".to_string(),
            "baseline" => {
                let name = format!("baseline_{}", info.name);
                if BaselineAgent::from_name(&name).is_none() {
                    return Ok(Err(format!(
                        "{} has no scripted player; choose another opponent",
                        info.name
                    )));
                }
                name
            }
            other => {
                let offered = present_models()
                    .into_iter()
                    .any(|(name, _)| format!("llamacpp_{name}") == other);
                if !offered {
                    return Ok(Err(format!(
                        "{other:?} is not offered: play random, the baseline, or a \
                         llama.cpp model already on disk (`runner models pull`)"
                    )));
                }
                other.to_string()
            }
        };
        let Ok(seat) = form.seat.parse::<usize>() else {
            return Ok(Err(format!("seat {:?} is not a number", form.seat)));
        };

        // The run's configuration, validated as any run's: the person's
        // seat is `human`, every other seat the opponent.
        let game = arena_games::build(info.name, &Default::default())
            .map_err(|e| anyhow!("{} cannot be built with its defaults: {e}", info.name))?;
        let seats = game.n_seats();
        if seat >= seats {
            return Ok(Err(format!(
                "{} has seats 0 to {}; there is no seat {seat}",
                info.name,
                seats - 1
            )));
        }
        let agents: Vec<String> = (0..seats)
            .map(|s| {
                let name = if s == seat { "human" } else { &opponent };
                format!("      player_{s}: {name}\n")
            })
            .collect();
        let yaml = format!(
            "# A game played in the browser (`runner serve`, /play).\n\
             mode: custom\n\
             env_configs:\n  - game_name: {}\n    agents:\n{}\
             num_episodes: 1\nseed: {}\nconcurrency: 1\n",
            info.name,
            agents.concat(),
            rand::random::<u32>()
        );
        let cfg = config::load_str(&yaml, &PathBuf::from("the /play form"), &[])
            .context("the game's configuration does not load")?;
        let env = &cfg.envs[0];
        let Some(planned) = cfg.episodes().into_iter().next() else {
            bail!("the game's configuration plans no episode");
        };

        let built = {
            let mut factory = self.factory.lock().unwrap_or_else(|e| e.into_inner());
            factory.get(&opponent)?
        };
        let id = format!("{:016x}", rand::random::<u64>());
        let run_id = new_run_id();
        let episode_id = episode::episode_id(&run_id, 0, 0);
        let (input, lines) = mpsc::channel();
        let (changed, _) = tokio::sync::watch::channel(0);
        let seat_state = Arc::new(SeatShared {
            state: Mutex::new(SeatState {
                phase: Phase::Thinking,
                transcript: Vec::new(),
                legal: Vec::new(),
                input: Some(input),
                result: None,
            }),
            changed,
        });
        let cancel = self.stop.child_token();
        let person = BrowserSeat {
            inner: HumanAgent::new(
                "human",
                Box::new(LineInput {
                    lines,
                    buffer: Vec::new(),
                    read: 0,
                    seat: seat_state.clone(),
                    cancel: cancel.clone(),
                }),
                Box::new(Transcript(seat_state.clone())),
            ),
            seat: seat_state.clone(),
        };
        let person: Arc<dyn Agent> = Arc::new(person);
        let seat_agents: Vec<SeatAgent> = env
            .seats
            .iter()
            .enumerate()
            .map(|(s, configured)| SeatAgent {
                name: configured.name.clone(),
                model: if s == seat { None } else { built.model.clone() },
                agent: if s == seat {
                    person.clone()
                } else {
                    built.agent.clone()
                },
            })
            .collect();
        let plan = RunPlan {
            run_id: run_id.clone(),
            seed: cfg.seed,
            config_yaml: cfg.to_yaml()?,
            episodes: vec![PlannedEpisode {
                spec: EpisodeSpec {
                    run_id: run_id.clone(),
                    episode_id: episode_id.clone(),
                    game: env.build_game()?,
                    env_index: 0,
                    episode_index: planned.episode_index,
                    seed: planned.seed,
                    max_moves: env.max_game_rounds.map(|n| n.get()),
                },
                seats: Arc::new(seat_agents),
            }],
            settings: PlaySettings {
                sampling: arena_agents::Sampling {
                    temperature: cfg.llm_backend.temperature as f32,
                    max_tokens: cfg.llm_backend.max_tokens.get(),
                    seed: 0,
                },
                policy: cfg.illegal_move_policy,
            },
            concurrency: 1,
        };
        // Opened for writing only now that everything is checked.
        let store = Store::open(&self.db)?;
        let (writer, joiner) = Writer::spawn(store)?;

        let game = Arc::new(Game {
            id: id.clone(),
            game: info.name.to_string(),
            seat,
            opponent,
            episode_id: episode_id.clone(),
            cancel: cancel.clone(),
            seat_state: seat_state.clone(),
        });
        self.lock_games().insert(id.clone(), game);
        let db = self.db.clone();
        let task = runtime.spawn(async move {
            let recorder: Arc<dyn Recorder> = Arc::new(writer.clone());
            let played = run::execute(plan, recorder, &RunOptions::default(), cancel).await;
            let closed = tokio::task::spawn_blocking(move || -> Result<()> {
                let closed = writer.close();
                // The thread ends once every handle is gone: when the writer
                // failed, `close` sent nothing, and joining with a handle
                // still alive would wait for ever.
                drop(writer);
                let joined = joiner
                    .join()
                    .map_err(|_| anyhow!("the database writer panicked"))?;
                closed?;
                joined?;
                Ok(())
            })
            .await
            .map_err(|e| anyhow!("{e}"))
            .and_then(|r| r);
            let ended = played.and(closed).and_then(|_| {
                describe_end(&db, &episode_id, seat).context("the game ended, but its record")
            });
            let mut state = seat_state.lock();
            match ended {
                Ok((result, last)) => {
                    state.result = Some(result);
                    state.transcript = last.into_bytes();
                    state.legal.clear();
                }
                Err(e) => state.result = Some(format!("The game failed: {e:#}")),
            }
            // The seat's reader sees the end of its input and lets go.
            state.input = None;
            drop(state);
            seat_state.set_phase(Phase::Over);
        });
        let mut tasks = self.tasks.lock().unwrap_or_else(|e| e.into_inner());
        tasks.retain(|t| !t.is_finished());
        tasks.push(task);
        Ok(Ok(id))
    }

    /// The page of a game, if it is there.
    pub(crate) fn view(&self, id: &str) -> Option<PlayView> {
        let game = self.lock_games().get(id)?.clone();
        let state = game.seat_state.lock();
        Some(PlayView {
            id: game.id.clone(),
            game: game.game.clone(),
            seat: game.seat as u32,
            opponent: game.opponent.clone(),
            episode_id: game.episode_id.clone(),
            phase: state.phase.as_str().to_string(),
            transcript: String::from_utf8_lossy(&state.transcript).into_owned(),
            legal: state.legal.clone(),
            result: state.result.clone(),
        })
    }

    /// Hands a move to the person's seat, when it is waiting for one, and
    /// waits (a while) until the seat waits again or the game is over.
    /// `false` when there is no such game.
    pub(crate) async fn play_move(&self, id: &str, text: &str) -> bool {
        let Some(game) = self.lock_games().get(id).cloned() else {
            return false;
        };
        let seat = &game.seat_state;
        let mut changes = seat.changed.subscribe();
        {
            let mut state = seat.lock();
            // A move posted twice, or while the others move, is dropped: it
            // must not become the answer to a later question.
            if state.phase != Phase::YourTurn {
                return true;
            }
            let Some(input) = &state.input else {
                return true;
            };
            // One post is one line.
            let line = text.replace(['\r', '\n'], " ");
            if input.send(line).is_err() {
                return true;
            }
            state.phase = Phase::Thinking;
        }
        seat.changed.send_modify(|v| *v += 1);
        settle(seat, &mut changes).await;
        true
    }

    /// Waits (a while) until a new game first needs the person or is over,
    /// so the first page shows the question rather than "moving".
    pub(crate) async fn settle(&self, id: &str) {
        let Some(game) = self.lock_games().get(id).cloned() else {
            return;
        };
        let mut changes = game.seat_state.changed.subscribe();
        if game.seat_state.lock().phase == Phase::Thinking {
            settle(&game.seat_state, &mut changes).await;
        }
    }

    /// Stops a game (it is recorded `interrupted`); `false` when there is
    /// no such game.
    pub(crate) async fn stop_game(&self, id: &str) -> bool {
        let Some(game) = self.lock_games().get(id).cloned() else {
            return false;
        };
        let mut changes = game.seat_state.changed.subscribe();
        game.cancel.cancel();
        let _ = tokio::time::timeout(WAIT, async {
            while game.seat_state.lock().phase != Phase::Over {
                if changes.changed().await.is_err() {
                    break;
                }
            }
        })
        .await;
        true
    }

    /// Stops every game and waits until each is recorded.
    pub(crate) async fn shut_down(&self) {
        self.stop.cancel();
        // Ending every seat's input lets go of the threads waiting on it.
        for game in self.lock_games().values() {
            game.seat_state.lock().input = None;
        }
        let tasks: Vec<_> = self
            .tasks
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .drain(..)
            .collect();
        for task in tasks {
            let _ = task.await;
        }
    }

    fn lock_games(&self) -> std::sync::MutexGuard<'_, HashMap<String, Arc<Game>>> {
        self.games.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// Waits until the seat leaves [`Phase::Thinking`], for [`WAIT`] at most.
async fn settle(seat: &SeatShared, changes: &mut tokio::sync::watch::Receiver<u64>) {
    let _ = tokio::time::timeout(WAIT, async {
        while changes.changed().await.is_ok() {
            if seat.lock().phase != Phase::Thinking {
                break;
            }
        }
    })
    .await;
}

/// How the episode ended, from the person's side, and the final state as
/// their seat sees it, read back from the record.
fn describe_end(db: &std::path::Path, episode_id: &str, seat: usize) -> Result<(String, String)> {
    let store = Store::open_read_only(db)?;
    let Some(episode) = store.episode(episode_id)? else {
        bail!("episode {episode_id} is not in the database");
    };
    let players = store.players(episode_id)?;
    let moves = store.moves(episode_id)?;
    let (initial, steps) = crate::replay::replay(&episode.game, &episode.game_params, &moves)
        .with_context(|| format!("episode {episode_id} does not replay"))?;
    let last = steps.last().map_or(&initial, |s| &s.state);
    let me = players.iter().find(|p| p.seat as usize == seat);
    let reason = episode
        .reason
        .map(|r| format!(" ({r})"))
        .unwrap_or_default();
    let mut result = match me.and_then(|p| p.outcome.as_deref()) {
        Some("win") => format!("You won{reason}."),
        Some("loss") => format!("You lost{reason}."),
        Some("draw") => format!("A draw{reason}."),
        _ => format!("The game ended {}{reason}.", episode.status.as_str()),
    };
    if let Some(score) = me.and_then(|p| p.score) {
        result.push_str(&format!(" Your score: {score}."));
    }
    Ok((result, last.observation_text(seat)))
}

/// The catalogued llama.cpp models whose file is on disk, as (name,
/// description): nothing is fetched for a game in the browser.
fn present_models() -> Vec<(String, String)> {
    let Ok((catalog, _)) = crate::catalog::llamacpp() else {
        return Vec::new();
    };
    let cache = default_cache_dir();
    catalog
        .models
        .iter()
        .filter(|(_, m)| m.file_path(&cache).is_some_and(|p| p.is_file()))
        .map(|(name, m)| (name.clone(), m.description.clone()))
        .collect()
}

/// A fresh run id, in the form `runner --config` gives its runs (UTC time
/// to the second and four random hex digits), so they sort together.
fn new_run_id() -> String {
    let stamp = crate::record::now_rfc3339();
    let compact: String = stamp[..19]
        .chars()
        .filter(|c| c.is_ascii_digit() || *c == 'T')
        .collect();
    format!("{compact}-{:04x}", rand::random::<u16>())
}

/// The person's seat: the terminal player, with the decision's legal moves
/// kept for the page's buttons and a fresh transcript per decision.
#[derive(Debug)]
struct BrowserSeat {
    inner: HumanAgent,
    seat: Arc<SeatShared>,
}

#[async_trait]
impl Agent for BrowserSeat {
    fn name(&self) -> &str {
        self.inner.name()
    }

    async fn decide(&self, request: &DecisionRequest) -> Result<DecisionResponse, AgentError> {
        {
            let mut state = self.seat.lock();
            state.transcript.clear();
            state.legal = if request.legal_actions.len() <= MAX_BUTTONS {
                request.legal_actions.clone()
            } else {
                Vec::new()
            };
        }
        self.inner.decide(request).await
    }
}

/// The seat's input: one line per posted move. Before it waits for a line
/// it tells the page that a move is awaited.
struct LineInput {
    lines: mpsc::Receiver<String>,
    buffer: Vec<u8>,
    read: usize,
    seat: Arc<SeatShared>,
    cancel: CancellationToken,
}

impl Read for LineInput {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        let available = self.fill_buf()?;
        let n = available.len().min(out.len());
        out[..n].copy_from_slice(&available[..n]);
        self.consume(n);
        Ok(n)
    }
}

impl BufRead for LineInput {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        if self.read >= self.buffer.len() {
            self.buffer.clear();
            self.read = 0;
            self.seat.set_phase(Phase::YourTurn);
            match self.lines.recv_timeout(IDLE) {
                Ok(line) => {
                    self.buffer.extend_from_slice(line.as_bytes());
                    self.buffer.push(b'\n');
                    // Echoed, as a terminal would.
                    self.seat.lock().transcript.extend_from_slice(&self.buffer);
                }
                // Nobody came back: the game stops (`interrupted`), and the
                // empty buffer is the end of the input.
                Err(RecvTimeoutError::Timeout) => self.cancel.cancel(),
                Err(RecvTimeoutError::Disconnected) => {}
            }
        }
        Ok(&self.buffer[self.read..])
    }

    fn consume(&mut self, n: usize) {
        self.read = (self.read + n).min(self.buffer.len());
    }
}

/// The seat's output: the transcript the page shows.
struct Transcript(Arc<SeatShared>);

impl Write for Transcript {
    fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        self.0.lock().transcript.extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seat() -> Arc<SeatShared> {
        let (changed, _) = tokio::sync::watch::channel(0);
        Arc::new(SeatShared {
            state: Mutex::new(SeatState {
                phase: Phase::Thinking,
                transcript: Vec::new(),
                legal: Vec::new(),
                input: None,
                result: None,
            }),
            changed,
        })
    }

    #[test]
    fn each_post_is_one_line_echoed_and_a_closed_input_is_its_end() {
        let shared = seat();
        let (tx, lines) = mpsc::channel();
        let mut input = LineInput {
            lines,
            buffer: Vec::new(),
            read: 0,
            seat: shared.clone(),
            cancel: CancellationToken::new(),
        };
        let mut changes = shared.changed.subscribe();
        let reader = std::thread::spawn(move || {
            let mut got = Vec::new();
            loop {
                let mut line = String::new();
                if input.read_line(&mut line).unwrap() == 0 {
                    return got;
                }
                got.push(line);
            }
        });
        // The reader says a move is awaited before it waits for one.
        while !changes.has_changed().unwrap() {
            std::thread::yield_now();
        }
        changes.mark_unchanged();
        assert_eq!(shared.lock().phase, Phase::YourTurn);
        tx.send("4".to_string()).unwrap();
        tx.send("raise to 8".to_string()).unwrap();
        drop(tx);
        assert_eq!(reader.join().unwrap(), ["4\n", "raise to 8\n"]);
        assert_eq!(shared.lock().transcript, b"4\nraise to 8\n");
    }

    #[test]
    fn a_game_that_is_over_stays_over() {
        let shared = seat();
        shared.set_phase(Phase::Over);
        shared.set_phase(Phase::YourTurn);
        assert_eq!(shared.lock().phase, Phase::Over);
    }
}
