//! `exec_command` and `write_stdin` over [`ExecSessions`], with `apply_patch`
//! heredocs intercepted (see [`super::heredoc`]).

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use jig_protocol::{ToolFormat, ToolSpec, ToolStatus};
use jig_tools::exec_session::{ExecChunk, ExecRequest, ExecSessions, Stdin};
use jig_tools::shell::{CommandLine, resolve_workdir};
use jig_tools::{Tool, ToolContext, ToolError, ToolResult, parse_args};
use serde::Deserialize;
use serde_json::json;

use super::heredoc::{self, Invocation};

/// Codex's `exec_command`.
#[derive(Debug, Clone)]
pub struct ExecCommandTool {
    sessions: ExecSessions,
}

impl ExecCommandTool {
    /// A tool starting commands in `sessions`.
    pub fn new(sessions: ExecSessions) -> Self {
        ExecCommandTool { sessions }
    }
}

/// Codex's `write_stdin`.
#[derive(Debug, Clone)]
pub struct WriteStdinTool {
    sessions: ExecSessions,
}

impl WriteStdinTool {
    /// A tool writing to the sessions of `sessions`.
    pub fn new(sessions: ExecSessions) -> Self {
        WriteStdinTool { sessions }
    }
}

#[derive(Debug, Deserialize)]
struct ExecArgs {
    cmd: String,
    workdir: Option<String>,
    yield_time_ms: Option<f64>,
    max_output_tokens: Option<f64>,
    shell: Option<String>,
    login: Option<bool>,
    /// Why the model wants to run outside the sandbox.
    justification: Option<String>,
    /// `require_escalated` asks to run outside the sandbox (with approval).
    sandbox_permissions: Option<String>,
    // Accepted for Codex compatibility; see the module doc of `codex`.
    #[serde(rename = "prefix_rule")]
    _prefix_rule: Option<Vec<String>>,
    /// True gives the process an input `write_stdin` can type into.
    tty: Option<bool>,
}

#[derive(Debug, Deserialize)]
struct WriteArgs {
    session_id: f64,
    chars: Option<String>,
    yield_time_ms: Option<f64>,
    max_output_tokens: Option<f64>,
}

const EXEC_DESCRIPTION: &str = "Run a shell command and return its output. `cmd` runs with `bash -lc` in `workdir` \
(default: the workspace root). The call waits up to `yield_time_ms` (default 10000) for the command to finish; \
if it is still running, the result gives a session ID: call `write_stdin` with it to read more output or send input. \
stdout and stderr are merged. Output longer than `max_output_tokens` is cut in the middle. \
Edit files with `apply_patch` as a heredoc here; search with `rg`.";

const WRITE_DESCRIPTION: &str = "Send characters to the stdin of a command started by `exec_command` that is \
still running, then return the output it produced within `yield_time_ms` (default 250). \
Send empty `chars` to just wait for more output. Include a trailing newline to submit a line.";

