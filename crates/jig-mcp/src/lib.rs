//! MCP (the Model Context Protocol) for jig, over the official `rmcp` SDK.
//!
//! The MCP servers a user declares in config (`[mcp_servers.NAME]`), or a
//! front-end passes in (an ACP client's `session/new`), become tools of a
//! session, named `NAME__TOOL` and offered in the session's dialect like
//! any function tool. [`McpManager::start`] starts them, performs the
//! handshake and lists their tools; each [`McpTool`] calls one of them.
//!
//! Invariants: a server that fails to start is a warning, never a failed
//! session; a server's failure during a call is a tool error the model
//! reads, and the server is started again on the next call; servers run on
//! the manager's own runtime thread, so a front-end's runtime (whatever its
//! flavour) never carries their I/O, and they are stopped, process groups
//! and all, when the last tool holding the manager is dropped with the
//! session. This crate knows config and tools, never sessions: `jig-core`
//! registers the tools.
#![deny(missing_docs)]

pub mod content;
pub mod handler;
pub mod manager;
pub mod names;
pub mod server;
pub mod tool;

use std::time::Duration;

pub use manager::{McpManager, ServerOutcome, ServerStatus, Startup, ToolEntry};
pub use tool::McpTool;

/// Why a server could not do what was asked.
#[derive(Debug, thiserror::Error)]
#[error("mcp server {server} {kind}")]
pub struct Error {
    /// The server's name.
    pub server: String,
    /// What went wrong.
    pub kind: McpError,
}

/// What went wrong with a server, as the rest of a sentence that starts
/// with its name.
#[derive(Debug, thiserror::Error)]
pub enum McpError {
    /// It could not be started or the handshake failed.
    #[error("could not start: {0}")]
    Start(String),
    /// It did not start and list its tools in time.
    #[error("did not start within {} (startup_timeout_sec)", secs(*.0))]
    StartTimeout(Duration),
    /// Its process exited or its connection closed.
    #[error("exited: {0}; it will be restarted on the next call")]
    Exited(String),
    /// A call ran past `tool_timeout_sec`.
    #[error(
        "did not answer within {} (tool_timeout_sec); it was stopped and will be restarted on the next call",
        secs(*.0)
    )]
    CallTimeout(Duration),
    /// It answered the call with a JSON-RPC error (unknown tool, bad arguments).
    #[error("refused the call: {0}")]
    Refused(String),
    /// It answered something jig cannot use.
    #[error("broke the protocol: {0}")]
    Protocol(String),
    /// The turn was interrupted while the call ran.
    #[error("call was interrupted")]
    Interrupted,
    /// jig could not set up the runtime servers run on.
    #[error("could not be run: {0}")]
    Runtime(String),
}

/// `10s`, `2.5s`.
fn secs(duration: Duration) -> String {
    format!("{}s", duration.as_secs_f64())
}
