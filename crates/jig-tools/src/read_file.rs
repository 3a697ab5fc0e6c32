//! The `read_file` tool: a window of a text file, with line numbers.
//!
//! Lines come out like `cat -n` (`{:>6}\t{line}`) so the model can cite and
//! patch them. The file is streamed line by line, so a huge file costs one
//! pass and no more memory than the window. Invariants: the output never
//! exceeds [`MAX_OUTPUT_BYTES`] plus a footer, no line exceeds
//! [`MAX_LINE_CHARS`] characters plus a marker, and whenever lines are left
//! unread the footer says how to read on. A trailing `\r` is dropped from each
//! line. Binary files (a NUL in the first 8 KiB) are refused, never dumped.
//! This tool must not write to the file.

use std::fs::File;
use std::io::{BufRead, BufReader, ErrorKind, Read, Seek};
use std::path::Path;

use jig_protocol::ToolSpec;
use serde::Deserialize;

use crate::{Tool, ToolContext, ToolError, ToolResult, parse_args};

/// Lines shown when the model gives no `limit`.
pub const DEFAULT_LIMIT: usize = 2000;
/// Characters of one line shown before it is cut.
pub const MAX_LINE_CHARS: usize = 2000;
/// Bound on the numbered lines of one call.
pub const MAX_OUTPUT_BYTES: usize = 256 * 1024;
/// Bytes inspected for a NUL to decide that a file is binary.
const BINARY_SNIFF_BYTES: u64 = 8 * 1024;

/// Reads a text file, or a window of its lines, with line numbers.
#[derive(Debug, Clone, Copy, Default)]
pub struct ReadFileTool;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ReadFileArgs {
    path: String,
    offset: Option<usize>,
    limit: Option<usize>,
}

const DESCRIPTION: &str = "\
Read a text file. Lines are numbered like `cat -n`: the number, a tab, then the line.
Reads up to `limit` lines (default 2000) starting at line `offset` (1-based, default 1); \
when more lines remain, the output ends with the offset to read next.
Lines longer than 2000 characters are cut. Binary files are refused; use list_dir for directories.";

#[async_trait::async_trait]
impl Tool for ReadFileTool {
    fn spec(&self) -> ToolSpec {
        ToolSpec {
            namespace: None,
            format: jig_protocol::ToolFormat::Function,
            name: "read_file".to_string(),
            description: DESCRIPTION.to_string(),
            parameters: serde_json::json!({
                "type": "object",
                "properties": {
                    "path": {
                        "type": "string",
                        "description": "File to read, relative to the workspace root (absolute paths work too)."
                    },
                    "offset": {
                        "type": "integer",
                        "minimum": 1,
                        "description": "1-based number of the first line to show. Default 1."
                    },
                    "limit": {
                        "type": "integer",
                        "minimum": 1,
                        "description": "Maximum number of lines to show. Default 2000."
                    }
                },
                "required": ["path"],
                "additionalProperties": false
            }),
        }
    }

    fn is_mutating(&self) -> bool {
        false
    }

    async fn run(&self, ctx: &ToolContext, args: serde_json::Value) -> Result<ToolResult, ToolError> {
        let args: ReadFileArgs = parse_args("read_file", args)?;
        let offset = args.offset.unwrap_or(1);
        let limit = args.limit.unwrap_or(DEFAULT_LIMIT);
        if offset == 0 || limit == 0 {
            return Err(ToolError::RespondToModel(
                "invalid arguments for read_file: offset and limit must be at least 1 (offset is 1-based)".to_string(),
            ));
        }
        let path = ctx.cwd.join(&args.path);
        let shown = args.path;
        let files = ctx.files.clone();
        crate::blocking("read_file", move || {
            match front_end_text(files.as_deref(), &path, &shown)? {
                Some(text) => window(std::io::Cursor::new(text.into_bytes()), &shown, offset, limit),
                None => window(open(&path, &shown)?, &shown, offset, limit),
            }
        })
        .await
        .map(ToolResult::ok)
    }
}

