//! Constrained decoding on 50 coding tasks: every tool call the model writes
//! under the grammar parses and matches its tool's schema; the same prompts
//! unconstrained show what the grammar prevents.

use jig_local::engine::EngineOptions;
use jig_local::toolcall::{self, CallLayout, Choice};

use crate::support::{Tally, chat, engine, run, system_prompt, tally, tools};

const TASKS: [&str; 50] = [
    "List the files in the current directory.",
    "Run the test suite.",
    "The tests fail; find and fix the bug.",
    "Read the file src/lib.rs.",
    "Search the code for TODO comments.",
    "Show me the README.",
    "What does the function `mean` do?",
    "Build the project with cargo build.",
    "Find where `parse_config` is defined.",
    "How many lines does src/main.rs have?",
    "Check the git status.",
    "Make a plan to add logging to the server.",
    "Rename the variable `x` to `count` in src/lib.rs.",
    "Create a file hello.txt that says hello.",
    "Show the last commit.",
    "List the directories two levels deep.",
    "Run cargo clippy and report the warnings.",
    "Find every file that mentions `unsafe`.",
    "Read Cargo.toml and tell me the dependencies.",
    "Delete the temporary file tmp.log.",
    "Add a unit test for the `add` function.",
    "What Rust version does this project need?",
    "Search for the word error, ignoring case.",
    "Open the file docs/architecture.md.",
    "Set a goal: make all tests pass.",
    "Run the program with cargo run.",
    "List the hidden files too.",
    "Find the definition of struct Config.",
    "Print the environment variable PATH.",
    "Check which version of git is installed.",
    "Show lines 10 to 20 of src/lib.rs.",
    "Fix the typo 'recieve' in the code.",
    "Count the Rust files in the repository.",
    "Look for failing tests in the tests directory.",
    "Format the code with cargo fmt.",
    "Show me the examples folder.",
    "Where is the main function?",
    "Update the plan: the first step is done.",
    "Search for functions that return Result.",
    "Read the .gitignore file.",
    "Run only the test named parses_empty_input.",
    "What is in the benches directory?",
    "Find all uses of unwrap().",
    "Make the function `mean` handle an empty slice.",
    "Show the size of the target directory.",
    "Grep for the string \"version\" in Cargo.toml.",
    "List the files changed since the last commit.",
    "Explain the project layout.",
    "Check that the code compiles without running tests.",
    "Find the longest file in src.",
];

#[test]
fn fifty_tasks_give_zero_malformed_calls_under_the_grammar() {
    let tools = tools();
    let system = system_prompt(&tools);
    let grammar = toolcall::grammar(&tools, CallLayout::Array, Choice::Required);
    let constrained_engine = engine(EngineOptions {
        max_output_tokens: 160,
        ..EngineOptions::default()
    });
    let free_engine = engine(EngineOptions {
        max_output_tokens: 96,
        ..EngineOptions::default()
    });
    let (mut constrained, mut free) = (Tally::default(), Tally::default());
    let (mut failures, mut free_failures) = (Vec::new(), Vec::new());
    for task in TASKS {
        let messages = chat(&[("system", &system), ("user", task)]);
        let stats = run(&constrained_engine, messages.clone(), grammar.clone());
        let before = failures.len();
        tally(&stats.text, &tools, &mut constrained, &mut failures);
        if failures.len() > before {
            failures.push(format!(
                "{:?} after {} tokens: {:?}",
                stats.finish, stats.output_tokens, stats.text
            ));
        }
        let stats = run(&free_engine, messages, None);
        tally(&stats.text, &tools, &mut free, &mut free_failures);
    }
    println!(
        "constrained: {} of 50 responses called tools, {} valid calls, {} malformed",
        constrained.attempted, constrained.valid, constrained.malformed
    );
    println!(
        "unconstrained: {} of 50 responses tried to call tools, {} valid calls, {} malformed: {free_failures:?}",
        free.attempted, free.valid, free.malformed
    );
    assert_eq!(constrained.malformed, 0, "malformed constrained calls: {failures:?}");
    assert_eq!(constrained.attempted, 50, "a required call is always written");
    assert!(constrained.valid >= 50);
}
