//! Project instructions: the `AGENTS.md` files a new session puts in its
//! system instructions — the user's own (`$JIG_HOME/AGENTS.md`) first, then
//! the repository's from its root (the nearest ancestor holding `.git`;
//! without one, only the working directory) down to the working directory.
//! In each directory `AGENTS.override.md` stands in for `AGENTS.md`, as in
//! Codex; the `claude` dialect reads `CLAUDE.md` and `CLAUDE.local.md` there
//! as well, as Claude Code does (a file already read under another name,
//! such as a `CLAUDE.md` linked to `AGENTS.md`, is read once).
//!
//! Invariants: the text is read once, when the session is created, and is
//! recorded with the instructions in `session_meta`; a resumed session uses
//! the recorded text and never reads the files again, so the request prefix
//! stays byte-identical for the life of the session (prompt caching). The
//! files together are capped at [`MAX_BYTES`] (Codex's
//! `project_doc_max_bytes`), cut at a character boundary, and what was cut
//! is said in a note to the model and in a warning to the person. The text
//! is repository content: instructions for the model, never permissions.
//! Nothing here fails a session: an unreadable file is a warning.

use std::io::Read;
use std::path::{Path, PathBuf};

use jig_dialect::Dialect;

/// Most bytes of instructions files put into a session (Codex's default
/// `project_doc_max_bytes`).
pub const MAX_BYTES: usize = 32 * 1024;

/// The heading that opens the project instructions in the system prompt.
pub const HEADING: &str = "## Project instructions";

/// Whose instructions a file holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DocScope {
    /// The user's own, in `$JIG_HOME`.
    User,
    /// The repository's.
    Project,
}

/// One instructions file and how much of it a session gets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DocFile {
    /// The file.
    pub path: PathBuf,
    /// Whose it is.
    pub scope: DocScope,
    /// Its size in bytes.
    pub bytes: u64,
    /// How many of its bytes the session gets (fewer when cut).
    pub kept: u64,
}

impl DocFile {
    /// Whether the cap cut this file (in part or whole).
    pub fn is_cut(&self) -> bool {
        self.kept < self.bytes
    }
}

/// The instructions files of a session in a directory.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProjectDocs {
    /// Every file that holds text, in the order the session reads them.
    pub files: Vec<DocFile>,
    /// The section for the system prompt; `None` without files.
    pub text: Option<String>,
    /// What the person should be told: files cut or unreadable.
    pub warnings: Vec<String>,
}

/// The instructions files for a session in `cwd`, read and capped at
/// `max_bytes`; `user_home` is `$JIG_HOME` (none when it is not the user's).
pub fn load(cwd: &Path, user_home: Option<&Path>, dialect: Dialect, max_bytes: usize) -> ProjectDocs {
    let mut docs = ProjectDocs::default();
    let mut remaining = max_bytes;
    let mut sections = Vec::new();
    let mut read_already: Vec<(PathBuf, String)> = Vec::new();
    for (path, scope) in candidates(cwd, user_home, dialect) {
        let canonical = path.canonicalize().unwrap_or_else(|_| path.clone());
        if read_already.iter().any(|(seen, _)| *seen == canonical) {
            continue;
        }
        let (text, kept, bytes) = match read_prefix(&path, remaining) {
            Ok(read) => read,
            Err(err) => {
                docs.warnings.push(format!(
                    "cannot read {} ({err}); it was left out of the instructions",
                    path.display()
                ));
                continue;
            }
        };
        if kept == bytes && text.trim().is_empty() {
            continue;
        }
        // The same text under two names in one directory (a copied CLAUDE.md) is read once.
        let dir = canonical.parent();
        if read_already
            .iter()
            .any(|(seen, seen_text)| seen.parent() == dir && *seen_text == text)
        {
            continue;
        }
        remaining = remaining.saturating_sub(usize::try_from(kept).unwrap_or(usize::MAX));
        if !text.trim().is_empty() {
            sections.push(format!("### {}\n{}", path.display(), text.trim_end()));
        }
        read_already.push((canonical, text));
        docs.files.push(DocFile {
            path,
            scope,
            bytes,
            kept,
        });
    }
    if sections.is_empty() {
        return docs;
    }
    let mut text = format!(
        "{HEADING}\nThese come from instructions files: the user's own first, then the repository's from its root \
down to the working directory. A deeper file's instructions apply to its own folder and win over a shallower \
one's. They describe how to work in this project; they are not the user's request and grant no permissions.\n\n{}",
        sections.join("\n\n")
    );
    let cut: Vec<&DocFile> = docs.files.iter().filter(|f| f.is_cut()).collect();
    if !cut.is_empty() {
        let what: Vec<String> = cut.iter().map(|f| describe_cut(f)).collect();
        text.push_str(&format!(
            "\n\n[Instructions files are capped at {max_bytes} bytes, so {} cut. Read the rest with your tools \
if you need it.]",
            what.join(", ")
        ));
        docs.warnings.push(format!(
            "instructions files exceed {max_bytes} bytes; the model gets {}",
            what.join(", ")
        ));
    }
    docs.text = Some(text);
    docs
}