/// The text of `path` as the front-end holds it (an editor's unsaved
/// buffer), when it serves files; a directory is refused as on disk.
fn front_end_text(
    files: Option<&dyn crate::files::FileAccess>,
    path: &Path,
    shown: &str,
) -> Result<Option<String>, ToolError> {
    let Some(files) = files else {
        return Ok(None);
    };
    if path.is_dir() {
        return open(path, shown).map(|_| None);
    }
    Ok(files.read_text(path))
}

/// Reads lines `offset..offset + limit` of `file`; `shown` names it in messages.
fn window(mut file: impl Read + Seek, shown: &str, offset: usize, limit: usize) -> Result<String, ToolError> {
    let io_err = |err: std::io::Error| ToolError::RespondToModel(format!("cannot read {shown}: {err}"));
    let mut sniff = Vec::new();
    (&mut file)
        .take(BINARY_SNIFF_BYTES)
        .read_to_end(&mut sniff)
        .map_err(io_err)?;
    if sniff.contains(&0) {
        let size = file.seek(std::io::SeekFrom::End(0)).unwrap_or(0);
        return Err(ToolError::RespondToModel(format!(
            "cannot read {shown}: it is a binary file ({size} bytes); read_file shows text files only"
        )));
    }
    if sniff.is_empty() {
        return Ok("(empty file)".to_string());
    }
    file.rewind().map_err(io_err)?;
    let mut reader = BufReader::new(file);
    let mut out = String::new();
    let mut raw = Vec::new();
    let mut total = 0usize;
    let mut last_shown = 0usize;
    let mut hit_byte_cap = false;
    loop {
        raw.clear();
        if reader.read_until(b'\n', &mut raw).map_err(io_err)? == 0 {
            break;
        }
        total += 1;
        if total < offset || total >= offset.saturating_add(limit) || hit_byte_cap {
            continue;
        }
        let line = render_line(total, &raw);
        if out.len() + line.len() > MAX_OUTPUT_BYTES && last_shown > 0 {
            hit_byte_cap = true;
            continue;
        }
        out.push_str(&line);
        last_shown = total;
    }
    if offset > total {
        return Err(ToolError::RespondToModel(format!(
            "offset {offset} is past the end of {shown}: the file has {total} lines; pass an offset between 1 and {total}"
        )));
    }
    let mut out = out.strip_suffix('\n').map(str::to_string).unwrap_or(out);
    if last_shown < total {
        let cap = if hit_byte_cap {
            format!("output capped at {} KiB; ", MAX_OUTPUT_BYTES / 1024)
        } else {
            String::new()
        };
        out.push_str(&format!(
            "\n[{cap}showing lines {offset}-{last_shown} of {total}; call again with offset={} to read more]",
            last_shown + 1
        ));
    }
    Ok(out)
}

fn open(path: &Path, shown: &str) -> Result<File, ToolError> {
    if path.is_dir() {
        return Err(ToolError::RespondToModel(format!(
            "cannot read {shown}: it is a directory; use list_dir to see its entries"
        )));
    }
    File::open(path).map_err(|err| {
        let hint = match err.kind() {
            ErrorKind::NotFound => {
                "no such file; check the path (relative to the workspace root) or find it with list_dir or search"
                    .to_string()
            }
            _ => err.to_string(),
        };
        ToolError::RespondToModel(format!("cannot read {shown}: {hint}"))
    })
}

/// One numbered output line, ending in `\n`, cut at [`MAX_LINE_CHARS`].
fn render_line(number: usize, raw: &[u8]) -> String {
    let raw = raw.strip_suffix(b"\n").unwrap_or(raw);
    let raw = raw.strip_suffix(b"\r").unwrap_or(raw);
    let text = String::from_utf8_lossy(raw);
    match text.char_indices().nth(MAX_LINE_CHARS) {
        Some((cut, _)) => format!("{number:>6}\t{}… [line truncated]\n", &text[..cut]),
        None => format!("{number:>6}\t{text}\n"),
    }
}
