//! The generic sub-agent tools and the router's aliases, through the
//! public `ToolRouter`, against a small host that records every call and
//! answers from a script (the end-to-end tests with real child sessions are
//! jig-core's).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use jig_protocol::{AgentStatus, ToolCall, ToolSpec, ToolStatus};
use jig_tools::agent_host::{AgentHost, AgentInfo, SpawnRequest, WaitOutcome};
use jig_tools::{Tool, ToolContext, ToolError, ToolResult, ToolRouter};
use serde_json::{Value, json};
use tokio_util::sync::CancellationToken;

/// A host that records calls and answers from `statuses`.
#[derive(Debug, Default)]
struct RecordingHost {
    calls: Mutex<Vec<String>>,
    spawns: Mutex<Vec<SpawnRequest>>,
    statuses: Mutex<HashMap<String, AgentStatus>>,
}

impl RecordingHost {
    fn with(statuses: &[(&str, AgentStatus)]) -> Arc<Self> {
        let host = Self::default();
        *host.statuses.lock().unwrap() = statuses.iter().map(|(id, s)| (id.to_string(), s.clone())).collect();
        Arc::new(host)
    }

    fn calls(&self) -> Vec<String> {
        self.calls.lock().unwrap().clone()
    }

    fn status(&self, id: &str) -> AgentStatus {
        self.statuses
            .lock()
            .unwrap()
            .get(id)
            .cloned()
            .unwrap_or(AgentStatus::NotFound)
    }
}

#[async_trait::async_trait]
impl AgentHost for RecordingHost {
    async fn spawn(&self, request: SpawnRequest) -> Result<AgentInfo, ToolError> {
        self.calls.lock().unwrap().push("spawn".into());
        self.spawns.lock().unwrap().push(request.clone());
        Ok(AgentInfo {
            id: "agent-1".into(),
            nickname: "Ada".into(),
            agent_type: request.agent_type,
            status: AgentStatus::PendingInit,
        })
    }

    async fn send(&self, id: &str, message: String, interrupt: bool) -> Result<AgentStatus, ToolError> {
        self.calls
            .lock()
            .unwrap()
            .push(format!("send {id} {message:?} interrupt={interrupt}"));
        Ok(self.status(id))
    }

    async fn wait(
        &self,
        ids: &[String],
        timeout: Option<Duration>,
        _cancel: &CancellationToken,
    ) -> Result<WaitOutcome, ToolError> {
        self.calls.lock().unwrap().push(format!("wait {ids:?} {timeout:?}"));
        let ids: Vec<String> = if ids.is_empty() {
            let mut all: Vec<String> = self.statuses.lock().unwrap().keys().cloned().collect();
            all.sort();
            all
        } else {
            ids.to_vec()
        };
        let statuses: Vec<(String, AgentStatus)> = ids.iter().map(|id| (id.clone(), self.status(id))).collect();
        let timed_out = statuses.iter().any(|(_, s)| !s.is_final());
        Ok(WaitOutcome { statuses, timed_out })
    }

    fn list(&self) -> Vec<AgentInfo> {
        let mut agents: Vec<AgentInfo> = self
            .statuses
            .lock()
            .unwrap()
            .iter()
            .map(|(id, status)| AgentInfo {
                id: id.clone(),
                nickname: format!("nick-{id}"),
                agent_type: None,
                status: status.clone(),
            })
            .collect();
        agents.sort_by(|a, b| a.id.cmp(&b.id));
        agents
    }

    async fn close(&self, id: &str) -> Result<AgentStatus, ToolError> {
        self.calls.lock().unwrap().push(format!("close {id}"));
        let previous = self.status(id);
        if previous == AgentStatus::NotFound {
            return Err(ToolError::RespondToModel(format!("no sub-agent has the id {id}")));
        }
        Ok(previous)
    }

    async fn resume(&self, id: &str) -> Result<AgentStatus, ToolError> {
        self.calls.lock().unwrap().push(format!("resume {id}"));
        Ok(AgentStatus::Running)
    }
}

fn ctx_with(host: &Arc<RecordingHost>) -> ToolContext {
    let mut ctx = ToolContext::new(std::env::temp_dir());
    ctx.agents = Some(host.clone());
    ctx
}

