//! The paths a sandboxed command may not change although they lie under a
//! writable root: git metadata (`.git`, and the git directory a `.git` file
//! points to) and jig's own control directory (`.jig`). A command that could
//! write them could plant a hook or `core.hooksPath` that the person's next
//! `git commit` runs outside any sandbox, or a `.jig/config.toml` that the
//! next `jig exec` obeys.
//!
//! Which paths: `.git` and `.jig` in the workspace and in every directory
//! above it that jig's config search visits (up to the first one holding
//! `.git`), and in every other writable root. Only paths under a writable
//! root are listed; everything else is read-only already. In the workspace
//! itself a missing `.git` or `.jig` is listed as [`Presence::Placeholder`]:
//! the helper puts an empty read-only directory there for the command's
//! lifetime (see `supervisor`), so neither can be created. Elsewhere a missing
//! one is [`Presence::Missing`]: only the in-process check refuses it.
//!
//! Invariant: the kernel side (read-only bind mounts, `mounts`) and the
//! in-process side ([`crate::check_write`]) use this one list. This module
//! only stats and reads paths; it never writes.

use std::path::{Path, PathBuf};

use crate::policy::{SandboxMode, SandboxPolicy};

/// The names kept read-only in each directory that is checked.
pub(crate) const PROTECTED_NAMES: [&str; 2] = [".git", ".jig"];

/// Whether a protected path exists when the command starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Presence {
    /// It exists; the helper binds it read-only.
    Exists,
    /// It is missing in the workspace; the helper covers it with a placeholder.
    Placeholder,
    /// It is missing outside the workspace; only in-process writes are refused.
    Missing,
}

/// One protected path (canonical when it exists).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Protected {
    pub(crate) path: PathBuf,
    pub(crate) presence: Presence,
}

/// The protected paths of `policy`; empty unless the mode is `WorkspaceWrite`.
pub(crate) fn protected_paths(policy: &SandboxPolicy) -> Vec<Protected> {
    if policy.mode != SandboxMode::WorkspaceWrite {
        return Vec::new();
    }
    let roots = policy.writable_roots();
    let Ok(workspace) = policy.workspace.canonicalize() else {
        return Vec::new();
    };
    let mut dirs: Vec<PathBuf> = Vec::new();
    for dir in workspace.ancestors() {
        dirs.push(dir.to_path_buf());
        if dir.join(".git").symlink_metadata().is_ok() {
            break;
        }
    }
    dirs.extend(roots.iter().cloned());
    let mut found = Found {
        roots: &roots,
        list: Vec::new(),
    };
    for dir in &dirs {
        for name in PROTECTED_NAMES {
            let path = dir.join(name);
            if path.symlink_metadata().is_err() {
                let presence = if *dir == workspace {
                    Presence::Placeholder
                } else {
                    Presence::Missing
                };
                found.push(path, presence);
                continue;
            }
            let real = path.canonicalize().unwrap_or_else(|_| path.clone());
            if name == ".git" && real.is_file() {
                for gitdir in gitdirs_of_pointer(&real) {
                    found.push(gitdir, Presence::Exists);
                }
            }
            found.push(real, Presence::Exists);
        }
    }
    found.list
}

struct Found<'a> {
    roots: &'a [PathBuf],
    list: Vec<Protected>,
}

impl Found<'_> {
    fn push(&mut self, path: PathBuf, presence: Presence) {
        let writable = self.roots.iter().any(|root| path.starts_with(root));
        if writable && !self.list.iter().any(|p| p.path == path) {
            self.list.push(Protected { path, presence });
        }
    }
}

/// The git directories a `.git` file (a worktree or submodule) points to:
/// its `gitdir:` and, for a worktree, that directory's `commondir`.
fn gitdirs_of_pointer(dot_git: &Path) -> Vec<PathBuf> {
    let mut dirs = Vec::new();
    let Some(gitdir) = read_pointer(dot_git, "gitdir:") else {
        return dirs;
    };
    if let Some(common) = read_pointer(&gitdir.join("commondir"), "") {
        dirs.push(common);
    }
    dirs.push(gitdir);
    dirs
}

/// The canonical path that `file` names after `prefix`, relative to the
/// file's directory; `None` when it is unreadable or names nothing.
fn read_pointer(file: &Path, prefix: &str) -> Option<PathBuf> {
    // Pointer files are one short line; a large one is not a pointer.
    if file.metadata().ok()?.len() > 4096 {
        return None;
    }
    let text = std::fs::read_to_string(file).ok()?;
    let target = text.trim().strip_prefix(prefix)?.trim();
    if target.is_empty() {
        return None;
    }
    file.parent()?.join(target).canonicalize().ok()
}
