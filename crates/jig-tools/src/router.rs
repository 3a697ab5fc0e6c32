//! The [`ToolRouter`]: one place where a model's tool call becomes a tool run.
//!
//! Invariant: nothing the model sends can make dispatch panic or end the
//! turn by itself. Unknown tool names, arguments that are not JSON, and
//! arguments that do not fit the schema all come back as
//! [`ToolError::RespondToModel`] so the model can correct itself. Only a
//! tool's own [`ToolError::Fatal`] escapes as a fault.

use std::collections::HashMap;
use std::sync::Arc;

use jig_protocol::{ToolCall, ToolFormat, ToolSpec};

use crate::{Tool, ToolContext, ToolError, ToolResult};

/// A set of tools, addressed by the name in their spec, or by an alias:
/// an old name that still dispatches to a tool but is not offered (Claude
/// Code's `Task` for `Agent`).
#[derive(Clone, Default)]
pub struct ToolRouter {
    tools: Vec<Arc<dyn Tool>>,
    specs: Vec<ToolSpec>,
    by_name: HashMap<String, usize>,
    aliases: HashMap<String, String>,
}

impl ToolRouter {
    /// An empty router.
    pub fn new() -> Self {
        Self::default()
    }

    /// The built-in tools under their `generic` names: `shell`, `search`,
    /// `read_file`, `list_dir`, `view_image` (text-only until the session
    /// says its model sees images), `apply_patch`, `update_plan`, `ask_user`, the goal
    /// tools `create_goal`, `get_goal`, `update_goal`, and the sub-agent
    /// tools `spawn_agent`, `wait_agents`, `list_agents`, `message_agent`,
    /// `cancel_agent`.
    pub fn builtin() -> Self {
        let mut router = Self::new();
        router.register(Arc::new(crate::shell::ShellTool::default()));
        router.register(Arc::new(crate::search::SearchTool));
        router.register(Arc::new(crate::read_file::ReadFileTool));
        router.register(Arc::new(crate::list_dir::ListDirTool));
        router.register(Arc::new(crate::view_image::ViewImageTool::default()));
        router.register(Arc::new(crate::apply_patch::ApplyPatchTool));
        router.register(Arc::new(crate::plan::UpdatePlanTool));
        router.register(Arc::new(crate::ask::AskUserTool));
        router.register(Arc::new(crate::goal::CreateGoalTool));
        router.register(Arc::new(crate::goal::GetGoalTool));
        router.register(Arc::new(crate::goal::UpdateGoalTool));
        router.register(Arc::new(crate::agents::SpawnAgentTool));
        router.register(Arc::new(crate::agents::WaitAgentsTool));
        router.register(Arc::new(crate::agents::ListAgentsTool));
        router.register(Arc::new(crate::agents::MessageAgentTool));
        router.register(Arc::new(crate::agents::CancelAgentTool));
        router
    }

    /// Adds a tool; a tool with the same name replaces the earlier one.
    pub fn register(&mut self, tool: Arc<dyn Tool>) {
        let spec = tool.spec();
        match self.by_name.get(&spec.name) {
            Some(&index) => {
                self.tools[index] = tool;
                self.specs[index] = spec;
            }
            None => {
                self.by_name.insert(spec.name.clone(), self.tools.len());
                self.tools.push(tool);
                self.specs.push(spec);
            }
        }
    }

    /// Keeps only the tools `keep` says yes to (by name), in their order;
    /// aliases of removed tools go with them.
    pub fn retain(&mut self, keep: impl Fn(&str) -> bool) {
        let kept: Vec<(Arc<dyn Tool>, ToolSpec)> = self
            .tools
            .drain(..)
            .zip(self.specs.drain(..))
            .filter(|(_, spec)| keep(&spec.name))
            .collect();
        self.by_name.clear();
        for (tool, spec) in kept {
            self.by_name.insert(spec.name.clone(), self.tools.len());
            self.tools.push(tool);
            self.specs.push(spec);
        }
        let by_name = &self.by_name;
        self.aliases.retain(|_, target| by_name.contains_key(target));
    }

    /// Makes calls named `alias` dispatch to the tool named `target`
    /// without offering `alias` in [`ToolRouter::specs`]. A registered tool
    /// of the same name wins over an alias.
    pub fn alias(&mut self, alias: impl Into<String>, target: impl Into<String>) {
        self.aliases.insert(alias.into(), target.into());
    }

