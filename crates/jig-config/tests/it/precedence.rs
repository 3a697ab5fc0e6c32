//! Each layer beats the one below it, and every value remembers its source.

use jig_config::{CliOverrides, ProviderKind, Source, env};

use crate::support::Tree;

const ALL_LAYERS: &[(&str, &str)] = &[("JIG_MODEL", "env:m")];

#[test]
fn defaults_with_no_files_and_empty_env() {
    let tree = Tree::new();
    let s = tree.load(&[]).unwrap();
    assert_eq!(s.model, None);
    assert_eq!(s.max_turns, jig_config::DEFAULT_MAX_TURNS);
    assert_eq!(s.max_turns, None, "no step limit unless one is set");
    assert_eq!(s.source("max_turns"), &Source::Default);
    assert_eq!(s.home, tree.root().join("home/.jig"));
    assert_eq!(s.source("home"), &Source::Env(env::HOME));
    let names: Vec<_> = s.providers.keys().map(String::as_str).collect();
    assert_eq!(names, ["anthropic", "chat", "ollama", "openai"]);
    assert_eq!(
        s.providers["ollama"].base_url.as_deref(),
        Some("http://127.0.0.1:11434/v1")
    );
}

#[test]
fn each_layer_beats_the_one_below() {
    let tree = Tree::new();
    let user = "model = \"user:m\"\nmax_turns = 7\n";
    let project = "model = \"project:m\"\n";

    // env beats default
    let s = tree.load(ALL_LAYERS).unwrap();
    assert_eq!(s.model.as_deref(), Some("env:m"));
    assert_eq!(s.source("model"), &Source::Env(env::JIG_MODEL));

    // user file beats env
    let user_path = tree.user_config(user);
    let s = tree.load(ALL_LAYERS).unwrap();
    assert_eq!(s.model.as_deref(), Some("user:m"));
    assert_eq!(s.source("model"), &Source::UserFile(user_path.clone()));

    // a trusted project's file beats the user file, key by key
    tree.trust();
    let project_path = tree.project_config(project);
    let s = tree.load(ALL_LAYERS).unwrap();
    assert_eq!(s.model.as_deref(), Some("project:m"));
    assert_eq!(s.source("model"), &Source::ProjectFile(project_path.clone()));
    assert_eq!(s.max_turns, Some(7));
    assert_eq!(s.source("max_turns"), &Source::UserFile(user_path));
    assert_eq!(s.project_file, Some(project_path));

    // flag beats project file
    let cli = CliOverrides {
        model: Some("flag:m".into()),
        max_turns: Some(3),
        max_tokens: Some(1000),
        max_cost_usd: Some(0.5),
        approval_policy: Some(jig_config::ApprovalPolicy::Untrusted),
        sandbox: Some(jig_config::SandboxMode::ReadOnly),
    };
    let s = tree.load_with(tree.project(), tree.env(ALL_LAYERS), cli).unwrap();
    assert_eq!(s.model.as_deref(), Some("flag:m"));
    assert_eq!(s.source("model"), &Source::Flag("--model"));
    assert_eq!(
        (s.max_turns, s.max_tokens, s.max_cost_usd),
        (Some(3), Some(1000), Some(0.5))
    );
    assert_eq!(s.approval_policy, Some(jig_config::ApprovalPolicy::Untrusted));
    assert_eq!(
        (s.sandbox, s.source("sandbox")),
        (jig_config::SandboxMode::ReadOnly, &Source::Flag("--sandbox"))
    );
    assert_eq!(s.source("max_cost_usd"), &Source::Flag("--max-cost"));
}

#[test]
fn jig_home_beats_home() {
    let tree = Tree::new();
    let alt = tree.root().join("alt");
    let path = tree.write("alt/config.toml", "max_turns = 9\n");
    let s = tree.load(&[("JIG_HOME", alt.to_str().unwrap())]).unwrap();
    assert_eq!(s.home, alt);
    assert_eq!(s.source("home"), &Source::Env(env::JIG_HOME));
    assert_eq!(s.source("max_turns"), &Source::UserFile(path));
}

