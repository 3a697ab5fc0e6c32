//! Running a turn for a tool call: the sessions the server keeps, building
//! one for `run_task` (settings and project trust exactly as `jig exec`
//! loads them, for the task's directory) or finding one for `reply` (live
//! in this process, else resumed from its rollout), and following the
//! turn's events to its end.
//!
//! While it follows, the turn's steps go to the client as progress
//! notifications (when the call carried a progress token), the session's
//! questions go to the client as elicitation forms (answered on the side,
//! so events keep flowing), and a cancelled call interrupts the turn. A
//! turn that completes with sub-agents still at work is followed until the
//! session is idle, like `jig exec` does.
//!
//! Invariant: one turn at a time per session — a second call on a session
//! whose turn runs is refused, never queued as an interjection.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use jig_config::{ApprovalPolicy, CliOverrides, EnvSnapshot, LoadInputs, SandboxMode, Settings};
use jig_core::{Built, SessionBuilder, SessionHandle, SessionStore};
use jig_protocol::{Event, Op, TurnOutcome};
use rmcp::RoleServer;
use rmcp::model::ProgressNotificationParam;
use rmcp::service::RequestContext;
use tokio::sync::Mutex;

use super::diff::{self, Snapshot};
use super::elicit::{self, Ask};
use super::tools::{ReplyArgs, RunTaskArgs, TaskResult};

/// A running session and its workspace.
struct Live {
    handle: SessionHandle,
    workspace: PathBuf,
    /// Resumed with a turn the process died in: it continues on its own,
    /// and the next prompt waits for it.
    unfinished: bool,
}

/// A kept session: its ops, reachable while a call holds the session.
struct Entry {
    ops: tokio::sync::mpsc::UnboundedSender<Op>,
    live: Arc<Mutex<Live>>,
}

/// The sessions this server has started or resumed, by id.
pub struct Sessions {
    live: Mutex<HashMap<String, Entry>>,
    /// The server's directory: the default workspace, and where `reply`
    /// finds settings (the data dir) for a session it must resume.
    here: PathBuf,
}

/// A call that cannot run, in words for the client.
pub type Refusal = String;

impl Sessions {
    /// Sessions for a server started in `here`.
    pub fn new(here: PathBuf) -> Self {
        Sessions {
            live: Mutex::default(),
            here,
        }
    }

    /// `run_task`: a new session in the task's directory, and its turn.
    pub async fn run_task(&self, args: RunTaskArgs, ctx: &RequestContext<RoleServer>) -> Result<TaskResult, Refusal> {
        let cwd = match &args.cwd {
            Some(dir) => self.here.join(dir),
            None => self.here.clone(),
        };
        let cwd = std::fs::canonicalize(&cwd).map_err(|e| {
            format!(
                "cannot use {} as the workspace ({e}); give an existing directory",
                cwd.display()
            )
        })?;
        let cli = CliOverrides {
            model: args.model.clone(),
            sandbox: parse::<SandboxMode>(args.sandbox.as_deref())?,
            approval_policy: parse::<ApprovalPolicy>(args.approval_policy.as_deref())?,
            ..CliOverrides::default()
        };
        let askable = elicit::supported(&ctx.peer);
        let workspace = cwd.clone();
        // Building loads the model and starts MCP servers: off the async threads.
        let built = tokio::task::spawn_blocking(move || create(&workspace, cli, askable))
            .await
            .map_err(|e| format!("cannot start a session: {e}"))??;
        let live = self.keep(built, cwd).await;
        let mut live = live.lock().await;
        Ok(turn(&mut live, args.prompt, ctx).await)
    }

    /// `reply`: the next turn of a session.
    pub async fn reply(&self, args: ReplyArgs, ctx: &RequestContext<RoleServer>) -> Result<TaskResult, Refusal> {
        let live = self.find(&args.session_id).await?;
        let Ok(mut live) = live.try_lock() else {
            return Err(format!(
                "session {} is running a turn; wait for its result, or cancel that call",
                args.session_id
            ));
        };
        Ok(turn(&mut live, args.prompt, ctx).await)
    }