    /// Specs of every tool, in registration order (stable, so request
    /// prefixes stay byte-identical between turns).
    pub fn specs(&self) -> Vec<ToolSpec> {
        self.specs.clone()
    }

    /// Whether a call to `name` may change state. Unknown names count as
    /// read-only: dispatch answers them with an error without running anything.
    pub fn is_mutating(&self, name: &str) -> bool {
        self.tool(name).is_some_and(|tool| tool.is_mutating())
    }

    fn tool(&self, name: &str) -> Option<&Arc<dyn Tool>> {
        self.index(name).map(|index| &self.tools[index])
    }

    /// The tool a call named `name` reaches: by its own name, else by alias.
    fn index(&self, name: &str) -> Option<usize> {
        self.by_name
            .get(name)
            .or_else(|| self.aliases.get(name).and_then(|target| self.by_name.get(target)))
            .copied()
    }

    /// The command `call` would run, if its tool runs one.
    pub fn preview(&self, call: &ToolCall) -> Option<crate::CommandPreview> {
        let index = self.index(&call.name)?;
        let args = match self.specs[index].format {
            ToolFormat::Function => parse_arguments(&call.name, &call.arguments).ok()?,
            ToolFormat::Freeform { .. } => freeform_input(&call.arguments),
        };
        self.tools[index].preview(&args)
    }

    /// What a person approves before `call`, when its tool acts outside the
    /// sandbox (see [`crate::Tool::outside_action`]); unreadable arguments
    /// are shown as they came.
    pub fn outside_action(&self, call: &ToolCall) -> Option<String> {
        let index = self.index(&call.name)?;
        let args = parse_arguments(&call.name, &call.arguments)
            .unwrap_or_else(|_| serde_json::Value::String(call.arguments.clone()));
        self.tools[index].outside_action(&args)
    }

    /// The files `call` may write (see [`crate::Tool::writes`]), absolute or
    /// relative to `cwd`; empty for unknown tools and unreadable arguments.
    pub fn writes(&self, cwd: &std::path::Path, call: &ToolCall) -> Vec<std::path::PathBuf> {
        let Some(index) = self.index(&call.name) else {
            return Vec::new();
        };
        let args = match self.specs[index].format {
            ToolFormat::Function => match parse_arguments(&call.name, &call.arguments) {
                Ok(args) => args,
                Err(_) => return Vec::new(),
            },
            ToolFormat::Freeform { .. } => freeform_input(&call.arguments),
        };
        self.tools[index].writes(cwd, &args)
    }

    /// Runs one tool call. A freeform tool receives its raw input as a JSON
    /// string (also when a provider wrapped it as `{"input": "..."}`).
    pub async fn dispatch(&self, ctx: &ToolContext, call: &ToolCall) -> Result<ToolResult, ToolError> {
        let Some(index) = self.index(&call.name) else {
            let names: Vec<&str> = self.specs.iter().map(|s| s.name.as_str()).collect();
            return Err(ToolError::RespondToModel(format!(
                "unknown tool `{}`; available tools: {}",
                call.name,
                names.join(", ")
            )));
        };
        let args = match self.specs[index].format {
            ToolFormat::Function => parse_arguments(&call.name, &call.arguments)?,
            ToolFormat::Freeform { .. } => freeform_input(&call.arguments),
        };
        self.tools[index].run(ctx, args).await
    }
}

/// The raw text of a freeform call, unwrapping `{"input": "..."}`.
fn freeform_input(raw: &str) -> serde_json::Value {
    match serde_json::from_str::<serde_json::Value>(raw) {
        Ok(serde_json::Value::Object(mut map)) if map.len() == 1 && map.get("input").is_some_and(|v| v.is_string()) => {
            map.remove("input").unwrap_or_default()
        }
        _ => serde_json::Value::String(raw.to_string()),
    }
}

/// Parses raw argument text into a JSON object; empty text means `{}`.
fn parse_arguments(tool: &str, raw: &str) -> Result<serde_json::Value, ToolError> {
    if raw.trim().is_empty() {
        return Ok(serde_json::Value::Object(Default::default()));
    }
    match serde_json::from_str::<serde_json::Value>(raw) {
        Ok(value @ serde_json::Value::Object(_)) => Ok(value),
        Ok(_) => Err(ToolError::RespondToModel(format!(
            "arguments for `{tool}` must be a JSON object; send an object matching the tool's schema"
        ))),
        Err(err) => Err(ToolError::RespondToModel(format!(
            "malformed JSON arguments for `{tool}`: {err}; send one JSON object matching the tool's schema"
        ))),
    }
}
