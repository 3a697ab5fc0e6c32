//! The sub-agent tools of the codex and claude dialects: Codex's
//! `multi_agent_v1` results and Claude Code's `Agent` text, exactly, against
//! a scripted host that records every call (children as real sessions are
//! jig-core's tests).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use jig_dialect::{Dialect, router};
use jig_protocol::{AgentStatus, ToolCall, ToolStatus};
use jig_tools::agent_host::{AgentHost, AgentInfo, SpawnRequest, WaitOutcome};
use jig_tools::agents::CancellationToken;
use jig_tools::{ToolContext, ToolError, ToolResult};
use serde_json::{Value, json};

/// How a scripted agent answers a wait.
#[derive(Debug, Clone)]
enum Plan {
    /// Final with this status after this long.
    Final(Duration, AgentStatus),
    /// Still running when the wait gives up.
    TimesOut,
}

#[derive(Debug, Default)]
struct ScriptedHost {
    agents: Mutex<HashMap<String, (AgentStatus, Plan)>>,
    calls: Mutex<Vec<String>>,
    spawns: Mutex<Vec<SpawnRequest>>,
}

impl ScriptedHost {
    fn new(agents: &[(&str, AgentStatus, Plan)]) -> Arc<Self> {
        let host = Self::default();
        *host.agents.lock().unwrap() = agents
            .iter()
            .map(|(id, listed, plan)| (id.to_string(), (listed.clone(), plan.clone())))
            .collect();
        Arc::new(host)
    }

    fn log(&self, call: String) {
        self.calls.lock().unwrap().push(call);
    }

    fn calls(&self) -> Vec<String> {
        self.calls.lock().unwrap().clone()
    }

    fn listed(&self, id: &str) -> AgentStatus {
        self.agents
            .lock()
            .unwrap()
            .get(id)
            .map_or(AgentStatus::NotFound, |(s, _)| s.clone())
    }
}

#[async_trait::async_trait]
impl AgentHost for ScriptedHost {
    async fn spawn(&self, request: SpawnRequest) -> Result<AgentInfo, ToolError> {
        self.log("spawn".into());
        self.spawns.lock().unwrap().push(request);
        Ok(AgentInfo {
            id: "agent-1".into(),
            nickname: "Ada".into(),
            agent_type: None,
            status: AgentStatus::PendingInit,
        })
    }

    async fn send(&self, id: &str, message: String, interrupt: bool) -> Result<AgentStatus, ToolError> {
        self.log(format!("send {id} {message:?} interrupt={interrupt}"));
        Ok(self.listed(id))
    }

    async fn wait(
        &self,
        ids: &[String],
        timeout: Option<Duration>,
        _cancel: &CancellationToken,
    ) -> Result<WaitOutcome, ToolError> {
        self.log(format!("wait {ids:?} {timeout:?}"));
        let mut outcome = WaitOutcome {
            statuses: Vec::new(),
            timed_out: false,
        };
        for id in ids {
            let plan = self.agents.lock().unwrap().get(id).map(|(_, plan)| plan.clone());
            match plan {
                Some(Plan::Final(delay, status)) => {
                    tokio::time::sleep(delay).await;
                    outcome.statuses.push((id.clone(), status));
                }
                Some(Plan::TimesOut) => {
                    outcome.statuses.push((id.clone(), self.listed(id)));
                    outcome.timed_out = true;
                }
                None => outcome.statuses.push((id.clone(), AgentStatus::NotFound)),
            }
        }
        Ok(outcome)
    }

    fn list(&self) -> Vec<AgentInfo> {
        self.agents
            .lock()
            .unwrap()
            .iter()
            .map(|(id, (status, _))| AgentInfo {
                id: id.clone(),
                nickname: id.clone(),
                agent_type: None,
                status: status.clone(),
            })
            .collect()
    }

    async fn close(&self, id: &str) -> Result<AgentStatus, ToolError> {
        self.log(format!("close {id}"));
        Ok(self.listed(id))
    }

    async fn resume(&self, id: &str) -> Result<AgentStatus, ToolError> {
        self.log(format!("resume {id}"));
        Ok(AgentStatus::Running)
    }
}

