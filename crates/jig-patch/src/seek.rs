//! Finding a chunk's lines in a file, tolerant in stages.
//!
//! Models copy context imperfectly, so matching is tried at four tolerance
//! stages in turn: exact, ignoring trailing whitespace, ignoring surrounding
//! whitespace, and finally folding Unicode punctuation look-alikes (curly
//! quotes, dashes, special spaces, ellipsis) to ASCII. Invariant: a stage is
//! tried over the whole search region before the next, looser one, so a
//! looser match never wins over a stricter one elsewhere, and every match
//! found at the winning stage is reported so the caller can refuse ambiguity.
//! This module must not edit anything or decide what is ambiguous.

use std::borrow::Cow;
use std::ops::Range;

/// How loosely two lines are compared, strictest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Tolerance {
    /// Byte-for-byte.
    Exact,
    /// Ignoring trailing whitespace (including a stray `\r`).
    TrailingWhitespace,
    /// Ignoring leading and trailing whitespace.
    Whitespace,
    /// Also folding Unicode quotes, dashes, spaces and ellipsis to ASCII.
    Punctuation,
}

impl Tolerance {
    /// Every stage, in the order they are tried.
    pub const STAGES: [Tolerance; 4] = [
        Tolerance::Exact,
        Tolerance::TrailingWhitespace,
        Tolerance::Whitespace,
        Tolerance::Punctuation,
    ];

    /// The form of `line` that is compared at this stage.
    fn normalize(self, line: &str) -> Cow<'_, str> {
        match self {
            Tolerance::Exact => Cow::Borrowed(line),
            Tolerance::TrailingWhitespace => Cow::Borrowed(line.trim_end()),
            Tolerance::Whitespace => Cow::Borrowed(line.trim()),
            Tolerance::Punctuation => Cow::Owned(fold_punctuation(line).trim().to_owned()),
        }
    }
}

/// Replaces Unicode look-alikes models emit with the ASCII the file likely has.
fn fold_punctuation(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    for c in line.chars() {
        match c {
            '\u{2018}' | '\u{2019}' | '\u{201A}' | '\u{201B}' | '\u{2032}' => out.push('\''),
            '\u{201C}' | '\u{201D}' | '\u{201E}' | '\u{201F}' | '\u{2033}' => out.push('"'),
            '\u{2010}'..='\u{2015}' | '\u{2212}' => out.push('-'),
            '\u{00A0}' | '\u{2000}'..='\u{200A}' | '\u{202F}' | '\u{205F}' | '\u{3000}' => out.push(' '),
            '\u{2026}' => out.push_str("..."),
            other => out.push(other),
        }
    }
    out
}

/// Every place a pattern matched, at the strictest stage that matched at all.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Found {
    /// The stage that matched.
    pub tolerance: Tolerance,
    /// 0-based first lines of every match, ascending.
    pub starts: Vec<usize>,
}

/// Finds `pattern` in `lines`, considering only match starts in `starts`.
/// `pattern` must not be empty.
pub(crate) fn find_all(lines: &[String], pattern: &[String], starts: Range<usize>) -> Option<Found> {
    let last_start = lines.len().checked_sub(pattern.len())?;
    let starts = starts.start..starts.end.min(last_start + 1);
    if pattern.is_empty() || starts.is_empty() {
        return None;
    }
    let region = &lines[starts.start..starts.end - 1 + pattern.len()];
    Tolerance::STAGES.into_iter().find_map(|tolerance| {
        let hay: Vec<Cow<'_, str>> = region.iter().map(|line| tolerance.normalize(line)).collect();
        let needle: Vec<Cow<'_, str>> = pattern.iter().map(|line| tolerance.normalize(line)).collect();
        let found: Vec<usize> = hay
            .windows(needle.len())
            .enumerate()
            .filter(|(_, window)| *window == needle.as_slice())
            .map(|(offset, _)| starts.start + offset)
            .collect();
        (!found.is_empty()).then_some(Found {
            tolerance,
            starts: found,
        })
    })
}

