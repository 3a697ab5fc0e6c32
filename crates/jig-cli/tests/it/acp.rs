//! `jig acp` end to end: the real binary, driven over its stdio by the
//! official `agent-client-protocol` crate's client side, with a scripted
//! model. One session goes through initialize, session/new, a prompt whose
//! commands need permission (one granted, one refused), a prompt cancelled
//! while its permission request is open, session/list, and session/load,
//! whose replay must show the first prompt's conversation.

use std::path::Path;
use std::process::Stdio;
use std::sync::{Arc, Mutex};

use agent_client_protocol::schema::ProtocolVersion;
use agent_client_protocol::v1::ConnectionTo;
use agent_client_protocol::v1::schema::{
    CancelNotification, ClientCapabilities, ContentBlock, FileSystemCapabilities, InitializeRequest,
    ListSessionsRequest, LoadSessionRequest, McpServer, McpServerStdio, NewSessionRequest, PermissionOptionKind,
    PromptRequest, ReadTextFileRequest, ReadTextFileResponse, RequestPermissionOutcome, RequestPermissionRequest,
    RequestPermissionResponse, SelectedPermissionOutcome, SessionId, SessionNotification, SessionUpdate, StopReason,
    ToolCallContent, ToolCallStatus, ToolKind, WriteTextFileRequest, WriteTextFileResponse,
};
use agent_client_protocol::{Agent, ByteStreams, Client};
use tokio_util::compat::{TokioAsyncReadCompatExt, TokioAsyncWriteCompatExt};

use crate::support::Env;

const SCRIPT: &str = r#"
[[response]]
reasoning = "The notes come first."
text = "Writing notes, then two files."
[[response.tool_calls]]
name = "update_plan"
arguments = { plan = [ { step = "Write notes", status = "in_progress" }, { step = "Touch files", status = "pending" } ] }
[[response.tool_calls]]
name = "apply_patch"
arguments = { input = """
*** Begin Patch
*** Add File: notes.txt
+hello
*** End Patch
""" }
[[response]]
[[response.tool_calls]]
name = "shell"
arguments = { command = "touch approved.txt" }
[[response.tool_calls]]
name = "shell"
arguments = { command = "touch denied.txt" }
[[response]]
text = "All done."
[response.expect]
last_output_contains = "declined"
[[response]]
[[response.tool_calls]]
name = "shell"
arguments = { command = "touch cancelled.txt" }
[[response]]
text = "Back again."
[response.expect]
last_output_contains = "interrupted"
"#;

/// Everything the client saw: session updates and the permission requests.
#[derive(Default)]
struct Seen {
    updates: Vec<SessionNotification>,
    asked: Vec<RequestPermissionRequest>,
}

/// The client's answer: allow `approved`, refuse `denied`, and for
/// `cancelled` cancel the turn and then answer `cancelled` as ACP requires.
fn answer(request: &RequestPermissionRequest, cx: &ConnectionTo<Agent>) -> RequestPermissionResponse {
    let title = request.tool_call.fields.title.clone().unwrap_or_default();
    let pick = |kind: PermissionOptionKind| {
        let option = request.options.iter().find(|o| o.kind == kind).unwrap();
        RequestPermissionResponse::new(RequestPermissionOutcome::Selected(SelectedPermissionOutcome::new(
            option.option_id.clone(),
        )))
    };
    if title.contains("approved") {
        pick(PermissionOptionKind::AllowOnce)
    } else if title.contains("denied") {
        pick(PermissionOptionKind::RejectOnce)
    } else {
        cx.send_notification(CancelNotification::new(request.session_id.clone()))
            .unwrap();
        RequestPermissionResponse::new(RequestPermissionOutcome::Cancelled)
    }
}

fn text(block: &ContentBlock) -> &str {
    match block {
        ContentBlock::Text(text) => &text.text,
        other => panic!("expected text, got {other:?}"),
    }
}

/// The agent's message text in `updates`, chunks joined.
fn agent_text(updates: &[SessionNotification]) -> String {
    updates
        .iter()
        .filter_map(|n| match &n.update {
            SessionUpdate::AgentMessageChunk(chunk) => Some(text(&chunk.content)),
            _ => None,
        })
        .collect()
}

