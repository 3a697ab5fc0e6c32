//! `create_tool`: the model proposes a tool it lacks — name, description,
//! the JSON Schema of its arguments, the command that implements it and the
//! files it needs (a script) — and a person approves it once, seeing the
//! code. Approved, it is written to `.jig/tools/NAME/` in the project
//! ([`crate::project_tools`]), its content hash joins the user's approval
//! list, and the session offers it from the next model request
//! ([`ToolEffect::ToolCreated`]); later sessions in the project load it.
//!
//! The approval is a question through the tool host (the same path as
//! `request_user_input`), so every front-end that can ask a person can
//! approve a tool: the terminal UI, `jig exec` on a terminal, `--json`
//! input ops, ACP permission requests, MCP elicitation. With nobody to ask
//! nothing is written and the model is told so.
//!
//! Invariants: nothing is written before the approval; a proposal is checked
//! whole first (name, schema, command, file paths) and refused with what to
//! fix; the files are laid out in a temporary directory and renamed into
//! place, so a tool directory is never half-written.

use std::collections::BTreeMap;
use std::path::{Component, Path, PathBuf};

use jig_protocol::{HostAnswer, HostRequest, Question, QuestionOption, ToolFormat, ToolSpec};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::project_tools::{Approvals, TOOL_FILE, TOOLS_DIR, ToolDecl, content_hash, decl_problem};
use crate::{Tool, ToolContext, ToolEffect, ToolError, ToolResult};

/// Most files a proposal may carry.
const MAX_FILES: usize = 16;

/// Most bytes of all the files of a proposal.
const MAX_BYTES: usize = 256 * 1024;

/// The label that approves.
const APPROVE: &str = "Approve";

/// The tool.
#[derive(Debug, Clone)]
pub struct CreateToolTool {
    /// The project's root: tools go in its `.jig/tools/`.
    root: PathBuf,
    /// Names the session already offers, which a new tool may not take.
    taken: Vec<String>,
    approvals: Approvals,
}