fn done(text: &str) -> Plan {
    Plan::Final(Duration::ZERO, AgentStatus::Completed(Some(text.into())))
}

fn ctx_with(host: &Arc<ScriptedHost>) -> ToolContext {
    let mut ctx = ToolContext::new(std::env::temp_dir());
    ctx.agents = Some(host.clone());
    ctx
}

async fn call(dialect: Dialect, ctx: &ToolContext, name: &str, args: Value) -> Result<ToolResult, ToolError> {
    let call = ToolCall {
        call_id: "call_1".into(),
        name: name.into(),
        arguments: args.to_string(),
    };
    router(dialect).dispatch(ctx, &call).await
}

async fn codex(ctx: &ToolContext, name: &str, args: Value) -> String {
    let result = call(Dialect::Codex, ctx, name, args).await.unwrap();
    assert_eq!(result.status, ToolStatus::Ok, "{}", result.output);
    result.output
}

async fn refused(dialect: Dialect, ctx: &ToolContext, name: &str, args: Value) -> String {
    match call(dialect, ctx, name, args).await {
        Err(ToolError::RespondToModel(text)) => text,
        other => panic!("expected RespondToModel, got {other:?}"),
    }
}

#[test]
fn codex_offers_the_multi_agent_v1_tools_as_measured() {
    let specs = router(Dialect::Codex).specs();
    for (name, required) in [
        ("spawn_agent", &[][..]),
        ("send_input", &["target"][..]),
        ("wait_agent", &["targets"][..]),
        ("resume_agent", &["id"][..]),
        ("close_agent", &["target"][..]),
    ] {
        let spec = specs
            .iter()
            .find(|s| s.name == name)
            .unwrap_or_else(|| panic!("{name} offered"));
        let got: Vec<&str> = spec.parameters["required"]
            .as_array()
            .map(|r| r.iter().map(|v| v.as_str().unwrap()).collect())
            .unwrap_or_default();
        assert_eq!(got, required, "{name}");
    }
    let spawn = specs.iter().find(|s| s.name == "spawn_agent").unwrap();
    let params: Vec<&String> = spawn.parameters["properties"].as_object().unwrap().keys().collect();
    assert_eq!(
        params,
        [
            "agent_type",
            "fork_context",
            "items",
            "message",
            "model",
            "reasoning_effort"
        ]
    );
    let legacy = router(Dialect::CodexLegacy).specs();
    assert!(!legacy.iter().any(|s| s.name.ends_with("_agent")));
    let agents = router(Dialect::Codex);
    for (name, mutating) in [
        ("spawn_agent", true),
        ("send_input", true),
        ("resume_agent", true),
        ("close_agent", true),
        ("wait_agent", false),
    ] {
        assert_eq!(agents.is_mutating(name), mutating, "{name}");
    }
}

