//! Rule files: format, loading, and matching one rule against one view.
//!
//! Three layers, loaded by [`Policy::load`]: built-in defaults
//! (`src/defaults.toml`), the user's `$JIG_HOME/rules.toml`, and the
//! project's `.jig/rules.toml`. A missing file is an empty layer. Until the
//! user trusts the project ([`ProjectRules`]), its rules may only tighten:
//! `allow` rules are left out (and reported by
//! [`Policy::ignored_project_rules`]), `prompt` and `forbid` apply. Format:
//!
//! ```toml
//! [[rule]]
//! pattern = ["git", "push"]                  # positional prefix of the argv
//! anywhere = [["--force", "-f"], ["main", "release/*"]]  # each must match some later argument
//! writes = [".git/hooks/*"]                  # some written path matches (see below)
//! piped_from = [["curl", "wget"]]            # an earlier pipeline stage runs one of these
//! decision = "forbid"                        # allow | prompt | forbid
//! reason = "force-push rewrites shared history"
//! ```
//!
//! Every key but `decision` is optional, but a rule needs `pattern` or
//! `writes`. All present conditions must hold. Each element is a word or a
//! list of alternative words. A word is a shell `case`-style glob when it
//! contains `*`, `?` or `[` (`*` also matches `/`; write `[*]` for a literal
//! star); otherwise it is literal, except that a one-letter short flag such
//! as `-f` also matches a cluster containing it (`-rf`, `-fr`, `-uf`). The
//! first pattern word also matches the program's basename (`rm` matches
//! `/bin/rm`). `anywhere` elements are looked for after the `pattern`
//! prefix (after the program when `pattern` is empty), in any order.
//! `writes` globs match a target when they match the whole path or a tail
//! of it starting after a `/`, so `.git/hooks/*` matches
//! `/repo/.git/hooks/pre-commit`; leading `./` and trailing `/` are
//! ignored. A rule's *specificity* is its number of conditions:
//! `pattern` words + `anywhere` elements + 1 for `writes` + 1 for
//! `piped_from`.
//!
//! Invariant: a loaded [`Policy`] only holds rules that validated; errors
//! name the file, the line and what to write instead. This module must not
//! decide precedence between rules — that is [`crate::eval`]'s job.

use crate::Decision;
use crate::glob::Glob;
use crate::parse::SimpleCommand;
use crate::unwrap::basename;
use serde::Deserialize;
use std::fmt;
use std::path::{Path, PathBuf};

/// Where a rule came from. Ordered by precedence: `Project` beats `User`
/// beats `Default` when two rules are equally specific.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// Built into jig.
    Default,
    /// The user's `$JIG_HOME/rules.toml`.
    User(PathBuf),
    /// The project's `.jig/rules.toml`.
    Project(PathBuf),
}

impl Source {
    pub(crate) fn rank(&self) -> u8 {
        match self {
            Source::Default => 0,
            Source::User(_) => 1,
            Source::Project(_) => 2,
        }
    }
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Source::Default => f.write_str("built-in defaults"),
            Source::User(path) => write!(f, "user rules {}", path.display()),
            Source::Project(path) => write!(f, "project rules {}", path.display()),
        }
    }
}

/// A pointer to the rule that decided, for explanations.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleRef {
    /// The layer (and file) the rule is in.
    pub source: Source,
    /// Position of the rule in its file, from 0.
    pub index: usize,
    /// Line of the rule's `[[rule]]` table in its file, from 1.
    pub line: usize,
    /// The rule's conditions, rendered on one line.
    pub pattern_display: String,
    /// The rule's `reason`.
    pub reason: String,
}

/// A rule file could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum PolicyError {
    /// The file exists but could not be read.
    #[error("cannot read rules file {}: {source}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// What the OS said.
        source: std::io::Error,
    },
    /// The file is not a valid rules file.
    #[error("invalid rules file {}:{line}: {message}", path.display())]
    Invalid {
        /// The file (`<built-in>` for the defaults).
        path: PathBuf,
        /// Line of the problem, from 1.
        line: usize,
        /// What is wrong and what is accepted.
        message: String,
    },
}

