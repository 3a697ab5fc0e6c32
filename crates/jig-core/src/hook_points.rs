//! Where a session calls its `[[hooks]]` and what their answers do there.
//!
//! - `session_start` (new or resumed session): context it prints is
//!   queued as a message for the first model request.
//! - `user_prompt_submit`: may block the prompt (it never enters the
//!   conversation; the turn ends `failed`, kind `hook`) or add context.
//! - `pre_tool_use`: may allow, deny (the reason is the call's output, the
//!   tool does not run), ask the person, or rewrite the arguments (the
//!   rewritten call is what jig's guard reviews and what runs).
//! - `post_tool_use`: may add feedback to the output the model sees.
//! - `stop`: may send the model on with a reason, instead of ending the turn.
//!
//! `"continue": false` from a tool hook stops the turn as an interrupt does.
//! Invariant: every run is recorded as an [`Event::HookFinished`] before
//! its effect, so the rollout says why a call was denied or rewritten; a
//! hook that fails or times out is reported and the session goes on as if
//! it had not run. Hooks of one event run one after another, in the order
//! configured; a `pre_tool_use` hook sees the arguments the previous one
//! left, and the first denial ends the run.

use jig_config::HookEvent;
use jig_protocol::{Event, FailureKind, HookStatus, Item, Role, ToolCall, TurnOutcome};
use jig_tools::shell::CommandLine;
use jig_tools::{CommandPreview, ToolError, ToolResult};
use serde_json::{Map, Value, json};
use tokio_util::sync::CancellationToken;

use crate::error::CoreError;
use crate::hooks::{Decision, Hook, Reply, run, tool_names};
use crate::session::Session;
use crate::store::ROLLOUT_FILE;
use crate::turn::Stop;

/// The start of the message with which a `stop` hook sends the model on.
const STOP_HOOK_PREFIX: &str = "A stop hook asks you to go on before you finish: ";

/// The calls of a batch after their `pre_tool_use` hooks: the call to run
/// (arguments maybe rewritten), or why it must not run.
pub(crate) type Gated = Vec<(ToolCall, Option<String>)>;

impl Session {
    /// The fields every hook gets (Claude Code's names).
    fn hook_input(&self, event: HookEvent) -> Map<String, Value> {
        let mut input = Map::new();
        input.insert("session_id".into(), json!(self.meta.session_id));
        input.insert(
            "transcript_path".into(),
            json!(self.dir.join(ROLLOUT_FILE).display().to_string()),
        );
        input.insert("cwd".into(), json!(self.cwd.display().to_string()));
        input.insert("hook_event_name".into(), json!(event.claude_name()));
        input
    }

    /// Runs one hook and records what came of it.
    async fn run_hook(
        &mut self,
        hook: &Hook,
        input: Map<String, Value>,
        call_id: Option<&str>,
        cancel: &CancellationToken,
    ) -> Result<Reply, CoreError> {
        let reply = run(&hook.config, &Value::Object(input), &self.cwd, cancel).await;
        let status = match (&reply.updated_input, reply.status) {
            (Some(_), HookStatus::Ok) => HookStatus::Rewrote,
            (_, status) => status,
        };
        let message = match (&reply.updated_input, status) {
            (Some(input), HookStatus::Rewrote) => Some(format!("arguments now {input}")),
            _ => reply.message.clone(),
        };
        self.emit(Event::HookFinished {
            hook_event: hook.config.event.as_str().to_owned(),
            command: hook.config.command.clone(),
            call_id: call_id.map(str::to_owned),
            status,
            message,
            duration_ms: reply.duration_ms,
        })?;
        Ok(reply)
    }

