//! OpenTelemetry export end to end: a session built by `SessionBuilder` with
//! `OTEL_EXPORTER_OTLP_ENDPOINT` set exports to a real OTLP/HTTP receiver on
//! 127.0.0.1, whose request bodies are decoded with the OTLP protobuf types.
//! Checked: span names, parent-child links, GenAI attribute names, the
//! metrics, and that neither the prompt's and tool output's content nor a
//! key reaches the collector unless content capture is asked for — and then
//! only redacted. A sub-agent's spans sit in its parent's trace, under the
//! call that spawned it.

use std::collections::HashMap;

use jig_config::{EnvSnapshot, SandboxMode};
use jig_core::SessionBuilder;
use jig_protocol::TurnOutcome;
use jig_telemetry::Telemetry;
use jig_telemetry::receiver::Receiver;
use opentelemetry_proto::tonic::collector::metrics::v1::ExportMetricsServiceRequest;
use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use opentelemetry_proto::tonic::common::v1::{AnyValue, KeyValue, any_value};
use opentelemetry_proto::tonic::trace::v1::Span;
use prost::Message;

use crate::support::{Fixture, model, run, shut_down};

const MARKER: &str = "MARKER-7d1e-content";
const KEY: &str = "sk-test-9f8e7d6c5b4a39281706";
const HEADER_SECRET: &str = "sk-header-0a1b2c3d4e5f";

/// A shell call whose output holds the marker and the key, a call to a
/// tool that does not exist (a tool error), then an answer.
fn script() -> String {
    format!(
        r#"
[[response]]
[[response.tool_calls]]
name = "shell"
arguments = {{ command = "printf '%s %s' '{MARKER}' '{KEY}'" }}
[[response.tool_calls]]
name = "no_such_tool"
arguments = {{ x = 1 }}
[[response]]
text = "done"
"#
    )
}

/// What one run exported: the decoded spans, the metric names with their
/// data points' attribute keys, and every raw body.
struct Exported {
    spans: Vec<Span>,
    metrics: HashMap<String, Vec<Vec<String>>>,
    bytes: Vec<u8>,
    receiver: Receiver,
}

/// Runs the scripted session with telemetry to a fresh receiver and
/// returns what reached it once the exporters were flushed.
async fn export(capture_content: bool) -> Exported {
    let fx = Fixture::new();
    export_script(&fx, &script(), capture_content).await
}

