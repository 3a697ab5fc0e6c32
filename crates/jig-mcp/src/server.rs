//! One configured server: starting it, calling it, restarting it, stopping it.
//!
//! A stdio server is a child process in a process group of its own, with an
//! environment made only of a minimal `PATH` and `HOME`, the variables its
//! `env_vars` names and its own `env` table: the user's API keys and
//! everything else of jig's environment stay out. Its stderr is kept (last
//! lines only) to explain a failure. An HTTP server gets its bearer token
//! and secret headers from the environment variables its config names.
//!
//! The handshake tries the current MCP revision first (`server/discover`)
//! and falls back to the `initialize` handshake of the previous one, which
//! is what servers built on the TypeScript SDK speak.
//!
//! Invariant: a connection that failed (the process exited, the transport
//! closed, a call ran past `tool_timeout_sec`) is stopped and forgotten, so
//! the next call starts the server again; a connection is only ever
//! replaced by the call that saw it fail (generations), never by a call
//! that raced it.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use jig_config::{EnvSnapshot, McpServerConfig, McpTransport};
use rmcp::model::{CallToolRequestParams, CallToolResult, ProtocolVersion};
use rmcp::service::{ClientLifecycleMode, ClientServiceExt, RoleClient, RunningService};
use rmcp::transport::streamable_http_client::StreamableHttpClientTransportConfig;
use tokio::io::AsyncBufReadExt;
use tokio::runtime::Handle;

use crate::handler::{Handler, HostSlot};
use crate::{Error, McpError};

/// `PATH` for a stdio server when jig's own environment has none.
const DEFAULT_PATH: &str = "/usr/local/bin:/usr/bin:/bin";
/// Lines of a server's stderr kept to explain a failure.
const STDERR_LINES: usize = 5;
/// How long a stopping server gets to exit on its own before its process
/// group is killed.
const STOP_GRACE: Duration = Duration::from_millis(500);

/// A live connection.
struct Live {
    generation: u64,
    service: RunningService<RoleClient, Handler>,
    /// The process group of a stdio server.
    pgid: Option<u32>,
}

/// What a started server reported.
#[derive(Debug, Clone)]
pub struct Started {
    /// The protocol revision agreed on.
    pub protocol: String,
    /// The server's name and version, as it gives them.
    pub server_info: Option<String>,
    /// Its tools (every page).
    pub tools: Vec<rmcp::model::Tool>,
}

/// One server and its connection, if one is live.
pub struct Server {
    /// Its config.
    pub config: McpServerConfig,
    env: EnvSnapshot,
    cwd: PathBuf,
    runtime: Handle,
    live: tokio::sync::Mutex<Option<Live>>,
    generations: std::sync::atomic::AtomicU64,
    stderr: Arc<Mutex<VecDeque<String>>>,
    /// Where the server's elicitations go.
    pub host: Arc<HostSlot>,
}

impl std::fmt::Debug for Server {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Server")
            .field("name", &self.config.name)
            .finish_non_exhaustive()
    }
}

impl Server {
    /// A server not yet started; its connections live on `runtime`.
    pub fn new(config: McpServerConfig, env: EnvSnapshot, cwd: &Path, runtime: Handle) -> Self {
        Server {
            config,
            env,
            cwd: cwd.to_owned(),
            runtime,
            live: tokio::sync::Mutex::new(None),
            generations: std::sync::atomic::AtomicU64::new(0),
            stderr: Arc::default(),
            host: Arc::default(),
        }
    }

    /// The server's name.
    pub fn name(&self) -> &str {
        &self.config.name
    }

    /// Starts the server (bounded by `startup_timeout_sec`) and lists its
    /// tools; a server already live is listed again.
    pub async fn start(self: &Arc<Self>) -> Result<Started, Error> {
        let began = Instant::now();
        let mut live = self.live.lock().await;
        if live.is_none() {
            *live = Some(self.connect().await?);
        }
        let Some(conn) = live.as_ref() else {
            return Err(self.error(McpError::Exited("it is not running".into())));
        };
        let peer = conn.service.peer().clone();
        let info = peer.peer_info();
        // One limit for starting and listing together.
        let left = self.config.startup_timeout.saturating_sub(began.elapsed());
        let list = tokio::time::timeout(left, peer.list_all_tools()).await;
        let failed = match list {
            Ok(Ok(tools)) => {
                return Ok(Started {
                    protocol: info
                        .as_ref()
                        .map_or_else(|| "unknown".to_owned(), |i| i.protocol_version.to_string()),
                    server_info: info
                        .as_ref()
                        .and_then(|i| i.server_info.as_ref())
                        .map(|s| format!("{} {}", s.name, s.version)),
                    tools,
                });
            }
            Ok(Err(err)) => McpError::Protocol(format!("cannot list its tools: {err}")),
            Err(_) => McpError::StartTimeout(self.config.startup_timeout),
        };
        // A server whose tools cannot be listed is no use: stop it now.
        if let Some(old) = live.take() {
            drop(live);
            stop(old).await;
        }
        Err(self.error(failed))
    }

