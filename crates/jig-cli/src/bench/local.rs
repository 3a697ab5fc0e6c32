//! `jig bench local`: the embedded model, each figure against a reference
//! measured in the same run.
//!
//! - load: weights and first context ready, against reading the GGUF file
//!   whole, and (after the process's first load) against a plain llama.cpp
//!   load of the same file with the same first context, rounds alternating:
//!   the ratio is what jig adds to llama.cpp's own loader;
//! - prompt: tokens/s evaluating a fresh ~1.5k-token prompt (jig's generic
//!   tool list), with the KV cache emptied first;
//! - generation: tokens/s of free text, and of the same request under the
//!   tool-call grammar (the grammar's cost is their ratio);
//! - reference: jig's generation against a plain llama.cpp greedy loop
//!   (tokenize, decode, argmax; no grammar, sampler chain or jig prompt
//!   code) on the same llama.cpp build, context settings and prompt, both
//!   without the repetition penalty so both are pure argmax: the ratio is
//!   jig's overhead, and the two texts must be the same;
//! - tool calls: the 50 requests of [`jig_local::tasks`] answered with and
//!   without the tool-call grammar (the grammar forces a call, as it does
//!   for a small model's first step), counting calls that parse and name an
//!   offered tool against malformed ones — what the grammar prevents;
//! - KV reuse: a multi-turn session (each turn appends the model's answer
//!   and a new user message) run twice on fresh engines, with and without
//!   prefix reuse; the speed-up is the ratio of total prompt-evaluation
//!   time, and the two runs must produce the same answers;
//! - resident memory with one engine loaded, against the model file's size,
//!   and the peak over the whole bench.

use std::time::{Duration, Instant};

use jig_local::engine::llama_cpp_2::llama_batch::LlamaBatch;
use jig_local::engine::llama_cpp_2::model::{LlamaChatMessage, LlamaChatTemplate, LlamaModel};
use jig_local::engine::llama_cpp_2::token::LlamaToken;
use jig_local::engine::{Engine, EngineOptions, GenStats, Generation};
use jig_local::prompt::ChatMessage;
use jig_local::toolcall;

use crate::bench::ms;
use crate::exit;