/// Runs `script` with telemetry to a fresh receiver; see [`export`].
async fn export_script(fx: &Fixture, script: &str, capture_content: bool) -> Exported {
    let receiver = Receiver::start().unwrap();
    let home = fx.dir.path().join("home");
    let env = EnvSnapshot::from_pairs([
        ("JIG_HOME", home.display().to_string()),
        ("OTEL_EXPORTER_OTLP_ENDPOINT", receiver.endpoint()),
        (
            "OTEL_EXPORTER_OTLP_HEADERS",
            format!("authorization=Bearer%20{HEADER_SECRET}"),
        ),
        ("OPENAI_API_KEY", KEY.to_owned()),
    ]);
    let mut settings = jig_config::load(&jig_config::LoadInputs {
        cwd: fx.ws(),
        env: env.clone(),
        cli: jig_config::CliOverrides::default(),
    })
    .unwrap();
    settings.telemetry.capture_content = Some(capture_content);
    let built = SessionBuilder::new(&settings, &env)
        .workspace(fx.ws())
        .client("scripted:test", model(script))
        .sandbox(SandboxMode::DangerFullAccess)
        .create()
        .unwrap();
    assert!(built.notes.is_empty(), "{:?}", built.notes);
    let mut handle = built.session.spawn();
    let (_, outcome) = run(&mut handle, &format!("say {MARKER} and use {KEY}")).await;
    assert_eq!(outcome, TurnOutcome::Completed);
    // The events end when the session has: its spans have ended with it.
    shut_down(handle).await;
    let telemetry = Telemetry::for_settings(&settings.telemetry).unwrap().unwrap();
    tokio::task::spawn_blocking(move || telemetry.flush())
        .await
        .unwrap()
        .unwrap();

    let mut spans = Vec::new();
    let mut bytes = Vec::new();
    for body in receiver.bodies("/v1/traces") {
        let request = ExportTraceServiceRequest::decode(body.as_slice()).unwrap();
        for resource in request.resource_spans {
            let resource_attrs = resource.resource.map(|r| r.attributes).unwrap_or_default();
            assert_eq!(string_attr(&resource_attrs, "service.name").as_deref(), Some("jig"));
            spans.extend(resource.scope_spans.into_iter().flat_map(|s| s.spans));
        }
        bytes.extend(body);
    }
    let mut metrics: HashMap<String, Vec<Vec<String>>> = HashMap::new();
    for body in receiver.bodies("/v1/metrics") {
        let request = ExportMetricsServiceRequest::decode(body.as_slice()).unwrap();
        for metric in request
            .resource_metrics
            .into_iter()
            .flat_map(|r| r.scope_metrics)
            .flat_map(|s| s.metrics)
        {
            use opentelemetry_proto::tonic::metrics::v1::metric::Data;
            let points: Vec<Vec<String>> = match &metric.data {
                Some(Data::Histogram(h)) => h.data_points.iter().map(|p| keys(&p.attributes)).collect(),
                Some(Data::Sum(s)) => s.data_points.iter().map(|p| keys(&p.attributes)).collect(),
                other => panic!("unexpected metric data for {}: {other:?}", metric.name),
            };
            metrics.entry(metric.name.clone()).or_default().extend(points);
        }
        bytes.extend(body);
    }
    Exported {
        spans,
        metrics,
        bytes,
        receiver,
    }
}

fn keys(attributes: &[KeyValue]) -> Vec<String> {
    attributes.iter().map(|kv| kv.key.clone()).collect()
}

fn string_attr(attributes: &[KeyValue], key: &str) -> Option<String> {
    attributes
        .iter()
        .find(|kv| kv.key == key)
        .and_then(|kv| match &kv.value {
            Some(AnyValue {
                value: Some(any_value::Value::StringValue(s)),
            }) => Some(s.clone()),
            _ => None,
        })
}

fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle.as_bytes())
}