    /// Calls tool `tool` (the server's name for it) with `args`, starting
    /// the server first when it is not running. A connection that fails or
    /// hangs past `tool_timeout_sec` is stopped; the next call restarts it.
    pub async fn call(
        self: &Arc<Self>,
        tool: &str,
        args: Option<serde_json::Map<String, serde_json::Value>>,
        cancel: &tokio_util::sync::CancellationToken,
    ) -> Result<CallToolResult, Error> {
        let (generation, peer) = {
            let mut live = self.live.lock().await;
            if live.is_none() {
                *live = Some(self.connect().await?);
            }
            let Some(conn) = live.as_ref() else {
                return Err(self.error(McpError::Exited("it is not running".into())));
            };
            (conn.generation, conn.service.peer().clone())
        };
        let mut params = CallToolRequestParams::new(tool.to_owned());
        params.arguments = args;
        let timeout = self.config.tool_timeout;
        let call = peer.call_tool(params);
        tokio::pin!(call);
        // The deadline moves by the time the server's questions waited for
        // the person: `tool_timeout_sec` bounds the server, not the person.
        let started = Instant::now();
        let asked_before = self.host.time_asked();
        let mut deadline = started + timeout;
        let result = loop {
            tokio::select! {
                result = &mut call => break Some(result),
                () = tokio::time::sleep_until(deadline.into()) => {
                    let now = Instant::now();
                    deadline = if self.host.is_asking() {
                        now + timeout
                    } else {
                        started + timeout + self.host.time_asked().saturating_sub(asked_before)
                    };
                    if deadline <= now {
                        break None;
                    }
                }
                () = cancel.cancelled() => return Err(self.error(McpError::Interrupted)),
            }
        };
        match result {
            Some(Ok(result)) => Ok(result),
            Some(Err(rmcp::ServiceError::McpError(err))) => Err(self.error(McpError::Refused(err.message.to_string()))),
            // Answers jig cannot use (a task, a request for more input)
            // say nothing about the connection, which stays.
            Some(Err(rmcp::ServiceError::UnexpectedResponse)) => Err(self.error(McpError::Protocol(
                "it answered the call with something other than a result (jig does not run MCP tasks)".into(),
            ))),
            Some(Err(err)) => {
                self.forget(generation).await;
                Err(self.error(McpError::Exited(self.why_closed(&err.to_string()))))
            }
            None => {
                self.forget(generation).await;
                Err(self.error(McpError::CallTimeout(timeout)))
            }
        }
    }

    /// Stops the server, if it is running.
    pub async fn stop(&self) {
        let live = self.live.lock().await.take();
        if let Some(live) = live {
            stop(live).await;
        }
    }

    /// Stops the connection of generation `generation` if it is still the live one.
    async fn forget(&self, generation: u64) {
        let mut live = self.live.lock().await;
        if live.as_ref().is_some_and(|l| l.generation == generation)
            && let Some(old) = live.take()
        {
            drop(live);
            stop(old).await;
        }
    }

    /// Why the connection closed, with the server's last stderr line.
    fn why_closed(&self, what: &str) -> String {
        let last = self.stderr.lock().ok().and_then(|lines| lines.back().cloned());
        match last {
            Some(line) => format!("{what}; its last stderr line: {line}"),
            None => what.to_owned(),
        }
    }

    fn error(&self, kind: McpError) -> Error {
        Error {
            server: self.config.name.clone(),
            kind,
        }
    }

    /// A new connection, on the manager's runtime, within `startup_timeout_sec`.
    async fn connect(self: &Arc<Self>) -> Result<Live, Error> {
        let this = Arc::clone(self);
        let limit = self.config.startup_timeout;
        let task = self
            .runtime
            .spawn(async move { tokio::time::timeout(limit, this.open()).await });
        match task.await {
            Ok(Ok(result)) => result,
            Ok(Err(_)) => Err(self.error(McpError::StartTimeout(limit))),
            Err(err) => Err(self.error(McpError::Start(format!("its start-up task failed: {err}")))),
        }
    }