/// The first line at or after `from` that matches `header`: equal at the
/// strictest stage that finds one, or failing that, containing it.
pub(crate) fn find_header(lines: &[String], header: &str, from: usize) -> Option<usize> {
    let region = lines.get(from..)?;
    let equal = Tolerance::STAGES.into_iter().find_map(|tolerance| {
        let wanted = tolerance.normalize(header);
        region.iter().position(|line| tolerance.normalize(line) == wanted)
    });
    let wanted = Tolerance::Punctuation.normalize(header);
    let contains = || {
        region
            .iter()
            .position(|line| Tolerance::Punctuation.normalize(line).contains(wanted.as_ref()))
    };
    equal
        .or_else(|| if wanted.is_empty() { None } else { contains() })
        .map(|offset| from + offset)
}

/// The 1-based line where `pattern` is most nearly present, for error hints:
/// the start with the most non-blank pattern lines equal at the loosest
/// stage. `None` when no non-blank line matches anywhere.
pub(crate) fn nearest(lines: &[String], pattern: &[String]) -> Option<usize> {
    let norm = |line: &String| Tolerance::Punctuation.normalize(line).into_owned();
    let hay: Vec<String> = lines.iter().map(norm).collect();
    let needle: Vec<String> = pattern.iter().map(norm).collect();
    let score = |start: usize| {
        needle
            .iter()
            .zip(&hay[start..])
            .filter(|(want, have)| !want.is_empty() && want == have)
            .count()
    };
    let (best, score) = (0..hay.len())
        .map(|start| (start, score(start)))
        .max_by_key(|&(start, score)| {
            // Prefer the earliest start among equal scores.
            (score, std::cmp::Reverse(start))
        })?;
    (score > 0).then_some(best + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(text: &str) -> Vec<String> {
        text.lines().map(str::to_owned).collect()
    }

    #[test]
    fn strictest_stage_wins_over_looser_matches_elsewhere() {
        let file = lines("  a\nb\na\nb");
        let found = find_all(&file, &lines("a\nb"), 0..usize::MAX).unwrap();
        assert_eq!(
            found,
            Found {
                tolerance: Tolerance::Exact,
                starts: vec![2]
            }
        );
    }

    #[test]
    fn each_stage_is_reached() {
        let file = lines("x = 1;  \n  y = 2;\nsay(\u{201C}hi\u{201D} \u{2014} ok\u{2026})");
        let at = |pattern: &str| find_all(&file, &lines(pattern), 0..usize::MAX).unwrap().tolerance;
        assert_eq!(at("x = 1;  "), Tolerance::Exact);
        assert_eq!(at("x = 1;"), Tolerance::TrailingWhitespace);
        assert_eq!(at("y = 2;"), Tolerance::Whitespace);
        assert_eq!(at("say(\"hi\" - ok...)"), Tolerance::Punctuation);
    }

    #[test]
    fn respects_the_start_range() {
        let file = lines("a\na\na");
        let found = find_all(&file, &lines("a"), 1..usize::MAX).unwrap();
        assert_eq!(found.starts, vec![1, 2]);
        assert_eq!(find_all(&file, &lines("a"), 3..usize::MAX), None);
        assert_eq!(find_all(&file, &lines("a\na\na\na"), 0..usize::MAX), None);
    }

    #[test]
    fn header_prefers_equal_lines_then_containing() {
        let file = lines("fn alpha_beta() {\n}\nfn alpha() {\n}");
        assert_eq!(find_header(&file, "fn alpha() {", 0), Some(2));
        assert_eq!(find_header(&file, "fn alpha", 0), Some(0));
        assert_eq!(find_header(&file, "fn alpha", 1), Some(2));
        assert_eq!(find_header(&file, "fn gamma", 0), None);
    }

    #[test]
    fn nearest_points_at_the_most_similar_place() {
        let file = lines("one\ntwo\nthree\nfour");
        assert_eq!(nearest(&file, &lines("three\nFOUR")), Some(3));
        assert_eq!(nearest(&file, &lines("zero")), None);
    }
}
