//! Building prompts: per-game system and user templates (Jinja, rendered
//! with minijinja) from `games/<game>/`, falling back to `games/_default/`,
//! and turning the two parts into what a backend takes — chat messages, a
//! model's own chat template, or plain text for base models.

use minijinja::{Environment, context};
use serde::Serialize;

use crate::agent::DecisionRequest;
use crate::error::AgentError;

const DEFAULT_SYSTEM: &str = include_str!("../../../games/_default/system.jinja");
const DEFAULT_USER: &str = include_str!("../../../games/_default/user.jinja");

/// The built-in system templates of games that have their own.
const GAME_SYSTEM: &[(&str, &str)] = &[
    (
        "connect_four",
        include_str!("../../../games/connect_four/system.jinja"),
    ),
    ("poker", include_str!("../../../games/poker/system.jinja")),
    (
        "reverse_hangman",
        include_str!("../../../games/reverse_hangman/system.jinja"),
    ),
];

/// A prompt in two parts.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Prompt {
    /// The system part: who the model is and the rules.
    pub system: String,
    /// The user part: the position, the legal moves, the answer format.
    pub user: String,
}

/// Renders the system and user parts for a decision. `constrained` says the
/// decoder is held to the legal moves, so the model is asked for the move only.
pub fn render(request: &DecisionRequest, constrained: bool) -> Result<Prompt, AgentError> {
    let system_src = GAME_SYSTEM
        .iter()
        .find(|(g, _)| *g == request.game)
        .map_or(DEFAULT_SYSTEM, |(_, t)| *t);
    // Templates are written without whitespace control: what they show is
    // what the model gets.
    let env = Environment::new();
    let title = request.game.replace('_', " ");
    let ctx = context! {
        game => request.game,
        title => title,
        seat => request.seat,
        observation => request.observation.trim_end(),
        legal_actions => request.legal_actions,
        legal_summary => request.legal_summary,
        attempt => request.attempt,
        previous_error => request.previous_error,
        constrained => constrained,
    };
    let render_one = |src: &str, what: &str| {
        env.render_str(src, &ctx)
            .map(|s| s.trim().to_string())
            .map_err(|e| AgentError::Prompt {
                message: format!("{what} template of {}: {e}", request.game),
            })
    };
    Ok(Prompt {
        system: render_one(system_src, "system")?,
        user: render_one(DEFAULT_USER, "user")?,
    })
}

/// Plain text for a base model without a chat template; ends with the answer
/// cue so a constrained decoder continues with the move.
pub fn plain_text(prompt: &Prompt) -> String {
    format!("{}\n\n{}\nMove: ", prompt.system, prompt.user)
}

/// Renders a model's own Jinja chat template (as stored in its GGUF) with a
/// system and a user message and the generation prompt. Templates that reject
/// a system role get it folded into the user message.
pub fn chat_template(
    template: &str,
    prompt: &Prompt,
    bos_token: &str,
    eos_token: &str,
) -> Result<String, AgentError> {
    let mut env = Environment::new();
    env.set_trim_blocks(true);
    env.set_lstrip_blocks(true);
    env.add_function(
        "raise_exception",
        |msg: String| -> Result<String, minijinja::Error> {
            Err(minijinja::Error::new(
                minijinja::ErrorKind::InvalidOperation,
                msg,
            ))
        },
    );
    env.add_template("chat", template)
        .map_err(|e| AgentError::Prompt {
            message: format!("the model's chat template does not parse: {e}"),
        })?;
    let tmpl = env.get_template("chat").map_err(|e| AgentError::Prompt {
        message: e.to_string(),
    })?;
    let with_system = vec![
        serde_json::json!({"role": "system", "content": prompt.system}),
        serde_json::json!({"role": "user", "content": prompt.user}),
    ];
    let folded = vec![
        serde_json::json!({"role": "user", "content": format!("{}\n\n{}", prompt.system, prompt.user)}),
    ];
    let mut last_err = None;
    for messages in [with_system, folded] {
        match tmpl.render(context! {
            messages => messages,
            add_generation_prompt => true,
            bos_token => bos_token,
            eos_token => eos_token,
        }) {
            Ok(text) => return Ok(text),
            Err(e) => last_err = Some(e),
        }
    }
    Err(AgentError::Prompt {
        message: format!(
            "the model's chat template failed: {}",
            last_err.map(|e| e.to_string()).unwrap_or_default()
        ),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::agent::Sampling;
    use arena_games::MoveConstraint;

    fn request(game: &str, legal: &[&str], previous_error: Option<&str>) -> DecisionRequest {
        DecisionRequest {
            game: game.to_string(),
            seat: 0,
            episode_key: 1,
            observation: "the board".to_string(),
            legal_actions: legal.iter().map(|s| s.to_string()).collect(),
            legal_summary: "1-7".to_string(),
            constraint: MoveConstraint::choices(legal.iter().map(|s| s.to_string()).collect()),
            attempt: 1,
            previous_error: previous_error.map(str::to_string),
            sampling: Sampling::default(),
            state: None,
        }
    }

    #[test]
    fn game_templates_and_the_default() {
        let p = render(&request("connect_four", &["1", "2"], None), false).unwrap();
        assert!(p.system.contains("Connect Four"));
        assert!(p.user.starts_with("the board"));
        assert!(
            p.user.contains("Legal moves: 1, 2\n\nThink briefly"),
            "{}",
            p.user
        );
        assert!(p.user.ends_with("Move: <your move>"));
        let p = render(
            &request("kuhn_poker", &["pass", "bet"], Some("\"x\" is not a move")),
            true,
        )
        .unwrap();
        assert!(p.system.contains("kuhn poker"));
        assert!(
            p.user
                .contains("Your previous answer was rejected: \"x\" is not a move")
        );
        assert!(
            p.user.ends_with("\n\nAnswer with your move only."),
            "{}",
            p.user
        );
        let many: Vec<String> = (0..100).map(|i| i.to_string()).collect();
        let refs: Vec<&str> = many.iter().map(String::as_str).collect();
        let p = render(&request("poker", &refs, None), true).unwrap();
        assert!(
            p.user.contains("Legal moves: 1-7"),
            "long lists are summarized: {}",
            p.user
        );
        assert!(plain_text(&p).ends_with("\nMove: "));
    }

    #[test]
    fn chat_templates_render_with_and_without_a_system_role() {
        let chatml = "{% for m in messages %}<|im_start|>{{ m.role }}\n{{ m.content }}<|im_end|>\n{% endfor %}{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}";
        let p = Prompt {
            system: "rules".into(),
            user: "board".into(),
        };
        let text = chat_template(chatml, &p, "<s>", "</s>").unwrap();
        assert_eq!(
            text,
            "<|im_start|>system\nrules<|im_end|>\n<|im_start|>user\nboard<|im_end|>\n<|im_start|>assistant\n"
        );
        let no_system = "{% for m in messages %}{% if m.role == 'system' %}{{ raise_exception('System role not supported') }}{% endif %}[{{ m.role }}] {{ m.content }}\n{% endfor %}";
        let text = chat_template(no_system, &p, "", "").unwrap();
        assert_eq!(text, "[user] rules\n\nboard\n");
        assert!(chat_template("{% for %}", &p, "", "").is_err());
    }
}