/// Environment that keeps programs from paging or colouring their output.
fn quiet_env() -> BTreeMap<String, String> {
    [
        ("NO_COLOR", "1"),
        ("TERM", "dumb"),
        ("PAGER", "cat"),
        ("GIT_PAGER", "cat"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect()
}

/// A JSON number the model sent as a whole count; negatives and NaN become 0.
fn whole(value: Option<f64>) -> Option<u64> {
    value.map(|v| if v.is_finite() && v > 0.0 { v as u64 } else { 0 })
}

#[async_trait::async_trait]
impl Tool for ExecCommandTool {
    fn spec(&self) -> ToolSpec {
        ToolSpec {
            namespace: None,
            format: ToolFormat::Function,
            name: "exec_command".into(),
            description: EXEC_DESCRIPTION.into(),
            parameters: json!({
                "type": "object",
                "properties": {
                    "cmd": { "type": "string", "description": "The shell command to run." },
                    "workdir": { "type": "string", "description": "Directory to run in; default the workspace root." },
                    "yield_time_ms": { "type": "number", "description": "How long to wait for the command before returning, in milliseconds." },
                    "max_output_tokens": { "type": "number", "description": "Most tokens of output to return; the middle of longer output is cut." },
                    "justification": { "type": "string", "description": "Why the command needs escalated permissions, when asking for them." },
                    "sandbox_permissions": {
                        "type": "string",
                        "enum": ["use_default", "require_escalated"],
                        "description": "Run in the default sandbox or ask to run outside it."
                    },
                    "prefix_rule": {
                        "type": "array",
                        "items": { "type": "string" },
                        "description": "A command prefix to allow from now on, when asking for escalation."
                    },
                    "shell": { "type": "string", "description": "Shell binary to run the command with; default bash." },
                    "login": { "type": "boolean", "description": "Run the shell as a login shell (-l). Default true." },
                    "tty": { "type": "boolean", "description": "True to send input later with write_stdin (jig gives a pipe, not a terminal); otherwise stdin is closed." }
                },
                "required": ["cmd"],
                "additionalProperties": false
            }),
        }
    }

    fn is_mutating(&self) -> bool {
        true
    }

    fn preview(&self, args: &serde_json::Value) -> Option<jig_tools::CommandPreview> {
        let args: ExecArgs = serde_json::from_value(args.clone()).ok()?;
        if !matches!(heredoc::parse(&args.cmd), Invocation::NotPatch) {
            // An intercepted patch runs no process; the write checks guard it.
            return None;
        }
        let escalation = (args.sandbox_permissions.as_deref() == Some("require_escalated"))
            .then(|| args.justification.unwrap_or_else(|| "(no justification given)".into()));
        Some(jig_tools::CommandPreview {
            command: CommandLine::Script(args.cmd),
            escalation,
        })
    }

    /// The files of an intercepted `apply_patch`; a command's are unknown.
    fn writes(&self, cwd: &std::path::Path, args: &serde_json::Value) -> Vec<std::path::PathBuf> {
        let Ok(args) = serde_json::from_value::<ExecArgs>(args.clone()) else {
            return Vec::new();
        };
        let Invocation::Patch { workdir: cd, patch } = heredoc::parse(&args.cmd) else {
            return Vec::new();
        };
        let root = cwd.join(args.workdir.unwrap_or_default()).join(cd.unwrap_or_default());
        jig_tools::apply_patch::patch_paths(&root, &patch)
    }

    async fn run(&self, ctx: &ToolContext, args: serde_json::Value) -> Result<ToolResult, ToolError> {
        let args: ExecArgs = parse_args("exec_command", args)?;
        let workdir = resolve_workdir(&ctx.cwd, args.workdir.as_deref())?;
        match heredoc::parse(&args.cmd) {
            Invocation::NotPatch => {}
            Invocation::Patch { workdir: dir, patch } => {
                return apply_patch(ctx, &self.sessions, &workdir, dir.as_deref(), patch).await;
            }
            Invocation::Malformed(why) => {
                return Ok(render_patch(&self.sessions, Instant::now(), 1, &why));
            }
        }
        let command = match (args.shell, args.login.unwrap_or(true)) {
            (None, true) => CommandLine::Script(args.cmd),
            (shell, login) => {
                let flag = if login { "-lc" } else { "-c" };
                CommandLine::Argv(vec![shell.unwrap_or_else(|| "bash".into()), flag.into(), args.cmd])
            }
        };
        let request = ExecRequest {
            command,
            workdir,
            env: quiet_env(),
            yield_time_ms: whole(args.yield_time_ms),
            max_output_tokens: whole(args.max_output_tokens).map(|n| n as usize),
            stdin: if args.tty.unwrap_or(false) {
                Stdin::Pipe
            } else {
                Stdin::Closed
            },
        };
        let chunk = self.sessions.exec(ctx, &request).await?;
        Ok(render(&chunk))
    }
}

#[async_trait::async_trait]
impl Tool for WriteStdinTool {
    fn spec(&self) -> ToolSpec {
        ToolSpec {
            namespace: None,
            format: ToolFormat::Function,
            name: "write_stdin".into(),
            description: WRITE_DESCRIPTION.into(),
            parameters: json!({
                "type": "object",
                "properties": {
                    "session_id": { "type": "number", "description": "Session ID from an exec_command result." },
                    "chars": { "type": "string", "description": "Characters to write; empty to only read output." },
                    "yield_time_ms": { "type": "number", "description": "How long to wait for output, in milliseconds." },
                    "max_output_tokens": { "type": "number", "description": "Most tokens of output to return." }
                },
                "required": ["session_id"],
                "additionalProperties": false
            }),
        }
    }

    fn is_mutating(&self) -> bool {
        true
    }

    async fn run(&self, ctx: &ToolContext, args: serde_json::Value) -> Result<ToolResult, ToolError> {
        let args: WriteArgs = parse_args("write_stdin", args)?;
        let Ok(id) = u32::try_from(whole(Some(args.session_id)).unwrap_or(0)) else {
            return Err(ToolError::RespondToModel(format!(
                "write_stdin failed: unknown session id {}",
                args.session_id
            )));
        };
        let chunk = self
            .sessions
            .write_stdin(
                ctx,
                id,
                args.chars.as_deref().unwrap_or(""),
                whole(args.yield_time_ms),
                whole(args.max_output_tokens).map(|n| n as usize),
            )
            .await?;
        Ok(render(&chunk))
    }
}

/// Codex's layout of a chunk.
fn render(chunk: &ExecChunk) -> ToolResult {
    let state = match (chunk.session_id, chunk.exit_code, &chunk.signal) {
        (Some(id), _, _) => format!("Process running with session ID {id}"),
        (None, Some(code), _) => format!("Process exited with code {code}"),
        (None, None, Some(signal)) => format!("Process killed by {signal}"),
        (None, None, None) => "Process exited".to_string(),
    };
    let status = match (chunk.session_id, chunk.exit_code) {
        (Some(_), _) | (None, Some(0)) => ToolStatus::Ok,
        _ => ToolStatus::Error,
    };
    ToolResult {
        output: layout(
            &chunk.chunk_id,
            chunk.wall,
            &state,
            chunk.original_token_count,
            &chunk.output,
        ),
        status,
        effect: None,
    }
}

fn layout(chunk_id: &str, wall: Duration, state: &str, tokens: usize, output: &str) -> String {
    format!(
        "Chunk ID: {chunk_id}\nWall time: {:.4} seconds\n{state}\nOriginal token count: {tokens}\nOutput:\n{output}",
        wall.as_secs_f64()
    )
}

/// Applies an intercepted patch in `workdir` (joined with a `cd` target).
async fn apply_patch(
    ctx: &ToolContext,
    sessions: &ExecSessions,
    workdir: &std::path::Path,
    cd: Option<&str>,
    patch: String,
) -> Result<ToolResult, ToolError> {
    let started = Instant::now();
    let root = match cd {
        Some(dir) => match resolve_workdir(workdir, Some(dir)) {
            Ok(root) => root,
            Err(err) => return Ok(render_patch(sessions, started, 1, &err.to_string())),
        },
        None => workdir.to_path_buf(),
    };
    Ok(match jig_tools::apply_patch::apply_in(ctx, root, patch).await {
        Ok(summary) => render_patch(sessions, started, 0, &summary.to_string()),
        Err(ToolError::RespondToModel(err)) => render_patch(sessions, started, 1, &err),
        Err(err) => return Err(err),
    })
}

fn render_patch(sessions: &ExecSessions, started: Instant, code: i32, text: &str) -> ToolResult {
    let mut output = text.to_string();
    if !output.ends_with('\n') {
        output.push('\n');
    }
    let state = format!("Process exited with code {code}");
    ToolResult {
        output: layout(
            &sessions.chunk_id(),
            started.elapsed(),
            &state,
            output.len().div_ceil(4),
            &output,
        ),
        status: if code == 0 { ToolStatus::Ok } else { ToolStatus::Error },
        effect: None,
    }
}
