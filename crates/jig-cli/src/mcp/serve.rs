//! `jig mcp serve`: jig as an MCP server whose tools run agent turns.
//!
//! Two tools: `run_task` starts a session in a directory and runs one turn;
//! `reply` runs the next turn of a session. Both answer with the agent's
//! final message, the files the turn changed (lines added and removed per
//! file) and the session id, as text and as `structuredContent` matching
//! the tools' `outputSchema`. Sessions are built with the embeddable
//! runtime (`jig_core::SessionBuilder`), with settings and project trust as
//! `jig exec` resolves them; they are ordinary jig sessions, recorded in the
//! data dir, so `jig resume ID` takes one up from a terminal.
//!
//! The client takes the person's place: progress notifications show the
//! turn's steps, approvals and tools' questions become elicitation forms,
//! and `notifications/cancelled` interrupts the turn. A client without
//! elicitation gets every approval denied and every question declined at
//! once — the model is told; nothing waits for an answer that cannot come.
//!
//! Transports: stdio (the default), or streamable HTTP with `--http ADDR`.
//! An HTTP server on a laptop is reachable from every web page the person
//! opens, so it binds loopback addresses only (unless `--allow-remote`),
//! accepts only loopback `Host` headers (DNS rebinding) and rejects
//! requests whose `Origin` is not a loopback origin (a page's `fetch`).
//!
//! Elicitation needs server-to-client requests, which protocol 2026-07-28
//! removed; the server offers the versions up to 2025-11-25 (what clients
//! that `initialize` negotiate) rather than the round-trip redesign.

mod diff;
mod elicit;
mod http;
mod task;
mod tools;

use std::borrow::Cow;
use std::sync::Arc;

use anyhow::Context;
use rmcp::model::{
    CallToolRequestParams, CallToolResponse, CallToolResult, ContentBlock, Implementation, ListToolsResult,
    PaginatedRequestParams, ProtocolVersion, ServerCapabilities, ServerConfig,
};
use rmcp::service::RequestContext;
use rmcp::{ErrorData, RoleServer, ServerHandler, ServiceExt};

use crate::cli::McpServeArgs;

use task::Sessions;
use tools::{REPLY, RUN_TASK, ReplyArgs, RunTaskArgs, TaskResult};

/// Serves until the client goes away (stdio) or the process is stopped
/// (HTTP).
pub async fn run(args: McpServeArgs) -> anyhow::Result<u8> {
    let here = std::env::current_dir().context("cannot read the current directory")?;
    let server = JigServer {
        sessions: Arc::new(Sessions::new(here)),
    };
    match &args.http {
        Some(addr) => http::serve(server, addr, args.allow_remote).await?,
        None => {
            let sessions = Arc::clone(&server.sessions);
            let running = server
                .serve(rmcp::transport::stdio())
                .await
                .context("the MCP client did not initialize")?;
            let _ = running.waiting().await;
            sessions.shutdown().await;
        }
    }
    Ok(crate::exit::COMPLETED)
}

/// The MCP server: the tools, over the sessions they run.
#[derive(Clone)]
pub struct JigServer {
    sessions: Arc<Sessions>,
}

impl ServerHandler for JigServer {
    fn get_info(&self) -> ServerConfig {
        ServerConfig::new(ServerCapabilities::builder().enable_tools().build())
            .with_server_info(Implementation::new("jig", env!("CARGO_PKG_VERSION")).with_title("jig coding agent"))
            .with_protocol_version(ProtocolVersion::LATEST_WITH_INITIALIZE)
            .with_instructions(
                "jig runs coding tasks in a directory: call run_task with a prompt and a cwd; \
                 continue with reply and the session_id it returned.",
            )
    }

    fn supported_protocol_versions(&self) -> Cow<'static, [ProtocolVersion]> {
        Cow::Borrowed(ProtocolVersion::known_up_to(&ProtocolVersion::LATEST_WITH_INITIALIZE))
    }

    async fn list_tools(
        &self,
        _request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> Result<ListToolsResult, ErrorData> {
        Ok(ListToolsResult::with_all_items(tools::list()))
    }

    async fn call_tool(
        &self,
        request: CallToolRequestParams,
        context: RequestContext<RoleServer>,
    ) -> Result<CallToolResponse, ErrorData> {
        let arguments = serde_json::Value::Object(request.arguments.unwrap_or_default());
        let result = match request.name.as_ref() {
            RUN_TASK => {
                let args: RunTaskArgs = parse_args(arguments)?;
                self.sessions.run_task(args, &context).await
            }
            REPLY => {
                let args: ReplyArgs = parse_args(arguments)?;
                self.sessions.reply(args, &context).await
            }
            other => {
                return Err(ErrorData::invalid_params(
                    format!("unknown tool {other:?}; jig serves run_task and reply"),
                    None,
                ));
            }
        };
        Ok(match result {
            Ok(result) => success(&result),
            Err(refusal) => CallToolResult::error(vec![ContentBlock::text(format!("error: {refusal}"))]),
        }
        .into())
    }
}

fn parse_args<T: serde::de::DeserializeOwned>(arguments: serde_json::Value) -> Result<T, ErrorData> {
    serde_json::from_value(arguments).map_err(|e| ErrorData::invalid_params(format!("invalid arguments: {e}"), None))
}

/// The result as text and as structured content. A turn that did not
/// complete is still a result (what it changed matters), marked as an error.
fn success(result: &TaskResult) -> CallToolResult {
    let structured = serde_json::to_value(result).unwrap_or_default();
    let mut call = CallToolResult::structured(structured);
    call.content = vec![ContentBlock::text(result.text())];
    call.is_error = Some(result.outcome != "completed");
    call
}
