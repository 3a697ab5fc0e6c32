//! Every error a user can hit, pinned as the text they will read.

use crate::support::Tree;

/// The error of loading a trusted project whose file is `text`.
fn project_error(text: &str) -> String {
    let tree = Tree::new();
    tree.trust();
    tree.project_config(text);
    let err = tree.load(&[]).unwrap_err();
    tree.redact(&err.to_string())
}

#[test]
fn syntax_error_reports_line_and_column() {
    let err = project_error("model = \"a\"\nmax_turns = = 3\n");
    insta::assert_snapshot!(err, @r#"invalid config [TMP]/proj/.jig/config.toml line 2, column 13: extra `=`, expected nothing"#);
}

#[test]
fn wrong_type_reports_line_and_column() {
    let err = project_error("model = \"a\"\n\nmax_turns = \"many\"\n");
    insta::assert_snapshot!(err, @r#"invalid config [TMP]/proj/.jig/config.toml line 3, column 13: invalid type: string "many", expected u32"#);
}

#[test]
fn bad_enum_lists_the_choices() {
    let err = project_error("[profiles.q]\nprovider = \"ollama\"\nmodel = \"qwen\"\ndialect = \"codx\"\n");
    insta::assert_snapshot!(err, @r#"invalid config [TMP]/proj/.jig/config.toml line 4, column 11: unknown dialect "codx"; valid choices: codex, codex-legacy, claude, generic"#);
}

#[test]
fn bad_provider_kind_lists_the_choices() {
    let err = project_error("[providers.x]\nkind = \"grpc\"\n");
    insta::assert_snapshot!(err, @r#"invalid config [TMP]/proj/.jig/config.toml line 2, column 8: unknown provider kind "grpc"; valid choices: openai, anthropic, chat"#);
}

#[test]
fn unknown_top_level_key_names_valid_keys() {
    let err = project_error("model = \"a\"\nmax_turn = 3\n");
    insta::assert_snapshot!(err, @r#"invalid config [TMP]/proj/.jig/config.toml line 2, column 1: unknown key "max_turn" at the top level; valid keys: model, max_turns, max_tokens, max_cost_usd, approval_policy, sandbox, writable_roots, redact_patterns, compaction, local, shell_environment_policy, agents, telemetry, providers, profiles, prices, mcp_servers, hooks, projects"#);
}

#[test]
fn unknown_key_in_a_table_names_the_table() {
    let err = project_error("[profiles.my-qwen]\nprovider = \"ollama\"\nmodel = \"qwen\"\ncontext = 4096\n");
    insta::assert_snapshot!(err, @r#"invalid config [TMP]/proj/.jig/config.toml line 4, column 1: unknown key "context" in [profiles.my-qwen]; valid keys: provider, model, dialect, context_window, preamble, reasoning_effort"#);
}

#[test]
fn literal_api_key_is_rejected_with_guidance() {
    let err = project_error("[providers.openai]\napi_key = \"sk-live\"\n");
    assert!(!err.contains("sk-live"));
    insta::assert_snapshot!(err, @r#"invalid config [TMP]/proj/.jig/config.toml line 2, column 11: api_key is not allowed in config files, so keys never end up on disk or in git; put the key in an environment variable and name it with api_key_env, e.g. api_key_env = "OPENAI_API_KEY""#);
}

#[test]
fn profile_with_unknown_provider_names_known_providers() {
    let err = project_error(
        "[providers.local-vllm]\nkind = \"chat\"\n\n[profiles.my-qwen]\nprovider = \"olama\"\nmodel = \"qwen\"\n",
    );
    insta::assert_snapshot!(err, @r#"invalid config [TMP]/proj/.jig/config.toml line 5: profile "my-qwen" names unknown provider "olama"; known providers: anthropic, chat, local-vllm, ollama, openai"#);
}

#[test]
fn user_defined_provider_without_kind() {
    let err = project_error("[providers.mine]\nbase_url = \"http://x\"\n");
    insta::assert_snapshot!(err, @r#"invalid config [TMP]/proj/.jig/config.toml: provider "mine" needs a kind; add kind = "chat" (valid choices: openai, anthropic, chat)"#);
}

#[test]
fn unreadable_file_reports_path_and_os_error() {
    let tree = Tree::new();
    // A directory where the file should be: exists, but cannot be read.
    std::fs::create_dir_all(tree.root().join("proj/.jig/config.toml")).unwrap();
    let err = tree.load(&[]).unwrap_err();
    insta::assert_snapshot!(tree.redact(&err.to_string()), @r#"cannot read config [TMP]/proj/.jig/config.toml: Is a directory (os error 21)"#);
}

#[test]
fn bad_fault_env_value() {
    let tree = Tree::new();
    let err = tree.load(&[("JIG_FAULT_KILL_AFTER_RECORDS", "lots")]).unwrap_err();
    insta::assert_snapshot!(err.to_string(), @r#"invalid environment variable JIG_FAULT_KILL_AFTER_RECORDS="lots": expected a whole number of records"#);
}

#[test]
fn a_telemetry_endpoint_that_is_not_an_http_url_is_reported_with_its_line() {
    let err = project_error("[telemetry]\ncapture_content = false\notlp_endpoint = \"collector:4318\"\n");
    insta::assert_snapshot!(err, @r#"invalid config [TMP]/proj/.jig/config.toml line 3, column 17: telemetry.otlp_endpoint must be an http:// or https:// URL of an OTLP/HTTP collector, e.g. http://127.0.0.1:4318, not "collector:4318""#);
}
