//! The inference worker: one thread that owns a GGUF model and its llama.cpp
//! context, and runs one generation at a time.
//!
//! llama.cpp's context is not `Send`, so it never leaves this thread; the
//! async side talks to it through a job queue and gets text back over a
//! channel. Dropping the receiving end cancels a generation at the next
//! token.
//!
//! Prefix reuse: the worker remembers the tokens whose keys and values sit in
//! the KV cache. A new prompt that starts with the same tokens (the next
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

use std::path::{Path, PathBuf};
use std::sync::mpsc as std_mpsc;
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use llama_cpp_2::context::LlamaContext;
use llama_cpp_2::llama_backend::LlamaBackend;
use llama_cpp_2::llama_batch::LlamaBatch;
use llama_cpp_2::model::{LlamaChatMessage, LlamaChatTemplate, LlamaModel};
use llama_cpp_2::sampling::LlamaSampler;
use llama_cpp_2::token::LlamaToken;
use llama_cpp_2::token::data::LlamaTokenData;
use llama_cpp_2::token::data_array::LlamaTokenDataArray;
use llguidance::{Matcher, ParserFactory, api::TopLevelGrammar};
use tokio::sync::mpsc;

use crate::LocalError;
use crate::prompt::ChatMessage;
use crate::toolcall::{self, CallLayout};

mod settings;
mod text;

/// The llama.cpp bindings the engine is built on, for code that must drive
/// the very same build directly (the bench's plain reference loop).
pub use llama_cpp_2;
pub use settings::{BATCH, context_params, model_params};
use text::Utf8Stream;
pub(crate) use text::partial_suffix;

/// How the engine runs a model.
#[derive(Debug, Clone, PartialEq)]
pub struct EngineOptions {
    /// Context size in tokens; `None` takes the model's training context,
    /// capped at 8192 to bound memory.
    pub context_size: Option<u32>,
    /// CPU threads; `None` uses every core.
    pub threads: Option<u32>,
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
            threads: None,
            max_output_tokens: 1024,
            temperature: 0.0,
            seed: 0,
            repeat_penalty: 1.1,
            reuse_prefix: true,
        }
    }
}

/// Tokens at the end of a constrained response's budget in which the
/// sampler steers toward closing the open tool call ([`toolcall::steer`]).
const CLOSING_RESERVE: usize = 48;

/// The largest context the engine allocates unless told otherwise.
const DEFAULT_CONTEXT_CAP: u32 = 8192;

/// What the engine learned about its model when loading it.
#[derive(Debug, Clone, PartialEq)]
pub struct ModelInfo {
    /// The GGUF file.
    pub path: PathBuf,
    /// `general.name` (or the file stem).
    pub name: String,
    /// The context the engine allocated, in tokens.
    pub context_size: u32,
    /// The context the model was trained with.
    pub train_context: u32,
    /// Parameter count.
    pub parameters: u64,
    /// The tool-call layout of the model's family.
    pub layout: CallLayout,
    /// Whether the GGUF carries its own chat template (otherwise ChatML is used).
    pub has_chat_template: bool,
    /// Time to load the weights and create the context.
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

struct Job {
    generation: Generation,
    events: mpsc::UnboundedSender<GenEvent>,
}

/// A loaded model with its worker thread. Cloning shares the worker.
#[derive(Debug, Clone)]
pub struct Engine {
    jobs: std_mpsc::Sender<Job>,
    info: Arc<ModelInfo>,
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
    /// Loads the GGUF file at `path` on a new worker thread.
    pub fn load(path: &Path, options: EngineOptions) -> Result<Engine, LocalError> {
        let backend = backend()?;
        let (jobs, queue) = std_mpsc::channel::<Job>();
        let (ready_tx, ready_rx) = std_mpsc::channel();
        let path = path.to_path_buf();
        std::thread::Builder::new()
            .name("jig-local".into())
            .spawn(move || worker(backend, path, options, queue, ready_tx))
            .map_err(|e| LocalError::Backend(format!("cannot start the inference thread: {e}")))?;
        let info = ready_rx
            .recv()
            .map_err(|_| LocalError::Backend("the inference thread stopped while loading".into()))??;
        Ok(Engine {
            jobs,
            info: Arc::new(info),
        })
    }

