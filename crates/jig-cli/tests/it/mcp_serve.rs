//! `jig mcp serve` driven by rmcp's client, the way an MCP host drives it:
//! the real binary on stdio (and on HTTP), scripted models, real temp
//! workspaces. Elicitation is answered by the test client's handler, and a
//! client without the capability must never leave a turn waiting.

use std::io::{BufRead, BufReader, Read, Write};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use rmcp::model::{
    CallToolRequestParams, CallToolResult, ClientCapabilities, ClientConfig, ClientRequest, ElicitRequestParams,
    ElicitResult, ElicitationAction, Implementation, ProgressNotificationParam, Request,
};
use rmcp::service::{NotificationContext, PeerRequestOptions, RequestContext, RunningService};
use rmcp::transport::{ConfigureCommandExt, StreamableHttpClientTransport, TokioChildProcess};
use rmcp::{ClientHandler, ErrorData, RoleClient, ServiceExt};
use serde_json::{Value, json};

use crate::support::{Env, wait_for};

/// A bound on a whole test's MCP exchange: a hang fails instead of
/// blocking the suite. Not a timing assertion.
const HANG_LIMIT: Duration = Duration::from_secs(120);

/// The test's MCP client: records progress and elicitation requests (the
/// message and the form's schema), and when it declares elicitation,
/// answers approvals with `decision` and other forms with `answer`.
#[derive(Clone, Default)]
struct Client {
    decision: Option<&'static str>,
    answer: Option<Value>,
    progress: Arc<Mutex<Vec<ProgressNotificationParam>>>,
    asked: Arc<Mutex<Vec<(String, Value)>>>,
}

impl ClientHandler for Client {
    fn get_info(&self) -> ClientConfig {
        let capabilities = if self.decision.is_some() || self.answer.is_some() {
            ClientCapabilities::builder().enable_elicitation().build()
        } else {
            ClientCapabilities::default()
        };
        ClientConfig::new(capabilities, Implementation::new("jig-test", "0"))
    }

    async fn on_progress(&self, params: ProgressNotificationParam, _context: NotificationContext<RoleClient>) {
        self.progress.lock().unwrap().push(params);
    }

    async fn create_elicitation(
        &self,
        request: ElicitRequestParams,
        _context: RequestContext<RoleClient>,
    ) -> Result<ElicitResult, ErrorData> {
        let ElicitRequestParams::FormElicitationParams {
            message,
            requested_schema,
            ..
        } = &request
        else {
            return Ok(ElicitResult::new(ElicitationAction::Decline));
        };
        let schema = serde_json::to_value(requested_schema).unwrap();
        self.asked.lock().unwrap().push((message.clone(), schema.clone()));
        let content = if schema["properties"]["decision"].is_object() {
            self.decision.map(|decision| json!({"decision": decision}))
        } else {
            self.answer.clone()
        };
        Ok(match content {
            Some(content) => ElicitResult::new(ElicitationAction::Accept).with_content(content),
            None => ElicitResult::new(ElicitationAction::Decline),
        })
    }
}

fn model(env: &Env, script: &str) -> String {
    format!("scripted:{}", env.file("script.toml", script).display())
}

/// `jig mcp serve` on stdio in `env`, initialized with `client`.
async fn connect(env: &Env, client: Client) -> RunningService<RoleClient, Client> {
    let command = tokio::process::Command::new(env!("CARGO_BIN_EXE_jig")).configure(|cmd| {
        cmd.args(["mcp", "serve"])
            .env("JIG_HOME", env.home())
            .env_remove("JIG_FAULT_KILL_AFTER_RECORDS")
            .current_dir(env.ws());
    });
    let transport = TokioChildProcess::new(command).unwrap();
    client.serve(transport).await.unwrap()
}

fn call(name: &'static str, arguments: Value) -> CallToolRequestParams {
    let Value::Object(arguments) = arguments else {
        panic!("arguments must be an object")
    };
    CallToolRequestParams::new(name).with_arguments(arguments)
}

