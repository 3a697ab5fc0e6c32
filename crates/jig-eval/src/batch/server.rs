//! The broker's HTTP side: the vendor's live streaming endpoint, per
//! rollout, on 127.0.0.1 (hyper, as `jig mcp serve --http` uses it).
//!
//! `POST /r/TOKEN/v1/responses` (OpenAI) or `POST /r/TOKEN/v1/messages`
//! (Anthropic). The response is a 200 `text/event-stream` at once: an SSE
//! comment first (so the agent's time-to-headers clock stops), another every
//! [`KEEPALIVE`] while the request is held (so its idle clock does not run
//! out while a batch runs), then the whole answer's events, or an `error`
//! event, or a cut connection for a failure a retry may fix.

use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use futures::SinkExt;
use http_body_util::combinators::UnsyncBoxBody;
use http_body_util::{BodyExt, Full, StreamBody};
use hyper::body::{Frame, Incoming};
use hyper::header::{CACHE_CONTROL, CONTENT_TYPE, HeaderValue};
use hyper::{Method, Request, Response, StatusCode};
use serde_json::{Value, json};
use tokio::sync::oneshot;

use super::step::{Reply, Shared};
use super::{Vendor, sse};

/// How often a held request's stream gets a comment.
const KEEPALIVE: Duration = Duration::from_secs(15);

/// Headers passed upstream as the agent sent them.
const FORWARDED: &[&str] = &[
    "authorization",
    "x-api-key",
    "anthropic-version",
    "anthropic-beta",
    "openai-organization",
    "openai-project",
];

type Body = UnsyncBoxBody<Bytes, std::io::Error>;

/// Serves `listener` until the task is aborted.
pub(crate) async fn serve(listener: tokio::net::TcpListener, shared: Arc<Shared>) {
    loop {
        let Ok((stream, _)) = listener.accept().await else {
            continue;
        };
        let shared = Arc::clone(&shared);
        tokio::spawn(async move {
            let service = hyper::service::service_fn(move |request| handle(Arc::clone(&shared), request));
            let _ = hyper::server::conn::http1::Builder::new()
                .serve_connection(hyper_util::rt::TokioIo::new(stream), service)
                .await;
        });
    }
}

async fn handle(shared: Arc<Shared>, request: Request<Incoming>) -> Result<Response<Body>, Infallible> {
    let vendor = shared.options.vendor;
    let live_path = match vendor {
        Vendor::OpenAi => "/v1/responses",
        Vendor::Anthropic => "/v1/messages",
    };
    let token = request
        .uri()
        .path()
        .strip_prefix("/r/")
        .and_then(|rest| rest.split_once('/'))
        .filter(|(_, path)| format!("/{path}") == live_path)
        .map(|(token, _)| token.to_owned());
    let Some(token) = token.filter(|_| request.method() == Method::POST) else {
        let message = format!("the batch broker serves POST /r/ROLLOUT{live_path} only");
        return Ok(refusal(vendor, StatusCode::NOT_FOUND, &message));
    };
    let headers: Vec<(String, String)> = FORWARDED
        .iter()
        .filter_map(|name| {
            let value = request.headers().get(*name)?.to_str().ok()?;
            Some(((*name).to_owned(), value.to_owned()))
        })
        .collect();
    let bytes = match request.into_body().collect().await {
        Ok(collected) => collected.to_bytes(),
        Err(e) => {
            let message = format!("cannot read the request body: {e}");
            return Ok(refusal(vendor, StatusCode::BAD_REQUEST, &message));
        }
    };
    let body: Value = match serde_json::from_slice(&bytes) {
        Ok(body @ Value::Object(_)) => body,
        _ => {
            return Ok(refusal(
                vendor,
                StatusCode::BAD_REQUEST,
                "the body is not a JSON object",
            ));
        }
    };
    match shared.request(&token, body, headers) {
        Ok(reply) => Ok(held_stream(vendor, reply)),
        Err(refused) => Ok(refusal(vendor, StatusCode::NOT_FOUND, &refused.to_string())),
    }
}

/// The 200 event stream of a held request.
fn held_stream(vendor: Vendor, reply: oneshot::Receiver<Reply>) -> Response<Body> {
    let (mut tx, rx) = futures::channel::mpsc::channel::<Result<Frame<Bytes>, std::io::Error>>(4);
    tokio::spawn(async move {
        let comment = |text: &'static str| Ok(Frame::data(Bytes::from_static(text.as_bytes())));
        if tx.send(comment(": held for a batch\n\n")).await.is_err() {
            return;
        }
        let mut reply = reply;
        let mut ticks = tokio::time::interval_at(tokio::time::Instant::now() + KEEPALIVE, KEEPALIVE);
        let last = loop {
            tokio::select! {
                answer = &mut reply => break answer,
                _ = ticks.tick() => {
                    if tx.send(comment(": still held\n\n")).await.is_err() {
                        // The agent hung up; dropping `reply` tells the step.
                        return;
                    }
                }
            }
        };
        let frame = match last {
            Ok(Reply::Body(body)) => Ok(Frame::data(Bytes::from(sse::stream(vendor, &body)))),
            Ok(Reply::Error(message)) => Ok(Frame::data(Bytes::from(sse::error(vendor, &message)))),
            Ok(Reply::Cut) | Err(_) => Err(std::io::Error::other("the answer is not available; ask again")),
        };
        let _ = tx.send(frame).await;
    });
    let mut response = Response::new(StreamBody::new(rx).boxed_unsync());
    let headers = response.headers_mut();
    headers.insert(CONTENT_TYPE, HeaderValue::from_static("text/event-stream"));
    headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    response
}

/// An error status with the vendor's error body.
fn refusal(vendor: Vendor, status: StatusCode, message: &str) -> Response<Body> {
    let body = match vendor {
        Vendor::OpenAi => json!({"error": {"message": message, "type": "invalid_request_error"}}),
        Vendor::Anthropic => json!({"type": "error", "error": {"type": "not_found_error", "message": message}}),
    };
    let body = Full::new(Bytes::from(body.to_string()))
        .map_err(|never: Infallible| match never {})
        .boxed_unsync();
    let mut response = Response::new(body);
    *response.status_mut() = status;
    response
        .headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    response
}
