//! One generation on one llama.cpp context: the prompt is tokenised with the
//! model's own chat template, evaluated after the reused KV prefix, and the
//! answer sampled token by token, inside the grammar when there is one.
//!
//! [`Model`] holds what every context of one loaded model shares (the
//! weights, the chat template, the grammar factory); [`Context`] holds what
//! each session needs to itself (the KV cache and the tokens in it).
//!
//! Invariant: the tokens in [`Context`]'s `cached` are exactly those whose
//! keys and values sit in its KV cache, in order. Reuse trims the cache to
//! the common prefix before evaluating anything, so it can never attend to
//! stale tokens: the result is the same as evaluating the whole prompt
//! afresh. Anything that may break the invariant (a failed decode, a context
//! handed to another session) calls [`Context::forget_cache`].
//!
//! Contexts grow: one starts with [`INITIAL_CONTEXT`] tokens of KV cache (or
//! less when the model offers less) and is replaced by one twice as large,
//! up to the model's context size, when a request needs more room than it
//! has. llama.cpp zeroes a context's whole KV cache when it makes it (at
//! 8192 tokens, 189 MB and ≈ 60 ms for SmolLM2-135M), so a context sized
//! for the whole window up front made every load pay for room most
//! conversations never use, and kept it resident. A larger context answers
//! exactly as a smaller one: attention covers only the cells in use, padded
//! the same way (`a_context_that_grows_answers_as_one_made_at_full_size`).

use std::path::Path;
use std::sync::Arc;
use std::time::Instant;

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

use super::text::Utf8Stream;
use super::{BATCH, EngineOptions, Finish, GenEvent, GenStats, Generation, ModelInfo, context_params};
use crate::LocalError;
use crate::prompt::ChatMessage;
use crate::toolcall::{self, CallLayout};

/// Tokens at the end of a constrained response's budget in which the
/// sampler steers toward closing the open tool call ([`toolcall::steer`]).
const CLOSING_RESERVE: usize = 48;

/// The largest context the engine allocates unless told otherwise.
const DEFAULT_CONTEXT_CAP: u32 = 8192;

/// Tokens of KV cache a new context starts with (it grows when needed).
pub const INITIAL_CONTEXT: u32 = 2048;

/// What every context of one loaded model shares.
pub(super) struct Model<'m> {
    model: &'m LlamaModel,
    template: LlamaChatTemplate,
    pub(super) info: Arc<ModelInfo>,
    /// Built on the first constrained request (it walks the whole vocabulary;
    /// its token trie also gives each token's bytes for steering).
    grammar_factory: Option<ParserFactory>,
}

/// One llama.cpp context and the tokens in its KV cache.
pub(super) struct Context<'m> {
    ctx: LlamaContext<'m>,
    /// Tokens the KV cache can hold.
    size: u32,
    /// The tokens whose keys and values are in the KV cache, in order.
    cached: Vec<LlamaToken>,
}

/// The size a new context starts with, for a model whose full context is
/// `full` tokens.
pub(super) fn initial_size(options: &EngineOptions, full: u32) -> u32 {
    options.initial_context.unwrap_or(INITIAL_CONTEXT).clamp(256, full)
}

/// The size a context must have to answer a prompt of `prompt` tokens with
/// up to `budget` new ones, when the model's full context is `full`: the
/// next power of two that holds both (at least `current`), at most `full`.
pub(super) fn size_for(prompt: usize, budget: usize, current: u32, full: u32) -> u32 {
    let need = u32::try_from(prompt.saturating_add(budget)).unwrap_or(u32::MAX);
    if need <= current {
        return current;
    }
    need.checked_next_power_of_two()
        .unwrap_or(u32::MAX)
        .clamp(current, full)
}

/// The context size `options` ask of `model`: the model's training context,
/// capped at [`DEFAULT_CONTEXT_CAP`], unless told otherwise.
pub(super) fn context_size(model: &LlamaModel, options: &EngineOptions) -> u32 {
    let train_context = model.n_ctx_train();
    options
        .context_size
        .unwrap_or(train_context.min(DEFAULT_CONTEXT_CAP))
        .clamp(256, train_context.max(256))
}

impl<'m> Model<'m> {
    /// Reads the model's facts; `started` is when loading began.
    pub(super) fn new(
        model: &'m LlamaModel,
        path: &Path,
        context_size: u32,
        started: Instant,
    ) -> Result<Self, LocalError> {
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
            train_context: model.n_ctx_train(),
            parameters: model.n_params(),
            has_chat_template,
            load_time: started.elapsed(),
        };
        Ok(Model {
            model,
            template,
            info: Arc::new(info),
            grammar_factory: None,
        })
    }

    /// The prompt of `generation` as tokens, and the context size it needs
    /// under `options`; a prompt that leaves too little room to answer in
    /// the model's full context is refused.
    pub(super) fn room(
        &self,
        generation: &Generation,
        options: &EngineOptions,
        current: u32,
    ) -> Result<(Vec<LlamaToken>, u32), LocalError> {
        let tokens = self.prompt_tokens(&generation.messages)?;
        let budget = options.max_output_tokens as usize;
        let full = self.info.context_size;
        let available = full as usize;
        if tokens.len() + budget.min(available / 4) > available {
            return Err(LocalError::ContextFull {
                needed: tokens.len(),
                available,
            });
        }
        let size = size_for(tokens.len(), budget, current, full);
        Ok((tokens, size))
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

    /// The sampler chain: the repetition penalty, then greedy choice or
    /// temperature sampling with a fixed seed.
    fn sampler(&self, options: &EngineOptions) -> LlamaSampler {
        let penalty = LlamaSampler::penalties(self.model.n_vocab(), 64, options.repeat_penalty, 0.0, 0.0);
        if options.temperature > 0.0 {
            LlamaSampler::chain_simple([
                penalty,
                LlamaSampler::temp(options.temperature),
                LlamaSampler::dist(options.seed),
            ])
        } else {
            LlamaSampler::chain_simple([penalty, LlamaSampler::greedy()])
        }
    }
}

