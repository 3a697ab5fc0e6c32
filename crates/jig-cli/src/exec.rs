//! `jig exec` and `jig resume`: run turns and follow their events to the end.
//!
//! Progress goes to stderr and the final message to stdout, or, with
//! `--json`, every event as one JSON line on stdout. The exit code says how
//! the last turn ended (see [`crate::exit`]).

use std::io::Read;
use std::path::PathBuf;

use anyhow::Context;
use jig_core::prompt::DEFAULT_INSTRUCTIONS;
use jig_core::{Session, SessionConfig, SessionHandle, SessionStore, env, models};
use jig_protocol::{Event, Op, TurnOutcome};
use jig_tools::ToolRouter;

use crate::cli::{ExecArgs, ResumeArgs, RunOptions};
use crate::render::Renderer;
use crate::{UsageError, exit};

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
    let Some(spec) = args.run.model.clone() else {
        return Err(UsageError(
            "no model given; pass --model scripted:PATH (a model script) or --model replay:SESSION".into(),
        )
        .into());
    };
    let config = config(cwd, spec, &args.run);
    let store = SessionStore::new(&config.home);
    let model = models::model_from_spec(&config.model_spec, &store)?;
    let session = Session::create(&config, model, ToolRouter::builtin())?;
    let mut handle = session.spawn();
    handle.submit(Op::UserInput { text: prompt });
    follow(&mut handle, args.run.json, 1).await
}

/// `jig resume`.
pub async fn resume(args: ResumeArgs) -> anyhow::Result<u8> {
    let store = SessionStore::new(&env::jig_home());
    let (dir, prompt) = match (args.last, args.args.as_slice()) {
        (true, [prompt]) => (store.latest()?, Some(prompt.clone())),
        (true, []) => (store.latest()?, None),
        (false, [id]) => (store.resolve(id)?, None),
        (false, [id, prompt]) => (store.resolve(id)?, Some(prompt.clone())),
        (true, _) => return Err(UsageError("with --last, give at most a PROMPT".into()).into()),
        (false, _) => return Err(UsageError("give a session ID (or --last), then an optional PROMPT".into()).into()),
    };
    let meta = jig_core::store::read_meta(&dir)?;
    let spec = args.run.model.clone().unwrap_or_else(|| meta.model.clone());
    let config = config(PathBuf::from(&meta.cwd), spec, &args.run);
    let model = models::model_from_spec(&config.model_spec, &store)?;
    let session = Session::resume(dir, &config, model, ToolRouter::builtin())?;
    let unfinished = session.has_unfinished_turn();
    if !unfinished && prompt.is_none() {
        return Err(UsageError(format!(
            "session {} has no unfinished turn; give a PROMPT to continue it",
            meta.session_id
        ))
        .into());
    }
    let mut handle = session.spawn();
    let turns = usize::from(unfinished) + usize::from(prompt.is_some());
    if let Some(text) = prompt {
        handle.submit(Op::UserInput { text });
    }
    follow(&mut handle, args.run.json, turns).await
}

fn config(cwd: PathBuf, model_spec: String, run: &RunOptions) -> SessionConfig {
    SessionConfig {
        cwd,
        home: env::jig_home(),
        model_spec,
        instructions: DEFAULT_INSTRUCTIONS.to_string(),
        max_turns: run.max_turns,
        fault_kill_after_records: env::fault_kill_after_records(),
    }
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

/// Prints events until `turns` turns have completed, then shuts the session
/// down. Ctrl-C interrupts the turn; a second Ctrl-C exits at once.
async fn follow(handle: &mut SessionHandle, json: bool, turns: usize) -> anyhow::Result<u8> {
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
    let mut code = exit::FAILED;
    let mut remaining = turns;
    while remaining > 0 {
        let Some(event) = handle.next_event().await else {
            code = exit::FAILED;
            break;
        };
        renderer.event(&event)?;
        if let Event::TurnCompleted { outcome, .. } = &event {
            remaining -= 1;
            code = outcome_code(outcome);
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
        TurnOutcome::MaxTurns { .. } => exit::LIMIT,
        TurnOutcome::Interrupted => exit::INTERRUPTED,
        TurnOutcome::Failed { .. } => exit::FAILED,
    }
}
