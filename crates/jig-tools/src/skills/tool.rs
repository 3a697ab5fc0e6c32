//! The `skill` tool: loads one listed skill's instructions in full.
//!
//! The model sees only names and descriptions until it calls this; the
//! answer is the `SKILL.md` body (read from disk at the call, so an edited
//! skill is seen as it is now), the skill's folder, and the other files in
//! it by name only — their contents stay on disk until the model reads or
//! runs them with its other tools. Invariant: this tool reads, never runs
//! anything; a skill's scripts go through the shell tool and its guard.

use std::path::Path;
use std::sync::Arc;

use jig_protocol::ToolSpec;
use serde::Deserialize;

use super::{SkillSet, frontmatter};
use crate::{Tool, ToolContext, ToolError, ToolResult, parse_args};

/// Most bytes of a skill's instructions returned; the rest is cut with a note.
pub const MAX_BODY_BYTES: usize = 64 * 1024;
/// Most other files of a skill's folder named in the answer.
const MAX_FILES_NAMED: usize = 50;

const DESCRIPTION: &str = "Load a skill's full instructions by name. The skills available in this session are \
listed, with what each is for, in the system instructions. When a task matches one, load it before you start \
and follow it; run the scripts it mentions with the shell tool, from the skill's folder.";

/// Loads a listed skill's instructions: the generic dialect's `skill`.
#[derive(Debug, Clone)]
pub struct SkillTool {
    skills: Arc<SkillSet>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SkillArgs {
    name: String,
}

impl SkillTool {
    /// A tool that loads the skills of `skills`.
    pub fn new(skills: Arc<SkillSet>) -> Self {
        SkillTool { skills }
    }

    /// The full text of the skill `name` for the model, with `arguments`
    /// (Claude Code's `args`) put where the body says `$ARGUMENTS`, or
    /// after it. An unknown name, or a `SKILL.md` gone since the listing,
    /// is an error the model can act on.
    pub fn load(&self, name: &str, arguments: Option<&str>) -> Result<String, ToolError> {
        let name = name.trim().trim_start_matches('/');
        let Some(skill) = self.skills.get(name) else {
            let names: Vec<&str> = self.skills.skills.iter().map(|s| s.name.as_str()).collect();
            let known = if names.is_empty() {
                "this session has no skills".to_string()
            } else {
                format!("available skills: {}", names.join(", "))
            };
            return Err(ToolError::RespondToModel(format!("unknown skill `{name}`; {known}")));
        };
        let text = std::fs::read_to_string(&skill.path).map_err(|err| {
            ToolError::RespondToModel(format!(
                "cannot read skill `{name}` at {} ({err}); it may have been moved or deleted",
                skill.path.display()
            ))
        })?;
        let body = match frontmatter::parse(&text) {
            Ok(parsed) => parsed.body,
            Err(err) => {
                return Err(ToolError::RespondToModel(format!(
                    "skill `{name}` at {} no longer parses: {err}",
                    skill.path.display()
                )));
            }
        };
        let mut body = crate::truncate::head_tail(body.trim_end(), MAX_BODY_BYTES);
        match arguments.map(str::trim).filter(|a| !a.is_empty()) {
            Some(args) if body.contains("$ARGUMENTS") => body = body.replace("$ARGUMENTS", args),
            Some(args) => body.push_str(&format!("\n\nARGUMENTS: {args}")),
            None => {}
        }
        let dir = skill.dir();
        let mut out = format!("Skill `{}` (folder: {})\n", skill.name, dir.display());
        let files = other_files(dir);
        if !files.is_empty() {
            out.push_str(&format!("Other files in its folder: {}\n", files.join(", ")));
        }
        out.push('\n');
        out.push_str(&body);
        Ok(out)
    }
}

#[async_trait::async_trait]
impl Tool for SkillTool {
    fn spec(&self) -> ToolSpec {
        ToolSpec {
            namespace: None,
            format: jig_protocol::ToolFormat::Function,
            name: "skill".to_string(),
            description: DESCRIPTION.to_string(),
            parameters: serde_json::json!({
                "type": "object",
                "properties": {
                    "name": {"type": "string", "description": "The skill's name, as listed."}
                },
                "required": ["name"],
                "additionalProperties": false
            }),
        }
    }

    fn is_mutating(&self) -> bool {
        false
    }

    async fn run(&self, _ctx: &ToolContext, args: serde_json::Value) -> Result<ToolResult, ToolError> {
        let args: SkillArgs = parse_args("skill", args)?;
        self.load(&args.name, None).map(ToolResult::ok)
    }
}

/// The files of a skill's folder besides `SKILL.md`, relative, sorted, two
/// levels deep, hidden ones left out.
fn other_files(dir: &Path) -> Vec<String> {
    let mut files = Vec::new();
    collect(dir, dir, 0, &mut files);
    files.sort();
    if files.len() > MAX_FILES_NAMED {
        let more = files.len() - MAX_FILES_NAMED;
        files.truncate(MAX_FILES_NAMED);
        files.push(format!("and {more} more"));
    }
    files
}

fn collect(root: &Path, dir: &Path, depth: usize, out: &mut Vec<String>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.starts_with('.') || (depth == 0 && name == super::SKILL_FILE) {
            continue;
        }
        if path.is_dir() {
            if depth < 2 {
                collect(root, &path, depth + 1, out);
            }
        } else if let Ok(rel) = path.strip_prefix(root) {
            out.push(rel.display().to_string());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::skills::{SkillRoot, SkillScope, discover};

    fn set(dir: &Path) -> Arc<SkillSet> {
        let skill = dir.join("skills/greet");
        std::fs::create_dir_all(skill.join("scripts")).unwrap();
        std::fs::write(
            skill.join("SKILL.md"),
            "---\nname: greet\ndescription: Say hello\n---\n\n# Greet\nRun scripts/hello.sh with $ARGUMENTS.\n",
        )
        .unwrap();
        std::fs::write(skill.join("scripts/hello.sh"), "echo hi\n").unwrap();
        let roots = [SkillRoot {
            dir: dir.join("skills"),
            scope: SkillScope::User,
        }];
        Arc::new(discover(&roots))
    }

    #[test]
    fn loads_the_body_names_the_folder_and_its_files_and_fills_in_arguments() {
        let tmp = tempfile::tempdir().unwrap();
        let tool = SkillTool::new(set(tmp.path()));
        let text = tool.load("greet", Some("Ada")).unwrap();
        let folder = tmp.path().join("skills/greet");
        assert_eq!(
            text,
            format!(
                "Skill `greet` (folder: {})\nOther files in its folder: scripts/hello.sh\n\n# Greet\nRun scripts/hello.sh with Ada.",
                folder.display()
            )
        );
    }

    #[test]
    fn an_unknown_skill_names_the_ones_there_are() {
        let tmp = tempfile::tempdir().unwrap();
        let tool = SkillTool::new(set(tmp.path()));
        match tool.load("nope", None) {
            Err(ToolError::RespondToModel(text)) => {
                assert_eq!(text, "unknown skill `nope`; available skills: greet")
            }
            other => panic!("{other:?}"),
        }
    }
}
