//! `jig exec` and `jig resume`: run turns and follow their events to the end.
//!
//! Progress goes to stderr and the final message to stdout, or, with
//! `--json`, every event as one JSON line on stdout. The exit code says how
//! the last turn ended (see [`crate::exit`]).
//!
//! A prompt is submitted only when no turn is running, so it always starts
//! its own turn (submitted during one, it would be an interjection); and
//! following ends when the session closes its event channel, so jig never
//! waits for a turn end that cannot come.

use std::io::{IsTerminal, Read};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use anyhow::Context;

use jig_config::{ApprovalPolicy, CliOverrides, EnvSnapshot, LoadInputs, Settings};
use jig_core::{Built, SessionBuilder, SessionHandle, SessionStore};
use jig_protocol::{Event, Op, TurnOutcome};

use crate::approve::Approver;
use crate::cli::{CompactArgs, ExecArgs, InputFormat, ResumeArgs, RunOptions};
use crate::render::Renderer;
use crate::{UsageError, exit};

/// Settings for a command run in `cwd`, with the run flags on top.
pub fn settings(cwd: &Path, run: Option<&RunOptions>) -> anyhow::Result<(Settings, EnvSnapshot)> {
    let env = EnvSnapshot::capture();
    let cli = run.map_or_else(CliOverrides::default, |run| CliOverrides {
        model: run.model.clone(),
        max_turns: run.max_turns,
        max_tokens: run.max_tokens,
        max_cost_usd: run.max_cost,
        approval_policy: run.ask_for_approval,
        sandbox: run.sandbox,
    });
    let ask = match run {
        Some(run) if !run.json => crate::trust::Ask::IfTerminal,
        _ => crate::trust::Ask::Never,
    };
    let inputs = LoadInputs {
        cwd: cwd.to_path_buf(),
        env: env.clone(),
        cli,
    };
    let settings = crate::trust::load(&inputs, ask)?;
    init_logging(&settings);
    Ok((settings, env))
}

/// Sends jig's `tracing` diagnostics (skipped stream events, retries) to
/// stderr when `JIG_LOG` names a filter (`warn`, `jig_model=debug`, …); a
/// filter that does not parse is reported once and logging stays off.
fn init_logging(settings: &Settings) {
    let Some(filter) = settings.log_filter.as_deref() else {
        return;
    };
    match tracing_subscriber::EnvFilter::try_new(filter) {
        Ok(filter) => {
            // A second call (a command that loads settings twice) keeps the
            // first subscriber; nothing to report.
            let _ = tracing_subscriber::fmt()
                .with_env_filter(filter)
                .with_writer(std::io::stderr)
                .try_init();
        }
        Err(err) => eprintln!("warning: JIG_LOG={filter:?} is not a log filter ({err}); logging stays off"),
    }
}

/// `jig exec`.
pub async fn exec(args: ExecArgs) -> anyhow::Result<u8> {
    check_input_format(&args.run)?;
    let prompt = match args.prompt {
        Some(prompt) => Some(read_prompt(prompt)?),
        None if args.run.input_format == InputFormat::Jsonl => None,
        None => {
            return Err(UsageError(
                "give the task as PROMPT (or `-` to read it from stdin), or drive the session with                  --json --input-format jsonl"
                    .into(),
            )
            .into());
        }
    };
    let cwd = match args.cwd {
        Some(dir) => dir,
        None => std::env::current_dir().context("cannot read the current directory")?,
    };
    let cwd = std::fs::canonicalize(&cwd).with_context(|| {
        format!(
            "cannot use {} as the workspace; check that the directory exists",
            cwd.display()
        )
    })?;
    let (settings, env) = settings(&cwd, Some(&args.run))?;
    let builder = builder(&settings, &env, &args.run).workspace(cwd);
    // Said before the model loads, so a model that cannot load is named.
    let (spec, note) = builder.pick_model();
    if let Some(note) = note {
        eprintln!("{note}");
    }
    let built = builder.model(spec).create()?;
    let mut handle = start(built);
    match args.run.input_format {
        InputFormat::Jsonl => drive(&mut handle, Running::No, prompt).await,
        InputFormat::Text => follow(&mut handle, args.run.json, Running::No, prompt).await,
    }
}