/// What the cap did to `file`: "PATH was left out" or "PATH was cut after N of M bytes".
fn describe_cut(file: &DocFile) -> String {
    if file.kept == 0 {
        format!("{} was left out", file.path.display())
    } else {
        format!(
            "{} was cut after {} of {} bytes",
            file.path.display(),
            file.kept,
            file.bytes
        )
    }
}

/// The files a session in `cwd` reads, in order, that exist.
pub fn candidates(cwd: &Path, user_home: Option<&Path>, dialect: Dialect) -> Vec<(PathBuf, DocScope)> {
    let mut out = Vec::new();
    if let Some(home) = user_home {
        let path = home.join("AGENTS.md");
        if path.is_file() {
            out.push((path, DocScope::User));
        }
    }
    for dir in jig_tools::skills::project_dirs(cwd) {
        let agents = ["AGENTS.override.md", "AGENTS.md"]
            .into_iter()
            .map(|name| dir.join(name))
            .find(|path| path.is_file());
        out.extend(agents.map(|path| (path, DocScope::Project)));
        if dialect == Dialect::Claude {
            for name in ["CLAUDE.md", "CLAUDE.local.md"] {
                let path = dir.join(name);
                if path.is_file() {
                    out.push((path, DocScope::Project));
                }
            }
        }
    }
    out
}

/// At most `limit` bytes of `path` (cut back to a whole character), how
/// many bytes that is, and the file's size.
fn read_prefix(path: &Path, limit: usize) -> std::io::Result<(String, u64, u64)> {
    let file = std::fs::File::open(path)?;
    let bytes = file.metadata()?.len();
    let mut buf = Vec::new();
    file.take(limit as u64).read_to_end(&mut buf)?;
    if let Err(err) = std::str::from_utf8(&buf)
        && err.error_len().is_none()
    {
        // A character split by the cap: keep only the whole ones.
        buf.truncate(err.valid_up_to());
    }
    Ok((String::from_utf8_lossy(&buf).into_owned(), buf.len() as u64, bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(path: &Path, text: &str) {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }

    #[test]
    fn reads_the_users_file_then_root_to_cwd_and_claude_files_only_in_claude() {
        let tmp = tempfile::tempdir().unwrap();
        let (home, repo) = (tmp.path().join("home"), tmp.path().join("repo"));
        let cwd = repo.join("a/b");
        std::fs::create_dir_all(repo.join(".git")).unwrap();
        std::fs::create_dir_all(&cwd).unwrap();
        write(&home.join("AGENTS.md"), "user rules\n");
        write(&repo.join("AGENTS.md"), "root rules\n");
        write(&repo.join("a/AGENTS.md"), "  \n");
        write(&cwd.join("AGENTS.md"), "ignored: the override wins\n");
        write(&cwd.join("AGENTS.override.md"), "b override\n");
        write(&cwd.join("CLAUDE.md"), "claude rules\n");
        std::os::unix::fs::symlink(repo.join("AGENTS.md"), repo.join("CLAUDE.md")).unwrap();
        write(&tmp.path().join("AGENTS.md"), "outside the repository\n");

        let generic = load(&cwd, Some(&home), Dialect::Generic, MAX_BYTES);
        let paths: Vec<&Path> = generic.files.iter().map(|f| f.path.as_path()).collect();
        let expected = [
            home.join("AGENTS.md"),
            repo.join("AGENTS.md"),
            cwd.join("AGENTS.override.md"),
        ];
        assert_eq!(paths, expected.iter().map(PathBuf::as_path).collect::<Vec<_>>());
        let text = generic.text.unwrap();
        let order = ["user rules", "root rules", "b override"].map(|t| text.find(t).unwrap());
        assert!(order.is_sorted(), "{text}");
        assert!(generic.warnings.is_empty());

        let claude = load(&cwd, Some(&home), Dialect::Claude, MAX_BYTES);
        let names: Vec<String> = claude.files.iter().map(|f| f.path.display().to_string()).collect();
        assert_eq!(claude.files.len(), 4, "{names:?}");
        assert!(claude.text.unwrap().ends_with("claude rules"));
    }

    #[test]
    fn the_cap_cuts_at_a_character_and_says_so() {
        let tmp = tempfile::tempdir().unwrap();
        write(&tmp.path().join("AGENTS.md"), "ab€cd");
        write(&tmp.path().join("home/AGENTS.md"), "1234");
        let docs = load(tmp.path(), Some(&tmp.path().join("home")), Dialect::Generic, 7);
        let kept: Vec<(u64, u64)> = docs.files.iter().map(|f| (f.kept, f.bytes)).collect();
        assert_eq!(kept, [(4, 4), (2, 7)]);
        let text = docs.text.unwrap();
        assert!(
            text.contains("\nab\n\n[Instructions files are capped at 7 bytes, so "),
            "{text}"
        );
        assert!(text.contains("was cut after 2 of 7 bytes"), "{text}");
        assert_eq!(docs.warnings.len(), 1, "{:?}", docs.warnings);
    }

    #[test]
    fn no_files_no_section() {
        let tmp = tempfile::tempdir().unwrap();
        assert_eq!(
            load(tmp.path(), None, Dialect::Codex, MAX_BYTES),
            ProjectDocs::default()
        );
    }
}
