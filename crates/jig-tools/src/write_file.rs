//! `write_file`: create a file, or replace all of its content.
//!
//! Missing parent directories are created. Invariants: the path is checked
//! to stay inside the workspace before anything is touched, following
//! symbolic links (the check `apply_patch` makes, from `jig-patch`), and the
//! content lands through a temporary sibling and a rename, so no reader sees
//! half a file; an overwritten file keeps its permissions. This tool must not
//! merge with what was there: partial changes are `edit_file`'s job.
//!
//! Like `edit_file`, it is not in [`crate::ToolRouter::builtin`]; dialects
//! offer it under their own names.

use std::path::Path;

use jig_protocol::ToolSpec;
use serde::Deserialize;
use serde_json::json;

use crate::edit_file::confine;
use crate::{Tool, ToolContext, ToolError, ToolResult, parse_args};

/// Creates or overwrites a whole file.
#[derive(Debug, Clone, Copy, Default)]
pub struct WriteFileTool;

/// The arguments of `write_file`, public so that dialect adapters can build
/// them from their own shapes.
#[derive(Debug, Clone, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct WriteFileArgs {
    /// File to write, relative to the workspace root or absolute inside it.
    pub path: String,
    /// The whole new content.
    pub content: String,
}

const DESCRIPTION: &str = "\
Write a whole file: create it (with any missing parent directories) or replace all of its content. \
To change part of an existing file, use edit_file instead.";

#[async_trait::async_trait]
impl Tool for WriteFileTool {
    fn spec(&self) -> ToolSpec {
        ToolSpec {
            namespace: None,
            format: jig_protocol::ToolFormat::Function,
            name: "write_file".into(),
            description: DESCRIPTION.into(),
            parameters: json!({
                "type": "object",
                "properties": {
                    "path": {
                        "type": "string",
                        "description": "File to write, relative to the workspace root (absolute paths inside it work too)."
                    },
                    "content": { "type": "string", "description": "The complete content of the file." }
                },
                "required": ["path", "content"],
                "additionalProperties": false
            }),
        }
    }

    fn is_mutating(&self) -> bool {
        true
    }

    fn writes(&self, cwd: &Path, args: &serde_json::Value) -> Vec<std::path::PathBuf> {
        crate::named_file(cwd, args, "path")
    }

    async fn run(&self, ctx: &ToolContext, args: serde_json::Value) -> Result<ToolResult, ToolError> {
        let args: WriteFileArgs = parse_args("write_file", args)?;
        crate::check_write(ctx, std::path::Path::new(&args.path))?;
        let root = ctx.cwd.clone();
        let files = ctx.files.clone();
        crate::blocking("write_file", move || write(&root, &args, files.as_deref()))
            .await
            .map(ToolResult::ok)
    }
}

/// Writes one file under `root` (through `files` when given and it
/// serves the path) and returns the confirmation text.
pub fn write(
    root: &Path,
    args: &WriteFileArgs,
    files: Option<&dyn crate::files::FileAccess>,
) -> Result<String, ToolError> {
    let shown = args.path.as_str();
    let target = confine(root, shown, "write")?;
    let respond = |what: &str, err: std::io::Error| ToolError::RespondToModel(format!("cannot {what} {shown}: {err}"));
    if !target.exists
        && let Some(parent) = target.real.parent()
    {
        std::fs::create_dir_all(parent).map_err(|err| respond("create the directory for", err))?;
    }
    if !files.is_some_and(|files| files.write_text(&target.real, &args.content)) {
        jig_patch::write_atomic(&target.real, args.content.as_bytes()).map_err(|err| respond("write", err))?;
    }
    let verb = if target.exists { "Overwrote" } else { "Created" };
    let bytes = args.content.len();
    let lines = args.content.lines().count();
    let (byte_s, line_s) = (plural(bytes), plural(lines));
    Ok(format!("{verb} {shown} ({bytes} byte{byte_s}, {lines} line{line_s})."))
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}
