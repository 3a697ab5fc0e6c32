//! Constrained decoding on 50 coding tasks: every tool call the model writes
//! under the grammar parses and matches its tool's schema. The same prompts
//! without the grammar (what it prevents) are measured by `jig bench local`,
//! not here: a test asserts, it does not print figures.

use jig_local::engine::EngineOptions;
use jig_local::tasks::CODING_TASKS;
use jig_local::toolcall::{self, CallLayout, Choice};

use crate::support::{Tally, chat, engine, run, system_prompt, tally, tools};

#[test]
fn fifty_tasks_give_zero_malformed_calls_under_the_grammar() {
    let tools = tools();
    let system = system_prompt(&tools);
    let grammar = toolcall::grammar(&tools, CallLayout::Array, Choice::Required);
    let engine = engine(EngineOptions {
        max_output_tokens: 160,
        ..EngineOptions::default()
    });
    let mut constrained = Tally::default();
    let mut failures = Vec::new();
    for task in CODING_TASKS {
        let messages = chat(&[("system", &system), ("user", task)]);
        let stats = run(&engine, messages, grammar.clone());
        let before = failures.len();
        tally(&stats.text, &tools, &mut constrained, &mut failures);
        if failures.len() > before {
            failures.push(format!(
                "{task:?}: {:?} after {} tokens: {:?}",
                stats.finish, stats.output_tokens, stats.text
            ));
        }
    }
    assert_eq!(constrained.malformed, 0, "malformed constrained calls: {failures:?}");
    assert_eq!(constrained.attempted, 50, "a required call is always written");
    assert!(constrained.valid >= 50);
}
