//! The hook runner: runs one `[[hooks]]` command with its JSON on stdin and
//! reads its answer (exit code, stdout JSON) the way Claude Code does, so
//! hook scripts written for Claude Code work here too.
//!
//! Design: this module knows processes and the answer's format, not
//! sessions; `hook_points` decides what an answer does at each point of a
//! session. A hook is the user's own configuration (a project's hooks only
//! run once the project is trusted), so it runs outside the model's sandbox,
//! with jig's whole environment (crash fault injection removed; not
//! filtered by `[shell_environment_policy]`, which is for the model's
//! commands), plus `JIG_PROJECT_DIR` and `CLAUDE_PROJECT_DIR` set to the
//! workspace.
//!
//! Invariant: a hook never outlives its run. It runs under jig's sandbox
//! helper with the sandbox off (as an unsandboxed command does), which owns
//! its whole process tree — `setsid` and double-forked processes included —
//! and kills it when the hook's command exits (a backgrounded child holding
//! the pipes would otherwise hang the session), when it runs past its
//! timeout, and when the turn is interrupted. A process with no helper
//! registered (a test binary) falls back to the hook's process group. Its output is read in
//! bounded memory. Every way it can go wrong becomes a [`Reply`] with a
//! status the session reports; none is silently ignored.

use std::path::Path;
use std::process::Stdio;
use std::sync::Arc;
use std::time::Instant;

use jig_config::{HookConfig, HookEvent};
use jig_protocol::HookStatus;
use jig_tools::sandboxing::Containment;
use jig_tools::shell::ProcessTree;
use jig_tools::truncate::HeadTailBuffer;
use nix::unistd::Pid;
use serde::Deserialize;
use serde_json::Value;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWriteExt};
use tokio_util::sync::CancellationToken;

/// Bytes kept of each of a hook's stdout and stderr.
const OUTPUT_LIMIT: usize = 64 * 1024;
/// Most characters of a hook's reason or stderr passed on.
const MESSAGE_LIMIT: usize = 4000;
/// The environment variable a command must not inherit (see `jig-config`'s
/// `JIG_FAULT_KILL_AFTER_RECORDS`).
const FAULT_INJECTION_VAR: &str = "JIG_FAULT_KILL_AFTER_RECORDS";

/// A session's hooks, matchers compiled once.
#[derive(Debug, Clone, Default)]
pub struct Hooks {
    list: Arc<Vec<Hook>>,
}

/// One hook and its compiled matcher.
#[derive(Debug, Clone)]
pub(crate) struct Hook {
    pub(crate) config: HookConfig,
    matcher: Option<regex::Regex>,
}

impl Hooks {
    /// The hooks of `configs`. A matcher that does not compile (the config
    /// check at load makes that rare) leaves its hook out, with the reason.
    pub fn new(configs: &[HookConfig]) -> (Hooks, Vec<String>) {
        let mut list = Vec::new();
        let mut problems = Vec::new();
        for config in configs {
            let matcher = match config.matcher.as_deref().map(jig_config::matcher_regex) {
                None => None,
                Some(Ok(regex)) => Some(regex),
                Some(Err(err)) => {
                    problems.push(format!(
                        "hook `{}` left out: its matcher is not a valid regular expression ({err})",
                        config.command
                    ));
                    continue;
                }
            };
            list.push(Hook {
                config: config.clone(),
                matcher,
            });
        }
        (Hooks { list: Arc::new(list) }, problems)
    }

    /// Whether no hook is configured for `event`.
    pub(crate) fn none_for(&self, event: HookEvent) -> bool {
        !self.list.iter().any(|hook| hook.config.event == event)
    }

    /// The hooks of `event` whose matcher matches one of `names`, in order.
    pub(crate) fn matching(&self, event: HookEvent, names: &[&str]) -> Vec<Hook> {
        self.list
            .iter()
            .filter(|hook| hook.config.event == event)
            .filter(|hook| {
                hook.matcher
                    .as_ref()
                    .is_none_or(|regex| names.iter().any(|name| regex.is_match(name)))
            })
            .cloned()
            .collect()
    }
}

