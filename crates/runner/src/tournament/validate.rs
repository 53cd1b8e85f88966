//! From [`RawTournament`] to [`Tournament`]: defaults, participants parsed
//! and checked, games and their parameters against the registry, the
//! schedule checked to seat every game; and back, to the explicit raw form.

use std::num::NonZeroU32;

use arena_agents::AgentName;
use arena_games::GameInfo;

use super::raw::{GAME_KEYS, RawTournament, RawTournamentGame, ScheduleKind};
use super::schedule::{eligible, table_count};
use super::{Participant, Schedule, Tournament, TournamentGame};
use crate::config::{
    ConfigError, DEFAULT_CONCURRENCY, DEFAULT_NUM_EPISODES, DEFAULT_SEED, MAX_CONCURRENCY,
    MAX_NUM_EPISODES, bounded, find_game, game_params, illegal_move_policy, llm_backend, log,
    raw_illegal_move_policy, raw_llm_backend, raw_log, raw_params, suggest,
};

/// The most tables one game may make: C(participants, seats) grows fast at
/// N-seat games, and a table count beyond this is surely not meant.
pub(crate) const MAX_TABLES: u64 = 100_000;

pub(crate) fn validate(raw: &RawTournament) -> Result<Tournament, ConfigError> {
    if let Some(name) = &raw.name
        && name.trim().is_empty()
    {
        return Err(ConfigError::invalid(
            "name",
            "is empty; give the tournament a name or leave the key out",
        ));
    }
    let participants = participants(raw.participants.as_deref())?;
    let games = games(raw.games.as_deref())?;
    let schedule = schedule(raw.schedule, raw.anchors.as_deref(), &participants)?;
    let concurrency = bounded(
        "concurrency",
        raw.concurrency,
        DEFAULT_CONCURRENCY,
        MAX_CONCURRENCY,
    )?;
    if raw
        .llm_backend
        .as_ref()
        .is_some_and(|l| l.default_model.is_some())
    {
        return Err(ConfigError::invalid(
            "llm_backend.default_model",
            "has no use in a tournament: every participant names its model; remove the key",
        ));
    }
    let tournament = Tournament {
        name: raw.name.clone(),
        seed: raw.seed.unwrap_or(DEFAULT_SEED),
        participants,
        games,
        schedule,
        duplicate: raw.duplicate.unwrap_or(true),
        concurrency,
        llm_backend: llm_backend(raw.llm_backend.as_ref())?,
        illegal_move_policy: illegal_move_policy(raw.illegal_move_policy.as_ref())?,
        log: log(raw.log.as_ref())?,
    };
    seatable(&tournament)?;
    Ok(tournament)
}

fn participants(raw: Option<&[String]>) -> Result<Vec<Participant>, ConfigError> {
    let raw = raw.unwrap_or_default();
    let mut out: Vec<Participant> = Vec::with_capacity(raw.len());
    for (i, name) in raw.iter().enumerate() {
        let path = format!("participants.{i}");
        let name = name.trim();
        let agent = AgentName::parse(name).map_err(|e| {
            let baselines: Vec<String> = arena_games::registry()
                .iter()
                .map(|g| format!("baseline_{}", g.name))
                .filter(|b| arena_agents::BaselineAgent::from_name(b).is_some())
                .collect();
            let known = ["random", DEFAULT_MODEL_HINT]
                .into_iter()
                .chain(baselines.iter().map(String::as_str));
            let did_you_mean = suggest(name, known)
                .map(|s| format!("; did you mean `{s}`?"))
                .unwrap_or_default();
            ConfigError::invalid(&path, format!("{e}{did_you_mean}"))
        })?;
        if agent == AgentName::Human {
            return Err(ConfigError::invalid(
                path,
                "`human` cannot take part in a tournament, which plays unattended; \
                 play a person against an agent with `runner --config` and mode `human_vs_llm`",
            ));
        }
        if let Some(j) = out.iter().position(|p| p.name == name) {
            return Err(ConfigError::invalid(
                path,
                format!(
                    "`{name}` is listed twice (participants.{j} and participants.{i}); \
                     each participant plays every seat already — remove one"
                ),
            ));
        }
        out.push(Participant {
            name: name.to_string(),
            agent,
        });
    }
    if out.len() < 2 {
        return Err(ConfigError::invalid(
            "participants",
            format!(
                "lists {}; a tournament needs at least two, e.g. \
                 `participants: [llamacpp_gemma3-270m, random]`",
                match out.len() {
                    0 => "no participant".to_string(),
                    _ => format!("only `{}`", out[0].name),
                }
            ),
        ));
    }
    Ok(out)
}

