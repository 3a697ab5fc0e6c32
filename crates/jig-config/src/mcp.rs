//! `[mcp_servers.NAME]`: the MCP servers whose tools a session offers.
//!
//! Key names follow Codex CLI's where it has them: a stdio server has
//! `command`, `args`, `env`, `env_vars`, `cwd`; an HTTP (streamable HTTP)
//! server has `url`, `bearer_token_env_var`, `http_headers`,
//! `env_http_headers`; both have `enabled`, `startup_timeout_sec`,
//! `tool_timeout_sec`, `enabled_tools`, `disabled_tools`.
//!
//! Invariant: a server is exactly one of the two kinds (`command` xor
//! `url`), its name can be part of a tool name (`^[a-zA-Z0-9_-]+$`), and
//! keys of the other kind are rejected with file and line by [`check`].
//! Secrets never live in the file: a bearer token or header value that is a
//! secret is named by the environment variable holding it and read when the
//! server is started. Starting servers runs commands and sends data, so
//! `mcp_servers` needs trust in a project file (see `trust.rs`).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;
use toml_edit::Document;

use crate::error::{ConfigError, ECHO_LIMIT, clip};
use crate::file::{Seconds, invalid};

/// Default for [`McpServerConfig::startup_timeout`].
pub const DEFAULT_STARTUP_TIMEOUT: Duration = Duration::from_secs(10);
/// Default for [`McpServerConfig::tool_timeout`].
pub const DEFAULT_TOOL_TIMEOUT: Duration = Duration::from_secs(60);

/// One MCP server, resolved.
#[derive(Debug, Clone, PartialEq)]
pub struct McpServerConfig {
    /// The table name; tools are offered as `NAME__TOOL`.
    pub name: String,
    /// How to reach it.
    pub transport: McpTransport,
    /// `false` leaves it out without deleting its table.
    pub enabled: bool,
    /// Longest wait for it to start and list its tools.
    pub startup_timeout: Duration,
    /// Longest wait for one tool call.
    pub tool_timeout: Duration,
    /// The only tools offered, by the server's names; `None` offers all.
    pub enabled_tools: Option<Vec<String>>,
    /// Tools never offered, by the server's names.
    pub disabled_tools: Vec<String>,
}

/// How a server is reached.
#[derive(Debug, Clone, PartialEq)]
pub enum McpTransport {
    /// A child process speaking MCP on stdin/stdout.
    Stdio {
        /// The program.
        command: String,
        /// Its arguments.
        args: Vec<String>,
        /// Its environment, besides a minimal `PATH` and `HOME`: nothing
        /// else of jig's environment reaches it.
        env: BTreeMap<String, String>,
        /// Names of variables of jig's environment passed on as they are.
        env_vars: Vec<String>,
        /// Its working directory (default: the workspace).
        cwd: Option<PathBuf>,
    },
    /// A streamable HTTP server.
    Http {
        /// Its endpoint.
        url: String,
        /// The environment variable whose value is sent as a bearer token.
        bearer_token_env_var: Option<String>,
        /// Headers sent as written.
        http_headers: BTreeMap<String, String>,
        /// Headers whose values are read from environment variables
        /// (header name → variable name).
        env_http_headers: BTreeMap<String, String>,
    },
}

impl McpServerConfig {
    /// A stdio server `name` running `command args` with the defaults.
    pub fn stdio(name: impl Into<String>, command: impl Into<String>, args: Vec<String>) -> Self {
        McpServerConfig::new(
            name,
            McpTransport::Stdio {
                command: command.into(),
                args,
                env: BTreeMap::new(),
                env_vars: Vec::new(),
                cwd: None,
            },
        )
    }

    /// A server `name` reached through `transport`, with the defaults.
    pub fn new(name: impl Into<String>, transport: McpTransport) -> Self {
        McpServerConfig {
            name: name.into(),
            transport,
            enabled: true,
            startup_timeout: DEFAULT_STARTUP_TIMEOUT,
            tool_timeout: DEFAULT_TOOL_TIMEOUT,
            enabled_tools: None,
            disabled_tools: Vec::new(),
        }
    }

    /// Whether the server's tool `tool` is offered.
    pub fn offers(&self, tool: &str) -> bool {
        let enabled = self
            .enabled_tools
            .as_ref()
            .is_none_or(|list| list.iter().any(|t| t == tool));
        enabled && !self.disabled_tools.iter().any(|t| t == tool)
    }

    /// One line saying what it is, for `jig config show` and `jig mcp list`.
    pub fn describe(&self) -> String {
        let what = match &self.transport {
            McpTransport::Stdio { command, args, .. } => {
                let mut line = format!("stdio: {command}");
                for arg in args {
                    line.push(' ');
                    line.push_str(arg);
                }
                line
            }
            McpTransport::Http {
                url,
                bearer_token_env_var,
                ..
            } => match bearer_token_env_var {
                Some(var) => format!("http: {url} (bearer token from {var})"),
                None => format!("http: {url}"),
            },
        };
        let mut line = clip(&what, 200).into_owned();
        if !self.enabled {
            line.push_str(" (disabled)");
        }
        line
    }
}

