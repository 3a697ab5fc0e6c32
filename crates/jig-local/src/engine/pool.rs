//! The process-wide model pool and the worker thread behind each loaded
//! model.
//!
//! One worker per loaded model: the thread loads the GGUF file, owns the
//! `LlamaModel` and up to `contexts` llama.cpp contexts, and runs the jobs
//! of every handle on that model, one at a time. Each handle ([`Engine`])
//! has a [`Slot`], and each context remembers the slot it last served. A
//! job runs on its slot's context; a slot without one takes, in order, a
//! context whose slot has gone (its handles were dropped), a new context
//! while there are fewer than `contexts`, or the least recently used
//! context. A context handed to another slot starts empty, so a session's
//! prefix reuse (and the cached-input figure it reports) depends only on its
//! own requests: losing a context costs reuse, never correctness.
//!
//! Invariant: [`POOL`] maps a [`Key`] (the canonical path and the options
//! that change the model or its contexts) to at most one live [`Worker`], and
//! holds it weakly: the handles own the worker, and when the last one drops
//! the queue closes, the thread ends and the weights are unloaded. The pool
//! lock is held only to find or spawn a worker, never while loading, so no
//! caller waits on another model's load.
//!
//! [`Engine`]: super::Engine

use std::path::{Path, PathBuf};
use std::sync::mpsc as std_mpsc;
use std::sync::{Arc, Mutex, PoisonError, Weak};
use std::time::Instant;

use llama_cpp_2::llama_backend::LlamaBackend;
use llama_cpp_2::model::LlamaModel;
use tokio::sync::{mpsc, oneshot};

use super::generate::{Context, Model, context_size, initial_size};
use super::{COMPUTE, EngineOptions, GenEvent, Generation, ModelInfo, backend, model_params};
use crate::LocalError;

/// A handle's identity on its worker; clones of a handle share it.
#[derive(Debug)]
pub(super) struct Slot;

/// Whether a load may share a model already loaded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Sharing {
    /// Through the pool: one worker per [`Key`].
    Pooled,
    /// A worker of its own, outside the pool.
    Private,
}

/// The worker's answer to a new handle: the model's facts, or why it did
/// not load.
pub(super) type Ready = oneshot::Receiver<Result<Arc<ModelInfo>, LocalError>>;

/// What a worker is asked to do.
enum Message {
    /// A new handle waits for the model (sent once per handle; the worker
    /// reads it only after loading).
    Attach(oneshot::Sender<Result<Arc<ModelInfo>, LocalError>>),
    /// Run a generation.
    Generate(Job),
}

/// One generation for one slot.
pub(super) struct Job {
    pub(super) slot: Arc<Slot>,
    pub(super) options: EngineOptions,
    pub(super) generation: Generation,
    pub(super) events: mpsc::UnboundedSender<GenEvent>,
}

/// The queue into a running worker. Dropping the last one ends the thread.
#[derive(Debug)]
pub(super) struct Worker {
    queue: std_mpsc::Sender<Message>,
}

impl Worker {
    /// Queues `job`.
    pub(super) fn send(&self, job: Job) -> Result<(), LocalError> {
        self.queue.send(Message::Generate(job)).map_err(|_| stopped())
    }
}

/// What identifies a shareable model: options outside the key
/// (`max_output_tokens`, sampling, `reuse_prefix`) travel with each job.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Key {
    path: PathBuf,
    context_size: Option<u32>,
    initial_context: Option<u32>,
    threads: Option<u32>,
    contexts: u32,
}

/// Every pooled worker, held weakly (see the module doc).
static POOL: Mutex<Vec<(Key, Weak<Worker>)>> = Mutex::new(Vec::new());

