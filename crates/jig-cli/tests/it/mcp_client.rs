//! MCP servers in sessions through the real `jig` binary: a scripted
//! `jig exec` calls `server-everything`'s echo tool (started by jig over
//! stdio) and reads its result, so does its sub-agent (sharing the
//! parent's server), `jig resume` offers the tools again, `jig
//! mcp list` shows the server, and a server an untrusted project declares
//! is never started.

use std::path::PathBuf;

use serde_json::Value;

use crate::support::{Env, repo_root, stderr, stdout};

/// The npm-installed `server-everything`; fails (never skips) when missing.
fn everything() -> PathBuf {
    let path = repo_root().join("tests/npm/node_modules/.bin/mcp-server-everything");
    assert!(
        path.exists(),
        "{} is missing: run `.ci/deps --tests` to install the MCP servers the tests run against",
        path.display()
    );
    path
}

fn user_config(env: &Env, text: &str) {
    std::fs::create_dir_all(env.home()).unwrap();
    std::fs::write(env.home().join("config.toml"), text).unwrap();
}

/// `server-everything` in the user's config, as `everything`.
fn declare_everything(env: &Env) {
    user_config(
        env,
        &format!(
            "[mcp_servers.everything]\ncommand = {:?}\n",
            everything().display().to_string()
        ),
    );
}

