//! [`TraitName::ReadBeforeEdit`](super::TraitName::ReadBeforeEdit), judged
//! file by file: an existing file counts as read once its *content* was
//! shown to the model before its first edit.
//!
//! Content is shown by a read of the file (`read_file`, `Read`, shell
//! `cat`/`head`/`tail`/`sed -n`/`nl`, `< file`; a shell glob such as
//! `cat src/*.py` covers the files it matches), or by a search whose
//! output holds lines of it — a line that starts with the file's name
//! followed by `:` (a match, `path:line:text` or `path:text`) or `-N-` (a
//! context line), the way `search`, `rg` and `grep` print them — or by a
//! search of that file alone that found something (`rg -n x calc.py`
//! prints no name). Names alone are not content: a listing (`list_dir`,
//! `ls`, `find`, `rg --files`) or a names-only search (`rg -l`) does not
//! count, and neither does a search of a directory that printed lines of
//! other files. Invariant: judged from the rollout alone — a search's
//! output text is what the model saw, so it is what counts.

use std::collections::HashSet;

use super::actions::{Action, Edit, Look, Via};
use super::grade::{Grade, edit_name, note};
use super::timeline::{Call, Timeline};

/// A look at files that ran, as the workspace sees its path.
struct Seen<'a> {
    call: &'a Call,
    kind: Look,
    via: Via,
    /// Relative to the session's cwd; `None` for the whole workspace.
    path: Option<String>,
}

impl Seen<'_> {
    /// Whether this look showed the content of `file`.
    fn shows(&self, t: &Timeline, file: &str) -> bool {
        match self.kind {
            Look::List => false,
            Look::Read => {
                (self.via != Via::Tool || self.call.succeeded())
                    && self.path.as_deref().is_some_and(|p| p == file || glob_matches(p, file))
            }
            Look::Search => {
                let output = self.call.output.as_ref().map_or("", |(_, _, text)| text.as_str());
                let found = self.call.succeeded() && !output.trim_start().starts_with("no matches");
                (found && self.path.as_deref() == Some(file)) || names_lines_of(t, output, self.path.as_deref(), file)
            }
        }
    }

    /// Whether this look named `file`'s directory without showing it.
    fn covers(&self, file: &str) -> bool {
        match self.path.as_deref() {
            None | Some("") => true,
            Some(dir) => file.strip_prefix(dir).is_some_and(|rest| rest.starts_with('/')),
        }
    }

    fn describe(&self) -> String {
        let record = self.call.record;
        match (self.kind, self.via) {
            (Look::Read, Via::Tool) => format!("{}, record {record}", self.call.name),
            (Look::Read, _) => format!("shell read, record {record}"),
            (_, Via::Tool) => format!("{} showed its lines, record {record}", self.call.name),
            _ => format!("shell search showed its lines, record {record}"),
        }
    }
}

pub(crate) fn read_before_edit(t: &Timeline) -> Grade {
    let mut seen: Vec<Seen<'_>> = Vec::new();
    let mut edited: HashSet<String> = HashSet::new();
    let (mut good, mut total, mut evidence) = (0, 0, Vec::new());
    for call in &t.calls {
        for action in &call.actions {
            match action {
                Action::Look { kind, path, via } if call.ran() => seen.push(Seen {
                    call,
                    kind: *kind,
                    via: *via,
                    path: path.as_deref().map(|p| t.relative(p)),
                }),
                Action::Edit { kind, path, via } if call.succeeded() => {
                    let path = t.relative(path);
                    if !edited.insert(path.clone()) || *kind == Edit::Create {
                        continue;
                    }
                    total += 1;
                    let how = edit_name(call, *via);
                    if let Some(read) = seen.iter().find(|s| s.shows(t, &path)) {
                        good += 1;
                        let what = format!("{how} on {path} after reading it ({})", read.describe());
                        evidence.push(note(Some(call.record), what));
                    } else {
                        let what = format!("{how} on {path} before any read of it{}", near_miss(&seen, &path));
                        evidence.push(note(Some(call.record), what));
                    }
                }
                _ => {}
            }
        }
    }
    if total == 0 {
        return Grade::not_applicable("no existing file was edited");
    }
    Grade::share(good, total, evidence)
}