    /// The session `id`: live in this process, else resumed from its
    /// rollout (one resume at a time, so two calls never race for it).
    async fn find(&self, id: &str) -> Result<Arc<Mutex<Live>>, Refusal> {
        let mut kept = self.live.lock().await;
        if let Some(entry) = kept.get(id) {
            return Ok(Arc::clone(&entry.live));
        }
        let (here, wanted) = (self.here.clone(), id.to_owned());
        let (built, workspace) = tokio::task::spawn_blocking(move || resume(&here, &wanted))
            .await
            .map_err(|e| format!("cannot resume session {id}: {e}"))??;
        let unfinished = built.session.has_unfinished_turn();
        let (entry, live) = spawn(built, workspace);
        live.lock().await.unfinished = unfinished;
        kept.insert(entry.0, entry.1);
        Ok(live)
    }

    /// Spawns a built session and keeps it.
    async fn keep(&self, built: Built, workspace: PathBuf) -> Arc<Mutex<Live>> {
        let ((id, entry), live) = spawn(built, workspace);
        self.live.lock().await.insert(id, entry);
        live
    }

    /// Ends every session (the client went away): a running turn is
    /// interrupted, and each session's events are read to their end so its
    /// rollout is complete.
    pub async fn shutdown(&self) {
        let entries: Vec<Entry> = self.live.lock().await.drain().map(|(_, e)| e).collect();
        for entry in &entries {
            let _ = entry.ops.send(Op::Shutdown);
        }
        for entry in entries {
            let mut live = entry.live.lock().await;
            while live.handle.next().await.is_some() {}
        }
    }
}

/// A new session in `cwd`, with settings and trust as `jig exec --json`
/// resolves them there.
fn create(cwd: &Path, cli: CliOverrides, askable: bool) -> Result<Built, Refusal> {
    let model = cli.model.clone();
    let (settings, env) = load_settings(cwd, cli)?;
    let policy = settings.approval_policy.unwrap_or(if askable {
        ApprovalPolicy::OnRequest
    } else {
        ApprovalPolicy::Never
    });
    let mut builder = builder(&settings, &env).workspace(cwd).approval(policy);
    if !askable {
        // Tools are told at once that nobody can answer, rather than that
        // the person declined.
        builder = builder.nobody_to_ask();
    }
    if let Some(model) = model {
        builder = builder.model(model);
    }
    let (spec, note) = builder.pick_model();
    if let Some(note) = note {
        eprintln!("{note}");
    }
    builder
        .model(spec)
        .create()
        .map_err(|e| format!("cannot start a session: {e}"))
}

/// The recorded session `id` and its workspace, with the settings of the
/// server's directory `here` (where its data dir is found).
fn resume(here: &Path, id: &str) -> Result<(Built, PathBuf), Refusal> {
    let (settings, env) = load_settings(here, CliOverrides::default())?;
    let store = SessionStore::new(&settings.home);
    let dir = store.resolve(id).map_err(|e| format!("{e}"))?;
    let meta = jig_core::store::read_meta(&dir).map_err(|e| format!("{e}"))?;
    let policy = settings.approval_policy.unwrap_or(ApprovalPolicy::OnRequest);
    let built = builder(&settings, &env)
        .approval(policy)
        .resume(dir)
        .map_err(|e| format!("cannot resume session {id}: {e}"))?;
    Ok((built, PathBuf::from(meta.cwd)))
}

/// Starts a built session: its map entry (by id) and the handle to lock.
fn spawn(built: Built, workspace: PathBuf) -> ((String, Entry), Arc<Mutex<Live>>) {
    for note in &built.notes {
        eprintln!("{note}");
    }
    let handle = built.session.spawn();
    let id = handle.session_id.clone();
    let ops = handle.op_sender();
    let live = Arc::new(Mutex::new(Live {
        handle,
        workspace,
        unfinished: false,
    }));
    let entry = Entry {
        ops,
        live: Arc::clone(&live),
    };
    ((id, entry), live)
}

/// A word of `T`'s (`read-only`, `on-request`), or a refusal listing them.
fn parse<T>(word: Option<&str>) -> Result<Option<T>, Refusal>
where
    T: std::str::FromStr,
    T::Err: std::fmt::Display,
{
    word.map(|w| w.parse::<T>().map_err(|e| e.to_string())).transpose()
}

