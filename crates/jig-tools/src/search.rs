//! The `search` tool: ripgrep's search, in process, with ripgrep's crates.
//!
//! The walk (`ignore`) honours `.gitignore`, `.ignore` and hidden-file rules
//! even outside a git repository, never descends into `.git`, and visits
//! files in path order so the same tree always gives the same output. Each
//! file goes through `grep-searcher` (quitting on a NUL byte, so binary files
//! are skipped) into `grep-printer`'s standard printer, which produces
//! `rg -n --no-heading` lines with paths relative to the workspace root.
//! Invariants: at most `max_results` matching lines are printed, long lines
//! are cut, and the whole text is bounded by [`MAX_OUTPUT_BYTES`]. The search
//! runs on a blocking thread and checks for interrupts between files. It must
//! not read files it was told to skip, nor follow symlinks out of the tree.

use std::path::{Path, PathBuf};

use grep_regex::{RegexMatcher, RegexMatcherBuilder};
use grep_searcher::{BinaryDetection, SearcherBuilder};
use ignore::WalkBuilder;
use ignore::overrides::OverrideBuilder;
use jig_protocol::ToolSpec;
use serde::Deserialize;
use tokio_util::sync::CancellationToken;

use crate::truncate::head_tail;
use crate::{Tool, ToolContext, ToolError, ToolResult, parse_args};

/// Matching lines printed when the model gives no `max_results`.
pub const DEFAULT_MAX_RESULTS: u64 = 200;
/// Bytes of a printed line kept before it is cut with a marker.
pub const MAX_LINE_BYTES: u64 = 500;
/// Bound on the whole output, as a last guard against huge context settings.
pub const MAX_OUTPUT_BYTES: usize = 128 * 1024;

/// Searches file contents with a regex (or fixed string), like `rg -n`.
#[derive(Debug, Clone, Copy, Default)]
pub struct SearchTool;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SearchArgs {
    pattern: String,
    path: Option<String>,
    fixed_strings: Option<bool>,
    case_insensitive: Option<bool>,
    glob: Option<Globs>,
    context: Option<usize>,
    max_results: Option<u64>,
    hidden: Option<bool>,
}

/// The schema asks for an array; a lone string is accepted too because
/// models often send one.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum Globs {
    One(String),
    Many(Vec<String>),
}

impl Globs {
    fn as_slice(&self) -> &[String] {
        match self {
            Globs::One(glob) => std::slice::from_ref(glob),
            Globs::Many(globs) => globs,
        }
    }
}

const DESCRIPTION: &str = "\
Search file contents with a regular expression (Rust regex syntax, like ripgrep). \
Prefer this over running grep or rg in the shell.
Searches `path` (a file or directory relative to the workspace root; default the root), \
skipping files ignored by .gitignore/.ignore, hidden files (unless `hidden` is true) and binary files.
Output is one line per match, `path:line:text`, sorted by path; with `context`, \
surrounding lines appear as `path-line-text` and `--` separates groups.
Lines longer than 500 bytes are cut. At most `max_results` matching lines (default 200) are shown.";

#[async_trait::async_trait]
impl Tool for SearchTool {
    fn spec(&self) -> ToolSpec {
        ToolSpec {
            namespace: None,
            format: jig_protocol::ToolFormat::Function,
            name: "search".to_string(),
            description: DESCRIPTION.to_string(),
            parameters: serde_json::json!({
                "type": "object",
                "properties": {
                    "pattern": {
                        "type": "string",
                        "description": "Regex to search for; a literal string when fixed_strings is true."
                    },
                    "path": {
                        "type": "string",
                        "description": "File or directory to search, relative to the workspace root. Default: the root."
                    },
                    "fixed_strings": {
                        "type": "boolean",
                        "description": "Treat pattern as a literal string, not a regex. Default false."
                    },
                    "case_insensitive": {
                        "type": "boolean",
                        "description": "Match without regard to case. Default false."
                    },
                    "glob": {
                        "type": "array",
                        "items": { "type": "string" },
                        "description": "Only search files matching these globs, like rg -g: [\"*.rs\"], [\"src/**\"]; a leading ! excludes: [\"!*_test.go\"]."
                    },
                    "context": {
                        "type": "integer",
                        "minimum": 0,
                        "description": "Lines of context to show before and after each match. Default 0."
                    },
                    "max_results": {
                        "type": "integer",
                        "minimum": 1,
                        "description": "Stop after this many matching lines. Default 200."
                    },
                    "hidden": {
                        "type": "boolean",
                        "description": "Also search hidden files and directories (names starting with a dot). Default false."
                    }
                },
                "required": ["pattern"],
                "additionalProperties": false
            }),
        }
    }

    fn is_mutating(&self) -> bool {
        false
    }

    async fn run(&self, ctx: &ToolContext, args: serde_json::Value) -> Result<ToolResult, ToolError> {
        let args: SearchArgs = parse_args("search", args)?;
        let cwd = ctx.cwd.clone();
        let cancel = ctx.cancel.clone();
        crate::blocking("search", move || search(&cwd, args, &cancel)).await
    }
}

/// The settings of one search, resolved from [`SearchArgs`].
struct Plan {
    matcher: RegexMatcher,
    context: usize,
    max_results: u64,
}

