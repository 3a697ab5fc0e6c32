//! Whole `jig exec` sessions against the fake provider server, one per wire
//! format: the model asks for a command, jig runs it for real, and the next
//! request must carry its output back on a prefix-stable history.
//!
//! The server runs in a multi-thread runtime owned by the test, so it keeps
//! serving while the test thread blocks on the `jig` child. The child's
//! environment is scrubbed of the developer's provider keys and URLs, so a
//! test can never reach a real API.

use std::process::Output;

use jig_testkit::streams::{anthropic, chat, openai};
use jig_testkit::{End, Reply, Request};
use serde_json::Value;

use crate::support::{Env, serve, stderr, stdout};

/// A workspace holding `hello.txt`.
fn workspace() -> Env {
    let env = Env::new();
    std::fs::write(env.ws().join("hello.txt"), "hello\n").unwrap();
    env
}

/// Runs `jig exec --json --model MODEL PROMPT` with only `vars` set of the
/// variables that pick a provider.
fn exec(env: &Env, vars: &[(&str, String)], model: &str, prompt: &str) -> Output {
    let mut cmd = env.jig();
    for (name, _) in std::env::vars_os() {
        let name = name.to_string_lossy();
        if name.starts_with("OPENAI_") || name.starts_with("ANTHROPIC_") {
            cmd.env_remove(name.as_ref());
        }
    }
    cmd.env_remove("OLLAMA_HOST").env_remove("JIG_MODEL");
    for (name, value) in vars {
        cmd.env(name, value);
    }
    let out = cmd.args(["exec", "--json", "--model", model, prompt]).output().unwrap();
    assert!(
        out.status.success(),
        "exit {:?}\nstdout:\n{}\nstderr:\n{}",
        out.status,
        stdout(&out),
        stderr(&out)
    );
    out
}

/// The events `jig exec --json` printed.
fn events(out: &Output) -> Vec<Value> {
    stdout(out)
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect()
}

fn session_id(out: &Output) -> String {
    let started = events(out)
        .into_iter()
        .find(|e| e["type"] == "session_started")
        .expect("a session_started event");
    started["session_id"].as_str().unwrap().to_string()
}

/// The `name` of every tool in `tools`, where `name_at` says where it lives.
fn tool_names(tools: &Value, name_at: &[&str]) -> Vec<String> {
    tools
        .as_array()
        .unwrap()
        .iter()
        .map(|tool| {
            let name = name_at.iter().fold(tool, |v, key| &v[key]);
            name.as_str().unwrap().to_string()
        })
        .collect()
}

/// `body` with every `cache_control` marker removed, at any depth.
fn without_cache_control(mut body: Value) -> Value {
    fn strip(value: &mut Value) {
        match value {
            Value::Object(map) => {
                map.remove("cache_control");
                map.values_mut().for_each(strip);
            }
            Value::Array(items) => items.iter_mut().for_each(strip),
            _ => {}
        }
    }
    strip(&mut body);
    body
}

/// Pins the first request body, the whole of what a dialect shows the model,
/// with the run's session id and temp paths replaced.
fn snapshot_first_request(name: &str, env: &Env, session: &str, request: &Request) {
    let ws = env.ws().canonicalize().unwrap();
    let text = serde_json::to_string_pretty(&request.json())
        .unwrap()
        .replace(session, "[SESSION]")
        .replace(&ws.display().to_string(), "[WS]")
        .replace(&env.home().display().to_string(), "[HOME]");
    insta::assert_snapshot!(name, text);
}

