//! Look through wrappers to the command that really runs.
//!
//! `sudo -u root env FOO=1 timeout 5 rm -rf /` has four *views*: the whole
//! argv, then `env FOO=1 timeout 5 rm -rf /`, `timeout 5 rm -rf /` and
//! finally `rm -rf /`. Rules are matched against every view, so a rule for
//! `sudo` and a rule for `rm` both see this command. Wrappers understood:
//! `sudo`, `doas`, `env`, `xargs`, `exec`, `nohup`, `timeout`, `nice`,
//! `ionice`, `stdbuf`, `setsid`, `time`, `command` (not `-v`/`-V`) and
//! `builtin`. `git`'s global options (`-C dir`, `-c k=v`, `--no-pager`, …)
//! are dropped in an extra view so `git -C x push -f` matches `git push`.
//!
//! Invariant: every view is a faithful prefix-stripped (or, for git,
//! option-stripped) copy of the argv; nothing is guessed beyond the
//! documented option tables. This module must not decide anything.

/// Programs that run `-c SCRIPT` as a shell script.
const SHELLS: &[&str] = &["sh", "bash", "zsh", "dash", "ksh", "ash", "mksh", "fish"];

/// The last path component of a program name: `/usr/bin/rm` → `rm`.
pub fn basename(program: &str) -> &str {
    program.rsplit('/').next().unwrap_or(program)
}

/// Every view of `argv`, outermost first, innermost last.
pub fn views(argv: &[String]) -> Vec<Vec<String>> {
    let mut out = Vec::new();
    for offset in wrapper_offsets(argv) {
        let view = argv[offset..].to_vec();
        if let Some(git) = without_git_globals(&view) {
            out.push(view);
            out.push(git);
        } else {
            out.push(view);
        }
    }
    out
}

/// Index where the innermost view starts.
pub fn innermost_offset(argv: &[String]) -> usize {
    wrapper_offsets(argv).last().copied().unwrap_or(0)
}

/// The innermost view: the command after all wrappers.
pub fn innermost(argv: &[String]) -> &[String] {
    &argv[innermost_offset(argv)..]
}

/// Start index of every view, outermost (0) first.
pub fn wrapper_offsets(argv: &[String]) -> Vec<usize> {
    let mut offsets = vec![0];
    let mut at = 0;
    while let Some(next) = argv.get(at).and_then(|p| wrapped_start(&argv[at..], p)) {
        let next = at + next;
        if next >= argv.len() || next == at {
            break;
        }
        offsets.push(next);
        at = next;
    }
    offsets
}

/// Where the wrapped command starts in `args` (`args[0]` is the wrapper).
fn wrapped_start(args: &[String], program: &str) -> Option<usize> {
    let start = match basename(program) {
        "sudo" => skip_assignments(
            args,
            skip_options(
                args,
                1,
                "ugpCDrtUThR",
                &[
                    "user",
                    "group",
                    "prompt",
                    "chdir",
                    "role",
                    "type",
                    "host",
                    "close-from",
                    "other-user",
                    "chroot",
                ],
            ),
        ),
        "doas" => skip_options(args, 1, "uC", &[]),
        "env" => skip_assignments(args, skip_options(args, 1, "uCS", &["unset", "chdir", "split-string"])),
        "xargs" => skip_options(
            args,
            1,
            "adEeIiLlnPs",
            &[
                "arg-file",
                "delimiter",
                "eof",
                "replace",
                "max-lines",
                "max-args",
                "max-procs",
                "max-chars",
                "process-slot-var",
            ],
        ),
        "exec" => skip_options(args, 1, "a", &[]),
        "nohup" | "builtin" => skip_options(args, 1, "", &[]),
        "timeout" => skip_options(args, 1, "sk", &["signal", "kill-after"]) + 1,
        "nice" => skip_options(args, 1, "n", &["adjustment"]),
        "ionice" => skip_options(args, 1, "cnp", &["class", "classdata", "pid"]),
        "stdbuf" => skip_options(args, 1, "ioe", &["input", "output", "error"]),
        "setsid" | "time" => skip_options(args, 1, "", &[]),
        "command" => {
            if args.iter().skip(1).any(|a| a == "-v" || a == "-V") {
                return None;
            }
            skip_options(args, 1, "", &[])
        }
        _ => return None,
    };
    Some(start)
}

/// Skips options from `start`; `short_with_value` lists short flags that
/// take the next argument, `long_with_value` the long ones (without `--`).
fn skip_options(args: &[String], start: usize, short_with_value: &str, long_with_value: &[&str]) -> usize {
    let mut i = start;
    while let Some(arg) = args.get(i) {
        if arg == "--" {
            return i + 1;
        }
        if let Some(long) = arg.strip_prefix("--") {
            let takes_value = !long.contains('=') && long_with_value.contains(&long);
            i += if takes_value { 2 } else { 1 };
            continue;
        }
        if let Some(flags) = arg.strip_prefix('-').filter(|f| !f.is_empty()) {
            let last_takes_value = flags
                .char_indices()
                .find(|(_, c)| short_with_value.contains(*c))
                .is_some_and(|(pos, c)| pos + c.len_utf8() == flags.len());
            i += if last_takes_value { 2 } else { 1 };
            continue;
        }
        break;
    }
    i
}

