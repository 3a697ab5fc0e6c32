//! What a project and its user tell a new session besides the settings:
//! the instructions files ([`crate::project_docs`]) and the skills
//! ([`jig_tools::skills`]), gathered once for a session in a directory.
//!
//! Invariant: a new session's instructions are the profile's, then the
//! instructions files, then the skills listing, in that order, decided here
//! and recorded in `session_meta`; a resumed session keeps the recorded text
//! and offers the skill tool exactly when that text lists skills, so
//! neither its instructions nor its tools change because files changed on
//! disk. Repository content is untrusted: instructions and skills are text
//! for the model and grant nothing; a skill's scripts run, if the model runs
//! them, through the shell tool's sandbox, rules and approvals.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use jig_config::{EnvSnapshot, Settings, Source};
use jig_dialect::Dialect;
use jig_tools::Tool;
use jig_tools::skills::SkillSet;

use crate::project_docs::{self, ProjectDocs};

/// The instructions files and skills of a session in one directory.
#[derive(Debug, Clone)]
pub struct ProjectContext {
    /// The instructions files and their text.
    pub docs: ProjectDocs,
    /// The skills, and the `SKILL.md` files skipped.
    pub skills: Arc<SkillSet>,
    dialect: Dialect,
}

impl ProjectContext {
    /// Reads the instructions files and finds the skills for a session in
    /// `cwd` speaking `dialect`.
    pub fn load(settings: &Settings, env: &EnvSnapshot, cwd: &Path, dialect: Dialect) -> Self {
        let home = user_home(settings);
        ProjectContext {
            docs: project_docs::load(cwd, home, dialect, project_docs::MAX_BYTES),
            skills: Arc::new(skills(settings, env, cwd, dialect)),
            dialect,
        }
    }

    /// `base` (the profile's instructions) followed by the instructions
    /// files and the skills listing.
    pub fn instructions(&self, base: &str) -> String {
        let listing = jig_dialect::skills::listing(self.dialect, &self.skills);
        let mut text = base.to_string();
        for section in [self.docs.text.as_deref(), listing.as_deref()].into_iter().flatten() {
            text.push_str("\n\n");
            text.push_str(section);
        }
        text
    }

    /// The tool that loads a skill, when the dialect has one and there are skills.
    pub fn skill_tool(&self) -> Option<Arc<dyn Tool>> {
        jig_dialect::skills::tool(self.dialect, Arc::clone(&self.skills))
    }

    /// What `jig config show` lists, as `(key, value, where from)`: each
    /// instructions file with its size and whether it was cut, then each
    /// skill with its description.
    pub fn explain(&self) -> Vec<(String, String, String)> {
        let mut lines = Vec::new();
        for (index, file) in self.docs.files.iter().enumerate() {
            let size = if file.is_cut() {
                format!("{} bytes, cut to {} bytes", file.bytes, file.kept)
            } else {
                format!("{} bytes", file.bytes)
            };
            let whose = match file.scope {
                project_docs::DocScope::User => "user",
                project_docs::DocScope::Project => "project",
            };
            lines.push((
                format!("instructions[{index}]"),
                format!("{} ({size})", file.path.display()),
                format!("{whose} instructions file, {} dialect", self.dialect),
            ));
        }
        for skill in &self.skills.skills {
            lines.push((
                format!("skills.{}", skill.name),
                skill.description.clone(),
                format!("{} skill {}", skill.scope.as_str(), skill.path.display()),
            ));
        }
        lines
    }

    /// What the person should be told: files cut or unreadable, skills skipped.
    pub fn warnings(&self) -> Vec<String> {
        let skipped = self.skills.warnings.iter().map(ToString::to_string);
        self.docs.warnings.iter().cloned().chain(skipped).collect()
    }
}

/// The skill tool of a resumed session whose recorded instructions are
/// `recorded`: offered only when they list skills, loading the skills as
/// they are on disk now.
pub fn resumed_skill_tool(
    settings: &Settings,
    env: &EnvSnapshot,
    cwd: &Path,
    dialect: Dialect,
    recorded: &str,
) -> Option<Arc<dyn Tool>> {
    if !recorded.contains(jig_dialect::skills::LISTING_START) {
        return None;
    }
    jig_dialect::skills::tool(dialect, Arc::new(skills(settings, env, cwd, dialect)))
}

/// The user's data directory, when it is theirs: a data directory from
/// neither `JIG_HOME` nor `HOME` is relative, i.e. in the workspace.
pub fn user_home(settings: &Settings) -> Option<&Path> {
    (settings.source("home") != &Source::Default).then_some(settings.home.as_path())
}

fn skills(settings: &Settings, env: &EnvSnapshot, cwd: &Path, dialect: Dialect) -> SkillSet {
    let home = env.get(jig_config::env::HOME).map(PathBuf::from);
    let extra = jig_dialect::skills::user_dirs(dialect, home.as_deref());
    jig_tools::skills::discover(&jig_tools::skills::roots(cwd, user_home(settings), &extra))
}
