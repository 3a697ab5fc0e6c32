//! Streaming HTTP transport with retries, shared by every provider.
//!
//! [`stream_sse`] POSTs a JSON body, parses the reply as server-sent events
//! and feeds them to a fresh [`SseDecoder`] per attempt. It knows nothing of
//! any wire format. Failures that a second try may fix (429, 5xx, a refused
//! or reset connection, no response headers in time, a stream that is cut,
//! idle, mangled or inconsistent) are retried with exponential backoff;
//! failures that would only repeat (400, 401, 403, 404, 422, an error the
//! provider reports inside the stream) end the stream at once with a
//! [`ModelError`] that says what to do.
//!
//! Two clocks guard a request: [`RetryPolicy::headers_timeout`] (time from
//! sending the request to the response headers; a server that accepts the
//! connection and never answers) and [`RetryPolicy::idle_timeout`] (the
//! longest silence between two pieces of a stream once it began; a long
//! response that keeps streaming is never cut). Either running out is a
//! retryable fault.
//!
//! An event the decoder cannot decode is skipped, not fatal: it is logged,
//! reported as [`ResponseEvent::Skipped`], and the decoder decides at the
//! end whether the response is still consistent (see [`crate::wire`]). More
//! than [`MAX_SKIPPED_EVENTS`] in one attempt means the stream itself is
//! mangled, and the attempt is retried.
//!
//! Invariant: [`ResponseEvent::Retrying`] is emitted *before* the backoff
//! sleep and before any event of the next attempt, so a consumer that
//! discards partial output on `Retrying` never mixes two attempts. Nothing
//! here spawns a task: the request runs inside the returned stream, so
//! dropping the stream cancels it.

use std::hash::BuildHasher;
use std::ops::ControlFlow;
use std::time::{Duration, SystemTime};

use futures::channel::mpsc;
use futures::{SinkExt, StreamExt};
use reqwest::StatusCode;
use reqwest::header::{CONTENT_TYPE, HeaderMap};

use crate::sse::{SseError, SseParser};
use crate::wire::{DecodeError, SseDecoder};
use crate::{ModelError, ResponseEvent, ResponseStream};

/// Where to send a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoint {
    /// Provider name used in error messages, e.g. `openai`.
    pub provider: String,
    /// Full URL to POST to.
    pub url: String,
    /// Extra request headers (authorization, API version).
    pub headers: Vec<(String, String)>,
}

/// How the backoff delay is spread.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Jitter {
    /// Wait a random time between half and all of the exponential delay, so
    /// many clients hit by the same outage do not retry in lockstep.
    #[default]
    Equal,
    /// Wait exactly the exponential delay (deterministic; for tests).
    None,
}

/// Default [`RetryPolicy::headers_timeout`]: a healthy API answers with
/// headers within seconds, even before the model produces its first token.
pub const DEFAULT_HEADERS_TIMEOUT: Duration = Duration::from_secs(30);

/// Default [`RetryPolicy::idle_timeout`]: reasoning models may think for a
/// long time between two events, though providers send keep-alives.
pub const DEFAULT_IDLE_TIMEOUT: Duration = Duration::from_secs(60);

/// Most undecodable events skipped in one attempt; one more and the attempt
/// is retried as mangled.
pub const MAX_SKIPPED_EVENTS: usize = 3;

/// When and how long to retry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Retries after the first attempt.
    pub max_retries: u32,
    /// Delay before the first retry; doubles each retry.
    pub base_delay: Duration,
    /// Longest delay, also the cap on a server's `Retry-After`.
    pub max_delay: Duration,
    /// Longest wait for the response headers after sending the request.
    pub headers_timeout: Duration,
    /// Longest wait for the next bytes of a stream once it began.
    pub idle_timeout: Duration,
    /// Longest wait to open a connection.
    pub connect_timeout: Duration,
    /// How the backoff delay is spread.
    pub jitter: Jitter,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_retries: 5,
            base_delay: Duration::from_millis(500),
            max_delay: Duration::from_secs(30),
            headers_timeout: DEFAULT_HEADERS_TIMEOUT,
            idle_timeout: DEFAULT_IDLE_TIMEOUT,
            connect_timeout: Duration::from_secs(10),
            jitter: Jitter::Equal,
        }
    }
}