/// `jig bench local --model NAME --turns N`.
pub fn local(model: &str, turns: u32) -> anyhow::Result<u8> {
    let (models_dir, _) = crate::model::models_dir()?;
    let path = jig_local::registry::locate(model, &models_dir)?;
    let file_size = std::fs::metadata(&path)?.len();

    let read_started = Instant::now();
    let bytes = std::fs::read(&path)?;
    let read_time = read_started.elapsed();
    drop(bytes);

    let options = EngineOptions {
        max_output_tokens: 128,
        ..EngineOptions::default()
    };
    let engine = Engine::load(&path, options.clone())?;
    let info = engine.info().clone();
    println!(
        "bench local: {} ({:.1} MB, {} parameters)",
        info.name,
        file_size as f64 / 1e6,
        info.parameters
    );
    println!(
        "  load:        {:>8.1} ms   (reading the file alone: {:.1} ms; ratio {:.2}x)",
        ms(info.load_time),
        ms(read_time),
        ratio(info.load_time, read_time)
    );
    let loads = load_reference(&path, &options)?;
    println!(
        "  load again:  jig {} ms vs a plain llama.cpp load (model and first {}-token context) {} ms \
         ({} rounds): ratio {}",
        range(&loads.jig),
        loads.context,
        range(&loads.plain),
        REFERENCE_ROUNDS,
        range(&loads.ratios())
    );

    let tools = jig_dialect::router(jig_config::Dialect::Generic).specs();
    let system = format!(
        "You are jig, a coding agent.\n\n{}",
        toolcall::tools_prompt(&tools, info.layout, toolcall::Listing::for_size(info.parameters))
    );
    let conversation = |user: &str| {
        vec![
            ChatMessage {
                role: "system",
                content: system.clone(),
            },
            ChatMessage {
                role: "user",
                content: user.to_owned(),
            },
        ]
    };
    // Warm-up, so the first timed request does not pay for page faults.
    run(&engine, conversation("Say hello."), None)?;
    let one_engine = current_rss_mib();

    // A different first message each time defeats prefix reuse past the system prompt;
    // a fresh engine with reuse off measures the whole prompt.
    let cold = Engine::load(
        &path,
        EngineOptions {
            reuse_prefix: false,
            ..options.clone()
        },
    )?;
    let free = run(
        &cold,
        conversation("Write a short story about a robot who learns to paint."),
        None,
    )?;
    let grammar = toolcall::grammar(&tools, info.layout, toolcall::Choice::Auto);
    let constrained = run(&cold, conversation("List the files in the workspace."), grammar.clone())?;
    println!(
        "  prompt:      {:>8.1} tok/s ({} tokens in {:.0} ms)",
        per_second(free.prompt_tokens, free.prompt_time),
        free.prompt_tokens,
        ms(free.prompt_time)
    );
    let free_rate = per_second(free.output_tokens, free.generation_time);
    let constrained_rate = per_second(constrained.output_tokens, constrained.generation_time);
    println!(
        "  generation:  {:>8.1} tok/s free text ({} tokens); {:.1} tok/s under the tool grammar ({} tokens); ratio {:.2}x",
        free_rate,
        free.output_tokens,
        constrained_rate,
        constrained.output_tokens,
        constrained_rate / free_rate
    );

    let reference = reference(
        &path,
        &options,
        info.context_size,
        &conversation("Write a short story about a robot who learns to paint."),
    )?;
    println!(
        "  reference:   jig {} tok/s vs a plain llama.cpp greedy loop {} tok/s ({} tokens, {} rounds, penalty off): \
         ratio {}; same text: {}",
        range(&reference.jig),
        range(&reference.plain),
        reference.tokens,
        REFERENCE_ROUNDS,
        range(&reference.ratios()),
        if reference.same_text { "yes" } else { "NO" }
    );

    let calls = tool_calls(&engine, &tools, &conversation, info.layout)?;
    println!(
        "  tool calls:  {} tasks; under the grammar {} called tools, {} calls valid, {} malformed; \
         without it {} tried, {} valid, {} malformed",
        jig_local::tasks::CODING_TASKS.len(),
        calls.constrained.attempted,
        calls.constrained.valid,
        calls.constrained.malformed,
        calls.free.attempted,
        calls.free.valid,
        calls.free.malformed
    );

    let reuse = session(&path, &options, &system, turns, true)?;
    let fresh = session(&path, &options, &system, turns, false)?;
    let same = reuse.answers == fresh.answers;
    println!(
        "  KV reuse:    {turns}-turn session, prompt evaluation {:.0} ms with reuse vs {:.0} ms without: {:.2}x faster \
         ({} of {} prompt tokens reused; whole turns {:.0} ms vs {:.0} ms, {:.2}x); same answers: {}",
        ms(reuse.prompt_time),
        ms(fresh.prompt_time),
        ratio(fresh.prompt_time, reuse.prompt_time),
        reuse.reused_tokens,
        reuse.prompt_tokens,
        ms(reuse.total_time),
        ms(fresh.total_time),
        ratio(fresh.total_time, reuse.total_time),
        if same { "yes" } else { "NO" }
    );
    let rss = crate::bench::peak_rss_mib();
    println!(
        "  RSS:         {:>8.1} MiB with one engine after a request ({:.2}x the model file); peak {:.1} MiB with up to three engines and the plain reference loaded at once",
        one_engine,
        one_engine * 1024.0 * 1024.0 / file_size as f64,
        rss
    );
    anyhow::ensure!(same, "prefix reuse changed the model's answers");
    anyhow::ensure!(
        reference.same_text,
        "jig's greedy text differs from the plain llama.cpp loop's on the same prompt"
    );
    Ok(exit::COMPLETED)
}

/// Rounds of the reference comparison (jig and the plain loop alternate).
const REFERENCE_ROUNDS: usize = 3;

/// Generation speeds of jig and of the plain loop, round by round.
struct ReferenceFigures {
    jig: Vec<f64>,
    plain: Vec<f64>,
    tokens: u32,
    same_text: bool,
}

impl ReferenceFigures {
    fn ratios(&self) -> Vec<f64> {
        self.jig.iter().zip(&self.plain).map(|(j, p)| j / p).collect()
    }
}

/// Load times in milliseconds of jig's engine and of a plain llama.cpp load,
/// round by round.
struct LoadFigures {
    jig: Vec<f64>,
    plain: Vec<f64>,
    /// The first context's size, in tokens, in both.
    context: u32,
}

impl LoadFigures {
    fn ratios(&self) -> Vec<f64> {
        self.jig.iter().zip(&self.plain).map(|(j, p)| j / p).collect()
    }
}

