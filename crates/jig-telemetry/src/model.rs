//! [`TracedModel`]: a model client that reports each request as a
//! `chat MODEL` span (kind client) under the session's current turn, with
//! retries as span events, and records `gen_ai.client.operation.duration`
//! and `gen_ai.client.token.usage`.
//!
//! Invariant: it changes nothing the session sees — every event passes
//! through as it came — and a request's span ends exactly once: at
//! `Completed`, at the first error, or when the stream is dropped unfinished
//! (an interrupt), with `error.type` telling which.

use std::sync::{Arc, Weak};
use std::time::Instant;

use futures::StreamExt;
use jig_model::{ModelClient, ModelError, ModelRequest, ResponseEvent, ResponseStream};
use opentelemetry::trace::{SpanKind, Status, TraceContextExt, Tracer as _};
use opentelemetry::{Context, KeyValue};

use crate::SessionTelemetry;

/// A model client whose requests are traced into a session's telemetry.
pub struct TracedModel {
    inner: Arc<dyn ModelClient>,
    /// Weak, so the session's spans end when its recorder goes, whoever
    /// still holds the client.
    session: Weak<SessionTelemetry>,
}

impl TracedModel {
    /// `inner`, traced into `session`.
    pub fn new(inner: Arc<dyn ModelClient>, session: &Arc<SessionTelemetry>) -> Self {
        TracedModel {
            inner,
            session: Arc::downgrade(session),
        }
    }
}

#[async_trait::async_trait]
impl ModelClient for TracedModel {
    fn spec(&self) -> &str {
        self.inner.spec()
    }

    async fn stream(&self, request: &ModelRequest<'_>) -> Result<ResponseStream, ModelError> {
        let Some(session) = self.session.upgrade() else {
            return self.inner.stream(request).await;
        };
        let mut call = Call::start(session);
        match self.inner.stream(request).await {
            Ok(stream) => Ok(Box::pin(stream.inspect(move |event| call.see(event)))),
            Err(err) => {
                call.fail(error_type(&err));
                Err(err)
            }
        }
    }
}

/// One model request's span and clock, until it ends.
struct Call {
    session: Arc<SessionTelemetry>,
    span: Context,
    started: Instant,
    ended: bool,
}

impl Call {
    fn start(session: Arc<SessionTelemetry>) -> Self {
        let parent = session.request_parent();
        let tracer = &session.telemetry.tracer;
        let span = tracer
            .span_builder(format!("chat {}", session.model))
            .with_kind(SpanKind::Client)
            .with_attributes(session.model_attributes())
            .start_with_context(tracer, &parent);
        Call {
            span: parent.with_span(span),
            session,
            started: Instant::now(),
            ended: false,
        }
    }

    fn see(&mut self, event: &Result<ResponseEvent, ModelError>) {
        match event {
            Ok(ResponseEvent::Retrying {
                attempt,
                max_attempts,
                delay_ms,
                reason,
            }) => self.span.span().add_event(
                "gen_ai.client.retry",
                vec![
                    KeyValue::new("jig.retry.attempt", i64::from(*attempt)),
                    KeyValue::new("jig.retry.max_attempts", i64::from(*max_attempts)),
                    KeyValue::new("jig.retry.delay_ms", i64::try_from(*delay_ms).unwrap_or(i64::MAX)),
                    KeyValue::new("error.type", retry_type(reason)),
                ],
            ),
            Ok(ResponseEvent::Model(model)) => {
                self.span
                    .span()
                    .set_attribute(KeyValue::new("gen_ai.response.model", model.clone()));
            }
            Ok(ResponseEvent::Completed { usage }) => {
                let span = self.span.span();
                let (input, output) = (usage.input_tokens, usage.output_tokens);
                let as_i64 = |n: u64| i64::try_from(n).unwrap_or(i64::MAX);
                span.set_attribute(KeyValue::new("gen_ai.usage.input_tokens", as_i64(input)));
                span.set_attribute(KeyValue::new("gen_ai.usage.output_tokens", as_i64(output)));
                span.set_attribute(KeyValue::new(
                    "gen_ai.usage.cache_read.input_tokens",
                    as_i64(usage.cached_input_tokens),
                ));
                let tokens = &self.session.telemetry.instruments.tokens;
                for (kind, n) in [("input", input), ("output", output)] {
                    let mut attributes = self.session.model_attributes().to_vec();
                    attributes.push(KeyValue::new("gen_ai.token.type", kind));
                    tokens.record(n, &attributes);
                }
                self.end(None);
            }
            Ok(_) => {}
            Err(err) => self.fail(error_type(err)),
        }
    }

    fn fail(&mut self, kind: &'static str) {
        self.end(Some(kind));
    }

    fn end(&mut self, error: Option<&'static str>) {
        if self.ended {
            return;
        }
        self.ended = true;
        let mut attributes = self.session.model_attributes().to_vec();
        let span = self.span.span();
        if let Some(kind) = error {
            span.set_attribute(KeyValue::new("error.type", kind));
            span.set_status(Status::error(kind));
            attributes.push(KeyValue::new("error.type", kind));
        }
        span.end();
        let seconds = self.started.elapsed().as_secs_f64();
        self.session.telemetry.instruments.duration.record(seconds, &attributes);
    }
}

/// A stream dropped before it completed was interrupted.
impl Drop for Call {
    fn drop(&mut self) {
        self.end(Some("cancelled"));
    }
}

/// A low-cardinality name for a failed request (`error.type`); never the
/// message, which may quote the server.
fn error_type(err: &ModelError) -> &'static str {
    match err {
        ModelError::Load { .. } => "load",
        ModelError::ScriptMismatch(_) => "script_mismatch",
        ModelError::Exhausted(_) => "exhausted",
        ModelError::BadSpec(_) => "bad_spec",
        ModelError::Http { status, .. } if *status == 429 => "rate_limited",
        ModelError::Http { status, .. } if *status >= 500 => "server_error",
        ModelError::Http { .. } => "http_error",
        ModelError::Transport { .. } => "transport",
        ModelError::Stream { .. } => "stream",
    }
}

/// What a retry's reason names, by its leading HTTP status if it has one
/// (`429 Too Many Requests` → `429`), else `_OTHER`; the text itself may
/// quote the server, so it is never exported.
fn retry_type(reason: &str) -> String {
    let status: String = reason.chars().take_while(char::is_ascii_digit).collect();
    if status.len() == 3 { status } else { "_OTHER".to_owned() }
}
