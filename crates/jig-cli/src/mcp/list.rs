//! `jig mcp list`: the configured MCP servers, where each was declared,
//! whether it starts, the protocol revision it speaks and its tools under
//! the names the model sees.
//!
//! It starts every enabled server exactly as a session would (same
//! environment rules, same timeouts, same tool names), then stops them.
//! Servers an untrusted project declares are listed as left out and never
//! started: listing must not run what trust would not.

use std::path::PathBuf;

use anyhow::Context;
use jig_config::{Settings, Source, trust_command};
use jig_mcp::{McpManager, ServerOutcome, ServerStatus};
use serde::Serialize;

use crate::cli::McpListArgs;

/// One server in the listing.
#[derive(Debug, Serialize)]
struct Entry {
    /// `user`, `project (trusted)` or `project (untrusted)`.
    declared_in: &'static str,
    /// The file that declared it.
    file: Option<PathBuf>,
    #[serde(flatten)]
    status: Listed,
}

#[derive(Debug, Serialize)]
#[serde(untagged)]
enum Listed {
    Started(ServerStatus),
    LeftOut {
        name: String,
        status: &'static str,
        note: String,
    },
}

/// Prints the configured servers.
pub async fn run(args: McpListArgs) -> anyhow::Result<u8> {
    let here = std::env::current_dir().context("cannot read the current directory")?;
    let cwd = args.cwd.map_or_else(|| here.clone(), |dir| here.join(dir));
    let (settings, env) = crate::exec::settings(&cwd, None)?;
    let configs: Vec<_> = settings.mcp_servers.values().cloned().collect();
    let statuses = if configs.is_empty() {
        Vec::new()
    } else {
        let env = env.clone();
        let cwd = cwd.clone();
        tokio::task::spawn_blocking(move || McpManager::start(configs, &env, &cwd, []).map(|s| s.servers))
            .await
            .context("the MCP start-up thread failed")??
    };
    let mut entries: Vec<Entry> = statuses
        .into_iter()
        .map(|status| {
            let source = settings.source(&format!("mcp_servers.{}", status.name));
            let declared_in = match source {
                Source::ProjectFile(_) => "project (trusted)",
                _ => "user",
            };
            Entry {
                declared_in,
                file: source.path().map(PathBuf::from),
                status: Listed::Started(status),
            }
        })
        .collect();
    entries.extend(left_out(&settings));
    if args.json {
        println!(
            "{}",
            serde_json::to_string_pretty(&serde_json::json!({ "servers": entries }))?
        );
    } else if entries.is_empty() {
        println!("no MCP servers are configured; add [mcp_servers.NAME] to $JIG_HOME/config.toml");
    } else {
        for entry in &entries {
            print!("{}", render(entry));
        }
    }
    Ok(0)
}

/// The servers an untrusted project declared, never started.
fn left_out(settings: &Settings) -> Vec<Entry> {
    let Some(project) = settings.project.as_ref().filter(|p| !p.is_trusted()) else {
        return Vec::new();
    };
    project
        .left_out_names("mcp_servers")
        .into_iter()
        .map(|name| Entry {
            declared_in: "project (untrusted)",
            file: Some(project.file.clone()),
            status: Listed::LeftOut {
                name,
                status: "left_out",
                note: format!(
                    "not started: the project is not trusted (run `{}` to use it)",
                    trust_command(&project.root)
                ),
            },
        })
        .collect()
}

/// A few lines for one server.
fn render(entry: &Entry) -> String {
    let file = entry
        .file
        .as_ref()
        .map(|f| format!(" {}", f.display()))
        .unwrap_or_default();
    match &entry.status {
        Listed::LeftOut { name, note, .. } => format!("{name} ({}{file})\n  {note}\n", entry.declared_in),
        Listed::Started(status) => {
            let mut text = format!(
                "{} ({}{file})\n  {}\n",
                status.name, entry.declared_in, status.transport
            );
            match &status.outcome {
                ServerOutcome::Disabled => text.push_str("  disabled (enabled = false)\n"),
                ServerOutcome::Failed { error } => text.push_str(&format!("  failed: {error}\n")),
                ServerOutcome::Running {
                    protocol,
                    server_info,
                    tools,
                } => {
                    let info = server_info.as_deref().map(|i| format!(", {i}")).unwrap_or_default();
                    text.push_str(&format!(
                        "  running: MCP {protocol}{info}, started in {} ms\n",
                        status.startup_ms
                    ));
                    let names: Vec<&str> = tools.iter().map(|t| t.name.as_str()).collect();
                    text.push_str(&format!("  tools ({}): {}\n", names.len(), names.join(", ")));
                }
            }
            text
        }
    }
}