/// The structured result, after checking the text content says the same.
fn structured(result: &CallToolResult) -> Value {
    let value = result.structured_content.clone().expect("structuredContent");
    let text = result.content[0].as_text().expect("text content").text.clone();
    assert!(text.contains(value["session_id"].as_str().unwrap()), "{text}");
    assert!(text.contains(value["diff_summary"].as_str().unwrap()), "{text}");
    value
}

fn run<F: std::future::Future<Output = ()>>(test: F) {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        tokio::time::timeout(HANG_LIMIT, test)
            .await
            .expect("the MCP exchange hung");
    });
}

#[test]
fn mcp_serve_lists_its_tools_with_input_and_output_schemas() {
    let env = Env::new();
    run(async {
        let client = connect(&env, Client::default()).await;
        let info = client.peer_info().unwrap();
        assert_eq!(info.server_info.as_ref().unwrap().name, "jig");
        let tools = client.list_all_tools().await.unwrap();
        let names: Vec<&str> = tools.iter().map(|t| t.name.as_ref()).collect();
        assert_eq!(names, ["run_task", "reply"]);
        let run_task = &tools[0];
        let input = Value::Object((*run_task.input_schema).clone());
        assert_eq!(input["required"], json!(["prompt"]));
        for field in ["prompt", "cwd", "model", "sandbox", "approval_policy"] {
            assert!(input["properties"][field].is_object(), "{field}: {input}");
        }
        let reply = Value::Object((*tools[1].input_schema).clone());
        assert_eq!(reply["required"], json!(["session_id", "prompt"]));
        for tool in &tools {
            let output = Value::Object((*tool.output_schema.clone().expect("outputSchema")).clone());
            for field in [
                "session_id",
                "outcome",
                "final_message",
                "files_changed",
                "diff_summary",
            ] {
                assert!(output["properties"][field].is_object(), "{field}: {output}");
            }
        }
        client.cancel().await.unwrap();
    });
}

const WRITE_THEN_EDIT: &str = r#"
[[response]]
text = "Writing the file."
[[response.tool_calls]]
name = "apply_patch"
arguments = { input = "*** Begin Patch\n*** Add File: hello.txt\n+hello\n+world\n*** End Patch\n" }

[[response]]
text = "Wrote hello.txt."

[[response]]
[[response.tool_calls]]
name = "apply_patch"
arguments = { input = "*** Begin Patch\n*** Update File: hello.txt\n@@\n hello\n-world\n+there\n*** End Patch\n" }

[[response]]
text = "Changed world to there."
"#;

