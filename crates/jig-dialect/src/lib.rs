//! Tool dialects: each model family sees the tools it was trained on — the
//! same names, parameter names, types, required fields and output layout as
//! the vendor's own agent sends today (see `shared/reference/dialects.md`).
//!
//! Invariant: one implementation per tool. A dialect is a [`ToolRouter`]
//! of thin adapter tools that map a family's names, argument shapes,
//! descriptions and output text onto the implementations in `jig-tools`; an
//! adapter never re-implements what a tool does. Tools that later issues add
//! (sub-agents, goals, user questions) get their dialect names here too.

#![deny(missing_docs)]

pub mod claude;
pub mod codex;
pub mod profiles;
pub mod skills;

pub use jig_config::Dialect;
use jig_tools::ToolRouter;

/// The sub-agent tools' names in every dialect (generic, codex, claude),
/// for a profile that offers none ([`profiles::Profile::sub_agents`]).
pub const SUB_AGENT_TOOLS: &[&str] = &[
    "spawn_agent",
    "wait_agents",
    "list_agents",
    "message_agent",
    "cancel_agent",
    "send_input",
    "wait_agent",
    "resume_agent",
    "close_agent",
    "Agent",
];

/// The tools a dialect offers, ready for a session.
pub fn router(dialect: Dialect) -> ToolRouter {
    match dialect {
        Dialect::Generic => ToolRouter::builtin(),
        Dialect::Codex => codex::router(),
        Dialect::CodexLegacy => codex::legacy_router(),
        Dialect::Claude => claude::router(),
    }
}

/// The tools a dialect offers to a model that takes `images`: [`router`]
/// with its image tool (`view_image`, or `claude`'s `Read`) fitted to the
/// model, in the same place; `codex-legacy` has none.
pub fn router_for(dialect: Dialect, images: jig_tools::images::ImageInput) -> ToolRouter {
    let mut router = router(dialect);
    match dialect {
        Dialect::Generic | Dialect::Codex => {
            router.register(std::sync::Arc::new(jig_tools::view_image::ViewImageTool::new(images)))
        }
        Dialect::Claude => router.register(std::sync::Arc::new(claude::ReadTool::new(images))),
        Dialect::CodexLegacy => {}
    }
    router
}

/// The paragraph of the system prompt that tells the model how to work with
/// this dialect's tools (the rest of the prompt is the profile's).
pub fn tool_instructions(dialect: Dialect) -> &'static str {
    match dialect {
        Dialect::Generic => GENERIC_INSTRUCTIONS,
        Dialect::Codex => codex::INSTRUCTIONS,
        Dialect::CodexLegacy => codex::LEGACY_INSTRUCTIONS,
        Dialect::Claude => claude::INSTRUCTIONS,
    }
}

const GENERIC_INSTRUCTIONS: &str = "Search with `search`, read with `read_file`, explore with `list_dir`, \
run commands with `shell`, edit files with `apply_patch`, and keep a plan with `update_plan`. \
Hand self-contained side tasks to sub-agents with `spawn_agent` and collect their answers with `wait_agents`.";
