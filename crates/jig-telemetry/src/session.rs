//! One session's spans, opened and closed from the events its recorder
//! emits: `invoke_agent jig` (the root, for the session's life in this
//! process), `turn` under it, `execute_tool NAME` under the turn; and the
//! metrics the events carry (cost, tool errors).
//!
//! Invariant: every span opened here is ended — by its closing event, or,
//! for whatever is still open when the session's recorder is dropped, by
//! [`Drop`] — so a session that ended leaves nothing unexported. Events are
//! seen as the recorder emits them (already redacted), at the moment they
//! happen; a tool span ends at its begin time plus the call's measured
//! duration, since outputs are recorded in call order after a batch.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use jig_protocol::{Event, ToolStatus, TurnOutcome};
use opentelemetry::trace::{SpanKind, Status, TraceContextExt, Tracer as _};
use opentelemetry::{Context, KeyValue};

use crate::Telemetry;

/// One session's open spans, fed by its recorder.
pub struct SessionTelemetry {
    pub(crate) telemetry: Arc<Telemetry>,
    /// `gen_ai.provider.name` and `gen_ai.request.model`, from the model spec.
    pub(crate) provider: String,
    pub(crate) model: String,
    session_id: String,
    open: Mutex<Open>,
}

/// The spans open now.
struct Open {
    session: Context,
    turn: Option<Context>,
    /// Tool calls by call id, with when they began.
    tools: HashMap<String, (Context, SystemTime)>,
    /// The prompt that starts a turn, recorded just before the turn begins
    /// (kept only with `capture_content`).
    prompt: Option<String>,
}

/// Where a sub-agent's trace hangs: a span of its parent session (see
/// [`SessionTelemetry::child_parent`]).
#[derive(Clone)]
pub struct TraceParent(Context);

impl std::fmt::Debug for TraceParent {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TraceParent")
    }
}

impl Telemetry {
    /// Starts observing a session: opens its root span now. Attach the
    /// result to the session's recorder and wrap its model client with
    /// [`crate::TracedModel`].
    pub fn session(self: &Arc<Self>, session_id: &str, model_spec: &str) -> Arc<SessionTelemetry> {
        self.session_under(session_id, model_spec, None)
    }

    /// Like [`Telemetry::session`], the root span a child of `parent` (a
    /// sub-agent's session, in its parent's trace) when there is one.
    pub fn session_under(
        self: &Arc<Self>,
        session_id: &str,
        model_spec: &str,
        parent: Option<&TraceParent>,
    ) -> Arc<SessionTelemetry> {
        let root = parent.map_or_else(Context::new, |p| p.0.clone());
        let (provider, model) = split_spec(model_spec);
        let span = self
            .tracer
            .span_builder("invoke_agent jig")
            .with_kind(SpanKind::Internal)
            .with_attributes([
                KeyValue::new("gen_ai.operation.name", "invoke_agent"),
                KeyValue::new("gen_ai.agent.name", "jig"),
                KeyValue::new("gen_ai.conversation.id", session_id.to_owned()),
                KeyValue::new("gen_ai.provider.name", provider.clone()),
                KeyValue::new("gen_ai.request.model", model.clone()),
            ])
            .start_with_context(&self.tracer, &root);
        Arc::new(SessionTelemetry {
            telemetry: Arc::clone(self),
            provider,
            model,
            session_id: session_id.to_owned(),
            open: Mutex::new(Open {
                session: root.with_span(span),
                turn: None,
                tools: HashMap::new(),
                prompt: None,
            }),
        })
    }
}

/// `openai:gpt-5` → (`openai`, `gpt-5`); a spec without a provider (a
/// profile name) is its own model, from an unnamed provider.
fn split_spec(spec: &str) -> (String, String) {
    match spec.split_once(':') {
        Some((provider, model)) => (provider.to_owned(), model.to_owned()),
        None => ("jig".to_owned(), spec.to_owned()),
    }
}

