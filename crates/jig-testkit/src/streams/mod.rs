//! The SSE event sequences each provider really sends, built by meaning.
//!
//! The shapes follow recorded streams (jig-model's `tests/it/fixtures`),
//! trimmed to the fields a client reads plus the ones that make a stream
//! look real. Every response reports the same usage, [`INPUT_TOKENS`] in and
//! [`OUTPUT_TOKENS`] out, so a test can assert on it without reading the
//! builder. Tool arguments are always split into a few pieces, because a
//! client that only handles whole arguments is broken against a real server.
//!
//! Responses and Messages streams are `Vec<serde_json::Value>` for
//! [`crate::Reply::events`]; Chat Completions streams are the `data:`
//! payloads as strings for [`crate::Reply::sse`].

pub mod anthropic;
pub mod chat;
pub mod openai;

/// Input tokens every built response reports.
pub const INPUT_TOKENS: u64 = 20;
/// Output tokens every built response reports.
pub const OUTPUT_TOKENS: u64 = 2;

/// `text` cut into about three pieces on character boundaries, as servers
/// stream long strings; an empty text is one empty piece.
fn pieces(text: &str) -> Vec<&str> {
    let size = text.len().div_ceil(3).max(1);
    let mut out = Vec::new();
    let mut rest = text;
    while rest.len() > size {
        let mut at = size;
        while !rest.is_char_boundary(at) {
            at += 1;
        }
        let (head, tail) = rest.split_at(at);
        out.push(head);
        rest = tail;
    }
    out.push(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::pieces;

    #[test]
    fn pieces_rejoin_to_the_text() {
        for text in ["", "a", "{\"cmd\":\"ls\"}", "héllo wörld ✓"] {
            let parts = pieces(text);
            assert_eq!(parts.concat(), text);
            assert!(parts.len() <= 3 || text.is_empty(), "{parts:?}");
        }
        assert_eq!(pieces("{\"cmd\":\"ls\"}").len(), 3);
    }
}