    /// The model.
    pub fn info(&self) -> &ModelInfo {
        &self.info
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
        self.jobs
            .send(Job { generation, events })
            .map_err(|_| LocalError::Backend("the inference thread has stopped".into()))?;
        Ok(rx)
    }
}

fn worker(
    backend: &'static LlamaBackend,
    path: PathBuf,
    options: EngineOptions,
    queue: std_mpsc::Receiver<Job>,
    ready: std_mpsc::Sender<Result<ModelInfo, LocalError>>,
) {
    let started = Instant::now();
    let model = match LlamaModel::load_from_file(backend, &path, &model_params()) {
        Ok(model) => model,
        Err(e) => {
            let _ = ready.send(Err(LocalError::Load {
                path: path.display().to_string(),
                reason: e.to_string(),
            }));
            return;
        }
    };
    let mut state = match State::new(backend, &model, &path, &options, started) {
        Ok(state) => state,
        Err(e) => {
            let _ = ready.send(Err(e));
            return;
        }
    };
    if ready.send(Ok(state.info.clone())).is_err() {
        return;
    }
    while let Ok(job) = queue.recv() {
        if job.events.is_closed() {
            continue;
        }
        // A panic elsewhere cannot leave the unit value inconsistent.
        let _turn = COMPUTE.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let event = match state.run(&job.generation, &job.events) {
            Ok(stats) => GenEvent::Done(stats),
            Err(e) => {
                // A failed decode may leave the cache half-written.
                state.forget_cache();
                GenEvent::Failed(e)
            }
        };
        let _ = job.events.send(event);
    }
}

/// The worker's model, context and cache bookkeeping.
struct State<'m> {
    model: &'m LlamaModel,
    ctx: LlamaContext<'m>,
    template: LlamaChatTemplate,
    options: EngineOptions,
    info: ModelInfo,
    /// The tokens whose keys and values are in the KV cache, in order.
    cached: Vec<LlamaToken>,
    /// Built on the first constrained request (it walks the whole vocabulary;
    /// its token trie also gives each token's bytes for steering).
    grammar_factory: Option<ParserFactory>,
}

impl<'m> State<'m> {
    fn new(
        backend: &LlamaBackend,
        model: &'m LlamaModel,
        path: &Path,
        options: &EngineOptions,
        started: Instant,
    ) -> Result<Self, LocalError> {
        let train_context = model.n_ctx_train();
        let context_size = options
            .context_size
            .unwrap_or(train_context.min(DEFAULT_CONTEXT_CAP))
            .clamp(256, train_context.max(256));
        let ctx = model
            .new_context(backend, context_params(options, context_size))
            .map_err(|e| LocalError::Load {
                path: path.display().to_string(),
                reason: format!("cannot create a {context_size}-token context: {e}"),
            })?;
        let name = model
            .meta_val_str("general.name")
            .or_else(|_| model.meta_val_str("general.basename"))
            .unwrap_or_else(|_| {
                path.file_stem()
                    .map(|s| s.to_string_lossy().into_owned())
                    .unwrap_or_default()
            });
        let basename = model.meta_val_str("general.basename").unwrap_or_default();
        let (template, has_chat_template) = match model.chat_template(None) {
            Ok(t) => (t, true),
            Err(_) => (chatml()?, false),
        };
        let info = ModelInfo {
            path: path.to_path_buf(),
            layout: CallLayout::for_model(&format!("{name} {basename}")),
            name,
            context_size,
            train_context,
            parameters: model.n_params(),
            has_chat_template,
            load_time: started.elapsed(),
        };
        Ok(State {
            model,
            ctx,
            template,
            options: options.clone(),
            info,
            cached: Vec::new(),
            grammar_factory: None,
        })
    }

    fn forget_cache(&mut self) {
        self.cached.clear();
        self.ctx.clear_kv_cache();
    }

