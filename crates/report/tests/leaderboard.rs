//! Leaderboards from hand-made datasets whose answers are known: counts,
//! deals, self-play, forfeits, head to head, poker big blinds per 100
//! hands, and the text formats.

use arena_report::{
    Dataset, EpisodeResult, Format, LeaderboardError, Options, PlayerResult, SeatStats,
    leaderboards,
};

fn player(seat: u32, agent: &str, score: i64) -> PlayerResult {
    let outcome = match score.signum() {
        1 => "win",
        -1 => "loss",
        _ => "draw",
    };
    PlayerResult {
        seat,
        agent: agent.to_string(),
        model: None,
        score: Some(score),
        outcome: Some(outcome.to_string()),
        stats: SeatStats::default(),
    }
}

fn episode(id: &str, game: &str, seed: u64, players: Vec<PlayerResult>) -> EpisodeResult {
    EpisodeResult {
        id: id.to_string(),
        run_id: "run".to_string(),
        game: game.to_string(),
        params: if game == "poker" {
            serde_json::json!({"big_blind": 2, "hands": 10})
        } else {
            serde_json::json!({})
        },
        seed,
        status: "completed".to_string(),
        reason: None,
        players,
        hands_played: (game == "poker").then_some(10),
    }
}

fn data(episodes: Vec<EpisodeResult>) -> Dataset {
    Dataset {
        title: "test".into(),
        source: "memory".into(),
        episodes,
    }
}

#[test]
fn counts_deals_and_head_to_head() {
    // a beats b in both seats of deal 1, they split deal 2, and c draws a.
    let d = data(vec![
        episode(
            "run/0/0",
            "tic_tac_toe",
            1,
            vec![player(0, "a", 1), player(1, "b", -1)],
        ),
        episode(
            "run/0/1",
            "tic_tac_toe",
            1,
            vec![player(0, "b", -1), player(1, "a", 1)],
        ),
        episode(
            "run/0/2",
            "tic_tac_toe",
            2,
            vec![player(0, "a", 1), player(1, "b", -1)],
        ),
        episode(
            "run/0/3",
            "tic_tac_toe",
            2,
            vec![player(0, "b", 1), player(1, "a", -1)],
        ),
        episode(
            "run/0/4",
            "tic_tac_toe",
            3,
            vec![player(0, "c", 0), player(1, "a", 0)],
        ),
    ]);
    let boards = leaderboards(&d, &Options::default()).unwrap();
    assert_eq!(boards.len(), 1, "one game: no per-game boards");
    let b = &boards[0];
    assert_eq!((b.rated_episodes, b.deals, b.excluded_episodes), (5, 3, 0));
    let a = b.rows.iter().find(|r| r.participant == "a").unwrap();
    assert_eq!((a.episodes, a.wins, a.draws, a.losses), (5, 3, 1, 1));
    assert!((a.score - 0.7).abs() < 1e-12);
    assert!(a.score_interval.lo < 0.7 && 0.7 < a.score_interval.hi);
    assert_eq!(b.rows[0].participant, "a", "a leads");
    let ia = b.rows.iter().position(|r| r.participant == "a").unwrap();
    let ib = b.rows.iter().position(|r| r.participant == "b").unwrap();
    let h = b.head_to_head[ia][ib].unwrap();
    assert_eq!((h.wins, h.draws, h.losses), (3, 0, 1));
    let back = b.head_to_head[ib][ia].unwrap();
    assert_eq!((back.wins, back.losses), (1, 3));
    assert!(b.head_to_head[ia][ia].is_none());
    for r in &b.rows {
        assert!(
            r.bradley_terry.lo <= r.bradley_terry.rating
                && r.bradley_terry.rating <= r.bradley_terry.hi
        );
    }
}

#[test]
fn self_play_and_unfinished_episodes_are_not_rated() {
    let mut interrupted = episode(
        "run/0/2",
        "tic_tac_toe",
        3,
        vec![player(0, "a", 0), player(1, "b", 0)],
    );
    interrupted.status = "interrupted".into();
    let mut mirror = episode(
        "run/0/1",
        "tic_tac_toe",
        2,
        vec![player(0, "a", 1), player(1, "a", -1)],
    );
    mirror.players[0].stats.decisions = 4;
    let d = data(vec![
        episode(
            "run/0/0",
            "tic_tac_toe",
            1,
            vec![player(0, "a", 1), player(1, "b", -1)],
        ),
        mirror,
        interrupted,
    ]);
    let b = &leaderboards(&d, &Options::default()).unwrap()[0];
    assert_eq!((b.rated_episodes, b.excluded_episodes), (1, 2));
    let a = b.rows.iter().find(|r| r.participant == "a").unwrap();
    assert_eq!((a.episodes, a.wins), (1, 1));
    assert_eq!(
        a.decisions, 4,
        "self-play decisions still count in the rates"
    );
}

