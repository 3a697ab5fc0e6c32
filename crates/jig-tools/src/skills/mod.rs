//! Skills: folders holding a `SKILL.md` (YAML frontmatter with `name` and
//! `description`, then instructions in Markdown) and, beside it, any scripts,
//! references or templates the instructions mention — the on-disk format
//! Claude Code and Codex share, so their skills work unchanged.
//!
//! A session lists its skills to the model by name and description only;
//! the model loads one in full when a task calls for it (progressive
//! disclosure): through [`SkillTool`] (`skill`, and Claude Code's `Skill`
//! in the `claude` dialect), or by reading the `SKILL.md` with its shell
//! (Codex). A skill's scripts run through the dialect's shell tool, so they
//! meet the same sandbox, exec-policy rules and approvals as any command:
//! a skill never widens what the session may do.
//!
//! Invariants: discovery never fails and never panics: a `SKILL.md` that
//! cannot be read, has no frontmatter, or lacks `name` or `description` is
//! skipped with a [`SkillWarning`] naming the file; the first skill of a
//! name wins (roots are searched in the order given, nearest first); the
//! list is sorted by name, so the same folders always give the same bytes.

pub mod frontmatter;
mod tool;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

pub use tool::SkillTool;

/// The file that makes a folder a skill.
pub const SKILL_FILE: &str = "SKILL.md";
/// Longest skill name (Codex's and the Agent Skills format's limit).
pub const MAX_NAME_CHARS: usize = 64;
/// Longest description (Codex's and the Agent Skills format's limit).
pub const MAX_DESCRIPTION_CHARS: usize = 1024;
/// How deep below a root a `SKILL.md` is looked for (Codex nests skills in
/// folders of folders; symbolic links are followed, so the depth also ends loops).
const MAX_DEPTH: usize = 4;
/// Most skills one session lists; more would crowd the instructions.
pub const MAX_SKILLS: usize = 200;

/// Where a skill was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum SkillScope {
    /// In the project (`.jig/skills`, `.claude/skills`, `.codex/skills`, `.agents/skills`).
    Project,
    /// The user's own (`$JIG_HOME/skills`, `~/.claude/skills`, `~/.codex/skills`).
    User,
}

impl SkillScope {
    /// `project` or `user`.
    pub fn as_str(self) -> &'static str {
        match self {
            SkillScope::Project => "project",
            SkillScope::User => "user",
        }
    }
}

/// A folder searched for skills.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SkillRoot {
    /// The folder (its subfolders hold the skills).
    pub dir: PathBuf,
    /// Whose skills these are.
    pub scope: SkillScope,
}

/// One skill, as listed to the model.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Skill {
    /// The frontmatter's `name`, on one line.
    pub name: String,
    /// The frontmatter's `description`, on one line.
    pub description: String,
    /// The `SKILL.md` file.
    pub path: PathBuf,
    /// Whose skill it is.
    pub scope: SkillScope,
}

impl Skill {
    /// The skill's folder (where its scripts and references live).
    pub fn dir(&self) -> &Path {
        self.path.parent().unwrap_or(Path::new("."))
    }
}

/// A `SKILL.md` that was skipped, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SkillWarning {
    /// The file.
    pub path: PathBuf,
    /// What is wrong with it.
    pub reason: String,
}

impl std::fmt::Display for SkillWarning {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "skipped skill {}: {}", self.path.display(), self.reason)
    }
}

/// The skills of a session and the files skipped on the way.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SkillSet {
    /// Usable skills, sorted by name, names unique.
    pub skills: Vec<Skill>,
    /// Files that were skipped.
    pub warnings: Vec<SkillWarning>,
}

impl SkillSet {
    /// Whether there is no skill to list.
    pub fn is_empty(&self) -> bool {
        self.skills.is_empty()
    }

    /// The skill named `name`.
    pub fn get(&self, name: &str) -> Option<&Skill> {
        self.skills.iter().find(|s| s.name == name)
    }
}

/// The skill folders of a project in `cwd` and of the user: every
/// directory from `cwd` up to the repository root (the nearest ancestor
/// holding `.git`; just `cwd` outside a repository), nearest first, each
/// with `.jig/skills`, `.claude/skills`, `.codex/skills` and
/// `.agents/skills`; then `$JIG_HOME/skills` (`user_home`, when there is
/// one) and the `extra_user` folders (another agent's, such as
/// `~/.codex/skills`).
pub fn roots(cwd: &Path, user_home: Option<&Path>, extra_user: &[PathBuf]) -> Vec<SkillRoot> {
    let mut roots = Vec::new();
    for dir in project_dirs(cwd).iter().rev() {
        for sub in [".jig", ".claude", ".codex", ".agents"] {
            roots.push(SkillRoot {
                dir: dir.join(sub).join("skills"),
                scope: SkillScope::Project,
            });
        }
    }
    let user = user_home.map(|home| home.join("skills"));
    for dir in user.into_iter().chain(extra_user.iter().cloned()) {
        roots.push(SkillRoot {
            dir,
            scope: SkillScope::User,
        });
    }
    roots
}

/// The directories from the repository root of `cwd` down to `cwd`
/// (the root first), or just `cwd` when no ancestor holds `.git`.
pub fn project_dirs(cwd: &Path) -> Vec<PathBuf> {
    let mut chain = Vec::new();
    for dir in cwd.ancestors() {
        chain.push(dir.to_path_buf());
        if dir.join(".git").exists() {
            chain.reverse();
            return chain;
        }
    }
    vec![cwd.to_path_buf()]
}

