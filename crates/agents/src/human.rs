//! `human`: a person plays a seat by reading the observation and typing a
//! move, on any line-based input and output.
//!
//! The agent knows nothing of terminals: it reads lines from a [`BufRead`]
//! and writes text to a [`Write`], so the runner hands it the terminal
//! ([`HumanAgent::stdio`]) and tests hand it buffers. For each decision it
//! shows the observation, the legal moves (or, for free-text games, what a
//! move looks like) and, on a re-prompt, why the previous move was
//! rejected; then it reads a line and checks it: a legal action string
//! (ignoring case, surrounding quotes and extra spaces), or any text the
//! game's own notation reads as a legal move (`all-in` in poker). A line
//! that is neither gets a message saying what is legal and another prompt.
//! The end of the input is an error, since no move can ever come.
//!
//! Reading blocks, so it happens on tokio's blocking thread pool and never
//! stalls the async runtime that drives the other seats.

use std::fmt;
use std::io::{BufRead, Write};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use async_trait::async_trait;

use crate::agent::{Agent, DecisionRequest, DecisionResponse};
use crate::error::AgentError;

/// The most legal moves listed one by one; longer lists (every poker raise
/// size) are shown by the game's summary instead.
const MAX_LISTED: usize = 40;

/// A person choosing moves through a line-based reader and writer.
pub struct HumanAgent {
    name: String,
    io: Arc<Mutex<Io>>,
}

struct Io {
    input: Box<dyn BufRead + Send>,
    output: Box<dyn Write + Send>,
}

impl fmt::Debug for HumanAgent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HumanAgent")
            .field("name", &self.name)
            .finish_non_exhaustive()
    }
}

impl HumanAgent {
    /// A human agent named `name` that reads moves from `input` and writes
    /// observations and prompts to `output`.
    pub fn new(
        name: &str,
        input: Box<dyn BufRead + Send>,
        output: Box<dyn Write + Send>,
    ) -> HumanAgent {
        HumanAgent {
            name: name.to_string(),
            io: Arc::new(Mutex::new(Io { input, output })),
        }
    }

    /// The agent `human` on the process's standard input and output.
    pub fn stdio() -> HumanAgent {
        HumanAgent::new(
            "human",
            Box::new(std::io::BufReader::new(std::io::stdin())),
            Box::new(std::io::stdout()),
        )
    }
}

#[async_trait]
impl Agent for HumanAgent {
    fn name(&self) -> &str {
        &self.name
    }

    async fn decide(&self, request: &DecisionRequest) -> Result<DecisionResponse, AgentError> {
        let start = Instant::now();
        let io = Arc::clone(&self.io);
        let name = self.name.clone();
        let owned = request.clone();
        let (action, reprompts) = tokio::task::spawn_blocking(move || interact(&name, &io, &owned))
            .await
            .map_err(|e| AgentError::Backend {
                agent: self.name.clone(),
                message: format!("the input thread failed: {e}"),
            })??;
        Ok(DecisionResponse {
            prompt: request.observation.clone(),
            raw: action,
            // The move was checked before it was returned: the whole reply is it.
            constrained: true,
            latency_ms: start.elapsed().as_secs_f64() * 1000.0,
            metadata: serde_json::json!({ "backend": "human", "reprompts": reprompts }),
            ..DecisionResponse::default()
        })
    }
}

/// Shows the decision, then reads lines until one is a legal move. Returns
/// the move and how many lines were rejected first.
fn interact(
    name: &str,
    io: &Mutex<Io>,
    request: &DecisionRequest,
) -> Result<(String, u32), AgentError> {
    let backend = |message: String| AgentError::Backend {
        agent: name.to_string(),
        message,
    };
    let io_error = |e: std::io::Error| backend(format!("terminal input/output failed: {e}"));
    // A panic elsewhere while holding the lock leaves the reader and writer
    // usable: take them back rather than fail every later decision.
    let mut io = io.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    let Io { input, output } = &mut *io;
    writeln!(output).map_err(io_error)?;
    writeln!(output, "{}", request.observation.trim_end()).map_err(io_error)?;
    if let Some(error) = &request.previous_error {
        writeln!(output, "Your previous move was rejected: {error}").map_err(io_error)?;
    }
    writeln!(output, "{}", legal_line(request)).map_err(io_error)?;
    let mut rejected = 0;
    loop {
        write!(output, "Your move (seat {}): ", request.seat).map_err(io_error)?;
        output.flush().map_err(io_error)?;
        let mut line = String::new();
        if input.read_line(&mut line).map_err(io_error)? == 0 {
            writeln!(output).map_err(io_error)?;
            return Err(backend(
                "the input ended before a move was entered".to_string(),
            ));
        }
        match check(&line, request) {
            Ok(action) => return Ok((action, rejected)),
            Err(why) => {
                rejected += 1;
                writeln!(output, "{why}").map_err(io_error)?;
            }
        }
    }
}

/// What the player may type.
fn legal_line(request: &DecisionRequest) -> String {
    let legal = &request.legal_actions;
    if legal.is_empty() {
        let hint = if request.legal_summary.is_empty() {
            "any text".to_string()
        } else {
            request.legal_summary.clone()
        };
        format!("Type your move as free text ({hint}).")
    } else if legal.len() <= MAX_LISTED {
        format!("Legal moves: {}", legal.join(", "))
    } else {
        format!("Legal moves: {}", summary(request))
    }
}

fn summary(request: &DecisionRequest) -> String {
    if !request.legal_summary.is_empty() {
        request.legal_summary.clone()
    } else {
        request.legal_actions.join(", ")
    }
}

