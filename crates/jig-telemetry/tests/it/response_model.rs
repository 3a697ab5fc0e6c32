//! `gen_ai.response.model`: a Chat Completions stream from a fake server on
//! 127.0.0.1 (the real wire format, `jig-testkit`) names its model in every
//! chunk; the request's `chat` span, exported to a real OTLP/HTTP receiver
//! and decoded, carries that name beside the requested one.

use std::sync::Arc;

use futures::StreamExt;
use jig_model::chat::ChatClient;
use jig_model::http::RetryPolicy;
use jig_model::{ModelClient, ModelRequest};
use jig_protocol::Item;
use jig_telemetry::receiver::Receiver;
use jig_telemetry::{Telemetry, TracedModel};
use jig_testkit::streams::chat;
use jig_testkit::{End, FakeServer, Reply};
use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use opentelemetry_proto::tonic::common::v1::any_value;
use prost::Message;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_model_the_server_names_is_the_chat_spans_response_model() {
    let receiver = Receiver::start().unwrap();
    let settings = jig_config::TelemetrySettings {
        otlp_endpoint: Some(receiver.endpoint()),
        ..Default::default()
    };
    let telemetry = Telemetry::for_settings(&settings).unwrap().unwrap();
    let server = FakeServer::start(vec![Reply::sse(&chat::text(&["Hel", "lo"]), End::Clean)]).await;
    let client = ChatClient::new(server.base_url(), "alias", None, RetryPolicy::default()).unwrap();
    let session = telemetry.session("s-1", "chat:alias");
    let traced = TracedModel::new(Arc::new(client), &session);
    let items = vec![Item::user("hi")];
    let request = ModelRequest {
        session_id: "s-1",
        instructions: "be brief",
        items: &items,
        tools: &[],
        output_schema: None,
    };
    let mut stream = traced.stream(&request).await.unwrap();
    while let Some(event) = stream.next().await {
        event.unwrap();
    }
    drop((stream, traced, session));
    tokio::task::spawn_blocking(move || telemetry.flush())
        .await
        .unwrap()
        .unwrap();

    let spans: Vec<_> = receiver
        .bodies("/v1/traces")
        .into_iter()
        .flat_map(|body| {
            ExportTraceServiceRequest::decode(body.as_slice())
                .unwrap()
                .resource_spans
        })
        .flat_map(|r| r.scope_spans)
        .flat_map(|s| s.spans)
        .collect();
    let chat = spans.iter().find(|s| s.name == "chat alias").expect("a chat span");
    let attr = |key: &str| {
        chat.attributes
            .iter()
            .find(|kv| kv.key == key)
            .and_then(|kv| match &kv.value {
                Some(v) => match &v.value {
                    Some(any_value::Value::StringValue(s)) => Some(s.clone()),
                    _ => None,
                },
                None => None,
            })
    };
    assert_eq!(attr("gen_ai.request.model").as_deref(), Some("alias"));
    // jig-testkit's chunks name the model `m`, as a server names the model it ran.
    assert_eq!(attr("gen_ai.response.model").as_deref(), Some("m"));
}