#[tokio::test]
async fn codex_spawn_answers_agent_id_and_nickname() {
    let host = ScriptedHost::new(&[]);
    let ctx = ctx_with(&host);
    let out = codex(
        &ctx,
        "spawn_agent",
        json!({ "message": "find the bug", "reasoning_effort": "low" }),
    )
    .await;
    assert_eq!(out, r#"{"agent_id":"agent-1","nickname":"Ada"}"#);
    let items = json!({ "items": [{ "type": "text", "text": "one" }, { "type": "text", "text": "two" }], "agent_type": "worker" });
    codex(&ctx, "spawn_agent", items).await;
    let spawns = host.spawns.lock().unwrap().clone();
    assert_eq!(
        spawns,
        [
            SpawnRequest {
                brief: "find the bug".into(),
                reasoning_effort: Some("low".into()),
                ..SpawnRequest::default()
            },
            SpawnRequest {
                brief: "one\ntwo".into(),
                agent_type: Some("worker".into()),
                ..SpawnRequest::default()
            },
        ]
    );
}

#[tokio::test]
async fn codex_spawn_refuses_what_codex_refuses() {
    let host = ScriptedHost::new(&[]);
    let ctx = ctx_with(&host);
    for (args, expected) in [
        (
            json!({}),
            "spawn_agent: send the input as `message` (plain text) or as `items`",
        ),
        (
            json!({ "message": "a", "items": [{ "type": "text", "text": "b" }] }),
            "spawn_agent: send either `message` or `items`, not both",
        ),
        (
            json!({ "items": [] }),
            "spawn_agent: `items` is empty; send at least one text item, or use `message`",
        ),
        (
            json!({ "items": [{ "type": "local_image", "path": "a.png" }] }),
            "spawn_agent: `local_image` items cannot be passed to a sub-agent here; send text items or a `message` that names the file or resource instead",
        ),
        (
            json!({ "message": " " }),
            "spawn_agent: `message` is empty; send the text the sub-agent should get",
        ),
    ] {
        assert_eq!(refused(Dialect::Codex, &ctx, "spawn_agent", args).await, expected);
    }
    let text = refused(
        Dialect::Codex,
        &ctx,
        "spawn_agent",
        json!({ "message": "a", "fork_context": true, "model": "gpt-5" }),
    )
    .await;
    assert!(
        text.contains("leave out agent_type, model and reasoning_effort"),
        "{text}"
    );
    assert!(host.calls().is_empty());
}

#[tokio::test]
async fn codex_send_input_close_and_resume_answer_in_codex_shapes() {
    let host = ScriptedHost::new(&[("a", AgentStatus::Completed(None), Plan::TimesOut)]);
    let ctx = ctx_with(&host);
    let out = codex(
        &ctx,
        "send_input",
        json!({ "target": "a", "message": "also docs", "interrupt": true }),
    )
    .await;
    let out: Value = serde_json::from_str(&out).unwrap();
    let id = out["submission_id"].as_str().unwrap();
    assert!(id.starts_with("sub-"), "{out}");
    assert_eq!(out.as_object().unwrap().len(), 1);
    let out = codex(&ctx, "close_agent", json!({ "target": "a" })).await;
    assert_eq!(out, r#"{"previous_status":{"completed":null}}"#);
    let out = codex(&ctx, "resume_agent", json!({ "id": "a" })).await;
    assert_eq!(out, r#"{"status":"running"}"#);
    assert_eq!(
        host.calls(),
        [r#"send a "also docs" interrupt=true"#, "close a", "resume a"]
    );
    let text = refused(Dialect::Codex, &ctx, "send_input", json!({ "message": "x" })).await;
    assert!(text.contains("missing field `target`"), "{text}");
}

#[tokio::test]
async fn codex_wait_returns_final_statuses_keyed_by_id() {
    let host = ScriptedHost::new(&[
        ("a", AgentStatus::Completed(Some("done".into())), done("done")),
        ("b", AgentStatus::Running, Plan::TimesOut),
    ]);
    let ctx = ctx_with(&host);
    let out = codex(&ctx, "wait_agent", json!({ "targets": ["a", "b", "a"] })).await;
    assert_eq!(out, r#"{"status":{"a":{"completed":"done"}},"timed_out":false}"#);
    assert_eq!(host.calls(), [r#"wait ["a"] Some(30s)"#]);
}

#[tokio::test]
async fn codex_wait_returns_when_the_first_target_is_final() {
    let slow = Plan::Final(Duration::from_secs(60), AgentStatus::Completed(None));
    let soon = Plan::Final(Duration::from_millis(20), AgentStatus::Errored("boom".into()));
    let host = ScriptedHost::new(&[
        ("slow", AgentStatus::Running, slow),
        ("soon", AgentStatus::Running, soon),
    ]);
    let ctx = ctx_with(&host);
    let started = Instant::now();
    let out = codex(
        &ctx,
        "wait_agent",
        json!({ "targets": ["slow", "soon"], "timeout_ms": 120000 }),
    )
    .await;
    assert_eq!(out, r#"{"status":{"soon":{"errored":"boom"}},"timed_out":false}"#);
    assert!(
        started.elapsed() < Duration::from_secs(30),
        "the slow wait was not abandoned"
    );
    let mut calls = host.calls();
    calls.sort();
    assert_eq!(calls, [r#"wait ["slow"] Some(120s)"#, r#"wait ["soon"] Some(120s)"#]);
}

#[tokio::test]
async fn codex_wait_times_out_with_an_empty_status_and_clamps_its_timeout() {
    let host = ScriptedHost::new(&[("a", AgentStatus::Running, Plan::TimesOut)]);
    let ctx = ctx_with(&host);
    let out = codex(&ctx, "wait_agent", json!({ "targets": ["a"], "timeout_ms": 1 })).await;
    assert_eq!(out, r#"{"status":{},"timed_out":true}"#);
    codex(&ctx, "wait_agent", json!({ "targets": ["a"], "timeout_ms": 9e9 })).await;
    assert_eq!(host.calls(), [r#"wait ["a"] Some(10s)"#, r#"wait ["a"] Some(3600s)"#]);
    let text = refused(
        Dialect::Codex,
        &ctx,
        "wait_agent",
        json!({ "targets": ["a"], "timeout_ms": -5 }),
    )
    .await;
    assert!(
        text.starts_with("wait_agent: timeout_ms must be a number of milliseconds greater than zero"),
        "{text}"
    );
    let text = refused(Dialect::Codex, &ctx, "wait_agent", json!({ "targets": [] })).await;
    assert_eq!(
        text,
        "wait_agent: `targets` is empty; pass the ids of the agents to wait on (from spawn_agent)"
    );
    let text = refused(Dialect::Codex, &ctx, "wait_agent", json!({})).await;
    assert!(text.contains("missing field `targets`"), "{text}");
}

#[tokio::test]
async fn without_a_host_the_dialect_agent_tools_say_so() {
    let ctx = ToolContext::new(std::env::temp_dir());
    for (dialect, name, args) in [
        (Dialect::Codex, "spawn_agent", json!({ "message": "x" })),
        (Dialect::Codex, "wait_agent", json!({ "targets": ["a"] })),
        (Dialect::Claude, "Agent", json!({ "description": "d", "prompt": "p" })),
        (Dialect::Claude, "Task", json!({ "description": "d", "prompt": "p" })),
    ] {
        let text = refused(dialect, &ctx, name, args).await;
        assert!(
            text.starts_with("sub-agents are not available in this session"),
            "{name}: {text}"
        );
    }
}

async fn claude(ctx: &ToolContext, name: &str, args: Value) -> ToolResult {
    call(Dialect::Claude, ctx, name, args).await.unwrap()
}

#[tokio::test]
async fn claude_agent_in_the_foreground_answers_with_the_final_message() {
    let host = ScriptedHost::new(&[("agent-1", AgentStatus::Running, done("Found 3 tests in tests/it."))]);
    let ctx = ctx_with(&host);
    let args = json!({
        "description": "Count tests",
        "prompt": "Count the integration tests.",
        "subagent_type": "general-purpose",
        "model": "haiku"
    });
    let result = claude(&ctx, "Agent", args).await;
    assert_eq!(result.status, ToolStatus::Ok);
    insta::assert_snapshot!(result.output, @r"
    Found 3 tests in tests/it.
    agentId: agent-1 (status: completed)
    ");
    assert_eq!(
        host.spawns.lock().unwrap().clone(),
        [SpawnRequest {
            brief: "Count the integration tests.".into(),
            description: Some("Count tests".into()),
            model: Some("haiku".into()),
            ..SpawnRequest::default()
        }]
    );
    assert_eq!(host.calls(), ["spawn", r#"wait ["agent-1"] None"#]);
}

#[tokio::test]
async fn claude_task_is_the_old_name_of_agent() {
    let host = ScriptedHost::new(&[("agent-1", AgentStatus::Running, done("ok"))]);
    let ctx = ctx_with(&host);
    let args = json!({ "description": "d", "prompt": "p", "subagent_type": "reviewer" });
    let result = claude(&ctx, "Task", args).await;
    assert_eq!(result.output, "ok\nagentId: agent-1 (status: completed)");
    assert_eq!(host.spawns.lock().unwrap()[0].agent_type.as_deref(), Some("reviewer"));
    let claude = router(Dialect::Claude);
    assert!(claude.is_mutating("Agent") && claude.is_mutating("Task"));
    assert!(!claude.specs().iter().any(|s| s.name == "Task"));
}

#[tokio::test]
async fn claude_agent_in_the_background_returns_at_once() {
    let host = ScriptedHost::new(&[]);
    let ctx = ctx_with(&host);
    let args = json!({ "description": "d", "prompt": "p", "run_in_background": true });
    let result = claude(&ctx, "Agent", args).await;
    assert_eq!(result.status, ToolStatus::Ok);
    insta::assert_snapshot!(result.output, @r"
    Async agent launched successfully.
    agentId: agent-1 (internal ID - do not mention to user.)
    The agent is working in the background. You will be notified automatically when it completes. Until then you know nothing of its results: do not guess at them; go on with other work or answer the user meanwhile.
    ");
    assert_eq!(host.calls(), ["spawn"]);
}

#[tokio::test]
async fn claude_agent_reports_how_a_child_ended() {
    let budget = AgentStatus::BudgetExceeded {
        message: Some("Half done: a.rs fixed.".into()),
        reason: "token budget of 50000".into(),
    };
    for (status, tool_status, expected) in [
        (
            AgentStatus::Errored("model unavailable".into()),
            ToolStatus::Error,
            "The agent failed: model unavailable\nagentId: agent-1 (status: errored)",
        ),
        (
            budget,
            ToolStatus::Ok,
            "The agent stopped at its budget before it finished (token budget of 50000). Its last message:\n\
             Half done: a.rs fixed.\nagentId: agent-1 (status: budget_exceeded)",
        ),
        (
            AgentStatus::Interrupted,
            ToolStatus::Ok,
            "The agent was interrupted before it finished.\nagentId: agent-1 (status: interrupted)",
        ),
        (
            AgentStatus::Completed(None),
            ToolStatus::Ok,
            "The agent finished without a final message.\nagentId: agent-1 (status: completed)",
        ),
    ] {
        let host = ScriptedHost::new(&[("agent-1", AgentStatus::Running, Plan::Final(Duration::ZERO, status))]);
        let result = claude(&ctx_with(&host), "Agent", json!({ "description": "d", "prompt": "p" })).await;
        assert_eq!((result.status, result.output.as_str()), (tool_status, expected));
    }
}

#[tokio::test]
async fn claude_agent_refuses_isolation_and_bad_arguments() {
    let host = ScriptedHost::new(&[]);
    let ctx = ctx_with(&host);
    let text = refused(
        Dialect::Claude,
        &ctx,
        "Agent",
        json!({ "description": "d", "prompt": "p", "isolation": "worktree" }),
    )
    .await;
    assert!(text.starts_with("Agent: isolation is not available here"), "{text}");
    let text = refused(Dialect::Claude, &ctx, "Agent", json!({ "description": "d" })).await;
    assert!(text.contains("missing field `prompt`"), "{text}");
    let text = refused(
        Dialect::Claude,
        &ctx,
        "Task",
        json!({ "description": "d", "prompt": "p", "resume": "x" }),
    )
    .await;
    assert!(text.contains("unknown field `resume`"), "{text}");
    assert!(host.calls().is_empty());
}

#[tokio::test]
async fn an_interrupt_ends_a_foreground_agent_call_and_a_codex_wait() {
    let host = ScriptedHost::new(&[("agent-1", AgentStatus::Running, Plan::TimesOut)]);
    let ctx = ctx_with(&host);
    ctx.cancel.cancel();
    let result = call(
        Dialect::Claude,
        &ctx,
        "Agent",
        json!({ "description": "d", "prompt": "p" }),
    )
    .await;
    assert!(matches!(result, Err(ToolError::Interrupted)), "{result:?}");
    let result = call(Dialect::Codex, &ctx, "wait_agent", json!({ "targets": ["agent-1"] })).await;
    assert!(matches!(result, Err(ToolError::Interrupted)), "{result:?}");
}