impl RetryPolicy {
    /// The wait before retry number `retry` (1-based). A delay the server
    /// asked for wins over backoff, capped at `max_delay`.
    pub fn delay(&self, retry: u32, server_asked: Option<Duration>) -> Duration {
        if let Some(wait) = server_asked {
            return wait.min(self.max_delay);
        }
        let factor = 2u32.saturating_pow(retry.saturating_sub(1));
        let backoff = self.base_delay.saturating_mul(factor).min(self.max_delay);
        match self.jitter {
            Jitter::None => backoff,
            Jitter::Equal => {
                let half = backoff / 2;
                let span = u64::try_from(half.as_nanos()).unwrap_or(u64::MAX);
                // RandomState is seeded randomly per process and per
                // instance: enough spread for jitter without a rand crate.
                let random = std::collections::hash_map::RandomState::new().hash_one(retry);
                half + Duration::from_nanos(random % span.saturating_add(1))
            }
        }
    }
}

/// The HTTP client every provider uses: built once per process for each
/// connect timeout and shared (a clone shares the connection pool and the
/// root certificates), so sessions side by side neither rebuild it nor read
/// the certificates again. A connection whose runtime has gone (a test's)
/// is seen closed by the pool and dropped, never reused.
pub fn client(policy: &RetryPolicy) -> Result<reqwest::Client, ModelError> {
    static CLIENTS: std::sync::Mutex<Vec<(Duration, reqwest::Client)>> = std::sync::Mutex::new(Vec::new());
    let mut clients = CLIENTS.lock().unwrap_or_else(|e| e.into_inner());
    if let Some((_, client)) = clients.iter().find(|(timeout, _)| *timeout == policy.connect_timeout) {
        return Ok(client.clone());
    }
    let client = reqwest::Client::builder()
        .connect_timeout(policy.connect_timeout)
        .build()
        .map_err(|err| ModelError::Transport {
            provider: "http".into(),
            message: format!("cannot build the HTTP client: {}", error_chain(&err)),
            hint: "check the system's TLS certificates".into(),
        })?;
    clients.push((policy.connect_timeout, client.clone()));
    Ok(client)
}

type Sender = mpsc::Sender<Result<ResponseEvent, ModelError>>;

/// POSTs `body` to `endpoint` and streams the events `decoder` makes of the
/// reply, retrying per `policy`. `decoder` is called once per attempt.
pub fn stream_sse(
    client: reqwest::Client,
    endpoint: Endpoint,
    body: serde_json::Value,
    policy: RetryPolicy,
    decoder: impl Fn() -> Box<dyn SseDecoder> + Send + Sync + 'static,
) -> ResponseStream {
    let (tx, rx) = mpsc::channel(32);
    let driver = async move {
        let call = Call {
            client,
            endpoint,
            body,
            policy,
        };
        call.run(tx, &decoder).await;
    };
    // The driver yields no items; polling it alongside the receiver runs the
    // request lazily in the consumer's task, and the receiver ends once the
    // driver drops its sender.
    let driver = futures::stream::once(driver).filter_map(|()| async { None });
    Box::pin(futures::stream::select(rx, driver))
}

/// What went wrong in one attempt.
enum Failure {
    /// Worth another try.
    Retry {
        reason: String,
        server_asked: Option<Duration>,
        error: ModelError,
    },
    /// Would only repeat.
    Fatal(ModelError),
    /// The consumer dropped the stream.
    Closed,
}

struct Call {
    client: reqwest::Client,
    endpoint: Endpoint,
    body: serde_json::Value,
    policy: RetryPolicy,
}

impl Call {
    async fn run(&self, mut tx: Sender, decoder: &(dyn Fn() -> Box<dyn SseDecoder> + Send + Sync)) {
        let mut retries = 0;
        loop {
            let failure = match self.attempt(&mut tx, decoder()).await {
                Ok(()) => return,
                Err(failure) => failure,
            };
            let (reason, server_asked, error) = match failure {
                Failure::Closed => return,
                Failure::Fatal(error) => {
                    let _ = tx.send(Err(error)).await;
                    return;
                }
                Failure::Retry {
                    reason,
                    server_asked,
                    error,
                } => (reason, server_asked, error),
            };
            if retries >= self.policy.max_retries {
                let _ = tx.send(Err(gave_up(error, retries))).await;
                return;
            }
            retries += 1;
            let delay = self.policy.delay(retries, server_asked);
            let retrying = ResponseEvent::Retrying {
                attempt: retries,
                max_attempts: self.policy.max_retries,
                delay_ms: u64::try_from(delay.as_millis()).unwrap_or(u64::MAX),
                reason,
            };
            if tx.send(Ok(retrying)).await.is_err() {
                return;
            }
            tokio::time::sleep(delay).await;
        }
    }

