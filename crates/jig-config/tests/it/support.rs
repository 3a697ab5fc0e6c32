//! A temp tree with a user home (`home/.jig`) and a git project (`proj`).

use std::path::{Path, PathBuf};

use jig_config::{CliOverrides, ConfigError, EnvSnapshot, LoadInputs, Settings};

pub struct Tree {
    dir: tempfile::TempDir,
}

impl Tree {
    pub fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("proj/.git")).unwrap();
        std::fs::create_dir_all(dir.path().join("home/.jig")).unwrap();
        Tree { dir }
    }

    pub fn root(&self) -> &Path {
        self.dir.path()
    }

    pub fn project(&self) -> PathBuf {
        self.root().join("proj")
    }

    /// Writes `text` to `rel` under the root, creating directories.
    pub fn write(&self, rel: &str, text: &str) -> PathBuf {
        let path = self.root().join(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, text).unwrap();
        path
    }

    pub fn user_config(&self, text: &str) -> PathBuf {
        self.write("home/.jig/config.toml", text)
    }

    pub fn project_config(&self, text: &str) -> PathBuf {
        self.write("proj/.jig/config.toml", text)
    }

    /// Records the project as trusted in the user file (kept as written).
    pub fn trust(&self) -> PathBuf {
        self.decide(jig_config::TrustLevel::Trusted)
    }

    /// Records `level` for the project in the user file.
    pub fn decide(&self, level: jig_config::TrustLevel) -> PathBuf {
        let root = self.project().canonicalize().unwrap();
        jig_config::record_trust(&self.root().join("home/.jig"), &root, level).unwrap()
    }

    /// An env with `HOME` pointing into the tree, plus `extra`.
    pub fn env(&self, extra: &[(&str, &str)]) -> EnvSnapshot {
        let home = self.root().join("home").display().to_string();
        EnvSnapshot::from_pairs(extra.iter().copied()).with("HOME", home)
    }

    pub fn load_with(&self, cwd: PathBuf, env: EnvSnapshot, cli: CliOverrides) -> Result<Settings, ConfigError> {
        jig_config::load(&LoadInputs { cwd, env, cli })
    }

    pub fn load(&self, extra_env: &[(&str, &str)]) -> Result<Settings, ConfigError> {
        self.load_with(self.project(), self.env(extra_env), CliOverrides::default())
    }

    /// `text` with the temp root replaced by `[TMP]`.
    pub fn redact(&self, text: &str) -> String {
        text.replace(&self.root().display().to_string(), "[TMP]")
    }
}
