//! `jig` with no subcommand (and `jig resume` with no id): the terminal UI,
//! with sessions built here the way `jig exec` builds them — same settings,
//! trust rules, approval policy and `rg` shim.

use std::io::{BufRead, BufReader, IsTerminal};
use std::path::{Path, PathBuf};

use anyhow::Context;
use jig_config::{EnvSnapshot, Settings};
use jig_core::SessionStore;
use jig_core::store::ROLLOUT_FILE;
use jig_protocol::{Item, Role, RolloutRecord};
use jig_tui::{Launcher, SessionEntry, Start, Started};

use crate::cli::{InputFormat, RunOptions, TuiArgs};
use crate::{UsageError, exit};

/// Builds the sessions the TUI shows.
struct CliLauncher {
    settings: Settings,
    env: EnvSnapshot,
    run: RunOptions,
    cwd: PathBuf,
}

impl Launcher for CliLauncher {
    fn start(&self, start: Start) -> anyhow::Result<Started> {
        let builder = crate::exec::builder(&self.settings, &self.env, &self.run);
        let (built, history) = match start {
            Start::New { model } => {
                let mut builder = builder.workspace(self.cwd.clone());
                if let Some(model) = model {
                    builder = builder.model(model);
                }
                let (spec, note) = builder.pick_model();
                let mut built = builder.model(spec).create()?;
                built.notes.extend(note);
                (built, Vec::new())
            }
            Start::Resume { id, model } => {
                let store = SessionStore::new(&self.settings.home);
                let dir = store.resolve(&id)?;
                let builder = match model {
                    Some(model) => builder.model(model),
                    None => builder,
                };
                let built = builder.resume(dir)?;
                let history = built.session.items().to_vec();
                (built, history)
            }
        };
        let running = built.session.has_unfinished_turn();
        let context_window = built.session.context_window();
        Ok(Started {
            notes: built.notes.iter().map(ToString::to_string).collect(),
            handle: built.session.spawn(),
            history,
            context_window,
            running,
        })
    }

    fn sessions(&self) -> anyhow::Result<Vec<SessionEntry>> {
        let store = SessionStore::new(&self.settings.home);
        Ok(store
            .list()?
            .into_iter()
            .map(|summary| {
                let title = first_message(&store.root().join(&summary.id)).unwrap_or_default();
                let (created, model, cwd) = match summary.meta {
                    Some(meta) => (meta.created_at, meta.model, meta.cwd),
                    None => Default::default(),
                };
                SessionEntry {
                    id: summary.id,
                    created,
                    model,
                    cwd,
                    title,
                }
            })
            .collect())
    }
}

/// Records of a rollout read for its first message, at most: the title
/// costs a few lines, not a whole long session.
const TITLE_SCAN_LINES: usize = 64;

/// The session's first user message, on one line.
fn first_message(dir: &Path) -> Option<String> {
    let file = std::fs::File::open(dir.join(ROLLOUT_FILE)).ok()?;
    BufReader::new(file)
        .lines()
        .take(TITLE_SCAN_LINES)
        .map_while(Result::ok)
        .find_map(|line| match serde_json::from_str::<RolloutRecord>(&line) {
            Ok(RolloutRecord::Item {
                item: Item::Message { role: Role::User, text },
            }) => Some(text.split_whitespace().collect::<Vec<_>>().join(" ")),
            _ => None,
        })
}

/// `jig [OPTIONS] [PROMPT]`: the TUI in a new session.
pub async fn open(args: TuiArgs) -> anyhow::Result<u8> {
    let prompt = args.prompt.clone();
    run(args, Some(Start::New { model: None }), prompt).await
}

/// Whether `jig resume` was called to pick a session: no id, no --last,
/// a person at a terminal, no JSON.
pub fn wants_picker(args: &crate::cli::ResumeArgs) -> bool {
    args.args.is_empty()
        && !args.last
        && !args.run.json
        && args.run.input_format == InputFormat::Text
        && std::io::stdin().is_terminal()
        && std::io::stdout().is_terminal()
}

/// The TUI options that `jig resume`'s flags give.
pub fn from_resume(args: crate::cli::ResumeArgs) -> TuiArgs {
    TuiArgs {
        cwd: None,
        model: args.run.model,
        dialect: args.run.dialect,
        ask_for_approval: args.run.ask_for_approval,
        sandbox: args.run.sandbox,
        no_color: false,
        exit_after_first_frame: false,
        prompt: None,
    }
}

/// `jig resume` with no id: the TUI with the session picker.
pub async fn pick(args: TuiArgs) -> anyhow::Result<u8> {
    run(args, None, None).await
}

async fn run(args: TuiArgs, start: Option<Start>, prompt: Option<String>) -> anyhow::Result<u8> {
    if !std::io::stdin().is_terminal() || !std::io::stdout().is_terminal() {
        return Err(UsageError(
            "the terminal UI needs a terminal; without one use `jig exec \"task\"` (or `jig exec --json`)".into(),
        )
        .into());
    }
    let cwd = match &args.cwd {
        Some(dir) => dir.clone(),
        None => std::env::current_dir().context("cannot read the current directory")?,
    };
    let cwd = std::fs::canonicalize(&cwd).with_context(|| {
        format!(
            "cannot use {} as the workspace; check that the directory exists",
            cwd.display()
        )
    })?;
    let run = RunOptions {
        json: false,
        model: args.model.clone(),
        dialect: args.dialect,
        max_turns: None,
        max_tokens: None,
        max_cost: None,
        ask_for_approval: args.ask_for_approval,
        sandbox: args.sandbox,
        input_format: InputFormat::Text,
    };
    let (settings, env) = crate::exec::settings(&cwd, Some(&run))?;
    let options = jig_tui::Options {
        start,
        prompt,
        no_color: args.no_color,
        home: settings.home.clone(),
        cwd: cwd.clone(),
        exit_after_first_frame: args.exit_after_first_frame,
    };
    let launcher = CliLauncher {
        settings,
        env,
        run,
        cwd,
    };
    let exit = jig_tui::run(&launcher, options).await?;
    if let Some(id) = exit.session_id {
        println!("Session {id}. Continue it with: jig resume {id}");
    }
    Ok(match exit.code {
        0 => exit::COMPLETED,
        code => code,
    })
}