/// The names a tool called `name` answers to in a matcher: its own, and
/// the same tool's names in the other dialects, so `Bash` matches codex's
/// `exec_command` and `shell` matches claude's `Bash`.
pub(crate) fn tool_names(name: &str) -> Vec<&str> {
    const SAME_TOOL: &[&[&str]] = &[
        &["shell", "exec_command", "Bash"],
        &["read_file", "Read"],
        &["edit_file", "Edit"],
        &["write_file", "Write"],
        &["apply_patch", "applypatch"],
        &["ask_user", "request_user_input", "AskUserQuestion"],
        &["spawn_agent", "Agent", "Task"],
    ];
    SAME_TOOL
        .iter()
        .find(|names| names.contains(&name))
        .map_or_else(|| vec![name], |names| names.to_vec())
}

/// How a hook's process ended.
#[derive(Debug)]
enum Exit {
    /// It exited (`None`: killed by a signal).
    Exited {
        code: Option<i32>,
        stdout: String,
        stderr: String,
    },
    /// It could not be started.
    NotStarted(String),
    /// It ran past its timeout and was killed.
    TimedOut,
    /// The turn was interrupted while it ran; it was killed.
    Interrupted,
}

/// What a hook decided about the thing it ran for.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Decision {
    /// Nothing: the session goes on as it would have.
    None,
    /// `pre_tool_use`: run the call (jig's own rules still apply).
    Allow,
    /// `pre_tool_use`: do not run the call; the reason goes to the model.
    Deny(String),
    /// `pre_tool_use`: ask the person first, giving the reason.
    Ask(String),
    /// The other events: block (the prompt, the stop) or give the model
    /// feedback (`post_tool_use`), with the reason.
    Block(String),
}

/// A hook's answer, read.
#[derive(Debug)]
pub(crate) struct Reply {
    /// What to report.
    pub status: HookStatus,
    /// For the report: its reason, or what went wrong.
    pub message: Option<String>,
    /// What it decided.
    pub decision: Decision,
    /// `pre_tool_use`: the arguments to run the call with instead.
    pub updated_input: Option<Value>,
    /// Context for the model (`additionalContext`, or plain stdout of a
    /// `session_start` or `user_prompt_submit` hook).
    pub context: Option<String>,
    /// `"continue": false`: the turn stops, for this reason.
    pub stop: Option<String>,
    /// Wall time in milliseconds.
    pub duration_ms: u64,
}

impl Reply {
    fn new(status: HookStatus, message: Option<String>) -> Reply {
        Reply {
            status,
            message,
            decision: Decision::None,
            updated_input: None,
            context: None,
            stop: None,
            duration_ms: 0,
        }
    }
}

/// Runs `hook` with `input` on stdin in `cwd` and reads its answer.
pub(crate) async fn run(hook: &HookConfig, input: &Value, cwd: &Path, cancel: &CancellationToken) -> Reply {
    let start = Instant::now();
    let exit = spawn_and_wait(hook, input, cwd, cancel).await;
    let mut reply = read_answer(hook.event, exit, hook.timeout.as_secs_f64());
    reply.duration_ms = u64::try_from(start.elapsed().as_millis()).unwrap_or(u64::MAX);
    reply
}

