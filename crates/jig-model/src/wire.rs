//! The seam between HTTP transport and a provider's wire format.
//!
//! A provider is two halves: a request-body builder and an [`SseDecoder`]
//! that turns the server-sent events of one response into
//! [`ResponseEvent`]s. The transport (`http`) owns connections, retries,
//! backoff and idle timeouts, and knows nothing of any format; decoders own
//! the format and never touch the network, so they are tested on recorded
//! byte streams alone.
//!
//! Invariant for decoders: a tool call is emitted only once its arguments are
//! complete, and [`ResponseEvent::Completed`] only when the provider said the
//! response is done. A stream that ends before that is an error the
//! transport may retry, so a partial tool call can never run.
//!
//! Undecodable events. An event a decoder cannot read returns
//! [`DecodeError::Malformed`] and changes nothing in the decoder, so the
//! transport can drop it as if it never came: it tells the decoder with
//! [`SseDecoder::skipped`] and reads on. One bad event in a long response is
//! then a warning, not a lost response. The decoder notes what the dropped
//! event may have carried (each format's module doc says what it checks), and
//! once something was skipped its terminal event completes the response only
//! if the rest is *consistent*: every tool call whole and accounted for, and
//! nothing the next request must send back damaged. Otherwise it returns
//! [`DecodeError::Inconsistent`] and the transport retries. What a skipped
//! event can still cost is streamed text or reasoning with a piece missing.

use std::borrow::Cow;

use jig_protocol::{ToolFormat, ToolSpec};
use serde_json::{Value, json};

use crate::ResponseEvent;

/// Why a decoder could not make sense of an event.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    /// The event's data is not what the format documents (bad JSON, missing
    /// field). Retrying may help: a proxy may have mangled the stream.
    #[error("malformed {event} event: {reason}")]
    Malformed {
        /// SSE event name (or the `type` field), for the message.
        event: String,
        /// What was wrong.
        reason: String,
    },
    /// The provider reported an error inside the stream.
    #[error("the provider reported an error: {0}")]
    Provider(String),
    /// The stream ended before the provider said the response was complete.
    #[error("the stream ended before the response was complete")]
    Incomplete,
    /// The response reached its end but cannot be used as it is, e.g. a
    /// skipped event carried part of a tool call. Retrying may help.
    #[error("the response is not usable: {0}")]
    Inconsistent(String),
}

/// Reads one event's JSON `data` as `T`; a mismatch is
/// [`DecodeError::Malformed`] naming the event `kind`. Straight from the
/// text: no `serde_json::Value` is built on the way.
pub(crate) fn parse<'a, T: serde::Deserialize<'a>>(kind: &str, data: &'a str) -> Result<T, DecodeError> {
    serde_json::from_str(data).map_err(|err| malformed(kind, &err))
}

/// Checks that an event this decoder does not read is still JSON, so a
/// mangled event is reported (and counted) whatever its type.
pub(crate) fn ignore(kind: &str, data: &str) -> Result<Vec<ResponseEvent>, DecodeError> {
    parse::<serde::de::IgnoredAny>(kind, data).map(|_| Vec::new())
}

/// One event's kind: its `type` field, else the SSE event name `name`.
///
/// OpenAI and Anthropic write `type` first, so it is read off the front of
/// the text without parsing the rest (an event may carry a whole 1 MiB tool
/// call); otherwise the text is scanned for it. Either way the event is then
/// parsed once, by [`parse`] or [`ignore`].
pub(crate) fn event_kind<'a>(name: &'a str, data: &'a str) -> Result<Cow<'a, str>, DecodeError> {
    if let Some(rest) = data.strip_prefix(r#"{"type":""#)
        && let Some(end) = rest.find(['"', '\\'])
        && rest.as_bytes()[end] == b'"'
    {
        return Ok(Cow::Borrowed(&rest[..end]));
    }
    #[derive(serde::Deserialize)]
    struct Kind<'a> {
        #[serde(rename = "type", borrow, default)]
        kind: Option<Cow<'a, str>>,
    }
    let kind: Kind<'a> = parse(name, data)?;
    Ok(kind.kind.unwrap_or(Cow::Borrowed(name)))
}

/// [`DecodeError::Malformed`] for event `event` (`unnamed` when the stream
/// gave no name).
pub(crate) fn malformed(event: &str, err: &serde_json::Error) -> DecodeError {
    DecodeError::Malformed {
        event: if event.is_empty() {
            "unnamed".to_owned()
        } else {
            event.to_owned()
        },
        reason: err.to_string(),
    }
}

/// Decodes one response's server-sent events. A new decoder is made for
/// every attempt, so a retried response starts from a clean state.
pub trait SseDecoder: Send {
    /// Handles one SSE event (`event:` name, possibly empty, and `data:`
    /// text) and returns the response events it completes.
    fn event(&mut self, name: &str, data: &str) -> Result<Vec<ResponseEvent>, DecodeError>;

    /// The transport dropped an event that [`SseDecoder::event`] called
    /// [`DecodeError::Malformed`]; `event` is the name that error gave it
    /// (its `type`, else its SSE name, else `unnamed`). The decoder notes
    /// what the event may have carried, so that its terminal event can
    /// decide whether the response is still consistent.
    fn skipped(&mut self, event: &str);

    /// Called when the byte stream ends. Returns the final events, or
    /// [`DecodeError::Incomplete`] when the response never finished.
    fn finish(&mut self) -> Result<Vec<ResponseEvent>, DecodeError>;
}

/// The JSON Schema a provider without freeform tools offers for `tool`: its
/// own parameters, or for a [`ToolFormat::Freeform`] tool an object with one
/// required string, `input` (the tool router unwraps `{"input": ...}`).
pub fn function_parameters(tool: &ToolSpec) -> Value {
    match &tool.format {
        ToolFormat::Function => tool.parameters.clone(),
        ToolFormat::Freeform { syntax, .. } => json!({
            "type": "object",
            "properties": {
                "input": {
                    "type": "string",
                    "description": format!("The tool's input, as free text in its {syntax} grammar."),
                },
            },
            "required": ["input"],
            "additionalProperties": false,
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_kind_is_the_type_field_wherever_it_is_else_the_event_name() {
        let kind = |data: &str| event_kind("sse-name", data).map(Cow::into_owned);
        assert_eq!(kind(r#"{"type":"a.b","x":1}"#).unwrap(), "a.b");
        assert_eq!(kind(r#"{"x":1, "type": "later"}"#).unwrap(), "later");
        assert_eq!(kind(r#"{"type":"with\"quote","x":1}"#).unwrap(), "with\"quote");
        assert_eq!(kind(r#"{"x":1}"#).unwrap(), "sse-name");
        assert!(matches!(
            kind(r#"{"x":"#),
            Err(DecodeError::Malformed { event, .. }) if event == "sse-name"
        ));
    }

    #[test]
    fn an_ignored_event_must_still_be_json() {
        assert_eq!(ignore("ping", r#"{"type":"ping"}"#), Ok(Vec::new()));
        assert!(matches!(
            ignore("ping", r#"{"type":"ping""#),
            Err(DecodeError::Malformed { event, .. }) if event == "ping"
        ));
    }
}
