//! Long-running commands the model talks to over several calls (Codex's
//! `exec_command` / `write_stdin`).
//!
//! [`ExecSessions::exec`] starts a command with stdout and stderr merged into
//! one pipe, so the model reads output in the order it was
//! written. Each call waits up to its yield time, or less when the process
//! exits, and returns an [`ExecChunk`] holding the output not yet returned. A
//! process still running after the yield keeps a session id; the model polls
//! or types into it with [`ExecSessions::write_stdin`]. Stdin is closed unless
//! the request asks for [`Stdin::Pipe`] (Codex's `tty: true`), as Codex does:
//! a program that reads stdin when it has no file argument (`rg PATTERN`,
//! `cat`, `wc`) would otherwise wait forever on a pipe nobody writes to.
//!
//! Invariants: a session outlives the call that started it, never the
//! manager: dropping the last clone of [`ExecSessions`] (the end of the agent
//! session) kills every process tree it started, and if jig dies without
//! dropping it, the sandbox helper's parent-death signal does the same. When
//! a command's direct child exits its whole tree is killed, as
//! [`crate::shell`] does, so no background process survives it (`setsid`
//! ones included when the command runs through the helper). At most
//! [`MAX_LIVE_SESSIONS`] run at once; starting one more kills the oldest and
//! says so in the new chunk. Unread output is held in bounded memory. This
//! module does not allocate a pty (`tty` is not supported); the sandbox is
//! applied by [`build_command`].

use std::collections::BTreeMap;
use std::hash::{BuildHasher, RandomState};
use std::io::Read;
use std::path::PathBuf;
use std::process::{ExitStatus, Stdio};
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use nix::unistd::Pid;
use tokio::io::AsyncWriteExt;
use tokio::process::ChildStdin;
use tokio::sync::Notify;

use crate::sandboxing::Containment;
use crate::shell::{CommandLine, KillOnDrop, ProcessTree, build_command, exit_ending, spawn_error};
use crate::truncate::HeadTailBuffer;
use crate::{ToolContext, ToolError};

/// `exec_command`'s yield time when the model gives none.
pub const DEFAULT_EXEC_YIELD_MS: u64 = 10_000;
/// `write_stdin`'s yield time when the model gives none.
pub const DEFAULT_WRITE_YIELD_MS: u64 = 250;
/// Shortest yield time; smaller requests are raised to it.
pub const MIN_YIELD_MS: u64 = 250;
/// Longest yield time; larger requests are lowered to it.
pub const MAX_YIELD_MS: u64 = 30_000;
/// Output budget in tokens (4 bytes each) when the model gives none.
pub const DEFAULT_MAX_OUTPUT_TOKENS: usize = 10_000;
/// Processes that may run at once; starting another kills the oldest.
pub const MAX_LIVE_SESSIONS: usize = 8;
/// Unread output kept per session between reads (head and tail).
const PENDING_CAP_BYTES: usize = 1024 * 1024;
/// How long a call keeps reading after the process exited, for output still
/// in the pipe (a process that escaped the group may hold it open).
const DRAIN_GRACE: Duration = Duration::from_millis(500);

/// A command to start with [`ExecSessions::exec`].
#[derive(Debug, Clone)]
pub struct ExecRequest {
    /// What to run.
    pub command: CommandLine,
    /// Absolute directory to run in.
    pub workdir: PathBuf,
    /// Extra environment variables.
    pub env: BTreeMap<String, String>,
    /// Milliseconds to wait before returning while the process runs.
    pub yield_time_ms: Option<u64>,
    /// Output budget of the returned chunk, in tokens of 4 bytes.
    pub max_output_tokens: Option<usize>,
    /// Whether the process gets an input the model can type into.
    pub stdin: Stdin,
}

/// The standard input of an exec session.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Stdin {
    /// Closed (`/dev/null`): reading it gives end of file at once.
    #[default]
    Closed,
    /// A pipe that [`ExecSessions::write_stdin`] writes to.
    Pipe,
}

