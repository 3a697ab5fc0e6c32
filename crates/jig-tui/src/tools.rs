//! What a tool call shows as: a command, an edit with its diff, a read, a
//! search — whichever dialect's tool made it (`shell`, `exec_command`,
//! `Bash`; `apply_patch`, `Edit`, `Write`, `edit_file`; …).
//!
//! Arguments are untrusted model output: anything that does not parse is
//! shown as the raw arguments, cut to a line, never an error.

use serde_json::Value;

/// A tool call, as the transcript shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Shown {
    /// Not shown at all: the plan tools (the plan cell shows the plan).
    Hidden,
    /// A shell command.
    Command(String),
    /// A file edit: the files, and a diff (unified, or apply_patch's own format).
    Edit {
        /// The files touched.
        paths: String,
        /// `+`/`-` lines.
        diff: String,
    },
    /// A file read or directory listing.
    Read(String),
    /// A search.
    Search(String),
    /// Anything else: the tool's name and its arguments on one line.
    Other(String, String),
}

impl Shown {
    /// The verb and the object of the call's line (`Ran`, `cargo test`).
    pub fn title(&self) -> (String, String) {
        let (verb, what) = match self {
            Shown::Hidden => ("", String::new()),
            Shown::Command(command) => ("Ran", one_line(command)),
            Shown::Edit { paths, .. } => ("Edited", paths.clone()),
            Shown::Read(path) => ("Read", path.clone()),
            Shown::Search(pattern) => ("Searched", pattern.clone()),
            Shown::Other(name, args) => return (name.clone(), args.clone()),
        };
        (verb.to_string(), what)
    }
}

/// Lines of a written file shown as added.
const WRITE_PREVIEW: usize = 400;
/// Characters of raw arguments shown for an unknown tool.
const ARGS_PREVIEW: usize = 200;

/// How the call `name(arguments)` shows.
pub fn show(name: &str, arguments: &str) -> Shown {
    let args: Value = serde_json::from_str(arguments).unwrap_or(Value::Null);
    let text = |key: &str| args.get(key).and_then(Value::as_str).map(str::to_string);
    match name {
        "update_plan" | "TodoWrite" | "TaskCreate" | "TaskUpdate" | "TaskList" => Shown::Hidden,
        "shell" | "Bash" | "exec_command" | "shell_command" => match command(&args) {
            Some(command) => match patch_in(&command) {
                Some(patch) => edit_from_patch(&patch),
                None => Shown::Command(command),
            },
            None => other(name, arguments),
        },
        "apply_patch" => {
            let patch = text("input")
                .or_else(|| text("patch"))
                .unwrap_or_else(|| arguments.to_string());
            edit_from_patch(&patch)
        }
        "Edit" | "edit_file" => match (text("file_path").or_else(|| text("path")), text("old_string")) {
            (Some(path), Some(old)) => Shown::Edit {
                paths: path,
                diff: diff(&old, &text("new_string").unwrap_or_default()),
            },
            _ => other(name, arguments),
        },
        "Write" | "write_file" => match (text("file_path").or_else(|| text("path")), text("content")) {
            (Some(path), Some(content)) => Shown::Edit {
                paths: path,
                diff: content
                    .lines()
                    .take(WRITE_PREVIEW)
                    .map(|line| format!("+{line}\n"))
                    .collect(),
            },
            _ => other(name, arguments),
        },
        "Read" | "read_file" | "list_dir" | "view_image" => match text("file_path").or_else(|| text("path")) {
            Some(path) => Shown::Read(path),
            None => other(name, arguments),
        },
        "search" | "Grep" | "Glob" | "grep_files" => match text("pattern") {
            Some(pattern) => Shown::Search(match text("path") {
                Some(path) => format!("{pattern} in {path}"),
                None => pattern,
            }),
            None => other(name, arguments),
        },
        "ask_user" | "request_user_input" | "AskUserQuestion" => {
            let first = args.get("questions").and_then(|q| q.get(0)).unwrap_or(&args);
            match first.get("question").and_then(Value::as_str) {
                Some(question) => Shown::Other("Asked".into(), one_line(question)),
                None => other(name, arguments),
            }
        }
        _ => other(name, arguments),
    }
}

