//! The inference engine: GGUF models loaded once per process and shared by
//! every session that uses them, each session with its own KV cache.
//!
//! llama.cpp's model and contexts are not `Send`, so they never leave the
//! worker thread that loaded them (`pool.rs`): one thread per loaded model
//! owns the weights and up to [`EngineOptions::contexts`] contexts, and an
//! [`Engine`] is a handle on it. Handles loaded from the same file with the
//! same model-shaping options (context size, threads, contexts) share one
//! worker, so the weights are in memory once; each handle keeps its own
//! context while there are enough, and with more handles than contexts the
//! least recently used one hands its context over, which costs that session
//! its KV prefix and nothing else. The async side talks to the worker
//! through a job queue and gets text back over a channel. Dropping the
//! receiving end cancels a generation at the next token. One generation runs
//! at a time in the whole process (`COMPUTE`).
//!
//! Invariant: a process holds at most one loaded model per file and
//! model-shaping options, held only by its handles and unloaded when the
//! last one drops. [`Engine::load_unshared`] stands outside the pool, so
//! N unshared handles against N pooled ones measure what sharing saves.
//!
//! Loading happens on the worker thread, and the caller waits for its
//! answer on a oneshot: [`Engine::load_async`] awaits it, and
//! [`Engine::load`] blocks for it, inside a multi-thread tokio runtime
//! through `block_in_place`, so a runtime worker never stalls with tasks on
//! it.
//!
//! Prefix reuse: each context remembers the tokens whose keys and values sit
//! in its KV cache. A new prompt that starts with the same tokens (the next
//! request of the same session, which only appends) keeps that part of the
//! cache and evaluates only the rest. The cache is trimmed to the common
//! prefix first, so reuse can never attend to stale tokens: the result is the
//! same as evaluating the whole prompt afresh.
//!
//! Sampling is greedy by default, so the same model, prompt and grammar
//! always give the same text. With a grammar, an llguidance matcher masks
//! every step's logits, so the text always stays inside the grammar; the
//! bytes the grammar forces (a tool call's envelope) are still generated
//! token by token from the masked logits.

use std::future::Future;
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use llama_cpp_2::llama_backend::LlamaBackend;
use tokio::sync::mpsc;

use crate::LocalError;
use crate::prompt::ChatMessage;
use crate::toolcall::CallLayout;

mod generate;
mod pool;
mod settings;
mod text;

pub use generate::INITIAL_CONTEXT;
/// The llama.cpp bindings the engine is built on, for code that must drive
/// the very same build directly (the bench's plain reference loop).
pub use llama_cpp_2;
pub use settings::{BATCH, context_params, model_params};
pub(crate) use text::partial_suffix;

/// How the engine runs a model. The first four fields shape the loaded
/// model and its contexts, so handles share a model only when they agree on
/// them; the rest apply to each handle's own requests.
#[derive(Debug, Clone, PartialEq)]
pub struct EngineOptions {
    /// Context size in tokens; `None` takes the model's training context,
    /// capped at 8192 to bound memory.
    pub context_size: Option<u32>,
    /// Tokens a new context starts with; it doubles, up to `context_size`,
    /// when a request needs more. `None` starts at 2048
    /// ([`INITIAL_CONTEXT`]).
    pub initial_context: Option<u32>,
    /// CPU threads; `None` uses every core.
    pub threads: Option<u32>,
    /// Contexts (KV caches) the loaded model keeps for its handles; with more
    /// handles than this, the least recently used hands its context over.
    /// Contexts are made as handles need them; 0 counts as 1.
    pub contexts: u32,
    /// Most tokens one response may generate.
    pub max_output_tokens: u32,
    /// Sampling temperature; 0 is greedy (deterministic).
    pub temperature: f32,
    /// Seed of the sampler when `temperature` is above 0.
    pub seed: u32,
    /// Penalty on tokens among the last 64 generated (1.0 is none). Small
    /// models loop without one; greedy decoding stays deterministic.
    pub repeat_penalty: f32,
    /// Keep the KV cache of the previous request's common prefix.
    pub reuse_prefix: bool,
}