impl<'m> Context<'m> {
    /// A new, empty `context_size`-token context on `model`.
    pub(super) fn new(
        backend: &LlamaBackend,
        model: &'m LlamaModel,
        path: &Path,
        options: &EngineOptions,
        context_size: u32,
    ) -> Result<Self, LocalError> {
        let ctx = model
            .new_context(backend, context_params(options, context_size))
            .map_err(|e| LocalError::Load {
                path: path.display().to_string(),
                reason: format!("cannot create a {context_size}-token context: {e}"),
            })?;
        Ok(Context {
            ctx,
            size: context_size,
            cached: Vec::new(),
        })
    }

    /// Tokens the KV cache can hold.
    pub(super) fn size(&self) -> u32 {
        self.size
    }

    pub(super) fn forget_cache(&mut self) {
        self.cached.clear();
        self.ctx.clear_kv_cache();
    }

    /// Evaluates `tokens` after the reused prefix; returns the batch index
    /// whose logits predict the next token.
    fn evaluate(&mut self, tokens: &[LlamaToken], context_size: u32) -> Result<i32, LocalError> {
        let mut last = 0;
        for chunk in tokens.chunks(BATCH) {
            let mut batch = LlamaBatch::new(chunk.len(), 1);
            for (i, token) in chunk.iter().enumerate() {
                let pos = i32::try_from(self.cached.len()).map_err(|_| LocalError::ContextFull {
                    needed: self.cached.len(),
                    available: context_size as usize,
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

    /// Runs `generation` (its prompt already tokenised into `tokens` and
    /// checked by [`Model::room`]) under `options`, streaming its text to
    /// `events`. The context must hold [`Model::room`]'s size.
    pub(super) fn run(
        &mut self,
        model: &mut Model<'m>,
        options: &EngineOptions,
        generation: &Generation,
        tokens: &[LlamaToken],
        events: &mpsc::UnboundedSender<GenEvent>,
    ) -> Result<GenStats, LocalError> {
        let budget = options.max_output_tokens as usize;
        let context_size = model.info.context_size;
        let available = context_size as usize;
        let mut matcher = generation.grammar.as_deref().map(|g| model.matcher(g)).transpose()?;
        let model = &*model;

        let prompt_started = Instant::now();
        let mut reused = if options.reuse_prefix {
            common_prefix(&self.cached, tokens)
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
        let mut logits_at = self.evaluate(&tokens[reused..], self.size)?;
        let prompt_time = prompt_started.elapsed();

        let gen_started = Instant::now();
        let mut sampler = model.sampler(options);
        let mut text = Utf8Stream::new(generation.stop.clone());
        let mut output_tokens = 0u32;
        let max_tokens = budget
            .min(available - tokens.len())
            .min((self.size as usize).saturating_sub(tokens.len()));
        let mut finish = Finish::Length;
        for step in 0..max_tokens {
            let prefer = (matcher.is_some() && max_tokens - step <= CLOSING_RESERVE)
                .then(|| toolcall::steer(&text.so_far()))
                .flatten();
            let token = self.choose(model, logits_at, matcher.as_mut(), &mut sampler, prefer)?;
            if model.model.vocab().is_eog(token) {
                finish = Finish::Stop;
                break;
            }
            sampler.accept(token);
            if let Some(m) = matcher.as_mut() {
                m.consume_token(token.0.cast_unsigned())
                    .map_err(|e| LocalError::Grammar(e.to_string()))?;
            }
            output_tokens += 1;
            let piece = model.model.vocab().token_to_piece(token, false, None);
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
            logits_at = self.evaluate(&[token], self.size)?;
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

    /// Picks the next token from the logits at batch index `at`, inside the
    /// grammar's mask when there is one; with `prefer`, the likeliest allowed
    /// token that does what it asks, when there is one.
    fn choose(
        &self,
        model: &Model<'m>,
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
        let trie = model.grammar_factory.as_ref().map(|f| f.tok_env().tok_trie());
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

#[cfg(test)]
mod tests {
    use super::size_for;

    #[test]
    fn a_context_grows_to_the_next_power_of_two_that_holds_prompt_and_answer() {
        assert_eq!(size_for(100, 1024, 2048, 8192), 2048, "fits: stays");
        assert_eq!(size_for(1500, 1024, 2048, 8192), 4096);
        assert_eq!(size_for(5000, 1024, 2048, 8192), 8192);
        assert_eq!(size_for(7900, 1024, 4096, 8192), 8192, "never past the model's context");
        assert_eq!(size_for(10, 10, 4096, 8192), 4096, "never shrinks");
    }
}