/// A `[mcp_servers.NAME]` table, as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct McpServerFile {
    command: Option<String>,
    #[serde(default)]
    args: Vec<String>,
    #[serde(default)]
    env: BTreeMap<String, String>,
    #[serde(default)]
    env_vars: Vec<String>,
    cwd: Option<PathBuf>,
    url: Option<String>,
    bearer_token_env_var: Option<String>,
    #[serde(default)]
    http_headers: BTreeMap<String, String>,
    #[serde(default)]
    env_http_headers: BTreeMap<String, String>,
    enabled: Option<bool>,
    startup_timeout_sec: Option<Seconds>,
    tool_timeout_sec: Option<Seconds>,
    enabled_tools: Option<Vec<String>>,
    #[serde(default)]
    disabled_tools: Vec<String>,
}

impl McpServerFile {
    /// The resolved server. [`check`] has already made sure it has
    /// `command` or `url`; a table with neither would be an HTTP server
    /// with an empty URL, which fails to start with a clear message.
    pub(crate) fn resolve(self, name: &str, file_dir: Option<&Path>) -> McpServerConfig {
        let transport = match self.command {
            Some(command) => McpTransport::Stdio {
                command,
                args: self.args,
                env: self.env,
                env_vars: self.env_vars,
                // A relative `cwd` is relative to the file's project (or home).
                cwd: self.cwd.map(|dir| match file_dir {
                    Some(base) if dir.is_relative() => base.join(dir),
                    _ => dir,
                }),
            },
            None => McpTransport::Http {
                url: self.url.unwrap_or_default(),
                bearer_token_env_var: self.bearer_token_env_var,
                http_headers: self.http_headers,
                env_http_headers: self.env_http_headers,
            },
        };
        McpServerConfig {
            name: name.to_owned(),
            transport,
            enabled: self.enabled.unwrap_or(true),
            startup_timeout: self.startup_timeout_sec.map_or(DEFAULT_STARTUP_TIMEOUT, |s| s.0),
            tool_timeout: self.tool_timeout_sec.map_or(DEFAULT_TOOL_TIMEOUT, |s| s.0),
            enabled_tools: self.enabled_tools,
            disabled_tools: self.disabled_tools,
        }
    }
}

/// Keys only a stdio server may have, and only an HTTP server.
const STDIO_ONLY: &[&str] = &["args", "env", "env_vars", "cwd"];
const HTTP_ONLY: &[&str] = &["bearer_token_env_var", "http_headers", "env_http_headers"];

/// Checks every `[mcp_servers.NAME]` of `text`: a usable name, `command`
/// xor `url`, and no key of the other kind.
pub(crate) fn check(path: &Path, text: &str) -> Result<(), ConfigError> {
    let Ok(doc) = Document::parse(text) else {
        return Ok(());
    };
    let Some(servers) = doc.as_table().get("mcp_servers").and_then(|i| i.as_table_like()) else {
        return Ok(());
    };
    for (name, item) in servers.iter() {
        let Some(table) = item.as_table_like() else { continue };
        let at = |key: Option<&str>| {
            key.and_then(|k| table.get(k))
                .and_then(|i| i.span())
                .or_else(|| servers.key(name).and_then(toml_edit::Key::span))
                .map_or(0, |s| s.start)
        };
        let shown = clip(name, ECHO_LIMIT);
        let fail = |key: Option<&str>, message: String| Err(invalid(path, text, at(key), message));
        let good_name = !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
        if !good_name {
            return fail(
                None,
                format!(
                    "mcp_servers.\"{shown}\": a server name may hold only letters, digits, `_` and `-`, \
                     as it becomes part of its tools' names"
                ),
            );
        }
        let (command, url) = (table.contains_key("command"), table.contains_key("url"));
        match (command, url) {
            (true, true) => {
                return fail(
                    Some("url"),
                    format!(
                        "mcp_servers.{shown} sets both `command` (a stdio server) and `url` (an HTTP server); keep one"
                    ),
                );
            }
            (false, false) => {
                return fail(
                    None,
                    format!(
                        "mcp_servers.{shown} needs `command` (a server jig starts, speaking MCP on stdio) \
                         or `url` (a streamable HTTP server)"
                    ),
                );
            }
            _ => {}
        }
        let (wrong, kind) = if command {
            (HTTP_ONLY, "a stdio server (it has `command`)")
        } else {
            (STDIO_ONLY, "an HTTP server (it has `url`)")
        };
        if let Some(key) = wrong.iter().find(|k| table.contains_key(k)) {
            return fail(Some(key), format!("mcp_servers.{shown}.{key} does not apply to {kind}"));
        }
    }
    Ok(())
}
