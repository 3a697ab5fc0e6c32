//! The `codex` and `codex-legacy` dialects: the tools Codex CLI offers
//! `gpt-5-codex`, mapped onto jig's implementations.
//!
//! `codex` is `exec_command` + `write_stdin` (long-running commands through
//! [`jig_tools::exec_session`]) and `update_plan`. It has no edit tool: the
//! model runs `apply_patch` through `exec_command` as a heredoc, and
//! [`heredoc`] recognises that so `jig_patch` applies it in process (no
//! `apply_patch` program is needed). Search is `rg` through `exec_command`
//! (jig's built-in `rg` when the machine has none). `codex-legacy` is the
//! older set: `shell` with an argv array, a freeform `apply_patch` with a
//! Lark grammar, and `update_plan`.
//!
//! Invariant: adapters only translate names, arguments and output text; the
//! work is done by `jig-tools` and `jig-patch`. The `multi_agent_v1` tools
//! (`spawn_agent`, `send_input`, `wait_agent`, `resume_agent`,
//! `close_agent`; see [`agents`]) are offered in `codex` only: the older
//! models `codex-legacy` serves were not trained on them, nor on
//! `request_user_input` ([`ask`]), which `codex` offers, nor on
//! `view_image` (`jig_tools::view_image`, which `codex` offers and
//! `crate::router_for` fits to the model). Not offered yet: `web_search`. The goal tools (`get_goal`,
//! `create_goal`, `update_goal`) are offered as Codex names them. `sandbox_permissions:
//! "require_escalated"` with a `justification` is an escalation request the
//! guard asks a person about; `prefix_rule` is accepted and ignored (rules
//! come from `.jig/rules.toml`). `tty: true` gives the command a stdin pipe
//! that `write_stdin` types into (no pty is allocated); without it stdin is
//! closed, as in Codex, so `rg PATTERN` with no path never waits on input.

pub mod agents;
mod ask;
mod exec;
pub mod heredoc;
mod legacy;

use std::sync::Arc;

use jig_tools::ToolRouter;
use jig_tools::exec_session::ExecSessions;
use jig_tools::plan::UpdatePlanTool;

pub use agents::{CloseAgentTool, ResumeAgentTool, SendInputTool, SpawnAgentTool, WaitAgentTool};
pub use ask::RequestUserInputTool;
pub use exec::{ExecCommandTool, WriteStdinTool};
pub use legacy::{APPLY_PATCH_GRAMMAR, LegacyApplyPatchTool, LegacyShellTool};

/// Tool paragraph of the system prompt for `codex`.
pub const INSTRUCTIONS: &str = "Run commands with `exec_command`; a command still running after its yield time \
keeps a session id, so read more output or type input with `write_stdin`. Search with `rg` (e.g. `rg -n pattern`, \
`rg --files`). Edit files by running `apply_patch` through `exec_command` with the patch in a heredoc: \
apply_patch <<'EOF' then *** Begin Patch ... *** End Patch then EOF. Keep a plan with `update_plan`. \
When the user asks for sub-agents or parallel work, hand self-contained tasks to `spawn_agent` and collect \
results with `wait_agent`.";

/// Tool paragraph of the system prompt for `codex-legacy`.
pub const LEGACY_INSTRUCTIONS: &str = "Run commands with `shell`, passing the command as an argv array \
(use [\"bash\", \"-lc\", \"...\"] for pipes and redirects). Search with `rg` (e.g. `rg -n pattern`, `rg --files`). \
Edit files with the `apply_patch` tool (*** Begin Patch ... *** End Patch). Keep a plan with `update_plan`.";

/// The `codex` tools; each router owns its exec sessions, which die with it.
pub fn router() -> ToolRouter {
    let sessions = ExecSessions::new();
    let mut router = ToolRouter::new();
    router.register(Arc::new(ExecCommandTool::new(sessions.clone())));
    router.register(Arc::new(WriteStdinTool::new(sessions)));
    router.register(Arc::new(UpdatePlanTool));
    // The sub-agent tools come before the goal tools, as Codex orders them.
    router.register(Arc::new(SpawnAgentTool));
    router.register(Arc::new(SendInputTool));
    router.register(Arc::new(WaitAgentTool));
    router.register(Arc::new(ResumeAgentTool));
    router.register(Arc::new(CloseAgentTool));
    router.register(Arc::new(RequestUserInputTool));
    router.register(Arc::new(jig_tools::view_image::ViewImageTool::default()));
    router.register(Arc::new(jig_tools::goal::GetGoalTool));
    router.register(Arc::new(jig_tools::goal::CreateGoalTool));
    router.register(Arc::new(jig_tools::goal::UpdateGoalTool));
    router
}

/// The `codex-legacy` tools.
pub fn legacy_router() -> ToolRouter {
    let mut router = ToolRouter::new();
    router.register(Arc::new(LegacyShellTool::default()));
    router.register(Arc::new(LegacyApplyPatchTool));
    router.register(Arc::new(UpdatePlanTool));
    router
}