/// The final status of each tool call in `updates`, by its title.
fn call_statuses(updates: &[SessionNotification]) -> Vec<(String, ToolCallStatus)> {
    let mut calls: Vec<(String, String, ToolCallStatus)> = Vec::new();
    for n in updates {
        match &n.update {
            SessionUpdate::ToolCall(call) => {
                calls.push((call.tool_call_id.0.to_string(), call.title.clone(), call.status));
            }
            SessionUpdate::ToolCallUpdate(update) => {
                let call = calls
                    .iter_mut()
                    .find(|c| *c.0 == *update.tool_call_id.0)
                    .expect("an update follows its call");
                if let Some(status) = update.fields.status {
                    call.2 = status;
                }
            }
            _ => {}
        }
    }
    calls.into_iter().map(|(_, title, status)| (title, status)).collect()
}

fn spawn_jig(env: &Env, model: &str, extra: &[&str]) -> tokio::process::Child {
    tokio::process::Command::new(env!("CARGO_BIN_EXE_jig"))
        .args(["acp", "-a", "untrusted", "--model", model])
        .args(extra)
        .env("JIG_HOME", env.home())
        .env_remove("JIG_FAULT_KILL_AFTER_RECORDS")
        .current_dir(env.ws())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .kill_on_drop(true)
        .spawn()
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_editor_drives_permissions_cancel_and_load_over_acp() {
    let env = Env::new();
    let model = format!("scripted:{}", env.file("script.toml", SCRIPT).display());
    let ws = env.ws().canonicalize().unwrap();
    let mut child = spawn_jig(&env, &model, &[]);
    let transport = ByteStreams::new(
        child.stdin.take().unwrap().compat_write(),
        child.stdout.take().unwrap().compat(),
    );
    let seen = Arc::new(Mutex::new(Seen::default()));
    let (on_update, on_ask) = (Arc::clone(&seen), Arc::clone(&seen));
    let ws2 = ws.clone();
    let session = Client
        .v1()
        .name("jig-test-client")
        .on_receive_notification(
            async move |n: SessionNotification, _cx| {
                on_update.lock().unwrap().updates.push(n);
                Ok(())
            },
            agent_client_protocol::on_receive_notification!(),
        )
        .on_receive_request(
            async move |request: RequestPermissionRequest, responder, cx| {
                let response = answer(&request, &cx);
                on_ask.lock().unwrap().asked.push(request);
                responder.respond(response)
            },
            agent_client_protocol::on_receive_request!(),
        )
        .connect_with(transport, async move |cx: ConnectionTo<Agent>| {
            Ok(script(&cx, &seen, &ws2).await)
        })
        .await
        .unwrap();
    // The client closed stdin: jig ends on its own, successfully.
    let status = child.wait().await.unwrap();
    assert!(status.success(), "{status:?}");
    assert_eq!(std::fs::read_to_string(ws.join("notes.txt")).unwrap(), "hello\n");
    assert!(ws.join("approved.txt").exists());
    assert!(!ws.join("denied.txt").exists());
    assert!(!ws.join("cancelled.txt").exists());

    // The editor restarts: a fresh jig loads the session and goes on with it.
    let mut child = spawn_jig(&env, &model, &[]);
    let transport = ByteStreams::new(
        child.stdin.take().unwrap().compat_write(),
        child.stdout.take().unwrap().compat(),
    );
    let updates = Arc::new(Mutex::new(Vec::new()));
    let on_update = Arc::clone(&updates);
    let later = Arc::clone(&updates);
    Client
        .v1()
        .on_receive_notification(
            async move |n: SessionNotification, _cx| {
                on_update.lock().unwrap().push(n);
                Ok(())
            },
            agent_client_protocol::on_receive_notification!(),
        )
        .connect_with(transport, async |cx: ConnectionTo<Agent>| {
            cx.send_request(InitializeRequest::new(ProtocolVersion::V1))
                .block_task()
                .await?;
            cx.send_request(LoadSessionRequest::new(session.clone(), ws.clone()))
                .block_task()
                .await?;
            let replayed = std::mem::take(&mut *later.lock().unwrap());
            assert_eq!(agent_text(&replayed), "Writing notes, then two files.All done.");
            let again = cx
                .send_request(PromptRequest::new(session.clone(), vec![ContentBlock::from("again")]))
                .block_task()
                .await?;
            assert_eq!(again.stop_reason, StopReason::EndTurn);
            Ok(())
        })
        .await
        .unwrap();
    assert!(child.wait().await.unwrap().success());
    assert_eq!(agent_text(&updates.lock().unwrap()), "Back again.");
}

/// The client's side of the conversation; returns the session's id.
async fn script(cx: &ConnectionTo<Agent>, seen: &Mutex<Seen>, ws: &Path) -> SessionId {
    let init = cx
        .send_request(InitializeRequest::new(ProtocolVersion::V1).client_capabilities(ClientCapabilities::new()))
        .block_task()
        .await
        .unwrap();
    assert_eq!(init.protocol_version, ProtocolVersion::V1);
    assert!(init.agent_capabilities.load_session);
    assert!(init.agent_capabilities.prompt_capabilities.embedded_context);
    assert_eq!(init.agent_info.as_ref().map(|i| i.name.as_str()), Some("jig"));

    let session = cx
        .send_request(NewSessionRequest::new(ws.to_path_buf()))
        .block_task()
        .await
        .unwrap()
        .session_id;

    // Prompt 1: a plan, a write (a diff), and two commands that ask.
    let done = cx
        .send_request(PromptRequest::new(
            session.clone(),
            vec![ContentBlock::from("make the files")],
        ))
        .block_task()
        .await
        .unwrap();
    assert_eq!(done.stop_reason, StopReason::EndTurn);
    let first: Vec<SessionNotification> = std::mem::take(&mut seen.lock().unwrap().updates);
    assert!(first.iter().all(|n| n.session_id == session));
    assert_eq!(agent_text(&first), "Writing notes, then two files.All done.");
    // The reasoning streams live as a thought, before the message.
    let thought = first.iter().position(|n| {
        matches!(&n.update,
        SessionUpdate::AgentThoughtChunk(chunk) if text(&chunk.content) == "The notes come first.")
    });
    let message = first
        .iter()
        .position(|n| matches!(&n.update, SessionUpdate::AgentMessageChunk(_)));
    assert!(thought.is_some() && thought < message, "{first:#?}");
    assert!(first.iter().any(|n| matches!(&n.update,
        SessionUpdate::Plan(plan) if plan.entries.len() == 2 && plan.entries[0].content == "Write notes")));
    assert!(
        first.iter().any(|n| matches!(&n.update,
            SessionUpdate::UsageUpdate(usage) if usage.used > 0 && usage.size >= usage.used)),
        "usage follows each model response"
    );
    let write = first
        .iter()
        .find_map(|n| match &n.update {
            SessionUpdate::ToolCall(call) if call.kind == ToolKind::Edit => Some(call.clone()),
            _ => None,
        })
        .expect("the write is shown as an edit");
    assert_eq!(write.title, "Edit notes.txt");
    assert_eq!(write.locations[0].path, ws.join("notes.txt"));
    assert!(
        matches!(&write.content[0], ToolCallContent::Diff(diff) if diff.new_text == "hello\n" && diff.path == ws.join("notes.txt"))
    );
    let statuses = call_statuses(&first);
    assert!(
        statuses.contains(&("touch approved.txt".to_string(), ToolCallStatus::Completed)),
        "{statuses:?}"
    );
    assert!(
        statuses.contains(&("touch denied.txt".to_string(), ToolCallStatus::Failed)),
        "{statuses:?}"
    );
    {
        let asked = &seen.lock().unwrap().asked;
        let titles: Vec<_> = asked
            .iter()
            .map(|r| r.tool_call.fields.title.clone().unwrap())
            .collect();
        assert_eq!(titles, ["touch approved.txt", "touch denied.txt"]);
        let kinds: Vec<_> = asked[0].options.iter().map(|o| o.kind).collect();
        assert_eq!(
            kinds,
            [
                PermissionOptionKind::AllowOnce,
                PermissionOptionKind::AllowAlways,
                PermissionOptionKind::RejectOnce,
                PermissionOptionKind::RejectAlways
            ]
        );
    }

    // Prompt 2: the client cancels while its permission is asked.
    let cancelled = cx
        .send_request(PromptRequest::new(
            session.clone(),
            vec![ContentBlock::from("one more")],
        ))
        .block_task()
        .await
        .unwrap();
    assert_eq!(cancelled.stop_reason, StopReason::Cancelled);
    assert_eq!(seen.lock().unwrap().asked.len(), 3);

    // session/list knows the session for this cwd.
    let listed = cx
        .send_request(ListSessionsRequest::new().cwd(ws.to_path_buf()))
        .block_task()
        .await
        .unwrap();
    assert_eq!(listed.sessions.len(), 1);
    assert_eq!(listed.sessions[0].session_id, session);

    // session/load replays the conversation.
    seen.lock().unwrap().updates.clear();
    cx.send_request(LoadSessionRequest::new(session.clone(), ws.to_path_buf()))
        .block_task()
        .await
        .unwrap();
    let replayed: Vec<SessionNotification> = std::mem::take(&mut seen.lock().unwrap().updates);
    let user: Vec<&str> = replayed
        .iter()
        .filter_map(|n| match &n.update {
            SessionUpdate::UserMessageChunk(chunk) => Some(text(&chunk.content)),
            _ => None,
        })
        .collect();
    assert_eq!(user, ["make the files", "one more"]);
    assert_eq!(agent_text(&replayed), "Writing notes, then two files.All done.");
    let statuses = call_statuses(&replayed);
    assert!(
        statuses.contains(&("touch approved.txt".to_string(), ToolCallStatus::Completed)),
        "{statuses:?}"
    );
    assert!(
        statuses.contains(&("touch denied.txt".to_string(), ToolCallStatus::Failed)),
        "{statuses:?}"
    );
    session
}

const QUESTION_AND_MCP: &str = r#"
[[response]]
[[response.tool_calls]]
name = "ask_user"
arguments = { question = "Which colour?", options = ["red", "blue"] }
[[response]]
[response.expect]
last_output_contains = "blue"
[[response.tool_calls]]
name = "everything__echo"
arguments = { message = "hello from the editor's server" }
[[response]]
text = "Blue it is."
[response.expect]
last_output_contains = "hello from the editor's server"
"#;

/// A question with options is asked through request_permission (its
/// options as choices), and an MCP server the client passes in session/new
/// serves the session's tools.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn questions_and_the_clients_mcp_servers_reach_the_session() {
    let env = Env::new();
    let model = format!("scripted:{}", env.file("script.toml", QUESTION_AND_MCP).display());
    let ws = env.ws().canonicalize().unwrap();
    let everything = crate::support::repo_root().join("tests/npm/node_modules/.bin/mcp-server-everything");
    assert!(
        everything.exists(),
        "{} is missing: run `.ci/deps --tests`",
        everything.display()
    );
    let mut child = spawn_jig(&env, &model, &[]);
    let transport = ByteStreams::new(
        child.stdin.take().unwrap().compat_write(),
        child.stdout.take().unwrap().compat(),
    );
    let seen = Arc::new(Mutex::new(Seen::default()));
    let (on_update, on_ask) = (Arc::clone(&seen), Arc::clone(&seen));
    Client
        .v1()
        .on_receive_notification(
            async move |n: SessionNotification, _cx| {
                on_update.lock().unwrap().updates.push(n);
                Ok(())
            },
            agent_client_protocol::on_receive_notification!(),
        )
        .on_receive_request(
            async move |request: RequestPermissionRequest, responder, _cx| {
                let blue = request
                    .options
                    .iter()
                    .find(|o| o.name == "blue")
                    .unwrap()
                    .option_id
                    .clone();
                on_ask.lock().unwrap().asked.push(request);
                responder.respond(RequestPermissionResponse::new(RequestPermissionOutcome::Selected(
                    SelectedPermissionOutcome::new(blue),
                )))
            },
            agent_client_protocol::on_receive_request!(),
        )
        .connect_with(transport, async |cx: ConnectionTo<Agent>| {
            cx.send_request(InitializeRequest::new(ProtocolVersion::V1))
                .block_task()
                .await?;
            let server = McpServer::Stdio(McpServerStdio::new("everything", everything.clone()));
            let session = cx
                .send_request(NewSessionRequest::new(ws.clone()).mcp_servers(vec![server]))
                .block_task()
                .await?
                .session_id;
            let done = cx
                .send_request(PromptRequest::new(session, vec![ContentBlock::from("pick a colour")]))
                .block_task()
                .await?;
            assert_eq!(done.stop_reason, StopReason::EndTurn);
            Ok(())
        })
        .await
        .unwrap();
    assert!(child.wait().await.unwrap().success());
    let seen = seen.lock().unwrap();
    assert_eq!(seen.asked.len(), 1);
    assert_eq!(seen.asked[0].tool_call.fields.title.as_deref(), Some("Which colour?"));
    let names: Vec<&str> = seen.asked[0].options.iter().map(|o| o.name.as_str()).collect();
    assert_eq!(names, ["red", "blue", "Don't answer"]);
    let statuses = call_statuses(&seen.updates);
    assert!(
        statuses.contains(&("everything__echo".to_string(), ToolCallStatus::Completed)),
        "{statuses:?}"
    );
    assert_eq!(agent_text(&seen.updates), "Blue it is.");
}