/// The legal move a line names, or why it names none.
fn check(line: &str, request: &DecisionRequest) -> Result<String, String> {
    let text = tidy(line);
    if text.is_empty() {
        return Err(format!("Type a move. Legal: {}", summary(request)));
    }
    let legal = &request.legal_actions;
    let wanted = text.to_lowercase();
    if let Some(action) = legal.iter().find(|l| tidy(l).to_lowercase() == wanted) {
        return Ok(action.clone());
    }
    // The game's notation reads friendlier forms ("all-in", "raise to 8")
    // and free text, and says exactly what is wrong.
    if let Some(state) = &request.state {
        return match state.parse_legal(&text) {
            Ok(action) if legal.is_empty() || legal.contains(&action) => Ok(action),
            Ok(action) => Err(format!(
                "{action:?} is not offered now. Legal: {}",
                summary(request)
            )),
            Err(e) => Err(format!("{e}. Try again.")),
        };
    }
    if legal.is_empty() {
        return Ok(text);
    }
    Err(format!(
        "{text:?} is not a legal move. Legal: {}",
        summary(request)
    ))
}

/// Trims, drops one pair of surrounding quotes or backticks, and collapses
/// runs of whitespace to one space.
fn tidy(text: &str) -> String {
    let t = text.trim();
    let t = ['"', '\'', '`']
        .iter()
        .find_map(|&q| t.strip_prefix(q).and_then(|r| r.strip_suffix(q)))
        .unwrap_or(t);
    t.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use std::io::Cursor;

    use arena_games::build;

    use super::*;
    use crate::agent::Sampling;

    /// A writer whose bytes the test can read afterwards.
    #[derive(Clone, Default)]
    struct Shared(Arc<Mutex<Vec<u8>>>);

    impl Write for Shared {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    impl Shared {
        fn text(&self) -> String {
            String::from_utf8(self.0.lock().unwrap().clone()).unwrap()
        }
    }

    fn human(input: &str) -> (HumanAgent, Shared) {
        let out = Shared::default();
        let agent = HumanAgent::new(
            "human",
            Box::new(Cursor::new(input.as_bytes().to_vec())),
            Box::new(out.clone()),
        );
        (agent, out)
    }

    fn request(game: &str, moves: &[&str]) -> DecisionRequest {
        let mut state = build(game, &Default::default())
            .unwrap()
            .new_initial_state();
        for m in moves {
            state.apply_text(m).unwrap();
        }
        let seat = state.turn().seat().unwrap();
        DecisionRequest {
            game: game.to_string(),
            seat,
            episode_key: 0,
            observation: state.observation_text(seat),
            legal_actions: state.legal_actions(),
            legal_summary: state.legal_summary(),
            constraint: state.move_constraint(),
            attempt: 1,
            previous_error: None,
            sampling: Sampling::default(),
            state: Some(state.clone_box()),
        }
    }

    #[tokio::test]
    async fn a_bad_line_is_refused_and_the_next_good_one_played() {
        let (agent, out) = human("9\n\n  4 \n");
        let r = request("connect_four", &[]);
        let response = agent.decide(&r).await.unwrap();
        assert_eq!(response.raw, "4");
        assert!(response.constrained);
        assert_eq!(response.metadata["reprompts"], 2);
        let shown = out.text();
        assert!(shown.contains(r.observation.trim_end()), "{shown}");
        assert!(
            shown.contains("Legal moves: 1, 2, 3, 4, 5, 6, 7"),
            "{shown}"
        );
        // The game's own reason for the bad line, then a fresh prompt.
        assert!(shown.contains("column 9"), "{shown}");
        assert_eq!(shown.matches("Your move (seat 0): ").count(), 3, "{shown}");
    }

    #[tokio::test]
    async fn the_end_of_the_input_is_an_error() {
        let (agent, _) = human("banana\n");
        let err = agent
            .decide(&request("tic_tac_toe", &[]))
            .await
            .unwrap_err();
        assert!(err.to_string().contains("input ended"), "{err}");
    }

    #[tokio::test]
    async fn case_quotes_and_the_games_notation_are_accepted() {
        // Poker: seat 0 is to act pre-flop after the four hole cards.
        let deal = ["2c", "3d", "4h", "5s"];
        let (agent, _) = human("\"CALL\"\n");
        assert_eq!(
            agent.decide(&request("poker", &deal)).await.unwrap().raw,
            "call"
        );
        // "all-in" is the game's friendly form of the largest raise.
        let (agent, out) = human("all-in\n");
        assert_eq!(
            agent.decide(&request("poker", &deal)).await.unwrap().raw,
            "raise 200"
        );
        // 199 raise sizes are summarized, not listed.
        assert!(
            out.text()
                .contains("Legal moves: fold, call 2, raise 4..200"),
            "{}",
            out.text()
        );
    }

    #[tokio::test]
    async fn free_text_is_checked_by_the_game() {
        let mut r = request("reverse_hangman", &["puzzle 1"]);
        r.previous_error = Some("the guess is empty".to_string());
        let long = "x".repeat(200);
        let (agent, out) = human(&format!("{long}\nwhy is the sky blue\n"));
        assert_eq!(agent.decide(&r).await.unwrap().raw, "why is the sky blue");
        let shown = out.text();
        assert!(shown.contains("Type your move as free text"), "{shown}");
        assert!(
            shown.contains("Your previous move was rejected: the guess is empty"),
            "{shown}"
        );
        assert!(shown.contains("at most 160"), "{shown}");
    }
}