impl Default for EngineOptions {
    fn default() -> Self {
        EngineOptions {
            context_size: None,
            initial_context: None,
            threads: None,
            contexts: 4,
            max_output_tokens: 1024,
            temperature: 0.0,
            seed: 0,
            repeat_penalty: 1.1,
            reuse_prefix: true,
        }
    }
}

/// What the engine learned about its model when loading it.
#[derive(Debug, Clone, PartialEq)]
pub struct ModelInfo {
    /// The GGUF file, canonicalised (the pool's key).
    pub path: PathBuf,
    /// `general.name` (or the file stem).
    pub name: String,
    /// The most tokens a context holds (contexts start smaller and grow).
    pub context_size: u32,
    /// The context the model was trained with.
    pub train_context: u32,
    /// Parameter count.
    pub parameters: u64,
    /// The tool-call layout of the model's family.
    pub layout: CallLayout,
    /// Whether the GGUF carries its own chat template (otherwise ChatML is used).
    pub has_chat_template: bool,
    /// Time to load the weights and create the first context (once per
    /// loaded model: handles that share it report the first load).
    pub load_time: Duration,
}

/// One generation.
#[derive(Debug, Clone)]
pub struct Generation {
    /// The conversation, already rendered to chat messages.
    pub messages: Vec<ChatMessage>,
    /// Lark grammar (llguidance) the output must follow; `None` for free text.
    pub grammar: Option<String>,
    /// Strings that end the response where they start (they are not part
    /// of the text): e.g. a model imitating the harness's `<tool_response>`.
    pub stop: Vec<String>,
}

/// Why a generation ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Finish {
    /// The model ended its turn (end-of-generation token).
    Stop,
    /// It reached the output-token limit.
    Length,
    /// The receiver went away (the turn was interrupted).
    Cancelled,
}

/// Figures of one generation.
#[derive(Debug, Clone, PartialEq)]
pub struct GenStats {
    /// Tokens in the prompt.
    pub prompt_tokens: u32,
    /// Of those, how many were already in the KV cache.
    pub reused_tokens: u32,
    /// Tokens generated.
    pub output_tokens: u32,
    /// Time evaluating the prompt's new tokens.
    pub prompt_time: Duration,
    /// Time generating.
    pub generation_time: Duration,
    /// Why it ended.
    pub finish: Finish,
    /// The whole generated text.
    pub text: String,
}

/// A piece of a running generation.
#[derive(Debug)]
pub enum GenEvent {
    /// More text.
    Text(String),
    /// The generation finished.
    Done(GenStats),
    /// It failed.
    Failed(LocalError),
}

/// A handle on a loaded model, with a slot of its own: its requests run on
/// its own context while the model has enough (see the module doc).
/// Cloning shares the slot, so clones are one session; load again for
/// another.
#[derive(Debug, Clone)]
pub struct Engine {
    worker: Arc<pool::Worker>,
    slot: Arc<pool::Slot>,
    info: Arc<ModelInfo>,
    options: EngineOptions,
}

/// One generation at a time per process. llama.cpp's threads spin while
/// they wait for each other, so two generations sharing the cores do not
/// each get half the speed: both crawl (measured here: a test suite's two
/// concurrent engines ran over ten times slower). Jobs of other engines wait
/// their turn instead.
static COMPUTE: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// llama.cpp's backend, initialised on first use: llama.cpp allows one per
/// process, so anything else that drives llama.cpp directly (the bench's
/// reference loop) must take it from here.
pub fn backend() -> Result<&'static LlamaBackend, LocalError> {
    static BACKEND: OnceLock<Result<LlamaBackend, String>> = OnceLock::new();
    BACKEND
        .get_or_init(|| {
            llama_cpp_2::send_logs_to_tracing(llama_cpp_2::LogOptions::default().with_logs_enabled(false));
            LlamaBackend::init().map_err(|e| e.to_string())
        })
        .as_ref()
        .map_err(|e| LocalError::Backend(e.clone()))
}

