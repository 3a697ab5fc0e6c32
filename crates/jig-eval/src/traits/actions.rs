//! What a tool call did to the workspace, as the graders count it: reads,
//! searches, listings, edits, checks, plan changes, each with how it was
//! done (a dedicated tool or a shell program).
//!
//! Invariant: classification looks only at the call's name, its arguments
//! and (for `write_file`/`Write`) whether its output says it created the
//! file; it never touches a workspace. A call it cannot read gives no
//! actions rather than a guess.

use serde_json::Value;

use super::shell::{self, Segment, ShellCommand};
use super::verify::CheckKind;

/// One thing a call did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Action {
    /// Looked at files: `path` is the file or directory covered, `None`
    /// the whole workspace.
    Look { kind: Look, path: Option<String>, via: Via },
    /// Changed a file.
    Edit { kind: Edit, path: String, via: Via },
    /// Ran a check of the work: tests, a build, a linter, or the
    /// project's code itself.
    Check { command: String, kind: CheckKind },
}

/// How files were looked at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Look {
    /// A file's content was shown.
    Read,
    /// File contents were searched.
    Search,
    /// File names were listed.
    List,
}

/// How a file was changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Edit {
    /// A new file (`*** Add File:`, `write_file` reporting `Created`, a
    /// shell `>` or `tee`, whose earlier existence cannot be told).
    Create,
    /// An existing file changed or replaced.
    Update,
    /// A file removed by a patch.
    Delete,
}

/// The way an action was done.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Via {
    /// A dedicated tool (`read_file`, `Read`, `search`, `apply_patch`, …).
    Tool,
    /// `rg` through the shell.
    Rg,
    /// `grep`/`egrep` over files, `find … -exec grep`, `… | xargs grep`.
    Grep,
    /// `cat`, `head`, `tail`, `sed -n`, `nl`, `less`, `more`, `bat`.
    Print,
    /// `ls`, `find`, `tree`.
    Ls,
    /// `apply_patch` run as a shell command with the patch in a heredoc.
    PatchHeredoc,
    /// `sed -i`, `perl -i`.
    InPlace,
    /// An output redirection or `tee`.
    Redirect,
}

/// The actions of one call, in order. `output` is its output text, when
/// it has one.
pub(crate) fn classify(tool: &str, arguments: &str, output: Option<&str>) -> Vec<Action> {
    let args: Value = serde_json::from_str(arguments).unwrap_or(Value::Null);
    if let Some(command) = shell::command_of(tool, &args) {
        return shell_actions(&command);
    }
    let path = |key: &str| args.get(key).and_then(Value::as_str).map(str::to_string);
    let look = |kind, path| {
        vec![Action::Look {
            kind,
            path,
            via: Via::Tool,
        }]
    };
    let edit = |kind, path: Option<String>| {
        path.map(|path| Action::Edit {
            kind,
            path,
            via: Via::Tool,
        })
        .into_iter()
        .collect()
    };
    match tool {
        "read_file" => look(Look::Read, path("path")),
        "Read" => look(Look::Read, path("file_path")),
        "search" | "Grep" => look(Look::Search, path("path")),
        "list_dir" | "LS" | "Glob" => look(Look::List, path("path")),
        "edit_file" => edit(Edit::Update, path("path")),
        "Edit" | "MultiEdit" => edit(Edit::Update, path("file_path")),
        "write_file" => edit(write_kind(output), path("path")),
        "Write" => edit(write_kind(output), path("file_path")),
        "apply_patch" => {
            // JSON `{"input": …}`, or the raw patch of a freeform call.
            let patch = args.get("input").and_then(Value::as_str).unwrap_or(arguments);
            patch_edits(patch, Via::Tool)
        }
        _ => Vec::new(),
    }
}

/// `write_file` and `Write` say `Created …` for a new file; anything else
/// counts as replacing one.
fn write_kind(output: Option<&str>) -> Edit {
    match output {
        Some(text) if text.starts_with("Created ") => Edit::Create,
        _ => Edit::Update,
    }
}

/// The files a patch in the Codex format adds, updates or deletes.
pub(crate) fn patch_edits(patch: &str, via: Via) -> Vec<Action> {
    let mut edits = Vec::new();
    for line in patch.lines() {
        let line = line.trim_end();
        let (kind, path) = if let Some(p) = line.strip_prefix("*** Add File: ") {
            (Edit::Create, p)
        } else if let Some(p) = line.strip_prefix("*** Update File: ") {
            (Edit::Update, p)
        } else if let Some(p) = line.strip_prefix("*** Delete File: ") {
            (Edit::Delete, p)
        } else if let Some(p) = line.strip_prefix("*** Move to: ") {
            (Edit::Create, p)
        } else {
            continue;
        };
        edits.push(Action::Edit {
            kind,
            path: path.trim().to_string(),
            via,
        });
    }
    edits
}