/// What one call returns: the output since the last read and the state of the process.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExecChunk {
    /// Six random hex digits naming this chunk.
    pub chunk_id: String,
    /// Time since the call started.
    pub wall: Duration,
    /// The exit code once the process ended (`None` while it runs, or when a
    /// signal ended it: see `signal`).
    pub exit_code: Option<i32>,
    /// The signal that ended the process, if one did.
    pub signal: Option<String>,
    /// The id to pass to [`ExecSessions::write_stdin`] while the process runs.
    pub session_id: Option<u32>,
    /// New output (stdout and stderr merged), cut in the middle when longer
    /// than the budget.
    pub output: String,
    /// About a quarter of the byte length of the uncut new output.
    pub original_token_count: usize,
}

/// The live sessions of one agent session. Cheap to clone; the processes die
/// with the last clone.
#[derive(Clone, Default)]
pub struct ExecSessions {
    inner: Arc<Inner>,
}

#[derive(Default)]
struct Inner {
    sessions: Mutex<BTreeMap<u32, Arc<Session>>>,
    next_id: AtomicU32,
    chunk_counter: AtomicU64,
    hasher: RandomState,
}

/// A running process as the manager holds it. Dropping it kills the group.
struct Session {
    label: String,
    shared: Arc<Shared>,
    stdin: tokio::sync::Mutex<Option<ChildStdin>>,
    /// How the process was started; tells a closed pipe from none.
    stdin_mode: Stdin,
    killer: KillOnDrop,
}

/// State written by the reader thread and the waiter task.
#[derive(Default)]
struct Shared {
    state: Mutex<State>,
    changed: Notify,
}

struct State {
    pending: HeadTailBuffer,
    pending_bytes: usize,
    eof: bool,
    exit: Option<ExitStatus>,
}

impl Default for State {
    fn default() -> Self {
        State {
            pending: HeadTailBuffer::new(PENDING_CAP_BYTES),
            pending_bytes: 0,
            eof: false,
            exit: None,
        }
    }
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, State> {
        // A panic while holding this lock cannot leave State inconsistent
        // (every update is a single push or assignment), so a poisoned lock is
        // still safe to use.
        self.state.lock().unwrap_or_else(|poison| poison.into_inner())
    }
}

impl std::fmt::Debug for ExecSessions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ExecSessions")
            .field("live", &self.live().len())
            .finish()
    }
}

impl ExecSessions {
    /// A manager with no sessions.
    pub fn new() -> Self {
        Self::default()
    }

    /// Ids of the sessions whose process still runs or whose last output
    /// was not yet read, oldest first.
    pub fn live(&self) -> Vec<u32> {
        self.sessions().keys().copied().collect()
    }

