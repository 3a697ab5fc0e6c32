//! The trust model for project config files: which keys a `.jig/config.toml`
//! may set before the user trusts the project.
//!
//! A project file arrives with a cloned repository, so it is untrusted input
//! until the user runs `jig trust` (or answers yes when asked). Until then
//! it may set only keys that cannot send data anywhere or widen what commands
//! may do, and limits only where they are stricter than the user's; the rest
//! is left out, and [`ProjectTrust::warning`] says which keys and how to
//! trust the project.
//!
//! Invariant: [`KEYS`] is the only place that says how a key is treated, and
//! a key it does not list needs trust — so a new feature's keys (hooks, MCP
//! servers, agent-written tools, …) are safe before anyone classifies them,
//! and classifying one is one row. Trust decisions are read from the user
//! file only: a project file cannot trust itself (`projects` in it is an
//! error). Trusting a directory trusts every project inside it.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::choices::TrustLevel;
use crate::error::{ConfigError, ECHO_LIMIT, clip};
use crate::load::{CONFIG_FILE_NAME, find_project_file};
use crate::settings::quote_key;

/// How a top-level key of a project file is treated while the project is
/// not trusted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyClass {
    /// Applies from any project: it cannot send data anywhere or widen what
    /// commands may do.
    Harmless,
    /// A limit: an untrusted project may make it stricter, never looser.
    TightenOnly,
    /// Applies only once the user trusts the project.
    TrustRequired,
    /// Only the user's own file may set it; in a project file it is an error.
    UserOnly,
}

/// Every top-level key's class. Unlisted keys need trust.
pub const KEYS: &[(&str, KeyClass)] = &[
    // Chooses which service receives the code and whose key pays: a project
    // could move a user who chose a local model to a cloud one.
    ("model", KeyClass::TrustRequired),
    ("max_turns", KeyClass::TightenOnly),
    ("max_tokens", KeyClass::TightenOnly),
    ("max_cost_usd", KeyClass::TightenOnly),
    // read-only < workspace-write < danger-full-access.
    ("sandbox", KeyClass::TightenOnly),
    ("approval_policy", KeyClass::TrustRequired),
    ("writable_roots", KeyClass::TrustRequired),
    // Could hand the user's secrets to the project's own scripts
    // (`ignore_default_excludes`) or change what programs run (`set` of
    // `PATH`, `LD_PRELOAD`, `BASH_ENV`).
    ("shell_environment_policy", KeyClass::TrustRequired),
    // More patterns only ever redact more.
    ("redact_patterns", KeyClass::Harmless),
    ("compaction", KeyClass::Harmless),
    // Tunes the embedded model on this machine; contexts are made only as
    // sessions need them, so a large `contexts` costs nothing by itself.
    ("local", KeyClass::Harmless),
    // Where requests go and which environment variable's key they carry.
    ("providers", KeyClass::TrustRequired),
    ("profiles", KeyClass::TrustRequired),
    // A lower price loosens `max_cost_usd`.
    ("prices", KeyClass::TrustRequired),
    // An agent type names a model (where the code goes) and widens nothing
    // else; a project's types need trust like its `model`.
    ("agents", KeyClass::TrustRequired),
    ("projects", KeyClass::UserOnly),
    // Features to come run code or reach other services.
    ("hooks", KeyClass::TrustRequired),
    ("mcp_servers", KeyClass::TrustRequired),
    ("tools", KeyClass::TrustRequired),
    // Sends what the sessions do (and, with capture_content, what they
    // say) to a collector the file names.
    ("telemetry", KeyClass::TrustRequired),
];

/// The class of top-level key `key` (see [`KEYS`]).
pub fn class_of(key: &str) -> KeyClass {
    KEYS.iter()
        .find(|(k, _)| *k == key)
        .map_or(KeyClass::TrustRequired, |(_, class)| *class)
}

/// The project whose config file was loaded, and what its trust left out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProjectTrust {
    /// The project's canonical root: the directory holding `.jig/`.
    pub root: PathBuf,
    /// The project config file.
    pub file: PathBuf,
    /// The user's recorded decision; `None` when none was ever made.
    pub decision: Option<TrustLevel>,
    /// Dotted keys left out because the project is not trusted
    /// (`providers.openai.base_url`, `sandbox`, …), each clipped.
    pub ignored: Vec<String>,
    /// What was left out, as TOML, for someone deciding whether to trust it.
    pub wanted: String,
}

/// Most ignored keys named in the warning line.
const WARNING_KEYS: usize = 10;

impl ProjectTrust {
    /// Whether the project's file applied in full.
    pub fn is_trusted(&self) -> bool {
        self.decision == Some(TrustLevel::Trusted)
    }

    /// Names of the `[KEY.NAME]` tables left out under `key` (the MCP
    /// servers an untrusted project declares, for `jig mcp list`).
    pub fn left_out_names(&self, key: &str) -> Vec<String> {
        let wanted: toml::Table = toml::from_str(&self.wanted).unwrap_or_default();
        wanted
            .get(key)
            .and_then(toml::Value::as_table)
            .map(|table| table.keys().cloned().collect())
            .unwrap_or_default()
    }

