//! MCP (the Model Context Protocol) for jig, over the official `rmcp` SDK.
//!
//! The MCP servers a user declares in config (`[mcp_servers.NAME]`)
//! become tools of a session, named `NAME__TOOL` and offered in the
//! session's dialect.
