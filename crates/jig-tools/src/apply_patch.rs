//! `apply_patch`: the tool face of `jig-patch`.
//!
//! The tool adds nothing to the patch engine: same parser, same matching,
//! same atomic apply and the same path checks as `jig apply-patch`, so a
//! patch behaves identically whether a model or a person sends it. Where
//! the front-end holds the files (`ToolContext::files`: an editor over ACP),
//! the patch reads and writes its buffers (`jig_patch::Patch::apply_through`),
//! all files or none as on disk.

use std::path::PathBuf;

use jig_protocol::ToolSpec;
use serde::Deserialize;
use serde_json::json;

use crate::{Tool, ToolContext, ToolError, ToolResult, parse_args};

/// Applies a patch in the Codex `*** Begin Patch` format to the workspace.
#[derive(Debug, Clone, Copy, Default)]
pub struct ApplyPatchTool;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Args {
    input: String,
}

const DESCRIPTION: &str = "Edit files with a patch. The patch starts with `*** Begin Patch` and ends with \
`*** End Patch`. Between them, one section per file: `*** Add File: PATH` followed by `+` lines; \
`*** Delete File: PATH`; or `*** Update File: PATH` (optionally followed by `*** Move to: NEW_PATH`) \
followed by chunks. A chunk may start with `@@ ANCHOR` (a line near the change, such as a function \
signature) and lists context lines prefixed with a space, removed lines with `-` and added lines with \
`+`. Give about 3 lines of context around each change. Paths are relative to the workspace. All files \
apply or none do.";

#[async_trait::async_trait]
impl Tool for ApplyPatchTool {
    fn spec(&self) -> ToolSpec {
        ToolSpec {
            namespace: None,
            format: jig_protocol::ToolFormat::Function,
            name: "apply_patch".into(),
            description: DESCRIPTION.into(),
            parameters: json!({
                "type": "object",
                "properties": {
                    "input": { "type": "string", "description": "The whole patch, from `*** Begin Patch` to `*** End Patch`." }
                },
                "required": ["input"],
                "additionalProperties": false
            }),
        }
    }

    fn is_mutating(&self) -> bool {
        true
    }

    fn writes(&self, cwd: &std::path::Path, args: &serde_json::Value) -> Vec<PathBuf> {
        match args.get("input").and_then(|input| input.as_str()) {
            Some(patch) => patch_paths(cwd, patch),
            None => Vec::new(),
        }
    }

    async fn run(&self, ctx: &ToolContext, args: serde_json::Value) -> Result<ToolResult, ToolError> {
        let Args { input } = parse_args("apply_patch", args)?;
        let summary = apply_in(ctx, ctx.cwd.clone(), input).await?;
        Ok(ToolResult::ok(summary.to_string()))
    }
}

/// Applies `patch` under `root` — the one path every face of apply_patch
/// takes — after checking every file it would write against the sandbox.
pub async fn apply_in(ctx: &ToolContext, root: PathBuf, patch: String) -> Result<jig_patch::ApplySummary, ToolError> {
    if ctx.sandbox.is_some() {
        let parsed = jig_patch::parse_patch(&patch).map_err(|err| ToolError::RespondToModel(err.to_string()))?;
        for hunk in &parsed.hunks {
            let (path, moved) = match hunk {
                jig_patch::FileHunk::Add { path, .. } | jig_patch::FileHunk::Delete { path } => (path, None),
                jig_patch::FileHunk::Update { path, move_to, .. } => (path, move_to.as_ref()),
            };
            for target in std::iter::once(path).chain(moved) {
                crate::check_write(ctx, &root.join(target))?;
            }
        }
    }
    let files = ctx.files.clone();
    crate::blocking("apply_patch", move || {
        let parsed = jig_patch::parse_patch(&patch);
        let applied = parsed.and_then(|parsed| match files {
            // An editor's buffers, where the front-end holds the files.
            Some(files) => parsed.apply_through(&root, &Through(files.as_ref())),
            None => parsed.apply(&root),
        });
        applied.map_err(|err| ToolError::RespondToModel(err.to_string()))
    })
    .await
}

/// Every file `patch` would add, change, delete or move (source and
/// destination), joined to `root`, in patch order; empty when it does not
/// parse (applying it reports why). For checkpoints: every face of
/// apply_patch names its files through this.
pub fn patch_paths(root: &std::path::Path, patch: &str) -> Vec<PathBuf> {
    let Ok(parsed) = jig_patch::parse_patch(patch) else {
        return Vec::new();
    };
    let mut paths = Vec::new();
    for hunk in &parsed.hunks {
        let (path, moved) = match hunk {
            jig_patch::FileHunk::Add { path, .. } | jig_patch::FileHunk::Delete { path } => (path, None),
            jig_patch::FileHunk::Update { path, move_to, .. } => (path, move_to.as_ref()),
        };
        paths.extend(std::iter::once(path).chain(moved).map(|path| root.join(path)));
    }
    paths
}

/// The front-end's files ([`crate::files::FileAccess`]) as a patch's buffers.
struct Through<'a>(&'a dyn crate::files::FileAccess);

impl jig_patch::Buffers for Through<'_> {
    fn read(&self, real: &std::path::Path) -> Option<String> {
        self.0.read_text(real)
    }

    fn write(&self, real: &std::path::Path, text: &str) -> bool {
        self.0.write_text(real, text)
    }
}
