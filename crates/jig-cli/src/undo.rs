//! `jig undo` and `jig diff`: which session, and how the result reads.
//! The work is `jig_core::undo`'s.

use std::path::{Path, PathBuf};

use anyhow::Context;
use jig_core::SessionStore;
use jig_core::undo::{UndoRequest, undo as undo_session};

use crate::cli::{DiffArgs, UndoArgs};
use crate::exit;

/// `jig undo [--to CALL_ID] [--force] [--last | SESSION]`.
pub fn undo(args: UndoArgs) -> anyhow::Result<u8> {
    let dir = pick(args.last, args.session.as_deref())?;
    let request = UndoRequest {
        to: args.to,
        force: args.force,
    };
    let report = undo_session(&dir, &request)?;
    let undo = &report.undo;
    let count = undo.restored.len();
    println!(
        "restored {count} file{} to their state before tool call {} (undid {})",
        if count == 1 { "" } else { "s" },
        undo.to_call_id,
        undo.undone.join(", ")
    );
    for file in &undo.restored {
        match file.sha256 {
            Some(_) => println!("  restored  {}", file.path),
            None => println!("  deleted   {} (it did not exist before)", file.path),
        }
    }
    if !report.commands_after.is_empty() {
        println!(
            "note: the session ran shell commands after this checkpoint ({}); what they changed is not \
             checkpointed and was not undone",
            report.commands_after.join(", ")
        );
    }
    if report.failures.is_empty() {
        return Ok(exit::COMPLETED);
    }
    eprintln!("error: could not restore {} file(s):", report.failures.len());
    for failure in &report.failures {
        eprintln!("  {failure}");
    }
    Ok(exit::FAILED)
}

/// `jig diff [--last | SESSION]`.
pub fn diff(args: DiffArgs) -> anyhow::Result<u8> {
    let dir = pick(args.last, args.session.as_deref())?;
    let text = jig_core::undo::diff(&dir)?;
    if text.is_empty() {
        eprintln!("no changes: the files this session changed are as they were before it");
    }
    print!("{text}");
    Ok(exit::COMPLETED)
}

/// The session named, the latest anywhere (`--last`), or the latest one
/// whose workspace is the current directory.
fn pick(last: bool, session: Option<&str>) -> anyhow::Result<PathBuf> {
    let here = std::env::current_dir().context("cannot read the current directory")?;
    let (settings, _) = crate::exec::settings(&here, None)?;
    let store = SessionStore::new(&settings.home);
    Ok(match (last, session) {
        (_, Some(id)) => store.resolve(id)?,
        (true, None) => store.latest()?,
        (false, None) => latest_here(&store, &here)?,
    })
}

fn latest_here(store: &SessionStore, here: &Path) -> anyhow::Result<PathBuf> {
    let same = |cwd: &str| {
        let cwd = Path::new(cwd);
        cwd == here || cwd.canonicalize().ok() == here.canonicalize().ok()
    };
    store
        .list()?
        .into_iter()
        .rev()
        .find(|session| session.meta.as_ref().is_some_and(|meta| same(&meta.cwd)))
        .map(|session| store.root().join(session.id))
        .with_context(|| {
            format!(
                "no session in {} was started in {}; name one (see `jig sessions list`) or use --last",
                store.root().display(),
                here.display()
            )
        })
}
