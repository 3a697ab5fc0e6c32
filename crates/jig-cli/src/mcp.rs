//! `jig mcp`: the MCP servers sessions use (`list`) and jig served as MCP
//! tools (`serve`).

pub mod list;
pub mod serve;