/// Every skill under `roots`, first of a name winning, sorted by name.
pub fn discover(roots: &[SkillRoot]) -> SkillSet {
    let mut set = SkillSet::default();
    let mut names = BTreeSet::new();
    let mut seen_files = BTreeSet::new();
    for root in roots {
        let mut files = Vec::new();
        find_skill_files(&root.dir, 0, &mut files);
        files.sort();
        for path in files {
            let key = path.canonicalize().unwrap_or_else(|_| path.clone());
            if !seen_files.insert(key) {
                continue;
            }
            match read_skill(&path, root.scope) {
                Ok(skill) => {
                    if names.len() < MAX_SKILLS && names.insert(skill.name.clone()) {
                        set.skills.push(skill);
                    }
                }
                Err(reason) => set.warnings.push(SkillWarning { path, reason }),
            }
        }
    }
    set.skills.sort_by(|a, b| a.name.cmp(&b.name));
    set
}

/// Collects the `SKILL.md` files at or below `dir`, not inside hidden folders.
fn find_skill_files(dir: &Path, depth: usize, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut subdirs = Vec::new();
    for entry in entries.flatten() {
        let path = entry.path();
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if name.starts_with('.') {
            continue;
        }
        if name == SKILL_FILE && path.is_file() {
            out.push(path);
        } else if depth < MAX_DEPTH && path.is_dir() {
            subdirs.push(path);
        }
    }
    for sub in subdirs {
        find_skill_files(&sub, depth + 1, out);
    }
}

/// Reads one `SKILL.md`'s name and description.
fn read_skill(path: &Path, scope: SkillScope) -> Result<Skill, String> {
    let text = std::fs::read_to_string(path).map_err(|err| format!("cannot read it ({err})"))?;
    let parsed = frontmatter::parse(&text).map_err(|err| err.to_string())?;
    let field = |key: &str, max: usize| -> Result<String, String> {
        let value = parsed.fields.get(key).map(|v| one_line(v)).unwrap_or_default();
        if value.is_empty() {
            return Err(format!(
                "the frontmatter has no `{key}`; add `{key}: ...` between the `---` lines"
            ));
        }
        if value.chars().count() > max {
            return Err(format!("its `{key}` is longer than {max} characters; shorten it"));
        }
        Ok(value)
    };
    Ok(Skill {
        name: field("name", MAX_NAME_CHARS)?,
        description: field("description", MAX_DESCRIPTION_CHARS)?,
        path: path.to_path_buf(),
        scope,
    })
}

/// `text` with every run of whitespace, line breaks included, as one space.
fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(dir: &Path, rel: &str, text: &str) -> PathBuf {
        let path = dir.join(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, text).unwrap();
        path
    }

    #[test]
    fn finds_skills_nearest_first_and_warns_about_broken_ones() {
        let tmp = tempfile::tempdir().unwrap();
        let repo = tmp.path().join("repo");
        let cwd = repo.join("sub");
        std::fs::create_dir_all(repo.join(".git")).unwrap();
        std::fs::create_dir_all(&cwd).unwrap();
        let home = tmp.path().join("home");
        write(
            &repo,
            ".claude/skills/lint/SKILL.md",
            "---\nname: lint\ndescription: from the root\n---\nroot",
        );
        write(
            &cwd,
            ".jig/skills/lint/SKILL.md",
            "---\nname: lint\ndescription: from sub\n---\nsub",
        );
        write(
            &home,
            "skills/deploy/SKILL.md",
            "---\nname: deploy\ndescription: |\n  ship it\n  now\n---\n",
        );
        let broken = write(&repo, ".codex/skills/broken/SKILL.md", "# no frontmatter\n");
        let nameless = write(
            &repo,
            ".codex/skills/group/nameless/SKILL.md",
            "---\ndescription: x\n---\n",
        );
        write(
            &repo,
            ".codex/skills/.hidden/SKILL.md",
            "---\nname: hidden\ndescription: x\n---\n",
        );

        let set = discover(&roots(&cwd, Some(&home), &[]));
        let listed: Vec<(&str, &str, SkillScope)> = set
            .skills
            .iter()
            .map(|s| (s.name.as_str(), s.description.as_str(), s.scope))
            .collect();
        assert_eq!(
            listed,
            [
                ("deploy", "ship it now", SkillScope::User),
                ("lint", "from sub", SkillScope::Project)
            ]
        );
        let warned: Vec<&Path> = set.warnings.iter().map(|w| w.path.as_path()).collect();
        assert_eq!(warned, [broken.as_path(), nameless.as_path()]);
        assert!(
            set.warnings[0].to_string().contains("no YAML frontmatter"),
            "{}",
            set.warnings[0]
        );
        assert!(set.warnings[1].to_string().contains("no `name`"), "{}", set.warnings[1]);
    }

    #[test]
    fn outside_a_repository_only_the_working_directory_counts() {
        let tmp = tempfile::tempdir().unwrap();
        let cwd = tmp.path().join("a/b");
        std::fs::create_dir_all(&cwd).unwrap();
        assert_eq!(project_dirs(&cwd), [cwd]);
    }
}
