//! jig as an Agent Client Protocol agent (`jig acp`): an editor (Zed, any
//! ACP client) starts jig over stdio and drives jig sessions through the
//! official `agent-client-protocol` crate (protocol v1).
//!
//! Design: the crate is a front-end of `jig-core` like `jig exec`, nothing
//! more. Each ACP session is one jig session built by
//! [`jig_core::SessionBuilder`] and driven through `Op`s; its `Event`s are
//! translated into `session/update` notifications ([`updates`]), approval
//! and question requests into `session/request_permission` ([`ask`]). The
//! invariants: a prompt's response is sent exactly once, when the root
//! session's turn has ended (and its sub-agents have settled); nothing the
//! client does or fails to do leaves a turn waiting — a failed or refused
//! permission request is answered as a denial; and the dispatch loop is
//! never held by a running turn, so `session/cancel` is always heard.
//! Settings are resolved by the caller (the CLI owns the trust prompt and
//! flags) through [`LoadSettings`], once per session, for the session's cwd.

#![deny(missing_docs)]

pub mod agent;
pub mod ask;
pub mod files;
pub mod mcp;
mod prompt;
pub mod updates;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use jig_config::{ApprovalPolicy, Dialect, EnvSnapshot, Settings};

pub use agent::JigAgent;

/// Resolves the settings for a session whose workspace is the given
/// directory (flags, project file, user file, environment).
pub type LoadSettings = Arc<dyn Fn(&Path) -> anyhow::Result<(Settings, EnvSnapshot)> + Send + Sync>;

/// What the person chose for every session `jig acp` runs (its flags);
/// limits and the sandbox reach sessions through the settings.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// Model spec or profile name; the settings' default when `None`.
    pub model: Option<String>,
    /// Tool dialect, overriding the model profile's.
    pub dialect: Option<Dialect>,
    /// Approval policy; the settings' one, else `on-request` (the editor
    /// has a person to ask).
    pub approval: Option<ApprovalPolicy>,
    /// The `jig` executable, to answer `rg` for the commands sessions run.
    pub jig_exe: Option<PathBuf>,
}

/// Serves ACP on stdin/stdout until the client closes stdin.
pub async fn serve_stdio(options: Options, load: LoadSettings) -> anyhow::Result<()> {
    let agent = JigAgent::new(options, load);
    agent::serve(agent, agent_client_protocol::Stdio::new())
        .await
        .map_err(|err| anyhow::anyhow!("acp connection failed: {err}"))
}