    fn prompt_tokens(&self, messages: &[ChatMessage]) -> Result<Vec<LlamaToken>, LocalError> {
        let chat = messages
            .iter()
            .map(|m| LlamaChatMessage::new(m.role.to_owned(), m.content.replace('\0', "")))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| LocalError::Prompt(e.to_string()))?;
        let prompt = self
            .model
            .apply_chat_template(&self.template, &chat, true)
            .map_err(|e| LocalError::Prompt(format!("the model's chat template failed: {e}")))?;
        Ok(self.model.vocab().tokenize(prompt.as_bytes(), true, true))
    }

    fn matcher(&mut self, grammar: &str) -> Result<Matcher, LocalError> {
        if self.grammar_factory.is_none() {
            let env = LlamaSampler::llguidance_tok_env(self.model);
            let mut factory = ParserFactory::new_simple(&env).map_err(|e| LocalError::Grammar(e.to_string()))?;
            factory.quiet();
            self.grammar_factory = Some(factory);
        }
        let Some(factory) = &self.grammar_factory else {
            return Err(LocalError::Grammar("no grammar factory".into()));
        };
        let parser = factory.create_parser(TopLevelGrammar::from_lark(grammar.to_owned()));
        let matcher = Matcher::new(parser);
        match matcher.get_error() {
            Some(e) => Err(LocalError::Grammar(e)),
            None => Ok(matcher),
        }
    }

    /// Evaluates `tokens` after the reused prefix; returns the batch index
    /// whose logits predict the next token.
    fn evaluate(&mut self, tokens: &[LlamaToken]) -> Result<i32, LocalError> {
        let mut last = 0;
        for chunk in tokens.chunks(BATCH) {
            let mut batch = LlamaBatch::new(chunk.len(), 1);
            for (i, token) in chunk.iter().enumerate() {
                let pos = i32::try_from(self.cached.len()).map_err(|_| LocalError::ContextFull {
                    needed: self.cached.len(),
                    available: self.info.context_size as usize,
                })?;
                batch
                    .add(*token, pos, &[0], i + 1 == chunk.len())
                    .map_err(|e| LocalError::Decode(e.to_string()))?;
                self.cached.push(*token);
            }
            self.ctx
                .decode(&mut batch)
                .map_err(|e| LocalError::Decode(e.to_string()))?;
            last = batch.n_tokens() - 1;
        }
        Ok(last)
    }

    fn run(
        &mut self,
        generation: &Generation,
        events: &mpsc::UnboundedSender<GenEvent>,
    ) -> Result<GenStats, LocalError> {
        let tokens = self.prompt_tokens(&generation.messages)?;
        let budget = self.options.max_output_tokens as usize;
        let available = self.info.context_size as usize;
        if tokens.len() + budget.min(available / 4) > available {
            return Err(LocalError::ContextFull {
                needed: tokens.len(),
                available,
            });
        }
        let mut matcher = generation.grammar.as_deref().map(|g| self.matcher(g)).transpose()?;

        let prompt_started = Instant::now();
        let mut reused = if self.options.reuse_prefix {
            common_prefix(&self.cached, &tokens)
        } else {
            0
        };
        // The last prompt token is always evaluated: its logits start the answer.
        reused = reused.min(tokens.len().saturating_sub(1));
        self.cached.truncate(reused);
        let from = u32::try_from(reused).unwrap_or(u32::MAX);
        if self.ctx.clear_kv_cache_seq(Some(0), Some(from), None).is_err() {
            self.forget_cache();
            reused = 0;
        }
        let mut logits_at = self.evaluate(&tokens[reused..])?;
        let prompt_time = prompt_started.elapsed();

        let gen_started = Instant::now();
        let mut sampler = self.sampler();
        let mut text = Utf8Stream::new(generation.stop.clone());
        let mut output_tokens = 0u32;
        let max_tokens = budget.min(available - tokens.len());
        let mut finish = Finish::Length;
        for step in 0..max_tokens {
            let prefer = (matcher.is_some() && max_tokens - step <= CLOSING_RESERVE)
                .then(|| toolcall::steer(&text.so_far()))
                .flatten();
            let token = self.choose(logits_at, matcher.as_mut(), &mut sampler, prefer)?;
            if self.model.vocab().is_eog(token) {
                finish = Finish::Stop;
                break;
            }
            sampler.accept(token);
            if let Some(m) = matcher.as_mut() {
                m.consume_token(token.0.cast_unsigned())
                    .map_err(|e| LocalError::Grammar(e.to_string()))?;
            }
            output_tokens += 1;
            let piece = self.model.vocab().token_to_piece(token, false, None);
            if let Some(delta) = text.push(&piece)
                && events.send(GenEvent::Text(delta)).is_err()
            {
                finish = Finish::Cancelled;
                break;
            }
            if text.stopped {
                finish = Finish::Stop;
                break;
            }
            if matcher.as_ref().is_some_and(Matcher::is_stopped) {
                finish = Finish::Stop;
                break;
            }
            logits_at = self.evaluate(&[token])?;
        }
        if let Some(rest) = text.finish() {
            let _ = events.send(GenEvent::Text(rest));
        }
        Ok(GenStats {
            prompt_tokens: u32::try_from(tokens.len()).unwrap_or(u32::MAX),
            reused_tokens: u32::try_from(reused).unwrap_or(u32::MAX),
            output_tokens,
            prompt_time,
            generation_time: gen_started.elapsed(),
            finish,
            text: text.all,
        })
    }

    /// The sampler chain: the repetition penalty, then greedy choice or
    /// temperature sampling with a fixed seed.
    fn sampler(&self) -> LlamaSampler {
        let penalty = LlamaSampler::penalties(self.model.n_vocab(), 64, self.options.repeat_penalty, 0.0, 0.0);
        if self.options.temperature > 0.0 {
            LlamaSampler::chain_simple([
                penalty,
                LlamaSampler::temp(self.options.temperature),
                LlamaSampler::dist(self.options.seed),
            ])
        } else {
            LlamaSampler::chain_simple([penalty, LlamaSampler::greedy()])
        }
    }

    /// Picks the next token from the logits at batch index `at`, inside the
    /// grammar's mask when there is one; with `prefer`, the likeliest allowed
    /// token that does what it asks, when there is one.
    fn choose(
        &self,
        at: i32,
        matcher: Option<&mut Matcher>,
        sampler: &mut LlamaSampler,
        prefer: Option<toolcall::Steer>,
    ) -> Result<LlamaToken, LocalError> {
        let logits = self.ctx.get_logits_ith(at);
        let mask = match matcher {
            Some(m) => Some(m.compute_mask().map_err(|e| LocalError::Grammar(e.to_string()))?),
            None => None,
        };
        let trie = self.grammar_factory.as_ref().map(|f| f.tok_env().tok_trie());
        if let (Some(prefer), Some(mask), Some(trie)) = (prefer, mask.as_ref(), trie) {
            let best = logits
                .iter()
                .enumerate()
                .filter_map(|(id, logit)| Some((u32::try_from(id).ok()?, logit)))
                .filter(|&(id, _)| mask.is_allowed(id) && prefer.wants(trie.token(id)))
                .max_by(|a, b| a.1.total_cmp(b.1));
            if let Some((id, _)) = best {
                return Ok(LlamaToken(id.cast_signed()));
            }
        }
        let mut any_allowed = false;
        let data = logits.iter().enumerate().map(|(id, &logit)| {
            let id = u32::try_from(id).unwrap_or(u32::MAX);
            let allowed = mask.as_ref().is_none_or(|mask| mask.is_allowed(id));
            any_allowed |= allowed;
            let logit = if allowed { logit } else { f32::NEG_INFINITY };
            LlamaTokenData::new(LlamaToken(id.cast_signed()), logit, 0.0)
        });
        let mut array = LlamaTokenDataArray::from_iter(data, false);
        if !any_allowed {
            return Err(LocalError::Grammar("the grammar allows no next token".into()));
        }
        sampler.apply(&mut array);
        array
            .selected_token()
            .ok_or_else(|| LocalError::Decode("the sampler selected no token".into()))
    }
}

fn chatml() -> Result<LlamaChatTemplate, LocalError> {
    LlamaChatTemplate::new("chatml").map_err(|e| LocalError::Prompt(e.to_string()))
}

fn common_prefix(a: &[LlamaToken], b: &[LlamaToken]) -> usize {
    a.iter().zip(b).take_while(|(x, y)| x == y).count()
}