fn skip_assignments(args: &[String], mut i: usize) -> usize {
    while args.get(i).is_some_and(|a| is_assignment(a)) {
        i += 1;
    }
    i
}

fn is_assignment(word: &str) -> bool {
    match word.split_once('=') {
        Some((name, _)) => {
            !name.is_empty()
                && !name.starts_with(|c: char| c.is_ascii_digit())
                && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        }
        None => false,
    }
}

fn without_git_globals(view: &[String]) -> Option<Vec<String>> {
    if view.first().map(|p| basename(p)) != Some("git") {
        return None;
    }
    let mut i = 1;
    while let Some(arg) = view.get(i) {
        match arg.as_str() {
            "-C" | "-c" | "--git-dir" | "--work-tree" | "--namespace" | "--exec-path" => i += 2,
            a if a.starts_with('-') => i += 1,
            _ => break,
        }
    }
    if i == 1 {
        return None;
    }
    let mut out = vec![view[0].clone()];
    out.extend(view.iter().skip(i).cloned());
    Some(out)
}

/// For `bash -c SCRIPT …` (any shell in [`SHELLS`], flags like `-lc`,
/// `-euc` included), the index of SCRIPT in `inner`.
pub fn shell_script_index(inner: &[String]) -> Option<usize> {
    let program = basename(inner.first()?);
    if !SHELLS.contains(&program) {
        return None;
    }
    let mut saw_c = false;
    let mut i = 1;
    while let Some(arg) = inner.get(i) {
        if arg == "--" {
            i += 1;
            break;
        }
        if let Some(long) = arg.strip_prefix("--") {
            i += if matches!(long, "rcfile" | "init-file") { 2 } else { 1 };
            continue;
        }
        let flags = arg.strip_prefix('-').or_else(|| arg.strip_prefix('+'));
        match flags {
            Some(flags) if !flags.is_empty() => {
                saw_c |= flags.contains('c');
                i += if flags.contains(['o', 'O']) { 2 } else { 1 };
            }
            _ => break,
        }
    }
    if saw_c && i < inner.len() { Some(i) } else { None }
}

/// The commands `find … -exec CMD … ;` (and `-execdir`, `-ok`, `-okdir`)
/// would run, with `{}` left in place.
pub fn find_exec_commands(inner: &[String]) -> Vec<Vec<String>> {
    let mut out = Vec::new();
    if inner.first().map(|p| basename(p)) != Some("find") {
        return out;
    }
    let mut args = inner.iter().skip(1);
    while let Some(arg) = args.next() {
        if matches!(arg.as_str(), "-exec" | "-execdir" | "-ok" | "-okdir") {
            let command: Vec<String> = args.by_ref().take_while(|a| *a != ";" && *a != "+").cloned().collect();
            if !command.is_empty() {
                out.push(command);
            }
        }
    }
    out
}

/// Paths the innermost command writes by its arguments: the destination of
/// `cp`/`mv`/`ln`/`install` (`-t DIR` or the last operand), every operand
/// of `tee`, and `dd of=PATH`.
pub fn argv_writes(inner: &[String]) -> Vec<String> {
    let Some(program) = inner.first().map(|p| basename(p)) else {
        return Vec::new();
    };
    match program {
        "cp" | "mv" | "ln" | "install" => {
            let mut operands = Vec::new();
            let mut options_done = false;
            let mut args = inner.iter().skip(1);
            while let Some(arg) = args.next() {
                if options_done || !arg.starts_with('-') || arg == "-" {
                    operands.push(arg.clone());
                } else if arg == "--" {
                    options_done = true;
                } else if arg == "-t" || arg == "--target-directory" {
                    return args.next().cloned().into_iter().collect();
                } else if let Some(dir) = arg.strip_prefix("--target-directory=") {
                    return vec![dir.to_string()];
                } else if let Some(dir) = arg.strip_prefix("-t").filter(|d| !d.is_empty()) {
                    return vec![dir.to_string()];
                }
            }
            if operands.len() >= 2 {
                operands.pop().into_iter().collect()
            } else {
                Vec::new()
            }
        }
        "tee" => inner.iter().skip(1).filter(|a| !a.starts_with('-')).cloned().collect(),
        "dd" => inner
            .iter()
            .skip(1)
            .filter_map(|a| a.strip_prefix("of="))
            .map(str::to_string)
            .collect(),
        _ => Vec::new(),
    }
}