const THROUGH_THE_EDITOR: &str = r#"
[[response]]
[[response.tool_calls]]
name = "Read"
arguments = { file_path = "a.txt" }
[[response]]
[response.expect]
last_output_contains = "unsaved line"
[[response.tool_calls]]
name = "Edit"
arguments = { file_path = "a.txt", old_string = "unsaved line", new_string = "edited line" }
[[response]]
text = "Edited."
[response.expect]
last_output_contains = "Edited a.txt"
"#;

/// Runs one prompt of `script` (in `dialect`) for a client whose editor
/// holds every file as `buffer`; returns the paths it was asked to read and
/// the writes it received.
async fn through_an_editor(
    env: &Env,
    script: &str,
    dialect: &str,
    prompt: &str,
    buffer: &'static str,
) -> (Vec<std::path::PathBuf>, Vec<(std::path::PathBuf, String)>) {
    let model = format!("scripted:{}", env.file("script.toml", script).display());
    let ws = env.ws().canonicalize().unwrap();
    let mut child = spawn_jig(env, &model, &["--dialect", dialect]);
    let transport = ByteStreams::new(
        child.stdin.take().unwrap().compat_write(),
        child.stdout.take().unwrap().compat(),
    );
    let reads = Arc::new(Mutex::new(Vec::new()));
    let writes = Arc::new(Mutex::new(Vec::new()));
    let (on_read, on_write) = (Arc::clone(&reads), Arc::clone(&writes));
    Client
        .v1()
        .on_receive_request(
            async move |request: ReadTextFileRequest, responder, _cx| {
                on_read.lock().unwrap().push(request.path);
                responder.respond(ReadTextFileResponse::new(buffer))
            },
            agent_client_protocol::on_receive_request!(),
        )
        .on_receive_request(
            async move |request: WriteTextFileRequest, responder, _cx| {
                on_write.lock().unwrap().push((request.path, request.content));
                responder.respond(WriteTextFileResponse::new())
            },
            agent_client_protocol::on_receive_request!(),
        )
        .connect_with(transport, async |cx: ConnectionTo<Agent>| {
            let fs = FileSystemCapabilities::new().read_text_file(true).write_text_file(true);
            cx.send_request(
                InitializeRequest::new(ProtocolVersion::V1).client_capabilities(ClientCapabilities::new().fs(fs)),
            )
            .block_task()
            .await?;
            let session = cx
                .send_request(NewSessionRequest::new(ws.clone()))
                .block_task()
                .await?
                .session_id;
            let done = cx
                .send_request(PromptRequest::new(session, vec![ContentBlock::from(prompt)]))
                .block_task()
                .await?;
            assert_eq!(done.stop_reason, StopReason::EndTurn);
            Ok(())
        })
        .await
        .unwrap();
    assert!(child.wait().await.unwrap().success());
    let reads = reads.lock().unwrap().clone();
    let writes = writes.lock().unwrap().clone();
    (reads, writes)
}