/// Settings for `cwd` as `jig exec --json` loads them: nobody is asked
/// about trust, an undecided project's wishes are left out.
fn load_settings(cwd: &Path, cli: CliOverrides) -> Result<(Settings, EnvSnapshot), Refusal> {
    let env = EnvSnapshot::capture();
    let inputs = LoadInputs {
        cwd: cwd.to_path_buf(),
        env: env.clone(),
        cli,
    };
    let settings = crate::trust::load(&inputs, crate::trust::Ask::Never).map_err(|e| format!("{e:#}"))?;
    Ok((settings, env))
}

fn builder<'a>(settings: &'a Settings, env: &'a EnvSnapshot) -> SessionBuilder<'a> {
    let builder = SessionBuilder::new(settings, env);
    // Only this executable can answer `rg` for the commands it runs.
    match std::env::current_exe() {
        Ok(exe) => builder.rg_shim(exe),
        Err(_) => builder,
    }
}

/// Where the followed turn stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Running {
    Yes,
    /// The turn completed; sub-agents may still be at work.
    Settling,
    No,
}

/// Sends `prompt`, follows the turn to its end and says what it did.
async fn turn(live: &mut Live, prompt: String, ctx: &RequestContext<RoleServer>) -> TaskResult {
    let workspace = live.workspace.clone();
    let before = snapshot(workspace.clone()).await;
    let followed = follow(live, prompt, ctx).await;
    let after = snapshot(workspace).await;
    let files_changed = before.changes(&after);
    let (outcome, mut error) = describe(&followed.outcome);
    if followed.prompt_unsent {
        let why = error.map(|e| format!("{e}; ")).unwrap_or_default();
        error = Some(format!(
            "{why}the session's unfinished turn did not complete, so the prompt was not sent"
        ));
    }
    TaskResult {
        session_id: live.handle.session_id.clone(),
        outcome,
        error,
        final_message: followed.last_message,
        diff_summary: diff::summary(&files_changed),
        files_changed,
    }
}

/// How a followed turn ended.
struct Followed {
    outcome: TurnOutcome,
    last_message: String,
    /// A resumed turn did not complete, so the prompt never went out.
    prompt_unsent: bool,
}

/// Sends `prompt` (after a resumed unfinished turn, if any) and reads the
/// session's events until the prompt's turn ended and, if it completed,
/// the session is idle with no sub-agent left.
async fn follow(live: &mut Live, prompt: String, ctx: &RequestContext<RoleServer>) -> Followed {
    let handle = &mut live.handle;
    let root = handle.session_id.clone();
    let ops = handle.op_sender();
    let mut progress = Progress::new(ctx);
    // A turn still running from before gets to its end first; the prompt
    // then starts its own turn (sent during one, it would be an
    // interjection).
    let mut prompt = Some(prompt);
    if !std::mem::take(&mut live.unfinished) {
        handle.submit(Op::UserInput {
            text: prompt.take().unwrap_or_default(),
        });
    }
    let mut running = Running::Yes;
    let mut outcome = TurnOutcome::Interrupted;
    let mut last_message = String::new();
    let mut interrupted = false;
    while running != Running::No {
        let envelope = tokio::select! {
            () = ctx.ct.cancelled(), if !interrupted => {
                interrupted = true;
                handle.submit(Op::Interrupt);
                continue;
            }
            envelope = handle.next() => envelope,
        };
        let Some(envelope) = envelope else {
            outcome = TurnOutcome::failed(jig_protocol::FailureKind::Internal, "the session ended");
            break;
        };
        if let Some(ask) = asked(&envelope.event) {
            let (peer, ops) = (ctx.peer.clone(), ops.clone());
            tokio::spawn(async move {
                let _ = ops.send(elicit::answer(&peer, ask).await);
            });
        }
        let own = envelope.session_id == root;
        progress.event(&envelope.event, own).await;
        if !own {
            continue;
        }
        match envelope.event {
            Event::AgentMessage { text } => last_message = text,
            Event::TurnStarted { .. } => running = Running::Yes,
            Event::TurnCompleted {
                outcome: ended,
                last_message: said,
                ..
            } => {
                last_message = said.unwrap_or(last_message);
                running = match (&ended, prompt.take()) {
                    (TurnOutcome::Completed, Some(text)) if !interrupted => {
                        handle.submit(Op::UserInput { text });
                        Running::Yes
                    }
                    (TurnOutcome::Completed, _) if !interrupted => Running::Settling,
                    (_, unsent) => {
                        prompt = unsent;
                        Running::No
                    }
                };
                outcome = ended;
            }
            Event::SessionIdle { agents_running: 0 } if running == Running::Settling => running = Running::No,
            _ => {}
        }
    }
    Followed {
        outcome,
        last_message,
        prompt_unsent: prompt.is_some(),
    }
}