    async fn attempt(&self, tx: &mut Sender, mut decoder: Box<dyn SseDecoder>) -> Result<(), Failure> {
        let response = self.send().await?;
        let idle = self.policy.idle_timeout;
        let mut chunks = response.bytes_stream();
        let mut parser = SseParser::default();
        let mut skipped = 0;
        let mut decoded = Vec::new();
        loop {
            let ended = match tokio::time::timeout(idle, chunks.next()).await {
                Err(_) => return Err(self.idle_failure()),
                Ok(None) => {
                    decoded.extend(decoder.finish().map_err(|err| self.decode_failure(err))?);
                    true
                }
                Ok(Some(Ok(chunk))) => {
                    let flow = parser
                        .feed(&chunk, |name, data| {
                            self.decode(decoder.as_mut(), &mut skipped, name, data, &mut decoded)
                        })
                        .map_err(|err| self.parse_failure(&err))?;
                    if let ControlFlow::Break(Err(failure)) = flow {
                        return Err(failure);
                    }
                    false
                }
                Ok(Some(Err(err))) => return Err(self.transport_failure(&err)),
            };
            let mut completed = false;
            for event in decoded.drain(..) {
                completed |= matches!(event, ResponseEvent::Completed { .. });
                if tx.send(Ok(event)).await.is_err() {
                    return Err(Failure::Closed);
                }
            }
            if completed || ended {
                return Ok(());
            }
        }
    }

    /// Decodes one SSE event into `out`. Breaks once the response is
    /// complete (nothing after it is read) or on a failure.
    fn decode(
        &self,
        decoder: &mut dyn SseDecoder,
        skipped: &mut usize,
        name: &str,
        data: &str,
        out: &mut Vec<ResponseEvent>,
    ) -> ControlFlow<Result<(), Failure>> {
        let decoded = match decoder.event(name, data) {
            Err(DecodeError::Malformed { event, reason }) if *skipped < MAX_SKIPPED_EVENTS => {
                *skipped += 1;
                self.skip(decoder, event, reason)
            }
            Err(err) => return ControlFlow::Break(Err(self.decode_failure(err))),
            Ok(decoded) => decoded,
        };
        let completed = decoded.iter().any(|e| matches!(e, ResponseEvent::Completed { .. }));
        out.extend(decoded);
        if completed {
            ControlFlow::Break(Ok(()))
        } else {
            ControlFlow::Continue(())
        }
    }

    /// Drops an undecodable event: logs it, lets the decoder note it, and
    /// returns the event that tells the consumer.
    fn skip(&self, decoder: &mut dyn SseDecoder, event: String, reason: String) -> Vec<ResponseEvent> {
        tracing::warn!(
            provider = %self.endpoint.provider,
            event = %event,
            reason = %reason,
            "skipped an undecodable stream event"
        );
        decoder.skipped(&event);
        vec![ResponseEvent::Skipped { event, reason }]
    }

    /// Sends the request and returns the response once its headers say 2xx.
    async fn send(&self) -> Result<reqwest::Response, Failure> {
        let mut request = self
            .client
            .post(&self.endpoint.url)
            .header(CONTENT_TYPE, "application/json")
            .header("accept", "text/event-stream")
            .body(self.body.to_string());
        for (name, value) in &self.endpoint.headers {
            request = request.header(name, value);
        }
        let wait = self.policy.headers_timeout;
        let response = match tokio::time::timeout(wait, request.send()).await {
            Err(_) => {
                let message = format!("no response headers within {}", seconds(wait));
                let hint = "the server may be overloaded; try again later or raise the provider's headers_timeout_secs";
                return Err(self.transport_retry(message, hint));
            }
            Ok(Err(err)) => return Err(self.send_failure(&err)),
            Ok(Ok(response)) => response,
        };
        let status = response.status();
        if status.is_success() {
            return Ok(response);
        }
        let server_asked = retry_after(response.headers());
        let text = match tokio::time::timeout(self.policy.idle_timeout, response.bytes()).await {
            Ok(Ok(bytes)) => String::from_utf8_lossy(&bytes).into_owned(),
            _ => String::new(),
        };
        let error = ModelError::Http {
            provider: self.endpoint.provider.clone(),
            status: status.as_u16(),
            message: error_message(&text, status),
            hint: status_hint(&self.endpoint.provider, status),
        };
        if retryable(status) {
            let mut reason = status_line(status);
            if let Some(wait) = server_asked {
                reason.push_str(&format!(" (server asked to wait {})", seconds(wait)));
            }
            Err(Failure::Retry {
                reason,
                server_asked,
                error,
            })
        } else {
            Err(Failure::Fatal(error))
        }
    }