/// The worker for `path` under `options` (started if needed), and the
/// receiver of its answer to this new handle.
pub(super) fn attach(
    path: &Path,
    options: &EngineOptions,
    sharing: Sharing,
) -> Result<(Arc<Worker>, Ready), LocalError> {
    // A missing file keeps its given path, so the load error names it.
    let path = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
    let worker = match sharing {
        Sharing::Private => Arc::new(spawn(path, options)?),
        Sharing::Pooled => {
            let key = Key {
                path,
                context_size: options.context_size,
                initial_context: options.initial_context,
                threads: options.threads,
                contexts: options.contexts,
            };
            // Only ever pushed to and pruned: a panic cannot leave it inconsistent.
            let mut pool = POOL.lock().unwrap_or_else(PoisonError::into_inner);
            pool.retain(|(_, worker)| worker.strong_count() > 0);
            match pool.iter().find(|(k, _)| *k == key).and_then(|(_, w)| w.upgrade()) {
                Some(worker) => worker,
                None => {
                    let worker = Arc::new(spawn(key.path.clone(), options)?);
                    pool.push((key, Arc::downgrade(&worker)));
                    worker
                }
            }
        }
    };
    let (reply, ready) = oneshot::channel();
    worker.queue.send(Message::Attach(reply)).map_err(|_| stopped())?;
    Ok((worker, ready))
}

/// Starts a worker thread that loads `path`.
fn spawn(path: PathBuf, options: &EngineOptions) -> Result<Worker, LocalError> {
    let backend = backend()?;
    let (queue, messages) = std_mpsc::channel();
    let options = options.clone();
    std::thread::Builder::new()
        .name("jig-local".into())
        .spawn(move || serve(backend, &path, &options, &messages))
        .map_err(|e| LocalError::Backend(format!("cannot start the inference thread: {e}")))?;
    Ok(Worker { queue })
}

pub(super) fn stopped() -> LocalError {
    LocalError::Backend("the inference thread has stopped".into())
}

/// The worker thread: loads the model, then answers messages until every
/// handle is gone.
fn serve(backend: &'static LlamaBackend, path: &Path, options: &EngineOptions, messages: &std_mpsc::Receiver<Message>) {
    let started = Instant::now();
    let llama = match LlamaModel::load_from_file(backend, path, &model_params()) {
        Ok(model) => model,
        Err(e) => {
            let error = LocalError::Load {
                path: path.display().to_string(),
                reason: e.to_string(),
            };
            return refuse(messages, &error);
        }
    };
    let size = context_size(&llama, options);
    let initial = initial_size(options, size);
    // The first context is made while loading, so a context that cannot be
    // made at all fails the load rather than the first request.
    let loaded = Context::new(backend, &llama, path, options, initial)
        .and_then(|first| Ok((first, Model::new(&llama, path, size, started)?)));
    let (first, mut model) = match loaded {
        Ok(loaded) => loaded,
        Err(e) => return refuse(messages, &e),
    };
    let mut seats = Seats {
        seats: vec![Seat {
            context: first,
            slot: Weak::new(),
            last_used: 0,
        }],
        limit: options.contexts.max(1) as usize,
        clock: 0,
    };
    while let Ok(message) = messages.recv() {
        match message {
            Message::Attach(reply) => {
                let _ = reply.send(Ok(Arc::clone(&model.info)));
            }
            Message::Generate(job) => {
                if job.events.is_closed() {
                    continue;
                }
                // A panic elsewhere cannot leave the unit value inconsistent.
                let _turn = COMPUTE.lock().unwrap_or_else(PoisonError::into_inner);
                let new_context = |tokens| Context::new(backend, &llama, path, options, tokens);
                let event = match seats.take(&job.slot, || new_context(initial)) {
                    Ok(seat) => match generate(seat, &mut model, &job, new_context) {
                        Ok(stats) => GenEvent::Done(stats),
                        Err(e) => {
                            // A failed decode may leave the cache half-written.
                            seat.context.forget_cache();
                            GenEvent::Failed(e)
                        }
                    },
                    Err(e) => GenEvent::Failed(e),
                };
                let _ = job.events.send(event);
            }
        }
    }
}

