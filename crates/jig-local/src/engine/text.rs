//! From token pieces to text deltas: never split a UTF-8 character, hold
//! back what may be the start of a stop string, and cut the text where one
//! appears — outside tool calls only, where it is an argument's bytes.

use crate::toolcall::OPEN;

/// Turns token pieces (byte strings that may split a UTF-8 character) into
/// text deltas that never do, holding back a tail that may be the start of
/// a stop string and cutting the text where one appears.
pub(super) struct Utf8Stream {
    pending: Vec<u8>,
    /// Decoded text not yet sent (a possible stop-string prefix).
    held: String,
    pub(super) all: String,
    stop: Vec<String>,
    pub(super) stopped: bool,
    in_call: bool,
}

impl Utf8Stream {
    pub(super) fn new(stop: Vec<String>) -> Self {
        Utf8Stream {
            pending: Vec::new(),
            held: String::new(),
            all: String::new(),
            stop: stop.into_iter().filter(|s| !s.is_empty()).collect(),
            stopped: false,
            in_call: false,
        }
    }

    pub(super) fn push(&mut self, bytes: &[u8]) -> Option<String> {
        self.pending.extend_from_slice(bytes);
        let valid = match std::str::from_utf8(&self.pending) {
            Ok(s) => s.len(),
            // An error with no length is an incomplete character at the end.
            Err(e) if e.error_len().is_none() => e.valid_up_to(),
            Err(_) => self.pending.len(),
        };
        let chunk: Vec<u8> = self.pending.drain(..valid).collect();
        self.held.push_str(&String::from_utf8_lossy(&chunk));
        // Inside a tool call, a stop string is just bytes of an argument.
        if self.in_call || self.tag_opened() {
            self.in_call = true;
            return self.release(self.held.len());
        }
        if let Some(at) = self.stop.iter().filter_map(|s| self.held.find(s.as_str())).min() {
            self.held.truncate(at);
            self.stopped = true;
            return self.release(self.held.len());
        }
        let keep = self
            .stop
            .iter()
            .map(|s| partial_suffix(&self.held, s))
            .max()
            .unwrap_or(0);
        self.release(self.held.len() - keep)
    }

    fn release(&mut self, upto: usize) -> Option<String> {
        if upto == 0 {
            return None;
        }
        let delta: String = self.held.drain(..upto).collect();
        self.all.push_str(&delta);
        Some(delta)
    }

    /// Whether the opening tag has appeared: only the text that just arrived
    /// (`held`) and the few bytes before it can complete it.
    fn tag_opened(&self) -> bool {
        let mut from = self.all.len().saturating_sub(OPEN.len());
        while !self.all.is_char_boundary(from) {
            from -= 1;
        }
        format!("{}{}", &self.all[from..], self.held).contains(OPEN)
    }

    /// Everything decoded so far, held-back tail included.
    pub(super) fn so_far(&self) -> String {
        format!("{}{}", self.all, self.held)
    }

    pub(super) fn finish(&mut self) -> Option<String> {
        if !self.stopped {
            let rest = String::from_utf8_lossy(&std::mem::take(&mut self.pending)).into_owned();
            self.held.push_str(&rest);
        }
        self.release(self.held.len())
    }
}

/// Length of the longest suffix of `text` that is a proper prefix of `tag`.
pub(crate) fn partial_suffix(text: &str, tag: &str) -> usize {
    (1..tag.len())
        .rev()
        .find(|&n| text.len() >= n && text.is_char_boundary(text.len() - n) && tag.starts_with(&text[text.len() - n..]))
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_stream_splits_no_character_and_cuts_at_stop_strings() {
        let mut t = Utf8Stream::new(vec!["<tool_response>".into()]);
        let mut out = String::new();
        for piece in [&b"caf"[..], &[0xc3], &[0xa9, b' '], b"<tool_", b"response> more"] {
            out.push_str(&t.push(piece).unwrap_or_default());
            if t.stopped {
                break;
            }
        }
        out.push_str(&t.finish().unwrap_or_default());
        assert_eq!(out, "caf\u{e9} ");
        assert_eq!(t.all, out);
        let mut t = Utf8Stream::new(vec!["<tool_response>".into()]);
        t.push(b"<tool_call>[{\"arguments\": \"<tool_response>");
        assert!(!t.stopped, "a stop string inside a call is an argument");
        let mut t = Utf8Stream::new(vec!["<tool_response>".into()]);
        assert_eq!(t.push(b"a <to").as_deref(), Some("a "));
        assert_eq!(t.push(b"y").as_deref(), Some("<toy"));
    }
}
