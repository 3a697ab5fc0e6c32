//! Recording a trust decision in the user config file.
//!
//! Invariant: the edit touches only `[projects."ROOT"] trust`; every other
//! line, comment and key order of the user's file stays as written
//! (`toml_edit`). The new text must still be a valid config before it
//! replaces the old one, and it replaces it by rename, so a crash leaves
//! the old file or the new one, never half of one.

use std::io::Write as _;
use std::path::{Path, PathBuf};

use toml_edit::DocumentMut;

use crate::choices::TrustLevel;
use crate::error::ConfigError;
use crate::load::CONFIG_FILE_NAME;

/// Records `level` for the project at `root` (canonical, absolute) in
/// `home/config.toml`, creating the file when needed. Returns its path.
pub fn record_trust(home: &Path, root: &Path, level: TrustLevel) -> Result<PathBuf, ConfigError> {
    let path = home.join(CONFIG_FILE_NAME);
    let fail = |reason: String| ConfigError::RecordTrust {
        path: path.clone(),
        reason,
    };
    if !home.is_absolute() {
        return Err(fail(
            "the data directory is not absolute; set JIG_HOME (or HOME) to an absolute path".into(),
        ));
    }
    let Some(key) = root.to_str().filter(|_| root.is_absolute()) else {
        return Err(fail(format!(
            "the project path {} is not an absolute UTF-8 path",
            root.display()
        )));
    };
    let text = match std::fs::read_to_string(&path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
        Err(source) => return Err(ConfigError::Read { path, source }),
    };
    let mut doc: DocumentMut = text
        .parse()
        .map_err(|e: toml_edit::TomlError| fail(format!("it is not valid TOML ({}); fix it first", e.message())))?;
    let projects = doc
        .entry("projects")
        .or_insert_with(toml_edit::table)
        .as_table_mut()
        .ok_or_else(|| fail("its `projects` is not a table; fix it first".into()))?;
    projects.set_implicit(true);
    let project = projects
        .entry(key)
        .or_insert_with(toml_edit::table)
        .as_table_like_mut()
        .ok_or_else(|| fail(format!("its `projects.\"{key}\"` is not a table; fix it first")))?;
    project.insert("trust", toml_edit::value(level.as_str()));
    let new_text = doc.to_string();
    crate::file::parse(&path, &new_text)?;
    write_atomically(&path, &new_text).map_err(|e| fail(e.to_string()))?;
    Ok(path)
}

fn write_atomically(path: &Path, text: &str) -> std::io::Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir)?;
    let tmp = dir.join(format!(".{CONFIG_FILE_NAME}.{}.tmp", std::process::id()));
    let mut file = std::fs::File::create(&tmp)?;
    file.write_all(text.as_bytes())?;
    file.sync_all()?;
    std::fs::rename(&tmp, path)
}