    fn sessions(&self) -> MutexGuard<'_, BTreeMap<u32, Arc<Session>>> {
        // Map operations are single inserts and removes; see Shared::lock.
        self.inner.sessions.lock().unwrap_or_else(|poison| poison.into_inner())
    }

    /// Starts `request` and waits up to its yield time for it to finish.
    pub async fn exec(&self, ctx: &ToolContext, request: &ExecRequest) -> Result<ExecChunk, ToolError> {
        if ctx.cancel.is_cancelled() {
            return Err(ToolError::Interrupted);
        }
        let started = Instant::now();
        let note = self.make_room();
        let (session, id) = self.spawn(ctx, request)?;
        let yield_ms = request.yield_time_ms.unwrap_or(DEFAULT_EXEC_YIELD_MS);
        let mut chunk = self
            .collect(ctx, id, &session, started, yield_ms, request.max_output_tokens)
            .await?;
        if let Some(note) = note {
            chunk.output = format!("{note}\n{}", chunk.output);
        }
        Ok(chunk)
    }

    /// Writes `chars` to the stdin of session `session_id` (nothing when
    /// empty: a poll) and returns the output that arrives within the yield time.
    pub async fn write_stdin(
        &self,
        ctx: &ToolContext,
        session_id: u32,
        chars: &str,
        yield_time_ms: Option<u64>,
        max_output_tokens: Option<usize>,
    ) -> Result<ExecChunk, ToolError> {
        let started = Instant::now();
        let session = self.sessions().get(&session_id).cloned();
        let Some(session) = session else {
            let live = self.live();
            let hint = if live.is_empty() {
                "no session is running; start the command again with exec_command".to_string()
            } else {
                format!(
                    "running sessions: {}",
                    live.iter().map(u32::to_string).collect::<Vec<_>>().join(", ")
                )
            };
            return Err(ToolError::RespondToModel(format!(
                "write_stdin failed: unknown session id {session_id} (it finished or never existed); {hint}"
            )));
        };
        if !chars.is_empty() {
            let mut stdin = session.stdin.lock().await;
            let written = match stdin.as_mut() {
                Some(pipe) => pipe.write_all(chars.as_bytes()).await.and(pipe.flush().await),
                None if session.stdin_mode == Stdin::Closed => {
                    return Err(ToolError::RespondToModel(format!(
                        "write_stdin failed: session {session_id} ({}) was started without input; \
                         start the command with `tty: true` to type into it, or poll it with empty chars",
                        session.label
                    )));
                }
                None => Err(std::io::Error::from(std::io::ErrorKind::BrokenPipe)),
            };
            if let Err(err) = written {
                *stdin = None;
                return Err(ToolError::RespondToModel(format!(
                    "write_stdin failed: cannot write to session {session_id} ({}): {err}; the process closed its input or exited, poll it with empty chars to read its output",
                    session.label
                )));
            }
        }
        let yield_ms = yield_time_ms.unwrap_or(DEFAULT_WRITE_YIELD_MS);
        self.collect(ctx, session_id, &session, started, yield_ms, max_output_tokens)
            .await
    }

    /// Kills the oldest session when the cap is reached; returns the note
    /// for the model.
    fn make_room(&self) -> Option<String> {
        let mut sessions = self.sessions();
        if sessions.len() < MAX_LIVE_SESSIONS {
            return None;
        }
        let (id, oldest) = sessions.pop_first()?;
        drop(sessions);
        oldest.killer.0.kill();
        Some(format!(
            "[jig: killed session {id} ({}) to stay within {MAX_LIVE_SESSIONS} running sessions]",
            oldest.label
        ))
    }

    fn spawn(&self, ctx: &ToolContext, request: &ExecRequest) -> Result<(Arc<Session>, u32), ToolError> {
        let (mut command, program, containment) = build_command(&request.command, ctx)?;
        let (reader, writer) = std::io::pipe().map_err(pipe_error)?;
        let writer_err = writer.try_clone().map_err(pipe_error)?;
        command
            .current_dir(&request.workdir)
            .envs(&request.env)
            .stdin(match request.stdin {
                Stdin::Closed => Stdio::null(),
                Stdin::Pipe => Stdio::piped(),
            })
            .stdout(writer)
            .stderr(writer_err)
            .process_group(0)
            // A helper killed outright could not kill the processes it owns.
            .kill_on_drop(containment == Containment::Group);
        let mut child = command
            .spawn()
            .map_err(|err| spawn_error(&program, &request.workdir, &err))?;
        // The parent's copies of the write end must close, or the reader
        // never sees end of file.
        drop(command);
        let Some(pid) = child.id().and_then(|pid| i32::try_from(pid).ok()) else {
            return Err(ToolError::Fatal("exec_command: the child has no pid".to_string()));
        };
        let tree = ProcessTree::new(Pid::from_raw(pid), containment);
        let shared = Arc::new(Shared::default());
        spawn_reader(reader, Arc::clone(&shared));
        let stdin = child.stdin.take();
        let waiter_shared = Arc::clone(&shared);
        let waiter_tree = tree.clone();
        tokio::spawn(async move {
            let status = child.wait().await;
            // Background processes die with the command (see module doc).
            waiter_tree.exited();
            let mut state = waiter_shared.lock();
            state.exit = Some(status.unwrap_or_else(|_| std::os::unix::process::ExitStatusExt::from_raw(-1)));
            drop(state);
            waiter_shared.changed.notify_waiters();
        });
        let id = self.inner.next_id.fetch_add(1, Ordering::Relaxed) + 1;
        let session = Arc::new(Session {
            label: label(&request.command),
            shared,
            stdin: tokio::sync::Mutex::new(stdin),
            stdin_mode: request.stdin,
            killer: KillOnDrop(tree),
        });
        self.sessions().insert(id, Arc::clone(&session));
        Ok((session, id))
    }

    /// Waits until the process has exited and its output is drained, or the
    /// yield time passed, then takes the new output.
    async fn collect(
        &self,
        ctx: &ToolContext,
        id: u32,
        session: &Session,
        started: Instant,
        yield_ms: u64,
        max_output_tokens: Option<usize>,
    ) -> Result<ExecChunk, ToolError> {
        let yield_time = Duration::from_millis(yield_ms.clamp(MIN_YIELD_MS, MAX_YIELD_MS));
        let mut deadline = tokio::time::Instant::now() + yield_time;
        let mut exit_seen = false;
        loop {
            let notified = session.shared.changed.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            let (exited, eof) = {
                let state = session.shared.lock();
                (state.exit.is_some(), state.eof)
            };
            if exited && eof {
                break;
            }
            if exited && !exit_seen {
                exit_seen = true;
                deadline = deadline.min(tokio::time::Instant::now() + DRAIN_GRACE);
            }
            tokio::select! {
                () = &mut notified => {}
                () = tokio::time::sleep_until(deadline) => break,
                () = ctx.cancel.cancelled() => return Err(ToolError::Interrupted),
            }
        }
        let mut state = session.shared.lock();
        let pending = std::mem::replace(&mut state.pending, HeadTailBuffer::new(PENDING_CAP_BYTES));
        let bytes = std::mem::take(&mut state.pending_bytes);
        let exit = state.exit;
        drop(state);
        let (exit_code, signal, session_id) = match exit {
            Some(status) => {
                self.sessions().remove(&id);
                match exit_ending(status) {
                    crate::shell::CommandEnding::Exited { code, signal } => (code, signal, None),
                    crate::shell::CommandEnding::TimedOut => (None, None, None),
                }
            }
            None => (None, None, Some(id)),
        };
        let budget = max_output_tokens.unwrap_or(DEFAULT_MAX_OUTPUT_TOKENS).saturating_mul(4);
        // One cut, so the note counts every byte left out, not only the last cut's.
        let mut output = pending.finish_within(budget);
        if let (Some(policy), false) = (ctx.sandbox.as_deref(), session_id.is_some()) {
            let ending = crate::shell::CommandEnding::Exited {
                code: exit_code,
                signal: signal.clone(),
            };
            if let Some(note) = crate::shell::denial_note(policy, &ending, &output) {
                output.push('\n');
                output.push_str(&note);
            }
        }
        Ok(ExecChunk {
            chunk_id: self.chunk_id(),
            wall: started.elapsed(),
            exit_code,
            signal,
            session_id,
            output,
            original_token_count: bytes.div_ceil(4),
        })
    }

    /// A fresh six-hex-digit chunk id, for faces that answer without a
    /// process (an intercepted `apply_patch`).
    pub fn chunk_id(&self) -> String {
        let n = self.inner.chunk_counter.fetch_add(1, Ordering::Relaxed);
        format!("{:06x}", self.inner.hasher.hash_one(n) & 0xff_ffff)
    }
}

/// Reads the merged output pipe on a thread of its own until end of file.
fn spawn_reader(mut reader: std::io::PipeReader, shared: Arc<Shared>) {
    std::thread::spawn(move || {
        let mut buf = vec![0u8; 8192];
        loop {
            let n = match reader.read(&mut buf) {
                Ok(n) => n,
                Err(err) if err.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(_) => 0,
            };
            let mut state = shared.lock();
            if n == 0 {
                state.eof = true;
            } else {
                state.pending.push(&buf[..n]);
                state.pending_bytes += n;
            }
            drop(state);
            shared.changed.notify_waiters();
            if n == 0 {
                return;
            }
        }
    });
}

fn pipe_error(err: std::io::Error) -> ToolError {
    ToolError::Fatal(format!("exec_command: cannot create the output pipe: {err}"))
}

/// A short name of the command for notes and errors.
fn label(command: &CommandLine) -> String {
    let text = match command {
        CommandLine::Script(script) => script.clone(),
        CommandLine::Argv(argv) => argv.join(" "),
    };
    let first = text.lines().next().unwrap_or("");
    let short: String = first.chars().take(60).collect();
    if short.len() < text.len() {
        format!("`{short}…`")
    } else {
        format!("`{short}`")
    }
}
