//! The environment of the commands the agent runs: Codex's
//! `shell_environment_policy`, with the same keys and the same order of steps.
//!
//! [`CommandEnv::resolve`] builds a command's environment from jig's own:
//!
//! 1. the starting set, by [`Inherit`]: everything, the core variables
//!    ([`CORE_VARS`]: home, user, shell, `PATH` and the temp directories),
//!    or nothing;
//! 2. unless `ignore_default_excludes`, every variable whose name matches
//!    [`DEFAULT_EXCLUDES`] (`*KEY*`, `*SECRET*`, `*TOKEN*`) is removed;
//! 3. every variable matching an `exclude` pattern is removed;
//! 4. the `set` values are added (replacing any of the same name);
//! 5. when `include_only` is not empty, only the variables matching one of
//!    its patterns are kept.
//!
//! Patterns are globs (`*`, `?`, `[…]`) matched against the whole name,
//! case-insensitively, through `globset`.
//!
//! jig's default differs from Codex's in one step: secrets are removed
//! (step 2 runs) unless the user says otherwise. jig's own API keys, a cloud
//! token or a registry credential in the shell that started jig are the
//! user's, not the project's: a test suite or build script in a cloned
//! repository — code the user has not read — should not get them just
//! because the agent ran `make`. A user whose commands need one turns the
//! step off (`ignore_default_excludes = true`) and, if they like, removes
//! the rest by pattern (`exclude`). Codex made the same call at first and
//! now ships with the step off; Claude Code keeps secrets unless
//! `CLAUDE_CODE_SUBPROCESS_ENV_SCRUB` is set.
//!
//! Invariant: the resolved map is the command's whole environment (the
//! command is started from an empty one); jig adds only the `rg` shim's
//! `PATH` entry and the model's per-call `env` on top.

use std::collections::BTreeMap;
use std::ffi::{OsStr, OsString};
use std::sync::LazyLock;

use globset::{Glob, GlobBuilder, GlobMatcher};

/// Variables kept by [`Inherit::Core`] (Codex's list).
pub const CORE_VARS: &[&str] = &[
    "HOME", "LOGNAME", "PATH", "SHELL", "USER", "USERNAME", "TMPDIR", "TEMP", "TMP",
];

/// Names removed unless `ignore_default_excludes` (Codex's list).
pub const DEFAULT_EXCLUDES: &[&str] = &["*KEY*", "*SECRET*", "*TOKEN*"];

/// [`DEFAULT_EXCLUDES`], compiled once (a unit test checks every one compiles).
static DEFAULTS: LazyLock<Vec<NamePattern>> = LazyLock::new(|| {
    DEFAULT_EXCLUDES
        .iter()
        .filter_map(|text| NamePattern::new(text).ok())
        .collect()
});

/// Where a command's environment starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Inherit {
    /// Every variable jig has.
    #[default]
    All,
    /// Only [`CORE_VARS`].
    Core,
    /// None.
    None,
}

/// A glob over variable names, matched case-insensitively.
#[derive(Debug, Clone)]
pub struct NamePattern {
    text: String,
    matcher: GlobMatcher,
}

impl NamePattern {
    /// Compiles `text`; the error says what is wrong with it.
    pub fn new(text: &str) -> Result<Self, String> {
        let glob: Glob = GlobBuilder::new(text)
            .case_insensitive(true)
            .literal_separator(false)
            .build()
            .map_err(|e| format!("`{text}` is not a valid pattern: {e}"))?;
        Ok(NamePattern {
            text: text.to_owned(),
            matcher: glob.compile_matcher(),
        })
    }

    /// The pattern as written.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// Whether `name` matches.
    pub fn matches(&self, name: &OsStr) -> bool {
        self.matcher.is_match(name.to_string_lossy().as_ref())
    }
}

/// How the environment of the agent's commands is made (see the module doc).
#[derive(Debug, Clone)]
pub struct CommandEnv {
    /// The starting set.
    pub inherit: Inherit,
    /// Keep the variables that [`DEFAULT_EXCLUDES`] would remove.
    pub ignore_default_excludes: bool,
    /// Variables to remove.
    pub exclude: Vec<NamePattern>,
    /// Variables to add or replace.
    pub set: BTreeMap<String, String>,
    /// When not empty, the only variables kept.
    pub include_only: Vec<NamePattern>,
}

impl Default for CommandEnv {
    /// jig's default: everything but what looks like a secret.
    fn default() -> Self {
        CommandEnv {
            inherit: Inherit::All,
            ignore_default_excludes: false,
            exclude: Vec::new(),
            set: BTreeMap::new(),
            include_only: Vec::new(),
        }
    }
}