/// The embedded model, offered as a suggestion for misspelt names.
const DEFAULT_MODEL_HINT: &str = crate::config::DEFAULT_MODEL;

fn games(raw: Option<&[RawTournamentGame]>) -> Result<Vec<TournamentGame>, ConfigError> {
    let raw = match raw {
        Some(list) if !list.is_empty() => list,
        _ => {
            return Err(ConfigError::invalid(
                "games",
                "lists no game; add at least one, e.g. \
                 `games: [{game_name: connect_four, episodes: 4}]`",
            ));
        }
    };
    raw.iter()
        .enumerate()
        .map(|(i, g)| game(&format!("games.{i}"), g))
        .collect()
}

fn game(path: &str, raw: &RawTournamentGame) -> Result<TournamentGame, ConfigError> {
    let Some(name) = raw.game_name.as_deref().map(str::trim) else {
        return Err(ConfigError::invalid(
            path,
            "gives no `game_name`; name the game, e.g. `{game_name: connect_four, episodes: 4}` \
             (`runner games` lists them)",
        ));
    };
    let info: &GameInfo = find_game(&format!("{path}.game_name"), name)?;
    if let Some((key, _)) = raw.params.iter().find(|(k, _)| k == "agents") {
        return Err(ConfigError::invalid(
            format!("{path}.{key}"),
            "a tournament seats its participants by the schedule; remove `agents` \
             (to seat agents yourself, use a run config and `runner --config`)",
        ));
    }
    let given = game_params(path, info, &raw.params, GAME_KEYS)?;
    let built = arena_games::build(info.name, &given)
        .map_err(|e| ConfigError::invalid(path, e.to_string()))?;
    let episodes = bounded(
        &format!("{path}.episodes"),
        raw.episodes,
        DEFAULT_NUM_EPISODES,
        MAX_NUM_EPISODES,
    )?;
    let max_game_rounds = match raw.max_game_rounds {
        None => None,
        Some(v) => Some(
            u32::try_from(v)
                .ok()
                .and_then(NonZeroU32::new)
                .ok_or_else(|| {
                    ConfigError::invalid(
                        format!("{path}.max_game_rounds"),
                        format!("is {v}, but must be a positive integer, or null for no cap"),
                    )
                })?,
        ),
    };
    Ok(TournamentGame {
        game: info.name.to_string(),
        params: built.params().values().clone(),
        episodes,
        max_game_rounds,
        seats: built.n_seats(),
    })
}

fn schedule(
    kind: Option<ScheduleKind>,
    anchors: Option<&[String]>,
    participants: &[Participant],
) -> Result<Schedule, ConfigError> {
    match (kind.unwrap_or(ScheduleKind::RoundRobin), anchors) {
        (ScheduleKind::RoundRobin, None) => Ok(Schedule::RoundRobin),
        (ScheduleKind::RoundRobin, Some(_)) => Err(ConfigError::invalid(
            "anchors",
            "applies to `schedule: gauntlet` only; set the schedule to gauntlet or remove `anchors`",
        )),
        (ScheduleKind::Gauntlet, None | Some([])) => Err(ConfigError::invalid(
            "anchors",
            "is missing: `schedule: gauntlet` plays every other participant against the anchors; \
             list them, e.g. `anchors: [random]`",
        )),
        (ScheduleKind::Gauntlet, Some(names)) => {
            let mut indices = Vec::with_capacity(names.len());
            for (i, name) in names.iter().enumerate() {
                let path = format!("anchors.{i}");
                let name = name.trim();
                let Some(index) = participants.iter().position(|p| p.name == name) else {
                    let did_you_mean = suggest(name, participants.iter().map(|p| p.name.as_str()))
                        .map(|s| format!("did you mean `{s}`? "))
                        .unwrap_or_default();
                    return Err(ConfigError::invalid(
                        path,
                        format!(
                            "`{name}` is not a participant; {did_you_mean}anchors are chosen \
                             among the participants: {}",
                            participants
                                .iter()
                                .map(|p| p.name.as_str())
                                .collect::<Vec<_>>()
                                .join(", ")
                        ),
                    ));
                };
                if indices.contains(&index) {
                    return Err(ConfigError::invalid(
                        path,
                        format!("`{name}` is listed twice; remove one"),
                    ));
                }
                indices.push(index);
            }
            if indices.len() == participants.len() {
                return Err(ConfigError::invalid(
                    "anchors",
                    "lists every participant, so nobody is left to challenge them; \
                     keep at least one participant out of `anchors`",
                ));
            }
            indices.sort_unstable();
            Ok(Schedule::Gauntlet { anchors: indices })
        }
    }
}

