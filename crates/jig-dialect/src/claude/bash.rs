//! `Bash`: Claude Code's shell tool over [`run_command`].
//!
//! The output is plain text as Claude Code shows it: stdout, then stderr,
//! then a last line when the command did not succeed (`Exit code N`, a
//! signal, or `Command timed out after N ms`); the result's status is
//! `Error` whenever the command did not exit 0. Each stream is cut in the
//! middle past [`MAX_STREAM_BYTES`]. Every call starts in the workspace
//! root: unlike Claude Code, a `cd` does not carry over to the next call.
//! `dangerouslyDisableSandbox` is the model's request to run outside the
//! sandbox: the preview marks it as an escalation, which the guard asks a
//! person about (or refuses under `never`). `run_in_background` is refused
//! with a hint to run in the foreground. This adapter must not run anything itself: processes are
//! `run_command`'s.

use std::collections::BTreeMap;
use std::time::Duration;

use jig_protocol::{ToolFormat, ToolSpec, ToolStatus};
use jig_tools::shell::{CommandEnding, CommandLine, CommandOutcome, CommandSpec, resolve_workdir, run_command};
use jig_tools::{Tool, ToolContext, ToolError, ToolResult, parse_args};
use serde::Deserialize;
use serde_json::json;

/// Timeout when the model gives none, in milliseconds (Claude Code's).
pub const DEFAULT_TIMEOUT_MS: u64 = 120_000;
/// Longest timeout, in milliseconds (Claude Code's); larger values are clamped.
pub const MAX_TIMEOUT_MS: u64 = 600_000;
/// Bytes kept of each of stdout and stderr (about Claude Code's 30 000
/// characters for both together).
pub const MAX_STREAM_BYTES: usize = 15_000;

/// Claude Code's `Bash`, over `run_command`.
#[derive(Debug, Clone, Copy, Default)]
pub struct BashTool;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(
    dead_code,
    reason = "description and the sandbox flag are accepted for the schema and not used yet"
)]
struct BashArgs {
    command: String,
    description: Option<String>,
    timeout: Option<f64>,
    #[serde(default)]
    run_in_background: bool,
    #[serde(default, rename = "dangerouslyDisableSandbox")]
    dangerously_disable_sandbox: bool,
}

#[async_trait::async_trait]
impl Tool for BashTool {
    fn spec(&self) -> ToolSpec {
        ToolSpec {
            namespace: None,
            format: ToolFormat::Function,
            name: "Bash".into(),
            description: format!(
                "Run a bash command in the workspace root and return its stdout and stderr; a non-zero exit \
is reported as an error with its exit code. Each call starts fresh in the workspace root (a `cd` does not \
carry over; chain commands with `&&`). Search with `rg` (`rg -n PATTERN`, `rg --files -g GLOB`). Quote paths \
that contain spaces. The command is killed after `timeout` milliseconds (default {DEFAULT_TIMEOUT_MS}, at most \
{MAX_TIMEOUT_MS}). Prefer Read, Edit and Write over cat, sed and echo for files."
            ),
            parameters: json!({
                "type": "object",
                "properties": {
                    "command": { "type": "string", "description": "The command to run." },
                    "description": {
                        "type": "string",
                        "description": "What the command does, in a few words (shown to the person)."
                    },
                    "timeout": {
                        "type": "number",
                        "description": format!("Timeout in milliseconds, at most {MAX_TIMEOUT_MS}. Default {DEFAULT_TIMEOUT_MS}.")
                    },
                    "run_in_background": {
                        "type": "boolean",
                        "description": "Run without waiting for the command to finish. Not supported yet."
                    },
                    "dangerouslyDisableSandbox": {
                        "type": "boolean",
                        "description": "Run outside the sandbox. Accepted; jig has no sandbox yet."
                    }
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
        let args: BashArgs = serde_json::from_value(args.clone()).ok()?;
        let escalation = args
            .dangerously_disable_sandbox
            .then(|| args.description.unwrap_or_else(|| "(no description given)".into()));
        Some(jig_tools::CommandPreview {
            command: jig_tools::shell::CommandLine::Script(args.command),
            escalation,
        })
    }

    async fn run(&self, ctx: &ToolContext, args: serde_json::Value) -> Result<ToolResult, ToolError> {
        let args: BashArgs = parse_args("Bash", args)?;
        if args.run_in_background {
            return Err(ToolError::RespondToModel(
                "cannot run in the background: background execution is not supported yet; run the command in \
the foreground (leave out run_in_background), with a timeout if it may take long"
                    .into(),
            ));
        }
        if args.command.trim().is_empty() {
            return Err(ToolError::RespondToModel(
                "cannot run an empty command; pass the command to run".into(),
            ));
        }
        let timeout_ms = timeout_ms(args.timeout)?;
        let spec = CommandSpec {
            command: CommandLine::Script(args.command),
            workdir: resolve_workdir(&ctx.cwd, None)?,
            env: BTreeMap::new(),
            timeout: Duration::from_millis(timeout_ms),
            max_output_bytes: MAX_STREAM_BYTES,
        };
        let outcome = run_command(ctx, &spec).await?;
        Ok(render(&outcome, timeout_ms))
    }
}

/// The timeout to use, from the model's milliseconds: clamped to
/// [`MAX_TIMEOUT_MS`]; zero, negative or non-finite values are refused.
fn timeout_ms(requested: Option<f64>) -> Result<u64, ToolError> {
    match requested {
        None => Ok(DEFAULT_TIMEOUT_MS),
        Some(ms) if ms.is_finite() && ms >= 1.0 => Ok((ms as u64).min(MAX_TIMEOUT_MS)),
        Some(ms) => Err(ToolError::RespondToModel(format!(
            "invalid timeout {ms}: pass milliseconds between 1 and {MAX_TIMEOUT_MS}, or leave it out for {DEFAULT_TIMEOUT_MS}"
        ))),
    }
}

/// Claude Code's text for a finished command.
fn render(outcome: &CommandOutcome, timeout_ms: u64) -> ToolResult {
    let mut parts: Vec<String> = [&outcome.stdout, &outcome.stderr]
        .into_iter()
        .map(|stream| stream.trim_end_matches('\n'))
        .filter(|stream| !stream.is_empty())
        .map(str::to_string)
        .collect();
    let ending = match &outcome.ending {
        CommandEnding::Exited { code: Some(0), .. } => None,
        CommandEnding::Exited { code: Some(code), .. } => Some(format!("Exit code {code}")),
        CommandEnding::Exited {
            code: None,
            signal: Some(signal),
        } => Some(format!("Killed by signal {signal}")),
        CommandEnding::Exited {
            code: None,
            signal: None,
        } => Some("Exited without an exit code".to_string()),
        CommandEnding::TimedOut => Some(format!("Command timed out after {timeout_ms} ms")),
    };
    let status = if ending.is_some() {
        ToolStatus::Error
    } else {
        ToolStatus::Ok
    };
    parts.extend(ending);
    let output = if parts.is_empty() {
        "(no output)".to_string()
    } else {
        parts.join("\n")
    };
    ToolResult {
        output,
        status,
        effect: None,
    }
}
