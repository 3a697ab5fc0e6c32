//! The `codex` and `codex-legacy` dialects (in progress).

use jig_tools::ToolRouter;

/// Tool paragraph of the system prompt for `codex`.
pub const INSTRUCTIONS: &str = "";
/// Tool paragraph of the system prompt for `codex-legacy`.
pub const LEGACY_INSTRUCTIONS: &str = "";

/// The `codex` tools.
pub fn router() -> ToolRouter {
    ToolRouter::builtin()
}

/// The `codex-legacy` tools.
pub fn legacy_router() -> ToolRouter {
    ToolRouter::builtin()
}
