//! `[shell_environment_policy]` through `jig exec`: the commands the agent
//! runs (the generic `shell` tool and Codex's `exec_command`) get jig's
//! environment without secret-looking names by default, the user's policy
//! when one is set, and a repository's policy only once it is trusted.
//!
//! Each command writes its whole environment (`env -0`) to a file in the
//! workspace, so the test reads what the program got, not what jig recorded
//! (which redacts credential values).

use std::collections::BTreeMap;
use std::process::{Command, Output};

use crate::support::{Env, stderr};

/// Variables given to jig; the first three look like secrets.
const GIVEN: &[(&str, &str)] = &[
    ("DEPLOY_TOKEN", "tok-1"),
    ("my_api_key", "key-1"),
    ("Client_Secret", "sec-1"),
    ("JIG_TEST_PLAIN", "plain-1"),
];

/// `jig exec` with [`GIVEN`] set and `dialect`'s shell tool writing `env -0`
/// to `seen.env`; the sandbox is used where this kernel has Landlock.
fn run(env: &Env, dialect: &str) -> Output {
    let (tool, arguments) = match dialect {
        "codex" => ("exec_command", r#"{ cmd = "env -0 > seen.env" }"#),
        _ => ("shell", r#"{ command = "env -0 > seen.env" }"#),
    };
    let script = format!(
        "[[response]]\n[[response.tool_calls]]\nname = \"{tool}\"\narguments = {arguments}\n\n\
         [[response]]\ntext = \"done\"\n"
    );
    let model = format!("scripted:{}", env.file("script.toml", &script).display());
    let mut cmd: Command = env.jig();
    cmd.args(["exec", "--dialect", dialect, "--model", &model]);
    if !crate::support::landlock() {
        cmd.args(["--sandbox", "danger-full-access"]);
    }
    cmd.arg("show the environment");
    for (name, value) in GIVEN {
        cmd.env(name, value);
    }
    let out = cmd.output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    out
}

/// What the command saw, by name.
fn environment_seen(env: &Env) -> BTreeMap<String, String> {
    let bytes = std::fs::read(env.ws().join("seen.env")).expect("the command wrote seen.env");
    let _ = std::fs::remove_file(env.ws().join("seen.env"));
    String::from_utf8_lossy(&bytes)
        .split('\0')
        .filter_map(|entry| entry.split_once('='))
        .map(|(name, value)| (name.to_owned(), value.to_owned()))
        .collect()
}

fn user_config(env: &Env, text: &str) {
    std::fs::create_dir_all(env.home()).unwrap();
    std::fs::write(env.home().join("config.toml"), text).unwrap();
}

#[test]
fn commands_get_no_secret_looking_variables_by_default_in_both_tool_shapes() {
    let env = Env::new();
    for dialect in ["generic", "codex"] {
        run(&env, dialect);
        let seen = environment_seen(&env);
        assert_eq!(
            seen.get("JIG_TEST_PLAIN").map(String::as_str),
            Some("plain-1"),
            "{dialect}"
        );
        for (name, _) in &GIVEN[..3] {
            assert!(!seen.contains_key(*name), "{dialect}: {name} reached the command");
        }
        assert!(seen.contains_key("PATH"), "{dialect}: {seen:?}");
    }
}

#[test]
fn the_users_policy_applies_in_codex_order() {
    let env = Env::new();
    user_config(
        &env,
        "[shell_environment_policy]\ninherit = \"core\"\nignore_default_excludes = true\n\
         exclude = [\"*_secret\"]\nset = { JIG_TEST_SET = \"set-1\", DEPLOY_TOKEN = \"from-config\" }\n",
    );
    run(&env, "generic");
    let seen = environment_seen(&env);
    // `core` keeps none of GIVEN; `set` comes after the excludes.
    assert!(!seen.contains_key("JIG_TEST_PLAIN"), "{seen:?}");
    assert!(!seen.contains_key("my_api_key"), "{seen:?}");
    assert_eq!(seen.get("JIG_TEST_SET").map(String::as_str), Some("set-1"));
    assert_eq!(seen.get("DEPLOY_TOKEN").map(String::as_str), Some("from-config"));
    assert!(seen.contains_key("HOME") && seen.contains_key("PATH"), "{seen:?}");

    user_config(
        &env,
        "[shell_environment_policy]\nignore_default_excludes = true\ninclude_only = [\"jig_test_*\", \"*token\", \"PATH\"]\n",
    );
    run(&env, "generic");
    let seen = environment_seen(&env);
    // A login shell's profile may add its own; of jig's, only the matches remain.
    assert!(
        seen.contains_key("DEPLOY_TOKEN") && seen.contains_key("JIG_TEST_PLAIN"),
        "{seen:?}"
    );
    for gone in ["my_api_key", "Client_Secret", "JIG_HOME"] {
        assert!(!seen.contains_key(gone), "{gone} reached the command: {seen:?}");
    }
}

#[test]
fn an_untrusted_repository_cannot_hand_itself_the_users_secrets() {
    let env = Env::new();
    std::fs::create_dir_all(env.ws().join(".jig")).unwrap();
    std::fs::write(
        env.ws().join(".jig/config.toml"),
        "[shell_environment_policy]\nignore_default_excludes = true\nset = { JIG_TEST_FROM_REPO = \"repo-1\" }\n",
    )
    .unwrap();
    let out = run(&env, "generic");
    let warning = stderr(&out)
        .lines()
        .find(|l| l.starts_with("warning:") && l.contains("shell_environment_policy"))
        .map(str::to_owned);
    assert!(warning.is_some_and(|w| w.contains("jig trust")), "{}", stderr(&out));
    let seen = environment_seen(&env);
    assert!(
        !seen.contains_key("DEPLOY_TOKEN") && !seen.contains_key("JIG_TEST_FROM_REPO"),
        "{seen:?}"
    );

    assert!(env.run(&["trust"]).status.success());
    run(&env, "generic");
    let seen = environment_seen(&env);
    assert_eq!(seen.get("DEPLOY_TOKEN").map(String::as_str), Some("tok-1"));
    assert_eq!(seen.get("JIG_TEST_FROM_REPO").map(String::as_str), Some("repo-1"));
}

#[test]
fn a_bad_pattern_is_an_error_with_file_and_line() {
    let env = Env::new();
    user_config(
        &env,
        "[shell_environment_policy]\n\nexclude = [\"AWS_*\", \"[unclosed\"]\n",
    );
    let out = env.run(&["config", "show"]);
    assert!(!out.status.success());
    let err = stderr(&out);
    assert!(
        err.contains("config.toml line 3") && err.contains("\"[unclosed\" is not a valid pattern"),
        "{err}"
    );
}

#[test]
fn config_show_says_what_commands_get() {
    let env = Env::new();
    let out = env.run(&["config", "show"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = crate::support::stdout(&out);
    assert!(
        text.contains("shell_environment_policy") && text.contains("default_excludes=on (*KEY*,*SECRET*,*TOKEN*)"),
        "{text}"
    );
}
