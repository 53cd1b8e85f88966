//! Loading the model catalogs (`agents/*.yaml`). A catalog file in the
//! working directory's `agents/` folder (or `$ARENA_CATALOG_DIR`) wins;
//! otherwise the copy compiled into the binary is used, so `runner` works
//! from any directory.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use arena_agents::{LitellmCatalog, LlamaCppCatalog, VllmCatalog};

const BUILTIN_LLAMACPP: &str = include_str!("../../../agents/llamacpp_models.yaml");
const BUILTIN_LITELLM: &str = include_str!("../../../agents/litellm_models.yaml");
const BUILTIN_VLLM: &str = include_str!("../../../agents/vllm_models.yaml");

/// Where a catalog came from, for messages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CatalogOrigin {
    /// A file on disk.
    File(PathBuf),
    /// The copy compiled into the binary.
    Builtin,
}

impl std::fmt::Display for CatalogOrigin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            CatalogOrigin::File(p) => write!(f, "{}", p.display()),
            CatalogOrigin::Builtin => f.write_str("the built-in catalog"),
        }
    }
}

fn catalog_dir() -> PathBuf {
    std::env::var_os("ARENA_CATALOG_DIR")
        .filter(|d| !d.is_empty())
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("agents"))
}

/// The llama.cpp model catalog.
pub fn llamacpp() -> Result<(LlamaCppCatalog, CatalogOrigin)> {
    load("llamacpp_models.yaml", BUILTIN_LLAMACPP)
}

/// The API model catalog (prices, limits, fallbacks). A JSON file named by
/// `$ARENA_LITELLM_CATALOG` (LiteLLM's own `model_prices_and_context_window.json`)
/// wins over `agents/litellm_models.yaml`.
pub fn litellm() -> Result<(LitellmCatalog, CatalogOrigin)> {
    if let Some(path) = std::env::var_os("ARENA_LITELLM_CATALOG").filter(|p| !p.is_empty()) {
        let path = PathBuf::from(path);
        let text = std::fs::read_to_string(&path).with_context(|| {
            format!(
                "cannot read {} (named by ARENA_LITELLM_CATALOG)",
                path.display()
            )
        })?;
        let catalog = LitellmCatalog::from_json(&text)
            .map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
        return Ok((catalog, CatalogOrigin::File(path)));
    }
    load("litellm_models.yaml", BUILTIN_LITELLM)
}

/// The vLLM model catalog.
pub fn vllm() -> Result<(VllmCatalog, CatalogOrigin)> {
    load("vllm_models.yaml", BUILTIN_VLLM)
}

/// `agents/<file>` (or in `$ARENA_CATALOG_DIR`) when present, else the
/// built-in copy.
fn load<T: serde::de::DeserializeOwned>(file: &str, builtin: &str) -> Result<(T, CatalogOrigin)> {
    let path = catalog_dir().join(file);
    if path.is_file() {
        let text = std::fs::read_to_string(&path)
            .with_context(|| format!("cannot read {}", path.display()))?;
        let catalog = parse(&text, &path)?;
        return Ok((catalog, CatalogOrigin::File(path)));
    }
    let catalog = parse(builtin, Path::new(&format!("built-in agents/{file}")))?;
    Ok((catalog, CatalogOrigin::Builtin))
}

fn parse<T: serde::de::DeserializeOwned>(text: &str, path: &Path) -> Result<T> {
    serde_yaml::from_str(text).map_err(|e| {
        let at = e
            .location()
            .map(|l| format!(" at line {}, column {}", l.line(), l.column()))
            .unwrap_or_default();
        anyhow::anyhow!("{}{at}: {e}", path.display())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_builtin_catalog_parses_and_holds_the_default_model() {
        let catalog: LlamaCppCatalog = parse(BUILTIN_LLAMACPP, Path::new("builtin")).unwrap();
        let gemma = &catalog.models["gemma3-270m"];
        assert!(gemma.source.is_some());
        assert_eq!(gemma.context_size, 2048);
    }

    #[test]
    fn a_malformed_catalog_names_the_line() {
        let err = parse::<LlamaCppCatalog>(
            "models:\n  x:\n    context_size: lots\n",
            Path::new("cat.yaml"),
        )
        .unwrap_err();
        let msg = err.to_string();
        assert!(msg.contains("cat.yaml at line 3"), "{msg}");
        let err =
            parse::<LlamaCppCatalog>("models:\n  x:\n    contxt_size: 1\n", Path::new("cat.yaml"))
                .unwrap_err();
        assert!(err.to_string().contains("contxt_size"), "{err}");
    }
}