/// Loaded rules, in layers.
#[derive(Debug, Clone)]
pub struct Policy {
    pub(crate) layers: Vec<Layer>,
    /// Project `allow` rules left out because the project is not trusted.
    ignored: Option<IgnoredRules>,
}

/// Whether a project's rules may loosen decisions. A checked-out repository
/// is untrusted input until the user trusts it (`jig trust`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProjectRules {
    /// The user trusts the project: its rules apply as written.
    Trusted,
    /// Not trusted: its `allow` rules are left out; `prompt` and `forbid`,
    /// which only make things stricter, apply.
    TightenOnly,
}

/// The `allow` rules of an untrusted project's rule file that were left out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IgnoredRules {
    /// The project's `.jig/rules.toml`.
    pub path: PathBuf,
    /// Line of each left-out rule's `[[rule]]`, from 1.
    pub lines: Vec<usize>,
}

#[derive(Debug, Clone)]
pub(crate) struct Layer {
    pub(crate) source: Source,
    pub(crate) rules: Vec<Rule>,
}

const DEFAULTS: &str = include_str!("defaults.toml");

impl Policy {
    /// The built-in rules only.
    pub fn defaults() -> Policy {
        let layer = match parse_layer(Source::Default, Path::new("<built-in>"), DEFAULTS) {
            Ok(layer) => layer,
            // Unreachable: `defaults.toml` is compiled in and the test
            // `defaults_parse` loads it; an empty layer keeps this total.
            Err(_) => Layer {
                source: Source::Default,
                rules: Vec::new(),
            },
        };
        Policy {
            layers: vec![layer],
            ignored: None,
        }
    }

    /// Defaults plus `$user_dir/rules.toml` and
    /// `$project_dir/.jig/rules.toml`, each when the directory is given and
    /// the file exists; the project's rules as `project` allows.
    pub fn load(
        project_dir: Option<&Path>,
        user_dir: Option<&Path>,
        project: ProjectRules,
    ) -> Result<Policy, PolicyError> {
        let mut policy = Policy::defaults();
        if let Some(dir) = user_dir {
            let path = dir.join("rules.toml");
            if let Some(text) = read_optional(&path)? {
                policy = policy.with_rules(Source::User(path), &text)?;
            }
        }
        if let Some(dir) = project_dir {
            let path = dir.join(".jig").join("rules.toml");
            if let Some(text) = read_optional(&path)? {
                policy = policy.with_rules(Source::Project(path), &text)?;
                if project == ProjectRules::TightenOnly {
                    policy.drop_project_allows();
                }
            }
        }
        Ok(policy)
    }

    /// Leaves out the project layer's `allow` rules, remembering where they were.
    fn drop_project_allows(&mut self) {
        for layer in &mut self.layers {
            let Source::Project(path) = &layer.source else { continue };
            let mut lines = Vec::new();
            layer.rules.retain(|rule| {
                let allow = rule.decision == Decision::Allow;
                if allow {
                    lines.push(rule.line);
                }
                !allow
            });
            if !lines.is_empty() {
                self.ignored = Some(IgnoredRules {
                    path: path.clone(),
                    lines,
                });
            }
        }
    }

    /// The project `allow` rules left out because the project is not
    /// trusted, if there were any.
    pub fn ignored_project_rules(&self) -> Option<&IgnoredRules> {
        self.ignored.as_ref()
    }

    /// Adds a layer from TOML text (the path inside `source` is only used
    /// in messages).
    pub fn with_rules(mut self, source: Source, toml_text: &str) -> Result<Policy, PolicyError> {
        let path = match &source {
            Source::Default => PathBuf::from("<built-in>"),
            Source::User(p) | Source::Project(p) => p.clone(),
        };
        let layer = parse_layer(source, &path, toml_text)?;
        self.layers.push(layer);
        self.layers.sort_by_key(|l| l.source.rank());
        Ok(self)
    }

