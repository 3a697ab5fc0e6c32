//! Head-and-tail truncation of tool output that is too long for the model.
//!
//! Long output keeps its beginning and its end (where errors and summaries
//! usually are) around one marker line that says how much was cut:
//! `[... 12345 bytes (321 lines) truncated ...]`. Invariants: text that fits
//! is returned unchanged; otherwise at most `max_bytes` bytes of the original
//! survive (the marker line comes on top), cuts fall on line boundaries where
//! that keeps at least half of each half's budget, and always on char
//! boundaries. "Lines" in the marker counts the newlines cut. [`HeadTailBuffer`]
//! does the same for a byte stream without holding all of it in memory. This
//! module must not know about any particular tool.

use std::collections::VecDeque;

/// Returns `text` if it is at most `max_bytes` long, otherwise its head and
/// tail (about half of `max_bytes` each) joined by a marker line saying how
/// many bytes and lines were cut.
pub fn head_tail(text: &str, max_bytes: usize) -> String {
    if text.len() <= max_bytes {
        return text.to_string();
    }
    let mid = floor_char_boundary(text, text.len() / 2);
    join(&text[..mid], &text[mid..], Dropped::default(), max_bytes)
}

/// Bytes and newlines removed between a head and a tail before [`join`] cuts more.
#[derive(Debug, Default, Clone, Copy)]
struct Dropped {
    bytes: usize,
    lines: usize,
}

/// Keeps a prefix of `head` and a suffix of `tail` within `max_bytes` and puts
/// the marker between them; `dropped` is what already fell out in between.
fn join(head: &str, tail: &str, dropped: Dropped, max_bytes: usize) -> String {
    let head_keep = cut_head(head, max_bytes / 2);
    let tail_keep = cut_tail(tail, max_bytes - head_keep.len());
    let head_cut = &head[head_keep.len()..];
    let tail_cut = &tail[..tail.len() - tail_keep.len()];
    let bytes = head_cut.len() + dropped.bytes + tail_cut.len();
    let lines = count_newlines(head_cut.as_bytes()) + dropped.lines + count_newlines(tail_cut.as_bytes());
    let mut out = String::with_capacity(head_keep.len() + tail_keep.len() + 64);
    out.push_str(head_keep);
    if !out.is_empty() && !out.ends_with('\n') {
        out.push('\n');
    }
    out.push_str(&format!("[... {bytes} bytes ({lines} lines) truncated ...]\n"));
    out.push_str(tail_keep);
    out
}

/// The longest prefix of `text` within `budget` bytes, ending after a newline
/// when that keeps at least half the budget.
fn cut_head(text: &str, budget: usize) -> &str {
    if text.len() <= budget {
        return text;
    }
    let end = floor_char_boundary(text, budget);
    match text[..end].rfind('\n') {
        Some(nl) if nl + 1 >= end / 2 => &text[..nl + 1],
        _ => &text[..end],
    }
}

/// The longest suffix of `text` within `budget` bytes, starting after a
/// newline when that keeps at least half the budget.
fn cut_tail(text: &str, budget: usize) -> &str {
    if text.len() <= budget {
        return text;
    }
    let start = ceil_char_boundary(text, text.len() - budget);
    let window = &text[start..];
    if text[..start].ends_with('\n') {
        return window;
    }
    match window.find('\n') {
        Some(nl) if window.len() - (nl + 1) >= window.len() / 2 => &window[nl + 1..],
        _ => window,
    }
}

fn floor_char_boundary(text: &str, mut index: usize) -> usize {
    index = index.min(text.len());
    while !text.is_char_boundary(index) {
        index -= 1;
    }
    index
}

fn ceil_char_boundary(text: &str, mut index: usize) -> usize {
    index = index.min(text.len());
    while !text.is_char_boundary(index) {
        index += 1;
    }
    index
}

fn count_newlines(bytes: &[u8]) -> usize {
    bytes.iter().filter(|&&b| b == b'\n').count()
}

/// Collects a byte stream of any length in bounded memory and renders it like
/// [`head_tail`] would render the whole stream.
///
/// The first `max_bytes` bytes and the last `max_bytes` bytes are kept; what
/// falls out in between is only counted. Invalid UTF-8 is replaced lossily.
#[derive(Debug, Clone)]
pub struct HeadTailBuffer {
    max_bytes: usize,
    head: Vec<u8>,
    tail: VecDeque<u8>,
    dropped: Dropped,
}

impl HeadTailBuffer {
    /// An empty buffer whose rendering keeps at most `max_bytes` of the stream.
    pub fn new(max_bytes: usize) -> Self {
        HeadTailBuffer {
            max_bytes,
            head: Vec::new(),
            tail: VecDeque::new(),
            dropped: Dropped::default(),
        }
    }

    /// Appends `chunk` to the stream.
    pub fn push(&mut self, mut chunk: &[u8]) {
        if self.head.len() < self.max_bytes {
            let take = (self.max_bytes - self.head.len()).min(chunk.len());
            self.head.extend_from_slice(&chunk[..take]);
            chunk = &chunk[take..];
        }
        self.tail.extend(chunk);
        if self.tail.len() > self.max_bytes {
            let excess = self.tail.len() - self.max_bytes;
            let lines = self.tail.drain(..excess).filter(|&b| b == b'\n').count();
            self.dropped.bytes += excess;
            self.dropped.lines += lines;
        }
    }

    /// Whether nothing was pushed (or only empty chunks).
    pub fn is_empty(&self) -> bool {
        self.head.is_empty() && self.tail.is_empty() && self.dropped.bytes == 0
    }

