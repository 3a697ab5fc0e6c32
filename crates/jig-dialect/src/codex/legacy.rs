//! The `codex-legacy` faces: `shell` with an argv array over
//! [`run_command`], and the freeform `apply_patch` over
//! [`ApplyPatchTool`].

use std::time::Duration;

use jig_protocol::{ToolFormat, ToolSpec, ToolStatus};
use jig_tools::apply_patch::ApplyPatchTool;
use jig_tools::shell::{
    CommandEnding, CommandLine, CommandSpec, DEFAULT_TIMEOUT_MS, MAX_TIMEOUT_MS, resolve_workdir, run_command,
};
use jig_tools::{Tool, ToolContext, ToolError, ToolResult, parse_args};
use serde::Deserialize;
use serde_json::json;

/// Codex's legacy `shell`: argv array, plain-text result.
#[derive(Debug, Clone)]
pub struct LegacyShellTool {
    /// Bytes kept of each of stdout and stderr.
    pub max_output_bytes: usize,
}

impl Default for LegacyShellTool {
    fn default() -> Self {
        LegacyShellTool {
            max_output_bytes: 16 * 1024,
        }
    }
}

#[derive(Debug, Deserialize)]
struct ShellArgs {
    command: Vec<String>,
    workdir: Option<String>,
    timeout_ms: Option<f64>,
}

const SHELL_DESCRIPTION: &str = "Run a program and return its exit code, wall time and output (stdout, then stderr). \
`command` is an argv array executed without a shell; use [\"bash\", \"-lc\", \"...\"] for pipes and redirects. \
Runs in `workdir` (default: the workspace root) with stdin closed, and is killed after `timeout_ms` (default 120000).";

#[async_trait::async_trait]
impl Tool for LegacyShellTool {
    fn spec(&self) -> ToolSpec {
        ToolSpec {
            namespace: None,
            format: ToolFormat::Function,
            name: "shell".into(),
            description: SHELL_DESCRIPTION.into(),
            parameters: json!({
                "type": "object",
                "properties": {
                    "command": {
                        "type": "array",
                        "items": { "type": "string" },
                        "description": "The program and its arguments."
                    },
                    "workdir": { "type": "string", "description": "Directory to run in; default the workspace root." },
                    "timeout_ms": { "type": "number", "description": "Kill the command after this many milliseconds." }
                },
                "required": ["command"],
                "additionalProperties": false
            }),
        }
    }

    fn is_mutating(&self) -> bool {
        true
    }

    fn preview(&self, args: &serde_json::Value) -> Option<jig_tools::CommandPreview> {
        let args: ShellArgs = serde_json::from_value(args.clone()).ok()?;
        Some(jig_tools::CommandPreview {
            command: jig_tools::shell::CommandLine::Argv(args.command),
            escalation: None,
        })
    }

    async fn run(&self, ctx: &ToolContext, args: serde_json::Value) -> Result<ToolResult, ToolError> {
        let args: ShellArgs = parse_args("shell", args)?;
        let timeout_ms = match args.timeout_ms {
            Some(ms) if ms.is_finite() && ms >= 1.0 => (ms as u64).min(MAX_TIMEOUT_MS),
            _ => DEFAULT_TIMEOUT_MS,
        };
        let spec = CommandSpec {
            command: CommandLine::Argv(args.command),
            workdir: resolve_workdir(&ctx.cwd, args.workdir.as_deref())?,
            env: Default::default(),
            timeout: Duration::from_millis(timeout_ms),
            max_output_bytes: self.max_output_bytes,
        };
        let outcome = run_command(ctx, &spec).await?;
        let (code, note) = match &outcome.ending {
            CommandEnding::Exited { code: Some(code), .. } => (code.to_string(), String::new()),
            ending @ CommandEnding::Exited { code: None, .. } => (ending.describe(), String::new()),
            CommandEnding::TimedOut => (
                "124".to_string(),
                format!("command timed out after {timeout_ms} milliseconds\n"),
            ),
        };
        let status = match outcome.ending {
            CommandEnding::Exited { code: Some(0), .. } => ToolStatus::Ok,
            _ => ToolStatus::Error,
        };
        Ok(ToolResult {
            output: format!(
                "Exit code: {code}\nWall time: {:.1} seconds\nOutput:\n{note}{}{}",
                outcome.wall.as_secs_f64(),
                outcome.stdout,
                outcome.stderr
            ),
            status,
            effect: None,
        })
    }
}

/// Codex's freeform `apply_patch`: the raw patch text, constrained by
/// [`APPLY_PATCH_GRAMMAR`].
#[derive(Debug, Clone, Copy, Default)]
pub struct LegacyApplyPatchTool;

/// The patch format as a Lark grammar, for providers that constrain
/// freeform tool input.
pub const APPLY_PATCH_GRAMMAR: &str = r#"start: begin_patch hunk+ end_patch
begin_patch: "*** Begin Patch" LF
end_patch: "*** End Patch" LF?

hunk: add_file | delete_file | update_file
add_file: "*** Add File: " path LF add_line*
delete_file: "*** Delete File: " path LF
update_file: "*** Update File: " path LF move_to? change*
move_to: "*** Move to: " path LF

path: /[^\r\n]+/
add_line: "+" /[^\r\n]*/ LF
change: change_context | change_line | eof_line
change_context: "@@" (" " /[^\r\n]*/)? LF
change_line: /[ +-]/ /[^\r\n]*/ LF
eof_line: "*** End of File" LF

%import common.LF
"#;

const APPLY_PATCH_DESCRIPTION: &str = "Edit files with a patch: the raw patch text, from `*** Begin Patch` to \
`*** End Patch`. One section per file: `*** Add File: PATH` then `+` lines; `*** Delete File: PATH`; or \
`*** Update File: PATH` (optionally `*** Move to: NEW_PATH`) then changes, each starting with `@@` or `@@ ANCHOR` \
(a nearby line such as a function signature) and listing context lines with a leading space, removed lines \
with `-` and added lines with `+`. Paths are relative to the workspace. All files apply or none do.";

#[async_trait::async_trait]
impl Tool for LegacyApplyPatchTool {
    fn spec(&self) -> ToolSpec {
        ToolSpec {
            namespace: None,
            format: ToolFormat::Freeform {
                syntax: "lark".into(),
                definition: APPLY_PATCH_GRAMMAR.into(),
            },
            name: "apply_patch".into(),
            description: APPLY_PATCH_DESCRIPTION.into(),
            parameters: json!({}),
        }
    }

    fn is_mutating(&self) -> bool {
        true
    }

    fn writes(&self, cwd: &std::path::Path, args: &serde_json::Value) -> Vec<std::path::PathBuf> {
        args.as_str()
            .map(|patch| jig_tools::apply_patch::patch_paths(cwd, patch))
            .unwrap_or_default()
    }

    async fn run(&self, ctx: &ToolContext, args: serde_json::Value) -> Result<ToolResult, ToolError> {
        let input = match args {
            serde_json::Value::String(text) => text,
            other => {
                return Err(ToolError::RespondToModel(format!(
                    "apply_patch takes the raw patch text, got {other}; send the patch from *** Begin Patch to *** End Patch"
                )));
            }
        };
        ApplyPatchTool.run(ctx, json!({ "input": input })).await
    }
}