async fn spawn_and_wait(hook: &HookConfig, input: &Value, cwd: &Path, cancel: &CancellationToken) -> Exit {
    let bash = vec!["bash".to_owned(), "-c".to_owned(), hook.command.clone()];
    let (argv, containment) = jig_tools::sandboxing::unconfined(cwd, bash);
    let mut command = tokio::process::Command::new(&argv[0]);
    command
        .args(&argv[1..])
        .current_dir(cwd)
        .env_remove(FAULT_INJECTION_VAR)
        .env("JIG_PROJECT_DIR", cwd)
        .env("CLAUDE_PROJECT_DIR", cwd)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0)
        // A helper killed outright could not kill the processes it owns.
        .kill_on_drop(containment == Containment::Group);
    let mut child = match command.spawn() {
        Ok(child) => child,
        Err(err) => return Exit::NotStarted(format!("cannot start bash in {}: {err}", cwd.display())),
    };
    // A group of its own, led by the child: its id is the group's.
    let tree = child
        .id()
        .and_then(|id| i32::try_from(id).ok())
        .map(|id| ProcessTree::new(Pid::from_raw(id), containment));
    let text = input.to_string();
    let (stdin, stdout, stderr) = (child.stdin.take(), child.stdout.take(), child.stderr.take());
    let finished = {
        let work = async {
            let feed = async {
                if let Some(mut stdin) = stdin {
                    // A hook that reads nothing closes its end: not an error.
                    let _ = stdin.write_all(text.as_bytes()).await;
                }
            };
            let wait = async {
                let status = child.wait().await;
                // What it left running would hold the pipes open.
                tree.iter().for_each(ProcessTree::exited);
                status
            };
            let ((), out, err, status) = tokio::join!(feed, collect(stdout), collect(stderr), wait);
            (status, out, err)
        };
        tokio::select! {
            biased;
            () = cancel.cancelled() => None,
            done = tokio::time::timeout(hook.timeout, work) => Some(done),
        }
    };
    let exit = match finished {
        None => Exit::Interrupted,
        Some(Err(_elapsed)) => Exit::TimedOut,
        Some(Ok((Ok(status), stdout, stderr))) => Exit::Exited {
            code: status.code(),
            stdout,
            stderr,
        },
        Some(Ok((Err(err), _, _))) => Exit::NotStarted(format!("cannot wait for it: {err}")),
    };
    if matches!(exit, Exit::Interrupted | Exit::TimedOut) {
        tree.iter().for_each(ProcessTree::kill);
        let _ = child.wait().await;
    }
    exit
}

/// A pipe's text, its middle cut past [`OUTPUT_LIMIT`].
async fn collect(pipe: Option<impl AsyncRead + Unpin>) -> String {
    let mut buf = HeadTailBuffer::new(OUTPUT_LIMIT);
    if let Some(mut pipe) = pipe {
        let mut chunk = vec![0u8; 8192];
        loop {
            match pipe.read(&mut chunk).await {
                Ok(0) | Err(_) => break,
                Ok(n) => buf.push(&chunk[..n]),
            }
        }
    }
    buf.finish()
}

/// The JSON a hook may print on stdout (Claude Code's fields).
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Answer {
    #[serde(rename = "continue")]
    go_on: Option<bool>,
    stop_reason: Option<String>,
    system_message: Option<String>,
    decision: Option<String>,
    reason: Option<String>,
    hook_specific_output: Option<Specific>,
}

/// `hookSpecificOutput`.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Specific {
    permission_decision: Option<String>,
    permission_decision_reason: Option<String>,
    updated_input: Option<Value>,
    additional_context: Option<String>,
}

/// What `exit` means for a hook of `event`.
fn read_answer(event: HookEvent, exit: Exit, timeout_secs: f64) -> Reply {
    let (code, stdout, stderr) = match exit {
        Exit::Exited { code, stdout, stderr } => (code, stdout, stderr),
        Exit::NotStarted(why) => return Reply::new(HookStatus::Failed, Some(why)),
        Exit::TimedOut => {
            let why = format!(
                "it ran past its timeout of {timeout_secs}s and was killed; raise `timeout_sec` if it needs longer"
            );
            return Reply::new(HookStatus::TimedOut, Some(why));
        }
        Exit::Interrupted => {
            return Reply::new(
                HookStatus::Failed,
                Some("the turn was interrupted; it was killed".into()),
            );
        }
    };
    match code {
        Some(0) => read_stdout(event, &stdout),
        Some(2) => blocked(event, &stderr),
        Some(code) => Reply::new(
            HookStatus::Failed,
            Some(with_stderr(format!("it exited with code {code}"), &stderr)),
        ),
        None => Reply::new(
            HookStatus::Failed,
            Some(with_stderr("it was killed by a signal".into(), &stderr)),
        ),
    }
}

