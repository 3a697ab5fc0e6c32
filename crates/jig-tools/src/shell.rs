//! The `shell` tool and [`run_command`], the one command runner every
//! dialect's shell face (`shell`, claude's `Bash`, codex-legacy's `shell`)
//! goes through: it runs one command and reports how it ended, its wall time
//! and its output; each face only formats a [`CommandOutcome`].
//!
//! Every command runs in its own process group, and the tool owns its whole
//! process tree: on timeout, on interrupt, when the run future is dropped,
//! and also after the direct child has exited normally, every process the
//! command started is killed. The last case is deliberate: a backgrounded
//! grandchild (`server &`) inherits the stdout/stderr pipes, and waiting for
//! it to close them would hang the tool forever, so commands cannot leave
//! processes behind. Through the sandbox helper (every command, when jig
//! registered one) the helper's supervisor owns the tree, `setsid` and double
//! forks included: the tool asks it with SIGTERM and it kills them all (see
//! [`crate::sandboxing`]). Without a helper the process group gets SIGKILL,
//! which a `setsid` process escapes; the tool then stops reading its pipes
//! after [`DRAIN_GRACE`] instead of hanging. Output is captured in bounded
//! memory ([`HeadTailBuffer`]) whatever the command prints. This module must
//! not vet commands; that is the guard's job.

