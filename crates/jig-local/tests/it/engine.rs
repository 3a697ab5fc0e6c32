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
