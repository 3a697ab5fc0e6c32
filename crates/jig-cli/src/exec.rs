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

use std::io::Read;
use std::path::{Path, PathBuf};

use anyhow::Context;
use std::sync::Arc;

use jig_config::{ApprovalPolicy, CliOverrides, EnvSnapshot, LoadInputs, Settings};
use jig_core::budget::Limits;
use jig_core::compaction::CompactionConfig;
use jig_core::guard::Guard;
use jig_core::models::{ResolvedModel, resolve_model};
use jig_core::redact::Redactor;
use jig_core::{Session, SessionConfig, SessionHandle, SessionStore};
use jig_dialect::Dialect;
use jig_dialect::profiles;
use jig_protocol::{Event, Op, TurnOutcome};

use crate::approve::Approver;
use crate::cli::{CompactArgs, ExecArgs, ResumeArgs, RunOptions};
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

/// Puts jig's `rg` link first on the PATH of the commands tools run, when no
/// ripgrep is installed, so models trained on `rg` can always search.
fn install_rg_shim(settings: &Settings) {
    let shim = std::env::current_exe().and_then(|exe| jig_tools::rg::shim_dir(&exe, &settings.home));
    match shim {
        Ok(Some(dir)) => {
            jig_tools::rg::use_shim_dir(dir);
        }
        Ok(None) => {}
        Err(err) => eprintln!(
            "warning: cannot set up the `rg` shim ({err}); commands will lack `rg` unless ripgrep is installed"
        ),
    }
}

/// `jig exec`.
pub async fn exec(args: ExecArgs) -> anyhow::Result<u8> {
    let prompt = read_prompt(args.prompt)?;
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
    let spec = match settings.model.clone() {
        Some(spec) => spec,
        None => {
            let (spec, why) = jig_core::models::default_model(&settings, &env);
            eprintln!("jig: no model given or configured; using {spec} ({why})");
            spec
        }
    };
    let store = SessionStore::new(&settings.home);
    let resolved = resolve_model(&spec, &settings, &env, &store)?;
    install_rg_shim(&settings);
    let dialect = args.run.dialect.unwrap_or(resolved.profile.dialect);
    let approval = approval_policy(&settings, args.run.json);
    let config = config(cwd, spec, dialect, &resolved, &settings, &env, approval)?;
    let session = Session::create(&config, resolved.client, jig_dialect::router(dialect))?;
    let mut handle = session.spawn();
    follow(&mut handle, args.run.json, Running::No, Some(prompt)).await
}

/// `jig resume`.
pub async fn resume(args: ResumeArgs) -> anyhow::Result<u8> {
    let here = std::env::current_dir().context("cannot read the current directory")?;
    let (settings, env) = settings(&here, Some(&args.run))?;
    let store = SessionStore::new(&settings.home);
    let (dir, prompt) = pick_session(&store, args.last, &args.args, "PROMPT")?;
    let (meta, spec, resolved, dialect) =
        reopen(&dir, args.run.model.clone(), args.run.dialect, &settings, &env, &store)?;
    let approval = approval_policy(&settings, args.run.json);
    let config = config(
        PathBuf::from(&meta.cwd),
        spec,
        dialect,
        &resolved,
        &settings,
        &env,
        approval,
    )?;
    install_rg_shim(&settings);
    let mut session = Session::resume(dir, &config, resolved.client, jig_dialect::router(dialect))?;
    // Without a prompt, an interrupted or failed turn is taken up again
    // (what the interrupt and failure messages tell people to run).
    let running = if session.has_unfinished_turn() || (prompt.is_none() && session.continue_stopped_turn()) {
        Running::Yes
    } else {
        Running::No
    };
    if running == Running::No && prompt.is_none() {
        return Err(UsageError(format!(
            "session {} has no unfinished turn, and its last turn was neither interrupted nor failed; give a PROMPT to start a new turn",
            meta.session_id
        ))
        .into());
    }
    let mut handle = session.spawn();
    follow(&mut handle, args.run.json, running, prompt).await
}

/// Whether a turn is already running when [`follow`] starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Running {
    Yes,
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

/// A recorded session's metadata, model and dialect: the session's own model
/// and dialect win over configured defaults; flags win over both.
fn reopen(
    dir: &Path,
    model: Option<String>,
    dialect: Option<Dialect>,
    settings: &Settings,
    env: &EnvSnapshot,
    store: &SessionStore,
) -> anyhow::Result<(jig_protocol::SessionMeta, String, ResolvedModel, Dialect)> {
    let meta = jig_core::store::read_meta(dir)?;
    let spec = model.unwrap_or_else(|| meta.model.clone());
    let resolved = resolve_model(&spec, settings, env, store)?;
    let recorded = meta.dialect.as_deref().and_then(|d| d.parse::<Dialect>().ok());
    let dialect = dialect.or(recorded).unwrap_or(resolved.profile.dialect);
    Ok((meta, spec, resolved, dialect))
}

