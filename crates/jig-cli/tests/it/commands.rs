//! The smaller commands and bad input: each failure has a clear message,
//! the right exit code, and no panic.

use crate::support::{Env, stderr, stdout};

fn script(env: &Env, text: &str) -> String {
    format!("scripted:{}", env.file("script.toml", text).display())
}

const ONE_STEP: &str = "[[response]]\n[[response.tool_calls]]\nname = \"list_dir\"\narguments = {}\n";

#[test]
fn version_is_answered_without_starting_anything() {
    let env = Env::new();
    let out = env.run(&["--version"]);
    assert!(out.status.success());
    assert_eq!(stdout(&out), format!("jig {}\n", env!("CARGO_PKG_VERSION")));
    assert!(!env.home().exists(), "--version must not touch the data dir");
}

/// `jig … | head`: the reader is gone before jig writes, so every write
/// fails with `EPIPE`; jig ends quietly with the shell's `SIGPIPE` status.
#[test]
fn a_reader_that_goes_away_ends_jig_quietly() {
    let env = Env::new();
    for args in [
        vec!["config", "show"],
        vec!["exec", "--json", "--model", &script(&env, ONE_STEP), "list the files"],
    ] {
        let (reader, writer) = std::io::pipe().unwrap();
        drop(reader);
        let out = env
            .jig()
            .args(&args)
            .stdout(writer)
            .stderr(std::process::Stdio::piped())
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(141), "{args:?}: {}", stderr(&out));
        assert!(!stderr(&out).contains("panicked"), "{args:?}: {}", stderr(&out));
    }
}

#[test]
fn exit_codes_distinguish_limit_failure_and_usage() {
    let env = Env::new();
    let model = script(&env, &ONE_STEP.repeat(3));
    let limit = env.run(&["exec", "--model", &model, "--max-turns", "1", "go"]);
    assert_eq!(limit.status.code(), Some(3), "{}", stderr(&limit));
    assert!(stderr(&limit).contains("--max-turns 1"), "{}", stderr(&limit));

    let exhausted = env.run(&["exec", "--model", &script(&env, ONE_STEP), "go"]);
    assert_eq!(exhausted.status.code(), Some(1));
    assert!(
        stderr(&exhausted).contains("has no response #2"),
        "{}",
        stderr(&exhausted)
    );

    // No model and no key: the embedded model, which this data dir lacks.
    let no_model = env
        .jig()
        .env_remove("OPENAI_API_KEY")
        .env_remove("ANTHROPIC_API_KEY")
        .env_remove("JIG_MODEL")
        .args(["exec", "go"])
        .output()
        .unwrap();
    assert_eq!(no_model.status.code(), Some(1));
    assert!(
        stderr(&no_model).contains("using local:smollm2"),
        "{}",
        stderr(&no_model)
    );
    assert!(stderr(&no_model).contains("jig model fetch"), "{}", stderr(&no_model));

    let bad_flag = env.run(&["exec", "--bogus"]);
    assert_eq!(bad_flag.status.code(), Some(2));
}