/// `--input-format jsonl` reads Ops and prints events: both ends JSON.
fn check_input_format(run: &RunOptions) -> anyhow::Result<()> {
    if run.input_format == InputFormat::Jsonl && !run.json {
        return Err(UsageError("--input-format jsonl needs --json: events go out as JSON lines".into()).into());
    }
    Ok(())
}

/// A session builder with the run flags a person gave.
pub(crate) fn builder<'a>(settings: &'a Settings, env: &'a EnvSnapshot, run: &RunOptions) -> SessionBuilder<'a> {
    let mut builder = SessionBuilder::new(settings, env)
        .dialect(run.dialect)
        .approval(approval_policy(settings, run.json));
    // Questions are answered on a terminal or in JSON lines; a script with
    // neither has nobody to ask, and its model is told so at once.
    if !run.json && !std::io::stdin().is_terminal() {
        builder = builder.nobody_to_ask();
    }
    if let Some(model) = &run.model {
        builder = builder.model(model.clone());
    }
    // Only this executable can answer `rg` for the commands it runs.
    if let Ok(exe) = std::env::current_exe() {
        builder = builder.rg_shim(exe);
    }
    builder
}

/// Shows the builder's notes and starts the session.
fn start(built: Built) -> SessionHandle {
    for note in &built.notes {
        eprintln!("{note}");
    }
    built.session.spawn()
}

/// `jig resume`.
pub async fn resume(args: ResumeArgs) -> anyhow::Result<u8> {
    check_input_format(&args.run)?;
    let here = std::env::current_dir().context("cannot read the current directory")?;
    let (settings, env) = settings(&here, Some(&args.run))?;
    let store = SessionStore::new(&settings.home);
    let (dir, prompt) = pick_session(&store, args.last, &args.args, "PROMPT")?;
    let Built {
        mut session,
        model_spec,
        notes,
    } = builder(&settings, &env, &args.run).resume(dir)?;
    // Without a prompt, an interrupted or failed turn is taken up again
    // (what the interrupt and failure messages tell people to run).
    let running = if session.has_unfinished_turn() || (prompt.is_none() && session.continue_stopped_turn()) {
        Running::Yes
    } else {
        Running::No
    };
    if running == Running::No && prompt.is_none() && args.run.input_format == InputFormat::Text {
        return Err(UsageError(format!(
            "session {} has no unfinished turn, and its last turn was neither interrupted nor failed; give a PROMPT to start a new turn",
            session.id()
        ))
        .into());
    }
    let mut handle = start(Built {
        session,
        model_spec,
        notes,
    });
    match args.run.input_format {
        InputFormat::Jsonl => drive(&mut handle, running, prompt).await,
        InputFormat::Text => follow(&mut handle, args.run.json, running, prompt).await,
    }
}

/// `--input-format jsonl`: every stdin line is an [`Op`], submitted as it
/// comes (prompts, interjections, approvals, answers, interrupt, compact,
/// shutdown); every event goes to stdout as a JSON line. A line that is no
/// Op is reported on stderr and skipped. Runs until stdin ends and the
/// session has settled (`session_idle` with no sub-agent at work), or the
/// session ends (`shutdown`). The exit code is the last turn's.
async fn drive(handle: &mut SessionHandle, running: Running, prompt: Option<String>) -> anyhow::Result<u8> {
    let (lines, mut ops) = tokio::sync::mpsc::unbounded_channel::<Op>();
    tokio::spawn(async move {
        let mut stdin = tokio::io::AsyncBufReadExt::lines(tokio::io::BufReader::new(tokio::io::stdin()));
        let mut number = 0u64;
        while let Ok(Some(line)) = stdin.next_line().await {
            number += 1;
            if line.trim().is_empty() {
                continue;
            }
            match serde_json::from_str::<Op>(&line) {
                Ok(op) => {
                    if lines.send(op).is_err() {
                        break;
                    }
                }
                Err(err) => eprintln!(
                    "jig: stdin line {number} is not an op ({err}); skipped. Expected one JSON object per line,                      e.g. {{\"type\":\"user_input\",\"text\":\"…\"}} (schema: docs/protocol.schema.json)"
                ),
            }
        }
    });
    let mut renderer = Renderer::new(true);
    let root = handle.session_id.clone();
    let mut code = exit::COMPLETED;
    // Whether the session has nothing to do: no turn runs or is expected.
    let mut settled = running == Running::No;
    if let Some(text) = prompt {
        handle.submit(Op::UserInput { text });
        settled = false;
    }
    let mut input_open = true;
    loop {
        if settled && !input_open {
            break;
        }
        tokio::select! {
            op = ops.recv(), if input_open => match op {
                Some(op) => {
                    if matches!(op, Op::UserInput { .. }) {
                        settled = false;
                    }
                    handle.submit(op);
                }
                None => input_open = false,
            },
            envelope = handle.next() => {
                let Some(envelope) = envelope else { break };
                renderer.envelope(&root, &envelope)?;
                if envelope.session_id != root {
                    continue;
                }
                match &envelope.event {
                    Event::TurnStarted { .. } => settled = false,
                    Event::TurnCompleted { outcome, .. } => code = outcome_code(outcome),
                    Event::SessionIdle { agents_running: 0 } => settled = true,
                    _ => {}
                }
            }
        }
    }
    handle.submit(Op::Shutdown);
    while let Some(envelope) = handle.next().await {
        renderer.envelope(&root, &envelope)?;
    }
    renderer.finish()?;
    Ok(code)
}