use std::collections::BTreeMap;
use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::{ExitStatus, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use jig_protocol::{ToolSpec, ToolStatus};
use nix::sys::signal::{Signal, kill, killpg};
use nix::unistd::Pid;
use serde::Deserialize;
use tokio::io::{AsyncRead, AsyncReadExt};
use tokio::process::{Child, Command};

use crate::sandboxing::Containment;
use crate::truncate::HeadTailBuffer;
use crate::{Tool, ToolContext, ToolError, ToolResult, parse_args};

/// Timeout when the model gives none.
pub const DEFAULT_TIMEOUT_MS: u64 = 120_000;
/// Longest timeout the model may ask for; larger values are clamped.
pub const MAX_TIMEOUT_MS: u64 = 600_000;
/// How long the tool keeps reading the pipes after the process group is gone.
pub const DRAIN_GRACE: Duration = Duration::from_secs(2);

/// Runs a command (a bash string or an argv array) and returns its output.
#[derive(Debug, Clone)]
pub struct ShellTool {
    /// Bytes kept of each of stdout and stderr; the middle of longer output
    /// is cut (see [`crate::truncate`]).
    pub max_output_bytes: usize,
}

impl Default for ShellTool {
    fn default() -> Self {
        ShellTool {
            max_output_bytes: 16 * 1024,
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ShellArgs {
    command: CommandArg,
    workdir: Option<String>,
    timeout_ms: Option<u64>,
    env: Option<BTreeMap<String, String>>,
}

#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum CommandArg {
    Script(String),
    Argv(Vec<String>),
}

/// How the wait for the direct child ended (internal; see [`CommandEnding`]).
enum Ending {
    Exited(ExitStatus),
    TimedOut,
    Cancelled,
}

const DESCRIPTION: &str = "\
Run a command and return its exit code, wall time, stdout and stderr.
`command` is either a string, run with `bash -lc` (pipes, &&, globs and redirects work), \
or an array of strings executed directly without a shell (e.g. [\"cargo\", \"test\"]).
The command runs in `workdir` (relative to the workspace root; default the root) with stdin closed, \
so interactive programs fail: pass flags such as --yes or --no-pager.
It is killed, with every process it started, after `timeout_ms` (default 120000, max 600000). \
Processes left in the background are killed when the command exits, so do not start servers or watchers with `&`.
Each of stdout and stderr is cut to its head and tail when long; prefer quiet flags and filters such as `| tail -n 50`.
A non-zero exit code is reported as an error result with the output.";

#[async_trait::async_trait]
impl Tool for ShellTool {
    fn spec(&self) -> ToolSpec {
        ToolSpec {
            namespace: None,
            format: jig_protocol::ToolFormat::Function,
            name: "shell".to_string(),
            description: DESCRIPTION.to_string(),
            parameters: serde_json::json!({
                "type": "object",
                "properties": {
                    "command": {
                        "description": "A bash command line (string) or an argv array run without a shell.",
                        "anyOf": [
                            { "type": "string" },
                            { "type": "array", "items": { "type": "string" }, "minItems": 1 }
                        ]
                    },
                    "workdir": {
                        "type": "string",
                        "description": "Directory to run in, relative to the workspace root. Default: the root."
                    },
                    "timeout_ms": {
                        "type": "integer",
                        "minimum": 1,
                        "maximum": MAX_TIMEOUT_MS,
                        "description": "Kill the command after this many milliseconds. Default 120000."
                    },
                    "env": {
                        "type": "object",
                        "additionalProperties": { "type": "string" },
                        "description": "Extra environment variables."
                    }
                },
                "required": ["command"],
                "additionalProperties": false
            }),
        }
    }

    fn is_mutating(&self) -> bool {
        true
    }

    fn preview(&self, args: &serde_json::Value) -> Option<crate::CommandPreview> {
        let args: ShellArgs = serde_json::from_value(args.clone()).ok()?;
        let command = match args.command {
            CommandArg::Script(script) => CommandLine::Script(script),
            CommandArg::Argv(argv) => CommandLine::Argv(argv),
        };
        Some(crate::CommandPreview {
            command,
            escalation: None,
        })
    }

    async fn run(&self, ctx: &ToolContext, args: serde_json::Value) -> Result<ToolResult, ToolError> {
        let args: ShellArgs = parse_args("shell", args)?;
        if ctx.cancel.is_cancelled() {
            return Err(ToolError::Interrupted);
        }
        let workdir = resolve_workdir(&ctx.cwd, args.workdir.as_deref())?;
        let timeout_ms = args.timeout_ms.unwrap_or(DEFAULT_TIMEOUT_MS).clamp(1, MAX_TIMEOUT_MS);
        let command = match args.command {
            CommandArg::Script(script) => CommandLine::Script(script),
            CommandArg::Argv(argv) => CommandLine::Argv(argv),
        };
        let spec = CommandSpec {
            command,
            workdir,
            env: args.env.unwrap_or_default(),
            timeout: Duration::from_millis(timeout_ms),
            max_output_bytes: self.max_output_bytes,
        };
        let outcome = run_command(ctx, &spec).await?;
        let streams = render_streams(&outcome.stdout, &outcome.stderr);
        let wall = outcome.wall.as_secs_f64();
        let (head, status) = match &outcome.ending {
            CommandEnding::TimedOut => (
                format!(
                    "command timed out after {} s; the process group was killed\nwall time: {wall:.3} s\n",
                    timeout_ms as f64 / 1000.0,
                ),
                ToolStatus::Error,
            ),
            ending @ CommandEnding::Exited { code, .. } => {
                let status = if *code == Some(0) {
                    ToolStatus::Ok
                } else {
                    ToolStatus::Error
                };
                (
                    format!("exit code: {}\nwall time: {wall:.3} s\n", ending.describe()),
                    status,
                )
            }
        };
        Ok(ToolResult {
            output: head + &streams,
            status,
            effect: None,
        })
    }
}

/// What to run: a bash script or an argv executed without a shell.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CommandLine {
    /// Run with `bash -lc`.
    Script(String),
    /// Executed directly; the first element is the program.
    Argv(Vec<String>),
}

/// One command for [`run_command`].
#[derive(Debug, Clone)]
pub struct CommandSpec {
    /// What to run.
    pub command: CommandLine,
    /// Absolute directory to run in (see [`resolve_workdir`]).
    pub workdir: PathBuf,
    /// Extra environment variables, on top of jig's own environment.
    pub env: BTreeMap<String, String>,
    /// The process group is killed after this long.
    pub timeout: Duration,
    /// Bytes kept of each of stdout and stderr (head and tail).
    pub max_output_bytes: usize,
}

/// How a command ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CommandEnding {
    /// The direct child exited (or was killed by a signal).
    Exited {
        /// The exit code, `None` when a signal ended it.
        code: Option<i32>,
        /// The signal's name (`SIGKILL`), when a signal ended it.
        signal: Option<String>,
    },
    /// The timeout passed; the process group was killed.
    TimedOut,
}

impl CommandEnding {
    /// `0`, `none (killed by SIGKILL)`, `unknown`, or `timed out`.
    pub fn describe(&self) -> String {
        match self {
            CommandEnding::Exited { code: Some(code), .. } => code.to_string(),
            CommandEnding::Exited {
                code: None,
                signal: Some(signal),
            } => format!("none (killed by {signal})"),
            CommandEnding::Exited {
                code: None,
                signal: None,
            } => "unknown".to_string(),
            CommandEnding::TimedOut => "timed out".to_string(),
        }
    }
}

/// What [`run_command`] observed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommandOutcome {
    /// How the command ended.
    pub ending: CommandEnding,
    /// Time from spawn to the end of the wait.
    pub wall: Duration,
    /// Standard output, middle cut when longer than `max_output_bytes`.
    pub stdout: String,
    /// Standard error, middle cut when longer than `max_output_bytes`.
    pub stderr: String,
}

/// Runs one command with stdin closed, in its own process group, and kills
/// the whole group when it ends (see the module doc). `Err(Interrupted)` when
/// `ctx.cancel` fires; `RespondToModel` when the program cannot be started.
pub async fn run_command(ctx: &ToolContext, spec: &CommandSpec) -> Result<CommandOutcome, ToolError> {
    if ctx.cancel.is_cancelled() {
        return Err(ToolError::Interrupted);
    }
    let (mut command, program, containment) = build_command(&spec.command, ctx)?;
    command
        .current_dir(&spec.workdir)
        .envs(&spec.env)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0)
        // A helper killed outright could not kill the processes it owns.
        .kill_on_drop(containment == Containment::Group);
    let started = Instant::now();
    let child = command
        .spawn()
        .map_err(|err| spawn_error(&program, &spec.workdir, &err))?;
    let run = supervise(child, containment, ctx, spec.timeout, spec.max_output_bytes).await?;
    let wall = started.elapsed();
    let ending = match run.ending {
        Ending::Cancelled => return Err(ToolError::Interrupted),
        Ending::TimedOut => CommandEnding::TimedOut,
        Ending::Exited(status) => exit_ending(status),
    };
    let mut stderr = run.stderr;
    if let Some(note) = ctx
        .sandbox
        .as_deref()
        .and_then(|policy| denial_note(policy, &ending, &stderr))
    {
        if !stderr.is_empty() {
            stderr.push('\n');
        }
        stderr.push_str(&note);
    }
    Ok(CommandOutcome {
        ending,
        wall,
        stdout: run.stdout,
        stderr,
    })
}

/// The sandbox's explanation when `stderr` shows it blocked the command.
pub(crate) fn denial_note(policy: &jig_sandbox::SandboxPolicy, ending: &CommandEnding, output: &str) -> Option<String> {
    let code = match ending {
        CommandEnding::Exited { code, .. } => *code,
        CommandEnding::TimedOut => None,
    };
    if code == Some(0) {
        return None;
    }
    jig_sandbox::explain_denial(output, code, policy)
}

/// Turns an exit status into a [`CommandEnding::Exited`].
pub(crate) fn exit_ending(status: ExitStatus) -> CommandEnding {
    let signal = match (status.code(), status.signal()) {
        (None, Some(signal)) => Some(match Signal::try_from(signal) {
            Ok(sig) => sig.to_string(),
            Err(_) => format!("signal {signal}"),
        }),
        _ => None,
    };
    CommandEnding::Exited {
        code: status.code(),
        signal,
    }
}

/// What [`supervise`] observed.
struct Finished {
    ending: Ending,
    stdout: String,
    stderr: String,
}

/// Waits for the child while reading its pipes, then kills its process
/// tree whatever the ending, reaps it and drains the pipes.
async fn supervise(
    mut child: Child,
    containment: Containment,
    ctx: &ToolContext,
    timeout: Duration,
    max_output_bytes: usize,
) -> Result<Finished, ToolError> {
    let tree = child
        .id()
        .and_then(|pid| i32::try_from(pid).ok())
        .map(|pid| KillOnDrop(ProcessTree::new(Pid::from_raw(pid), containment)));
    let (Some(stdout), Some(stderr)) = (child.stdout.take(), child.stderr.take()) else {
        return Err(ToolError::Fatal(
            "shell: the child's output pipes were not set up".to_string(),
        ));
    };
    let mut out = HeadTailBuffer::new(max_output_bytes);
    let mut err = HeadTailBuffer::new(max_output_bytes);
    let ending = {
        let reading = async { tokio::join!(pump(stdout, &mut out), pump(stderr, &mut err)) };
        tokio::pin!(reading);
        let deadline = tokio::time::sleep(timeout);
        tokio::pin!(deadline);
        let mut drained = false;
        let ending = loop {
            tokio::select! {
                _ = &mut reading, if !drained => drained = true,
                status = child.wait() => break Ending::Exited(status.map_err(wait_error)?),
                () = &mut deadline => break Ending::TimedOut,
                () = ctx.cancel.cancelled() => break Ending::Cancelled,
            }
        };
        if let Some(KillOnDrop(tree)) = &tree {
            if matches!(ending, Ending::Exited(_)) {
                tree.exited();
            } else {
                tree.kill();
                // The tree was just killed, so this wait is short; its
                // status is not reported (the ending already says why).
                let _ = child.wait().await;
                tree.exited();
            }
        }
        if !drained {
            let _ = tokio::time::timeout(DRAIN_GRACE, &mut reading).await;
        }
        ending
    };
    Ok(Finished {
        ending,
        stdout: out.finish(),
        stderr: err.finish(),
    })
}

fn wait_error(err: std::io::Error) -> ToolError {
    ToolError::Fatal(format!("shell: cannot wait for the command: {err}"))
}

/// A command's process tree: its direct child (the group leader) and who
/// owns the rest (see [`Containment`]). Cheap to clone. Public for the
/// other programs jig runs and must not outlive their run (hooks).
#[derive(Debug, Clone)]
pub struct ProcessTree {
    leader: Pid,
    containment: Containment,
    /// Set once the leader is reaped: its pid may then belong to anyone.
    reaped: Arc<AtomicBool>,
}

impl ProcessTree {
    /// The tree led by `leader`, owned as `containment` says.
    pub fn new(leader: Pid, containment: Containment) -> Self {
        ProcessTree {
            leader,
            containment,
            reaped: Arc::new(AtomicBool::new(false)),
        }
    }

    /// Kills the whole tree now.
    pub fn kill(&self) {
        match self.containment {
            // The helper kills every descendant, then exits. ESRCH (it has
            // exited already) is normal.
            Containment::Helper if !self.reaped.load(Ordering::SeqCst) => {
                let _ = kill(self.leader, Signal::SIGTERM);
            }
            Containment::Helper => {}
            // ESRCH (group already empty) is the normal case after a clean exit.
            Containment::Group => {
                let _ = killpg(self.leader, Signal::SIGKILL);
            }
        }
    }

    /// To call once the leader is reaped: what it left in its group dies (a
    /// helper has already killed everything before exiting).
    pub fn exited(&self) {
        self.reaped.store(true, Ordering::SeqCst);
        self.kill();
    }
}

/// Kills a process tree when dropped, so a cancelled or aborted run never
/// leaves processes behind.
pub(crate) struct KillOnDrop(pub(crate) ProcessTree);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        self.0.kill();
    }
}

