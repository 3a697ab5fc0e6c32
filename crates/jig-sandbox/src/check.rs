//! In-process write checks for jig's own mutating tools (write, edit,
//! apply_patch), which run inside jig and so are not covered by the helper's
//! Landlock rules.
//!
//! Invariant: a path passes only if its real location — symlinks in every
//! existing component resolved by the kernel through `canonicalize` — lies
//! under one of [`SandboxPolicy::writable_roots`] and not at or under one of
//! the protected paths (`.git`, `.jig`, see `protected`). The not-yet-existing tail
//! of the path may hold only plain names: a `..` there could climb out once a
//! tool creates the missing directories.
//!
//! Known limit: a hard link inside the workspace to a file outside resolves
//! to its workspace path. Sandboxed commands cannot create such links
//! (Landlock answers `EXDEV`), git never checks them out, so only a process
//! outside the sandbox could plant one.
//!
//! This module must not write anything; it only stats paths.

use std::path::{Component, Path, PathBuf};

use crate::policy::{SandboxMode, SandboxPolicy};
use crate::protected::protected_paths;

/// Why an in-process write was refused. The message is meant for the model.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum SandboxError {
    /// The policy is `ReadOnly`.
    #[error(
        "cannot write {path}: the sandbox is read-only; ask the user for workspace-write access if the task needs changes"
    )]
    ReadOnly {
        /// The path as given.
        path: PathBuf,
    },
    /// The real location of the path is outside every writable root.
    #[error(
        "cannot write {path}: it resolves to {resolved}, outside the writable roots ({roots}); write inside the workspace or ask the user to widen the sandbox"
    )]
    OutsideWritableRoots {
        /// The path as given.
        path: PathBuf,
        /// Where it really points.
        resolved: PathBuf,
        /// The writable roots, joined for display.
        roots: String,
    },
    /// The path is git metadata or jig's control directory, which stay
    /// read-only inside the sandbox.
    #[error(
        "cannot write {path}: {protected} stays read-only in the sandbox (git metadata and jig's own settings cannot be changed from it); ask the user for an escalation if this change is really needed"
    )]
    Protected {
        /// The path as given.
        path: PathBuf,
        /// The protected path it falls under.
        protected: PathBuf,
    },
    /// The part of the path that does not exist yet contains `..`.
    #[error("cannot write {path}: `..` after a directory that does not exist yet; use a plain path")]
    DotDotInMissingTail {
        /// The path as given.
        path: PathBuf,
    },
    /// No ancestor of the path could be resolved.
    #[error("cannot write {path}: cannot resolve it ({reason})")]
    Unresolvable {
        /// The path as given.
        path: PathBuf,
        /// The I/O error text.
        reason: String,
    },
}

/// Checks that jig may write `path` under `policy`.
///
/// A relative `path` is taken relative to the workspace. In `DangerFullAccess`
/// every path passes; in `ReadOnly` none does.
pub fn check_write(policy: &SandboxPolicy, path: &Path) -> Result<(), SandboxError> {
    match policy.mode {
        SandboxMode::DangerFullAccess => return Ok(()),
        SandboxMode::ReadOnly => {
            return Err(SandboxError::ReadOnly {
                path: path.to_path_buf(),
            });
        }
        SandboxMode::WorkspaceWrite => {}
    }
    let absolute = if path.is_absolute() {
        path.to_path_buf()
    } else {
        policy.workspace.join(path)
    };
    let resolved = resolve_through_existing_ancestor(&absolute).map_err(|e| match e {
        ResolveError::DotDot => SandboxError::DotDotInMissingTail {
            path: path.to_path_buf(),
        },
        ResolveError::Io(reason) => SandboxError::Unresolvable {
            path: path.to_path_buf(),
            reason,
        },
    })?;
    let roots = policy.writable_roots();
    if roots.iter().any(|root| resolved.starts_with(root)) {
        return match protected_paths(policy)
            .into_iter()
            .find(|p| resolved.starts_with(&p.path))
        {
            Some(protected) => Err(SandboxError::Protected {
                path: path.to_path_buf(),
                protected: protected.path,
            }),
            None => Ok(()),
        };
    }
    Err(SandboxError::OutsideWritableRoots {
        path: path.to_path_buf(),
        resolved,
        roots: roots
            .iter()
            .map(|r| r.display().to_string())
            .collect::<Vec<_>>()
            .join(", "),
    })
}

enum ResolveError {
    DotDot,
    Io(String),
}

/// Canonicalises the deepest existing ancestor of `path` and appends the
/// missing tail, which may only contain normal components.
fn resolve_through_existing_ancestor(path: &Path) -> Result<PathBuf, ResolveError> {
    let mut existing = path;
    let mut tail: Vec<Component<'_>> = Vec::new();
    loop {
        // `symlink_metadata` so that a dangling symlink counts as existing:
        // canonicalize then fails on it rather than us writing through it.
        if existing.symlink_metadata().is_ok() {
            break;
        }
        match (existing.parent(), existing.components().next_back()) {
            (Some(parent), Some(last)) => {
                tail.push(last);
                existing = parent;
            }
            _ => return Err(ResolveError::Io("no existing ancestor".to_string())),
        }
    }
    let mut resolved = existing.canonicalize().map_err(|e| ResolveError::Io(e.to_string()))?;
    for component in tail.into_iter().rev() {
        match component {
            Component::Normal(name) => resolved.push(name),
            Component::CurDir => {}
            Component::ParentDir | Component::RootDir | Component::Prefix(_) => {
                return Err(ResolveError::DotDot);
            }
        }
    }
    Ok(resolved)
}