    /// Renders the stream: unchanged if it fits in `max_bytes`, otherwise head,
    /// marker and tail.
    pub fn finish(self) -> String {
        let budget = self.max_bytes;
        self.finish_within(budget)
    }

    /// Renders the stream within `budget` bytes (at most the buffer's own
    /// `max_bytes` are kept however large it is). The one marker counts every
    /// byte and line cut, those the buffer dropped while collecting included;
    /// cutting the rendered text again would hide them.
    pub fn finish_within(self, budget: usize) -> String {
        let budget = budget.min(self.max_bytes);
        let (tail_a, tail_b) = self.tail.as_slices();
        if self.dropped.bytes == 0 {
            let mut all = self.head;
            all.extend_from_slice(tail_a);
            all.extend_from_slice(tail_b);
            return head_tail(&String::from_utf8_lossy(&all), budget);
        }
        let mut tail = Vec::with_capacity(self.tail.len());
        tail.extend_from_slice(tail_a);
        tail.extend_from_slice(tail_b);
        join(
            &String::from_utf8_lossy(&self.head),
            &String::from_utf8_lossy(&tail),
            self.dropped,
            budget,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn numbered(n: usize) -> String {
        (1..=n).map(|i| format!("line {i}\n")).collect()
    }

    #[test]
    fn fits_unchanged() {
        assert_eq!(head_tail("hello\nworld\n", 12), "hello\nworld\n");
        assert_eq!(head_tail("", 0), "");
    }

    #[test]
    fn cuts_on_line_boundaries_with_marker() {
        let text = numbered(100);
        let out = head_tail(&text, 100);
        assert!(out.starts_with("line 1\nline 2\n"), "{out}");
        assert!(out.ends_with("line 99\nline 100\n"), "{out}");
        let marker = out.lines().find(|l| l.starts_with("[...")).unwrap();
        let kept = out.len() - marker.len() - 1;
        assert!(kept <= 100, "kept {kept} bytes");
        let cut = text.len() - kept;
        let cut_lines = 100 - (out.lines().count() - 1);
        assert_eq!(marker, format!("[... {cut} bytes ({cut_lines} lines) truncated ...]"));
        for line in out.lines().filter(|l| !l.starts_with("[...")) {
            assert!(text.contains(&format!("{line}\n")), "partial line {line:?}");
        }
    }

    #[test]
    fn one_long_line_cuts_on_char_boundaries() {
        let text = "é".repeat(1000);
        let out = head_tail(&text, 101);
        let mut parts = out.split('\n');
        let head = parts.next().unwrap();
        let marker = parts.next().unwrap();
        let tail = parts.next().unwrap();
        assert!(head.len() <= 50 && tail.len() <= 51, "{} {}", head.len(), tail.len());
        assert!(head.chars().all(|c| c == 'é') && tail.chars().all(|c| c == 'é'));
        let cut = text.len() - head.len() - tail.len();
        assert_eq!(marker, format!("[... {cut} bytes (0 lines) truncated ...]"));
    }

    #[test]
    fn zero_budget_keeps_only_the_marker() {
        assert_eq!(head_tail("abc\n", 0), "[... 4 bytes (1 lines) truncated ...]\n");
    }

    #[test]
    fn buffer_matches_head_tail_when_nothing_dropped() {
        let text = numbered(30);
        let mut buf = HeadTailBuffer::new(100);
        for chunk in text.as_bytes().chunks(7) {
            buf.push(chunk);
        }
        assert_eq!(buf.finish(), head_tail(&text, 100));
    }

    /// Checks that `out`'s marker names exactly the bytes and lines of
    /// `text` it left out; returns how many bytes of text it kept.
    fn assert_marker_counts_the_cut(out: &str, text: &str) -> usize {
        let marker = out.lines().find(|l| l.starts_with("[...")).unwrap();
        let kept = out.len() - marker.len() - 1;
        let kept_lines = out.lines().count() - 1;
        let expected = format!(
            "[... {} bytes ({} lines) truncated ...]",
            text.len() - kept,
            text.lines().count() - kept_lines
        );
        assert_eq!(marker, expected);
        kept
    }

    #[test]
    fn buffer_bounds_memory_and_counts_what_it_dropped() {
        let text = numbered(10_000);
        let mut buf = HeadTailBuffer::new(200);
        for chunk in text.as_bytes().chunks(4096) {
            buf.push(chunk);
        }
        assert!(buf.head.len() + buf.tail.len() <= 400);
        let out = buf.finish();
        assert!(out.starts_with("line 1\n"), "{out}");
        assert!(out.ends_with("line 10000\n"), "{out}");
        assert_marker_counts_the_cut(&out, &text);
    }

    #[test]
    fn a_smaller_budget_counts_what_the_buffer_dropped_too() {
        let text = numbered(10_000);
        let mut buf = HeadTailBuffer::new(2_000);
        for chunk in text.as_bytes().chunks(4096) {
            buf.push(chunk);
        }
        let out = buf.finish_within(100);
        assert!(out.starts_with("line 1\n") && out.ends_with("line 10000\n"), "{out}");
        let kept = assert_marker_counts_the_cut(&out, &text);
        assert!(kept <= 100, "{out}");
    }

    #[test]
    fn buffer_is_lossy_on_invalid_utf8() {
        let mut buf = HeadTailBuffer::new(100);
        assert!(buf.is_empty());
        buf.push(b"ok \xff\xfe end");
        assert_eq!(buf.finish(), "ok \u{fffd}\u{fffd} end");
    }
}