impl CreateToolTool {
    /// Creates tools under `root/.jig/tools/`, refusing the names in `taken`,
    /// recording approvals in `approvals`.
    pub fn new(root: PathBuf, taken: Vec<String>, approvals: Approvals) -> Self {
        CreateToolTool { root, taken, approvals }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Args {
    name: String,
    description: String,
    parameters: Value,
    command: String,
    #[serde(default)]
    files: BTreeMap<String, String>,
}

/// What is wrong with a file's relative path, if anything.
fn path_problem(path: &str) -> Option<String> {
    let p = Path::new(path);
    if path.is_empty() || p.is_absolute() || p.components().any(|c| !matches!(c, Component::Normal(_))) {
        return Some(format!(
            "file `{path}` must be a relative path inside the tool's directory (no `..`, no leading `/`)"
        ));
    }
    (path == TOOL_FILE)
        .then(|| format!("`{TOOL_FILE}` is written by jig from the other arguments; name the script otherwise"))
}

impl CreateToolTool {
    fn check(&self, args: &Args) -> Result<ToolDecl, ToolError> {
        let decl = ToolDecl {
            name: args.name.clone(),
            description: args.description.clone(),
            parameters: args.parameters.clone(),
            command: args.command.clone(),
        };
        let refuse = |problem: String| {
            ToolError::RespondToModel(format!(
                "create_tool: {problem}; fix the proposal and call create_tool again"
            ))
        };
        if let Some(problem) = decl_problem(&decl) {
            return Err(refuse(problem));
        }
        if self.taken.iter().any(|t| t == &decl.name) {
            return Err(refuse(format!(
                "`{}` is already a tool of this session; choose another name",
                decl.name
            )));
        }
        if args.files.len() > MAX_FILES {
            return Err(refuse(format!("at most {MAX_FILES} files")));
        }
        if args.files.values().map(String::len).sum::<usize>() > MAX_BYTES {
            return Err(refuse(format!("the files come to more than {} KiB", MAX_BYTES / 1024)));
        }
        if let Some(problem) = args.files.keys().find_map(|path| path_problem(path)) {
            return Err(refuse(problem));
        }
        Ok(decl)
    }

    /// The question a person answers: the whole proposal, code included.
    fn question(decl: &ToolDecl, files: &BTreeMap<String, String>, dir: &Path) -> HostRequest {
        let mut text = format!(
            "The agent wants to add a tool to this project, in {}.\n\nName: {}\nWhat it does: {}\nArguments: {}\nCommand (runs in the sandbox like any command): {}\n",
            dir.display(),
            decl.name,
            decl.description.trim(),
            decl.parameters,
            decl.command
        );
        for (path, content) in files {
            text.push_str(&format!("\n--- {path} ---\n{}\n", content.trim_end()));
        }
        text.push_str("\nApprove it? It will be offered to the agent in this and later sessions in this project.");
        HostRequest::Questions {
            questions: vec![Question {
                id: "approve".into(),
                header: "New tool".into(),
                question: text,
                options: vec![
                    QuestionOption {
                        label: APPROVE.into(),
                        description: "write it to the project and offer it from the next request".into(),
                    },
                    QuestionOption {
                        label: "Deny".into(),
                        description: "write nothing; the agent does the work another way".into(),
                    },
                ],
                multi_select: false,
            }],
        }
    }

    /// Lays the tool out in a temporary directory, then renames it into
    /// place (replacing an earlier version).
    fn write(&self, decl: &ToolDecl, files: &BTreeMap<String, String>) -> std::io::Result<PathBuf> {
        let tools = self.root.join(TOOLS_DIR);
        std::fs::create_dir_all(&tools)?;
        let dir = tools.join(&decl.name);
        let temp = tools.join(format!(".{}.tmp-{}", decl.name, std::process::id()));
        if temp.exists() {
            std::fs::remove_dir_all(&temp)?;
        }
        std::fs::create_dir_all(&temp)?;
        for (path, content) in files {
            let target = temp.join(path);
            if let Some(parent) = target.parent() {
                std::fs::create_dir_all(parent)?;
            }
            std::fs::write(&target, content)?;
        }
        std::fs::write(
            temp.join(TOOL_FILE),
            serde_json::to_vec_pretty(decl).map_err(std::io::Error::other)?,
        )?;
        if dir.exists() {
            std::fs::remove_dir_all(&dir)?;
        }
        std::fs::rename(&temp, &dir)?;
        Ok(dir)
    }
}

#[async_trait::async_trait]
impl Tool for CreateToolTool {
    fn spec(&self) -> ToolSpec {
        ToolSpec {
            namespace: None,
            format: ToolFormat::Function,
            name: "create_tool".into(),
            description: "Propose a new tool for this project when you keep needing something no tool does well \
(a project-specific check, a data query, a generator). A person approves it once, seeing its code; then it is \
offered to you from your next request, like any tool, in this and later sessions. It runs `command` with bash in \
the workspace, in the sandbox, with the arguments as JSON in $JIG_TOOL_ARGS and its directory in $JIG_TOOL_DIR \
(put scripts in `files` and run them as `python3 \"$JIG_TOOL_DIR/run.py\"`). Its output is what it prints."
                .into(),
            parameters: json!({
                "type": "object",
                "properties": {
                    "name": {"type": "string", "description": "The tool's name: a letter, then letters, digits, _ or - (at most 64)."},
                    "description": {"type": "string", "description": "What it does and when to use it, for yourself later."},
                    "parameters": {"type": "object", "description": "JSON Schema of its arguments: {\"type\":\"object\",\"properties\":{NAME:{\"type\":…,\"description\":…}},\"required\":[…]}."},
                    "command": {"type": "string", "description": "The bash command that implements it."},
                    "files": {
                        "type": "object",
                        "additionalProperties": {"type": "string"},
                        "description": "Files to put in the tool's directory: relative path → content (e.g. {\"run.py\": \"…\"})."
                    }
                },
                "required": ["name", "description", "parameters", "command"],
                "additionalProperties": false
            }),
        }
    }

    fn is_mutating(&self) -> bool {
        // It writes to the project, and waits for a person.
        true
    }

    async fn run(&self, ctx: &ToolContext, args: Value) -> Result<ToolResult, ToolError> {
        let args: Args = crate::parse_args("create_tool", args)?;
        let decl = self.check(&args)?;
        let Some(host) = &ctx.host else {
            return Ok(ToolResult::error(format!(
                "No tool was created: nobody can approve a new tool in this session. Do the work with the tools you \
                 have; a person can add `{}` later.",
                decl.name
            )));
        };
        let dir = self.root.join(TOOLS_DIR).join(&decl.name);
        let answer = host.ask(Self::question(&decl, &args.files, &dir)).await?;
        let chosen = match &answer {
            HostAnswer::Answers { answers } => answers.get("approve").and_then(|a| a.first()).cloned(),
            HostAnswer::Text { text } => Some(text.clone()),
            HostAnswer::Form { .. } | HostAnswer::Declined => None,
        };
        match chosen {
            Some(choice) if choice.trim().eq_ignore_ascii_case(APPROVE) => {}
            Some(words) => {
                return Ok(ToolResult::error(format!(
                    "The user did not approve the tool `{}` and said: {words}. Nothing was written; do the work \
                     another way.",
                    decl.name
                )));
            }
            None => {
                return Ok(ToolResult::error(format!(
                    "The user did not approve the tool `{}`. Nothing was written; do the work another way.",
                    decl.name
                )));
            }
        }
        let written = self.write(&decl, &args.files).and_then(|dir| {
            content_hash(&dir)
                .and_then(|hash| self.approvals.approve(&hash))
                .map(|()| dir)
        });
        let dir = written.map_err(|e| {
            ToolError::RespondToModel(format!(
                "the tool `{}` was approved but could not be written to {}: {e}",
                decl.name,
                dir.display()
            ))
        })?;
        Ok(ToolResult {
            output: format!(
                "Created the tool `{}` in {}. It is offered from your next request; call it like any tool.",
                decl.name,
                dir.display()
            ),
            status: jig_protocol::ToolStatus::Ok,
            effect: Some(ToolEffect::ToolCreated { dir }),
        })
    }
}
