//! The official servers started by jig over stdio: handshake, tool listing,
//! calls, elicitation through the host, and the environment they get.

use std::sync::Arc;

use jig_config::McpServerConfig;
use jig_mcp::{McpManager, McpTool, ServerOutcome};
use jig_protocol::{HostAnswer, HostRequest, ToolStatus};
use jig_tools::{Tool, ToolContext};
use serde_json::json;

use crate::support::{answerer, env, npm_bin, slow_answerer, tempdir};

/// Short, so that a person answering a form takes longer than it.
const TOOL_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(2);

fn tool<'a>(tools: &'a [Arc<McpTool>], name: &str) -> &'a Arc<McpTool> {
    let names: Vec<&str> = tools.iter().map(|t| t.name()).collect();
    tools
        .iter()
        .find(|t| t.name() == name)
        .unwrap_or_else(|| panic!("no tool {name} among {names:?}"))
}

/// One start of each server serves every check, to keep node start-ups few.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn everything_and_filesystem_list_call_and_elicit() {
    let (_dir, root) = tempdir();
    std::fs::write(root.join("notes.txt"), "hello from the temp dir\n").unwrap();
    let mut everything = McpServerConfig::stdio("everything", npm_bin("mcp-server-everything"), vec![]);
    everything.tool_timeout = TOOL_TIMEOUT;
    if let jig_config::McpTransport::Stdio { env, env_vars, .. } = &mut everything.transport {
        env.insert("FROM_CONFIG".into(), "config-value".into());
        env_vars.push("PASSED_ON".into());
    }
    let servers = vec![
        everything,
        McpServerConfig::stdio(
            "fs",
            npm_bin("mcp-server-filesystem"),
            vec![root.to_string_lossy().into_owned()],
        ),
    ];
    let startup = McpManager::start(servers, &env(), &root, ["shell".to_owned()]).unwrap();
    for status in &startup.servers {
        match &status.outcome {
            ServerOutcome::Running { protocol, tools, .. } => {
                // The TypeScript SDK's servers speak the previous revision:
                // jig's discover probe falls back to `initialize`.
                assert_eq!(protocol, "2025-11-25", "{}", status.name);
                assert!(!tools.is_empty(), "{} lists no tools", status.name);
                eprintln!(
                    "{} started in {} ms with {} tools",
                    status.name,
                    status.startup_ms,
                    tools.len()
                );
            }
            other => panic!("{} did not start: {other:?}", status.name),
        }
    }
    let tools = &startup.tools;
    let ctx = ToolContext::new(&root);

    let echo = tool(tools, "everything__echo");
    assert!(
        echo.spec().parameters["properties"]["message"].is_object(),
        "{:?}",
        echo.spec()
    );
    let out = echo.run(&ctx, json!({"message": "hi jig"})).await.unwrap();
    assert_eq!(out.status, ToolStatus::Ok);
    assert!(out.output.contains("hi jig"), "{}", out.output);

    let sum = tool(tools, "everything__get-sum");
    let out = sum.run(&ctx, json!({"a": 2, "b": 40})).await.unwrap();
    assert!(out.output.contains("42"), "{}", out.output);

    // A bad argument is the server's error, told to the model.
    let err = sum.run(&ctx, json!({"a": "two"})).await;
    let text = match err {
        Ok(result) => {
            assert_eq!(result.status, ToolStatus::Error, "{}", result.output);
            result.output
        }
        Err(err) => err.to_string(),
    };
    assert!(!text.is_empty());

    // The server's environment holds no secret of jig's.
    let env_out = tool(tools, "everything__get-env").run(&ctx, json!({})).await.unwrap();
    assert!(env_out.output.contains("PATH"), "{}", env_out.output);
    assert!(env_out.output.contains("config-value"), "{}", env_out.output);
    assert!(env_out.output.contains("passed-on-value"), "{}", env_out.output);
    assert!(!env_out.output.contains("sk-test-must-not-leak"), "{}", env_out.output);
    assert!(!env_out.output.contains("OPENAI_API_KEY"), "{}", env_out.output);

    // An image is summarised, not pasted.
    let image = tool(tools, "everything__get-tiny-image")
        .run(&ctx, json!({}))
        .await
        .unwrap();
    assert!(image.output.contains("[image: image/png"), "{}", image.output);

    let read = tool(tools, "fs__read_text_file");
    let path = root.join("notes.txt").to_string_lossy().into_owned();
    let out = read.run(&ctx, json!({"path": path})).await.unwrap();
    assert_eq!(out.status, ToolStatus::Ok, "{}", out.output);
    assert!(out.output.contains("hello from the temp dir"), "{}", out.output);
    let outside = read.run(&ctx, json!({"path": "/etc/hostname"})).await.unwrap();
    assert_eq!(outside.status, ToolStatus::Error, "{}", outside.output);

    // Elicitation: the form goes to the front-end and its answer back. The
    // person takes longer than tool_timeout_sec, which bounds the server only.
    let elicit = tool(tools, "everything__trigger-elicitation-request");
    let content = json!({"name": "Ada", "check": true, "email": "ada@example.com"});
    let answer = HostAnswer::Form {
        content: content.clone(),
    };
    let host = slow_answerer(answer, TOOL_TIMEOUT * 3 / 2);
    let mut asking = ToolContext::new(&root);
    asking.host = Some(host.clone());
    let out = elicit.run(&asking, json!({})).await.unwrap();
    assert!(out.output.contains("Ada"), "{}", out.output);
    let asked = host.asked.lock().unwrap().clone();
    match asked.as_slice() {
        [
            HostRequest::Form {
                source,
                message,
                schema,
            },
        ] => {
            assert_eq!(source, "mcp server everything");
            assert!(!message.is_empty());
            assert!(schema["properties"]["name"].is_object(), "{schema}");
        }
        other => panic!("asked {other:?}"),
    }
    // Declined by the person, and nobody to ask: both decline.
    let declined = answerer(HostAnswer::Declined);
    asking.host = Some(declined);
    let out = elicit.run(&asking, json!({})).await.unwrap();
    assert!(out.output.to_lowercase().contains("decline"), "{}", out.output);
    let out = elicit.run(&ctx, json!({})).await.unwrap();
    assert!(out.output.to_lowercase().contains("decline"), "{}", out.output);
}