impl SessionTelemetry {
    /// Takes in one event the session emitted.
    pub fn observe(&self, event: &Event) {
        let mut open = self.open.lock().unwrap_or_else(|e| e.into_inner());
        match event {
            Event::TurnStarted { turn_id } => {
                if let Some(turn) = open.turn.take() {
                    turn.span().end();
                }
                let span = self
                    .telemetry
                    .tracer
                    .span_builder("turn")
                    .with_kind(SpanKind::Internal)
                    .with_attributes([
                        KeyValue::new("gen_ai.conversation.id", self.session_id.clone()),
                        KeyValue::new("jig.turn.id", i64::try_from(*turn_id).unwrap_or(i64::MAX)),
                    ])
                    .start_with_context(&self.telemetry.tracer, &open.session);
                let turn = open.session.with_span(span);
                if let Some(prompt) = open.prompt.take() {
                    turn.span()
                        .set_attribute(KeyValue::new("gen_ai.input.messages", messages("user", &prompt)));
                }
                open.turn = Some(turn);
            }
            Event::TurnCompleted { outcome, .. } => {
                if let Some(turn) = open.turn.take() {
                    let span = turn.span();
                    span.set_attribute(KeyValue::new("jig.turn.outcome", outcome_name(outcome)));
                    if let TurnOutcome::Failed { kind, .. } = outcome {
                        let kind = serde_json::to_value(kind)
                            .ok()
                            .and_then(|v| v.as_str().map(str::to_owned))
                            .unwrap_or_else(|| "internal".to_owned());
                        span.set_attribute(KeyValue::new("error.type", kind.clone()));
                        span.set_status(Status::error(kind));
                    }
                    span.end();
                }
            }
            Event::UserMessage { text } if self.telemetry.capture_content => {
                if open.turn.is_none() {
                    open.prompt = Some(text.clone());
                } else if let Some(turn) = &open.turn {
                    turn.span()
                        .set_attribute(KeyValue::new("gen_ai.input.messages", messages("user", text)));
                }
            }
            Event::AgentMessage { text } if self.telemetry.capture_content => {
                let parent = open.turn.as_ref().unwrap_or(&open.session);
                parent
                    .span()
                    .set_attribute(KeyValue::new("gen_ai.output.messages", messages("assistant", text)));
            }
            Event::ToolCallBegin {
                call_id,
                name,
                arguments,
            } => {
                let mut attributes = vec![
                    KeyValue::new("gen_ai.operation.name", "execute_tool"),
                    KeyValue::new("gen_ai.tool.name", name.clone()),
                    KeyValue::new("gen_ai.tool.call.id", call_id.clone()),
                    KeyValue::new("gen_ai.tool.type", "function"),
                ];
                if self.telemetry.capture_content {
                    attributes.push(KeyValue::new("gen_ai.tool.call.arguments", arguments.clone()));
                }
                let parent = open.turn.as_ref().unwrap_or(&open.session);
                let now = SystemTime::now();
                let span = self
                    .telemetry
                    .tracer
                    .span_builder(format!("execute_tool {name}"))
                    .with_kind(SpanKind::Internal)
                    .with_start_time(now)
                    .with_attributes(attributes)
                    .start_with_context(&self.telemetry.tracer, parent);
                let cx = parent.with_span(span);
                open.tools.insert(call_id.clone(), (cx, now));
            }
            Event::ToolCallEnd {
                call_id,
                name,
                status,
                output,
                duration_ms,
            } => {
                if let Some((cx, began)) = open.tools.remove(call_id) {
                    let span = cx.span();
                    if self.telemetry.capture_content {
                        span.set_attribute(KeyValue::new("gen_ai.tool.call.result", output.clone()));
                    }
                    if *status != ToolStatus::Ok {
                        let kind = if *status == ToolStatus::Error {
                            "tool_error"
                        } else {
                            "interrupted"
                        };
                        span.set_attribute(KeyValue::new("error.type", kind));
                        span.set_status(Status::error(kind));
                    }
                    let ended = began + Duration::from_millis(*duration_ms);
                    span.end_with_timestamp(ended.min(SystemTime::now()));
                }
                if *status == ToolStatus::Error {
                    self.telemetry
                        .instruments
                        .tool_errors
                        .add(1, &[KeyValue::new("gen_ai.tool.name", name.clone())]);
                }
            }
            Event::TokenUsage { cost: Some(cost), .. } => {
                self.telemetry
                    .instruments
                    .cost
                    .add(cost.last_usd, &self.model_attributes());
            }
            _ => {}
        }
    }

    /// Where a sub-agent started now hangs: the open tool call when exactly
    /// one is open (the call that spawns it), else the turn (several calls
    /// of a batch are open and the spawning one is not known), else the
    /// session.
    pub fn child_parent(&self) -> TraceParent {
        let open = self.open.lock().unwrap_or_else(|e| e.into_inner());
        let cx = match (open.tools.len(), open.tools.values().next()) {
            (1, Some((call, _))) => call.clone(),
            _ => open.turn.clone().unwrap_or_else(|| open.session.clone()),
        };
        TraceParent(cx)
    }

    /// The span a model request starts under: the open turn, else the session.
    pub(crate) fn request_parent(&self) -> Context {
        let open = self.open.lock().unwrap_or_else(|e| e.into_inner());
        open.turn.clone().unwrap_or_else(|| open.session.clone())
    }

    /// The attributes every metric of this session's model carries.
    pub(crate) fn model_attributes(&self) -> [KeyValue; 3] {
        [
            KeyValue::new("gen_ai.operation.name", "chat"),
            KeyValue::new("gen_ai.provider.name", self.provider.clone()),
            KeyValue::new("gen_ai.request.model", self.model.clone()),
        ]
    }
}

/// Ends whatever is still open: calls cut off, the turn, the session.
impl Drop for SessionTelemetry {
    fn drop(&mut self) {
        let open = self.open.get_mut().unwrap_or_else(|e| e.into_inner());
        for (_, (cx, _)) in open.tools.drain() {
            let span = cx.span();
            span.set_attribute(KeyValue::new("error.type", "interrupted"));
            span.set_status(Status::error("interrupted"));
            span.end();
        }
        if let Some(turn) = open.turn.take() {
            turn.span().end();
        }
        open.session.span().end();
    }
}

/// The outcome's name as the protocol spells it (`completed`, `failed`, …).
fn outcome_name(outcome: &TurnOutcome) -> String {
    serde_json::to_value(outcome)
        .ok()
        .and_then(|v| v.get("type").and_then(|t| t.as_str()).map(str::to_owned))
        .unwrap_or_default()
}

/// One message in the GenAI conventions' JSON form.
fn messages(role: &str, text: &str) -> String {
    serde_json::json!([{ "role": role, "parts": [{ "type": "text", "content": text }] }]).to_string()
}
