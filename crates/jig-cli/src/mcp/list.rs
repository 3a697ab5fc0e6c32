//! `jig mcp list`: the configured MCP servers, their status and tools.

use crate::cli::McpListArgs;

/// Prints the configured servers.
pub async fn run(_args: McpListArgs) -> anyhow::Result<u8> {
    anyhow::bail!("jig mcp list is not built yet")
}
