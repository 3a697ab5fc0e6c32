//! `jig mcp serve`: jig as an MCP server whose tools run agent turns.

use crate::cli::McpServeArgs;

/// Serves until the client goes away.
pub async fn run(_args: McpServeArgs) -> anyhow::Result<u8> {
    anyhow::bail!("jig mcp serve is not built yet")
}
