//! Server-sent events (the WHATWG `text/event-stream` format), parsed in
//! one pass over the bytes.
//!
//! Written here instead of taking `eventsource-stream`: that crate copies
//! the rest of its buffer after every line it reads, so a network chunk
//! holding many small events costs time quadratic in the chunk. A 1 MiB
//! tool call streamed as the API sends it (one delta event per token) spent
//! 82% of its CPU time in those copies (`jig bench loop`). Here every byte
//! is looked at once, the buffer is compacted once per chunk, and the event
//! name and data buffers are reused, so an event costs no allocation.
//!
//! What the parser follows from the format: lines end in LF, CR or CRLF
//! (a CRLF may be split between two chunks); one leading byte-order mark is
//! dropped; a line starting with `:` is a comment; `field: value` loses one
//! space after the colon, and a line without a colon is a field with an empty
//! value; `data` lines are joined with LF; an empty line dispatches the event
//! when it has data, and an unnamed event's name (or `message`, the
//! format's name for it) is the empty string. `id`
//! and `retry` are ignored: a model response is never resumed by event id.
//! An event cut off by the end of the stream is never dispatched.
//!
//! Invariant: [`SseParser::feed`] hands out events in stream order, each
//! exactly once, whatever the chunk boundaries are.

use std::ops::ControlFlow;

/// Why the byte stream is not a valid event stream.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SseError {
    /// A line is not UTF-8.
    #[error("line {line} of the stream is not UTF-8 ({error})")]
    NotUtf8 {
        /// 1-based line number in the stream.
        line: u64,
        /// What the decoder found.
        error: std::str::Utf8Error,
    },
}

const BOM: &[u8] = b"\xEF\xBB\xBF";

/// An incremental event-stream parser: feed it the response's chunks.
#[derive(Debug, Default)]
pub struct SseParser {
    /// Bytes not yet consumed: at most one unfinished line after a feed.
    buffer: Vec<u8>,
    /// Where the unfinished line starts in `buffer`.
    start: usize,
    /// How far `buffer` is known to hold no line end.
    scanned: usize,
    /// The last line ended in CR: an LF right after it belongs to it.
    after_cr: bool,
    /// The byte-order-mark check is done.
    started: bool,
    /// Lines read so far, for error messages.
    lines: u64,
    /// The event being built.
    event: String,
    data: String,
    /// Bytes examined in all, for the linearity test.
    examined: usize,
}

impl SseParser {
    /// Parses `chunk`, calling `on_event(name, data)` for every event it
    /// completes, in order. Stops early, leaving the rest unread, when
    /// `on_event` breaks, and returns that break.
    pub fn feed<B>(
        &mut self,
        chunk: &[u8],
        mut on_event: impl FnMut(&str, &str) -> ControlFlow<B>,
    ) -> Result<ControlFlow<B>, SseError> {
        self.buffer.extend_from_slice(chunk);
        if !self.started {
            if self.buffer.len() < BOM.len() && BOM.starts_with(&self.buffer) {
                return Ok(ControlFlow::Continue(()));
            }
            if self.buffer.starts_with(BOM) {
                self.start = BOM.len();
                self.scanned = BOM.len();
            }
            self.started = true;
        }
        let flow = self.lines(&mut on_event);
        // One compaction per chunk: what remains is the unfinished line.
        self.buffer.drain(..self.start);
        self.scanned -= self.start;
        self.start = 0;
        flow
    }

    fn lines<B>(
        &mut self,
        on_event: &mut impl FnMut(&str, &str) -> ControlFlow<B>,
    ) -> Result<ControlFlow<B>, SseError> {
        loop {
            if self.after_cr {
                match self.buffer.get(self.scanned) {
                    None => return Ok(ControlFlow::Continue(())),
                    Some(b'\n') => {
                        self.scanned += 1;
                        self.start = self.scanned;
                    }
                    Some(_) => {}
                }
                self.after_cr = false;
            }
            let rest = &self.buffer[self.scanned..];
            let Some(offset) = rest.iter().position(|&b| b == b'\n' || b == b'\r') else {
                self.examined += rest.len();
                self.scanned = self.buffer.len();
                return Ok(ControlFlow::Continue(()));
            };
            self.examined += offset + 1;
            let end = self.scanned + offset;
            self.after_cr = self.buffer[end] == b'\r';
            let (line_start, next) = (self.start, end + 1);
            self.start = next;
            self.scanned = next;
            self.lines += 1;
            let line = std::str::from_utf8(&self.buffer[line_start..end]).map_err(|error| SseError::NotUtf8 {
                line: self.lines,
                error,
            })?;
            if line.is_empty() {
                if let ControlFlow::Break(b) = self.dispatch(on_event) {
                    return Ok(ControlFlow::Break(b));
                }
                continue;
            }
            if line.starts_with(':') {
                continue;
            }
            let (field, value) = match line.split_once(':') {
                Some((field, value)) => (field, value.strip_prefix(' ').unwrap_or(value)),
                None => (line, ""),
            };
            match field {
                "event" => {
                    self.event.clear();
                    self.event.push_str(value);
                }
                "data" => {
                    self.data.push_str(value);
                    self.data.push('\n');
                }
                _ => {}
            }
        }
    }