/// The command of a shell-like call: a string, or an argv (`bash -lc
/// SCRIPT` shows as the script).
fn command(args: &Value) -> Option<String> {
    let value = args.get("command").or_else(|| args.get("cmd"))?;
    match value {
        Value::String(command) => Some(command.clone()),
        Value::Array(argv) => {
            let words: Vec<&str> = argv.iter().filter_map(Value::as_str).collect();
            match words.as_slice() {
                [shell, flag, script] if shell.ends_with("sh") && flag.starts_with('-') && flag.ends_with('c') => {
                    Some((*script).to_string())
                }
                _ => Some(words.join(" ")),
            }
        }
        _ => None,
    }
}

/// A patch given to `apply_patch` through a shell heredoc.
fn patch_in(command: &str) -> Option<String> {
    let start = command.find("*** Begin Patch")?;
    let end = command[start..]
        .find("*** End Patch")
        .map_or(command.len(), |end| start + end);
    Some(command[start..end].to_string())
}

/// An apply_patch body: the files it names, and its lines minus the envelope.
fn edit_from_patch(patch: &str) -> Shown {
    let mut paths = Vec::new();
    let mut body = String::new();
    for line in patch.lines() {
        if line.starts_with("*** Begin Patch") || line.starts_with("*** End Patch") {
            continue;
        }
        for marker in [
            "*** Update File: ",
            "*** Add File: ",
            "*** Delete File: ",
            "*** Move to: ",
        ] {
            if let Some(path) = line.strip_prefix(marker) {
                paths.push(path.trim().to_string());
            }
        }
        body.push_str(line);
        body.push('\n');
    }
    Shown::Edit {
        paths: if paths.is_empty() {
            "(patch)".into()
        } else {
            paths.join(", ")
        },
        diff: body,
    }
}

/// `-`/`+`/` ` lines from `old` to `new`, with two lines of context.
fn diff(old: &str, new: &str) -> String {
    let diff = similar::TextDiff::from_lines(old, new);
    let mut out = String::new();
    for group in diff.grouped_ops(2) {
        for op in group {
            for change in diff.iter_changes(&op) {
                let sign = match change.tag() {
                    similar::ChangeTag::Delete => '-',
                    similar::ChangeTag::Insert => '+',
                    similar::ChangeTag::Equal => ' ',
                };
                out.push(sign);
                out.push_str(change.value().trim_end_matches('\n'));
                out.push('\n');
            }
        }
    }
    out
}

fn other(name: &str, arguments: &str) -> Shown {
    Shown::Other(
        name.to_string(),
        crate::wrap::truncate(&one_line(arguments), ARGS_PREVIEW),
    )
}

/// `text` on one line: newlines shown as `⏎`.
pub fn one_line(text: &str) -> String {
    text.trim().replace('\n', " ⏎ ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shell_argv_shows_the_script() {
        let shown = show("shell", r#"{"command":["bash","-lc","cargo test"]}"#);
        assert_eq!(shown, Shown::Command("cargo test".into()));
        assert_eq!(show("Bash", r#"{"command":"ls -la"}"#), Shown::Command("ls -la".into()));
        assert_eq!(
            show("exec_command", r#"{"cmd":"rg foo"}"#),
            Shown::Command("rg foo".into())
        );
    }

    #[test]
    fn edits_show_as_diffs_in_every_dialect() {
        let patch = "*** Begin Patch\n*** Update File: src/lib.rs\n@@\n-a\n+b\n*** End Patch\n";
        let Shown::Edit { paths, diff } = show("apply_patch", patch) else {
            panic!("not an edit")
        };
        assert_eq!(paths, "src/lib.rs");
        assert_eq!(diff, "*** Update File: src/lib.rs\n@@\n-a\n+b\n");
        let args = serde_json::json!({"file_path": "a.rs", "old_string": "x\ny\n", "new_string": "x\nz\n"});
        let Shown::Edit { diff, .. } = show("Edit", &args.to_string()) else {
            panic!("not an edit")
        };
        assert_eq!(diff, " x\n-y\n+z\n");
        let heredoc = serde_json::json!({"command": ["bash", "-lc", format!("apply_patch <<'EOF'\n{patch}EOF")]});
        assert!(matches!(show("shell", &heredoc.to_string()), Shown::Edit { .. }));
    }

    #[test]
    fn garbage_arguments_show_raw() {
        assert_eq!(
            show("shell", "{not json"),
            Shown::Other("shell".into(), "{not json".into())
        );
        assert_eq!(show("update_plan", "{}"), Shown::Hidden);
    }
}