/// jig's load (an engine of its own, outside the pool, so each round loads)
/// against llama.cpp's loader alone: the model, then a context of the size
/// jig's first one has, with the same settings. Alternating rounds, so page
/// cache and allocator state favour neither.
fn load_reference(path: &std::path::Path, options: &EngineOptions) -> anyhow::Result<LoadFigures> {
    let backend = jig_local::engine::backend()?;
    let mut figures = LoadFigures {
        jig: Vec::new(),
        plain: Vec::new(),
        context: 0,
    };
    for _ in 0..REFERENCE_ROUNDS {
        let engine = Engine::load_unshared(path, options.clone())?;
        figures.jig.push(ms(engine.info().load_time));
        figures.context = options
            .initial_context
            .unwrap_or(jig_local::engine::INITIAL_CONTEXT)
            .clamp(256, engine.info().context_size);
        drop(engine);

        let started = Instant::now();
        let model = LlamaModel::load_from_file(backend, path, &jig_local::engine::model_params())?;
        let ctx = model.new_context(backend, jig_local::engine::context_params(options, figures.context))?;
        figures.plain.push(ms(started.elapsed()));
        drop(ctx);
    }
    Ok(figures)
}

/// jig's engine and a plain llama.cpp greedy loop, alternating, on the same
/// prompt with the same context settings ([`jig_local::engine::context_params`]).
fn reference(
    path: &std::path::Path,
    options: &EngineOptions,
    context_size: u32,
    messages: &[ChatMessage],
) -> anyhow::Result<ReferenceFigures> {
    let options = EngineOptions {
        repeat_penalty: 1.0,
        reuse_prefix: false,
        ..options.clone()
    };
    let engine = Engine::load(path, options.clone())?;
    let backend = jig_local::engine::backend()?;
    let model = LlamaModel::load_from_file(backend, path, &jig_local::engine::model_params())?;
    let mut ctx = model.new_context(backend, jig_local::engine::context_params(&options, context_size))?;
    let template = match model.chat_template(None) {
        Ok(template) => template,
        Err(_) => LlamaChatTemplate::new("chatml")?,
    };
    let chat = messages
        .iter()
        .map(|m| LlamaChatMessage::new(m.role.to_owned(), m.content.clone()))
        .collect::<Result<Vec<_>, _>>()?;
    let prompt = model.apply_chat_template(&template, &chat, true)?;
    let tokens = model.vocab().tokenize(prompt.as_bytes(), true, true);

    let mut figures = ReferenceFigures {
        jig: Vec::new(),
        plain: Vec::new(),
        tokens: 0,
        same_text: true,
    };
    for _ in 0..REFERENCE_ROUNDS {
        let jig = run(&engine, messages.to_vec(), None)?;
        ctx.clear_kv_cache();
        let (text, generated, time) = plain_greedy(&model, &mut ctx, &tokens, options.max_output_tokens)?;
        figures.jig.push(per_second(jig.output_tokens, jig.generation_time));
        figures.plain.push(per_second(generated, time));
        figures.tokens = generated;
        figures.same_text &= text == jig.text;
    }
    Ok(figures)
}

/// Tokenize, decode, argmax: llama.cpp and nothing else. Returns the text,
/// the tokens generated and the time generating them.
fn plain_greedy(
    model: &LlamaModel,
    ctx: &mut jig_local::engine::llama_cpp_2::context::LlamaContext<'_>,
    prompt: &[LlamaToken],
    max_tokens: u32,
) -> anyhow::Result<(String, u32, Duration)> {
    let mut position = 0;
    let mut logits_at = 0;
    for chunk in prompt.chunks(jig_local::engine::BATCH) {
        let mut batch = LlamaBatch::new(chunk.len(), 1);
        for (i, &token) in chunk.iter().enumerate() {
            batch.add(token, position, &[0], i + 1 == chunk.len())?;
            position += 1;
        }
        ctx.decode(&mut batch)?;
        logits_at = batch.n_tokens() - 1;
    }
    let started = Instant::now();
    let mut bytes = Vec::new();
    let mut generated = 0;
    let mut batch = LlamaBatch::new(1, 1);
    while generated < max_tokens {
        // The first of equal logits, as llama.cpp's greedy sampler picks.
        let logits = ctx.get_logits_ith(logits_at);
        let best = (0..logits.len()).fold(0, |best, i| if logits[i] > logits[best] { i } else { best });
        let token = LlamaToken(i32::try_from(best)?);
        if model.vocab().is_eog(token) {
            break;
        }
        generated += 1;
        bytes.extend(model.vocab().token_to_piece(token, false, None));
        batch.clear();
        batch.add(token, position, &[0], true)?;
        position += 1;
        ctx.decode(&mut batch)?;
        logits_at = 0;
    }
    let time = started.elapsed();
    Ok((String::from_utf8_lossy(&bytes).into_owned(), generated, time))
}