#[test]
fn mcp_serve_run_task_reports_the_message_files_diff_and_session_and_reply_continues() {
    let env = Env::new();
    std::fs::write(env.ws().join("keep.txt"), "unchanged\n").unwrap();
    let model = model(&env, WRITE_THEN_EDIT);
    run(async {
        let handler = Client::default();
        let client = connect(&env, handler.clone()).await;
        let ws = env.ws().display().to_string();
        let result = client
            .call_tool(call(
                "run_task",
                json!({"prompt": "write hello", "cwd": ws, "model": model}),
            ))
            .await
            .unwrap();
        assert_eq!(result.is_error, Some(false), "{result:?}");
        let first = structured(&result);
        assert_eq!(first["outcome"], "completed");
        assert_eq!(first["final_message"], "Wrote hello.txt.");
        assert_eq!(
            first["files_changed"],
            json!([{"path": "hello.txt", "change": "added", "lines_added": 2, "lines_removed": 0}])
        );
        assert_eq!(first["diff_summary"], "hello.txt (added) +2 -0\n1 file changed, +2 -0");
        let session_id = first["session_id"].as_str().unwrap().to_owned();
        assert!(env.home().join("sessions").exists());
        assert_eq!(
            std::fs::read_to_string(env.ws().join("hello.txt")).unwrap(),
            "hello\nworld\n"
        );

        // Progress: increasing steps naming the tool call and the messages
        // (the client handles notifications on its own tasks, so the last
        // may land just after the result).
        let progress = Arc::clone(&handler.progress);
        let progress = tokio::task::spawn_blocking(move || {
            wait_for(|| {
                let seen = progress.lock().unwrap().clone();
                seen.iter()
                    .any(|p| p.message.as_deref() == Some("turn completed"))
                    .then_some(seen)
            })
        })
        .await
        .unwrap();
        let messages: Vec<String> = progress.iter().filter_map(|p| p.message.clone()).collect();
        assert!(messages.iter().any(|m| m.starts_with("apply_patch")), "{messages:?}");
        assert!(messages.iter().any(|m| m == "Wrote hello.txt."), "{messages:?}");
        let mut steps: Vec<f64> = progress.iter().map(|p| p.progress).collect();
        steps.sort_by(f64::total_cmp);
        steps.dedup();
        assert_eq!(
            steps.len(),
            progress.len(),
            "each notification has its own step: {progress:?}"
        );

        let result = client
            .call_tool(call(
                "reply",
                json!({"session_id": session_id, "prompt": "now say there"}),
            ))
            .await
            .unwrap();
        let second = structured(&result);
        assert_eq!(second["session_id"], session_id.as_str());
        assert_eq!(second["final_message"], "Changed world to there.");
        assert_eq!(
            second["files_changed"],
            json!([{"path": "hello.txt", "change": "modified", "lines_added": 1, "lines_removed": 1}])
        );
        assert_eq!(
            std::fs::read_to_string(env.ws().join("hello.txt")).unwrap(),
            "hello\nthere\n"
        );

        let unknown = client
            .call_tool(call("reply", json!({"session_id": "nope", "prompt": "hi"})))
            .await
            .unwrap();
        assert_eq!(unknown.is_error, Some(true));
        client.cancel().await.unwrap();
    });
}

#[test]
fn mcp_serve_reply_resumes_a_session_an_earlier_server_started() {
    let env = Env::new();
    let model = model(&env, WRITE_THEN_EDIT);
    run(async {
        let client = connect(&env, Client::default()).await;
        let result = client
            .call_tool(call("run_task", json!({"prompt": "write hello", "model": model})))
            .await
            .unwrap();
        let session_id = structured(&result)["session_id"].as_str().unwrap().to_owned();
        client.cancel().await.unwrap();

        let client = connect(&env, Client::default()).await;
        let result = client
            .call_tool(call(
                "reply",
                json!({"session_id": session_id, "prompt": "now say there"}),
            ))
            .await
            .unwrap();
        let value = structured(&result);
        assert_eq!(value["session_id"], session_id.as_str());
        assert_eq!(value["final_message"], "Changed world to there.", "{value}");
        assert_eq!(value["files_changed"][0]["change"], "modified");
        client.cancel().await.unwrap();
    });
}

const ONE_WRITE: &str = r#"
[[response]]
[[response.tool_calls]]
name = "shell"
arguments = { command = "touch asked.txt" }

[[response]]
text = "done"
"#;

#[test]
fn mcp_serve_asks_approvals_through_elicitation() {
    let env = Env::new();
    let model = model(&env, ONE_WRITE);
    run(async {
        let handler = Client {
            decision: Some("approve"),
            ..Client::default()
        };
        let client = connect(&env, handler.clone()).await;
        let args = json!({"prompt": "go", "model": model, "approval_policy": "untrusted"});
        let result = client.call_tool(call("run_task", args)).await.unwrap();
        let value = structured(&result);
        assert_eq!(value["outcome"], "completed");
        let asked = handler.asked.lock().unwrap().clone();
        assert_eq!(asked.len(), 1, "{asked:?}");
        assert!(asked[0].0.contains("touch asked.txt"), "{asked:?}");
        let choices = &asked[0].1["properties"]["decision"]["oneOf"];
        assert_eq!(choices[0]["const"], "approve", "{choices}");
        assert!(env.ws().join("asked.txt").exists());
        assert_eq!(value["files_changed"][0]["path"], "asked.txt");
        client.cancel().await.unwrap();
    });
}