fn search(cwd: &Path, args: SearchArgs, cancel: &CancellationToken) -> Result<ToolResult, ToolError> {
    // Collecting the components drops `.` segments, which would otherwise
    // keep globs like `src/**` from matching (they match paths under `cwd`).
    let root: PathBuf = cwd.join(args.path.as_deref().unwrap_or(".")).components().collect();
    if !root.exists() {
        return Err(ToolError::RespondToModel(format!(
            "cannot search {}: no such file or directory; check the path (relative to the workspace root) or use list_dir",
            args.path.as_deref().unwrap_or(".")
        )));
    }
    let matcher = build_matcher(&args)?;
    let walk = build_walk(cwd, &root, &args)?;
    let plan = Plan {
        matcher,
        context: args.context.unwrap_or(0),
        max_results: args.max_results.unwrap_or(DEFAULT_MAX_RESULTS).max(1),
    };
    let (text, capped) = run_search(cwd, &plan, walk, cancel)?;
    if text.is_empty() {
        let place = match &args.path {
            Some(path) => format!(" in {path}"),
            None => String::new(),
        };
        return Ok(ToolResult::ok(format!("no matches for {}{place}", args.pattern)));
    }
    let mut output = text.strip_suffix('\n').unwrap_or(&text).to_string();
    if capped {
        output.push_str(&format!(
            "\n[results capped at {} matching lines; narrow the pattern, path or glob]",
            plan.max_results
        ));
    }
    Ok(ToolResult::ok(head_tail(&output, MAX_OUTPUT_BYTES)))
}

fn build_matcher(args: &SearchArgs) -> Result<RegexMatcher, ToolError> {
    RegexMatcherBuilder::new()
        .case_insensitive(args.case_insensitive.unwrap_or(false))
        .fixed_strings(args.fixed_strings.unwrap_or(false))
        .line_terminator(Some(b'\n'))
        .build(&args.pattern)
        .map_err(|err| {
            ToolError::RespondToModel(format!(
                "invalid regex {}: {err}; fix the pattern, or set fixed_strings to true to search for it literally",
                args.pattern
            ))
        })
}

fn build_walk(cwd: &Path, root: &Path, args: &SearchArgs) -> Result<ignore::Walk, ToolError> {
    let mut overrides = OverrideBuilder::new(cwd);
    for glob in args.glob.as_ref().map(|g| g.as_slice()).unwrap_or_default() {
        overrides.add(glob).map_err(|err| {
            ToolError::RespondToModel(format!(
                "invalid glob {glob}: {err}; use rg -g syntax such as *.rs or !target/**"
            ))
        })?;
    }
    let overrides = overrides
        .build()
        .map_err(|err| ToolError::RespondToModel(format!("invalid glob list: {err}; use rg -g syntax such as *.rs")))?;
    let walk = WalkBuilder::new(root)
        .hidden(!args.hidden.unwrap_or(false))
        .require_git(false)
        .overrides(overrides)
        .filter_entry(|entry| entry.file_name() != ".git")
        .sort_by_file_name(|a, b| a.cmp(b))
        .build();
    Ok(walk)
}

/// Searches every file of `walk`; returns the printed lines and whether the
/// `max_results` cap was reached.
fn run_search(
    cwd: &Path,
    plan: &Plan,
    walk: ignore::Walk,
    cancel: &CancellationToken,
) -> Result<(String, bool), ToolError> {
    let mut printer = grep_printer::StandardBuilder::new()
        .heading(false)
        .path(true)
        .max_columns(Some(MAX_LINE_BYTES))
        .max_columns_preview(true)
        .build_no_color(Vec::new());
    let mut builder = SearcherBuilder::new();
    builder
        .binary_detection(BinaryDetection::quit(b'\x00'))
        .line_number(true)
        .before_context(plan.context)
        .after_context(plan.context)
        .max_matches(Some(plan.max_results));
    let mut searcher = builder.build();
    let mut out: Vec<u8> = Vec::new();
    let mut total = 0u64;
    for entry in walk {
        if cancel.is_cancelled() {
            return Err(ToolError::Interrupted);
        }
        // Unreadable directories and broken links are skipped, as rg does.
        let Ok(entry) = entry else { continue };
        if !entry.file_type().is_some_and(|t| t.is_file()) {
            continue;
        }
        let path = entry.path();
        let shown = display_path(cwd, path);
        let mut sink = printer.sink_with_path(&plan.matcher, shown);
        // A file that fails mid-read keeps what was printed before the error.
        let _ = searcher.search_path(&plan.matcher, path, &mut sink);
        let found = sink.match_count();
        let chunk = std::mem::take(printer.get_mut().get_mut());
        if !chunk.is_empty() {
            if plan.context > 0 && !out.is_empty() {
                out.extend_from_slice(b"--\n");
            }
            out.extend_from_slice(&chunk);
        }
        total += found;
        if total >= plan.max_results {
            return Ok((String::from_utf8_lossy(&out).into_owned(), true));
        }
        if found > 0 {
            searcher = builder.max_matches(Some(plan.max_results - total)).build();
        }
    }
    Ok((String::from_utf8_lossy(&out).into_owned(), false))
}

/// The path as the model should see it: relative to the workspace root when
/// inside it, else as found.
fn display_path<'a>(cwd: &Path, path: &'a Path) -> &'a Path {
    match path.strip_prefix(cwd) {
        Ok(rel) if !rel.as_os_str().is_empty() => rel,
        _ => path,
    }
}
