//! Start-up: nothing slow runs before the first model request.
//!
//! The o200k tokenizer (OpenAI families) takes a few hundred milliseconds of
//! CPU to build, so `jig exec` must reach its first request without it and
//! build it only once the context is large enough for exact counts to
//! matter. `JIG_LOG=jig_compact=debug` makes the build visible on stderr;
//! each test runs a real `jig exec` against the fake server.

use std::process::Output;

use jig_testkit::streams::openai;
use jig_testkit::{End, Reply};

use crate::support::{Env, serve, stderr, stdout};

const BUILDING: &str = "building the o200k_base tokenizer";

/// `jig exec --model MODEL PROMPT` against a fake OpenAI server answering
/// one text response, with the tokenizer's build logged.
fn exec_openai(env: &Env, model: &str, prompt: &str) -> Output {
    let served = serve(vec![Reply::events(&openai::text(&["done"]), End::Clean)]);
    let mut cmd = env.jig();
    for (name, _) in std::env::vars_os() {
        let name = name.to_string_lossy();
        if name.starts_with("OPENAI_") || name.starts_with("ANTHROPIC_") {
            cmd.env_remove(name.as_ref());
        }
    }
    let out = cmd
        .env_remove("OLLAMA_HOST")
        .env_remove("JIG_MODEL")
        .env("OPENAI_BASE_URL", served.server.base_url())
        .env("OPENAI_API_KEY", "sk-test")
        .env("JIG_LOG", "jig_compact=debug")
        .args(["exec", "--model", model, prompt])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "exit {:?}\nstdout:\n{}\nstderr:\n{}",
        out.status,
        stdout(&out),
        stderr(&out)
    );
    assert_eq!(served.server.requests().len(), 1);
    out
}

#[test]
fn a_short_openai_session_never_builds_the_tokenizer() {
    let env = Env::new();
    let out = exec_openai(&env, "openai:gpt-5-codex", "say done");
    assert!(!stderr(&out).contains(BUILDING), "{}", stderr(&out));
}

#[test]
fn a_context_near_its_window_builds_the_tokenizer_for_exact_counts() {
    let env = Env::new();
    std::fs::create_dir_all(env.home()).unwrap();
    std::fs::write(
        env.home().join("config.toml"),
        "[compaction]\nauto = false\n\n[profiles.tiny]\nprovider = \"openai\"\nmodel = \"gpt-5-codex\"\n\
         context_window = 200\n",
    )
    .unwrap();
    // About 500 tokens in a 200-token window: the byte bound cannot rule out
    // the budget note, so the count must be exact.
    let prompt = "count these words please ".repeat(100);
    let out = exec_openai(&env, "tiny", &prompt);
    assert!(stderr(&out).contains(BUILDING), "{}", stderr(&out));
}