#[test]
fn mcp_serve_denies_at_once_when_the_client_cannot_be_asked() {
    let env = Env::new();
    let script = r#"
[[response]]
[[response.tool_calls]]
name = "shell"
arguments = { command = "touch asked.txt" }

[[response]]
[response.expect]
last_output_contains = "declined"
[[response.tool_calls]]
name = "ask_user"
arguments = { question = "Which scope?", options = ["Minimal", "Thorough"] }

[[response]]
text = "done"
[response.expect]
last_output_contains = "nobody can answer"
"#;
    let model = model(&env, script);
    run(async {
        let handler = Client::default();
        let client = connect(&env, handler.clone()).await;
        let args = json!({"prompt": "go", "model": model, "approval_policy": "untrusted"});
        let result = client.call_tool(call("run_task", args)).await.unwrap();
        let value = structured(&result);
        assert_eq!(value["outcome"], "completed", "{value}");
        assert_eq!(value["final_message"], "done");
        assert!(handler.asked.lock().unwrap().is_empty());
        assert!(!env.ws().join("asked.txt").exists());
        assert_eq!(value["files_changed"], json!([]));
        client.cancel().await.unwrap();
    });
}

#[test]
fn mcp_serve_asks_the_agents_questions_through_elicitation() {
    let env = Env::new();
    let script = r#"
[[response]]
[[response.tool_calls]]
name = "ask_user"
arguments = { question = "Which scope?", options = ["Minimal", "Thorough"] }

[[response]]
text = "Going thorough."
[response.expect]
last_output_contains = "The user answered: Thorough"
"#;
    let model = model(&env, script);
    run(async {
        let handler = Client {
            answer: Some(json!({"answer": "Thorough"})),
            ..Client::default()
        };
        let client = connect(&env, handler.clone()).await;
        let result = client
            .call_tool(call("run_task", json!({"prompt": "go", "model": model})))
            .await
            .unwrap();
        let value = structured(&result);
        assert_eq!(value["final_message"], "Going thorough.", "{value}");
        let asked = handler.asked.lock().unwrap().clone();
        assert_eq!(asked.len(), 1, "{asked:?}");
        assert_eq!(asked[0].0, "Which scope?");
        assert_eq!(
            asked[0].1["properties"]["answer"]["enum"],
            json!(["Minimal", "Thorough"])
        );
        assert_eq!(asked[0].1["properties"]["answer__own_words"]["type"], "string");
        client.cancel().await.unwrap();
    });
}

#[test]
fn mcp_serve_cancelling_the_call_interrupts_the_turn() {
    let env = Env::new();
    let script = r#"
[[response]]
[[response.tool_calls]]
name = "shell"
arguments = { command = "sleep 60; touch late.txt" }

[[response]]
text = "done"
"#;
    let model = model(&env, script);
    run(async {
        let handler = Client::default();
        let client = connect(&env, handler.clone()).await;
        let request = ClientRequest::CallToolRequest(Request::new(call(
            "run_task",
            json!({"prompt": "go", "model": model, "sandbox": "danger-full-access"}),
        )));
        let pending = client
            .send_cancellable_request(request, PeerRequestOptions::no_options())
            .await
            .unwrap();
        // Cancel once the command has begun.
        let progress = Arc::clone(&handler.progress);
        tokio::task::spawn_blocking(move || {
            wait_for(|| {
                let seen = progress.lock().unwrap();
                seen.iter()
                    .any(|p| p.message.as_deref().is_some_and(|m| m.starts_with("shell")))
                    .then_some(())
            })
        })
        .await
        .unwrap();
        pending.cancel(Some("changed my mind".into())).await.unwrap();
        let home = env.home();
        tokio::task::spawn_blocking(move || {
            wait_for(|| {
                let sessions = std::fs::read_dir(home.join("sessions")).ok()?;
                let rollout = sessions.flatten().next()?.path().join("rollout.jsonl");
                let text = std::fs::read_to_string(rollout).ok()?;
                text.contains("\"interrupted\"").then_some(())
            })
        })
        .await
        .unwrap();
        assert!(!env.ws().join("late.txt").exists());
        client.cancel().await.unwrap();
    });
}

