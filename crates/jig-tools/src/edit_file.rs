//! `edit_file`: replace an exact piece of text in one existing file.
//!
//! The model quotes the text to replace (`old_string`) and its replacement.
//! Without `replace_all` the quote must occur exactly once, so an edit never
//! lands somewhere the model did not mean; zero or several matches come back
//! as errors that say how to fix the call. Invariants: the file is written
//! through a temporary sibling and a rename (all or nothing), and only after
//! its path was checked to stay inside the workspace, following symbolic
//! links (the same check `apply_patch` makes, from `jig-patch`). A file
//! written with CRLF line ends is matched with the quote's `\n` read as
//! `\r\n`, and keeps its CRLF ends. This tool must not create files; that is
//! `write_file`'s job.
//!
//! The tool is not in [`crate::ToolRouter::builtin`]: the `generic` dialect
//! edits with `apply_patch`; dialects whose models were trained on
//! string-replacement editing map their own names onto this tool.

use std::path::Path;

use jig_patch::{PatchError, WorkspacePath};
use jig_protocol::ToolSpec;
use serde::Deserialize;
use serde_json::json;

use crate::{Tool, ToolContext, ToolError, ToolResult, parse_args};

/// Lines of context shown around the first replacement.
const CONTEXT_LINES: usize = 3;
/// Most lines of the edited file shown in the confirmation.
const MAX_SNIPPET_LINES: usize = 30;
/// Lines of `old_string` quoted back when it is not found.
const QUOTED_LINES: usize = 6;
/// Characters of one quoted or shown line before it is cut.
const MAX_SHOWN_CHARS: usize = 200;

/// Replaces exact text in an existing file.
#[derive(Debug, Clone, Copy, Default)]
pub struct EditFileTool;

/// The arguments of `edit_file`, public so that dialect adapters can build
/// them from their own shapes.
#[derive(Debug, Clone, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct EditFileArgs {
    /// File to change, relative to the workspace root or absolute inside it.
    pub path: String,
    /// Exact text to replace.
    pub old_string: String,
    /// Replacement text.
    pub new_string: String,
    /// Replace every occurrence instead of exactly one.
    #[serde(default)]
    pub replace_all: bool,
}

const DESCRIPTION: &str = "\
Replace exact text in an existing file. `old_string` must match the file exactly, \
including whitespace and indentation, and must occur exactly once unless `replace_all` is true; \
quote enough surrounding lines to make it unique. Read the file first. \
To create a file or replace all of it, use write_file.";