fn shell_actions(command: &ShellCommand) -> Vec<Action> {
    let mut dir = command.workdir.clone();
    let mut actions = Vec::new();
    for segment in &command.segments {
        if segment.program() == "cd" {
            if let Some(to) = segment.args().first() {
                dir = Some(join(dir.as_deref(), to));
            }
            continue;
        }
        let mut found = segment_actions(segment);
        if let Some(check) = super::verify::check_command(segment) {
            found.push(Action::Check {
                command: check.command,
                kind: check.kind,
            });
        }
        for action in &mut found {
            match action {
                Action::Look { path: Some(path), .. } | Action::Edit { path, .. } => *path = join(dir.as_deref(), path),
                Action::Look { path: path @ None, .. } => *path = dir.clone(),
                Action::Check { .. } => {}
            }
        }
        actions.extend(found);
    }
    actions
}

/// `to` resolved against the directory `dir` (both as written).
fn join(dir: Option<&str>, to: &str) -> String {
    match dir {
        Some(dir) if !to.starts_with('/') && !dir.is_empty() => format!("{}/{to}", dir.trim_end_matches('/')),
        _ => to.to_string(),
    }
}

/// Options of `rg` that take a value.
const RG_VALUE_FLAGS: &[&str] = &[
    "-e",
    "--regexp",
    "-f",
    "--file",
    "-g",
    "--glob",
    "--iglob",
    "-t",
    "--type",
    "-T",
    "--type-not",
    "-A",
    "-B",
    "-C",
    "-m",
    "--max-count",
    "-d",
    "--max-depth",
    "-M",
    "-j",
    "--sort",
    "--sortr",
    "-E",
    "--encoding",
    "-r",
    "--replace",
    "--pre",
    "--max-filesize",
];

/// Options of `grep` that take a value.
const GREP_VALUE_FLAGS: &[&str] = &[
    "-e",
    "--regexp",
    "-f",
    "--file",
    "-A",
    "-B",
    "-C",
    "-m",
    "--include",
    "--exclude",
    "--exclude-dir",
];

/// Positional words of `args`; `flags` are the options taking a value.
fn positionals<'a>(args: &'a [String], flags: &[&str]) -> Vec<&'a String> {
    let mut out = Vec::new();
    let mut iter = args.iter();
    let mut rest = false;
    while let Some(arg) = iter.next() {
        if rest || arg == "-" || !arg.starts_with('-') {
            out.push(arg);
        } else if arg == "--" {
            rest = true;
        } else if flags.contains(&arg.as_str()) {
            iter.next();
        }
    }
    out
}

fn has_flag(args: &[String], short: char, long: &str) -> bool {
    args.iter().any(|a| {
        a == long
            || (a.starts_with('-')
                && !a.starts_with("--")
                && a[1..].chars().all(char::is_alphabetic)
                && a.contains(short))
    })
}

fn segment_actions(segment: &Segment) -> Vec<Action> {
    let args = segment.args();
    let mut actions = match segment.program() {
        "rg" => {
            let explicit = args.iter().any(|a| a == "-e" || a == "--regexp" || a == "-f");
            let mut paths = positionals(args, RG_VALUE_FLAGS);
            if args.iter().any(|a| a == "--files") {
                looks(Look::List, Via::Rg, paths)
            } else {
                if !explicit && !paths.is_empty() {
                    paths.remove(0);
                }
                looks(Look::Search, Via::Rg, paths)
            }
        }
        "grep" | "egrep" | "fgrep" => {
            let explicit = args.iter().any(|a| a == "-e" || a == "-f" || a == "--regexp");
            let mut paths = positionals(args, GREP_VALUE_FLAGS);
            if !explicit && !paths.is_empty() {
                paths.remove(0);
            }
            let recursive = has_flag(args, 'r', "--recursive") || has_flag(args, 'R', "--dereference-recursive");
            if paths.is_empty() && !recursive && !segment.via_xargs {
                // Filtering another command's output, not searching files.
                Vec::new()
            } else {
                looks(Look::Search, Via::Grep, paths)
            }
        }
        "cat" | "head" | "tail" | "nl" | "less" | "more" | "bat" => {
            let files = positionals(args, &["-n", "-c", "--lines", "--bytes"]);
            let files: Vec<&String> = files.into_iter().filter(|f| *f != "-" && !f.starts_with('+')).collect();
            if files.is_empty() {
                Vec::new()
            } else {
                looks(Look::Read, Via::Print, files)
            }
        }
        "sed" | "perl" => sed_like(segment),
        "ls" | "tree" => looks(
            Look::List,
            Via::Ls,
            positionals(args, &["-L", "-I", "-P", "--ignore", "-w"]),
        ),
        "find" => {
            let roots: Vec<&String> = args
                .iter()
                .take_while(|a| !a.starts_with('-') && !matches!(a.as_str(), "(" | "!"))
                .collect();
            let greps =
                args.iter().any(|a| a == "-exec" || a == "-execdir") && args.iter().any(|a| a.ends_with("grep"));
            let kind = if greps { Look::Search } else { Look::List };
            looks(kind, if greps { Via::Grep } else { Via::Ls }, roots)
        }
        "apply_patch" | "applypatch" => segment
            .heredoc
            .as_deref()
            .map(|patch| patch_edits(patch, Via::PatchHeredoc))
            .unwrap_or_default(),
        "tee" => {
            let kind = if has_flag(args, 'a', "--append") {
                Edit::Update
            } else {
                Edit::Create
            };
            edits(kind, Via::Redirect, positionals(args, &[]))
        }
        _ => Vec::new(),
    };
    for read in &segment.reads {
        actions.push(Action::Look {
            kind: Look::Read,
            path: Some(read.clone()),
            via: Via::Print,
        });
    }
    for write in &segment.writes {
        if write.path.starts_with("/dev/") || write.path.starts_with('&') {
            continue;
        }
        let kind = if write.append { Edit::Update } else { Edit::Create };
        actions.push(Action::Edit {
            kind,
            path: write.path.clone(),
            via: Via::Redirect,
        });
    }
    actions
}