/// A request of the session's that the person is asked to answer.
#[derive(Debug, Clone)]
enum Waiting {
    Approval(String),
    Input(String, jig_protocol::HostRequest),
}

/// Where the session stands for [`follow`]: a turn runs (or is already
/// running when it starts), a turn completed and the session may still have
/// sub-agents at work, or nothing more will happen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Running {
    Yes,
    Settling,
    No,
}

/// The session named by `ID [ARG]` (or `--last [ARG]`), and the optional
/// trailing argument (`what` names it in usage errors).
fn pick_session(
    store: &SessionStore,
    last: bool,
    args: &[String],
    what: &str,
) -> anyhow::Result<(PathBuf, Option<String>)> {
    Ok(match (last, args) {
        (true, [arg]) => (store.latest()?, Some(arg.clone())),
        (true, []) => (store.latest()?, None),
        (false, [id]) => (store.resolve(id)?, None),
        (false, [id, arg]) => (store.resolve(id)?, Some(arg.clone())),
        (true, _) => return Err(UsageError(format!("with --last, give at most a {what}")).into()),
        (false, _) => return Err(UsageError(format!("give a session ID (or --last), then an optional {what}")).into()),
    })
}

/// `jig compact`: a manual compaction of an idle session.
pub async fn compact(args: CompactArgs) -> anyhow::Result<u8> {
    let here = std::env::current_dir().context("cannot read the current directory")?;
    let (settings, env) = settings(&here, None)?;
    let store = SessionStore::new(&settings.home);
    let (dir, focus) = pick_session(&store, args.last, &args.args, "FOCUS")?;
    // A compaction calls no tools: no MCP server needs to start.
    let mut builder = SessionBuilder::new(&settings, &env)
        .approval(ApprovalPolicy::Never)
        .without_mcp();
    if let Some(model) = args.model {
        builder = builder.model(model);
    }
    let session = builder.resume(dir)?.session;
    if session.has_unfinished_turn() {
        return Err(UsageError(format!(
            "session {} has an unfinished turn; finish it with `jig resume {}` first",
            session.id(),
            session.id()
        ))
        .into());
    }
    let mut handle = session.spawn();
    handle.submit(Op::Compact { focus });
    handle.submit(Op::Shutdown);
    let mut renderer = Renderer::new(false);
    let mut code = exit::FAILED;
    while let Some(event) = handle.next_event().await {
        renderer.event(&event)?;
        if matches!(event, Event::CompactionCompleted { .. }) {
            code = exit::COMPLETED;
        }
        if matches!(event, Event::CompactionSkipped { .. }) {
            code = exit::COMPLETED;
        }
    }
    Ok(code)
}

/// The approval policy: the configured one, else ask on request when a
/// person is at a terminal and never otherwise (scripts and CI never hang).
pub fn approval_policy(settings: &Settings, json: bool) -> ApprovalPolicy {
    use std::io::IsTerminal;
    settings.approval_policy.unwrap_or_else(|| {
        let person = std::io::stdin().is_terminal() && std::io::stderr().is_terminal() && !json;
        if person {
            ApprovalPolicy::OnRequest
        } else {
            ApprovalPolicy::Never
        }
    })
}

fn read_prompt(prompt: String) -> anyhow::Result<String> {
    if prompt != "-" {
        return Ok(prompt);
    }
    let mut text = String::new();
    std::io::stdin()
        .read_to_string(&mut text)
        .context("cannot read the prompt from stdin")?;
    Ok(text)
}