#[async_trait::async_trait]
impl Tool for EditFileTool {
    fn spec(&self) -> ToolSpec {
        ToolSpec {
            namespace: None,
            format: jig_protocol::ToolFormat::Function,
            name: "edit_file".into(),
            description: DESCRIPTION.into(),
            parameters: json!({
                "type": "object",
                "properties": {
                    "path": {
                        "type": "string",
                        "description": "File to change, relative to the workspace root (absolute paths inside it work too)."
                    },
                    "old_string": { "type": "string", "description": "The exact text to replace." },
                    "new_string": { "type": "string", "description": "The text to put in its place; must differ from old_string." },
                    "replace_all": {
                        "type": "boolean",
                        "description": "Replace every occurrence of old_string. Default false."
                    }
                },
                "required": ["path", "old_string", "new_string"],
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
        let args: EditFileArgs = parse_args("edit_file", args)?;
        crate::check_write(ctx, std::path::Path::new(&args.path))?;
        let root = ctx.cwd.clone();
        let files = ctx.files.clone();
        crate::blocking("edit_file", move || edit(&root, &args, files.as_deref()))
            .await
            .map(ToolResult::ok)
    }
}

/// Applies one edit under `root` (reading and writing through `files`
/// when given and it serves the path) and returns the confirmation text.
pub fn edit(
    root: &Path,
    args: &EditFileArgs,
    files: Option<&dyn crate::files::FileAccess>,
) -> Result<String, ToolError> {
    let shown = args.path.as_str();
    if args.old_string.is_empty() {
        return Err(respond(format!(
            "cannot edit {shown}: old_string is empty; quote the exact text to replace, or use write_file to create or overwrite a file"
        )));
    }
    if args.old_string == args.new_string {
        return Err(respond(format!(
            "cannot edit {shown}: old_string and new_string are the same, so nothing would change; pass the new text in new_string"
        )));
    }
    let target = confine(root, shown, "edit")?;
    if !target.exists {
        return Err(respond(format!(
            "cannot edit {shown}: the file does not exist; use write_file to create it"
        )));
    }
    let text = match files.and_then(|files| files.read_text(&target.real)) {
        Some(text) => text,
        None => {
            let bytes = std::fs::read(&target.real).map_err(|err| respond(format!("cannot read {shown}: {err}")))?;
            String::from_utf8(bytes)
                .map_err(|_| respond(format!("cannot edit {shown}: the file is not valid UTF-8 text")))?
        }
    };

    let (old, new) = line_ends_like(&text, &args.old_string, &args.new_string);
    let count = text.matches(old.as_str()).count();
    match count {
        0 => return Err(respond(not_found(shown, &text, &args.old_string))),
        1 => {}
        _ if args.replace_all => {}
        n => {
            return Err(respond(format!(
                "cannot edit {shown}: old_string occurs {n} times (at lines {}); add surrounding lines to old_string so it matches exactly once, or set replace_all to change every occurrence",
                match_lines(&text, &old)
            )));
        }
    }
    let Some(first) = text.find(old.as_str()) else {
        // `count` above is at least 1, so a match exists.
        return Err(respond(not_found(shown, &text, &args.old_string)));
    };
    let edited = if args.replace_all {
        text.replace(old.as_str(), &new)
    } else {
        text.replacen(old.as_str(), &new, 1)
    };
    if !files.is_some_and(|files| files.write_text(&target.real, &edited)) {
        jig_patch::write_atomic(&target.real, edited.as_bytes())
            .map_err(|err| respond(format!("cannot write {shown}: {err}")))?;
    }

    let plural = if count == 1 { "" } else { "s" };
    let mut out = format!("Edited {shown}: {count} replacement{plural}.");
    let snippet = snippet(&edited, first, &new);
    if !snippet.is_empty() {
        out.push('\n');
        out.push_str(&snippet);
    }
    Ok(out)
}

/// Checks `shown` against the workspace `root`, in the model's terms.
pub(crate) fn confine(root: &Path, shown: &str, action: &str) -> Result<WorkspacePath, ToolError> {
    jig_patch::resolve_in_workspace(root, Path::new(shown)).map_err(|err| {
        let why = match err {
            PatchError::OutsideWorkspace { .. } => {
                "it is outside the workspace; use a path inside the workspace root".to_string()
            }
            PatchError::BrokenSymlink { .. } => {
                "it goes through a symbolic link whose target does not exist".to_string()
            }
            PatchError::IsDirectory { .. } => "it is a directory; name a file".to_string(),
            PatchError::NotAFile { .. } => "it is not a regular file".to_string(),
            PatchError::ParentNotDirectory { .. } => "a parent of it is a file, not a directory".to_string(),
            PatchError::Io { source, .. } => source.to_string(),
            other => other.to_string(),
        };
        respond(format!("cannot {action} {shown}: {why}"))
    })
}

fn respond(message: String) -> ToolError {
    ToolError::RespondToModel(message)
}

/// The quote and replacement with `\r\n` line ends when the file uses them
/// and the quote, as sent with `\n`, would not match otherwise.
fn line_ends_like(text: &str, old: &str, new: &str) -> (String, String) {
    let crlf = |s: &str| s.replace("\r\n", "\n").replace('\n', "\r\n");
    if text.contains("\r\n") && old.contains('\n') && !old.contains("\r\n") && !text.contains(old) {
        (crlf(old), crlf(new))
    } else {
        (old.to_string(), new.to_string())
    }
}

/// The error text for a quote that matches nowhere: the quote itself, and
/// where its first line appears when only whitespace differs.
fn not_found(shown: &str, text: &str, old: &str) -> String {
    let total = old.lines().count();
    let mut quoted: Vec<String> = old
        .lines()
        .take(QUOTED_LINES)
        .map(|l| format!("    {}", cut(l)))
        .collect();
    if total > QUOTED_LINES {
        quoted.push(format!("    … ({} more lines)", total - QUOTED_LINES));
    }
    let hint = old
        .lines()
        .map(str::trim)
        .find(|line| !line.is_empty())
        .and_then(|first| text.lines().position(|line| line.trim() == first))
        .map(|index| {
            format!(
                "; its first line appears at line {} with different whitespace or surroundings",
                index + 1
            )
        })
        .unwrap_or_default();
    format!(
        "cannot edit {shown}: old_string was not found in the file:\n{}\nit must match the file exactly, including whitespace and indentation{hint}; read the file again and copy the text exactly",
        quoted.join("\n")
    )
}

/// 1-based lines where each occurrence of `old` starts, joined for a message.
fn match_lines(text: &str, old: &str) -> String {
    let lines: Vec<String> = text
        .match_indices(old)
        .take(10)
        .map(|(at, _)| line_of(text, at).to_string())
        .collect();
    lines.join(", ")
}

fn line_of(text: &str, at: usize) -> usize {
    text[..at].matches('\n').count() + 1
}

/// Numbered lines of `edited` around the replacement that starts at byte
/// `at`, like `read_file` numbers them.
fn snippet(edited: &str, at: usize, new: &str) -> String {
    let first = line_of(edited, at);
    let last = first + new.matches('\n').count();
    let start = first.saturating_sub(CONTEXT_LINES).max(1);
    let end = (last + CONTEXT_LINES).min(start + MAX_SNIPPET_LINES - 1);
    edited
        .lines()
        .enumerate()
        .skip(start - 1)
        .take(end + 1 - start)
        .map(|(index, line)| format!("{:>6}\t{}", index + 1, cut(line.strip_suffix('\r').unwrap_or(line))))
        .collect::<Vec<_>>()
        .join("\n")
}

fn cut(line: &str) -> String {
    match line.char_indices().nth(MAX_SHOWN_CHARS) {
        Some((at, _)) => format!("{}…", &line[..at]),
        None => line.to_string(),
    }
}