    async fn open(&self) -> Result<Live, Error> {
        let generation = self.generations.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1;
        let handler = Handler::new(&self.config.name, Arc::clone(&self.host));
        let lifecycle = ClientLifecycleMode::Auto {
            preferred_versions: vec![ProtocolVersion::LATEST],
            legacy_version: Some(ProtocolVersion::LATEST_WITH_INITIALIZE),
        };
        let (service, pgid) = match &self.config.transport {
            McpTransport::Stdio { .. } => {
                let (transport, pgid) = self.spawn()?;
                let service = handler.serve_with_lifecycle(transport, lifecycle).await;
                (service, pgid)
            }
            McpTransport::Http {
                url,
                bearer_token_env_var,
                http_headers,
                env_http_headers,
            } => {
                let config = self.http(url, bearer_token_env_var.as_deref(), http_headers, env_http_headers)?;
                let transport = rmcp::transport::StreamableHttpClientTransport::from_config(config);
                (handler.serve_with_lifecycle(transport, lifecycle).await, None)
            }
        };
        match service {
            Ok(service) => Ok(Live {
                generation,
                service,
                pgid,
            }),
            Err(err) => {
                if let Some(pgid) = pgid {
                    kill_group(pgid);
                }
                Err(self.error(McpError::Start(
                    self.why_closed(&format!("the MCP handshake failed: {err}")),
                )))
            }
        }
    }

    /// The child process of a stdio server, in a process group of its own.
    fn spawn(&self) -> Result<(rmcp::transport::TokioChildProcess, Option<u32>), Error> {
        let McpTransport::Stdio {
            command,
            args,
            env,
            env_vars,
            cwd,
        } = &self.config.transport
        else {
            return Err(self.error(McpError::Start("not a stdio server".into())));
        };
        let mut cmd = tokio::process::Command::new(command);
        cmd.args(args).env_clear();
        cmd.env("PATH", self.env.get("PATH").unwrap_or(DEFAULT_PATH));
        if let Some(home) = self.env.get(jig_config::env::HOME) {
            cmd.env("HOME", home);
        }
        for var in env_vars {
            if let Some(value) = self.env.get(var) {
                cmd.env(var, value);
            }
        }
        cmd.envs(env);
        cmd.current_dir(cwd.as_deref().unwrap_or(&self.cwd));
        let mut wrapped = process_wrap::tokio::CommandWrap::from(cmd);
        wrapped.wrap(process_wrap::tokio::ProcessGroup::leader());
        wrapped.wrap(process_wrap::tokio::KillOnDrop);
        let spawned = rmcp::transport::TokioChildProcess::builder(wrapped)
            .stderr(std::process::Stdio::piped())
            .spawn();
        let (child, stderr) =
            spawned.map_err(|err| self.error(McpError::Start(format!("cannot run `{command}`: {err}"))))?;
        let pgid = child.id();
        if let Some(stderr) = stderr {
            let lines = Arc::clone(&self.stderr);
            let name = self.config.name.clone();
            tokio::spawn(async move {
                let mut reader = tokio::io::BufReader::new(stderr).lines();
                while let Ok(Some(line)) = reader.next_line().await {
                    tracing::debug!(server = %name, "mcp server stderr: {line}");
                    if let Ok(mut lines) = lines.lock() {
                        if lines.len() == STDERR_LINES {
                            lines.pop_front();
                        }
                        lines.push_back(line);
                    }
                }
            });
        }
        Ok((child, pgid))
    }

    /// The transport of an HTTP server, its secrets read from the environment.
    fn http(
        &self,
        url: &str,
        bearer_token_env_var: Option<&str>,
        http_headers: &BTreeMap<String, String>,
        env_http_headers: &BTreeMap<String, String>,
    ) -> Result<StreamableHttpClientTransportConfig, Error> {
        if url.is_empty() {
            return Err(self.error(McpError::Start("it has no `url`".into())));
        }
        let mut config = StreamableHttpClientTransportConfig::with_uri(url.to_owned());
        if let Some(var) = bearer_token_env_var {
            let token = self.env.get(var).ok_or_else(|| {
                self.error(McpError::Start(format!(
                    "its bearer_token_env_var names {var}, which is not set"
                )))
            })?;
            config = config.auth_header(token.to_owned());
        }
        let mut headers = HashMap::new();
        let from_env = env_http_headers
            .iter()
            .filter_map(|(name, var)| self.env.get(var).map(|value| (name, value.to_owned())));
        for (name, value) in http_headers.iter().map(|(n, v)| (n, v.clone())).chain(from_env) {
            let name = http::HeaderName::try_from(name.as_str())
                .map_err(|err| self.error(McpError::Start(format!("bad header name {name:?}: {err}"))))?;
            let value = http::HeaderValue::try_from(value)
                .map_err(|err| self.error(McpError::Start(format!("bad value for header {name}: {err}"))))?;
            headers.insert(name, value);
        }
        Ok(config.custom_headers(headers))
    }
}

/// Closes `live` and kills its process group once it had its grace period.
async fn stop(mut live: Live) {
    let _ = live.service.close_with_timeout(STOP_GRACE).await;
    if let Some(pgid) = live.pgid {
        kill_group(pgid);
    }
}

/// Kills process group `pgid` (the server and anything it started).
fn kill_group(pgid: u32) {
    if let Ok(pgid) = i32::try_from(pgid) {
        let _ = nix::sys::signal::killpg(nix::unistd::Pid::from_raw(pgid), nix::sys::signal::Signal::SIGKILL);
    }
}
