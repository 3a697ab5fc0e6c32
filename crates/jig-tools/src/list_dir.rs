//! The `list_dir` tool: a directory tree, a few levels deep, as indented text.
//!
//! The walk (`ignore`) honours `.gitignore`, `.ignore` and hidden-file rules
//! even outside a git repository, and lists `.git/` (when hidden entries are
//! shown) without its contents. Entries are sorted by name within each
//! directory, so the same tree always gives the same text. Invariant: at most
//! `limit` entries are printed, and a cut listing says how many were left
//! out. Symlinks are shown, never followed. This tool must not touch the
//! files it lists.

use std::path::{Path, PathBuf};

use ignore::{DirEntry, WalkBuilder};
use jig_protocol::ToolSpec;
use serde::Deserialize;
use tokio_util::sync::CancellationToken;

use crate::{Tool, ToolContext, ToolError, ToolResult, parse_args};

/// Levels listed when the model gives no `depth`.
pub const DEFAULT_DEPTH: usize = 2;
/// Deepest listing the model may ask for; larger values are clamped.
pub const MAX_DEPTH: usize = 10;
/// Entries printed when the model gives no `limit`.
pub const DEFAULT_LIMIT: usize = 500;

/// Lists a directory tree, honouring .gitignore.
#[derive(Debug, Clone, Copy, Default)]
pub struct ListDirTool;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ListDirArgs {
    path: Option<String>,
    depth: Option<usize>,
    limit: Option<usize>,
    hidden: Option<bool>,
}

const DESCRIPTION: &str = "\
List the files and directories under `path` (default the workspace root) as an indented tree, \
`depth` levels deep (default 2, max 10). Directories end with `/`; symlinks show their target.
Entries ignored by .gitignore/.ignore are left out, and so are hidden ones unless `hidden` is true.
At most `limit` entries (default 500) are shown; list a subdirectory to see more.";

#[async_trait::async_trait]
impl Tool for ListDirTool {
    fn spec(&self) -> ToolSpec {
        ToolSpec {
            namespace: None,
            format: jig_protocol::ToolFormat::Function,
            name: "list_dir".to_string(),
            description: DESCRIPTION.to_string(),
            parameters: serde_json::json!({
                "type": "object",
                "properties": {
                    "path": {
                        "type": "string",
                        "description": "Directory to list, relative to the workspace root. Default: the root."
                    },
                    "depth": {
                        "type": "integer",
                        "minimum": 1,
                        "maximum": MAX_DEPTH,
                        "description": "How many levels to descend. Default 2."
                    },
                    "limit": {
                        "type": "integer",
                        "minimum": 1,
                        "description": "Maximum number of entries to show. Default 500."
                    },
                    "hidden": {
                        "type": "boolean",
                        "description": "Include hidden entries (names starting with a dot). Default false."
                    }
                },
                "additionalProperties": false
            }),
        }
    }

    fn is_mutating(&self) -> bool {
        false
    }

    async fn run(&self, ctx: &ToolContext, args: serde_json::Value) -> Result<ToolResult, ToolError> {
        let args: ListDirArgs = parse_args("list_dir", args)?;
        // Collecting the components drops `.` segments, so the header reads cleanly.
        let root: PathBuf = ctx.cwd.join(args.path.as_deref().unwrap_or(".")).components().collect();
        let shown = args.path.clone().unwrap_or_else(|| ".".to_string());
        if !root.exists() {
            return Err(ToolError::RespondToModel(format!(
                "cannot list {shown}: no such directory; check the path (relative to the workspace root)"
            )));
        }
        if !root.is_dir() {
            return Err(ToolError::RespondToModel(format!(
                "cannot list {shown}: it is a file, not a directory; use read_file to read it"
            )));
        }
        let cancel = ctx.cancel.clone();
        crate::blocking("list_dir", move || list(&root, &args, &cancel))
            .await
            .map(ToolResult::ok)
    }
}

fn list(root: &Path, args: &ListDirArgs, cancel: &CancellationToken) -> Result<String, ToolError> {
    let depth = args.depth.unwrap_or(DEFAULT_DEPTH).clamp(1, MAX_DEPTH);
    let limit = args.limit.unwrap_or(DEFAULT_LIMIT).max(1);
    let walk = WalkBuilder::new(root)
        .max_depth(Some(depth))
        .hidden(!args.hidden.unwrap_or(false))
        .require_git(false)
        .filter_entry(|entry| !is_inside_nested_git_dir(entry))
        .sort_by_file_name(|a, b| a.cmp(b))
        .build();
    let mut out = format!("{}/\n", root.display().to_string().trim_end_matches('/'));
    let mut shown = 0usize;
    let mut omitted = 0usize;
    for entry in walk {
        if cancel.is_cancelled() {
            return Err(ToolError::Interrupted);
        }
        // Unreadable directories are skipped rather than failing the listing.
        let Ok(entry) = entry else { continue };
        if entry.depth() == 0 {
            continue;
        }
        if shown == limit {
            omitted += 1;
            continue;
        }
        out.push_str(&render_entry(&entry));
        shown += 1;
    }
    if shown == 0 {
        out.push_str("(empty)\n");
    }
    if omitted > 0 {
        out.push_str(&format!(
            "[{omitted} more entries not shown; raise limit, lower depth or list a subdirectory]\n"
        ));
    }
    Ok(out.trim_end_matches('\n').to_string())
}

/// Whether `entry` is inside a `.git` directory found below the listed one
/// (listing `.git` itself still shows its contents).
fn is_inside_nested_git_dir(entry: &DirEntry) -> bool {
    entry.depth() >= 2
        && entry
            .path()
            .parent()
            .and_then(Path::file_name)
            .is_some_and(|name| name == ".git")
}

/// One line: two spaces per level below the first, the name, and `/` for a
/// directory or ` -> target` for a symlink.
fn render_entry(entry: &DirEntry) -> String {
    let indent = "  ".repeat(entry.depth() - 1);
    let name = entry.file_name().to_string_lossy();
    let file_type = entry.file_type();
    if file_type.is_some_and(|t| t.is_dir()) {
        format!("{indent}{name}/\n")
    } else if file_type.is_some_and(|t| t.is_symlink()) {
        match std::fs::read_link(entry.path()) {
            Ok(target) => format!("{indent}{name} -> {}\n", target.display()),
            Err(_) => format!("{indent}{name}\n"),
        }
    } else {
        format!("{indent}{name}\n")
    }
}
