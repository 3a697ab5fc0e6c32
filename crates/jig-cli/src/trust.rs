//! `jig trust` and `jig untrust`, and what a project's trust means when a
//! command starts: the one warning line naming what was ignored, the
//! one-time question on a terminal (the project's exec rules are read by
//! `jig_core::builder::rules`).
//!
//! Invariant: nothing here blocks a run nobody watches. jig asks only when
//! stdin and stderr are terminals, `--json` is off, the project sets
//! something only trust allows and the user never decided; the answer is
//! recorded either way, so each project is asked about once. What trust
//! allows is decided in `jig-config` (its `TRUST_KEYS` table), not here.

use std::io::{BufRead, IsTerminal, Write};
use std::path::Path;

use anyhow::Context;
use jig_config::{CONFIG_FILE_NAME, EnvSnapshot, LoadInputs, ProjectTrust, Settings, TrustLevel};

use crate::exit;

/// Whether loading settings may ask the person at the terminal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ask {
    /// Ask when stdin and stderr are terminals.
    IfTerminal,
    /// Never ask (`--json`, commands that run no turn).
    Never,
}

/// Most lines of the project's wishes shown in the question.
const SHOWN_LINES: usize = 40;

/// Resolves settings, asks about an undecided project when `ask` allows,
/// and prints the warning line when the project's file was cut short.
pub fn load(inputs: &LoadInputs, ask: Ask) -> anyhow::Result<Settings> {
    let mut settings = jig_config::load(inputs)?;
    let undecided = settings
        .project
        .as_ref()
        .filter(|p| p.decision.is_none() && !p.ignored.is_empty());
    if let Some(project) = undecided
        && ask == Ask::IfTerminal
        && std::io::stdin().is_terminal()
        && std::io::stderr().is_terminal()
    {
        let level = question(project)?;
        jig_config::record_trust(&settings.home, &project.root, level)?;
        settings = jig_config::load(inputs)?;
    }
    if let Some(warning) = settings.project.as_ref().and_then(ProjectTrust::warning) {
        eprintln!("warning: {warning}");
    }
    Ok(settings)
}

/// Shows what the project wants and reads a yes or no (no by default).
fn question(project: &ProjectTrust) -> anyhow::Result<TrustLevel> {
    let mut shown: Vec<&str> = project.wanted.lines().take(SHOWN_LINES).collect();
    if project.wanted.lines().count() > SHOWN_LINES {
        shown.push("…");
    }
    let mut err = std::io::stderr().lock();
    writeln!(
        err,
        "{} sets what only a trusted project may (where requests go, which keys they carry, \
         what commands may do):\n\n  {}\n",
        project.file.display(),
        shown.join("\n  ")
    )?;
    write!(
        err,
        "Trust {} and apply all of its settings? Asked once; `jig trust` or `jig untrust` changes it. [y/N] ",
        project.root.display()
    )?;
    err.flush()?;
    let mut answer = String::new();
    std::io::stdin().lock().read_line(&mut answer)?;
    let yes = matches!(answer.trim().to_ascii_lowercase().as_str(), "y" | "yes");
    Ok(if yes {
        TrustLevel::Trusted
    } else {
        TrustLevel::Untrusted
    })
}

/// `jig trust [DIR]` (`level` trusted) and `jig untrust [DIR]`.
pub fn decide(dir: Option<&Path>, level: TrustLevel) -> anyhow::Result<u8> {
    let env = EnvSnapshot::capture();
    let home = jig_config::data_dir(&env)
        .context("cannot record a trust decision: neither JIG_HOME nor HOME is set; set one of them")?;
    let dir = match dir {
        Some(dir) => dir.to_path_buf(),
        None => std::env::current_dir().context("cannot read the current directory")?,
    };
    let dir = std::fs::canonicalize(&dir)
        .with_context(|| format!("cannot use {}; check that the directory exists", dir.display()))?;
    let root = jig_config::project_root(&dir, &home.join(CONFIG_FILE_NAME));
    let path = jig_config::record_trust(&home, &root, level)?;
    let what = match level {
        TrustLevel::Trusted => "trusted: its .jig/config.toml and .jig/rules.toml apply in full",
        TrustLevel::Untrusted => "not trusted: only its harmless settings, stricter limits and stricter rules apply",
    };
    println!("{} is {what} (recorded in {})", root.display(), path.display());
    Ok(exit::COMPLETED)
}