/// Why the last look that covered `file` did not count, for the evidence.
fn near_miss(seen: &[Seen<'_>], file: &str) -> String {
    let Some(look) = seen.iter().rev().find(|s| s.kind != Look::Read && s.covers(file)) else {
        return String::new();
    };
    let record = look.call.record;
    match look.kind {
        Look::List => format!(" (the listing at record {record} showed names, not content)"),
        _ => format!(" (the search at record {record} showed none of its lines)"),
    }
}

/// Whether some line of a search's `output` is a line of `file`, printed
/// as `NAME:…` or `NAME-N-…` where NAME is the file as the search named it:
/// relative to the cwd (with or without `./`), absolute, or relative to
/// the searched directory `root` (`cd src && rg x` prints `lib.rs:…`).
fn names_lines_of(t: &Timeline, output: &str, root: Option<&str>, file: &str) -> bool {
    let mut names = vec![file.to_string(), format!("./{file}")];
    if !t.cwd.is_empty() && !file.starts_with('/') {
        names.push(format!("{}/{file}", t.cwd.trim_end_matches('/')));
    }
    if let Some(rest) = root.and_then(|dir| file.strip_prefix(dir)?.strip_prefix('/')) {
        names.push(rest.to_string());
        names.push(format!("./{rest}"));
    }
    output.lines().any(|line| {
        names.iter().any(|name| {
            line.strip_prefix(name.as_str())
                .is_some_and(|rest| rest.starts_with(':') || rest.strip_prefix('-').is_some_and(is_context_line_rest))
        })
    })
}

/// `12-text` after `NAME-`: a context line's number and separator.
fn is_context_line_rest(rest: &str) -> bool {
    let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
    digits > 0 && rest[digits..].starts_with('-')
}

/// Whether the shell glob `pattern` (`*`, `?`; neither crosses a `/`)
/// matches `path`. A pattern without wildcards matches nothing here: the
/// caller compares plain paths itself.
fn glob_matches(pattern: &str, path: &str) -> bool {
    fn matches(p: &[u8], s: &[u8]) -> bool {
        match p.split_first() {
            None => s.is_empty(),
            Some((b'*', rest)) => (0..=s.len())
                .take_while(|&i| i == 0 || s[i - 1] != b'/')
                .any(|i| matches(rest, &s[i..])),
            Some((b'?', rest)) => s.first().is_some_and(|&c| c != b'/') && matches(rest, &s[1..]),
            Some((c, rest)) => s.first() == Some(c) && matches(rest, &s[1..]),
        }
    }
    pattern.contains(['*', '?']) && matches(pattern.as_bytes(), path.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs_match_within_a_directory() {
        assert!(glob_matches("src/*.py", "src/app.py"));
        assert!(glob_matches("*.p?", "app.py"));
        assert!(!glob_matches("src/*.py", "src/deep/app.py"));
        assert!(
            !glob_matches("src/app.py", "src/app.py"),
            "plain paths are compared elsewhere"
        );
        assert!(!glob_matches("*.rs", "app.py"));
    }

    #[test]
    fn search_lines_name_their_file() {
        let t = Timeline {
            cwd: "/app".into(),
            ..Timeline::default()
        };
        let output = "exit code: 0\nstdout:\nsrc/lib.rs:3:fn page() {}\n./notes.txt-4-context";
        assert!(names_lines_of(&t, output, None, "src/lib.rs"));
        assert!(names_lines_of(&t, output, None, "notes.txt"));
        assert!(names_lines_of(&t, "/app/a.py:1:x", None, "a.py"));
        assert!(names_lines_of(&t, "lib.rs:9:x", Some("src"), "src/lib.rs"));
        assert!(
            !names_lines_of(&t, "src/lib.rs\nsrc/main.rs", None, "src/lib.rs"),
            "names only"
        );
        assert!(!names_lines_of(&t, "src/lib.rs.bak:1:x", None, "src/lib.rs"));
        assert!(!names_lines_of(&t, "src/lib.rs-old:1:x", None, "src/lib.rs"));
    }
}