/// Every game can be seated by the schedule, every participant plays at
/// least one game, and no game makes an absurd number of tables.
fn seatable(t: &Tournament) -> Result<(), ConfigError> {
    let anchors: &[usize] = match &t.schedule {
        Schedule::RoundRobin => &[],
        Schedule::Gauntlet { anchors } => anchors,
    };
    for (g, game) in t.games.iter().enumerate() {
        let path = format!("games.{g}");
        let players = eligible(t, g);
        let names = |list: &[usize]| {
            list.iter()
                .map(|&i| format!("`{}`", t.participants[i].name))
                .collect::<Vec<_>>()
                .join(", ")
        };
        let seats_hint = if game.params.contains_key("players") {
            format!(", or lower {}'s `players`", game.game)
        } else {
            String::new()
        };
        let n = game.seats;
        let playing_anchors: Vec<usize> = players
            .iter()
            .copied()
            .filter(|p| anchors.contains(p))
            .collect();
        let tables = table_count(&t.schedule, players.len(), playing_anchors.len(), n);
        if tables == 0 {
            let message = match &t.schedule {
                Schedule::RoundRobin => format!(
                    "{} seats {n}, but only {} of the participants can play it ({}); \
                     add participants{seats_hint}",
                    game.game,
                    players.len(),
                    names(&players)
                ),
                Schedule::Gauntlet { .. } if playing_anchors.len() < n - 1 => format!(
                    "{} seats {n}, so each gauntlet table needs {} anchor(s) who play it, \
                     but {} do ({}); add anchors{seats_hint}",
                    game.game,
                    n - 1,
                    playing_anchors.len(),
                    names(&playing_anchors)
                ),
                Schedule::Gauntlet { .. } => format!(
                    "no challenger (a participant outside `anchors`) can play {}; \
                     add one, or remove the game",
                    game.game
                ),
            };
            return Err(ConfigError::invalid(path, message));
        }
        let episodes = tables.saturating_mul(u64::from(game.episodes.get()));
        if tables > MAX_TABLES || episodes.saturating_mul(n as u64) > MAX_NUM_EPISODES as u64 {
            return Err(ConfigError::invalid(
                path,
                format!(
                    "makes {tables} tables of {n} ({} episodes); at most {MAX_TABLES} tables and \
                     {MAX_NUM_EPISODES} episodes per game — use fewer participants or \
                     `schedule: gauntlet`",
                    episodes.saturating_mul(n as u64)
                ),
            ));
        }
    }
    for (i, p) in t.participants.iter().enumerate() {
        if !t.games.iter().any(|g| p.plays(&g.game)) {
            let only = p.name.strip_prefix("baseline_").unwrap_or(&p.name);
            return Err(ConfigError::invalid(
                format!("participants.{i}"),
                format!(
                    "`{}` plays only {only}, which is not among the games; \
                     remove it or add {only} to `games`",
                    p.name
                ),
            ));
        }
    }
    Ok(())
}

/// The explicit raw form of a validated tournament.
pub(crate) fn to_raw(t: &Tournament) -> RawTournament {
    let mut llm = raw_llm_backend(&t.llm_backend);
    llm.default_model = None;
    let (schedule, anchors) = match &t.schedule {
        Schedule::RoundRobin => (ScheduleKind::RoundRobin, None),
        Schedule::Gauntlet { anchors } => (
            ScheduleKind::Gauntlet,
            Some(
                anchors
                    .iter()
                    .map(|&i| t.participants[i].name.clone())
                    .collect(),
            ),
        ),
    };
    RawTournament {
        name: t.name.clone(),
        seed: Some(t.seed),
        participants: Some(t.participants.iter().map(|p| p.name.clone()).collect()),
        games: Some(
            t.games
                .iter()
                .map(|g| RawTournamentGame {
                    game_name: Some(g.game.clone()),
                    episodes: Some(i64::from(g.episodes.get())),
                    max_game_rounds: g.max_game_rounds.map(|r| i64::from(r.get())),
                    params: raw_params(&g.game, &g.params),
                })
                .collect(),
        ),
        schedule: Some(schedule),
        anchors,
        duplicate: Some(t.duplicate),
        concurrency: Some(i64::from(t.concurrency.get())),
        llm_backend: Some(llm),
        illegal_move_policy: Some(raw_illegal_move_policy(t.illegal_move_policy)),
        log: Some(raw_log(&t.log)),
    }
}
