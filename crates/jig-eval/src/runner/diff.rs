//! The workspace's final diff: what the agent changed, for the judge and
//! the report. The task's files are snapshotted after they are laid out and
//! compared with what is there after the agent; text files give a unified
//! diff (the `similar` crate, as `git diff` shows one), others a line
//! saying they changed.
//!
//! Paths are shown as the agent saw them (`/app/…`). Directories that hold
//! build output or dependencies (`.git`, `target`, `node_modules`,
//! `__pycache__`, `.venv`) are skipped, and so are files over
//! [`MAX_FILE_BYTES`]; the whole diff is cut at [`MAX_DIFF_BYTES`].

use std::collections::BTreeMap;
use std::path::Path;

use similar::TextDiff;

/// Most bytes of a stored diff.
pub const MAX_DIFF_BYTES: usize = 256 * 1024;
/// Files larger than this are compared by size and content hash only.
const MAX_FILE_BYTES: u64 = 1024 * 1024;
/// Directories never walked.
const SKIPPED: [&str; 5] = [".git", "target", "node_modules", "__pycache__", ".venv"];

/// A file's content as snapshotted.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Content {
    Text(String),
    /// Binary or too large: its length and a hash.
    Opaque(u64, u64),
}

/// The files under a root, by path relative to it.
#[derive(Debug, Default)]
pub(crate) struct Snapshot {
    files: BTreeMap<String, Content>,
}

impl Snapshot {
    /// Reads every file under `root` (unreadable ones are left out).
    pub(crate) fn take(root: &Path) -> Snapshot {
        let mut files = BTreeMap::new();
        walk(root, root, &mut files);
        Snapshot { files }
    }

    /// Reads every file under `dir`, named by its path from `root` (an
    /// in-place sample's working directory, under the container's `/`).
    pub(crate) fn take_within(root: &Path, dir: &Path) -> Snapshot {
        let mut files = BTreeMap::new();
        walk(root, dir, &mut files);
        Snapshot { files }
    }

    /// The unified diff from this snapshot to `after`.
    pub(crate) fn diff(&self, after: &Snapshot) -> String {
        let mut out = String::new();
        let paths: std::collections::BTreeSet<&String> = self.files.keys().chain(after.files.keys()).collect();
        for path in paths {
            let old = self.files.get(path);
            let new = after.files.get(path);
            if old == new {
                continue;
            }
            let shown = format!("/{path}");
            match (old, new) {
                (Some(Content::Text(a)), Some(Content::Text(b))) => file_diff(&mut out, &shown, a, b, "", ""),
                (None, Some(Content::Text(b))) => file_diff(&mut out, &shown, "", b, "new file", ""),
                (Some(Content::Text(a)), None) => file_diff(&mut out, &shown, a, "", "", "deleted file"),
                (None, Some(_)) => out.push_str(&format!("Binary file {shown} added\n")),
                (Some(_), None) => out.push_str(&format!("Binary file {shown} deleted\n")),
                _ => out.push_str(&format!("Binary files {shown} differ\n")),
            }
            if out.len() > MAX_DIFF_BYTES {
                let mut cut = MAX_DIFF_BYTES;
                while !out.is_char_boundary(cut) {
                    cut -= 1;
                }
                out.truncate(cut);
                out.push_str("\n… (the diff is cut here for length)\n");
                break;
            }
        }
        out
    }
}

fn file_diff(out: &mut String, path: &str, old: &str, new: &str, added: &str, deleted: &str) {
    let from = if added.is_empty() {
        format!("a{path}")
    } else {
        "/dev/null".to_owned()
    };
    let to = if deleted.is_empty() {
        format!("b{path}")
    } else {
        "/dev/null".to_owned()
    };
    out.push_str(&format!("diff --git a{path} b{path}\n"));
    if !added.is_empty() {
        out.push_str(&format!("{added} mode 100644\n"));
    }
    if !deleted.is_empty() {
        out.push_str(&format!("{deleted} mode 100644\n"));
    }
    out.push_str(
        &TextDiff::from_lines(old, new)
            .unified_diff()
            .context_radius(3)
            .header(&from, &to)
            .to_string(),
    );
}

fn walk(root: &Path, dir: &Path, files: &mut BTreeMap<String, Content>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        let Ok(kind) = entry.file_type() else { continue };
        if kind.is_dir() {
            if !SKIPPED.iter().any(|skip| entry.file_name() == *skip) {
                walk(root, &path, files);
            }
            continue;
        }
        if !kind.is_file() {
            continue;
        }
        let Ok(rel) = path.strip_prefix(root) else { continue };
        let rel = rel.to_string_lossy().into_owned();
        let Ok(meta) = entry.metadata() else { continue };
        let content = if meta.len() > MAX_FILE_BYTES {
            Content::Opaque(meta.len(), meta.ino_hash())
        } else {
            match std::fs::read(&path) {
                Ok(bytes) => match String::from_utf8(bytes) {
                    Ok(text) if !text.contains('\0') => Content::Text(text),
                    Ok(text) => Content::Opaque(text.len() as u64, hash(text.as_bytes())),
                    Err(error) => {
                        let bytes = error.into_bytes();
                        Content::Opaque(bytes.len() as u64, hash(&bytes))
                    }
                },
                Err(_) => continue,
            }
        };
        files.insert(rel, content);
    }
}

/// FNV-1a: enough to tell two versions of a file apart in one sample.
fn hash(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// A large file's stand-in for its hash: its modification time, so a
/// rewritten large file shows as changed without reading it.
trait InoHash {
    fn ino_hash(&self) -> u64;
}

impl InoHash for std::fs::Metadata {
    fn ino_hash(&self) -> u64 {
        use std::os::unix::fs::MetadataExt;
        (self.mtime() as u64).wrapping_mul(1_000_000_007) ^ self.mtime_nsec() as u64
    }
}