impl CommandEnv {
    /// Everything jig has, unchanged (for tests and embedders that want it).
    pub fn inherit_all() -> Self {
        CommandEnv {
            ignore_default_excludes: true,
            ..CommandEnv::default()
        }
    }

    /// A command's environment, from `vars` (jig's own, in practice).
    pub fn resolve(&self, vars: impl IntoIterator<Item = (OsString, OsString)>) -> BTreeMap<OsString, OsString> {
        let defaults: &[NamePattern] = if self.ignore_default_excludes { &[] } else { &DEFAULTS };
        let any = |patterns: &[NamePattern], name: &OsStr| patterns.iter().any(|p| p.matches(name));
        let mut env: BTreeMap<OsString, OsString> = vars
            .into_iter()
            .filter(|(name, _)| match self.inherit {
                Inherit::All => true,
                Inherit::Core => CORE_VARS.iter().any(|core| name == *core),
                Inherit::None => false,
            })
            .filter(|(name, _)| !any(defaults, name) && !any(&self.exclude, name))
            .collect();
        for (name, value) in &self.set {
            env.insert(name.into(), value.into());
        }
        if !self.include_only.is_empty() {
            env.retain(|name, _| any(&self.include_only, name));
        }
        env
    }

    /// The environment for a command started now, from jig's own.
    pub fn current(&self) -> BTreeMap<OsString, OsString> {
        self.resolve(std::env::vars_os())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars(pairs: &[(&str, &str)]) -> Vec<(OsString, OsString)> {
        pairs.iter().map(|(k, v)| (k.into(), v.into())).collect()
    }

    fn names(env: &BTreeMap<OsString, OsString>) -> Vec<&str> {
        env.keys().filter_map(|k| k.to_str()).collect()
    }

    fn patterns(texts: &[&str]) -> Vec<NamePattern> {
        texts.iter().map(|t| NamePattern::new(t).expect("pattern")).collect()
    }

    const SHELL: &[(&str, &str)] = &[
        ("PATH", "/usr/bin"),
        ("HOME", "/home/u"),
        ("OPENAI_API_KEY", "sk-1"),
        ("github_token", "ghp"),
        ("AWS_SECRET_ACCESS_KEY", "a"),
        ("CARGO_TERM_COLOR", "always"),
        ("LANG", "C.UTF-8"),
    ];

    #[test]
    fn the_default_keeps_everything_but_secret_looking_names() {
        let env = CommandEnv::default().resolve(vars(SHELL));
        assert_eq!(names(&env), ["CARGO_TERM_COLOR", "HOME", "LANG", "PATH"]);
    }

    #[test]
    fn ignoring_the_default_excludes_keeps_secrets() {
        let env = CommandEnv::inherit_all().resolve(vars(SHELL));
        assert_eq!(env.len(), SHELL.len());
    }

    #[test]
    fn core_keeps_only_the_core_variables() {
        let policy = CommandEnv {
            inherit: Inherit::Core,
            ..CommandEnv::default()
        };
        assert_eq!(names(&policy.resolve(vars(SHELL))), ["HOME", "PATH"]);
    }

    #[test]
    fn the_steps_run_in_codex_order() {
        // `set` comes after the excludes (a set secret survives them) and
        // before `include_only` (which can still drop it).
        let policy = CommandEnv {
            inherit: Inherit::None,
            ignore_default_excludes: false,
            exclude: patterns(&["ci_*"]),
            set: BTreeMap::from([
                ("DEPLOY_TOKEN".to_string(), "t".to_string()),
                ("CI_MODE".to_string(), "1".to_string()),
                ("DROPPED".to_string(), "x".to_string()),
            ]),
            include_only: patterns(&["*_TOKEN", "ci_?ODE"]),
        };
        let env = policy.resolve(vars(SHELL));
        assert_eq!(names(&env), ["CI_MODE", "DEPLOY_TOKEN"]);
    }

    #[test]
    fn excludes_match_case_insensitively_and_whole_names() {
        let policy = CommandEnv {
            exclude: patterns(&["cargo_*", "LAN"]),
            ..CommandEnv::inherit_all()
        };
        let env = policy.resolve(vars(SHELL));
        assert!(!env.contains_key(OsStr::new("CARGO_TERM_COLOR")));
        assert!(
            env.contains_key(OsStr::new("LANG")),
            "`LAN` matches only the whole name"
        );
    }

    #[test]
    fn every_default_exclude_compiles() {
        assert_eq!(DEFAULTS.len(), DEFAULT_EXCLUDES.len());
    }

    #[test]
    fn a_bad_pattern_says_which() {
        let err = NamePattern::new("A[").expect_err("unclosed class");
        assert!(err.contains("`A[`"), "{err}");
    }
}