/// `jig mcp serve --http 127.0.0.1:0`, and the URL it says it serves.
fn serve_http(env: &Env) -> (std::process::Child, String) {
    let mut child = env
        .jig()
        .args(["mcp", "serve", "--http", "127.0.0.1:0"])
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut stderr = BufReader::new(child.stderr.take().unwrap());
    let mut line = String::new();
    stderr.read_line(&mut line).unwrap();
    let url = line
        .trim()
        .strip_prefix("jig mcp serve: listening on ")
        .unwrap_or_else(|| panic!("no address in {line:?}"))
        .to_owned();
    // Keep draining stderr so the server never blocks on it.
    std::thread::spawn(move || std::io::copy(&mut stderr, &mut std::io::sink()));
    (child, url)
}

/// A raw POST of an `initialize` to `path` with extra headers; the status code.
fn post_status(url: &str, path: &str, headers: &str) -> u16 {
    let authority = url.trim_start_matches("http://").split('/').next().unwrap();
    let body = r#"{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"page","version":"0"}}}"#;
    let mut stream = std::net::TcpStream::connect(authority).unwrap();
    write!(
        stream,
        "POST {path} HTTP/1.1\r\n{headers}Content-Type: application/json\r\nAccept: application/json, text/event-stream\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut response = String::new();
    let _ = stream.read_to_string(&mut response);
    response.split(' ').nth(1).unwrap().parse().unwrap()
}

#[test]
fn mcp_serve_over_http_runs_tasks_and_turns_web_pages_away() {
    let env = Env::new();
    let model = model(&env, "[[response]]\ntext = \"hello over http\"\n");
    let (mut child, url) = serve_http(&env);
    let authority = url.trim_start_matches("http://").split('/').next().unwrap().to_owned();
    // A hostile page: its own Origin, or a rebound name in Host.
    assert_eq!(
        post_status(
            &url,
            "/mcp",
            &format!("Host: {authority}\r\nOrigin: http://evil.example\r\n")
        ),
        403
    );
    assert_eq!(post_status(&url, "/mcp", "Host: evil.example\r\n"), 403);
    // A page on this machine may call; MCP lives at /mcp only.
    let local_page = format!("Host: {authority}\r\nOrigin: http://localhost:3000\r\n");
    assert_eq!(post_status(&url, "/mcp", &local_page), 200);
    assert_eq!(post_status(&url, "/", &format!("Host: {authority}\r\n")), 404);
    run(async {
        let transport = StreamableHttpClientTransport::from_uri(url.clone());
        let client = Client::default().serve(transport).await.unwrap();
        let tools = client.list_all_tools().await.unwrap();
        assert_eq!(tools.len(), 2);
        let result = client
            .call_tool(call("run_task", json!({"prompt": "hi", "model": model})))
            .await
            .unwrap();
        let value = structured(&result);
        assert_eq!(value["final_message"], "hello over http");
        client.cancel().await.unwrap();
    });
    child.kill().unwrap();
    child.wait().unwrap();
}

#[test]
fn mcp_serve_refuses_a_non_loopback_address() {
    let env = Env::new();
    let out = env.run(&["mcp", "serve", "--http", "0.0.0.0:0"]);
    assert!(!out.status.success());
    let stderr = crate::support::stderr(&out);
    assert!(stderr.contains("not a loopback address"), "{stderr}");
    assert!(stderr.contains("--allow-remote"), "{stderr}");
}