/// Exit code 2: block, with stderr as the reason.
fn blocked(event: HookEvent, stderr: &str) -> Reply {
    let reason = match stderr.trim() {
        "" => "blocked by a hook (it gave no reason)".to_owned(),
        text => clip(text),
    };
    let decision = match event {
        // Nothing to block when a session starts: it is a failure to report.
        HookEvent::SessionStart => {
            return Reply::new(
                HookStatus::Failed,
                Some(format!(
                    "it exited with code 2, which blocks nothing at session_start: {reason}"
                )),
            );
        }
        HookEvent::PreToolUse => Decision::Deny(reason.clone()),
        HookEvent::UserPromptSubmit | HookEvent::PostToolUse | HookEvent::Stop => Decision::Block(reason.clone()),
    };
    Reply {
        decision,
        ..Reply::new(HookStatus::Blocked, Some(reason))
    }
}

/// Exit code 0: stdout is JSON when it looks like an object, else text
/// (context for `session_start` and `user_prompt_submit`, ignored otherwise).
fn read_stdout(event: HookEvent, stdout: &str) -> Reply {
    let text = stdout.trim();
    if !text.starts_with('{') {
        let mut reply = Reply::new(HookStatus::Ok, None);
        if matches!(event, HookEvent::SessionStart | HookEvent::UserPromptSubmit) && !text.is_empty() {
            reply.context = Some(text.to_owned());
        }
        return reply;
    }
    let answer: Answer = match serde_json::from_str(text) {
        Ok(answer) => answer,
        Err(err) => {
            return Reply::new(
                HookStatus::Failed,
                Some(format!(
                    "its stdout looks like JSON but does not parse as a hook answer ({err}); \
                     print one JSON object, or plain text"
                )),
            );
        }
    };
    let specific = answer.hook_specific_output.unwrap_or_default();
    let mut reply = Reply::new(HookStatus::Ok, answer.system_message.map(|m| clip(&m)));
    reply.context = specific.additional_context;
    if answer.go_on == Some(false) {
        let why = answer.stop_reason.unwrap_or_else(|| "a hook stopped the turn".into());
        reply.status = HookStatus::Blocked;
        reply.message = Some(clip(&why));
        reply.stop = Some(why);
        return reply;
    }
    let reason = specific
        .permission_decision_reason
        .or(answer.reason)
        .map(|r| clip(&r))
        .unwrap_or_else(|| "blocked by a hook (it gave no reason)".into());
    let decision = match (
        event,
        specific.permission_decision.as_deref(),
        answer.decision.as_deref(),
    ) {
        (HookEvent::PreToolUse, Some("deny"), _) | (HookEvent::PreToolUse, None, Some("block" | "deny")) => {
            Decision::Deny(reason.clone())
        }
        (HookEvent::PreToolUse, Some("ask"), _) => Decision::Ask(reason.clone()),
        (HookEvent::PreToolUse, Some("allow"), _) | (HookEvent::PreToolUse, None, Some("approve" | "allow")) => {
            Decision::Allow
        }
        (_, Some("defer") | None, None) => Decision::None,
        (HookEvent::PreToolUse, Some(other), _) => {
            return Reply::new(
                HookStatus::Failed,
                Some(format!(
                    "its permissionDecision `{}` is not one of allow, deny, ask",
                    clip(other)
                )),
            );
        }
        (_, _, Some("block")) => Decision::Block(reason.clone()),
        (_, _, Some(other)) if event != HookEvent::PreToolUse => {
            return Reply::new(
                HookStatus::Failed,
                Some(format!("its decision `{}` is not `block`", clip(other))),
            );
        }
        _ => Decision::None,
    };
    if matches!(decision, Decision::Deny(_) | Decision::Block(_)) {
        reply.status = HookStatus::Blocked;
        reply.message = Some(reason);
    }
    reply.decision = decision;
    if event == HookEvent::PreToolUse {
        reply.updated_input = specific.updated_input;
    }
    reply
}