/// The request in `event` a person should answer, if any.
fn asked(event: &Event) -> Option<Ask> {
    match event {
        Event::ApprovalRequested {
            request_id,
            command,
            cwd,
            reason,
            ..
        } => Some(Ask::Approval {
            request_id: request_id.clone(),
            command: command.clone(),
            cwd: cwd.clone(),
            reason: reason.clone(),
        }),
        Event::InputRequested {
            request_id, request, ..
        } => Some(Ask::Input {
            request_id: request_id.clone(),
            request: request.clone(),
        }),
        _ => None,
    }
}

/// The outcome's name and, when it did not complete, why.
fn describe(outcome: &TurnOutcome) -> (String, Option<String>) {
    match outcome {
        TurnOutcome::Completed => ("completed".into(), None),
        TurnOutcome::Interrupted => ("interrupted".into(), Some("the call was cancelled".into())),
        TurnOutcome::MaxTurns { limit } => (
            "max_turns".into(),
            Some(format!("it reached its limit of {limit} steps")),
        ),
        TurnOutcome::BudgetExceeded { budget, limit, used } => (
            "budget_exceeded".into(),
            Some(format!("{budget:?} budget {limit} reached ({used} used)")),
        ),
        TurnOutcome::Failed { error, .. } => ("failed".into(), Some(error.clone())),
    }
}

/// A snapshot of `workspace`, taken off the async threads.
async fn snapshot(workspace: PathBuf) -> Snapshot {
    tokio::task::spawn_blocking(move || Snapshot::take(&workspace))
        .await
        .unwrap_or_default()
}

/// Progress notifications for a call that asked for them.
struct Progress {
    token: Option<rmcp::model::ProgressToken>,
    peer: rmcp::Peer<RoleServer>,
    step: f64,
}

impl Progress {
    fn new(ctx: &RequestContext<RoleServer>) -> Self {
        Progress {
            token: ctx.meta.get_progress_token(),
            peer: ctx.peer.clone(),
            step: 0.0,
        }
    }

    /// One notification for a step worth showing: a tool call begun, a
    /// message, a question, a sub-agent spawned, the turn's end.
    async fn event(&mut self, event: &Event, own: bool) {
        let Some(token) = &self.token else {
            return;
        };
        let who = if own { "" } else { "sub-agent: " };
        let message = match event {
            Event::ToolCallBegin { name, arguments, .. } => format!("{who}{name} {}", clip(arguments, 200)),
            Event::AgentMessage { text } => format!("{who}{}", clip(text, 200)),
            Event::ApprovalRequested { command, .. } => format!("{who}asks to run {}", clip(command, 200)),
            Event::InputRequested { .. } => format!("{who}asks a question"),
            Event::AgentSpawned { nickname, .. } => format!("spawned sub-agent {nickname}"),
            Event::TurnCompleted { .. } if own => "turn completed".to_owned(),
            _ => return,
        };
        self.step += 1.0;
        let param = ProgressNotificationParam::new(token.clone(), self.step).with_message(message);
        let _ = self.peer.notify_progress(param).await;
    }
}

/// At most `max` characters of `text`, on one line.
fn clip(text: &str, max: usize) -> String {
    let line = text.replace('\n', " ");
    match line.char_indices().nth(max) {
        Some((cut, _)) => format!("{}…", &line[..cut]),
        None => line,
    }
}