/// Copies a pipe into `buf` until end of file or a read error.
async fn pump(mut pipe: impl AsyncRead + Unpin, buf: &mut HeadTailBuffer) {
    let mut chunk = vec![0u8; 8192];
    loop {
        match pipe.read(&mut chunk).await {
            Ok(0) | Err(_) => return,
            Ok(n) => buf.push(&chunk[..n]),
        }
    }
}

fn render_streams(out: &str, err: &str) -> String {
    if out.is_empty() && err.is_empty() {
        return "(no output)".to_string();
    }
    let mut text = String::new();
    for (name, body) in [("stdout", out), ("stderr", err)] {
        if body.is_empty() {
            continue;
        }
        if !text.is_empty() {
            text.push('\n');
        }
        text.push_str(name);
        text.push_str(":\n");
        text.push_str(body.strip_suffix('\n').unwrap_or(body));
    }
    text
}

/// Resolves the model's `workdir` (relative to `cwd`, or absolute) and
/// checks that it is a directory.
pub fn resolve_workdir(cwd: &Path, workdir: Option<&str>) -> Result<PathBuf, ToolError> {
    let dir = match workdir {
        Some(dir) => cwd.join(dir),
        None => cwd.to_path_buf(),
    };
    if dir.is_dir() {
        Ok(dir)
    } else {
        Err(ToolError::RespondToModel(format!(
            "cannot run command: workdir {} does not exist or is not a directory; pass an existing directory relative to the workspace root",
            dir.display()
        )))
    }
}

