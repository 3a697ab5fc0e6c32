//! Resolving patch paths inside the workspace root, refusing escapes.
//!
//! A path holding a control character (NUL, newline, escape…) is refused
//! outright. It is then folded lexically (`.` dropped, `..` popping a
//! component; popping past the root is an escape). An absolute path is
//! accepted only when it lies under the root, as given or canonicalized, and
//! is then made relative. Then the deepest part of the path that exists on
//! disk is canonicalized, following every symbolic link, and must still lie
//! under the canonicalized root; so a symlinked directory or file pointing
//! outside is refused, while one pointing elsewhere inside is followed (edits
//! go to its target). Invariant: a [`Target`]'s `real` path is what gets read
//! and written, and it was checked to be under the root. Because `..` is
//! folded before links are followed, what is checked is exactly what is
//! touched. This module must not create, read or write files; it only looks.

use std::fs;
use std::io;
use std::path::{Component, Path, PathBuf};

use crate::PatchError;

/// The canonicalized workspace root that every path must stay under.
#[derive(Debug)]
pub(crate) struct Workspace {
    given: PathBuf,
    canonical: PathBuf,
}

/// A checked patch path.
#[derive(Debug, Clone)]
pub(crate) struct Target {
    /// The path as the patch wrote it, for messages.
    pub shown: String,
    /// The path relative to the root, `..` and `.` folded, for the summary.
    pub relative: PathBuf,
    /// Where to read and write: symlinks resolved, under the canonical root.
    pub real: PathBuf,
    /// A regular file exists at `real`.
    pub exists: bool,
}

impl Workspace {
    /// Canonicalizes `root`, which must be an existing directory.
    pub fn open(root: &Path) -> Result<Self, PatchError> {
        let canonical = fs::canonicalize(root).map_err(|source| PatchError::Io {
            action: "open workspace root",
            path: root.display().to_string(),
            source,
        })?;
        Ok(Workspace {
            given: fold(root).unwrap_or_else(|| root.to_path_buf()),
            canonical,
        })
    }

    /// Checks `path` from the patch and finds where it really leads.
    pub fn resolve(&self, path: &Path) -> Result<Target, PatchError> {
        let shown = path.display().to_string();
        if let Some(character) = shown.chars().find(|c| c.is_control()) {
            return Err(PatchError::ControlCharacter { path: shown, character });
        }
        let outside = || PatchError::OutsideWorkspace { path: shown.clone() };
        let relative = if path.is_absolute() {
            let absolute = fold(path).ok_or_else(outside)?;
            let inside = absolute
                .strip_prefix(&self.given)
                .or_else(|_| absolute.strip_prefix(&self.canonical));
            inside.map_err(|_| outside())?.to_path_buf()
        } else {
            fold(path).ok_or_else(outside)?
        };
        if relative.as_os_str().is_empty() {
            return Err(PatchError::IsDirectory { path: shown });
        }
        let lexical = self.canonical.join(&relative);
        let (existing, rest) =
            deepest_existing(&lexical, &self.canonical).map_err(|source| io_error(&shown, source))?;
        let existing_real = fs::canonicalize(existing).map_err(|source| match source.kind() {
            io::ErrorKind::NotFound => PatchError::BrokenSymlink { path: shown.clone() },
            _ => io_error(&shown, source),
        })?;
        if !existing_real.starts_with(&self.canonical) {
            return Err(outside());
        }
        let metadata = fs::metadata(&existing_real).map_err(|source| io_error(&shown, source))?;
        let exists = rest.as_os_str().is_empty();
        if exists && metadata.is_dir() {
            return Err(PatchError::IsDirectory { path: shown });
        }
        if exists && !metadata.is_file() {
            return Err(PatchError::NotAFile { path: shown });
        }
        if !exists && !metadata.is_dir() {
            return Err(PatchError::ParentNotDirectory { path: shown });
        }
        // `join("")` would add a trailing slash, making the file a directory.
        let real = if exists {
            existing_real
        } else {
            existing_real.join(rest)
        };
        Ok(Target {
            shown,
            relative,
            real,
            exists,
        })
    }
}

fn io_error(shown: &str, source: io::Error) -> PatchError {
    PatchError::Io {
        action: "inspect",
        path: shown.to_owned(),
        source,
    }
}

/// Folds `.` and `..` lexically. `None` when `..` climbs above the start
/// (for a relative path) or a relative path holds a root or prefix.
fn fold(path: &Path) -> Option<PathBuf> {
    let mut folded = PathBuf::new();
    let mut depth = 0usize;
    for component in path.components() {
        match component {
            Component::Prefix(_) | Component::RootDir if path.is_absolute() => folded.push(component),
            Component::Prefix(_) | Component::RootDir => return None,
            Component::CurDir => {}
            Component::ParentDir => {
                depth = depth.checked_sub(1)?;
                folded.pop();
            }
            Component::Normal(name) => {
                depth += 1;
                folded.push(name);
            }
        }
    }
    Some(folded)
}

/// Splits `path` (under `root`, which exists) into its deepest ancestor that
/// exists as a directory entry (a dangling link counts) and the rest.
fn deepest_existing<'a>(path: &'a Path, root: &Path) -> io::Result<(&'a Path, PathBuf)> {
    for ancestor in path.ancestors() {
        match fs::symlink_metadata(ancestor) {
            Ok(_) => {
                let rest = path.strip_prefix(ancestor).map(Path::to_path_buf).unwrap_or_default();
                return Ok((ancestor, rest));
            }
            // Under a file, lookups fail with "not a directory"; climbing on
            // finds that file, which `resolve` then reports as the parent.
            Err(error)
                if matches!(error.kind(), io::ErrorKind::NotFound | io::ErrorKind::NotADirectory)
                    && ancestor != root => {}
            Err(error) => return Err(error),
        }
    }
    // Unreachable in practice: `path` starts with `root`, which exists.
    Err(io::Error::new(io::ErrorKind::NotFound, "no part of the path exists"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fold_rejects_climbing_out() {
        assert_eq!(fold(Path::new("a/./b/../c")), Some(PathBuf::from("a/c")));
        assert_eq!(fold(Path::new("a/..")), Some(PathBuf::new()));
        assert_eq!(fold(Path::new("../x")), None);
        assert_eq!(fold(Path::new("a/../../x")), None);
        assert_eq!(fold(Path::new("/r/a/../../../x")), None);
        assert_eq!(fold(Path::new("/r/a/../b")), Some(PathBuf::from("/r/b")));
    }
}
