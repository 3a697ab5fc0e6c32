//! `jig sessions list|show` and `jig apply-patch`: commands that need no runtime.

use std::io::Read;
use std::path::Path;

use anyhow::Context;
use jig_core::rollout::read_rollout;
use jig_core::store::{ROLLOUT_FILE, SessionStore};
use jig_protocol::{Item, Role, RolloutRecord, ToolStatus};

use crate::cli::SessionsCommand;
use crate::exit;

/// `jig sessions …`.
pub fn run(cmd: SessionsCommand) -> anyhow::Result<u8> {
    let here = std::env::current_dir().context("cannot read the current directory")?;
    let (settings, _) = crate::exec::settings(&here, None)?;
    let store = SessionStore::new(&settings.home);
    match cmd {
        SessionsCommand::List => list(&store),
        SessionsCommand::Show { id } => show(&store, &id),
    }
}

fn list(store: &SessionStore) -> anyhow::Result<u8> {
    if store.list()?.is_empty() {
        eprintln!("no sessions in {}", store.root().display());
    }
    print_sessions(store, 0)?;
    Ok(exit::COMPLETED)
}

/// The sessions in `store`, each followed by its sub-agents (kept in its
/// directory under `agents/`), indented by `depth`.
fn print_sessions(store: &SessionStore, depth: usize) -> anyhow::Result<()> {
    let indent = if depth == 0 {
        String::new()
    } else {
        format!("{}└ ", "  ".repeat(depth))
    };
    for session in store.list()? {
        match &session.meta {
            Some(meta) => println!(
                "{indent}{}  {}  {}  {}",
                session.id, meta.created_at, meta.model, meta.cwd
            ),
            None => println!(
                "{indent}{}  (meta.json unreadable; `jig sessions show {}` reads the rollout)",
                session.id, session.id
            ),
        }
        let children = SessionStore::new(&store.root().join(&session.id).join("agents"));
        print_sessions(&children, depth + 1)?;
    }
    Ok(())
}

fn show(store: &SessionStore, id: &str) -> anyhow::Result<u8> {
    let dir = store.resolve(id)?;
    let path = dir.join(ROLLOUT_FILE);
    let loaded = read_rollout(&path)?;
    // What is not a session is an error, not an empty listing.
    match loaded.records.first() {
        Some(RolloutRecord::SessionMeta(meta)) => jig_core::store::check_format(meta, &path)?,
        Some(_) => {
            return Err(jig_core::CoreError::CorruptRollout {
                path,
                line: 1,
                reason: "the first record is not session_meta".into(),
            }
            .into());
        }
        None => return Err(jig_core::store::empty_rollout(path).into()),
    }
    for record in &loaded.records {
        match record {
            RolloutRecord::SessionMeta(meta) => {
                println!(
                    "session {}\ncreated {}\nmodel   {}\ncwd     {}",
                    meta.session_id, meta.created_at, meta.model, meta.cwd
                );
            }
            RolloutRecord::Item { item } => print_item(item),
            RolloutRecord::Response { items, .. } => items.iter().for_each(print_item),
            RolloutRecord::Compaction {
                id, dropped, ledger, ..
            } => {
                println!(
                    "\n[compaction #{id}: {dropped} items moved out of the context; {} ledger entries]",
                    ledger.len()
                );
            }
            RolloutRecord::Event { .. } | RolloutRecord::Checkpoint(_) => {}
            RolloutRecord::Undo(undo) => println!("\n[undo] restored files to before {}", undo.to_call_id),
        }
    }
    if loaded.torn_tail {
        println!("\n(the last line of the rollout was torn by a crash and is ignored)");
    }
    Ok(exit::COMPLETED)
}

fn print_item(item: &Item) {
    match item {
        Item::Message { role, text } => {
            let who = match role {
                Role::System => "system",
                Role::User => "user",
                Role::Assistant => "assistant",
            };
            println!("\n[{who}]\n{text}");
        }
        Item::Reasoning { text, .. } => println!("\n[reasoning]\n{text}"),
        Item::Compaction { summary, .. } => println!("\n[summary]\n{summary}"),
        Item::ToolCall(call) => println!("\n[tool call {}] {} {}", call.call_id, call.name, call.arguments),
        Item::ToolOutput(out) => {
            let status = match out.status {
                ToolStatus::Ok => "ok",
                ToolStatus::Error => "error",
                ToolStatus::Interrupted => "interrupted",
            };
            println!("[tool output {} · {status}]\n{}", out.call_id, out.output.trim_end());
        }
    }
}

/// `jig config show`.
pub fn config_show(cwd: Option<&Path>) -> anyhow::Result<u8> {
    let dir = match cwd {
        Some(dir) => dir.to_path_buf(),
        None => std::env::current_dir().context("cannot read the current directory")?,
    };
    let (settings, env) = crate::exec::settings(&dir, None)?;
    print!("{}", jig_config::render_show(&settings));
    // What a new session here would read besides the settings, in the
    // configured model's dialect (generic when none is configured).
    let dialect = settings
        .model
        .as_deref()
        .and_then(|spec| jig_dialect::profiles::resolve(spec, &settings).ok())
        .map_or(jig_dialect::Dialect::Generic, |profile| profile.dialect);
    let context = jig_core::project_context::ProjectContext::load(&settings, &env, &dir, dialect);
    for (key, value, from) in context.explain() {
        println!("{key} = {value}    # {from}");
    }
    for warning in context.warnings() {
        eprintln!("warning: {warning}");
    }
    Ok(exit::COMPLETED)
}

/// `jig policy check [-C DIR] -- CMD...`.
pub fn policy_check(cwd: Option<&Path>, command: Vec<String>) -> anyhow::Result<u8> {
    let dir = match cwd {
        Some(dir) => dir.to_path_buf(),
        None => std::env::current_dir().context("cannot read the current directory")?,
    };
    let (settings, _) = crate::exec::settings(&dir, None)?;
    let mut notes = Vec::new();
    let policy = jig_core::builder::rules(&dir, &settings, &mut notes)?;
    for note in notes {
        eprintln!("{note}");
    }
    let command = match <[String; 1]>::try_from(command) {
        Ok([script]) => jig_policy::Command::Script(script),
        Err(argv) => jig_policy::Command::Argv(argv),
    };
    print!("{}", policy.check(&command, jig_policy::Decision::Allow).explain());
    Ok(exit::COMPLETED)
}

/// `jig apply-patch [FILE]`: same engine as the `apply_patch` tool.
pub fn apply_patch(file: Option<&Path>) -> anyhow::Result<u8> {
    let text = match file {
        Some(path) if path != Path::new("-") => {
            std::fs::read_to_string(path).with_context(|| format!("cannot read patch file {}", path.display()))?
        }
        _ => {
            let mut text = String::new();
            std::io::stdin()
                .read_to_string(&mut text)
                .context("cannot read the patch from stdin")?;
            text
        }
    };
    let root = std::env::current_dir().context("cannot read the current directory")?;
    let summary = jig_patch::apply_patch(&text, &root)?;
    print!("{summary}");
    Ok(exit::COMPLETED)
}
