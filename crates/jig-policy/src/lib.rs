//! Exec policy for the commands an agent wants to run.
//!
//! A [`Command`] (an argv or a bash script) is split into its simple
//! commands by a real shell parser ([`parse`]), each simple command is
//! looked at through its wrappers (`sudo`, `env`, `timeout`, `bash -c`, …,
//! see [`unwrap`]), and every view is judged against layered TOML rules
//! ([`rules`]). The script's decision is the strictest of its parts
//! ([`eval`]).
//!
//! Invariant: nothing that cannot be understood is ever `allow`ed — a parse
//! failure, a run-time-computed command name, or a `bash -c "$X"` whose
//! script is not a literal all yield `prompt` at least.
//!
//! This crate must not run commands, read the environment, or know about
//! the CLI: callers pass directories and the default decision in, and render
//! [`Evaluation::explain`] themselves.
#![deny(missing_docs)]

pub mod eval;
mod glob;
pub mod parse;
pub mod rules;
pub mod safe;
pub mod unwrap;

pub use eval::{Evaluation, Match};
pub use rules::{IgnoredRules, Policy, PolicyError, ProjectRules, RuleRef, Source};
pub use safe::is_known_safe;

use std::fmt;

/// A command as the agent asked for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    /// An argv, run without a shell: `["git", "push", "--force"]`.
    Argv(Vec<String>),
    /// A bash script, run by a shell: `ls && rm -rf /`.
    Script(String),
}

impl Command {
    /// Builds an [`Command::Argv`] from anything string-like.
    pub fn argv<I, S>(args: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        Command::Argv(args.into_iter().map(Into::into).collect())
    }

    /// Builds a [`Command::Script`].
    pub fn script(text: impl Into<String>) -> Self {
        Command::Script(text.into())
    }
}

/// What happens to a command. Ordered from most to least permissive, so
/// `max` is "the strictest".
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Decision {
    /// Run without asking.
    Allow,
    /// Ask the user first.
    Prompt,
    /// Never run.
    Forbid,
}

impl Decision {
    /// The lower-case word used in rule files and output.
    pub fn as_str(self) -> &'static str {
        match self {
            Decision::Allow => "allow",
            Decision::Prompt => "prompt",
            Decision::Forbid => "forbid",
        }
    }
}

impl fmt::Display for Decision {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.as_str())
    }
}
