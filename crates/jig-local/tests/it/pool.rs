//! The model pool on the real model: handles on one file share its weights,
//! each with a context of its own, and answer exactly what an unshared
//! engine answers, with more handles than contexts too; and loading from
//! async code.

use std::path::Path;

use jig_local::LocalModel;
use jig_local::engine::{Engine, EngineOptions, GenStats};
use jig_local::prompt::ChatMessage;

use crate::support::{chat, engine, model_path, run, unshared};

/// `contexts` contexts of a size no other test asks for, so these handles
/// are their model's only ones.
fn options(contexts: u32) -> EngineOptions {
    EngineOptions {
        context_size: Some(1024),
        contexts,
        max_output_tokens: 8,
        ..EngineOptions::default()
    }
}

const QUESTIONS: [&str; 4] = [
    "What is the capital of France?",
    "Name a colour.",
    "What is 2 + 2?",
    "Say hello.",
];

fn first(question: &str) -> Vec<ChatMessage> {
    chat(&[("user", question)])
}

fn follow_up(question: &str, answer: &str) -> Vec<ChatMessage> {
    chat(&[("user", question), ("assistant", answer), ("user", "Say it again.")])
}

/// What a model of its own answers, evaluating every prompt whole.
fn reference() -> Engine {
    unshared(EngineOptions {
        reuse_prefix: false,
        ..options(1)
    })
}

#[test]
fn handles_on_one_file_share_its_weights_and_keep_their_own_contexts() {
    let handles: Vec<Engine> = (0..4).map(|_| engine(options(4))).collect();
    assert!(handles.iter().all(|h| h.shares_model_with(&handles[0])));
    assert_eq!(handles[0].model_handles(), 4, "the file is loaded once for all four");
    let reference = reference();
    assert!(!reference.shares_model_with(&handles[0]));

    // Every handle asks before any asks again: had two shared a context, the
    // second would have displaced the first one's prompt.
    let firsts: Vec<GenStats> = handles
        .iter()
        .zip(QUESTIONS)
        .map(|(h, q)| run(h, first(q), None))
        .collect();
    for ((handle, question), one) in handles.iter().zip(QUESTIONS).zip(&firsts) {
        let two = run(handle, follow_up(question, &one.text), None);
        assert!(
            two.reused_tokens >= one.prompt_tokens,
            "{question}: its context kept its prompt ({} of {} reused)",
            two.reused_tokens,
            two.prompt_tokens
        );
        assert_eq!(one.text, run(&reference, first(question), None).text, "{question}");
        assert_eq!(
            two.text,
            run(&reference, follow_up(question, &one.text), None).text,
            "{question}"
        );
    }
}

#[test]
fn with_more_handles_than_contexts_the_least_recently_used_gives_its_context_up() {
    let [a, b, c] = [(); 3].map(|()| engine(options(2)));
    assert_eq!(a.model_handles(), 3);
    let reference = reference();
    let [qa, qb, qc] = [QUESTIONS[0], QUESTIONS[1], QUESTIONS[2]];
    // a and b get the two contexts; c takes a's, the least recently used.
    let firsts = [(&a, qa), (&b, qb), (&c, qc)].map(|(h, q)| run(h, first(q), None));
    for ((_, question), one) in [(&a, qa), (&b, qb), (&c, qc)].iter().zip(&firsts) {
        assert_eq!(one.text, run(&reference, first(question), None).text, "{question}");
    }
    // a takes b's context, c still has its own, b takes a's.
    let [fa, fb, fc] = &firsts;
    let again_a = run(&a, follow_up(qa, &fa.text), None);
    let again_c = run(&c, follow_up(qc, &fc.text), None);
    let again_b = run(&b, follow_up(qb, &fb.text), None);
    assert_eq!(again_a.reused_tokens, 0, "a lost its context to c");
    assert!(again_c.reused_tokens >= fc.prompt_tokens, "c kept its own");
    assert_eq!(again_b.reused_tokens, 0, "b lost its context to a");
    for (again, question, one) in [(&again_a, qa, fa), (&again_b, qb, fb), (&again_c, qc, fc)] {
        let expected = run(&reference, follow_up(question, &one.text), None);
        assert_eq!(
            again.text, expected.text,
            "losing a context changes no answer: {question}"
        );
    }
}

#[test]
fn loading_from_async_code_neither_panics_nor_needs_a_runtime_thread_of_its_own() {
    let options = EngineOptions {
        max_output_tokens: 8,
        ..EngineOptions::default()
    };
    let path = model_path();
    let spec = path.to_string_lossy().into_owned();
    let no_models = Path::new("/nonexistent");
    let runtime = |builder: &mut tokio::runtime::Builder| builder.build().unwrap_or_else(|e| panic!("{e}"));

    let current = runtime(&mut tokio::runtime::Builder::new_current_thread());
    let awaited = current
        .block_on(LocalModel::load_async(&spec, no_models, options.clone()))
        .unwrap_or_else(|e| panic!("{e}"));
    // On a current-thread runtime the blocking load simply blocks.
    let blocking = current
        .block_on(async { Engine::load(&path, options.clone()) })
        .unwrap_or_else(|e| panic!("{e}"));
    // On a multi-thread runtime's worker it hands the worker's tasks on first.
    let multi = runtime(tokio::runtime::Builder::new_multi_thread().worker_threads(1));
    let task = {
        let (path, options) = (path.clone(), options.clone());
        multi.spawn(async move { Engine::load(&path, options) })
    };
    let in_task = multi
        .block_on(task)
        .unwrap_or_else(|e| panic!("{e}"))
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(awaited.engine().shares_model_with(&blocking));
    assert!(in_task.shares_model_with(&blocking));
    let answer = run(awaited.engine(), first("Say hello."), None);
    assert!(answer.output_tokens > 0);
}
