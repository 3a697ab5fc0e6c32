//! Paths of the real servers and a fake front-end answering forms.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use jig_config::{EnvSnapshot, McpServerConfig};
use jig_protocol::{HostAnswer, HostRequest};
use jig_tools::{ToolError, ToolHost};

/// An npm-installed server binary; fails (never skips) when missing.
pub fn npm_bin(name: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/npm/node_modules/.bin")
        .join(name);
    assert!(
        path.exists(),
        "{} is missing: run `.ci/deps --tests` to install the MCP servers the tests run against",
        path.display()
    );
    path.to_string_lossy().into_owned()
}

/// The python crash/hang server.
pub fn flaky() -> McpServerConfig {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/flaky_server.py");
    McpServerConfig::stdio("flaky", "python3", vec![script.to_string_lossy().into_owned()])
}

/// The environment jig runs in, with a secret a server must never see.
pub fn env() -> EnvSnapshot {
    let mut pairs: Vec<(String, String)> = Vec::new();
    for var in ["PATH", "HOME"] {
        if let Ok(value) = std::env::var(var) {
            pairs.push((var.to_owned(), value));
        }
    }
    pairs.push(("OPENAI_API_KEY".to_owned(), "sk-test-must-not-leak".to_owned()));
    pairs.push(("PASSED_ON".to_owned(), "passed-on-value".to_owned()));
    EnvSnapshot::from_pairs(pairs)
}

/// A temp dir.
pub fn tempdir() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}"));
    let path = dir
        .path()
        .canonicalize()
        .unwrap_or_else(|e| panic!("canonicalize: {e}"));
    (dir, path)
}

/// A front-end that answers every form with `answer` and remembers what it was asked.
#[derive(Debug)]
pub struct FormAnswerer {
    pub answer: HostAnswer,
    /// How long the person takes to answer.
    pub delay: std::time::Duration,
    pub asked: Mutex<Vec<HostRequest>>,
}

#[async_trait::async_trait]
impl ToolHost for FormAnswerer {
    async fn ask(&self, request: HostRequest) -> Result<HostAnswer, ToolError> {
        self.asked.lock().unwrap_or_else(|e| e.into_inner()).push(request);
        tokio::time::sleep(self.delay).await;
        Ok(self.answer.clone())
    }
}

pub fn answerer(answer: HostAnswer) -> Arc<FormAnswerer> {
    slow_answerer(answer, std::time::Duration::ZERO)
}

pub fn slow_answerer(answer: HostAnswer, delay: std::time::Duration) -> Arc<FormAnswerer> {
    Arc::new(FormAnswerer {
        answer,
        delay,
        asked: Mutex::default(),
    })
}