/// Prints events until the running turn (if any) has completed and then
/// `prompt`'s own turn, then shuts the session down. The prompt is sent only
/// after the running turn completed; when that turn stops otherwise, the
/// prompt is not sent and its outcome decides the exit code. A completed
/// turn that left sub-agents working is not the end: their results start
/// the next turn, so it follows until the session is idle with none left
/// ([`Event::SessionIdle`]). Ctrl-C interrupts the turn (and the tree) and
/// ends the run when the turn stops; a second Ctrl-C exits at once.
async fn follow(
    handle: &mut SessionHandle,
    json: bool,
    mut running: Running,
    mut prompt: Option<String>,
) -> anyhow::Result<u8> {
    let ops = handle.op_sender();
    let interrupted = Arc::new(AtomicBool::new(false));
    let flag = Arc::clone(&interrupted);
    tokio::spawn(async move {
        if tokio::signal::ctrl_c().await.is_ok() {
            eprintln!("\ninterrupting… (Ctrl-C again to exit now)");
            flag.store(true, Ordering::SeqCst);
            let _ = ops.send(Op::Interrupt);
            if tokio::signal::ctrl_c().await.is_ok() {
                std::process::exit(i32::from(exit::INTERRUPTED));
            }
        }
    });
    let mut renderer = Renderer::new(json);
    let mut approver = Approver::new(json);
    let mut waiting: Option<Waiting> = None;
    let root = handle.session_id.clone();
    let mut code = exit::FAILED;
    if running == Running::No
        && let Some(text) = prompt.take()
    {
        handle.submit(Op::UserInput { text });
        running = Running::Yes;
    }
    while running != Running::No {
        let next = match waiting.clone() {
            Some(request) => tokio::select! {
                op = async {
                    match &request {
                        Waiting::Approval(id) => approver.answer(id).await,
                        Waiting::Input(id, request) => approver.answer_input(id, request).await,
                    }
                } => {
                    handle.submit(op);
                    waiting = None;
                    continue;
                }
                event = handle.next() => event,
            },
            None => handle.next().await,
        };
        let Some(envelope) = next else {
            code = exit::FAILED;
            break;
        };
        renderer.envelope(&root, &envelope)?;
        let event = envelope.event;
        match &event {
            Event::ApprovalRequested { request_id, .. } => waiting = Some(Waiting::Approval(request_id.clone())),
            Event::InputRequested {
                request_id, request, ..
            } => {
                waiting = Some(Waiting::Input(request_id.clone(), request.clone()));
            }
            Event::ApprovalDecided { .. } | Event::InputAnswered { .. } => waiting = None,
            _ => {}
        }
        // A sub-agent's turn is not this session's.
        if envelope.session_id != root {
            continue;
        }
        match &event {
            Event::TurnCompleted { outcome, .. } => {
                code = outcome_code(outcome);
                // Sub-agents may still be working: wait for the session to
                // settle, unless the run is over anyway.
                running = if *outcome == TurnOutcome::Completed && !interrupted.load(Ordering::SeqCst) {
                    Running::Settling
                } else {
                    Running::No
                };
                if let Some(text) = prompt.take() {
                    if *outcome == TurnOutcome::Completed {
                        handle.submit(Op::UserInput { text });
                        running = Running::Yes;
                    } else {
                        eprintln!("jig: the unfinished turn did not complete, so PROMPT was not sent");
                    }
                }
            }
            Event::TurnStarted { .. } => running = Running::Yes,
            Event::SessionIdle { agents_running: 0 } if running == Running::Settling => running = Running::No,
            _ => {}
        }
    }
    handle.submit(Op::Shutdown);
    while let Some(envelope) = handle.next().await {
        renderer.envelope(&root, &envelope)?;
    }
    renderer.finish()?;
    Ok(code)
}

fn outcome_code(outcome: &TurnOutcome) -> u8 {
    match outcome {
        TurnOutcome::Completed => exit::COMPLETED,
        TurnOutcome::MaxTurns { .. } | TurnOutcome::BudgetExceeded { .. } => exit::LIMIT,
        TurnOutcome::Interrupted => exit::INTERRUPTED,
        TurnOutcome::Failed { .. } => exit::FAILED,
    }
}
