//! `Skill`: Claude Code's skill tool, `{skill*, args?}`, over
//! [`jig_tools::skills::SkillTool`].
//!
//! Claude Code answers with the skill's instructions and its folder; so does
//! this adapter (the instructions are the tool result rather than a
//! separate message, which keeps the request prefix append-only). `skill`
//! may carry Claude Code's leading `/`. Offered only when the session has
//! skills; this adapter loads, it never runs a skill's scripts (`Bash` does).

use std::sync::Arc;

use jig_protocol::{ToolFormat, ToolSpec};
use jig_tools::skills::{SkillSet, SkillTool as LoadSkill};
use jig_tools::{Tool, ToolContext, ToolError, ToolResult, parse_args};
use serde::Deserialize;
use serde_json::json;

/// Claude Code's `Skill`.
#[derive(Debug, Clone)]
pub struct SkillTool {
    inner: LoadSkill,
}

impl SkillTool {
    /// A `Skill` tool over the session's `skills`.
    pub fn new(skills: Arc<SkillSet>) -> Self {
        SkillTool {
            inner: LoadSkill::new(skills),
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SkillArgs {
    skill: String,
    args: Option<String>,
}

#[async_trait::async_trait]
impl Tool for SkillTool {
    fn spec(&self) -> ToolSpec {
        ToolSpec {
            namespace: None,
            format: ToolFormat::Function,
            name: "Skill".into(),
            description: "Load a skill: its full instructions and the files beside them. The skills available \
are listed in the system prompt with what each is for; when a task matches one, call this before you start \
and follow what it says, running its scripts with Bash."
                .into(),
            parameters: json!({
                "type": "object",
                "properties": {
                    "skill": {"type": "string", "description": "The skill's name, as listed (e.g. \"pdf\")."},
                    "args": {"type": "string", "description": "Optional arguments for the skill."}
                },
                "required": ["skill"],
                "additionalProperties": false
            }),
        }
    }

    fn is_mutating(&self) -> bool {
        false
    }

    async fn run(&self, _ctx: &ToolContext, args: serde_json::Value) -> Result<ToolResult, ToolError> {
        let args: SkillArgs = parse_args("Skill", args)?;
        self.inner.load(&args.skill, args.args.as_deref()).map(ToolResult::ok)
    }
}
