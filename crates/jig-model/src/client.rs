//! The one HTTP model client every wire format shares.
//!
//! A provider is a [`WireFormat`]: settings, a body builder and a decoder
//! factory. [`HttpClient`] adds the rest — endpoint, headers, retry policy,
//! the pooled `reqwest` client — and implements [`ModelClient`] over
//! [`http::stream_sse`]. [`crate::chat::ChatClient`],
//! [`crate::openai::ResponsesClient`] and [`crate::anthropic::MessagesClient`]
//! are this type with their format plugged in, so a fix to how requests are
//! sent lands in all three at once.
//!
//! Invariant: building the body and decoding are pure functions of the
//! request and the bytes; nothing here keeps state between requests.

use serde_json::Value;

use crate::http::{self, Endpoint, RetryPolicy};
use crate::wire::SseDecoder;
use crate::{ModelClient, ModelError, ModelRequest, ResponseStream};

/// A provider's wire format: how a request becomes a body, and how the reply
/// is decoded.
pub trait WireFormat: Send + Sync + 'static {
    /// Request settings that are not part of the conversation.
    type Options: std::fmt::Debug + Clone + Send + Sync;

    /// The JSON body of one streamed request.
    fn body(request: &ModelRequest, options: &Self::Options) -> Value;

    /// A fresh decoder for one attempt.
    fn decoder() -> Box<dyn SseDecoder>;
}

/// A streaming model client for wire format `F`.
#[derive(Debug, Clone)]
pub struct HttpClient<F: WireFormat> {
    spec: String,
    options: F::Options,
    endpoint: Endpoint,
    policy: RetryPolicy,
    client: reqwest::Client,
}

impl<F: WireFormat> HttpClient<F> {
    /// A client that POSTs `F`'s body to `endpoint`. `spec` names it (e.g.
    /// `openai:gpt-5-codex`). Fails only when the HTTP client cannot be built
    /// (TLS set-up).
    pub fn with_endpoint(
        spec: String,
        endpoint: Endpoint,
        options: F::Options,
        policy: RetryPolicy,
    ) -> Result<Self, ModelError> {
        Ok(HttpClient {
            spec,
            options,
            endpoint,
            client: http::client(&policy)?,
            policy,
        })
    }

    /// Names the provider in error messages. `openai` and `anthropic` get
    /// key-specific hints.
    pub fn with_provider(mut self, provider: impl Into<String>) -> Self {
        self.endpoint.provider = provider.into();
        self
    }

    /// Adds a request header, e.g. an organization id or a beta flag.
    pub fn with_header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.endpoint.headers.push((name.into(), value.into()));
        self
    }

    /// The request settings.
    pub fn options(&self) -> &F::Options {
        &self.options
    }

    /// Where requests go.
    pub fn endpoint(&self) -> &Endpoint {
        &self.endpoint
    }
}

#[async_trait::async_trait]
impl<F: WireFormat> ModelClient for HttpClient<F> {
    fn spec(&self) -> &str {
        &self.spec
    }

    async fn stream(&self, request: &ModelRequest<'_>) -> Result<ResponseStream, ModelError> {
        Ok(http::stream_sse(
            self.client.clone(),
            self.endpoint.clone(),
            F::body(request, &self.options),
            self.policy.clone(),
            F::decoder,
        ))
    }
}

/// `{base}/{path}` with exactly one slash between them.
pub(crate) fn join_url(base: &str, path: &str) -> String {
    format!("{}/{path}", base.trim_end_matches('/'))
}

/// `authorization: Bearer KEY`, when there is a key.
pub(crate) fn bearer(api_key: Option<String>) -> Vec<(String, String)> {
    api_key
        .map(|key| ("authorization".to_owned(), format!("Bearer {key}")))
        .into_iter()
        .collect()
}