/// Builds the command (through the sandbox helper when one is registered)
/// and returns the program name for error messages and who owns its tree.
pub(crate) fn build_command(arg: &CommandLine, ctx: &ToolContext) -> Result<(Command, String, Containment), ToolError> {
    let (argv, program) = match arg {
        CommandLine::Script(script) => {
            // A login shell re-reads /etc/profile, which resets PATH, so the
            // `rg` shim directory is put back first inside the script itself.
            let script = match crate::rg::path_export(ctx) {
                Some(export) => format!("{export}\n{script}"),
                None => script.clone(),
            };
            (vec!["bash".to_string(), "-lc".to_string(), script], "bash".to_string())
        }
        CommandLine::Argv(argv) => {
            let Some(program) = argv.first() else {
                return Err(ToolError::RespondToModel(
                    "cannot run command: the argv array is empty; pass at least the program name".to_string(),
                ));
            };
            (argv.clone(), program.clone())
        }
    };
    let (argv, containment) = crate::sandboxing::wrap(ctx.sandbox.as_deref(), &ctx.cwd, argv)?;
    let mut env = ctx.env.current();
    crate::rg::prefix_path(&mut env, ctx);
    // Crash fault injection is for the jig process that was given it, never
    // for a jig (or its test suite) that a command starts.
    env.remove(std::ffi::OsStr::new(FAULT_INJECTION_VAR));
    let mut command = Command::new(&argv[0]);
    command.args(&argv[1..]).env_clear().envs(env);
    Ok((command, program, containment))
}

/// `jig-config`'s `JIG_FAULT_KILL_AFTER_RECORDS` (jig-tools does not depend
/// on the config crate; a test in jig-cli checks the name end to end).
const FAULT_INJECTION_VAR: &str = "JIG_FAULT_KILL_AFTER_RECORDS";

pub(crate) fn spawn_error(program: &str, workdir: &Path, err: &std::io::Error) -> ToolError {
    let hint = match err.kind() {
        std::io::ErrorKind::NotFound => {
            "; check the program name, or pass the command as a string to run it through bash"
        }
        std::io::ErrorKind::PermissionDenied => "; the program is not executable",
        _ => "",
    };
    ToolError::RespondToModel(format!("cannot run {program} in {}: {err}{hint}", workdir.display()))
}
