//! The MCP servers a client passes in `session/new` / `session/load`, as
//! jig's own server settings.
//!
//! ACP's stdio servers become jig stdio servers (the environment the client
//! gives, nothing else of jig's), HTTP servers become streamable HTTP
//! servers with the client's headers. jig has no SSE transport (and does
//! not advertise one), so an SSE server is left out with a note, never
//! silently.

use std::collections::BTreeMap;

use agent_client_protocol::v1::schema::McpServer;
use jig_config::{McpServerConfig, McpTransport};

/// jig's settings for `servers`, and a note for each one left out.
pub fn servers(servers: &[McpServer]) -> (Vec<McpServerConfig>, Vec<String>) {
    let mut configs = Vec::new();
    let mut left_out = Vec::new();
    for server in servers {
        match server {
            McpServer::Stdio(stdio) => configs.push(McpServerConfig::new(
                stdio.name.clone(),
                McpTransport::Stdio {
                    command: stdio.command.display().to_string(),
                    args: stdio.args.clone(),
                    env: stdio.env.iter().map(|v| (v.name.clone(), v.value.clone())).collect(),
                    env_vars: Vec::new(),
                    cwd: None,
                },
            )),
            McpServer::Http(http) => configs.push(McpServerConfig::new(
                http.name.clone(),
                McpTransport::Http {
                    url: http.url.clone(),
                    bearer_token_env_var: None,
                    http_headers: http.headers.iter().map(|h| (h.name.clone(), h.value.clone())).collect(),
                    env_http_headers: BTreeMap::new(),
                },
            )),
            McpServer::Sse(sse) => left_out.push(format!(
                "MCP server {} left out: jig speaks stdio and streamable HTTP, not SSE",
                sse.name
            )),
            _ => left_out.push("an MCP server of a transport jig does not know was left out".to_string()),
        }
    }
    (configs, left_out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use agent_client_protocol::v1::schema::{EnvVariable, HttpHeader, McpServerHttp, McpServerSse, McpServerStdio};

    #[test]
    fn stdio_and_http_servers_become_jig_servers_and_sse_is_named() {
        let given = vec![
            McpServer::Stdio(
                McpServerStdio::new("files", "/usr/bin/mcp-files")
                    .args(vec!["--root".into(), "/w".into()])
                    .env(vec![EnvVariable::new("TOKEN", "t")]),
            ),
            McpServer::Http(
                McpServerHttp::new("docs", "http://127.0.0.1:9/mcp").headers(vec![HttpHeader::new("X-Key", "k")]),
            ),
            McpServer::Sse(McpServerSse::new("old", "http://127.0.0.1:9/sse")),
        ];
        let (configs, notes) = servers(&given);
        assert_eq!(configs.len(), 2);
        assert_eq!(configs[0].name, "files");
        let McpTransport::Stdio { command, args, env, .. } = &configs[0].transport else {
            panic!("expected stdio: {:?}", configs[0]);
        };
        assert_eq!((command.as_str(), args.len()), ("/usr/bin/mcp-files", 2));
        assert_eq!(env.get("TOKEN").map(String::as_str), Some("t"));
        let McpTransport::Http { url, http_headers, .. } = &configs[1].transport else {
            panic!("expected http: {:?}", configs[1]);
        };
        assert_eq!(url, "http://127.0.0.1:9/mcp");
        assert_eq!(http_headers.get("X-Key").map(String::as_str), Some("k"));
        assert_eq!(notes.len(), 1);
        assert!(notes[0].contains("old"), "{notes:?}");
    }
}
