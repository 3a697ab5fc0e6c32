//! jig as an Agent Client Protocol agent (`jig acp`): an editor (Zed, any
//! ACP client) starts jig over stdio and drives jig sessions through the
//! official `agent-client-protocol` crate.