fn with_stderr(what: String, stderr: &str) -> String {
    match stderr.trim() {
        "" => what,
        text => format!("{what}: {}", clip(text)),
    }
}

/// `text` cut to [`MESSAGE_LIMIT`] characters.
fn clip(text: &str) -> String {
    if text.chars().count() <= MESSAGE_LIMIT {
        return text.to_owned();
    }
    let head: String = text.chars().take(MESSAGE_LIMIT).collect();
    format!("{head}… [cut]")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn exited(code: i32, stdout: &str, stderr: &str) -> Exit {
        Exit::Exited {
            code: Some(code),
            stdout: stdout.into(),
            stderr: stderr.into(),
        }
    }

    #[test]
    fn exit_two_denies_a_tool_call_with_stderr_as_the_reason() {
        let reply = read_answer(HookEvent::PreToolUse, exited(2, "", "no rm here\n"), 60.0);
        assert_eq!(reply.decision, Decision::Deny("no rm here".into()));
        assert_eq!(reply.status, HookStatus::Blocked);
    }

    #[test]
    fn claude_code_json_answers_are_read() {
        let deny = r#"{"hookSpecificOutput":{"hookEventName":"PreToolUse","permissionDecision":"deny","permissionDecisionReason":"nope"}}"#;
        let reply = read_answer(HookEvent::PreToolUse, exited(0, deny, ""), 60.0);
        assert_eq!(reply.decision, Decision::Deny("nope".into()));
        let rewrite = r#"{"hookSpecificOutput":{"permissionDecision":"allow","updatedInput":{"command":"ls"}}}"#;
        let reply = read_answer(HookEvent::PreToolUse, exited(0, rewrite, ""), 60.0);
        assert_eq!(reply.decision, Decision::Allow);
        assert_eq!(reply.updated_input, Some(serde_json::json!({"command": "ls"})));
        let stop = r#"{"decision":"block","reason":"tests fail"}"#;
        let reply = read_answer(HookEvent::Stop, exited(0, stop, ""), 60.0);
        assert_eq!(reply.decision, Decision::Block("tests fail".into()));
        let halt = r#"{"continue":false,"stopReason":"enough"}"#;
        let reply = read_answer(HookEvent::PostToolUse, exited(0, halt, ""), 60.0);
        assert_eq!(reply.stop.as_deref(), Some("enough"));
    }

    #[test]
    fn failures_are_reported_not_ignored() {
        let reply = read_answer(HookEvent::PreToolUse, exited(1, "", "boom"), 60.0);
        assert_eq!((reply.status, reply.decision), (HookStatus::Failed, Decision::None));
        assert_eq!(reply.message.as_deref(), Some("it exited with code 1: boom"));
        let reply = read_answer(HookEvent::PreToolUse, exited(0, "{not json", ""), 60.0);
        assert_eq!(reply.status, HookStatus::Failed);
        let reply = read_answer(HookEvent::Stop, Exit::TimedOut, 0.5);
        assert_eq!(reply.status, HookStatus::TimedOut);
    }

    #[test]
    fn plain_stdout_is_context_where_claude_code_takes_it_as_such() {
        let reply = read_answer(HookEvent::SessionStart, exited(0, "branch: main\n", ""), 60.0);
        assert_eq!(reply.context.as_deref(), Some("branch: main"));
        let reply = read_answer(HookEvent::PostToolUse, exited(0, "noise", ""), 60.0);
        assert_eq!(reply.context, None);
    }

    #[test]
    fn a_tool_answers_to_its_names_in_every_dialect() {
        assert_eq!(tool_names("exec_command"), ["shell", "exec_command", "Bash"]);
        assert_eq!(tool_names("mcp__x__y"), ["mcp__x__y"]);
    }
}