async fn call(ctx: &ToolContext, name: &str, args: Value) -> Result<ToolResult, ToolError> {
    let call = ToolCall {
        call_id: "c1".into(),
        name: name.into(),
        arguments: args.to_string(),
    };
    ToolRouter::builtin().dispatch(ctx, &call).await
}

async fn json_of(ctx: &ToolContext, name: &str, args: Value) -> Value {
    let result = call(ctx, name, args).await.unwrap();
    assert_eq!(result.status, ToolStatus::Ok);
    serde_json::from_str(&result.output).unwrap()
}

fn model_error(result: Result<ToolResult, ToolError>) -> String {
    match result {
        Err(ToolError::RespondToModel(text)) => text,
        other => panic!("expected an error for the model, got {other:?}"),
    }
}

#[tokio::test]
async fn spawn_agent_passes_the_brief_and_answers_id_nickname_status() {
    let host = RecordingHost::with(&[]);
    let ctx = ctx_with(&host);
    let out = json_of(
        &ctx,
        "spawn_agent",
        json!({ "message": "count the tests", "agent_type": "explorer", "model": " ", "fork_context": true }),
    )
    .await;
    assert_eq!(
        out,
        json!({ "agent_id": "agent-1", "nickname": "Ada", "status": "pending_init" })
    );
    let spawns = host.spawns.lock().unwrap().clone();
    assert_eq!(
        spawns,
        [SpawnRequest {
            brief: "count the tests".into(),
            agent_type: Some("explorer".into()),
            model: None,
            fork_context: true,
            ..SpawnRequest::default()
        }]
    );
}

#[tokio::test]
async fn wait_agents_waits_for_all_by_default_with_the_default_timeout() {
    let host = RecordingHost::with(&[
        ("a", AgentStatus::Completed(Some("done".into()))),
        ("b", AgentStatus::Running),
    ]);
    let ctx = ctx_with(&host);
    let out = json_of(&ctx, "wait_agents", json!({})).await;
    assert_eq!(
        out,
        json!({
            "agents": [
                { "agent_id": "a", "status": { "completed": "done" } },
                { "agent_id": "b", "status": "running" }
            ],
            "timed_out": true
        })
    );
    assert_eq!(host.calls(), ["wait [] Some(30s)"]);
}