    /// Hands out the event built so far, if it has data, and starts the next.
    fn dispatch<B>(&mut self, on_event: &mut impl FnMut(&str, &str) -> ControlFlow<B>) -> ControlFlow<B> {
        let flow = if self.data.is_empty() {
            ControlFlow::Continue(())
        } else {
            let data = self.data.strip_suffix('\n').unwrap_or(&self.data);
            // `message` is the format's name for an unnamed event.
            let name = if self.event == "message" { "" } else { &self.event };
            on_event(name, data)
        };
        self.event.clear();
        self.data.clear();
        flow
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every event of `stream` fed in chunks of `size` bytes.
    fn events(stream: &[u8], size: usize) -> Result<Vec<(String, String)>, SseError> {
        let mut parser = SseParser::default();
        let mut out = Vec::new();
        for chunk in stream.chunks(size.max(1)) {
            let flow = parser.feed(chunk, |name, data| {
                out.push((name.to_owned(), data.to_owned()));
                ControlFlow::<()>::Continue(())
            })?;
            assert!(flow.is_continue());
        }
        Ok(out)
    }

    fn pair(name: &str, data: &str) -> (String, String) {
        (name.to_owned(), data.to_owned())
    }

    /// The same events whatever the chunk size, down to one byte.
    fn check(stream: &[u8], expected: &[(String, String)]) {
        for size in [1, 2, 3, 5, 7, stream.len()] {
            assert_eq!(events(stream, size).unwrap(), expected, "chunks of {size} bytes");
        }
    }

    #[test]
    fn named_and_unnamed_events_in_any_chunking() {
        let stream = b"event: a\ndata: {\"x\":1}\n\ndata: plain\n\nevent: message\ndata: m\n\n";
        check(stream, &[pair("a", "{\"x\":1}"), pair("", "plain"), pair("", "m")]);
    }

    #[test]
    fn every_line_ending_and_a_crlf_split_between_chunks() {
        let stream = b"event: a\r\ndata: one\r\n\r\nevent: b\rdata: two\r\rdata: three\n\n";
        check(stream, &[pair("a", "one"), pair("b", "two"), pair("", "three")]);
    }

    #[test]
    fn data_lines_join_with_lf_and_lose_one_space() {
        let stream = b"data:first\ndata:  second\ndata\ndata: \n\n";
        check(stream, &[pair("", "first\n second\n\n")]);
    }

    #[test]
    fn comments_unknown_fields_and_events_without_data_are_dropped() {
        let stream =
            b": keep-alive\n\nevent: ping\n\nid: 7\nretry: 100\nfoo: bar\ndata: x\n\nevent: late\n\ndata: y\n\n";
        check(stream, &[pair("", "x"), pair("", "y")]);
    }

    #[test]
    fn a_leading_byte_order_mark_is_dropped_once() {
        let stream = b"\xEF\xBB\xBFdata: a\n\n\xEF\xBB\xBFdata: b\n\n";
        // The second mark is part of a field name, so that line is ignored.
        check(stream, &[pair("", "a")]);
    }

    #[test]
    fn an_event_cut_off_by_the_end_of_the_stream_is_not_dispatched() {
        check(b"data: whole\n\ndata: cut", &[pair("", "whole")]);
        check(b"data: whole\n\ndata: cut\n", &[pair("", "whole")]);
    }

    #[test]
    fn a_line_that_is_not_utf8_is_an_error_naming_the_line() {
        let err = events(b"data: ok\n\ndata: \xFF\xFE\n\n", 4).unwrap_err();
        let SseError::NotUtf8 { line, .. } = err;
        assert_eq!(line, 3);
    }

    #[test]
    fn a_break_stops_at_that_event() {
        let mut parser = SseParser::default();
        let mut seen = Vec::new();
        let flow = parser
            .feed(b"data: 1\n\ndata: 2\n\ndata: 3\n\n", |_, data| {
                seen.push(data.to_owned());
                if data == "2" {
                    ControlFlow::Break("stopped")
                } else {
                    ControlFlow::Continue(())
                }
            })
            .unwrap();
        assert_eq!(flow, ControlFlow::Break("stopped"));
        assert_eq!(seen, ["1", "2"]);
    }

    #[test]
    fn each_byte_is_examined_once_however_the_stream_is_cut() {
        // Many small events per chunk (what made the old parser quadratic),
        // then one 1 MiB line arriving a byte at a time.
        let mut stream = Vec::new();
        for i in 0..20_000 {
            stream.extend_from_slice(format!("event: d\ndata: {{\"delta\":\"{i}\"}}\n\n").as_bytes());
        }
        stream.extend_from_slice(b"data: ");
        stream.extend(std::iter::repeat_n(b'x', 1 << 20));
        stream.extend_from_slice(b"\n\n");
        for size in [1, 4096, 65536, stream.len()] {
            let mut parser = SseParser::default();
            let mut count = 0;
            for chunk in stream.chunks(size) {
                let flow = parser.feed(chunk, |_, _| {
                    count += 1;
                    ControlFlow::<()>::Continue(())
                });
                assert_eq!(flow, Ok(ControlFlow::Continue(())));
            }
            assert_eq!(count, 20_001);
            assert!(
                parser.examined <= stream.len(),
                "{} bytes examined for a {}-byte stream in {size}-byte chunks",
                parser.examined,
                stream.len()
            );
        }
    }
}