/// `jig compact`: a manual compaction of an idle session.
pub async fn compact(args: CompactArgs) -> anyhow::Result<u8> {
    let here = std::env::current_dir().context("cannot read the current directory")?;
    let (settings, env) = settings(&here, None)?;
    let store = SessionStore::new(&settings.home);
    let (dir, focus) = pick_session(&store, args.last, &args.args, "FOCUS")?;
    let (meta, spec, resolved, dialect) = reopen(&dir, args.model, None, &settings, &env, &store)?;
    let config = config(
        PathBuf::from(&meta.cwd),
        spec,
        dialect,
        &resolved,
        &settings,
        &env,
        ApprovalPolicy::Never,
    )?;
    let session = Session::resume(dir, &config, resolved.client, jig_dialect::router(dialect))?;
    if session.has_unfinished_turn() {
        return Err(UsageError(format!(
            "session {} has an unfinished turn; finish it with `jig resume {}` first",
            meta.session_id, meta.session_id
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
        if let Event::Error { message } = &event
            && message.starts_with("nothing to compact")
        {
            code = exit::COMPLETED;
        }
    }
    Ok(code)
}

fn config(
    cwd: PathBuf,
    model_spec: String,
    dialect: Dialect,
    resolved: &ResolvedModel,
    settings: &Settings,
    env: &EnvSnapshot,
    approval: ApprovalPolicy,
) -> anyhow::Result<SessionConfig> {
    let cwd_for_guard = cwd.clone();
    let mut profile = resolved.profile.clone();
    profile.dialect = dialect;
    Ok(SessionConfig {
        instructions: profiles::instructions(&profile, &cwd),
        cwd,
        home: settings.home.clone(),
        model_spec,
        dialect: dialect.as_str().to_string(),
        max_turns: settings.max_turns,
        limits: Limits {
            price: profile.price,
            max_tokens: settings.max_tokens,
            max_cost_usd: settings.max_cost_usd,
        },
        redactor: redactor(env, settings)?,
        guard: guard(&cwd_for_guard, settings, approval)?,
        compaction: compaction(&profile, settings),
        fault_kill_after_records: settings.fault_kill_after_records,
    })
}

/// Compaction for the profile's context window, tuned by `[compaction]`.
fn compaction(profile: &jig_dialect::profiles::Profile, settings: &Settings) -> CompactionConfig {
    let c = &settings.compaction;
    let window = profile.context_window;
    CompactionConfig {
        auto: c.auto.unwrap_or(true),
        context_window: window,
        threshold: c.threshold.unwrap_or(0.8).clamp(0.1, 0.95),
        keep_recent_tokens: c.keep_recent_tokens.unwrap_or(window / 5),
        template: c.template.clone(),
        tiktoken: matches!(profile.dialect, Dialect::Codex | Dialect::CodexLegacy),
    }
}

/// The sandbox, rules and approval policy for a session in `cwd`.
fn guard(cwd: &Path, settings: &Settings, approval: ApprovalPolicy) -> anyhow::Result<Guard> {
    let mode = match settings.sandbox {
        jig_config::SandboxMode::ReadOnly => Some(jig_sandbox::SandboxMode::ReadOnly),
        jig_config::SandboxMode::WorkspaceWrite => Some(jig_sandbox::SandboxMode::WorkspaceWrite),
        jig_config::SandboxMode::DangerFullAccess => None,
    };
    let sandbox = mode.map(|mode| {
        let mut policy = jig_sandbox::SandboxPolicy::workspace_write(cwd).with_mode(mode);
        policy.writable_roots.extend(settings.writable_roots.iter().cloned());
        Arc::new(policy)
    });
    let rules = crate::trust::rules(cwd, settings)?;
    Ok(Guard {
        approval,
        sandbox,
        rules: Some(Arc::new(rules)),
    })
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

/// Every credential-looking environment variable's value, and the
/// configured `redact_patterns`.
fn redactor(env: &EnvSnapshot, settings: &Settings) -> anyhow::Result<Redactor> {
    let mut redactor = Redactor::from_env(env.iter());
    for pattern in &settings.redact_patterns {
        redactor
            .add_pattern(pattern)
            .with_context(|| format!("invalid redact_patterns entry `{pattern}`; fix the regular expression"))?;
    }
    Ok(redactor)
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
/// prompt is not sent and its outcome decides the exit code. Ctrl-C
/// interrupts the turn; a second Ctrl-C exits at once.
async fn follow(
    handle: &mut SessionHandle,
    json: bool,
    mut running: Running,
    mut prompt: Option<String>,
) -> anyhow::Result<u8> {
    let ops = handle.op_sender();
    tokio::spawn(async move {
        if tokio::signal::ctrl_c().await.is_ok() {
            eprintln!("\ninterrupting… (Ctrl-C again to exit now)");
            let _ = ops.send(Op::Interrupt);
            if tokio::signal::ctrl_c().await.is_ok() {
                std::process::exit(i32::from(exit::INTERRUPTED));
            }
        }
    });
    let mut renderer = Renderer::new(json);
    let mut approver = Approver::new(json);
    let mut waiting: Option<String> = None;
    let mut code = exit::FAILED;
    if running == Running::No
        && let Some(text) = prompt.take()
    {
        handle.submit(Op::UserInput { text });
        running = Running::Yes;
    }
    while running == Running::Yes {
        let next = match waiting.clone() {
            Some(request_id) => tokio::select! {
                op = approver.answer(&request_id) => {
                    handle.submit(op);
                    waiting = None;
                    continue;
                }
                event = handle.next_event() => event,
            },
            None => handle.next_event().await,
        };
        let Some(event) = next else {
            code = exit::FAILED;
            break;
        };
        renderer.event(&event)?;
        match &event {
            Event::ApprovalRequested { request_id, .. } => waiting = Some(request_id.clone()),
            Event::ApprovalDecided { .. } => waiting = None,
            _ => {}
        }
        if let Event::TurnCompleted { outcome, .. } = &event {
            code = outcome_code(outcome);
            running = Running::No;
            if let Some(text) = prompt.take() {
                if *outcome == TurnOutcome::Completed {
                    handle.submit(Op::UserInput { text });
                    running = Running::Yes;
                } else {
                    eprintln!("jig: the unfinished turn did not complete, so PROMPT was not sent");
                }
            }
        }
    }
    handle.submit(Op::Shutdown);
    while let Some(event) = handle.next_event().await {
        renderer.event(&event)?;
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
