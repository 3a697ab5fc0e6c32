//! `[[hooks]]`: commands jig runs at points of a session — `session_start`,
//! `user_prompt_submit`, `pre_tool_use`, `post_tool_use` and `stop`.
//!
//! The shape follows Claude Code's hooks so scripts port easily: the event
//! names are also accepted in Claude Code's spelling (`PreToolUse`), a
//! `matcher` is a regular expression over tool names (`Edit|Write`; empty
//! or `*` matches every tool), and `timeout_sec` defaults to 60 seconds.
//! The core (`jig-core`'s hook runner) decides what a hook's answer does;
//! this module only reads and checks the tables.
//!
//! Invariant: a hook has a non-empty `command`, a known `event`, and a
//! `matcher` only where one applies (the tool events and `session_start`),
//! which compiles; [`check`] fails with file and line otherwise. Hooks run
//! commands, so `hooks` needs trust in a project file (see `trust.rs`):
//! an untrusted project's hooks never run.

use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;
use toml_edit::Document;

use crate::error::{ConfigError, ECHO_LIMIT, clip};
use crate::file::{Seconds, invalid};

/// Default for [`HookConfig::timeout`], as in Claude Code.
pub const DEFAULT_HOOK_TIMEOUT: Duration = Duration::from_secs(60);

/// When a hook runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HookEvent {
    /// A session starts or is resumed; its `matcher` matches `startup` or
    /// `resume`.
    #[serde(alias = "SessionStart")]
    SessionStart,
    /// A person's message is about to enter the conversation.
    #[serde(alias = "UserPromptSubmit")]
    UserPromptSubmit,
    /// A tool call is about to run: the hook may allow, deny or rewrite it.
    #[serde(alias = "PreToolUse")]
    PreToolUse,
    /// A tool call ran.
    #[serde(alias = "PostToolUse")]
    PostToolUse,
    /// The model gave its final answer; the hook may send it on.
    #[serde(alias = "Stop")]
    Stop,
}

impl HookEvent {
    /// The name as written in the config (`pre_tool_use`).
    pub fn as_str(self) -> &'static str {
        match self {
            HookEvent::SessionStart => "session_start",
            HookEvent::UserPromptSubmit => "user_prompt_submit",
            HookEvent::PreToolUse => "pre_tool_use",
            HookEvent::PostToolUse => "post_tool_use",
            HookEvent::Stop => "stop",
        }
    }

    /// Claude Code's name for it, sent as `hook_event_name`.
    pub fn claude_name(self) -> &'static str {
        match self {
            HookEvent::SessionStart => "SessionStart",
            HookEvent::UserPromptSubmit => "UserPromptSubmit",
            HookEvent::PreToolUse => "PreToolUse",
            HookEvent::PostToolUse => "PostToolUse",
            HookEvent::Stop => "Stop",
        }
    }

    /// Whether a `matcher` means anything for it.
    pub fn takes_matcher(self) -> bool {
        matches!(
            self,
            HookEvent::SessionStart | HookEvent::PreToolUse | HookEvent::PostToolUse
        )
    }
}

impl fmt::Display for HookEvent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One `[[hooks]]` entry, resolved.
#[derive(Debug, Clone, PartialEq)]
pub struct HookConfig {
    /// When it runs.
    pub event: HookEvent,
    /// A regular expression the whole tool name (or session start source)
    /// must match; `None` matches everything.
    pub matcher: Option<String>,
    /// The command, run by `bash -c` in the session's workspace.
    pub command: String,
    /// Longest it may run; its process group is killed after that.
    pub timeout: Duration,
    /// The file it came from.
    pub file: Option<PathBuf>,
}

impl HookConfig {
    /// A hook running `command` on `event` for everything, with the default timeout.
    pub fn new(event: HookEvent, command: impl Into<String>) -> Self {
        HookConfig {
            event,
            matcher: None,
            command: command.into(),
            timeout: DEFAULT_HOOK_TIMEOUT,
            file: None,
        }
    }

    /// One line saying what it is, for `jig config show`.
    pub fn describe(&self) -> String {
        let matcher = self.matcher.as_deref().map(|m| format!(" [{m}]")).unwrap_or_default();
        let line = format!(
            "{}{matcher}: {} (timeout {}s)",
            self.event,
            self.command,
            self.timeout.as_secs_f64()
        );
        clip(&line, 200).into_owned()
    }
}

/// A `[[hooks]]` table, as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct HookFile {
    event: HookEvent,
    matcher: Option<String>,
    command: String,
    timeout_sec: Option<Seconds>,
}

impl HookFile {
    /// The resolved hook; `*` and an empty matcher match everything.
    pub(crate) fn resolve(self, file: Option<&Path>) -> HookConfig {
        let matcher = self.matcher.filter(|m| !m.is_empty() && m != "*");
        HookConfig {
            event: self.event,
            matcher,
            command: self.command,
            timeout: self.timeout_sec.map_or(DEFAULT_HOOK_TIMEOUT, |s| s.0),
            file: file.map(Path::to_owned),
        }
    }
}

/// The regular expression a matcher stands for: the whole name must match.
pub fn matcher_regex(matcher: &str) -> Result<regex::Regex, regex::Error> {
    regex::Regex::new(&format!("^(?:{matcher})$"))
}

/// Checks every `[[hooks]]` entry of `text`: a command, a matcher only
/// where one applies, and one that compiles.
pub(crate) fn check(path: &Path, text: &str) -> Result<(), ConfigError> {
    let Ok(doc) = Document::parse(text) else {
        return Ok(());
    };
    let Some(hooks) = doc.as_table().get("hooks").and_then(|i| i.as_array_of_tables()) else {
        return Ok(());
    };
    for (index, table) in hooks.iter().enumerate() {
        let at = |key: &str| {
            table
                .get(key)
                .and_then(|i| i.span())
                .or(table.span())
                .map_or(0, |s| s.start)
        };
        let fail = |key: &str, message: String| Err(invalid(path, text, at(key), message));
        let event = table.get("event").and_then(|i| i.as_str()).unwrap_or_default();
        if table
            .get("command")
            .and_then(|i| i.as_str())
            .is_some_and(|c| c.trim().is_empty())
        {
            return fail(
                "command",
                format!("hooks[{index}].command is empty; give the command to run"),
            );
        }
        let Some(matcher) = table.get("matcher").and_then(|i| i.as_str()) else {
            continue;
        };
        if matcher.is_empty() || matcher == "*" {
            continue;
        }
        let takes = !matches!(event, "user_prompt_submit" | "UserPromptSubmit" | "stop" | "Stop");
        if !takes {
            return fail(
                "matcher",
                format!(
                    "hooks[{index}].matcher does not apply to {event} hooks (only to pre_tool_use, \
                     post_tool_use and session_start); remove it"
                ),
            );
        }
        if let Err(err) = matcher_regex(matcher) {
            let shown = clip(matcher, ECHO_LIMIT);
            let why = err.to_string().lines().last().unwrap_or_default().to_owned();
            return fail(
                "matcher",
                format!(
                    "hooks[{index}].matcher `{shown}` is not a valid regular expression ({why}); \
                     write tool names like `Bash` or `Edit|Write`"
                ),
            );
        }
    }
    Ok(())
}