#[test]
fn a_plain_exec_has_no_step_limit() {
    let env = Env::new();
    let text = format!(
        "{}[[response]]\ntext = \"finished the long task\"\n",
        ONE_STEP.repeat(60)
    );
    let out = env.run(&["exec", "--model", &script(&env, &text), "a long task"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(stdout(&out).contains("finished the long task"), "{}", stdout(&out));
}

#[test]
fn a_benchmark_of_zero_runs_is_a_usage_error() {
    let env = Env::new();
    for args in [["bench", "startup", "--runs", "0"], ["bench", "loop", "--turns", "0"]] {
        let out = env.run(&args);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stderr(&out));
        assert!(
            stderr(&out).contains("'0'") && stderr(&out).contains("1.."),
            "{}",
            stderr(&out)
        );
        assert!(stdout(&out).is_empty(), "nothing was measured: {}", stdout(&out));
    }
}

#[test]
fn a_script_with_a_syntax_error_is_reported_with_its_line() {
    let env = Env::new();
    let model = script(&env, "[[response]]\ntext = \"unterminated\n");
    let out = env.run(&["exec", "--model", &model, "go"]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(err.starts_with("error: cannot load model script"), "{err}");
    assert!(err.contains("line 2"), "{err}");
    assert!(!err.contains("panicked"), "{err}");
}

#[test]
fn an_unknown_model_provider_says_what_is_available() {
    let env = Env::new();
    let out = env.run(&["exec", "--model", "nowhere:some-model", "go"]);
    assert_eq!(out.status.code(), Some(1));
    insta::assert_snapshot!(stderr(&out), @"error: unknown model `nowhere:some-model`; provider `nowhere` is not configured; known providers: anthropic, chat, ollama, openai, plus scripted:PATH and replay:SESSION");
}

#[test]
fn an_unreadable_session_gives_a_clear_error() {
    let env = Env::new();
    let missing = env.run(&["resume", "nope"]);
    assert_eq!(missing.status.code(), Some(1));
    assert!(stderr(&missing).contains("no session `nope`"), "{}", stderr(&missing));

    // A session directory whose rollout is a directory, and one with garbage.
    let broken = env.home().join("sessions/broken");
    std::fs::create_dir_all(broken.join("rollout.jsonl")).unwrap();
    let out = env.run(&["resume", "broken"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).starts_with("error: cannot read"), "{}", stderr(&out));

    let garbage = env.home().join("sessions/garbage");
    std::fs::create_dir_all(&garbage).unwrap();
    std::fs::write(garbage.join("rollout.jsonl"), "{\"type\":\"nonsense\"}\n").unwrap();
    let out = env.run(&["resume", "garbage"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("line 1 is not a valid rollout record"),
        "{}",
        stderr(&out)
    );
    assert!(!stderr(&out).contains("panicked"));
}

#[test]
fn sessions_list_show_and_replay() {
    let env = Env::new();
    let model = script(&env, "[[response]]\ntext = \"Hello there.\"\n");
    let out = env.run(&["exec", "--model", &model, "greet me"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let dir = env.only_session();
    let id = dir.file_name().unwrap().to_string_lossy().into_owned();

    let list = stdout(&env.run(&["sessions", "list"]));
    assert!(list.starts_with(&id), "{list}");
    let show = stdout(&env.run(&["sessions", "show", &id[..13]]));
    assert!(
        show.contains("[user]\ngreet me") && show.contains("[assistant]\nHello there."),
        "{show}"
    );

    let replay = env.run(&["exec", "--model", &format!("replay:{id}"), "greet me again"]);
    assert!(replay.status.success(), "{}", stderr(&replay));
    assert_eq!(stdout(&replay), "Hello there.\n");

    let nothing = env.run(&["resume", &id]);
    assert_eq!(nothing.status.code(), Some(2));
    assert!(
        stderr(&nothing).contains("has no unfinished turn"),
        "{}",
        stderr(&nothing)
    );
}

#[test]
fn apply_patch_command_applies_and_fails_cleanly() {
    let env = Env::new();
    std::fs::write(env.ws().join("a.txt"), "one\ntwo\n").unwrap();
    let patch = env.file(
        "p.patch",
        "*** Begin Patch\n*** Update File: a.txt\n one\n-two\n+2\n*** End Patch\n",
    );
    let out = env.run(&["apply-patch", patch.to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(std::fs::read_to_string(env.ws().join("a.txt")).unwrap(), "one\n2\n");
    assert!(stdout(&out).contains("M a.txt"));

    let again = env.run(&["apply-patch", patch.to_str().unwrap()]);
    assert_eq!(again.status.code(), Some(1));
    assert!(stderr(&again).contains("a.txt"), "{}", stderr(&again));

    let hostile = env.file(
        "h.patch",
        "*** Begin Patch\n*** Add File: ../escape.txt\n+x\n*** End Patch\n",
    );
    let out = env.run(&["apply-patch", hostile.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    assert!(!env.dir.path().join("escape.txt").exists());
}

#[test]
fn help_texts() {
    let env = Env::new();
    for (name, args) in [
        ("help", vec!["--help"]),
        ("exec_help", vec!["exec", "--help"]),
        ("resume_help", vec!["resume", "--help"]),
        ("acp_help", vec!["acp", "--help"]),
    ] {
        let out = env.run(&args);
        assert!(out.status.success());
        insta::assert_snapshot!(name, stdout(&out));
    }
}

#[test]
fn config_show_names_each_source_and_never_a_key() {
    let env = Env::new();
    std::fs::create_dir_all(env.ws().join(".jig")).unwrap();
    std::fs::write(env.ws().join(".jig/config.toml"), "max_turns = 7\n").unwrap();
    let out = env
        .jig()
        .env("OPENAI_API_KEY", "sk-test-secret-value")
        .args(["config", "show", "--max-turns"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "config show takes no run flags");
    let out = env
        .jig()
        .env("OPENAI_API_KEY", "sk-test-secret-value")
        .args(["config", "show"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    let line = text.lines().find(|l| l.starts_with("max_turns")).unwrap();
    assert!(line.contains("= 7") && line.contains(".jig/config.toml"), "{line}");
    assert!(text.contains("OPENAI_API_KEY (set)"), "{text}");
    assert!(!text.contains("sk-test-secret-value"), "{text}");
}

#[test]
fn invalid_config_names_the_file_line_and_choices() {
    let env = Env::new();
    std::fs::create_dir_all(env.ws().join(".jig")).unwrap();
    std::fs::write(
        env.ws().join(".jig/config.toml"),
        "[profiles.mine]\nprovider = \"ollama\"\nmodel = \"m\"\ndialect = \"codx\"\n",
    )
    .unwrap();
    let out = env.run(&["exec", "--model", "mine", "go"]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(err.contains(".jig/config.toml line 4"), "{err}");
    assert!(
        err.contains("valid choices: codex, codex-legacy, claude, generic"),
        "{err}"
    );
}

#[test]
fn a_token_cap_ends_the_run_with_the_limit_code() {
    let env = Env::new();
    let model = script(
        &env,
        "[[response]]\nusage = { input_tokens = 5000, output_tokens = 10 }\n[[response.tool_calls]]\nname = \"list_dir\"\narguments = {}\n",
    );
    let out = env.run(&["exec", "--model", &model, "--max-tokens", "1000", "go"]);
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    assert!(stderr(&out).contains("over --max-tokens 1000"), "{}", stderr(&out));
}

#[test]
fn unknown_models_and_missing_keys_say_what_to_do() {
    let env = Env::new();
    let out = env
        .jig()
        .env_remove("OPENAI_API_KEY")
        .args(["exec", "--model", "openai:gpt-5-codex", "go"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("set OPENAI_API_KEY"), "{}", stderr(&out));
    let out = env.run(&["exec", "--model", "nosuch", "go"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("gpt-5-codex"), "{}", stderr(&out));
}

#[test]
fn credentials_in_the_environment_never_reach_the_session_directory_or_events() {
    let env = Env::new();
    // Commands get no secret-looking variable by default; a user who lets
    // them through still never finds the value in what jig writes.
    std::fs::create_dir_all(env.home()).unwrap();
    std::fs::write(
        env.home().join("config.toml"),
        "[shell_environment_policy]\nignore_default_excludes = true\n",
    )
    .unwrap();
    let secret = "tok-live-8c1f2e9a7b";
    let model = script(
        &env,
        r#"
[[response]]
text = "Checking the token."
[[response.tool_calls]]
name = "shell"
arguments = { command = "echo token=$MY_SERVICE_TOKEN; env | grep MY_SERVICE" }
[[response]]
text = "done"
[response.expect]
last_output_contains = "token=[REDACTED:MY_SERVICE_TOKEN]"
"#,
    );
    let out = env
        .jig()
        .env("MY_SERVICE_TOKEN", secret)
        .args(["exec", "--json", "--model", &model, "go"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(!stdout(&out).contains(secret), "the event stream leaked the secret");
    for entry in std::fs::read_dir(env.only_session()).unwrap() {
        let text = std::fs::read_to_string(entry.unwrap().path()).unwrap();
        assert!(!text.contains(secret), "the session directory leaked the secret");
    }
}

#[test]
fn jig_compact_summarises_an_idle_session_with_the_given_focus() {
    let env = Env::new();
    std::fs::create_dir_all(env.ws().join(".jig")).unwrap();
    std::fs::write(
        env.ws().join(".jig/config.toml"),
        "[compaction]\nkeep_recent_tokens = 10\n",
    )
    .unwrap();
    std::fs::write(env.ws().join("notes.txt"), "the API uses /v2/items\n".repeat(40)).unwrap();
    let model = script(
        &env,
        r#"
[[response]]
[[response.tool_calls]]
name = "read_file"
arguments = { path = "notes.txt" }
[[response]]
text = "Read the notes."
[[response]]
text = "SUMMARY: the API is /v2/items."
[response.expect]
user_contains = "keep the API design"
"#,
    );
    let out = env.run(&["exec", "--model", &model, "read the notes"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let out = env.run(&["compact", "--last", "keep the API design"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stderr(&out).contains("compacted ~"), "{}", stderr(&out));
    let show = stdout(&env.run(&["sessions", "show", env.only_session().to_str().unwrap()]));
    assert!(show.contains("[compaction #1:"), "{show}");
}
