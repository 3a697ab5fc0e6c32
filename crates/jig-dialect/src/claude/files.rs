//! `Read`, `Edit` and `Write`: Claude Code's file tools over `read_file`,
//! `edit_file` and `write_file`.
//!
//! The adapters rename arguments (`file_path` → `path`), turn numbered lines
//! into Claude Code's `→` layout, and answer the cases whose generic hints
//! would name tools this dialect lacks (a directory, a missing file, "use
//! write_file") in this dialect's words. They must not read or write files
//! themselves beyond that first look.

use jig_protocol::{ToolFormat, ToolSpec};
use jig_tools::edit_file::EditFileTool;
use jig_tools::images::{self, ImageInput};
use jig_tools::read_file::ReadFileTool;
use jig_tools::write_file::WriteFileTool;
use jig_tools::{Tool, ToolContext, ToolError, ToolResult, parse_args};
use serde::Deserialize;
use serde_json::json;

use super::arrow_numbers;

/// Claude Code's `Read`, over `read_file`; an image file (by its
/// extension, as Claude Code tells them) goes to `jig_tools::images`
/// instead, and reaches the model as an image when it takes them.
#[derive(Debug, Clone, Copy, Default)]
pub struct ReadTool {
    images: ImageInput,
}

impl ReadTool {
    /// `Read` for a model that takes `images` (text-only by default).
    pub fn new(images: ImageInput) -> Self {
        ReadTool { images }
    }
}

const READ_DESCRIPTION: &str = "Read a text file. Lines come numbered, as `     1→text`: the number, an arrow, \
then the line exactly as in the file; quote text for Edit without that prefix. Reads up to 2000 lines from `offset`; \
when more remain, the output ends with the offset to read next. Lines over 2000 characters are cut. \
Binary files, PDFs and directories cannot be read (list directories with `ls` or `rg --files` through Bash).";

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ReadArgs {
    file_path: String,
    offset: Option<usize>,
    limit: Option<usize>,
    pages: Option<String>,
}

#[async_trait::async_trait]
impl Tool for ReadTool {
    fn spec(&self) -> ToolSpec {
        ToolSpec {
            namespace: None,
            format: ToolFormat::Function,
            name: "Read".into(),
            description: match self.images {
                ImageInput::TextOnly => READ_DESCRIPTION.into(),
                ImageInput::Accepted(_) => format!(
                    "{READ_DESCRIPTION} Images (PNG, JPEG, GIF, WebP) in the workspace are shown to you as images."
                ),
            },
            parameters: json!({
                "type": "object",
                "properties": {
                    "file_path": {
                        "type": "string",
                        "description": "Path of the file to read; absolute, or relative to the workspace root."
                    },
                    "offset": {
                        "type": "integer",
                        "description": "1-based number of the first line to read. Default 1."
                    },
                    "limit": {
                        "type": "integer",
                        "description": "How many lines to read. Default 2000."
                    },
                    "pages": {
                        "type": "string",
                        "description": "PDF page range; PDFs are not supported yet."
                    }
                },
                "required": ["file_path"],
                "additionalProperties": false
            }),
        }
    }

    fn is_mutating(&self) -> bool {
        false
    }

    async fn run(&self, ctx: &ToolContext, args: serde_json::Value) -> Result<ToolResult, ToolError> {
        let args: ReadArgs = parse_args("Read", args)?;
        let shown = &args.file_path;
        if args.pages.is_some() {
            return Err(respond(format!(
                "cannot read pages of {shown}: PDF files are not supported; Read shows text files only"
            )));
        }
        let path = ctx.cwd.join(shown);
        if path.is_dir() {
            return Err(respond(format!(
                "cannot read {shown}: it is a directory; list it with `ls` or `rg --files` through Bash"
            )));
        }
        if !path.exists() {
            return Err(respond(format!(
                "cannot read {shown}: no such file; check the path, or find the file with `rg --files` through Bash"
            )));
        }
        if images::is_image_path(shown) {
            return match self.images {
                ImageInput::Accepted(limits) => images::attach(&ctx.cwd, shown, limits).await,
                ImageInput::TextOnly => Err(respond(format!(
                    "cannot read {shown}: it is an image, and {}",
                    images::TEXT_ONLY
                ))),
            };
        }
        // Models trained on Claude Code sometimes send `offset: 0` for the top.
        let offset = args.offset.map(|offset| offset.max(1));
        let inner = json!({ "path": shown, "offset": offset, "limit": args.limit });
        let mut result = ReadFileTool.run(ctx, inner).await.map_err(rename_in_error)?;
        result.output = arrow_numbers(&result.output);
        Ok(result)
    }
}

