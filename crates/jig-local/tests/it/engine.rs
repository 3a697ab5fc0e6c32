//! The engine on the real model: what it reads from the GGUF, determinism,
//! KV-cache reuse, cancellation, and errors that leave it usable.

use jig_local::LocalError;
use jig_local::engine::{Engine, EngineOptions, Finish, GenEvent, Generation};
use jig_local::toolcall::CallLayout;

use crate::support::{chat, engine, model_path, run, unshared};

fn short() -> EngineOptions {
    EngineOptions {
        max_output_tokens: 24,
        ..EngineOptions::default()
    }
}

#[test]
fn reads_tokenizer_template_and_context_from_the_gguf_itself() {
    let engine = engine(short());
    let info = engine.info();
    assert!(info.has_chat_template, "SmolLM2's GGUF carries its chat template");
    assert_eq!(info.train_context, 8192);
    assert_eq!(info.context_size, 8192);
    assert_eq!(info.layout, CallLayout::Array);
    assert!(
        (100_000_000..200_000_000).contains(&info.parameters),
        "{}",
        info.parameters
    );
    let stats = run(&engine, chat(&[("user", "What is the capital of France?")]), None);
    assert!(stats.output_tokens > 0);
    assert!(
        stats.text.contains("Paris"),
        "an instruction-tuned model answers: {:?}",
        stats.text
    );
}

#[test]
fn greedy_generation_is_deterministic_across_engines() {
    let messages = chat(&[("system", "You are terse."), ("user", "Name three prime numbers.")]);
    let a = run(&engine(short()), messages.clone(), None);
    let b = run(&unshared(short()), messages, None);
    assert_eq!(a.text, b.text);
    assert!(!a.text.is_empty());
}

#[test]
fn kv_reuse_evaluates_only_the_new_tokens_and_changes_no_output() {
    // A model of its own: other tests' sessions cannot take its context.
    let reusing = unshared(short());
    let first = chat(&[("system", "You are a helpful assistant."), ("user", "Say hello.")]);
    let one = run(&reusing, first.clone(), None);
    assert_eq!(one.reused_tokens, 0);
    let mut second = first;
    second.extend(chat(&[("assistant", &one.text), ("user", "Now say goodbye.")]));
    let two = run(&reusing, second.clone(), None);
    assert!(
        two.reused_tokens >= one.prompt_tokens,
        "the whole first prompt is reused: {} of {}",
        two.reused_tokens,
        two.prompt_tokens
    );
    let fresh = engine(EngineOptions {
        reuse_prefix: false,
        ..short()
    });
    let again = run(&fresh, second, None);
    assert_eq!(again.reused_tokens, 0);
    assert_eq!(two.text, again.text, "reuse must not change what the model says");
}

#[test]
fn a_context_that_grows_answers_as_one_made_at_full_size() {
    // Starts at 256 tokens: the first prompt needs 1024, the second 2048.
    let growing = unshared(EngineOptions {
        initial_context: Some(256),
        ..short()
    });
    let full = unshared(EngineOptions {
        initial_context: Some(8192),
        reuse_prefix: false,
        ..short()
    });
    let notes = "The lighthouse keeper logs the weather every hour. ".repeat(60);
    let first = chat(&[
        ("system", "You are terse."),
        ("user", &format!("{notes}\nWhat does the keeper log?")),
    ]);
    let grown = run(&growing, first.clone(), None);
    assert!(
        grown.prompt_tokens > 540,
        "the prompt outgrows 512 tokens: {}",
        grown.prompt_tokens
    );
    assert_eq!(grown.text, run(&full, first.clone(), None).text);
    let mut second = first;
    let more = "Ships pass the rocks at night and the lamp must not fail. ".repeat(60);
    second.extend(chat(&[
        ("assistant", &grown.text),
        ("user", &format!("{more}\nWhat must not fail?")),
    ]));
    let again = run(&growing, second.clone(), None);
    assert!(
        again.prompt_tokens > 1040,
        "the second prompt outgrows 1024 tokens: {}",
        again.prompt_tokens
    );
    assert_eq!(again.reused_tokens, 0, "a new, larger context starts empty");
    assert_eq!(
        again.text,
        run(&full, second, None).text,
        "growing must not change what the model says"
    );
}

#[test]
fn a_dropped_receiver_cancels_and_the_engine_keeps_working() {
    let engine = engine(EngineOptions {
        max_output_tokens: 200,
        ..EngineOptions::default()
    });
    let story = chat(&[("user", "Write a long story about a lighthouse keeper.")]);
    let mut rx = engine
        .generate(Generation {
            messages: story,
            grammar: None,
            stop: vec![],
        })
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(matches!(rx.blocking_recv(), Some(GenEvent::Text(_))));
    drop(rx);
    // The next request trims the cache back to the common prefix, so what
    // the cancelled generation left behind cannot leak into it.
    let question = chat(&[("user", "What is 2 + 2?")]);
    let after = run(&engine, question.clone(), None);
    let fresh = run(&crate::support::engine(EngineOptions::default()), question, None);
    assert_eq!(after.text, fresh.text);
    assert_eq!(after.finish, Finish::Stop);
}

#[test]
fn a_prompt_that_does_not_fit_is_refused_and_the_engine_stays_usable() {
    let engine = engine(EngineOptions {
        context_size: Some(512),
        ..short()
    });
    let long = "word ".repeat(2000);
    let mut rx = engine
        .generate(Generation {
            messages: chat(&[("user", &long)]),
            grammar: None,
            stop: vec![],
        })
        .unwrap_or_else(|e| panic!("{e}"));
    match rx.blocking_recv() {
        Some(GenEvent::Failed(e @ LocalError::ContextFull { .. })) => {
            let text = e.to_string();
            assert!(text.contains("512-token context"), "{text}");
            assert!(e.hint().contains("compact"), "{}", e.hint());
        }
        other => panic!("expected a context error, got {other:?}"),
    }
    let ok = run(&engine, chat(&[("user", "Hi")]), None);
    assert!(ok.output_tokens > 0);
}

#[test]
fn a_file_that_is_not_a_gguf_model_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let bogus = dir.path().join("model.gguf");
    std::fs::write(&bogus, b"not a model").unwrap_or_else(|e| panic!("{e}"));
    match Engine::load(&bogus, EngineOptions::default()) {
        Err(e @ LocalError::Load { .. }) => assert!(e.to_string().contains("model.gguf"), "{e}"),
        Err(e) => panic!("expected a load error, got {e}"),
        Ok(_) => panic!("a bogus file loaded"),
    }
    assert!(model_path().is_file());
}