impl Engine {
    /// A handle on the GGUF file at `path`, sharing the model with every
    /// other handle on that file under the same model-shaping options, and
    /// loading it (on the model's own thread) when there is none. Blocks
    /// until the model is ready; inside a multi-thread tokio runtime it
    /// first hands the runtime worker's other tasks to another thread. From
    /// async code, prefer [`Engine::load_async`].
    pub fn load(path: &Path, options: EngineOptions) -> Result<Engine, LocalError> {
        let (worker, ready) = pool::attach(path, &options, pool::Sharing::Pooled)?;
        Engine::attached(worker, wait(ready), options)
    }

    /// [`Engine::load`] for async code: awaits the model without blocking.
    pub async fn load_async(path: &Path, options: EngineOptions) -> Result<Engine, LocalError> {
        let (worker, ready) = pool::attach(path, &options, pool::Sharing::Pooled)?;
        Engine::attached(worker, ready.await, options)
    }

    /// Loads the file at `path` into a model of its own, outside the pool:
    /// nothing else shares its weights or contexts (a reference for tests
    /// and benchmarks: what an unshared engine answers, what it costs).
    pub fn load_unshared(path: &Path, options: EngineOptions) -> Result<Engine, LocalError> {
        let (worker, ready) = pool::attach(path, &options, pool::Sharing::Private)?;
        Engine::attached(worker, wait(ready), options)
    }

    fn attached(
        worker: Arc<pool::Worker>,
        ready: Result<Result<Arc<ModelInfo>, LocalError>, tokio::sync::oneshot::error::RecvError>,
        options: EngineOptions,
    ) -> Result<Engine, LocalError> {
        let info = ready.map_err(|_| LocalError::Backend("the inference thread stopped while loading".into()))??;
        Ok(Engine {
            worker,
            slot: Arc::new(pool::Slot),
            info,
            options,
        })
    }

    /// The model.
    pub fn info(&self) -> &ModelInfo {
        &self.info
    }

    /// Whether `other` runs on the same loaded model (its weights are in
    /// memory once for both).
    pub fn shares_model_with(&self, other: &Engine) -> bool {
        Arc::ptr_eq(&self.worker, &other.worker)
    }

    /// How many handles hold this engine's loaded model, clones included
    /// (and, for an instant, handles still waiting for it to load).
    pub fn model_handles(&self) -> usize {
        Arc::strong_count(&self.worker)
    }

    /// Runs a generation to its end, blocking the calling thread (for
    /// benchmarks and tools that need no streaming).
    pub fn complete(&self, generation: Generation) -> Result<GenStats, LocalError> {
        let mut rx = self.generate(generation)?;
        while let Some(event) = rx.blocking_recv() {
            match event {
                GenEvent::Text(_) => {}
                GenEvent::Done(stats) => return Ok(stats),
                GenEvent::Failed(e) => return Err(e),
            }
        }
        Err(LocalError::Backend(
            "the inference thread stopped without an answer".into(),
        ))
    }

    /// Starts a generation; its events arrive on the returned receiver.
    pub fn generate(&self, generation: Generation) -> Result<mpsc::UnboundedReceiver<GenEvent>, LocalError> {
        let (events, rx) = mpsc::unbounded_channel();
        self.worker.send(pool::Job {
            slot: Arc::clone(&self.slot),
            options: self.options.clone(),
            generation,
            events,
        })?;
        Ok(rx)
    }
}

/// Waits for `future` on this thread. Inside a multi-thread tokio runtime
/// the worker first hands its other tasks on (`block_in_place`), so they
/// keep running; outside a runtime, or on a current-thread one (which has
/// no other thread to hand them to), it simply blocks.
fn wait<F: Future>(future: F) -> F::Output {
    use tokio::runtime::{Handle, RuntimeFlavor};
    match Handle::try_current().map(|h| h.runtime_flavor()) {
        Ok(RuntimeFlavor::MultiThread) => tokio::task::block_in_place(|| futures::executor::block_on(future)),
        _ => futures::executor::block_on(future),
    }
}