    /// The one line that says what was ignored and how to apply it, or
    /// `None` when nothing was.
    pub fn warning(&self) -> Option<String> {
        if self.ignored.is_empty() {
            return None;
        }
        Some(format!(
            "ignored untrusted project settings in {}: {} (run `{}` to apply them)",
            self.file.display(),
            summary(&self.ignored),
            trust_command(&self.root)
        ))
    }
}

/// `keys` joined, the first few only.
pub(crate) fn summary(keys: &[String]) -> String {
    let mut text = keys.iter().take(WARNING_KEYS).cloned().collect::<Vec<_>>().join(", ");
    if keys.len() > WARNING_KEYS {
        text.push_str(&format!(" and {} more", keys.len() - WARNING_KEYS));
    }
    text
}

/// `jig trust DIR`, with DIR quoted for a POSIX shell when it needs it.
pub fn trust_command(root: &Path) -> String {
    let dir = root.display().to_string();
    let plain = dir
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || "/._-+,:@%".contains(c));
    if plain {
        format!("jig trust {dir}")
    } else {
        format!("jig trust '{}'", dir.replace('\'', r"'\''"))
    }
}

/// A project file's table split into what applies untrusted and what not.
pub(crate) struct Split {
    /// Harmless and tighten-only keys.
    pub kept: toml::Table,
    /// Dotted leaf keys of what was left out.
    pub ignored: Vec<String>,
    /// What was left out.
    pub left_out: toml::Table,
}

/// Splits a project file's top-level table by [`class_of`].
pub(crate) fn split_untrusted(table: toml::Table) -> Split {
    let mut split = Split {
        kept: toml::Table::new(),
        ignored: Vec::new(),
        left_out: toml::Table::new(),
    };
    for (key, value) in table {
        match class_of(&key) {
            KeyClass::Harmless | KeyClass::TightenOnly => {
                split.kept.insert(key, value);
            }
            KeyClass::TrustRequired | KeyClass::UserOnly => {
                leaves(&quote_key(&key), &value, 0, &mut split.ignored);
                split.left_out.insert(key, value);
            }
        }
    }
    split
}

/// Dotted names of what `value`, called `name` at `depth` below the top,
/// sets: its leaves, except that a named entry setting several fields
/// (`providers.evil`, `profiles.x`) is named once.
fn leaves(name: &str, value: &toml::Value, depth: usize, out: &mut Vec<String>) {
    match value {
        toml::Value::Table(table) if !table.is_empty() && (depth == 0 || table.len() == 1) => {
            for (key, child) in table {
                leaves(&format!("{name}.{}", quote_key(key)), child, depth + 1, out);
            }
        }
        _ => out.push(clip(name, ECHO_LIMIT).into_owned()),
    }
}

/// Fails when a project file sets a key only the user file may set.
pub(crate) fn reject_user_only(path: &Path, text: &str) -> Result<(), ConfigError> {
    let Ok(doc) = toml_edit::Document::parse(text) else {
        return Ok(());
    };
    for (key, item) in doc.as_table().iter() {
        if class_of(key) == KeyClass::UserOnly {
            let offset = doc
                .as_table()
                .key(key)
                .and_then(toml_edit::Key::span)
                .or_else(|| item.span())
                .map_or(0, |s| s.start);
            let message = format!(
                "`{key}` can only be set in the user config ($JIG_HOME/{CONFIG_FILE_NAME}), \
                 so a project cannot trust itself; remove it and run `jig trust` instead"
            );
            return Err(crate::file::invalid(path, text, offset, message));
        }
    }
    Ok(())
}

/// The user's decision for `dir`: the nearest recorded one at or above it.
pub(crate) fn lookup(records: &BTreeMap<PathBuf, TrustLevel>, dir: &Path) -> Option<TrustLevel> {
    let dir = canonical(dir);
    dir.ancestors().find_map(|d| records.get(d).copied())
}

/// `path` made canonical when it exists, else as given.
pub(crate) fn canonical(path: &Path) -> PathBuf {
    std::fs::canonicalize(path).unwrap_or_else(|_| path.to_owned())
}

/// The root of the project holding `.jig/config.toml` file `file`.
pub(crate) fn root_of(file: &Path) -> PathBuf {
    let root = file.parent().and_then(Path::parent).unwrap_or(file);
    canonical(root)
}

/// The project root `jig trust DIR` records: the directory holding the
/// project config found from DIR, else the git root above DIR, else DIR;
/// always canonical. `user_file` is never taken for a project file.
pub fn project_root(dir: &Path, user_file: &Path) -> PathBuf {
    let dir = canonical(dir);
    if let Some(file) = find_project_file(&dir, user_file) {
        return root_of(&file);
    }
    dir.ancestors()
        .find(|d| d.join(".git").exists())
        .map_or_else(|| dir.clone(), Path::to_owned)
}