/// Runs `job` on `seat`, first replacing its context with a larger one
/// (from `new_context`) when the prompt and its answer need more room.
fn generate<'m>(
    seat: &mut Seat<'m>,
    model: &mut Model<'m>,
    job: &Job,
    new_context: impl FnOnce(u32) -> Result<Context<'m>, LocalError>,
) -> Result<super::GenStats, LocalError> {
    let (tokens, size) = model.room(&job.generation, &job.options, seat.context.size())?;
    if size > seat.context.size() {
        // The old context stays until the new one exists: a context that
        // cannot be made leaves the seat as it was.
        seat.context = new_context(size)?;
    }
    seat.context
        .run(model, &job.options, &job.generation, &tokens, &job.events)
}

/// Answers every handle that waits for a model that did not load.
fn refuse(messages: &std_mpsc::Receiver<Message>, error: &LocalError) {
    while let Ok(message) = messages.recv() {
        match message {
            Message::Attach(reply) => {
                let _ = reply.send(Err(again(error)));
            }
            // No handle exists without a successful attach.
            Message::Generate(job) => {
                let _ = job.events.send(GenEvent::Failed(again(error)));
            }
        }
    }
}

/// The same error once more, for the next handle that waits.
fn again(error: &LocalError) -> LocalError {
    match error {
        LocalError::Load { path, reason } => LocalError::Load {
            path: path.clone(),
            reason: reason.clone(),
        },
        LocalError::Backend(e) => LocalError::Backend(e.clone()),
        LocalError::Prompt(e) => LocalError::Prompt(e.clone()),
        LocalError::Grammar(e) => LocalError::Grammar(e.clone()),
        LocalError::Decode(e) => LocalError::Decode(e.clone()),
        LocalError::ContextFull { needed, available } => LocalError::ContextFull {
            needed: *needed,
            available: *available,
        },
        LocalError::Fetch(e) => LocalError::Backend(e.to_string()),
    }
}

/// A context and the slot it last served.
struct Seat<'m> {
    context: Context<'m>,
    slot: Weak<Slot>,
    last_used: u64,
}

/// A worker's contexts.
struct Seats<'m> {
    seats: Vec<Seat<'m>>,
    limit: usize,
    /// Counts jobs, to order the contexts by last use.
    clock: u64,
}

impl<'m> Seats<'m> {
    /// The context for `slot`: the one that last served it; else one whose
    /// slot has gone, a new one (from `new_context`) while fewer than `limit`
    /// exist, or the least recently used, emptied.
    fn take(
        &mut self,
        slot: &Arc<Slot>,
        new_context: impl FnOnce() -> Result<Context<'m>, LocalError>,
    ) -> Result<&mut Seat<'m>, LocalError> {
        self.clock += 1;
        let mine = Arc::downgrade(slot);
        let index = match self.seats.iter().position(|s| Weak::ptr_eq(&s.slot, &mine)) {
            Some(own) => own,
            None => {
                let index = self.vacate(new_context)?;
                let seat = &mut self.seats[index];
                seat.context.forget_cache();
                seat.slot = mine;
                index
            }
        };
        let seat = &mut self.seats[index];
        seat.last_used = self.clock;
        Ok(seat)
    }

    /// The index of a context a new slot may have.
    fn vacate(&mut self, new_context: impl FnOnce() -> Result<Context<'m>, LocalError>) -> Result<usize, LocalError> {
        if let Some(free) = self.seats.iter().position(|s| s.slot.strong_count() == 0) {
            return Ok(free);
        }
        if self.seats.len() < self.limit {
            self.seats.push(Seat {
                context: new_context()?,
                slot: Weak::new(),
                last_used: 0,
            });
            return Ok(self.seats.len() - 1);
        }
        // `limit` is at least 1 and reached, so there is a least recently used seat.
        Ok(self
            .seats
            .iter()
            .enumerate()
            .min_by_key(|(_, s)| s.last_used)
            .map_or(0, |(i, _)| i))
    }
}