#[test]
fn project_file_found_from_a_subdirectory() {
    let tree = Tree::new();
    let path = tree.project_config("max_turns = 11\n");
    let deep = tree.project().join("src/a/b");
    std::fs::create_dir_all(&deep).unwrap();
    let s = tree.load_with(deep, tree.env(&[]), CliOverrides::default()).unwrap();
    assert_eq!(s.max_turns, Some(11));
    assert_eq!(s.project_file, Some(path));
}

#[test]
fn search_stops_at_the_git_root() {
    let tree = Tree::new();
    tree.write(".jig/config.toml", "max_turns = 99\n");
    let s = tree.load(&[]).unwrap();
    assert_eq!(s.max_turns, jig_config::DEFAULT_MAX_TURNS);
    assert_eq!(s.project_file, None);
}

#[test]
fn user_file_is_not_taken_for_a_project_file() {
    let tree = Tree::new();
    tree.user_config("max_turns = 5\n");
    let work = tree.root().join("home/scratch");
    std::fs::create_dir_all(&work).unwrap();
    let s = tree.load_with(work, tree.env(&[]), CliOverrides::default()).unwrap();
    assert_eq!(s.project_file, None);
    assert!(matches!(s.source("max_turns"), Source::UserFile(_)));
}

#[test]
fn conventional_env_vars_work_without_files() {
    let tree = Tree::new();
    let env = tree.env(&[
        ("OPENAI_API_KEY", "sk-secret-123"),
        ("OPENAI_BASE_URL", "http://127.0.0.1:9/v1/"),
        ("OLLAMA_HOST", "http://gpu:11434"),
    ]);
    let s = tree
        .load_with(tree.project(), env.clone(), CliOverrides::default())
        .unwrap();
    let openai = &s.providers["openai"];
    assert_eq!(openai.kind, ProviderKind::OpenAi);
    assert_eq!(openai.base_url.as_deref(), Some("http://127.0.0.1:9/v1"));
    assert_eq!(openai.api_key(&env).as_deref(), Some("sk-secret-123"));
    assert_eq!(
        s.source("providers.openai.base_url"),
        &Source::Env(env::OPENAI_BASE_URL)
    );
    assert_eq!(s.providers["ollama"].base_url.as_deref(), Some("http://gpu:11434/v1"));
    assert_eq!(s.providers["anthropic"].api_key(&env), None);
}

#[test]
fn user_defined_provider_and_profile() {
    let tree = Tree::new();
    tree.user_config(
        r#"
[providers.local-vllm]
kind = "chat"
base_url = "http://127.0.0.1:8000/v1"
api_key_env = "VLLM_KEY"

[profiles.my-qwen]
provider = "local-vllm"
model = "qwen2.5-coder:7b"
dialect = "generic"
"#,
    );
    tree.trust();
    let project = tree.project_config("[providers.local-vllm]\nbase_url = \"http://gpu:8000/v1\"\n");
    let env = tree.env(&[("VLLM_KEY", "k")]);
    let s = tree
        .load_with(tree.project(), env.clone(), CliOverrides::default())
        .unwrap();
    let p = &s.providers["local-vllm"];
    assert_eq!(p.kind, ProviderKind::Chat);
    assert_eq!(p.base_url.as_deref(), Some("http://gpu:8000/v1"));
    assert_eq!(p.api_key(&env).as_deref(), Some("k"));
    assert_eq!(s.source("providers.local-vllm.base_url"), &Source::ProjectFile(project));
    assert_eq!(s.profiles["my-qwen"].dialect, Some(jig_config::Dialect::Generic));
}

#[test]
fn env_snapshot_debug_hides_values() {
    let env = jig_config::EnvSnapshot::from_pairs([("OPENAI_API_KEY", "sk-secret-123")]);
    assert!(!format!("{env:?}").contains("sk-secret"));
}