fn span<'a>(spans: &'a [Span], name: &str) -> &'a Span {
    spans.iter().find(|s| s.name == name).unwrap_or_else(|| {
        panic!(
            "no span {name}: {:?}",
            spans.iter().map(|s| &s.name).collect::<Vec<_>>()
        )
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_session_exports_genai_spans_and_metrics_over_otlp_http_without_content_or_keys() {
    let exported = export(false).await;
    let spans = &exported.spans;

    let session = span(spans, "invoke_agent jig");
    let turn = span(spans, "turn");
    let shell = span(spans, "execute_tool shell");
    let missing = span(spans, "execute_tool no_such_tool");
    let chats: Vec<&Span> = spans.iter().filter(|s| s.name == "chat test").collect();
    assert_eq!(chats.len(), 2, "one chat span per model request");

    // One trace: session → turn → (chat, execute_tool).
    assert!(session.parent_span_id.is_empty());
    assert_eq!(turn.parent_span_id, session.span_id);
    for child in chats.iter().copied().chain([shell, missing]) {
        assert_eq!(child.parent_span_id, turn.span_id, "{}", child.name);
        assert_eq!(child.trace_id, session.trace_id, "{}", child.name);
    }

    // GenAI attribute names.
    let attr = |span: &Span, key: &str| string_attr(&span.attributes, key);
    assert_eq!(attr(session, "gen_ai.operation.name").as_deref(), Some("invoke_agent"));
    assert!(attr(session, "gen_ai.conversation.id").is_some());
    let chat = chats[0];
    assert_eq!(attr(chat, "gen_ai.operation.name").as_deref(), Some("chat"));
    assert_eq!(attr(chat, "gen_ai.provider.name").as_deref(), Some("scripted"));
    assert_eq!(attr(chat, "gen_ai.request.model").as_deref(), Some("test"));
    let chat_keys = keys(&chat.attributes);
    for key in ["gen_ai.usage.input_tokens", "gen_ai.usage.output_tokens"] {
        assert!(chat_keys.iter().any(|k| k == key), "{key} missing: {chat_keys:?}");
    }
    assert_eq!(attr(shell, "gen_ai.operation.name").as_deref(), Some("execute_tool"));
    assert_eq!(attr(shell, "gen_ai.tool.name").as_deref(), Some("shell"));
    assert!(attr(shell, "gen_ai.tool.call.id").is_some());
    assert_eq!(attr(missing, "error.type").as_deref(), Some("tool_error"));
    assert!(attr(shell, "error.type").is_none());

    // Metrics: tokens by type, request latency, tool errors.
    let tokens = &exported.metrics["gen_ai.client.token.usage"];
    assert!(
        tokens.iter().all(|p| p.iter().any(|k| k == "gen_ai.token.type")),
        "{tokens:?}"
    );
    assert!(exported.metrics.contains_key("gen_ai.client.operation.duration"));
    assert!(exported.metrics.contains_key("jig.tool.errors"));

    // No content and no key anywhere in what was exported; the header went
    // as a header, where it belongs.
    for secret in [MARKER, KEY, HEADER_SECRET] {
        assert!(!contains(&exported.bytes, secret), "{secret} was exported");
    }
    let authorized = exported.receiver.received().iter().all(|r| {
        r.headers
            .iter()
            .any(|(n, v)| n.eq_ignore_ascii_case("authorization") && v == &format!("Bearer {HEADER_SECRET}"))
    });
    assert!(authorized, "OTEL_EXPORTER_OTLP_HEADERS were not sent");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn content_is_exported_only_when_asked_for_and_then_redacted() {
    let exported = export(true).await;
    let shell = span(&exported.spans, "execute_tool shell");
    let result = string_attr(&shell.attributes, "gen_ai.tool.call.result").unwrap();
    assert!(result.contains(MARKER), "{result}");
    assert!(string_attr(&shell.attributes, "gen_ai.tool.call.arguments").is_some());
    let turn = span(&exported.spans, "turn");
    assert!(string_attr(&turn.attributes, "gen_ai.input.messages").is_some_and(|m| m.contains(MARKER)));
    assert!(contains(&exported.bytes, MARKER));
    assert!(!contains(&exported.bytes, KEY), "the key was exported");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sub_agent_is_traced_under_the_call_that_spawned_it() {
    let fx = Fixture::new();
    let child = fx.dir.path().join("child.toml");
    std::fs::write(&child, "[[response]]\ntext = \"checked\"\n").unwrap();
    let spec = serde_json::Value::String(format!("scripted:{}", child.display())).to_string();
    let script = format!(
        "[[response]]\n[[response.tool_calls]]\nname = \"spawn_agent\"\narguments = {{ message = \"check\", model = {spec} }}\n\
         [[response]]\n[[response.tool_calls]]\nname = \"wait_agents\"\narguments = {{}}\n\
         [[response]]\ntext = \"done\"\n"
    );
    let exported = export_script(&fx, &script, false).await;
    let spans = &exported.spans;
    let agents: Vec<&Span> = spans.iter().filter(|s| s.name == "invoke_agent jig").collect();
    assert_eq!(agents.len(), 2, "the parent's and the child's");
    let (parent, child) = match agents[0].parent_span_id.is_empty() {
        true => (agents[0], agents[1]),
        false => (agents[1], agents[0]),
    };
    let spawn = span(spans, "execute_tool spawn_agent");
    assert_eq!(child.trace_id, parent.trace_id, "one trace for the tree");
    assert_eq!(child.parent_span_id, spawn.span_id, "under the spawning call");
    let child_turn = spans
        .iter()
        .find(|s| s.name == "turn" && s.parent_span_id == child.span_id)
        .expect("the child's turn under the child");
    assert_eq!(child_turn.trace_id, parent.trace_id);
}
