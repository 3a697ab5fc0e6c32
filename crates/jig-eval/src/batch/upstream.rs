//! The vendors' batch and live endpoints, as the broker uses them.
//!
//! OpenAI: `POST {base}/files` (multipart, `purpose=batch`, one JSONL line
//! per request: `custom_id`, `method`, `url: /v1/responses`, `body`), `POST
//! {base}/batches` (`input_file_id`, `endpoint: /v1/responses`,
//! `completion_window: 24h`), `GET {base}/batches/ID` until `status` is
//! `completed`, `expired`, `failed` or `cancelled`, then `GET
//! {base}/files/ID/content` of its `output_file_id` and `error_file_id`.
//! Anthropic: `POST {base}/v1/messages/batches` (`requests: [{custom_id,
//! params}]`), `GET {base}/v1/messages/batches/ID` until `processing_status`
//! is `ended`, then the JSONL at its `results_url`.
//!
//! Invariant: results are keyed by `custom_id`, whatever order the lines come
//! in; a request with no line in any result file failed.

use std::collections::HashMap;
use std::time::Duration;

use serde_json::{Value, json};

use super::Vendor;

/// How one request of a batch ended.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Outcome {
    /// The response body.
    Succeeded(Value),
    /// Errored, expired, cancelled or missing: why.
    Failed(String),
}

/// Where a polled batch is.
#[derive(Debug)]
pub(crate) enum Poll {
    /// Still running.
    Running,
    /// Ended: each request's outcome, and the batch's final status.
    Ended {
        status: String,
        outcomes: HashMap<String, Outcome>,
    },
}