#[tokio::test]
async fn wait_agents_clamps_and_refuses_timeouts() {
    let host = RecordingHost::with(&[("a", AgentStatus::Errored("boom".into()))]);
    let ctx = ctx_with(&host);
    let out = json_of(&ctx, "wait_agents", json!({ "ids": ["a"], "timeout_ms": 5 })).await;
    assert_eq!(
        out,
        json!({ "agents": [{ "agent_id": "a", "status": { "errored": "boom" } }], "timed_out": false })
    );
    json_of(&ctx, "wait_agents", json!({ "ids": ["a"], "timeout_ms": 1e12 })).await;
    assert_eq!(host.calls(), [r#"wait ["a"] Some(10s)"#, r#"wait ["a"] Some(3600s)"#]);
    let text = model_error(call(&ctx, "wait_agents", json!({ "timeout_ms": 0 })).await);
    assert!(text.contains("greater than zero"), "{text}");
}

#[tokio::test]
async fn list_message_and_cancel_answer_in_json() {
    let budget = AgentStatus::BudgetExceeded {
        message: None,
        reason: "token budget".into(),
    };
    let host = RecordingHost::with(&[("a", AgentStatus::Running), ("b", budget)]);
    let ctx = ctx_with(&host);
    let out = json_of(&ctx, "list_agents", json!({})).await;
    assert_eq!(
        out,
        json!({ "agents": [
            { "agent_id": "a", "nickname": "nick-a", "agent_type": null, "status": "running" },
            { "agent_id": "b", "nickname": "nick-b", "agent_type": null,
              "status": { "budget_exceeded": { "message": null, "reason": "token budget" } } }
        ] })
    );
    let out = json_of(
        &ctx,
        "message_agent",
        json!({ "id": "a", "message": "stop", "interrupt": true }),
    )
    .await;
    assert_eq!(out, json!({ "agent_id": "a", "status": "running" }));
    let out = json_of(&ctx, "cancel_agent", json!({ "id": "a" })).await;
    assert_eq!(out, json!({ "agent_id": "a", "previous_status": "running" }));
    assert_eq!(host.calls(), [r#"send a "stop" interrupt=true"#, "close a"]);
    let text = model_error(call(&ctx, "cancel_agent", json!({ "id": "zz" })).await);
    assert_eq!(text, "no sub-agent has the id zz");
}

#[tokio::test]
async fn malformed_arguments_say_what_to_send() {
    let host = RecordingHost::with(&[]);
    let ctx = ctx_with(&host);
    let text = model_error(call(&ctx, "spawn_agent", json!({ "prompt": "x" })).await);
    assert!(
        text.starts_with("invalid arguments for spawn_agent: unknown field `prompt`"),
        "{text}"
    );
    let text = model_error(call(&ctx, "spawn_agent", json!({ "message": "  " })).await);
    insta::assert_snapshot!(text, @"spawn_agent: `message` is empty; send the text the sub-agent should get");
    let text = model_error(call(&ctx, "message_agent", json!({ "id": "a" })).await);
    assert!(text.contains("missing field `message`"), "{text}");
    assert!(host.calls().is_empty());
}

#[tokio::test]
async fn without_a_host_every_agent_tool_says_so() {
    let ctx = ToolContext::new(std::env::temp_dir());
    for (name, args) in [
        ("spawn_agent", json!({ "message": "x" })),
        ("wait_agents", json!({})),
        ("list_agents", json!({})),
        ("message_agent", json!({ "id": "a", "message": "x" })),
        ("cancel_agent", json!({ "id": "a" })),
    ] {
        let text = model_error(call(&ctx, name, args).await);
        assert!(
            text.starts_with("sub-agents are not available in this session"),
            "{name}: {text}"
        );
    }
}

#[test]
fn agent_tools_mutate_except_wait_and_list() {
    let router = ToolRouter::builtin();
    for (name, mutating) in [
        ("spawn_agent", true),
        ("message_agent", true),
        ("cancel_agent", true),
        ("wait_agents", false),
        ("list_agents", false),
    ] {
        assert_eq!(router.is_mutating(name), mutating, "{name}");
    }
}

/// A tool that answers with its own name, to see which one a call reached.
struct Named(&'static str, bool);

#[async_trait::async_trait]
impl Tool for Named {
    fn spec(&self) -> ToolSpec {
        jig_tools::agents::function_spec(self.0, "test", json!({ "type": "object" }))
    }

    fn is_mutating(&self) -> bool {
        self.1
    }

    async fn run(&self, _ctx: &ToolContext, _args: Value) -> Result<ToolResult, ToolError> {
        Ok(ToolResult::ok(self.0))
    }
}

async fn dispatch(router: &ToolRouter, name: &str) -> Result<ToolResult, ToolError> {
    let call = ToolCall {
        call_id: "c1".into(),
        name: name.into(),
        arguments: "{}".into(),
    };
    router.dispatch(&ToolContext::new(std::env::temp_dir()), &call).await
}

#[tokio::test]
async fn an_alias_dispatches_without_being_offered() {
    let mut router = ToolRouter::new();
    router.register(Arc::new(Named("Agent", true)));
    router.alias("Task", "Agent");
    router.alias("Old", "Missing");
    assert_eq!(dispatch(&router, "Task").await.unwrap().output, "Agent");
    assert!(router.is_mutating("Task"));
    let names: Vec<String> = router.specs().into_iter().map(|s| s.name).collect();
    assert_eq!(names, ["Agent"]);
    let text = model_error(dispatch(&router, "Old").await);
    assert_eq!(text, "unknown tool `Old`; available tools: Agent");
    // A tool registered under the alias's name wins over the alias.
    router.register(Arc::new(Named("Task", false)));
    assert_eq!(dispatch(&router, "Task").await.unwrap().output, "Task");
    assert!(!router.is_mutating("Task"));
}

#[tokio::test]
async fn an_interrupted_wait_answers_what_was_final_or_interrupted() {
    let host = RecordingHost::with(&[("a", AgentStatus::Running)]);
    let ctx = ctx_with(&host);
    ctx.cancel.cancel();
    assert!(matches!(
        call(&ctx, "wait_agents", json!({})).await,
        Err(ToolError::Interrupted)
    ));
    let host = RecordingHost::with(&[("a", AgentStatus::Running), ("b", AgentStatus::Shutdown)]);
    let ctx = ctx_with(&host);
    ctx.cancel.cancel();
    let out = json_of(&ctx, "wait_agents", json!({})).await;
    assert_eq!(out["agents"][1], json!({ "agent_id": "b", "status": "shutdown" }));
}
