//! The session against the real embedded model (Gemma 3 270M, Q4_K_M):
//! constrained output, determinism, prefix reuse and clear errors.
//! The model is pulled by `scripts/test.sh` (`runner models pull gemma3-270m`).

use std::path::PathBuf;
use std::sync::OnceLock;

use arena_llama::{GenerateRequest, LlamaError, Model, Session, SessionConfig, StopReason};

/// The model cache, resolved as `runner` does.
fn model_path() -> PathBuf {
    if let Some(p) = std::env::var_os("ARENA_GGUF") {
        return PathBuf::from(p);
    }
    let dir = std::env::var_os("ARENA_MODEL_DIR")
        .filter(|d| !d.is_empty())
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            std::env::var_os("XDG_CACHE_HOME")
                .filter(|d| !d.is_empty())
                .map(PathBuf::from)
                .unwrap_or_else(|| {
                    PathBuf::from(std::env::var_os("HOME").unwrap_or_default()).join(".cache")
                })
                .join("llm-arena/models")
        });
    dir.join("gemma-3-270m-q4_k_m.gguf")
}

fn model() -> &'static Model {
    static MODEL: OnceLock<Model> = OnceLock::new();
    MODEL.get_or_init(|| {
        let path = model_path();
        Model::load(&path, 0).unwrap_or_else(|e| {
            panic!("{e}\n(the tests need the embedded model: run `cargo run -- models pull gemma3-270m`)")
        })
    })
}

const COLUMNS: &str = "root ::= \"1\" | \"2\" | \"3\" | \"4\" | \"5\" | \"6\" | \"7\"\n";

fn prompt(board: &str) -> String {
    format!(
        "You are playing Connect Four as X. Columns are numbered 1 to 7.\n{board}\n\
         Reply with the column to drop your stone in.\nMove: "
    )
}

fn request<'a>(prompt: &'a str, temperature: f32, seed: u32) -> GenerateRequest<'a> {
    GenerateRequest {
        prompt,
        grammar: Some(COLUMNS),
        max_tokens: 4,
        temperature,
        seed,
        stop_at: None,
    }
}

#[test]
fn stopping_at_a_complete_answer_gives_the_same_move_sooner() {
    let answers: Vec<String> = (1..=7).map(|c| c.to_string()).collect();
    let mut a = Session::new(model(), SessionConfig::default()).unwrap();
    let mut b = Session::new(model(), SessionConfig::default()).unwrap();
    for seed in 0..4 {
        let p = prompt("X . . O . . .");
        let full = a.generate(&request(&p, 1.0, seed)).unwrap();
        let early = b
            .generate(&GenerateRequest {
                stop_at: Some(&answers),
                ..request(&p, 1.0, seed)
            })
            .unwrap();
        assert_eq!(full.text, early.text);
        assert_eq!(early.stop, StopReason::EndOfText);
        assert_eq!(early.completion_tokens, 1);
    }
}

#[test]
fn the_base_model_has_no_chat_template() {
    assert_eq!(model().chat_template(), None);
    assert!(model().count_tokens("hello world") >= 2);
}

#[test]
fn constrained_output_is_always_a_legal_column() {
    let mut session = Session::new(model(), SessionConfig::default()).unwrap();
    let boards = [
        ". . . . . . .",
        "X . . O . . .",
        "X O X O X O X",
        "O O O . X X X",
    ];
    for (i, board) in boards.iter().enumerate() {
        for seed in 0..3 {
            let p = prompt(board);
            let g = session
                .generate(&request(&p, 1.0, seed + 10 * i as u32))
                .unwrap();
            assert!(
                ["1", "2", "3", "4", "5", "6", "7"].contains(&g.text.as_str()),
                "got {:?}",
                g.text
            );
            assert_eq!(g.completion_tokens, 1);
            assert_eq!(g.stop, StopReason::EndOfText);
        }
    }
}

#[test]
fn same_seed_and_prompt_give_the_same_text_in_any_session() {
    let p = prompt("X . . O . . .");
    let mut a = Session::new(model(), SessionConfig::default()).unwrap();
    let mut b = Session::new(model(), SessionConfig::default()).unwrap();
    // `b` has something else cached first: the answer must not depend on it.
    b.generate(&request(&prompt(". . . . . . ."), 0.0, 1))
        .unwrap();
    for seed in [1, 2, 3] {
        let x = a.generate(&request(&p, 1.0, seed)).unwrap();
        let y = b.generate(&request(&p, 1.0, seed)).unwrap();
        assert_eq!(x.text, y.text, "seed {seed}");
    }
    let free = GenerateRequest {
        prompt: "The capital of France is",
        grammar: None,
        max_tokens: 8,
        temperature: 0.0,
        seed: 0,
        stop_at: None,
    };
    assert_eq!(
        a.generate(&free).unwrap().text,
        b.generate(&free).unwrap().text
    );
}

#[test]
fn a_longer_prompt_reuses_the_cached_prefix() {
    let mut s = Session::new(model(), SessionConfig::default()).unwrap();
    let first = prompt(". . . . . . .");
    let g1 = s.generate(&request(&first, 0.0, 0)).unwrap();
    assert_eq!(g1.reused_tokens, 0);
    let second = format!(
        "{first}{}\nOpponent played 4.\n{}",
        g1.text,
        prompt("X . . O . . .")
    );
    let g2 = s.generate(&request(&second, 0.0, 0)).unwrap();
    assert!(
        g2.reused_tokens >= g1.prompt_tokens,
        "reused {} of {}",
        g2.reused_tokens,
        g1.prompt_tokens
    );
}

#[test]
fn an_invalid_grammar_is_an_error_not_an_abort() {
    let mut s = Session::new(model(), SessionConfig::default()).unwrap();
    let req = GenerateRequest {
        prompt: "Move: ",
        grammar: Some("root ::= (\"1\" | \n"),
        max_tokens: 2,
        temperature: 0.0,
        seed: 0,
        stop_at: None,
    };
    assert!(matches!(s.generate(&req), Err(LlamaError::Grammar(_))));
}

#[test]
fn missing_and_corrupt_files_are_clear_errors() {
    let missing = Model::load(std::path::Path::new("/nonexistent/model.gguf"), 0).unwrap_err();
    assert!(matches!(missing, LlamaError::MissingFile(_)));
    assert!(missing.to_string().contains("runner models pull"));
    let corrupt = std::env::temp_dir().join(format!("corrupt-{}.gguf", std::process::id()));
    std::fs::write(&corrupt, b"GGUF this is not really a model").unwrap();
    let err = Model::load(&corrupt, 0).unwrap_err();
    std::fs::remove_file(&corrupt).unwrap();
    assert!(matches!(err, LlamaError::Load { .. }), "{err}");
    assert!(err.to_string().contains("corrupt"));
}
