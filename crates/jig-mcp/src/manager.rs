//! [`McpManager`]: a session's MCP servers, started together.
//!
//! Servers start concurrently, each bounded by its `startup_timeout_sec`,
//! on a runtime the manager owns (one worker thread), so starting them from
//! a synchronous session builder inside any async runtime cannot deadlock.
//! What each server did is reported ([`ServerStatus`]) for `jig mcp list`
//! and as warnings for a session; the tools come back named for the model
//! ([`crate::names`]) and filtered by `enabled_tools` / `disabled_tools`.
//!
//! Invariant: dropping the manager (with the last tool holding it) stops
//! every server: the connection is closed, and a stdio server's process
//! group is killed after a short grace period.

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use jig_config::{EnvSnapshot, McpServerConfig};
use serde::Serialize;

use crate::names::Namer;
use crate::server::Server;
use crate::tool::McpTool;
use crate::{Error, McpError};

/// A session's MCP servers and the runtime their connections live on.
pub struct McpManager {
    runtime: Option<tokio::runtime::Runtime>,
    servers: Vec<Arc<Server>>,
}

impl std::fmt::Debug for McpManager {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("McpManager")
            .field("servers", &self.servers)
            .finish_non_exhaustive()
    }
}

/// What starting a session's servers gave.
#[derive(Debug)]
pub struct Startup {
    /// The manager; every tool holds it too.
    pub manager: Arc<McpManager>,
    /// The tools of every server that started, in config order.
    pub tools: Vec<Arc<McpTool>>,
    /// Each server, in the order given.
    pub servers: Vec<ServerStatus>,
}

/// How one server's start went.
#[derive(Debug, Clone, Serialize)]
pub struct ServerStatus {
    /// Its name.
    pub name: String,
    /// `stdio: COMMAND ARGS` or `http: URL`.
    pub transport: String,
    /// What happened.
    #[serde(flatten)]
    pub outcome: ServerOutcome,
    /// How long starting and listing took, in milliseconds.
    pub startup_ms: u64,
}

/// What happened when a server was started.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum ServerOutcome {
    /// `enabled = false`: not started.
    Disabled,
    /// It could not start; the session goes on without it.
    Failed {
        /// Why, as one sentence.
        error: String,
    },
    /// It runs.
    Running {
        /// The MCP revision agreed on.
        protocol: String,
        /// Its name and version, as it gives them.
        server_info: Option<String>,
        /// The tools offered from it.
        tools: Vec<ToolEntry>,
    },
}

/// One tool offered from a server.
#[derive(Debug, Clone, Serialize)]
pub struct ToolEntry {
    /// The name the model sees (`SERVER__TOOL`).
    pub name: String,
    /// The server's own name for it.
    pub server_name: String,
}

impl Startup {
    /// One warning per server that failed to start, for the person.
    pub fn warnings(&self) -> Vec<String> {
        self.servers
            .iter()
            .filter_map(|s| match &s.outcome {
                ServerOutcome::Failed { error } => Some(format!("{error}; the session goes on without its tools")),
                ServerOutcome::Disabled | ServerOutcome::Running { .. } => None,
            })
            .collect()
    }
}

impl McpManager {
    /// Starts `servers` (the enabled ones) for a session in `cwd`, waiting
    /// for each to start or fail. `taken` are the names of the session's
    /// other tools, which MCP tools never shadow. Blocks the calling
    /// thread; the servers' I/O runs on the manager's own runtime.
    pub fn start(
        servers: Vec<McpServerConfig>,
        env: &EnvSnapshot,
        cwd: &Path,
        taken: impl IntoIterator<Item = String>,
    ) -> Result<Startup, Error> {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .thread_name("jig-mcp")
            .enable_all()
            .build()
            .map_err(|err| Error {
                server: servers.iter().map(|s| s.name.as_str()).collect::<Vec<_>>().join(", "),
                kind: McpError::Runtime(err.to_string()),
            })?;
        let handle = runtime.handle().clone();
        let servers: Vec<Arc<Server>> = servers
            .into_iter()
            .map(|config| Arc::new(Server::new(config, env.clone(), cwd, handle.clone())))
            .collect();
        let starting: Vec<_> = servers
            .iter()
            .map(|server| {
                let server = Arc::clone(server);
                handle.spawn(async move {
                    let began = Instant::now();
                    let result = if server.config.enabled {
                        Some(server.start().await)
                    } else {
                        None
                    };
                    (result, began.elapsed())
                })
            })
            .collect();
        let results = futures::executor::block_on(futures::future::join_all(starting));
        let manager = Arc::new(McpManager {
            runtime: Some(runtime),
            servers,
        });
        let mut namer = Namer::with_taken(taken);
        let mut tools = Vec::new();
        let mut statuses = Vec::new();
        for (server, joined) in manager.servers.iter().zip(results) {
            let (result, elapsed) = joined.unwrap_or_else(|err| {
                let failed = Err(Error {
                    server: server.name().to_owned(),
                    kind: McpError::Start(format!("its start-up task failed: {err}")),
                });
                (Some(failed), Duration::ZERO)
            });
            let outcome = match result {
                None => ServerOutcome::Disabled,
                Some(Err(err)) => ServerOutcome::Failed { error: err.to_string() },
                Some(Ok(started)) => {
                    let mut entries = Vec::new();
                    for tool in started.tools.into_iter().filter(|t| server.config.offers(&t.name)) {
                        let name = namer.name(server.name(), &tool.name);
                        entries.push(ToolEntry {
                            name: name.clone(),
                            server_name: tool.name.to_string(),
                        });
                        tools.push(Arc::new(McpTool::new(
                            name,
                            tool,
                            Arc::clone(server),
                            Arc::clone(&manager),
                        )));
                    }
                    ServerOutcome::Running {
                        protocol: started.protocol,
                        server_info: started.server_info,
                        tools: entries,
                    }
                }
            };
            statuses.push(ServerStatus {
                name: server.name().to_owned(),
                transport: server.config.describe(),
                outcome,
                startup_ms: u64::try_from(elapsed.as_millis()).unwrap_or(u64::MAX),
            });
        }
        Ok(Startup {
            manager,
            tools,
            servers: statuses,
        })
    }
}

impl Drop for McpManager {
    fn drop(&mut self) {
        let Some(runtime) = self.runtime.take() else { return };
        let servers = std::mem::take(&mut self.servers);
        let stopping = runtime.spawn(async move {
            futures::future::join_all(servers.iter().map(|s| s.stop())).await;
        });
        // Bounded: each stop waits a short grace period, then kills.
        let _ = futures::executor::block_on(stopping);
        runtime.shutdown_background();
    }
}