/// A failed call to the vendor.
#[derive(Debug, thiserror::Error)]
pub(crate) enum UpstreamError {
    /// The request did not get an answer.
    #[error("{what}: {source}")]
    Transport { what: &'static str, source: reqwest::Error },
    /// The vendor answered with an error status.
    #[error("{what}: HTTP {status}: {body}")]
    Status {
        what: &'static str,
        status: u16,
        body: String,
    },
    /// The answer was not what the API documents.
    #[error("{what}: unexpected answer: {reason}")]
    Shape { what: &'static str, reason: String },
}

impl UpstreamError {
    /// Whether asking again may succeed (a connection fault, 408, 409, 429, 5xx).
    pub(crate) fn retryable(&self) -> bool {
        match self {
            UpstreamError::Transport { .. } => true,
            UpstreamError::Status { status, .. } => matches!(status, 408 | 409 | 429 | 500..=599),
            UpstreamError::Shape { .. } => false,
        }
    }
}

/// The vendor's endpoints for one run.
#[derive(Debug, Clone)]
pub(crate) struct Upstream {
    pub vendor: Vendor,
    /// OpenAI's base with `/v1`; Anthropic's without.
    base: String,
    http: reqwest::Client,
}

/// Longest a live request may take.
const LIVE_TIMEOUT: Duration = Duration::from_secs(900);
/// Longest a batch API call (create, poll, download) may take.
const CALL_TIMEOUT: Duration = Duration::from_secs(300);

impl Upstream {
    pub(crate) fn new(vendor: Vendor, base: &str, http: reqwest::Client) -> Self {
        let base = base.trim_end_matches('/');
        let base = match vendor {
            Vendor::OpenAi => base.to_owned(),
            Vendor::Anthropic => base.strip_suffix("/v1").unwrap_or(base).to_owned(),
        };
        Upstream { vendor, base, http }
    }

    fn url(&self, path: &str) -> String {
        match self.vendor {
            Vendor::OpenAi => format!("{}/{path}", self.base),
            Vendor::Anthropic => format!("{}/v1/{path}", self.base),
        }
    }

    fn request(&self, method: reqwest::Method, url: &str, headers: &[(String, String)]) -> reqwest::RequestBuilder {
        let mut builder = self.http.request(method, url).timeout(CALL_TIMEOUT);
        for (name, value) in headers {
            builder = builder.header(name, value);
        }
        builder
    }

    /// Submits `requests` (`custom_id`, body without `stream`) as one batch;
    /// returns the batch's id.
    pub(crate) async fn submit(
        &self,
        headers: &[(String, String)],
        requests: &[(String, Value)],
    ) -> Result<String, UpstreamError> {
        match self.vendor {
            Vendor::OpenAi => {
                let mut jsonl = String::new();
                for (custom_id, body) in requests {
                    let line = json!({"custom_id": custom_id, "method": "POST", "url": "/v1/responses", "body": body});
                    jsonl.push_str(&line.to_string());
                    jsonl.push('\n');
                }
                let (content_type, form) = multipart(&jsonl);
                let upload = self
                    .request(reqwest::Method::POST, &self.url("files"), headers)
                    .header("content-type", content_type)
                    .body(form);
                let file = send_json(upload, "upload the batch input file").await?;
                let file_id = string_field(&file, "id", "upload the batch input file")?;
                let create = self.request(reqwest::Method::POST, &self.url("batches"), headers);
                let create = with_json(
                    create,
                    &json!({
                        "input_file_id": file_id,
                        "endpoint": "/v1/responses",
                        "completion_window": "24h",
                    }),
                );
                let batch = send_json(create, "create the batch").await?;
                string_field(&batch, "id", "create the batch")
            }
            Vendor::Anthropic => {
                let requests: Vec<Value> = requests
                    .iter()
                    .map(|(custom_id, body)| json!({"custom_id": custom_id, "params": body}))
                    .collect();
                let create = self.request(reqwest::Method::POST, &self.url("messages/batches"), headers);
                let create = with_json(create, &json!({ "requests": requests }));
                let batch = send_json(create, "create the message batch").await?;
                string_field(&batch, "id", "create the message batch")
            }
        }
    }

    /// Polls batch `id` once; when it ended, reads every result.
    pub(crate) async fn poll(&self, headers: &[(String, String)], id: &str) -> Result<Poll, UpstreamError> {
        match self.vendor {
            Vendor::OpenAi => {
                let get = self.request(reqwest::Method::GET, &self.url(&format!("batches/{id}")), headers);
                let batch = send_json(get, "poll the batch").await?;
                let status = string_field(&batch, "status", "poll the batch")?;
                if !matches!(status.as_str(), "completed" | "expired" | "failed" | "cancelled") {
                    return Ok(Poll::Running);
                }
                let mut outcomes = HashMap::new();
                for field in ["output_file_id", "error_file_id"] {
                    let Some(file) = batch.get(field).and_then(Value::as_str) else {
                        continue;
                    };
                    let url = self.url(&format!("files/{file}/content"));
                    let text = send_text(
                        self.request(reqwest::Method::GET, &url, headers),
                        "download batch results",
                    )
                    .await?;
                    for line in text.lines().filter(|l| !l.trim().is_empty()) {
                        if let Some((custom_id, outcome)) = openai_line(line) {
                            outcomes.insert(custom_id, outcome);
                        }
                    }
                }
                Ok(Poll::Ended { status, outcomes })
            }
            Vendor::Anthropic => {
                let url = self.url(&format!("messages/batches/{id}"));
                let batch = send_json(
                    self.request(reqwest::Method::GET, &url, headers),
                    "poll the message batch",
                )
                .await?;
                let status = string_field(&batch, "processing_status", "poll the message batch")?;
                if status != "ended" {
                    return Ok(Poll::Running);
                }
                let results = batch
                    .get("results_url")
                    .and_then(Value::as_str)
                    .map_or_else(|| format!("{url}/results"), str::to_owned);
                let get = self.request(reqwest::Method::GET, &results, headers);
                let text = send_text(get, "download message batch results").await?;
                let outcomes = text
                    .lines()
                    .filter(|l| !l.trim().is_empty())
                    .filter_map(anthropic_line)
                    .collect();
                Ok(Poll::Ended { status, outcomes })
            }
        }
    }

    /// The live, non-streaming answer to `body` (without `stream`).
    pub(crate) async fn live(&self, headers: &[(String, String)], body: &Value) -> Result<Value, UpstreamError> {
        let path = match self.vendor {
            Vendor::OpenAi => "responses",
            Vendor::Anthropic => "messages",
        };
        let post = self
            .request(reqwest::Method::POST, &self.url(path), headers)
            .timeout(LIVE_TIMEOUT);
        let post = with_json(post, body);
        send_json(post, "ask live after the batch failed the request").await
    }
}

/// A multipart form with `purpose=batch` and `jsonl` as the file; returns
/// its content type and body. The boundary is made from the content's length
/// and a fixed stem that JSON text cannot hold (a bare `\r\n--`).
fn multipart(jsonl: &str) -> (String, String) {
    let boundary = format!("jig-batch-{}-boundary", jsonl.len());
    let body = format!(
        "--{boundary}\r\ncontent-disposition: form-data; name=\"purpose\"\r\n\r\nbatch\r\n\
         --{boundary}\r\ncontent-disposition: form-data; name=\"file\"; filename=\"jig-batch.jsonl\"\r\n\
         content-type: application/jsonl\r\n\r\n{jsonl}\r\n--{boundary}--\r\n"
    );
    (format!("multipart/form-data; boundary={boundary}"), body)
}

/// `builder` with `body` as its JSON body (reqwest's `json` feature is not
/// built in).
fn with_json(builder: reqwest::RequestBuilder, body: &Value) -> reqwest::RequestBuilder {
    builder
        .header("content-type", "application/json")
        .body(serde_json::to_vec(body).unwrap_or_default())
}

async fn send_json(builder: reqwest::RequestBuilder, what: &'static str) -> Result<Value, UpstreamError> {
    let text = send_text(builder, what).await?;
    serde_json::from_str(&text).map_err(|e| UpstreamError::Shape {
        what,
        reason: format!("not JSON: {e}"),
    })
}

async fn send_text(builder: reqwest::RequestBuilder, what: &'static str) -> Result<String, UpstreamError> {
    let response = builder
        .send()
        .await
        .map_err(|source| UpstreamError::Transport { what, source })?;
    let status = response.status();
    let text = response
        .text()
        .await
        .map_err(|source| UpstreamError::Transport { what, source })?;
    if !status.is_success() {
        let body: String = text.chars().take(500).collect();
        return Err(UpstreamError::Status {
            what,
            status: status.as_u16(),
            body,
        });
    }
    Ok(text)
}

fn string_field(value: &Value, field: &str, what: &'static str) -> Result<String, UpstreamError> {
    value
        .get(field)
        .and_then(Value::as_str)
        .map(str::to_owned)
        .ok_or_else(|| UpstreamError::Shape {
            what,
            reason: format!("no {field}"),
        })
}

/// One line of an OpenAI output or error file.
fn openai_line(line: &str) -> Option<(String, Outcome)> {
    let value: Value = serde_json::from_str(line).ok()?;
    let custom_id = value.get("custom_id")?.as_str()?.to_owned();
    let response = value.get("response").filter(|r| !r.is_null());
    let status = response.and_then(|r| r.get("status_code")).and_then(Value::as_u64);
    let outcome = match (response, status) {
        (Some(response), Some(200)) => match response.get("body") {
            Some(body) if body.is_object() => Outcome::Succeeded(body.clone()),
            _ => Outcome::Failed("a result without a body".into()),
        },
        _ => Outcome::Failed(openai_error(&value, status)),
    };
    Some((custom_id, outcome))
}

fn openai_error(line: &Value, status: Option<u64>) -> String {
    let error = line
        .get("error")
        .filter(|e| !e.is_null())
        .or_else(|| line.pointer("/response/body/error"));
    let field = |name: &str| error.and_then(|e| e.get(name)).and_then(Value::as_str);
    let code = field("code").or(field("type")).unwrap_or("error");
    let message = field("message").unwrap_or("no message");
    match status {
        Some(status) => format!("HTTP {status}: {code}: {message}"),
        None => format!("{code}: {message}"),
    }
}

/// One line of an Anthropic results file.
fn anthropic_line(line: &str) -> Option<(String, Outcome)> {
    let value: Value = serde_json::from_str(line).ok()?;
    let custom_id = value.get("custom_id")?.as_str()?.to_owned();
    let result = value.get("result")?;
    let outcome = match result.get("type").and_then(Value::as_str) {
        Some("succeeded") => match result.get("message") {
            Some(message) if message.is_object() => Outcome::Succeeded(message.clone()),
            _ => Outcome::Failed("a result without a message".into()),
        },
        Some("errored") => {
            // The error object, possibly wrapped as `{type: error, error: {...}}`.
            let error = result.get("error");
            let inner = error.and_then(|e| e.get("error")).or(error);
            let field = |name: &str| inner.and_then(|e| e.get(name)).and_then(Value::as_str);
            Outcome::Failed(format!(
                "errored: {}: {}",
                field("type").unwrap_or("error"),
                field("message").unwrap_or("no message")
            ))
        }
        Some(other) => Outcome::Failed(other.to_owned()),
        None => Outcome::Failed("a result without a type".into()),
    };
    Some((custom_id, outcome))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn openai_lines_map_to_outcomes_by_custom_id() {
        let ok = r#"{"id":"r1","custom_id":"a","response":{"status_code":200,"request_id":"q","body":{"id":"resp"}},"error":null}"#;
        let refused = r#"{"id":"r2","custom_id":"b","response":{"status_code":400,"body":{"error":{"message":"bad","type":"invalid_request_error"}}},"error":null}"#;
        let expired = r#"{"id":"r3","custom_id":"c","response":null,"error":{"code":"batch_expired","message":"not done in 24h"}}"#;
        assert_eq!(
            openai_line(ok).unwrap(),
            ("a".into(), Outcome::Succeeded(json!({"id": "resp"})))
        );
        assert_eq!(
            openai_line(refused).unwrap().1,
            Outcome::Failed("HTTP 400: invalid_request_error: bad".into())
        );
        assert_eq!(
            openai_line(expired).unwrap().1,
            Outcome::Failed("batch_expired: not done in 24h".into())
        );
    }

    #[test]
    fn anthropic_lines_map_to_outcomes_by_custom_id() {
        let ok = r#"{"custom_id":"a","result":{"type":"succeeded","message":{"id":"msg"}}}"#;
        let errored = r#"{"custom_id":"b","result":{"type":"errored","error":{"type":"error","error":{"type":"invalid_request_error","message":"bad"}}}}"#;
        let expired = r#"{"custom_id":"c","result":{"type":"expired"}}"#;
        assert_eq!(anthropic_line(ok).unwrap().1, Outcome::Succeeded(json!({"id": "msg"})));
        assert_eq!(
            anthropic_line(errored).unwrap().1,
            Outcome::Failed("errored: invalid_request_error: bad".into())
        );
        assert_eq!(anthropic_line(expired).unwrap().1, Outcome::Failed("expired".into()));
    }

    #[test]
    fn the_multipart_form_has_the_purpose_and_the_file() {
        let (content_type, body) = multipart("{\"a\":1}\n");
        let boundary = content_type.split("boundary=").nth(1).unwrap();
        assert!(body.starts_with(&format!("--{boundary}\r\n")));
        assert!(body.contains("name=\"purpose\"\r\n\r\nbatch\r\n"));
        assert!(body.contains("filename=\"jig-batch.jsonl\""));
        assert!(body.ends_with(&format!("--{boundary}--\r\n")));
    }
}
