//! `jig config show` output and the promise that keys never appear in it.

use jig_config::{CliOverrides, render_show};

use crate::support::Tree;

#[test]
fn render_show_lists_every_value_with_its_source() {
    let tree = Tree::new();
    tree.user_config(
        r#"
max_turns = 20

[profiles.my-qwen]
provider = "ollama"
model = "qwen2.5-coder:7b"
dialect = "generic"
context_window = 32768
preamble = "brief"
reasoning_effort = "medium"

[prices."gpt-5.1-codex"]
input = 1.25
cached_input = 0.125
output = 10.0
"#,
    );
    tree.trust();
    tree.project_config("model = \"openai:gpt-5-codex\"\nmax_cost_usd = 5.0\n");
    let env = tree.env(&[("OPENAI_API_KEY", "sk-secret-123"), ("JIG_LOG", "jig=debug")]);
    let cli = CliOverrides {
        max_tokens: Some(2_000_000),
        ..CliOverrides::default()
    };
    let s = tree.load_with(tree.project(), env, cli).unwrap();
    insta::assert_snapshot!(tree.redact(&render_show(&s)), @r#"
    home = [TMP]/home/.jig    # env HOME
    project = [TMP]/proj trusted    # project config [TMP]/proj/.jig/config.toml
    model = openai:gpt-5-codex    # project config [TMP]/proj/.jig/config.toml
    max_turns = 20    # user config [TMP]/home/.jig/config.toml
    max_tokens = 2000000    # flag --max-tokens
    max_cost_usd = 5.0    # project config [TMP]/proj/.jig/config.toml
    approval_policy = (front-end default)    # default
    sandbox = workspace-write    # default
    shell_environment_policy = inherit=all default_excludes=on (*KEY*,*SECRET*,*TOKEN*) exclude=none set=none include_only=none    # default
    log_filter = jig=debug    # env JIG_LOG
    providers.anthropic.kind = anthropic    # default
    providers.anthropic.base_url = https://api.anthropic.com    # default
    providers.anthropic.api_key_env = ANTHROPIC_API_KEY (not set)    # default
    providers.chat.kind = chat    # default
    providers.chat.base_url = (not set)    # default
    providers.chat.api_key_env = OPENAI_API_KEY (set)    # default
    providers.ollama.kind = chat    # default
    providers.ollama.base_url = http://127.0.0.1:11434/v1    # default
    providers.ollama.api_key_env = (none)    # default
    providers.openai.kind = openai    # default
    providers.openai.base_url = https://api.openai.com/v1    # default
    providers.openai.api_key_env = OPENAI_API_KEY (set)    # default
    profiles.my-qwen.provider = ollama    # user config [TMP]/home/.jig/config.toml
    profiles.my-qwen.model = qwen2.5-coder:7b    # user config [TMP]/home/.jig/config.toml
    profiles.my-qwen.dialect = generic    # user config [TMP]/home/.jig/config.toml
    profiles.my-qwen.context_window = 32768    # user config [TMP]/home/.jig/config.toml
    profiles.my-qwen.preamble = brief    # user config [TMP]/home/.jig/config.toml
    profiles.my-qwen.reasoning_effort = medium    # user config [TMP]/home/.jig/config.toml
    prices."gpt-5.1-codex".input = 1.25    # user config [TMP]/home/.jig/config.toml
    prices."gpt-5.1-codex".cached_input = 0.125    # user config [TMP]/home/.jig/config.toml
    prices."gpt-5.1-codex".output = 10.0    # user config [TMP]/home/.jig/config.toml
    "#);
}

#[test]
fn explain_never_contains_the_key() {
    let tree = Tree::new();
    tree.user_config("[providers.anthropic]\napi_key_env = \"MY_CLAUDE_KEY\"\n");
    let env = tree.env(&[("OPENAI_API_KEY", "sk-secret-123"), ("MY_CLAUDE_KEY", "sk-ant-456")]);
    let s = tree.load_with(tree.project(), env, CliOverrides::default()).unwrap();
    let shown = format!("{:?}\n{}\n{:?}", s.explain(), render_show(&s), s);
    assert!(!shown.contains("sk-secret-123"), "{shown}");
    assert!(!shown.contains("sk-ant-456"), "{shown}");
    assert!(shown.contains("api_key_env = OPENAI_API_KEY (set)"));
    assert!(shown.contains("api_key_env = MY_CLAUDE_KEY (set)"));
}