#[test]
fn openai_codex_session_runs_the_call_and_keeps_the_prefix() {
    let served = serve(vec![
        Reply::events(
            &openai::function_call("call_1", "exec_command", r#"{"cmd":"cat hello.txt"}"#),
            End::Clean,
        ),
        Reply::events(&openai::text(&["The file ", "says hello."]), End::Clean),
    ]);
    let env = workspace();
    let vars = [
        ("OPENAI_BASE_URL", served.server.base_url()),
        ("OPENAI_API_KEY", "sk-test".to_string()),
    ];
    let out = exec(&env, &vars, "openai:gpt-5-codex", "what does hello.txt say?");
    let requests = served.server.requests();
    assert_eq!(requests.len(), 2, "{requests:?}");
    let session = session_id(&out);
    let (first, second) = (requests[0].json(), requests[1].json());
    for request in &requests {
        assert_eq!(request.path, "/v1/responses");
        assert_eq!(request.header("authorization"), Some("Bearer sk-test"));
    }

    let names = tool_names(&first["tools"], &["name"]);
    for tool in ["exec_command", "write_stdin", "update_plan"] {
        assert!(names.iter().any(|n| n == tool), "{tool} missing from {names:?}");
    }
    assert_eq!(first["prompt_cache_key"], session.as_str());
    assert_eq!(first["store"], false);

    let input1 = first["input"].as_array().unwrap();
    let input2 = second["input"].as_array().unwrap();
    assert_eq!(input2[..input1.len()], input1[..], "request 2 must extend request 1");
    let output = input2
        .iter()
        .find(|item| item["type"] == "function_call_output" && item["call_id"] == "call_1")
        .expect("the call's output in request 2");
    let output = output["output"].as_str().unwrap();
    assert!(output.starts_with("Chunk ID: "), "{output}");
    assert!(output.contains("\nProcess exited with code 0\n"), "{output}");
    // A login shell's profile may print noise first; the file's line must be there.
    let shown = output.split_once("\nOutput:\n").map(|(_, out)| out).unwrap_or_default();
    assert!(shown.lines().any(|line| line == "hello"), "{output}");
    snapshot_first_request("openai_codex_first_request", &env, &session, &requests[0]);
}

#[test]
fn anthropic_claude_session_runs_bash_and_extends_the_messages() {
    let input = r#"{"command":"cat hello.txt","description":"show file"}"#;
    let served = serve(vec![
        Reply::events(&anthropic::tool_use("toolu_1", "Bash", input), End::Clean),
        Reply::events(&anthropic::text(&["It says ", "hello."]), End::Clean),
    ]);
    let env = workspace();
    let vars = [
        ("ANTHROPIC_BASE_URL", served.server.root_url()),
        ("ANTHROPIC_API_KEY", "sk-ant-test".to_string()),
    ];
    let out = exec(&env, &vars, "anthropic:claude-sonnet-4-5", "what does hello.txt say?");
    let requests = served.server.requests();
    assert_eq!(requests.len(), 2, "{requests:?}");
    for request in &requests {
        assert_eq!(request.path, "/v1/messages");
        assert_eq!(request.header("x-api-key"), Some("sk-ant-test"));
        assert!(request.header("anthropic-version").is_some());
        assert_eq!(request.header("authorization"), None);
    }
    let (first, second) = (requests[0].json(), requests[1].json());

    let names = tool_names(&first["tools"], &["name"]);
    for tool in ["Bash", "Read", "Edit", "Write", "TaskCreate"] {
        assert!(names.iter().any(|n| n == tool), "{tool} missing from {names:?}");
    }
    let messages1 = without_cache_control(first["messages"].clone());
    let messages2 = without_cache_control(second["messages"].clone());
    let (messages1, messages2) = (messages1.as_array().unwrap(), messages2.as_array().unwrap());
    assert_eq!(
        messages2[..messages1.len()],
        messages1[..],
        "request 2 must extend request 1"
    );
    let result = messages2
        .iter()
        .flat_map(|m| m["content"].as_array().into_iter().flatten())
        .find(|block| block["type"] == "tool_result" && block["tool_use_id"] == "toolu_1")
        .expect("the tool_result in request 2");
    assert!(result["content"].to_string().contains("hello"), "{result}");
    snapshot_first_request("anthropic_claude_first_request", &env, &session_id(&out), &requests[0]);
}

#[test]
fn ollama_generic_session_runs_shell_without_a_key() {
    let served = serve(vec![
        Reply::sse(
            &chat::tool_call("call_1", "shell", r#"{"command":"cat hello.txt"}"#),
            End::Clean,
        ),
        Reply::sse(&chat::text(&["It says ", "hello."]), End::Clean),
    ]);
    let env = workspace();
    let vars = [("OLLAMA_HOST", served.server.root_url())];
    let out = exec(&env, &vars, "ollama:qwen2.5-coder:7b", "what does hello.txt say?");
    let requests = served.server.requests();
    assert_eq!(requests.len(), 2, "{requests:?}");
    for request in &requests {
        assert_eq!(request.path, "/v1/chat/completions");
        assert_eq!(request.header("authorization"), None);
    }
    let second = requests[1].json();
    let tool = second["messages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["role"] == "tool" && m["tool_call_id"] == "call_1")
        .expect("the tool message in request 2");
    assert!(tool["content"].as_str().unwrap().contains("hello"), "{tool}");
    snapshot_first_request("ollama_generic_first_request", &env, &session_id(&out), &requests[0]);
}

#[test]
fn a_503_is_retried_and_the_tool_runs_once() {
    let command = r#"{"command":"echo ran >> marker.txt"}"#;
    let served = serve(vec![
        Reply::status(503, r#"{"error":{"message":"busy"}}"#),
        Reply::sse(&chat::tool_call("call_1", "shell", command), End::Clean),
        Reply::sse(&chat::text(&["Done."]), End::Clean),
    ]);
    let env = workspace();
    let vars = [("OLLAMA_HOST", served.server.root_url())];
    let out = exec(&env, &vars, "ollama:qwen2.5-coder:7b", "mark it");
    assert_eq!(served.server.requests().len(), 3);
    let retries: Vec<Value> = events(&out)
        .into_iter()
        .filter(|e| e["type"] == "model_retry")
        .collect();
    assert_eq!(retries.len(), 1, "{}", stdout(&out));
    assert!(
        retries[0]["reason"].as_str().unwrap().starts_with("503"),
        "{}",
        retries[0]
    );
    let marker = std::fs::read_to_string(env.ws().join("marker.txt")).unwrap();
    assert_eq!(marker, "ran\n", "the tool must run exactly once");
}

#[test]
fn a_server_that_never_answers_is_retried_after_the_providers_headers_limit() {
    let served = serve(vec![
        Reply::Silent,
        Reply::sse(&chat::text(&["It says ", "hello."]), End::Clean),
    ]);
    let env = workspace();
    std::fs::create_dir_all(env.home()).unwrap();
    let config = "[providers.ollama]\nheaders_timeout_secs = 1\n";
    std::fs::write(env.home().join("config.toml"), config).unwrap();
    let vars = [("OLLAMA_HOST", served.server.root_url())];
    let out = exec(&env, &vars, "ollama:qwen2.5-coder:7b", "what does hello.txt say?");
    assert_eq!(served.server.requests().len(), 2);
    let reasons: Vec<String> = events(&out)
        .into_iter()
        .filter(|e| e["type"] == "model_retry")
        .map(|e| e["reason"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(reasons, ["no response headers within 1s"], "{}", stdout(&out));
}

#[test]
fn a_mangled_event_is_shown_and_the_response_kept() {
    let stream = chat::text(&["It says ", "hello", "."]);
    let served = serve(vec![Reply::sse_mangling(&stream, 2, End::Clean)]);
    let env = workspace();
    let vars = [("OLLAMA_HOST", served.server.root_url()), ("JIG_LOG", "warn".into())];
    let out = exec(&env, &vars, "ollama:qwen2.5-coder:7b", "what does hello.txt say?");
    assert_eq!(served.server.requests().len(), 1, "kept without a retry");
    // JIG_LOG turns on the transport's own diagnostics on stderr.
    let log = stderr(&out);
    assert!(log.contains("WARN") && log.contains("undecodable"), "{log}");
    let events = events(&out);
    let shown: Vec<&str> = events
        .iter()
        .filter(|e| e["type"] == "error")
        .map(|e| e["message"].as_str().unwrap())
        .collect();
    assert_eq!(shown.len(), 1, "{}", stdout(&out));
    assert!(
        shown[0].contains(": skipped an undecodable chat.completion.chunk event ("),
        "{}",
        shown[0]
    );
    let answer = events
        .iter()
        .find(|e| e["type"] == "agent_message")
        .expect("the answer");
    assert_eq!(answer["text"], "It says .");
}