    fn send_failure(&self, err: &reqwest::Error) -> Failure {
        let message = error_chain(err);
        if err.is_builder() {
            return Failure::Fatal(ModelError::Transport {
                provider: self.endpoint.provider.clone(),
                message,
                hint: "check the base URL".into(),
            });
        }
        let hint = if err.is_connect() {
            "check the base URL and that the server is running"
        } else {
            "check the network and that the server is running"
        };
        self.transport_retry(message, hint)
    }

    fn transport_retry(&self, message: String, hint: &str) -> Failure {
        Failure::Retry {
            reason: message.clone(),
            server_asked: None,
            error: ModelError::Transport {
                provider: self.endpoint.provider.clone(),
                message,
                hint: hint.into(),
            },
        }
    }

    fn stream_retry(&self, message: String, hint: &str) -> Failure {
        Failure::Retry {
            reason: message.clone(),
            server_asked: None,
            error: self.stream_error(message, hint),
        }
    }

    fn stream_error(&self, message: String, hint: &str) -> ModelError {
        ModelError::Stream {
            provider: self.endpoint.provider.clone(),
            message,
            hint: hint.into(),
        }
    }

    fn idle_failure(&self) -> Failure {
        let message = format!("no data for {}", seconds(self.policy.idle_timeout));
        self.stream_retry(
            message,
            "the server stalled; try again later or raise the provider's idle_timeout_secs",
        )
    }

    fn transport_failure(&self, err: &reqwest::Error) -> Failure {
        let message = format!("the connection broke mid-stream: {}", error_chain(err));
        self.stream_retry(message, "check the network and try again")
    }

    fn parse_failure(&self, err: &SseError) -> Failure {
        self.stream_retry(format!("the stream is not valid SSE: {err}"), MANGLED)
    }

    fn decode_failure(&self, err: DecodeError) -> Failure {
        match err {
            DecodeError::Malformed { .. } | DecodeError::Inconsistent(_) => self.stream_retry(err.to_string(), MANGLED),
            DecodeError::Incomplete => self.stream_retry(err.to_string(), "check the network and try again"),
            DecodeError::Provider(_) => Failure::Fatal(self.stream_error(
                err.to_string(),
                "check the model name and the request, or try again later",
            )),
        }
    }
}

const MANGLED: &str = "the server or a proxy mangled the stream; try again";

/// Adds "gave up after N retries" to the hint of the last failure.
fn gave_up(error: ModelError, retries: u32) -> ModelError {
    if retries == 0 {
        return error;
    }
    let prefix = |hint: String| format!("gave up after {retries} retries; {hint}");
    match error {
        ModelError::Http {
            provider,
            status,
            message,
            hint,
        } => ModelError::Http {
            provider,
            status,
            message,
            hint: prefix(hint),
        },
        ModelError::Transport {
            provider,
            message,
            hint,
        } => ModelError::Transport {
            provider,
            message,
            hint: prefix(hint),
        },
        ModelError::Stream {
            provider,
            message,
            hint,
        } => ModelError::Stream {
            provider,
            message,
            hint: prefix(hint),
        },
        other @ (ModelError::Load { .. }
        | ModelError::ScriptMismatch(_)
        | ModelError::Exhausted(_)
        | ModelError::BadSpec(_)) => other,
    }
}

/// Statuses a second try may fix.
fn retryable(status: StatusCode) -> bool {
    matches!(status.as_u16(), 408 | 409 | 429 | 500 | 502 | 503 | 504 | 529)
}

fn status_line(status: StatusCode) -> String {
    match status.canonical_reason() {
        Some(reason) => format!("{} {reason}", status.as_u16()),
        None => status.as_u16().to_string(),
    }
}

fn status_hint(provider: &str, status: StatusCode) -> String {
    let key = match provider {
        "openai" => "OPENAI_API_KEY".to_string(),
        "anthropic" => "ANTHROPIC_API_KEY".to_string(),
        other => format!("the API key for {other}"),
    };
    match status.as_u16() {
        401 => format!("check {key}"),
        403 => format!("check that {key} has access to this model"),
        404 => "check the base URL and the model name".into(),
        400 | 422 => "the server rejected the request; check the model name and settings".into(),
        429 | 529 => "the server is overloaded or rate-limited; try again later or raise the retry budget".into(),
        500..=599 => "the server is overloaded; try again later or raise the retry budget".into(),
        _ => "check the base URL and the provider's status".into(),
    }
}