#[test]
fn rates_latency_and_cost() {
    let mut e = episode(
        "run/0/0",
        "tic_tac_toe",
        1,
        vec![player(0, "m", 1), player(1, "r", -1)],
    );
    e.players[0].stats = SeatStats {
        decisions: 4,
        reprompted: 2,
        fallbacks: 1,
        rejected: 3,
        latencies_ms: vec![10.0, 20.0, 30.0, 40.0],
        tokens: 400,
        cost_usd: 0.02,
        reasoning: vec![
            "I block the opponent's row".into(),
            "take the center".into(),
        ],
    };
    let mut f = episode(
        "run/0/1",
        "tic_tac_toe",
        2,
        vec![player(0, "r", 0), player(1, "m", 0)],
    );
    f.status = "forfeit".into();
    f.players[0].score = Some(1);
    f.players[0].outcome = Some("win".into());
    f.players[1].score = Some(-1);
    f.players[1].outcome = Some("loss".into());
    let b = &leaderboards(&data(vec![e, f]), &Options::default()).unwrap()[0];
    let m = b.rows.iter().find(|r| r.participant == "m").unwrap();
    // Attempts: 3 rejected + (4 decisions - 1 fallback) accepted = 6.
    assert!((m.invalid_rate - 0.5).abs() < 1e-12, "{}", m.invalid_rate);
    assert!((m.reprompt_rate - 0.5).abs() < 1e-12);
    assert!((m.fallback_rate - 0.25).abs() < 1e-12);
    assert_eq!((m.forfeits, m.losses), (1, 1));
    assert!((m.forfeit_rate - 0.5).abs() < 1e-12);
    assert!((m.tokens_per_episode - 200.0).abs() < 1e-12);
    assert_eq!(m.tokens_per_win, Some(400.0));
    assert!((m.cost_per_episode - 0.01).abs() < 1e-12);
    assert_eq!(m.cost_per_win, Some(0.02));
    let p50 = m.latency_p50_ms.unwrap();
    assert!((20.0..=30.0).contains(&p50), "{p50}");
    let reasoning = b.reasoning.iter().find(|r| r.participant == "m").unwrap();
    assert_eq!(reasoning.total, 2);
    assert!(
        (reasoning.entropy_bits - 1.0).abs() < 1e-9,
        "two categories, one each"
    );
}

#[test]
fn poker_in_big_blinds_per_100_hands_on_deals() {
    // Big blind 2, 10 hands per episode. Deal 1: p wins 40 and 20 chips in
    // the two seats: 60 chips = 30 bb over 20 hands = 150 bb/100. Deal 2: p
    // wins 10 and loses 30: -20 chips = -10 bb over 20 hands = -50 bb/100.
    let d = data(vec![
        episode(
            "run/0/0",
            "poker",
            1,
            vec![player(0, "p", 40), player(1, "q", -40)],
        ),
        episode(
            "run/0/1",
            "poker",
            1,
            vec![player(0, "q", -20), player(1, "p", 20)],
        ),
        episode(
            "run/0/2",
            "poker",
            2,
            vec![player(0, "p", 10), player(1, "q", -10)],
        ),
        episode(
            "run/0/3",
            "poker",
            2,
            vec![player(0, "q", 30), player(1, "p", -30)],
        ),
    ]);
    let b = &leaderboards(&d, &Options::default()).unwrap()[0];
    let p = b.poker.iter().find(|r| r.participant == "p").unwrap();
    assert_eq!((p.deals, p.hands), (2, 40));
    assert!((p.bb_per_100 - 50.0).abs() < 1e-9, "{:?}", p.bb_per_100);
    let ci = p.interval.unwrap();
    assert!(ci.lo < 50.0 && ci.hi > 50.0);
    let q = b.poker.iter().find(|r| r.participant == "q").unwrap();
    assert!((q.bb_per_100 + 50.0).abs() < 1e-9);
}

#[test]
fn no_data_and_unknown_games_are_clear_errors() {
    let d = data(vec![episode(
        "run/0/0",
        "tic_tac_toe",
        1,
        vec![player(0, "a", 0), player(1, "a", 0)],
    )]);
    let err = leaderboards(&d, &Options::default()).unwrap_err();
    assert!(matches!(err, LeaderboardError::NoData(_)));
    assert!(
        err.to_string()
            .contains("no finished episode between two different participants"),
        "{err}"
    );
    let err = leaderboards(
        &d,
        &Options {
            game: Some("chess".into()),
            ..Options::default()
        },
    )
    .unwrap_err();
    assert!(
        err.to_string().contains("games there: tic_tac_toe"),
        "{err}"
    );
}

#[test]
fn text_formats_quote_and_align() {
    let d = data(vec![
        episode(
            "run/0/0",
            "tic_tac_toe",
            1,
            vec![player(0, "a|b, \"c\"", 1), player(1, "r", -1)],
        ),
        episode(
            "run/0/1",
            "tic_tac_toe",
            1,
            vec![player(0, "r", -1), player(1, "a|b, \"c\"", 1)],
        ),
    ]);
    let boards = leaderboards(&d, &Options::default()).unwrap();
    let md = arena_report::format::render(&boards, Format::Markdown);
    assert!(md.contains("a\\|b, \"c\""), "{md}");
    let csv = arena_report::format::render(&boards, Format::Csv);
    assert!(csv.contains("\"a|b, \"\"c\"\"\""), "{csv}");
    let table = arena_report::format::render(&boards, Format::Table);
    let lines: Vec<&str> = table.lines().collect();
    assert!(lines[1].starts_with("#  participant"), "{table}");
    let json: serde_json::Value =
        serde_json::from_str(&arena_report::format::render(&boards, Format::Json)).unwrap();
    assert_eq!(json[0]["rows"][0]["participant"], "a|b, \"c\"");
    assert_eq!(
        "xml".parse::<Format>().unwrap_err(),
        "unknown leaderboard format \"xml\"; use table, markdown, csv or json"
    );
}

#[test]
fn the_same_data_gives_the_same_intervals() {
    let d = data(
        (0..20)
            .map(|i| {
                let s = if i % 3 == 0 { -1 } else { 1 };
                episode(
                    &format!("run/0/{i}"),
                    "tic_tac_toe",
                    i,
                    vec![player(0, "a", s), player(1, "b", -s)],
                )
            })
            .collect(),
    );
    let one = &leaderboards(&d, &Options::default()).unwrap()[0];
    let two = &leaderboards(&d, &Options::default()).unwrap()[0];
    assert_eq!(one.rows[0].bradley_terry, two.rows[0].bradley_terry);
}