/// A client that can read and write text files serves the file tools:
/// the model reads the editor's unsaved buffer, and its edit goes back to
/// the editor, not the disk.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn file_tools_read_and_write_the_editors_buffers() {
    let env = Env::new();
    let ws = env.ws().canonicalize().unwrap();
    std::fs::write(ws.join("a.txt"), "saved line\n").unwrap();
    let (reads, writes) = through_an_editor(&env, THROUGH_THE_EDITOR, "claude", "edit a.txt", "unsaved line\n").await;
    let a_txt = ws.join("a.txt");
    // Read once to show, once by the edit; the edit went to the editor.
    assert_eq!(reads, [a_txt.clone(), a_txt.clone()]);
    assert_eq!(writes, [(a_txt, "edited line\n".to_string())]);
    assert_eq!(std::fs::read_to_string(ws.join("a.txt")).unwrap(), "saved line\n");
}

const PATCHED_IN_THE_EDITOR: &str = r#"
[[response]]
[[response.tool_calls]]
name = "apply_patch"
arguments = { input = """
*** Begin Patch
*** Update File: a.txt
@@
-unsaved line
+patched line
*** End Patch
""" }
[[response]]
text = "Patched."
[response.expect]
last_output_contains = "a.txt"
"#;

/// A patch reads the editor's buffer (its context matches only the unsaved
/// text) and its result goes back to the editor, not the disk.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_patch_applies_to_the_editors_buffer() {
    let env = Env::new();
    let ws = env.ws().canonicalize().unwrap();
    std::fs::write(ws.join("a.txt"), "saved line\n").unwrap();
    let (_, writes) = through_an_editor(&env, PATCHED_IN_THE_EDITOR, "generic", "patch a.txt", "unsaved line\n").await;
    assert_eq!(writes, [(ws.join("a.txt"), "patched line\n".to_string())]);
    assert_eq!(std::fs::read_to_string(ws.join("a.txt")).unwrap(), "saved line\n");
}