/// Looks of `kind` at `paths`; no path looks at the whole workspace.
fn looks(kind: Look, via: Via, paths: Vec<&String>) -> Vec<Action> {
    if paths.is_empty() {
        return vec![Action::Look { kind, path: None, via }];
    }
    paths
        .into_iter()
        .map(|p| Action::Look {
            kind,
            path: Some(p.clone()),
            via,
        })
        .collect()
}

/// Edits of `kind` of `paths`.
fn edits(kind: Edit, via: Via, paths: Vec<&String>) -> Vec<Action> {
    paths
        .into_iter()
        .map(|p| Action::Edit {
            kind,
            path: p.clone(),
            via,
        })
        .collect()
}

/// `sed -i`/`perl -i` edit their files; `sed -n` prints them.
fn sed_like(segment: &Segment) -> Vec<Action> {
    let args = segment.args();
    let in_place = args
        .iter()
        .any(|a| a == "--in-place" || a.starts_with("-i") || has_flag(std::slice::from_ref(a), 'i', "--in-place"));
    let explicit = args.iter().any(|a| a == "-e" || a == "--expression" || a == "-f");
    let mut files = positionals(args, &["-e", "--expression", "-f"]);
    if !explicit && !files.is_empty() {
        files.remove(0);
    }
    if in_place {
        edits(Edit::Update, Via::InPlace, files)
    } else if segment.program() == "sed" && !files.is_empty() {
        looks(Look::Read, Via::Print, files)
    } else {
        Vec::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn edit(kind: Edit, path: &str, via: Via) -> Action {
        Action::Edit {
            kind,
            path: path.into(),
            via,
        }
    }

    fn look(kind: Look, path: Option<&str>, via: Via) -> Action {
        Action::Look {
            kind,
            path: path.map(str::to_string),
            via,
        }
    }

    fn shell(script: &str) -> Vec<Action> {
        classify("shell", &serde_json::json!({ "command": script }).to_string(), None)
    }

    #[test]
    fn shell_reads_searches_and_edits_are_told_apart() {
        assert_eq!(
            shell("cd src && sed -n '1,20p' lib.rs && rg -n foo && sed -i 's/a/b/' lib.rs"),
            vec![
                look(Look::Read, Some("src/lib.rs"), Via::Print),
                look(Look::Search, Some("src"), Via::Rg),
                edit(Edit::Update, "src/lib.rs", Via::InPlace),
            ]
        );
        assert_eq!(
            shell("cargo test 2>&1 | grep FAILED | tail -n 5"),
            vec![Action::Check {
                command: "cargo test".into(),
                kind: CheckKind::Tooling,
            }]
        );
        assert_eq!(
            shell("find . -name '*.rs' | xargs grep -n todo; grep -rn x lib; echo hi >> log.txt"),
            vec![
                look(Look::List, Some("."), Via::Ls),
                look(Look::Search, None, Via::Grep),
                look(Look::Search, Some("lib"), Via::Grep),
                edit(Edit::Update, "log.txt", Via::Redirect),
            ]
        );
        assert_eq!(
            shell("perl -pi -e 's/a/b/' x.py"),
            vec![edit(Edit::Update, "x.py", Via::InPlace)]
        );
    }

    #[test]
    fn patches_name_their_files() {
        let patch = "*** Begin Patch\n*** Add File: new.txt\n+x\n*** Update File: a.rs\n@@\n-a\n+b\n*** Delete File: old.rs\n*** End Patch";
        let expected = vec![
            edit(Edit::Create, "new.txt", Via::Tool),
            edit(Edit::Update, "a.rs", Via::Tool),
            edit(Edit::Delete, "old.rs", Via::Tool),
        ];
        assert_eq!(
            classify("apply_patch", &serde_json::json!({ "input": patch }).to_string(), None),
            expected
        );
        assert_eq!(classify("apply_patch", patch, None), expected, "freeform input");
        let heredoc = format!("apply_patch <<'EOF'\n{patch}\nEOF");
        let actions = classify("exec_command", &serde_json::json!({ "cmd": heredoc }).to_string(), None);
        assert_eq!(actions.len(), 3);
        assert!(actions.iter().all(|a| matches!(
            a,
            Action::Edit {
                via: Via::PatchHeredoc,
                ..
            }
        )));
    }
}
