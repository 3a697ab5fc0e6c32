//! The `claude` dialect (in progress).

use jig_tools::ToolRouter;

/// Tool paragraph of the system prompt for `claude`.
pub const INSTRUCTIONS: &str = "";

/// The `claude` tools.
pub fn router() -> ToolRouter {
    ToolRouter::builtin()
}