/// Claude Code's `Edit`, over `edit_file`.
#[derive(Debug, Clone, Copy, Default)]
pub struct EditTool;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct EditArgs {
    file_path: String,
    old_string: String,
    new_string: String,
    #[serde(default)]
    replace_all: bool,
}

#[async_trait::async_trait]
impl Tool for EditTool {
    fn spec(&self) -> ToolSpec {
        ToolSpec {
            namespace: None,
            format: ToolFormat::Function,
            name: "Edit".into(),
            description: "Replace exact text in an existing file. Read the file first. `old_string` must match \
the file exactly, including whitespace and indentation (leave out Read's line-number prefix), and must occur \
exactly once: include enough surrounding lines to make it unique, or set `replace_all` to change every \
occurrence (for renames). Use Write to create a file."
                .into(),
            parameters: json!({
                "type": "object",
                "properties": {
                    "file_path": {
                        "type": "string",
                        "description": "Path of the file to change; absolute, or relative to the workspace root."
                    },
                    "old_string": { "type": "string", "description": "The exact text to replace." },
                    "new_string": {
                        "type": "string",
                        "description": "The text to put in its place; must differ from old_string."
                    },
                    "replace_all": {
                        "type": "boolean",
                        "description": "Replace every occurrence of old_string. Default false."
                    }
                },
                "required": ["file_path", "old_string", "new_string"],
                "additionalProperties": false
            }),
        }
    }

    fn is_mutating(&self) -> bool {
        true
    }

    fn writes(&self, cwd: &std::path::Path, args: &serde_json::Value) -> Vec<std::path::PathBuf> {
        jig_tools::named_file(cwd, args, "file_path")
    }

    async fn run(&self, ctx: &ToolContext, args: serde_json::Value) -> Result<ToolResult, ToolError> {
        let args: EditArgs = parse_args("Edit", args)?;
        let inner = json!({
            "path": args.file_path,
            "old_string": args.old_string,
            "new_string": args.new_string,
            "replace_all": args.replace_all,
        });
        let mut result = EditFileTool.run(ctx, inner).await.map_err(rename_in_error)?;
        result.output = arrow_numbers(&result.output);
        Ok(result)
    }
}

/// Claude Code's `Write`, over `write_file`.
#[derive(Debug, Clone, Copy, Default)]
pub struct WriteTool;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct WriteArgs {
    file_path: String,
    content: String,
}

#[async_trait::async_trait]
impl Tool for WriteTool {
    fn spec(&self) -> ToolSpec {
        ToolSpec {
            namespace: None,
            format: ToolFormat::Function,
            name: "Write".into(),
            description: "Write a whole file: create it, with any missing parent directories, or replace all of \
its content. Prefer Edit for changing part of an existing file, and read an existing file before \
overwriting it."
                .into(),
            parameters: json!({
                "type": "object",
                "properties": {
                    "file_path": {
                        "type": "string",
                        "description": "Path of the file to write; absolute, or relative to the workspace root."
                    },
                    "content": { "type": "string", "description": "The complete content of the file." }
                },
                "required": ["file_path", "content"],
                "additionalProperties": false
            }),
        }
    }

    fn is_mutating(&self) -> bool {
        true
    }

    fn writes(&self, cwd: &std::path::Path, args: &serde_json::Value) -> Vec<std::path::PathBuf> {
        jig_tools::named_file(cwd, args, "file_path")
    }

    async fn run(&self, ctx: &ToolContext, args: serde_json::Value) -> Result<ToolResult, ToolError> {
        let args: WriteArgs = parse_args("Write", args)?;
        let inner = json!({ "path": args.file_path, "content": args.content });
        WriteFileTool.run(ctx, inner).await.map_err(rename_in_error)
    }
}

fn respond(message: String) -> ToolError {
    ToolError::RespondToModel(message)
}

/// Points hints in a generic tool's error at this dialect's tool names.
fn rename_in_error(err: ToolError) -> ToolError {
    match err {
        ToolError::RespondToModel(text) => ToolError::RespondToModel(
            text.replace("use write_file", "use Write")
                .replace("read_file shows", "Read shows")
                .replace("invalid arguments for read_file", "invalid arguments for Read"),
        ),
        other => other,
    }
}