    /// `session_start` hooks; what they print waits in the inbox for the
    /// first model request.
    pub(crate) async fn session_start_hooks(&mut self, source: &str) -> Result<(), CoreError> {
        if self.hooks.none_for(HookEvent::SessionStart) {
            return Ok(());
        }
        let hooks = self.hooks.matching(HookEvent::SessionStart, &[source]);
        let cancel = CancellationToken::new();
        for hook in hooks {
            let mut input = self.hook_input(HookEvent::SessionStart);
            input.insert("source".into(), json!(source));
            let reply = self.run_hook(&hook, input, None, &cancel).await?;
            self.queue_context(HookEvent::SessionStart, reply.context);
        }
        self.flush()
    }

    /// `user_prompt_submit` hooks: `Some(outcome)` when one blocked the
    /// prompt (or recording failed) and the turn must end without it.
    pub(crate) async fn prompt_hooks(&mut self, prompt: &str, cancel: &CancellationToken) -> Option<TurnOutcome> {
        let hooks = self.hooks.matching(HookEvent::UserPromptSubmit, &[]);
        for hook in hooks {
            let mut input = self.hook_input(HookEvent::UserPromptSubmit);
            input.insert("prompt".into(), json!(prompt));
            let reply = match self.run_hook(&hook, input, None, cancel).await {
                Ok(reply) => reply,
                Err(err) => return Some(TurnOutcome::failed(err.failure_kind(), err.to_string())),
            };
            let refusal = match (reply.stop, reply.decision) {
                (Some(why), _) | (None, Decision::Block(why)) => Some(why),
                _ => None,
            };
            if let Some(why) = refusal {
                let error = format!("a user_prompt_submit hook blocked the prompt: {why}");
                return Some(TurnOutcome::failed(FailureKind::Hook, error));
            }
            self.queue_context(HookEvent::UserPromptSubmit, reply.context);
        }
        None
    }

    /// Queues a hook's context as a message for the next model request.
    fn queue_context(&self, event: HookEvent, context: Option<String>) {
        if let Some(context) = context.filter(|c| !c.trim().is_empty()) {
            let text = format!("Context from a {event} hook:\n{context}");
            self.inbox.lock().unwrap_or_else(|e| e.into_inner()).push_back(text);
        }
    }

    /// `pre_tool_use` hooks for each call of a batch.
    pub(crate) async fn pre_tool_use(&mut self, batch: &[ToolCall], cancel: &CancellationToken) -> Result<Gated, Stop> {
        if self.hooks.none_for(HookEvent::PreToolUse) {
            return Ok(batch.iter().map(|call| (call.clone(), None)).collect());
        }
        let mut gated = Vec::with_capacity(batch.len());
        for call in batch {
            // After an interrupt the calls only report it; no hook need decide.
            if cancel.is_cancelled() {
                gated.push((call.clone(), None));
                continue;
            }
            gated.push(self.gate_call(call.clone(), cancel).await?);
        }
        Ok(gated)
    }

    async fn gate_call(
        &mut self,
        mut call: ToolCall,
        cancel: &CancellationToken,
    ) -> Result<(ToolCall, Option<String>), Stop> {
        let hooks = self.hooks.matching(HookEvent::PreToolUse, &tool_names(&call.name));
        for hook in hooks {
            let mut input = self.hook_input(HookEvent::PreToolUse);
            input.insert("tool_name".into(), json!(call.name));
            input.insert("tool_input".into(), tool_input(&call.arguments));
            input.insert("tool_use_id".into(), json!(call.call_id));
            let call_id = call.call_id.clone();
            let reply = self.run_hook(&hook, input, Some(&call_id), cancel).await?;
            if let Some(updated) = reply.updated_input {
                call.arguments = match updated {
                    Value::String(text) => text,
                    other => other.to_string(),
                };
            }
            if let Some(why) = reply.stop {
                cancel.cancel();
                return Ok((
                    call,
                    Some(format!("not run: a pre_tool_use hook stopped the turn: {why}")),
                ));
            }
            match reply.decision {
                Decision::Deny(why) => return Ok((call, Some(format!("denied by a pre_tool_use hook: {why}")))),
                Decision::Ask(why) => {
                    let preview = self.tools.preview(&call).unwrap_or_else(|| CommandPreview {
                        command: CommandLine::Script(format!("{} {}", call.name, call.arguments)),
                        escalation: None,
                    });
                    let why = format!("a pre_tool_use hook asks: {why}");
                    if let Some(refused) = self.ask(&call, &preview, why, false, cancel).await? {
                        let text = match refused {
                            ToolError::RespondToModel(text) | ToolError::Fatal(text) => text,
                            ToolError::Interrupted => "interrupted by the user".to_owned(),
                        };
                        return Ok((call, Some(text)));
                    }
                }
                Decision::Allow | Decision::None | Decision::Block(_) => {}
            }
        }
        Ok((call, None))
    }

