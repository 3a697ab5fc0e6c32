//! [`McpTool`]: one tool of an MCP server as a `jig_tools::Tool`.
//!
//! The spec is the server's: its description and `inputSchema`, under the
//! name the session gave it. Arguments pass through untouched; the result's
//! content becomes text ([`crate::content`]); `isError` becomes a tool
//! error the model reads; a server that failed or hung is reported the same
//! way, naming the server and saying it restarts on the next call. Only an
//! interrupt is not the model's business. A tool is read-only only when
//! the server says so (`readOnlyHint`), so by default MCP calls run alone,
//! and, since a server acts outside jig's sandbox, a person approves them
//! as the approval policy says ([`Tool::outside_action`]; the session's
//! guard decides).

use std::sync::Arc;

use jig_protocol::{ToolFormat, ToolSpec, ToolStatus};
use jig_tools::{Tool, ToolContext, ToolError, ToolResult};

use crate::McpError;
use crate::manager::McpManager;
use crate::server::Server;

/// The most of a call's arguments an approval shows.
const MAX_SHOWN_ARGS: usize = 400;

/// A tool of an MCP server, offered to the model.
pub struct McpTool {
    name: String,
    tool: rmcp::model::Tool,
    server: Arc<Server>,
    /// Keeps the servers running while the session holds its tools.
    _manager: Arc<McpManager>,
}

impl std::fmt::Debug for McpTool {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("McpTool")
            .field("name", &self.name)
            .finish_non_exhaustive()
    }
}

impl McpTool {
    pub(crate) fn new(name: String, tool: rmcp::model::Tool, server: Arc<Server>, manager: Arc<McpManager>) -> Self {
        McpTool {
            name,
            tool,
            server,
            _manager: manager,
        }
    }

    /// The name the model sees.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The server's name.
    pub fn server(&self) -> &str {
        self.server.name()
    }
}

#[async_trait::async_trait]
impl Tool for McpTool {
    fn spec(&self) -> ToolSpec {
        let description = match self.tool.description.as_deref() {
            Some(text) if !text.is_empty() => text.to_owned(),
            _ => format!("Tool `{}` of MCP server {}.", self.tool.name, self.server.name()),
        };
        ToolSpec {
            name: self.name.clone(),
            namespace: None,
            description,
            parameters: serde_json::Value::Object((*self.tool.input_schema).clone()),
            format: ToolFormat::Function,
        }
    }

    fn is_mutating(&self) -> bool {
        let read_only = self.tool.annotations.as_ref().and_then(|a| a.read_only_hint);
        read_only != Some(true)
    }

    fn outside_action(&self, args: &serde_json::Value) -> Option<String> {
        if !self.is_mutating() {
            return None;
        }
        let mut shown = args.to_string();
        if shown.len() > MAX_SHOWN_ARGS {
            let mut cut = MAX_SHOWN_ARGS;
            while !shown.is_char_boundary(cut) {
                cut -= 1;
            }
            shown.truncate(cut);
            shown.push('…');
        }
        Some(format!("MCP {}: {} {shown}", self.server.name(), self.tool.name))
    }

    async fn run(&self, ctx: &ToolContext, args: serde_json::Value) -> Result<ToolResult, ToolError> {
        let args = match args {
            serde_json::Value::Object(map) => Some(map),
            serde_json::Value::Null => None,
            other => {
                return Err(ToolError::RespondToModel(format!(
                    "invalid arguments for {}: expected a JSON object, got {other}",
                    self.name
                )));
            }
        };
        let _entered = Entered {
            slot: &self.server.host,
            ticket: self.server.host.enter(ctx.host.clone()),
        };
        let result = self.server.call(&self.tool.name, args, &ctx.cancel).await;
        match result {
            Ok(result) => {
                let output = crate::content::render(&result);
                let status = if result.is_error == Some(true) {
                    ToolStatus::Error
                } else {
                    ToolStatus::Ok
                };
                Ok(ToolResult {
                    output,
                    status,
                    effect: None,
                })
            }
            Err(err) => match err.kind {
                McpError::Interrupted => Err(ToolError::Interrupted),
                _ => Err(ToolError::RespondToModel(err.to_string())),
            },
        }
    }
}

/// Leaves the server's host slot when the call ends, however it ends
/// (a dropped future included).
struct Entered<'a> {
    slot: &'a crate::handler::HostSlot,
    ticket: u64,
}

impl Drop for Entered<'_> {
    fn drop(&mut self) {
        self.slot.leave(self.ticket);
    }
}