/// `min–max` of a few figures.
fn range(values: &[f64]) -> String {
    let min = values.iter().copied().fold(f64::INFINITY, f64::min);
    let max = values.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    if (max - min).abs() < 0.005 {
        format!("{min:.2}")
    } else {
        format!("{min:.2}–{max:.2}")
    }
}

/// How the responses to a set of requests fared as tool calls.
#[derive(Debug, Default)]
struct CallTally {
    /// Responses that opened a tool call.
    attempted: u32,
    /// Calls that parsed, named an offered tool and carried JSON arguments.
    valid: u32,
    /// Calls (or blocks) that did not.
    malformed: u32,
}

impl CallTally {
    fn add(&mut self, text: &str, tools: &[jig_protocol::ToolSpec]) {
        if !text.contains(toolcall::OPEN) {
            return;
        }
        self.attempted += 1;
        let parsed = toolcall::parse(text);
        self.malformed += parsed.malformed.len() as u32;
        for call in parsed.calls {
            let offered = tools.iter().any(|t| t.name == call.name);
            let json = serde_json::from_str::<serde_json::Value>(&call.arguments).is_ok();
            if offered && json {
                self.valid += 1;
            } else {
                self.malformed += 1;
            }
        }
    }
}

struct CallFigures {
    constrained: CallTally,
    free: CallTally,
}

/// Every request of [`jig_local::tasks::CODING_TASKS`], once under the
/// required-call grammar and once free.
fn tool_calls(
    engine: &Engine,
    tools: &[jig_protocol::ToolSpec],
    conversation: &dyn Fn(&str) -> Vec<ChatMessage>,
    layout: toolcall::CallLayout,
) -> anyhow::Result<CallFigures> {
    let grammar = toolcall::grammar(tools, layout, toolcall::Choice::Required);
    let mut figures = CallFigures {
        constrained: CallTally::default(),
        free: CallTally::default(),
    };
    for task in jig_local::tasks::CODING_TASKS {
        let constrained = run(engine, conversation(task), grammar.clone())?;
        figures.constrained.add(&constrained.text, tools);
        let free = run(engine, conversation(task), None)?;
        figures.free.add(&free.text, tools);
    }
    Ok(figures)
}

struct SessionFigures {
    prompt_time: Duration,
    total_time: Duration,
    prompt_tokens: u64,
    reused_tokens: u64,
    answers: Vec<String>,
}

/// A `turns`-turn conversation on a fresh engine: each turn adds the
/// previous answer and a new question.
fn session(
    path: &std::path::Path,
    options: &EngineOptions,
    system: &str,
    turns: u32,
    reuse_prefix: bool,
) -> anyhow::Result<SessionFigures> {
    let engine = Engine::load(
        path,
        EngineOptions {
            reuse_prefix,
            max_output_tokens: 48,
            ..options.clone()
        },
    )?;
    let mut messages = vec![ChatMessage {
        role: "system",
        content: system.to_owned(),
    }];
    let mut figures = SessionFigures {
        prompt_time: Duration::ZERO,
        total_time: Duration::ZERO,
        prompt_tokens: 0,
        reused_tokens: 0,
        answers: Vec::new(),
    };
    for turn in 0..turns {
        messages.push(ChatMessage {
            role: "user",
            content: format!(
                "Step {}: name one thing a careful engineer checks before merging.",
                turn + 1
            ),
        });
        let started = Instant::now();
        let stats = run(&engine, messages.clone(), None)?;
        figures.total_time += started.elapsed();
        figures.prompt_time += stats.prompt_time;
        figures.prompt_tokens += u64::from(stats.prompt_tokens);
        figures.reused_tokens += u64::from(stats.reused_tokens);
        messages.push(ChatMessage {
            role: "assistant",
            content: stats.text.clone(),
        });
        figures.answers.push(stats.text);
    }
    Ok(figures)
}

fn run(engine: &Engine, messages: Vec<ChatMessage>, grammar: Option<String>) -> anyhow::Result<GenStats> {
    let stop = Vec::new();
    Ok(engine.complete(Generation {
        messages,
        grammar,
        stop,
    })?)
}

/// Resident memory now (`VmRSS`), in MiB.
fn current_rss_mib() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
            line.split_whitespace().nth(1)?.parse::<f64>().ok()
        })
        .map_or(f64::NAN, |kib| kib / 1024.0)
}

fn ratio(a: Duration, b: Duration) -> f64 {
    a.as_secs_f64() / b.as_secs_f64().max(1e-9)
}

fn per_second(tokens: u32, d: Duration) -> f64 {
    f64::from(tokens) / d.as_secs_f64().max(1e-9)
}