/// The server's own error message: `{"error":{"message":..}}`,
/// `{"error":".."}` or `{"message":..}`, else a snippet of the body.
fn error_message(body: &str, status: StatusCode) -> String {
    if let Ok(json) = serde_json::from_str::<serde_json::Value>(body) {
        let found = json
            .pointer("/error/message")
            .or_else(|| json.get("error"))
            .or_else(|| json.get("message"))
            .and_then(serde_json::Value::as_str);
        if let Some(message) = found {
            return message.to_string();
        }
    }
    let body = body.trim();
    if body.is_empty() {
        return status_line(status);
    }
    match body.char_indices().nth(200) {
        Some((cut, _)) => format!("{}…", &body[..cut]),
        None => body.to_string(),
    }
}

/// The wait a server asked for: `retry-after-ms` (OpenAI), or `Retry-After`
/// in seconds or as an HTTP date.
fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let text = |name: &str| headers.get(name).and_then(|value| value.to_str().ok()).map(str::trim);
    if let Some(ms) = text("retry-after-ms").and_then(|ms| ms.parse::<f64>().ok()) {
        return Duration::try_from_secs_f64(ms / 1000.0).ok();
    }
    let value = text("retry-after")?;
    if let Ok(secs) = value.parse::<f64>() {
        return Duration::try_from_secs_f64(secs).ok();
    }
    let when = httpdate::parse_http_date(value).ok()?;
    Some(when.duration_since(SystemTime::now()).unwrap_or(Duration::ZERO))
}

/// An error and its causes, joined: reqwest's top-level text alone rarely
/// says why.
fn error_chain(err: &dyn std::error::Error) -> String {
    let mut text = err.to_string();
    let mut source = err.source();
    while let Some(cause) = source {
        let cause_text = cause.to_string();
        if !text.contains(&cause_text) {
            text.push_str(": ");
            text.push_str(&cause_text);
        }
        source = cause.source();
    }
    text
}

fn seconds(duration: Duration) -> String {
    format!("{:.3}s", duration.as_secs_f64()).replace(".000s", "s")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_and_caps() {
        let policy = RetryPolicy {
            base_delay: Duration::from_millis(100),
            max_delay: Duration::from_millis(350),
            jitter: Jitter::None,
            ..RetryPolicy::default()
        };
        let delays: Vec<_> = (1..=4).map(|retry| policy.delay(retry, None).as_millis()).collect();
        assert_eq!(delays, [100, 200, 350, 350]);
        assert_eq!(policy.delay(1, Some(Duration::from_secs(9))).as_millis(), 350);
    }

    #[test]
    fn jitter_stays_between_half_and_full() {
        let policy = RetryPolicy::default();
        for retry in 1..=6 {
            let full = RetryPolicy {
                jitter: Jitter::None,
                ..policy.clone()
            }
            .delay(retry, None);
            let jittered = policy.delay(retry, None);
            assert!(jittered >= full / 2 && jittered <= full, "{jittered:?} vs {full:?}");
        }
    }

    #[test]
    fn server_messages_are_found() {
        let status = StatusCode::UNAUTHORIZED;
        assert_eq!(error_message(r#"{"error":{"message":"bad key"}}"#, status), "bad key");
        assert_eq!(
            error_message(r#"{"error":"model not found"}"#, status),
            "model not found"
        );
        assert_eq!(error_message("", status), "401 Unauthorized");
        assert_eq!(error_message(&"x".repeat(300), status).chars().count(), 201);
    }

    #[test]
    fn retry_after_forms() {
        let mut headers = HeaderMap::new();
        headers.insert("retry-after", "2".parse().unwrap_or_else(|_| unreachable!()));
        assert_eq!(retry_after(&headers), Some(Duration::from_secs(2)));
        headers.insert("retry-after-ms", "15".parse().unwrap_or_else(|_| unreachable!()));
        assert_eq!(retry_after(&headers), Some(Duration::from_millis(15)));
        let mut dated = HeaderMap::new();
        dated.insert(
            "retry-after",
            "Wed, 21 Oct 2015 07:28:00 GMT"
                .parse()
                .unwrap_or_else(|_| unreachable!()),
        );
        assert_eq!(retry_after(&dated), Some(Duration::ZERO));
    }
}
