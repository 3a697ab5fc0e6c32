//! Batch stepping (`jig eval run --batch`): every rollout of a run advances
//! in lock-step, and each step's model requests go to the vendor's batch API
//! as one job, at half the price of the same requests made live.
//!
//! The agents are not changed. Each sample's `jig exec` gets its provider's
//! base URL (`OPENAI_BASE_URL`, `ANTHROPIC_BASE_URL`) pointing at the
//! [`Broker`], an HTTP server on 127.0.0.1 that speaks the vendor's live
//! streaming API under a per-rollout path prefix (`/r/TOKEN/v1/…`). The
//! broker holds each request; a *step* is complete when every rollout of the
//! run has a request waiting or is out of the lock-step (its agent ended,
//! its sample finished). It then submits one batch upstream (OpenAI: a JSONL
//! file uploaded with purpose `batch`, a batch on `/v1/responses`; Anthropic:
//! `/v1/messages/batches`), polls it every `poll_interval`, reads the
//! results by `custom_id` (never by position), and answers each held request
//! with the stream the live endpoint would have sent, made from the
//! non-streaming body ([`sse`]). While a request is held the broker sends SSE
//! comments, so the agent's idle clock does not run out.
//!
//! Request bodies go upstream unchanged except for `stream`, so
//! `prompt_cache_key` (OpenAI) and `cache_control` (Anthropic) are kept and a
//! step's prefix still hits the cache. The auth headers are the agent's own
//! (forwarded, never written to disk). A request that fails or expires in its
//! batch is made again live (non-streaming, so its body is kept like a batch
//! result and replayed the same way; one answer path, and a resumed run can
//! reuse it). A live answer the vendor refuses for good reaches the agent as
//! the stream's `error` event; a retryable refusal cuts the stream, and the
//! agent's own retry asks again.
//!
//! Resume. Every batch accepted upstream, every answer and every request that
//! failed in a batch is appended to `RUN_DIR/batch/state.jsonl` (synced) the
//! moment it is known ([`store`]). A crashed run's samples start again from
//! scratch (`runner/sample.rs`); their requests are found in the store by
//! `custom_id` and answered at once, and a request that is in a batch
//! accepted before the crash waits on that batch instead of going into a new
//! one. The window between the vendor accepting a batch and the record being
//! synced is the one place a crash can cost a batch twice.
//!
//! The guard against a rerun asking something else: a `custom_id` is
//! `TOKEN-N-SHAPE` ([`key`]), the rollout's token, the request's number in the
//! rollout, and a hash of the request's *stable parts*: the whole body except
//! `stream`, `prompt_cache_key` (the session id, new in every run) and
//! `metadata`, and except the *text* of tool outputs (the call id each output
//! answers is kept). Tool outputs are left out because the tools print what
//! differs on every run (Codex's `Wall time`, chunk ids); a request whose
//! model-visible history (instructions, tools, messages, every call the model
//! made) is the same gets the stored answer, and one that differs gets a new
//! `custom_id`, so it is never answered with another request's answer. Each
//! answer also keeps the hash of the whole body; a stored answer reused for a
//! request whose tool outputs differ is counted in the report (`reused_stale`).
//!
//! Cost. Each answer's usage is priced with the model's price table: the
//! batch price is half the live price for both vendors, a fallback is priced
//! live. [`BatchReport`] compares the run's cost with the same requests made
//! live and gives the time rollouts spent waiting on batch jobs, the wall
//! time batching added; it is written to `RUN_DIR/batch/report.json`.
//!
//! Time limits: a task's agent timeout does not run while its requests are
//! held (waiting for the step, or in a batch job that may take the vendor's
//! 24 hours): the runner extends the deadline by [`AgentGuard::held`]. Every
//! sample of the run runs at once (lock-step needs them all), whatever
//! `--concurrency` says.
//!
//! Hand-written on purpose: the multipart body of the OpenAI file upload
//! (two fields; reqwest's `multipart` feature would add `mime_guess` and its
//! tables for that) and the SSE text (a few lines per event, already the
//! format jig's own decoders read).

mod key;
mod lockstep;
mod report;
mod server;
mod sse;
mod step;
mod store;
mod upstream;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

pub use report::{BatchCost, BatchReport, read_report};
pub use store::STATE_FILE;

/// The vendor whose batch API a run uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Vendor {
    /// OpenAI: the Responses API live, Files + Batches for batches.
    OpenAi,
    /// Anthropic: the Messages API live, Message Batches for batches.
    Anthropic,
}

impl Vendor {
    /// The environment variable that points the agent's provider at a base URL.
    pub fn base_url_var(self) -> &'static str {
        match self {
            Vendor::OpenAi => "OPENAI_BASE_URL",
            Vendor::Anthropic => "ANTHROPIC_BASE_URL",
        }
    }

    /// The vendor's name as jig's model specs spell it.
    pub fn name(self) -> &'static str {
        match self {
            Vendor::OpenAi => "openai",
            Vendor::Anthropic => "anthropic",
        }
    }
}

/// USD per million tokens.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Price {
    /// Uncached input tokens.
    pub input: f64,
    /// Cached input tokens.
    pub cached_input: f64,
    /// Output tokens.
    pub output: f64,
}

/// What the batch price is of the live price, for both vendors.
pub const BATCH_PRICE_FACTOR: f64 = 0.5;