#[test]
fn a_scripted_session_and_its_sub_agent_call_an_mcp_tool_and_resume_offers_it_again() {
    let env = Env::new();
    declare_everything(&env);
    // A sub-agent shares its parent's servers.
    let child = env.file(
        "child.toml",
        r#"
[[response]]
[[response.tool_calls]]
name = "everything__echo"
arguments = { message = "from the child" }

[[response]]
text = "the child got its echo"
[response.expect]
last_output_contains = "Echo: from the child"
"#,
    );
    // One script for the whole conversation: `jig resume` continues at
    // its fifth response.
    let script = env.file(
        "script.toml",
        &format!(
            r#"
[[response]]
text = "Asking the MCP server."
[[response.tool_calls]]
name = "everything__echo"
arguments = {{ message = "hello from jig" }}

[[response]]
[response.expect]
last_output_contains = "Echo: hello from jig"
[[response.tool_calls]]
name = "spawn_agent"
arguments = {{ message = "echo something", model = "scripted:{}" }}

[[response]]
[[response.tool_calls]]
name = "wait_agents"
arguments = {{ timeout_ms = 600000 }}

[[response]]
text = "The server said it back, to both of us."
[response.expect]
last_output_contains = "the child got its echo"

[[response]]
[[response.tool_calls]]
name = "everything__get-sum"
arguments = {{ a = 40, b = 2 }}

[[response]]
text = "Summed."
[response.expect]
last_output_contains = "42"
"#,
            child.display()
        ),
    );
    let model = format!("scripted:{}", script.display());
    let out = env.run(&["exec", "--model", &model, "echo something"]);
    assert!(out.status.success(), "{}\n{}", stdout(&out), stderr(&out));
    assert!(
        stdout(&out).contains("The server said it back, to both of us."),
        "{}",
        stdout(&out)
    );

    let out = env.run(&["resume", "--last", "add them"]);
    assert!(out.status.success(), "{}\n{}", stdout(&out), stderr(&out));
    assert!(stdout(&out).contains("Summed."), "{}", stdout(&out));

    let out = env.run(&["mcp", "list", "--json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let listed: Value = serde_json::from_str(&stdout(&out)).unwrap();
    let server = &listed["servers"][0];
    assert_eq!(server["name"], "everything");
    assert_eq!(server["declared_in"], "user");
    assert_eq!(server["status"], "running");
    assert_eq!(server["protocol"], "2025-11-25");
    let tools: Vec<&str> = server["tools"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    assert!(tools.contains(&"everything__echo"), "{tools:?}");
}

#[test]
fn a_server_an_untrusted_project_declares_is_never_started() {
    let env = Env::new();
    std::fs::create_dir_all(env.ws().join(".git")).unwrap();
    std::fs::create_dir_all(env.ws().join(".jig")).unwrap();
    let marker = env.dir.path().join("started");
    std::fs::write(
        env.ws().join(".jig/config.toml"),
        format!(
            "[mcp_servers.sneaky]\ncommand = \"sh\"\nargs = [\"-c\", \"touch {}\"]\n",
            marker.display()
        ),
    )
    .unwrap();
    let script = env.file("done.toml", "[[response]]\ntext = \"Nothing to do.\"\n");
    let model = format!("scripted:{}", script.display());
    let out = env.run(&["exec", "--model", &model, "hi"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stderr(&out).contains("mcp_servers.sneaky"), "{}", stderr(&out));
    assert!(stderr(&out).contains("jig trust"), "{}", stderr(&out));

    let out = env.run(&["mcp", "list"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(text.contains("sneaky (project (untrusted)"), "{text}");
    assert!(
        text.contains("not started: the project is not trusted (run `jig trust"),
        "{text}"
    );
    assert!(!marker.exists(), "the untrusted project's server was started");

    // Once trusted, it is started (and fails: `sh` speaks no MCP).
    let out = env.run(&["trust", &env.ws().display().to_string()]);
    assert!(out.status.success(), "{}", stderr(&out));
    let out = env.run(&["mcp", "list"]);
    let text = stdout(&out);
    assert!(text.contains("sneaky (project (trusted)"), "{text}");
    assert!(text.contains("failed: mcp server sneaky could not start"), "{text}");
    assert!(marker.exists(), "the trusted project's server was not started");
}

/// Servers start for sessions that may call tools: `jig exec` starts one,
/// `jig compact` of the same session does not.
#[test]
fn compacting_a_session_starts_no_server() {
    let env = Env::new();
    let started = env.dir.path().join("started");
    user_config(
        &env,
        &format!(
            "[mcp_servers.counter]\ncommand = \"sh\"\nargs = [\"-c\", \"echo x >> {}\"]\n",
            started.display()
        ),
    );
    let script = env.file("done.toml", "[[response]]\ntext = \"Nothing to do.\"\n");
    let model = format!("scripted:{}", script.display());
    let out = env.run(&["exec", "--model", &model, "hi"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        std::fs::read_to_string(&started).unwrap(),
        "x\n",
        "exec starts the server once"
    );

    let out = env.run(&["compact", "--last"]);
    assert!(
        !stderr(&out).contains("mcp server counter"),
        "compact tried the server: {}",
        stderr(&out)
    );
    assert_eq!(
        std::fs::read_to_string(&started).unwrap(),
        "x\n",
        "compact started the server"
    );
}

/// An MCP server acts outside jig's sandbox: a tool that does not say it is
/// read-only is asked about under every policy but `never` (here
/// `on-request`), a denial goes back to the model, "for the session"
/// covers the tool's later calls, and a read-only tool (`echo`) is never
/// asked about.
#[test]
fn a_changing_mcp_tool_is_approved_by_a_person_and_a_read_only_one_is_not() {
    use std::io::Write;

    use crate::guardrails::{spawn_json, until};

    let env = Env::new();
    declare_everything(&env);
    let toggle =
        "[[response]]\n[[response.tool_calls]]\nname = \"everything__toggle-simulated-logging\"\narguments = {}\n";
    let script = env.file(
        "script.toml",
        &format!(
            "[[response]]\n[[response.tool_calls]]\nname = \"everything__echo\"\narguments = {{ message = \"hi\" }}\n\
             {toggle}{toggle}[response.expect]\nlast_output_contains = \"declined\"\n{toggle}\
             [[response]]\ntext = \"done\"\n"
        ),
    );
    let model = format!("scripted:{}", script.display());
    let (mut child, mut lines) = spawn_json(&env, &["exec", "--json", "-a", "on-request", "--model", &model, "go"]);
    let mut stdin = child.stdin.take().unwrap();
    let first = until(&mut lines, "approval_requested");
    let shown = first["command"].as_str().unwrap();
    assert!(
        shown.contains("MCP everything: toggle-simulated-logging"),
        "the echo before it was not asked about: {first}"
    );
    let mut answer = |request: &Value, decision: &str| {
        writeln!(
            stdin,
            r#"{{"type":"approval","request_id":"{}","decision":"{decision}"}}"#,
            request["request_id"].as_str().unwrap()
        )
        .unwrap();
    };
    answer(&first, "deny");
    let second = until(&mut lines, "approval_requested");
    answer(&second, "approve_for_session");
    let mut rest = Vec::new();
    for line in lines {
        let event: Value = serde_json::from_str(&line.unwrap()).unwrap();
        rest.push(event["type"].as_str().unwrap_or_default().to_owned());
    }
    assert!(child.wait().unwrap().success());
    assert!(
        !rest.iter().any(|t| t == "approval_requested"),
        "the third call was approved for the session: {rest:?}"
    );
    assert!(rest.iter().any(|t| t == "turn_completed"), "{rest:?}");
}