    /// How many rules are loaded, over all layers.
    pub fn len(&self) -> usize {
        self.layers.iter().map(|l| l.rules.len()).sum()
    }

    /// True when no rules are loaded.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

fn read_optional(path: &Path) -> Result<Option<String>, PolicyError> {
    match std::fs::read_to_string(path) {
        Ok(text) => Ok(Some(text)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(source) => Err(PolicyError::Read {
            path: path.to_path_buf(),
            source,
        }),
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    #[serde(default)]
    rule: Vec<toml::Spanned<RawRule>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRule {
    #[serde(default)]
    pattern: Vec<RawElement>,
    #[serde(default)]
    anywhere: Vec<RawElement>,
    #[serde(default)]
    writes: Vec<String>,
    #[serde(default)]
    piped_from: Vec<RawElement>,
    decision: Decision,
    #[serde(default)]
    reason: String,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum RawElement {
    One(String),
    Any(Vec<String>),
}

fn line_of(text: &str, offset: usize) -> usize {
    text.get(..offset).map_or(1, |t| t.matches('\n').count() + 1)
}

fn parse_layer(source: Source, path: &Path, text: &str) -> Result<Layer, PolicyError> {
    let invalid = |line: usize, message: String| PolicyError::Invalid {
        path: path.to_path_buf(),
        line,
        message,
    };
    let raw: RawFile = toml::from_str(text).map_err(|e| {
        let line = e.span().map_or(1, |s| line_of(text, s.start));
        let message = e.message().trim().replace(
            "data did not match any variant of untagged enum RawElement",
            "each element must be a string or a list of strings",
        );
        invalid(line, message)
    })?;
    let mut rules = Vec::new();
    for spanned in raw.rule {
        let line = line_of(text, spanned.span().start);
        let rule = Rule::compile(spanned.into_inner(), line).map_err(|m| invalid(line, m))?;
        rules.push(rule);
    }
    Ok(Layer { source, rules })
}

/// One compiled rule.
#[derive(Debug, Clone)]
pub(crate) struct Rule {
    pattern: Vec<Element>,
    anywhere: Vec<Element>,
    writes: Vec<Glob>,
    piped_from: Vec<Element>,
    pub(crate) decision: Decision,
    pub(crate) reason: String,
    pub(crate) display: String,
    pub(crate) line: usize,
}

#[derive(Debug, Clone)]
struct Element {
    words: Vec<Word>,
    text: String,
}

#[derive(Debug, Clone)]
enum Word {
    Literal(String),
    Glob(Glob),
}

impl Element {
    fn compile(raw: RawElement) -> Result<Element, String> {
        let alternatives = match raw {
            RawElement::One(word) => vec![word],
            RawElement::Any(words) => words,
        };
        if alternatives.is_empty() {
            return Err("an empty list of alternatives matches nothing; remove it or add words".into());
        }
        let text = if alternatives.len() == 1 {
            alternatives[0].clone()
        } else {
            let shown: Vec<&str> = alternatives.iter().take(4).map(String::as_str).collect();
            let more = if alternatives.len() > 4 { "|…" } else { "" };
            format!("({}{more})", shown.join("|"))
        };
        let words = alternatives
            .into_iter()
            .map(|w| {
                if Glob::is_pattern(&w) {
                    Glob::new(&w).map(Word::Glob)
                } else {
                    Ok(Word::Literal(w))
                }
            })
            .collect::<Result<_, _>>()?;
        Ok(Element { words, text })
    }

    fn matches(&self, arg: &str) -> bool {
        self.words.iter().any(|w| match w {
            Word::Glob(g) => g.matches(arg),
            Word::Literal(l) => l == arg || short_flag_in_cluster(l, arg),
        })
    }
}

/// `-f` matches `-rf`: a one-letter flag inside a cluster of short flags.
fn short_flag_in_cluster(flag: &str, arg: &str) -> bool {
    let mut flag_chars = flag.chars();
    let (Some('-'), Some(letter), None) = (flag_chars.next(), flag_chars.next(), flag_chars.next()) else {
        return false;
    };
    match arg.strip_prefix('-') {
        Some(cluster) if !cluster.starts_with('-') && cluster.len() > 1 => {
            cluster.chars().all(|c| c.is_ascii_alphabetic()) && cluster.contains(letter)
        }
        _ => false,
    }
}

fn compile_elements(raw: Vec<RawElement>) -> Result<Vec<Element>, String> {
    raw.into_iter().map(Element::compile).collect()
}

impl Rule {
    fn compile(raw: RawRule, line: usize) -> Result<Rule, String> {
        if raw.pattern.is_empty() && raw.writes.is_empty() {
            return Err("a rule needs `pattern` (argv prefix) or `writes` (path globs)".into());
        }
        let pattern = compile_elements(raw.pattern)?;
        let anywhere = compile_elements(raw.anywhere)?;
        let piped_from = compile_elements(raw.piped_from)?;
        let writes = raw.writes.iter().map(|w| Glob::new(w)).collect::<Result<Vec<_>, _>>()?;
        let mut parts: Vec<String> = pattern.iter().map(|e| e.text.clone()).collect();
        if !anywhere.is_empty() {
            parts.push("…".into());
            parts.extend(anywhere.iter().map(|e| e.text.clone()));
        }
        if !raw.writes.is_empty() {
            parts.push(format!("writes ({})", raw.writes.join("|")));
        }
        if !piped_from.is_empty() {
            let from: Vec<String> = piped_from.iter().map(|e| e.text.clone()).collect();
            parts.push(format!("piped from {}", from.join(" ")));
        }
        Ok(Rule {
            pattern,
            anywhere,
            writes,
            piped_from,
            decision: raw.decision,
            reason: raw.reason,
            display: parts.join(" "),
            line,
        })
    }

    /// Whether this rule judges writes (and so is matched once per command
    /// rather than once per view).
    pub(crate) fn is_write_rule(&self) -> bool {
        !self.writes.is_empty()
    }

    pub(crate) fn specificity(&self) -> usize {
        self.pattern.len()
            + self.anywhere.len()
            + usize::from(!self.writes.is_empty())
            + usize::from(!self.piped_from.is_empty())
    }

    /// Whether the rule matches `view` of `command` (whose writes are
    /// `writes`).
    pub(crate) fn matches(&self, view: &[String], command: &SimpleCommand, writes: &[String]) -> bool {
        if view.len() < self.pattern.len() {
            return false;
        }
        for (i, (element, arg)) in self.pattern.iter().zip(view).enumerate() {
            let hit = element.matches(arg) || (i == 0 && element.matches(basename(arg)));
            if !hit {
                return false;
            }
        }
        let rest = &view[self.pattern.len().max(1).min(view.len())..];
        if !self.anywhere.iter().all(|e| rest.iter().any(|a| e.matches(a))) {
            return false;
        }
        if !self.piped_from.is_empty()
            && !self
                .piped_from
                .iter()
                .all(|e| command.piped_from.iter().any(|p| e.matches(p)))
        {
            return false;
        }
        if !self.writes.is_empty() && !writes.iter().any(|w| self.writes.iter().any(|g| path_matches(g, w))) {
            return false;
        }
        true
    }
}

fn path_matches(glob: &Glob, path: &str) -> bool {
    let mut path = path.trim_end_matches('/');
    while let Some(rest) = path.strip_prefix("./") {
        path = rest;
    }
    if glob.matches(path) {
        return true;
    }
    path.match_indices('/').any(|(i, _)| glob.matches(&path[i + 1..]))
}