    /// `post_tool_use` hooks for a call that ran: their feedback and
    /// context are added to the output the model sees.
    pub(crate) async fn post_tool_use(
        &mut self,
        call: &ToolCall,
        mut result: Result<ToolResult, ToolError>,
        cancel: &CancellationToken,
    ) -> Result<Result<ToolResult, ToolError>, CoreError> {
        let Ok(ran) = &mut result else {
            return Ok(result);
        };
        if self.hooks.none_for(HookEvent::PostToolUse) {
            return Ok(result);
        }
        let hooks = self.hooks.matching(HookEvent::PostToolUse, &tool_names(&call.name));
        for hook in hooks {
            let mut input = self.hook_input(HookEvent::PostToolUse);
            input.insert("tool_name".into(), json!(call.name));
            input.insert("tool_input".into(), tool_input(&call.arguments));
            input.insert("tool_use_id".into(), json!(call.call_id));
            input.insert(
                "tool_response".into(),
                json!({ "output": ran.output, "status": ran.status }),
            );
            let reply = self.run_hook(&hook, input, Some(&call.call_id), cancel).await?;
            if let Decision::Block(why) = reply.decision {
                ran.output.push_str(&format!("\n\n[post_tool_use hook] {why}"));
            }
            if let Some(context) = reply.context {
                ran.output
                    .push_str(&format!("\n\n[post_tool_use hook context] {context}"));
            }
            if reply.stop.is_some() {
                cancel.cancel();
                break;
            }
        }
        Ok(result)
    }

    /// `stop` hooks when the model gave its final answer: the message that
    /// sends it on, when one blocks the stop.
    pub(crate) async fn stop_hooks(&mut self, cancel: &CancellationToken) -> Result<Option<String>, Stop> {
        if self.hooks.none_for(HookEvent::Stop) {
            return Ok(None);
        }
        // Set when the model is already going on because of a stop hook,
        // so a hook can let it stop rather than loop.
        let active = self.conversation.items.iter().rev().find_map(|item| match item {
            Item::Message { role: Role::User, text } => Some(text.starts_with(STOP_HOOK_PREFIX)),
            _ => None,
        });
        let last = self.last_assistant_message();
        for hook in self.hooks.matching(HookEvent::Stop, &[]) {
            let mut input = self.hook_input(HookEvent::Stop);
            input.insert("stop_hook_active".into(), json!(active.unwrap_or(false)));
            input.insert("last_assistant_message".into(), json!(last));
            let reply = self.run_hook(&hook, input, None, cancel).await?;
            if reply.stop.is_some() {
                return Ok(None);
            }
            if let Decision::Block(why) = reply.decision {
                return Ok(Some(format!("{STOP_HOOK_PREFIX}{why}")));
            }
        }
        Ok(None)
    }
}

/// A call's arguments as a hook sees them: the JSON object, or the raw
/// text of a freeform tool.
fn tool_input(arguments: &str) -> Value {
    serde_json::from_str::<Value>(arguments)
        .ok()
        .filter(Value::is_object)
        .unwrap_or_else(|| Value::String(arguments.to_owned()))
}
