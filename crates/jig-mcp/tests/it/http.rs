//! A streamable HTTP server of the current MCP revision (rmcp's own server
//! on 127.0.0.1): discovery without `initialize`, the bearer token and
//! headers from the environment, and tool listing over several pages.

use std::net::SocketAddr;
use std::sync::Arc;

use jig_config::{EnvSnapshot, McpServerConfig, McpTransport};
use jig_mcp::{McpManager, ServerOutcome};
use jig_tools::{Tool, ToolContext};
use rmcp::model::{
    CallToolRequestParams, CallToolResponse, CallToolResult, ContentBlock, ErrorData, Implementation, ListToolsResult,
    PaginatedRequestParams, ServerCapabilities, ServerConfig,
};
use rmcp::service::{RequestContext, RoleServer};
use rmcp::transport::streamable_http_server::session::local::LocalSessionManager;
use rmcp::transport::streamable_http_server::{StreamableHttpServerConfig, StreamableHttpService};
use serde_json::json;

use crate::support::tempdir;

/// Two pages of tools; `whoami` answers with the request's auth headers.
#[derive(Clone)]
struct Modern;

impl rmcp::ServerHandler for Modern {
    fn get_info(&self) -> ServerConfig {
        let capabilities = ServerCapabilities::builder().enable_tools().build();
        ServerConfig::new(capabilities).with_server_info(Implementation::new("modern", "1"))
    }

    async fn list_tools(
        &self,
        request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> Result<ListToolsResult, ErrorData> {
        let schema = json!({"type": "object", "properties": {}});
        let schema = schema.as_object().cloned().unwrap_or_default();
        let cursor = request.and_then(|r| r.cursor);
        let mut page = match cursor.as_deref() {
            None => ListToolsResult::with_all_items(vec![rmcp::model::Tool::new("whoami", "who is asking", schema)]),
            Some(_) => ListToolsResult::with_all_items(vec![rmcp::model::Tool::new("page2", "on page 2", schema)]),
        };
        if cursor.is_none() {
            page.next_cursor = Some("2".into());
        }
        Ok(page)
    }

    async fn call_tool(
        &self,
        _request: CallToolRequestParams,
        context: RequestContext<RoleServer>,
    ) -> Result<CallToolResponse, ErrorData> {
        let parts = context.extensions.get::<http::request::Parts>();
        let header = |name: &str| {
            parts
                .and_then(|p| p.headers.get(name))
                .and_then(|v| v.to_str().ok())
                .unwrap_or("-")
                .to_owned()
        };
        let text = format!("authorization={} x-team={}", header("authorization"), header("x-team"));
        Ok(CallToolResponse::Complete(CallToolResult::success(vec![
            ContentBlock::text(text),
        ])))
    }
}

async fn serve() -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let service = StreamableHttpService::new(
        || Ok(Modern),
        Arc::new(LocalSessionManager::default()),
        StreamableHttpServerConfig::default(),
    );
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let io = hyper_util::rt::TokioIo::new(stream);
            let service = hyper_util::service::TowerToHyperService::new(service.clone());
            tokio::spawn(async move {
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(io, service)
                    .await;
            });
        }
    });
    addr
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_http_server_of_the_current_revision_lists_pages_and_gets_the_token() {
    let addr = serve().await;
    let (_dir, root) = tempdir();
    let server = McpServerConfig::new(
        "modern",
        McpTransport::Http {
            url: format!("http://{addr}/mcp"),
            bearer_token_env_var: Some("MODERN_TOKEN".into()),
            http_headers: [("x-team".to_owned(), "core".to_owned())].into(),
            env_http_headers: Default::default(),
        },
    );
    let env = EnvSnapshot::from_pairs([("MODERN_TOKEN", "t0ken")]);
    let startup = McpManager::start(vec![server.clone()], &env, &root, []).unwrap();
    match &startup.servers[0].outcome {
        ServerOutcome::Running { protocol, tools, .. } => {
            assert_eq!(protocol, "2026-07-28");
            let names: Vec<&str> = tools.iter().map(|t| t.name.as_str()).collect();
            assert_eq!(names, ["modern__whoami", "modern__page2"]);
        }
        other => panic!("{other:?}"),
    }
    let whoami = startup.tools.iter().find(|t| t.name() == "modern__whoami").unwrap();
    let out = whoami.run(&ToolContext::new(&root), json!({})).await.unwrap();
    assert_eq!(out.output, "authorization=Bearer t0ken x-team=core");

    // The token's variable unset: the server is not started, and says why.
    let startup = McpManager::start(vec![server], &EnvSnapshot::from_pairs::<_, &str, &str>([]), &root, []).unwrap();
    let warnings = startup.warnings();
    assert_eq!(
        warnings,
        [
            "mcp server modern could not start: its bearer_token_env_var names MODERN_TOKEN, which is not set; \
          the session goes on without its tools"
        ]
    );
}
