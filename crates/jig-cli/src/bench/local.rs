//! `jig bench local`: the embedded model, each figure against a reference
//! measured in the same run.
//!
//! - load: weights and context ready, against reading the GGUF file whole;
//! - prompt: tokens/s evaluating a fresh ~1.5k-token prompt (jig's generic
//!   tool list), with the KV cache emptied first;
//! - generation: tokens/s of free text, and of the same request under the
//!   tool-call grammar (the grammar's cost is their ratio);
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
        "  RSS:         {:>8.1} MiB with one engine after a request ({:.2}x the model file); peak {:.1} MiB with up to three engines loaded at once",
        one_engine,
        one_engine * 1024.0 * 1024.0 / file_size as f64,
        rss
    );
    anyhow::ensure!(same, "prefix reuse changed the model's answers");
    Ok(exit::COMPLETED)
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
