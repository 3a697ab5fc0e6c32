//! `jig acp`: jig as an Agent Client Protocol agent on stdio (see `jig-acp`).
//!
//! Thin on purpose: it turns the flags into `jig_acp::Options` and into the
//! settings each session loads for its cwd (never asking on the terminal:
//! stdin and stdout belong to the protocol), and serves until the editor
//! closes stdin.

use std::sync::Arc;

use jig_config::{CliOverrides, EnvSnapshot, LoadInputs};

use crate::cli::AcpArgs;
use crate::exit;

/// Serves ACP on stdin/stdout until the client closes it.
pub async fn run(args: AcpArgs) -> anyhow::Result<u8> {
    let options = jig_acp::Options {
        model: args.model.clone(),
        dialect: args.dialect,
        approval: args.ask_for_approval,
        jig_exe: std::env::current_exe().ok(),
    };
    // Flags `jig acp` does not take stay at their defaults, including any
    // the grammar gains later.
    #[allow(clippy::needless_update)]
    let cli = CliOverrides {
        model: args.model,
        max_turns: args.max_turns,
        max_tokens: args.max_tokens,
        max_cost_usd: args.max_cost,
        approval_policy: args.ask_for_approval,
        sandbox: args.sandbox,
        ..CliOverrides::default()
    };
    let load: jig_acp::LoadSettings = Arc::new(move |cwd| {
        let env = EnvSnapshot::capture();
        let inputs = LoadInputs {
            cwd: cwd.to_path_buf(),
            env: env.clone(),
            cli: cli.clone(),
        };
        // Never ask on the terminal: stdin and stdout are the protocol's.
        let settings = crate::trust::load(&inputs, crate::trust::Ask::Never)?;
        Ok((settings, env))
    });
    jig_acp::serve_stdio(options, load).await?;
    Ok(exit::COMPLETED)
}
