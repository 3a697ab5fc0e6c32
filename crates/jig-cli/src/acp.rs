//! `jig acp`: jig as an Agent Client Protocol agent on stdio (see `jig-acp`).

use crate::cli::AcpArgs;

/// Serves ACP on stdin/stdout until the client closes it.
pub async fn run(_args: AcpArgs) -> anyhow::Result<u8> {
    anyhow::bail!("jig acp is not built yet")
}