/// How a run's requests are batched.
#[derive(Debug, Clone, PartialEq)]
pub struct BatchOptions {
    /// Whose batch API.
    pub vendor: Vendor,
    /// The vendor's base URL as the user configured it (OpenAI's with
    /// `/v1`, Anthropic's without).
    pub upstream: String,
    /// The model's live price, when known; the report then has costs.
    pub price: Option<Price>,
    /// How often a running batch is polled.
    pub poll_interval: Duration,
}

/// Default [`BatchOptions::poll_interval`].
pub const DEFAULT_POLL_INTERVAL: Duration = Duration::from_secs(30);

/// Why batch stepping could not start or finish.
#[derive(Debug, thiserror::Error)]
pub enum BatchError {
    /// The broker's state directory or file could not be used.
    #[error("cannot use the batch state {}: {source}", path.display())]
    State {
        /// The file or directory.
        path: PathBuf,
        /// The error.
        source: std::io::Error,
    },
    /// A line of the state file is not a record this version reads.
    #[error("the batch state {} is damaged at line {line}: {reason}", path.display())]
    Damaged {
        /// The file.
        path: PathBuf,
        /// Its 1-based line.
        line: usize,
        /// What is wrong.
        reason: String,
    },
    /// The broker could not listen on 127.0.0.1.
    #[error("cannot listen on 127.0.0.1 for the batch broker: {0}")]
    Listen(std::io::Error),
    /// The HTTP client for the vendor could not be built.
    #[error("cannot build the HTTP client for the batch API: {0}")]
    Client(String),
}

/// Whether the run whose directory is `work_dir` was started with `--batch`
/// (its resume must batch too).
pub fn was_batched(work_dir: &Path) -> bool {
    store::state_dir(work_dir).join(STATE_FILE).is_file()
}

/// The broker of one run: the 127.0.0.1 server the agents talk to, the
/// lock-step, the batches.
#[derive(Debug)]
pub struct Broker {
    shared: Arc<step::Shared>,
    server: tokio::task::JoinHandle<()>,
}

impl Broker {
    /// Starts the broker for the run whose directory is `work_dir`, expecting
    /// the samples `expected` (`(task, index)`): until each has sent a
    /// request or finished, no step starts. Earlier state in the run's
    /// directory (a crashed run) is read back.
    pub async fn start(
        options: BatchOptions,
        work_dir: &Path,
        expected: impl IntoIterator<Item = (String, u32)>,
    ) -> Result<Broker, BatchError> {
        let store = store::Store::open(work_dir)?;
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .map_err(BatchError::Listen)?;
        let address = listener.local_addr().map_err(BatchError::Listen)?;
        let http = reqwest::Client::builder()
            .build()
            .map_err(|e| BatchError::Client(e.to_string()))?;
        let mut lockstep = lockstep::Lockstep::default();
        for (task, index) in expected {
            lockstep.expect(key::token(&task, index));
        }
        let shared = Arc::new(step::Shared::new(
            options,
            format!("http://{address}"),
            http,
            store,
            lockstep,
        ));
        let server = tokio::spawn(server::serve(listener, Arc::clone(&shared)));
        Ok(Broker { shared, server })
    }

    /// Sample `(task, index)` is in the run until the guard drops (it then
    /// finished, or was cancelled, and never asks again).
    pub fn sample(&self, task: &str, index: u32) -> SampleGuard {
        SampleGuard {
            shared: Arc::clone(&self.shared),
            token: key::token(task, index),
        }
    }

    /// The agent of `task`'s sample in `sample_dir` (named by its index, as
    /// the runner lays samples out) is running until the guard drops; the
    /// guard gives the environment variable that points it here.
    pub fn join(&self, task: &str, sample_dir: &Path) -> AgentGuard {
        // The runner names a sample's directory by its index (`TASK/N`).
        let index = sample_dir
            .file_name()
            .and_then(|name| name.to_str())
            .and_then(|name| name.parse().ok())
            .unwrap_or(0);
        let token = key::token(task, index);
        self.shared.join(&token);
        AgentGuard {
            shared: Arc::clone(&self.shared),
            token,
        }
    }

    /// Writes the run's report (`RUN_DIR/batch/report.json`) and returns it.
    pub fn finish(&self) -> Result<BatchReport, BatchError> {
        self.shared.write_report()
    }
}

impl Drop for Broker {
    fn drop(&mut self) {
        self.server.abort();
    }
}

/// Keeps a sample in the lock-step; see [`Broker::sample`].
#[derive(Debug)]
pub struct SampleGuard {
    shared: Arc<step::Shared>,
    token: String,
}

impl Drop for SampleGuard {
    fn drop(&mut self) {
        self.shared.finished(&self.token);
    }
}

/// A running agent in the lock-step; see [`Broker::join`].
#[derive(Debug)]
pub struct AgentGuard {
    shared: Arc<step::Shared>,
    token: String,
}

impl AgentGuard {
    /// How long this agent's requests have been held for steps (the
    /// lock-step and the batch jobs) so far; the runner does not count it
    /// against the agent's time limit.
    pub fn held(&self) -> Duration {
        self.shared.held(&self.token)
    }

    /// The variable and value that point the agent at the broker.
    pub fn env(&self) -> (std::ffi::OsString, std::ffi::OsString) {
        let vendor = self.shared.options.vendor;
        let base = match vendor {
            Vendor::OpenAi => format!("{}/r/{}/v1", self.shared.address, self.token),
            Vendor::Anthropic => format!("{}/r/{}", self.shared.address, self.token),
        };
        (vendor.base_url_var().into(), base.into())
    }
}

impl Drop for AgentGuard {
    fn drop(&mut self) {
        self.shared.left(&self.token);
    }
}