const ASKS_A_CLIENT_THAT_CANNOT_ANSWER: &str = r#"
[[response]]
[[response.tool_calls]]
name = "shell"
arguments = { command = "touch never.txt" }
[[response]]
text = "Not allowed, then."
[response.expect]
last_output_contains = "declined"
"#;

/// A client that cannot answer permission requests (no handler: the SDK
/// answers method-not-found) gets the command refused, never a hung turn.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_that_cannot_answer_permissions_gets_a_refusal() {
    let env = Env::new();
    let model = format!(
        "scripted:{}",
        env.file("script.toml", ASKS_A_CLIENT_THAT_CANNOT_ANSWER).display()
    );
    let ws = env.ws().canonicalize().unwrap();
    let mut child = spawn_jig(&env, &model, &[]);
    let transport = ByteStreams::new(
        child.stdin.take().unwrap().compat_write(),
        child.stdout.take().unwrap().compat(),
    );
    Client
        .v1()
        .connect_with(transport, async |cx: ConnectionTo<Agent>| {
            cx.send_request(InitializeRequest::new(ProtocolVersion::V1))
                .block_task()
                .await?;
            let session = cx
                .send_request(NewSessionRequest::new(ws.clone()))
                .block_task()
                .await?
                .session_id;
            let done = cx
                .send_request(PromptRequest::new(session, vec![ContentBlock::from("try it")]))
                .block_task()
                .await?;
            assert_eq!(done.stop_reason, StopReason::EndTurn);
            Ok(())
        })
        .await
        .unwrap();
    assert!(child.wait().await.unwrap().success());
    assert!(!ws.join("never.txt").exists());
}
