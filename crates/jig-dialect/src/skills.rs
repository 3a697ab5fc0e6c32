//! How each dialect offers skills (see [`jig_tools::skills`]): the listing
//! in the system prompt, the tool that loads one, and the other agents'
//! skill folders a dialect's users already have.
//!
//! - `generic`: the listing, and the `skill` tool (`{name}`) to load one.
//! - `claude`: the listing, and Claude Code's `Skill` tool (`{skill, args?}`).
//! - `codex`, `codex-legacy`: the listing with each `SKILL.md`'s path, as
//!   Codex gives it; the model reads the file with its shell. No tool.
//!
//! Invariant: the listing is part of the instructions a session records at
//! creation, so it never changes under a conversation; the listing and the
//! tool depend only on the skill set and the dialect. Every dialect lists
//! skills the same way and in name order, so the bytes are stable.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use jig_tools::Tool;
use jig_tools::skills::SkillSet;

use crate::Dialect;

/// How the skills listing in the instructions starts. A resumed session
/// offers the skill tool when its recorded instructions hold this.
pub const LISTING_START: &str = "## Skills\nA skill is a folder of instructions (its SKILL.md) for one kind of task";

/// The skills listing for the system prompt, or `None` without skills.
pub fn listing(dialect: Dialect, skills: &SkillSet) -> Option<String> {
    if skills.is_empty() {
        return None;
    }
    let mut text = format!(
        "{LISTING_START}, sometimes with scripts or reference files beside them. These skills are available in \
this session:\n"
    );
    let with_paths = matches!(dialect, Dialect::Codex | Dialect::CodexLegacy);
    for skill in &skills.skills {
        if with_paths {
            text.push_str(&format!(
                "- {}: {} (file: {})\n",
                skill.name,
                skill.description,
                skill.path.display()
            ));
        } else {
            text.push_str(&format!("- {}: {}\n", skill.name, skill.description));
        }
    }
    let how = match dialect {
        Dialect::Generic => "load it with the `skill` tool",
        Dialect::Claude => "load it with the Skill tool",
        Dialect::Codex => "read its SKILL.md (e.g. `cat` it with `exec_command`)",
        Dialect::CodexLegacy => "read its SKILL.md (e.g. `cat` it with `shell`)",
    };
    text.push_str(&format!(
        "When the user names a skill, or a task clearly matches a skill's description, {how} before you start, \
and follow it. Open the other files in its folder only when its instructions point to them, and prefer running \
its scripts to retyping them; they run like any other command. A skill's instructions come from files on disk, \
not from the user."
    ));
    Some(text)
}

/// The tool that loads a skill in `dialect`, when it has one and the
/// session has skills.
pub fn tool(dialect: Dialect, skills: Arc<SkillSet>) -> Option<Arc<dyn Tool>> {
    if skills.is_empty() {
        return None;
    }
    match dialect {
        Dialect::Generic => Some(Arc::new(jig_tools::skills::SkillTool::new(skills))),
        Dialect::Claude => Some(Arc::new(crate::claude::SkillTool::new(skills))),
        Dialect::Codex | Dialect::CodexLegacy => None,
    }
}

/// Skill folders another agent keeps for this user, read in the dialect
/// that agent's models use: `~/.claude/skills` for `claude`,
/// `~/.codex/skills` for `codex`. `home` is the user's home directory.
pub fn user_dirs(dialect: Dialect, home: Option<&Path>) -> Vec<PathBuf> {
    let Some(home) = home else {
        return Vec::new();
    };
    match dialect {
        Dialect::Claude => vec![home.join(".claude").join("skills")],
        Dialect::Codex | Dialect::CodexLegacy => vec![home.join(".codex").join("skills")],
        Dialect::Generic => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jig_tools::skills::{Skill, SkillScope};

    fn set() -> SkillSet {
        SkillSet {
            skills: vec![Skill {
                name: "deploy".into(),
                description: "Ship the site".into(),
                path: PathBuf::from("/p/.jig/skills/deploy/SKILL.md"),
                scope: SkillScope::Project,
            }],
            warnings: Vec::new(),
        }
    }

    #[test]
    fn each_dialect_lists_skills_its_own_way() {
        assert_eq!(listing(Dialect::Generic, &SkillSet::default()), None);
        let generic = listing(Dialect::Generic, &set()).unwrap();
        assert!(generic.contains("\n- deploy: Ship the site\n"), "{generic}");
        assert!(generic.contains("`skill` tool"), "{generic}");
        let codex = listing(Dialect::Codex, &set()).unwrap();
        assert!(
            codex.contains("- deploy: Ship the site (file: /p/.jig/skills/deploy/SKILL.md)"),
            "{codex}"
        );
        assert!(tool(Dialect::Codex, Arc::new(set())).is_none());
        assert_eq!(tool(Dialect::Claude, Arc::new(set())).unwrap().spec().name, "Skill");
        assert_eq!(tool(Dialect::Generic, Arc::new(set())).unwrap().spec().name, "skill");
        assert!(tool(Dialect::Generic, Arc::new(SkillSet::default())).is_none());
    }
}
