//! The known-safe, read-only command set used by the `untrusted` approval
//! mode: commands that may run without asking because they only read.
//!
//! Invariant: a command is known safe only if every simple command in it is
//! on the list with none of its writing or executing options, writes no
//! file (redirects to `/dev/null` excepted), and parses cleanly. When in
//! doubt the answer is `false`. Wrappers are seen through only when they
//! add no power (`timeout`, `nice`, `time`, `nohup`, `stdbuf`, `command`,
//! `env` with assignments); `sudo`, `xargs` and `exec` are never safe.
//! Known gap: a `sed` script's own `w`/`e` commands are not inspected.
//! This module must not consult rules.

use crate::Command;
use crate::parse::{self, SimpleCommand};
use crate::unwrap::{self, basename};

/// Programs that only read, whatever their arguments (beyond the per-program
/// exclusions in [`args_are_safe`]).
const READ_ONLY: &[&str] = &[
    "ls", "cat", "head", "tail", "wc", "rg", "grep", "egrep", "fgrep", "find", "pwd", "echo", "printf", "sed", "true",
    "false", "which", "whoami", "date", "uname", "basename", "dirname", "realpath", "readlink", "stat", "file", "tree",
    "du", "df", "id", "cd", "nl", "cut", "tr", "diff", "cmp", "sort", "jq", "test", "[", "git",
];

const HARMLESS_WRAPPERS: &[&str] = &["timeout", "nice", "time", "nohup", "stdbuf", "command", "env"];

/// Read-only git subcommands.
const GIT_READ_ONLY: &[&str] = &["status", "log", "diff", "show", "rev-parse", "ls-files", "blame"];

/// Whether `command` only reads: every simple command is on the read-only
/// list with safe arguments, and nothing is written.
pub fn is_known_safe(command: &Command) -> bool {
    let commands = parse::simple_commands(command);
    !commands.is_empty() && commands.iter().all(simple_is_safe)
}

/// Whether one simple command is known safe (a launcher such as
/// `bash -c '…'` is safe when its wrappers are; its script is judged
/// separately).
pub(crate) fn simple_is_safe(command: &SimpleCommand) -> bool {
    if command.problem.is_some() {
        return false;
    }
    if command.writes().iter().any(|w| w != "/dev/null") {
        return false;
    }
    let offsets = unwrap::wrapper_offsets(&command.argv);
    let offset = offsets.last().copied().unwrap_or(0);
    let wrappers_ok = offsets[..offsets.len().saturating_sub(1)]
        .iter()
        .all(|&o| HARMLESS_WRAPPERS.contains(&basename(&command.argv[o])));
    if !wrappers_ok {
        return false;
    }
    let inner = &command.argv[offset..];
    if command.launcher {
        return unwrap::shell_script_index(inner).is_some() || inner.first().is_some_and(|p| p == "eval");
    }
    let Some(program) = inner.first().map(|p| basename(p)) else {
        return false;
    };
    READ_ONLY.contains(&program) && args_are_safe(program, &inner[1..])
}

fn args_are_safe(program: &str, args: &[String]) -> bool {
    let any = |pred: &dyn Fn(&str) -> bool| args.iter().any(|a| pred(a));
    match program {
        "find" => !any(&|a| {
            matches!(
                a,
                "-exec" | "-execdir" | "-ok" | "-okdir" | "-delete" | "-fls" | "-fprint" | "-fprint0" | "-fprintf"
            )
        }),
        "sed" => {
            !any(&|a| a.starts_with("--in-place") || (a.starts_with('-') && !a.starts_with("--") && a.contains('i')))
        }
        "rg" => {
            !any(&|a| a.starts_with("--pre") || a.starts_with("--hostname-bin") || a == "--search-zip" || a == "-z")
        }
        "sort" => !any(&|a| a.starts_with("-o") || a.starts_with("--output")),
        "git" => {
            let sub = args.iter().find(|a| !a.starts_with('-'));
            let globals_ok = args
                .iter()
                .take_while(|a| a.starts_with('-'))
                .all(|a| a == "--no-pager");
            globals_ok
                && sub.is_some_and(|s| GIT_READ_ONLY.contains(&s.as_str()))
                && !any(&|a| a.starts_with("--output") || a == "--ext-diff")
        }
        _ => true,
    }
}
