//! What a turn changed in its workspace: the files it added, modified or
//! deleted, with lines added and removed per file, from a snapshot taken
//! before the turn and one taken after.
//!
//! A snapshot and not the tool calls: a shell command changes files no
//! patch names. The walk honours `.gitignore` (build output such as
//! `target/` stays out) and skips `.git` and `.jig`; binary files are
//! compared by a hash of their content and files over [`MAX_FILE_BYTES`] by
//! size and modification time, both counted without lines; a workspace of
//! more than [`MAX_FILES`] files is cut there. So a turn in a huge
//! directory costs a bounded walk and bounded memory.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use schemars::JsonSchema;
use serde::Serialize;

/// Files larger than this are compared whole, without line counts.
const MAX_FILE_BYTES: u64 = 1024 * 1024;
/// Most files a snapshot reads.
const MAX_FILES: usize = 20_000;

/// A file's content as snapshotted.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Content {
    Text(String),
    /// Binary: a hash of the bytes.
    Binary(u64),
    /// Too large to read: its size and modification time.
    Large(u64, Option<std::time::SystemTime>),
}

/// The files under a workspace, by path relative to it (`/`-separated).
#[derive(Debug, Default)]
pub struct Snapshot {
    files: BTreeMap<String, Content>,
}

/// How one file changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ChangeKind {
    /// The file is new.
    Added,
    /// The file was there and its content changed.
    Modified,
    /// The file is gone.
    Deleted,
}

/// One changed file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub struct FileChange {
    /// Path relative to the workspace.
    pub path: String,
    /// Added, modified or deleted.
    pub change: ChangeKind,
    /// Lines added (0 for binary or large files).
    pub lines_added: u64,
    /// Lines removed (0 for binary or large files).
    pub lines_removed: u64,
}

impl Snapshot {
    /// Reads the files under `root` (unreadable ones are left out).
    pub fn take(root: &Path) -> Snapshot {
        let mut files = BTreeMap::new();
        let walk = ignore::WalkBuilder::new(root)
            .hidden(false)
            .require_git(false)
            .filter_entry(|entry| !matches!(entry.file_name().to_str(), Some(".git" | ".jig")))
            .build();
        for entry in walk.flatten().take(MAX_FILES) {
            if !entry.file_type().is_some_and(|t| t.is_file()) {
                continue;
            }
            let Ok(relative) = entry.path().strip_prefix(root) else {
                continue;
            };
            let Ok(metadata) = entry.metadata() else {
                continue;
            };
            let content = if metadata.len() > MAX_FILE_BYTES {
                Content::Large(metadata.len(), metadata.modified().ok())
            } else {
                let Ok(bytes) = std::fs::read(entry.path()) else {
                    continue;
                };
                match String::from_utf8(bytes) {
                    Ok(text) if !text.contains('\0') => Content::Text(text),
                    Ok(text) => Content::Binary(hash(text.as_bytes())),
                    Err(err) => Content::Binary(hash(err.as_bytes())),
                }
            };
            files.insert(relative.to_string_lossy().replace('\\', "/"), content);
        }
        Snapshot { files }
    }

    /// The files that differ from this snapshot to `after`, by path.
    pub fn changes(&self, after: &Snapshot) -> Vec<FileChange> {
        let paths: BTreeSet<&String> = self.files.keys().chain(after.files.keys()).collect();
        let mut changes = Vec::new();
        for path in paths {
            let (old, new) = (self.files.get(path), after.files.get(path));
            if old == new {
                continue;
            }
            let change = match (old, new) {
                (None, _) => ChangeKind::Added,
                (_, None) => ChangeKind::Deleted,
                _ => ChangeKind::Modified,
            };
            let (lines_added, lines_removed) = match (text(old), text(new)) {
                (Some(a), Some(b)) => count_lines(a, b),
                _ => (0, 0),
            };
            changes.push(FileChange {
                path: path.clone(),
                change,
                lines_added,
                lines_removed,
            });
        }
        changes
    }
}

/// A file's text for counting lines: empty when absent, `None` when opaque.
fn text(content: Option<&Content>) -> Option<&str> {
    match content {
        Some(Content::Text(t)) => Some(t.as_str()),
        None => Some(""),
        Some(Content::Binary(_) | Content::Large(..)) => None,
    }
}

fn hash(bytes: &[u8]) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    bytes.hash(&mut hasher);
    hasher.finish()
}

/// Lines inserted and deleted from `old` to `new`.
fn count_lines(old: &str, new: &str) -> (u64, u64) {
    let diff = similar::TextDiff::from_lines(old, new);
    let (mut added, mut removed) = (0, 0);
    for change in diff.iter_all_changes() {
        match change.tag() {
            similar::ChangeTag::Insert => added += 1,
            similar::ChangeTag::Delete => removed += 1,
            similar::ChangeTag::Equal => {}
        }
    }
    (added, removed)
}

/// A `git diff --stat`-like summary: one line per file, then the totals.
pub fn summary(changes: &[FileChange]) -> String {
    if changes.is_empty() {
        return "no files changed".into();
    }
    let mut out = String::new();
    for c in changes {
        let what = match c.change {
            ChangeKind::Added => "added",
            ChangeKind::Modified => "modified",
            ChangeKind::Deleted => "deleted",
        };
        out.push_str(&format!(
            "{} ({what}) +{} -{}\n",
            c.path, c.lines_added, c.lines_removed
        ));
    }
    let added: u64 = changes.iter().map(|c| c.lines_added).sum();
    let removed: u64 = changes.iter().map(|c| c.lines_removed).sum();
    let files = if changes.len() == 1 { "file" } else { "files" };
    out.push_str(&format!("{} {files} changed, +{added} -{removed}", changes.len()));
    out
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn added_modified_deleted_and_ignored_files() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::write(root.join(".gitignore"), "target/\n").unwrap();
        std::fs::write(root.join("a.txt"), "one\ntwo\n").unwrap();
        std::fs::write(root.join("gone.txt"), "x\n").unwrap();
        let before = Snapshot::take(root);
        std::fs::write(root.join("a.txt"), "one\n2\nthree\n").unwrap();
        std::fs::remove_file(root.join("gone.txt")).unwrap();
        std::fs::write(root.join("new.txt"), "n\n").unwrap();
        std::fs::create_dir(root.join("target")).unwrap();
        std::fs::write(root.join("target/out"), "built\n").unwrap();
        let changes = before.changes(&Snapshot::take(root));
        let got: Vec<_> = changes
            .iter()
            .map(|c| (c.path.as_str(), c.change, c.lines_added, c.lines_removed))
            .collect();
        assert_eq!(
            got,
            [
                ("a.txt", ChangeKind::Modified, 2, 1),
                ("gone.txt", ChangeKind::Deleted, 0, 1),
                ("new.txt", ChangeKind::Added, 1, 0),
            ]
        );
        assert!(
            summary(&changes).ends_with("3 files changed, +3 -2"),
            "{}",
            summary(&changes)
        );
    }
}
