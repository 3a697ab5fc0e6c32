//! A text file as lines plus its line-ending conventions.
//!
//! Invariant: `Text::parse(s).render() == s` for every string, so a file is
//! only changed where a chunk changed it. A file whose every line ends in
//! `\r\n` is read as CRLF and written back as CRLF, new lines included; a
//! file with mixed endings is read as LF, so stray `\r`s stay part of their
//! lines (the tolerant matcher ignores them) and come back out unchanged.
//! Whether the file ends with a newline is kept as it was; an empty file
//! counts as ending with one, so text added to it does. This module must not
//! know about chunks or matching.

/// The line terminator a file uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Eol {
    Lf,
    CrLf,
}

impl Eol {
    fn as_str(self) -> &'static str {
        match self {
            Eol::Lf => "\n",
            Eol::CrLf => "\r\n",
        }
    }
}

/// A file's lines without terminators, and how to put them back together.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Text {
    /// The lines, without their terminators.
    pub lines: Vec<String>,
    eol: Eol,
    final_newline: bool,
}

impl Text {
    /// Splits `content` into lines, remembering its conventions.
    pub fn parse(content: &str) -> Self {
        let newlines = content.matches('\n').count();
        let eol = if newlines > 0 && content.matches("\r\n").count() == newlines {
            Eol::CrLf
        } else {
            Eol::Lf
        };
        if content.is_empty() {
            return Text {
                lines: Vec::new(),
                eol,
                final_newline: true,
            };
        }
        let (body, final_newline) = match content.strip_suffix(eol.as_str()) {
            Some(body) => (body, true),
            None => (content, false),
        };
        let lines = body.split(eol.as_str()).map(str::to_owned).collect();
        Text {
            lines,
            eol,
            final_newline,
        }
    }

    /// Joins the lines back with the file's conventions.
    pub fn render(&self) -> String {
        if self.lines.is_empty() {
            return String::new();
        }
        let mut out = self.lines.join(self.eol.as_str());
        if self.final_newline {
            out.push_str(self.eol.as_str());
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_every_convention() {
        for content in [
            "",
            "\n",
            "a",
            "a\n",
            "a\nb",
            "a\r\nb\r\n",
            "a\r\nb\n",
            "a\r\nb",
            "\n\n",
            "a\r\n\r\n",
        ] {
            assert_eq!(Text::parse(content).render(), content, "{content:?}");
        }
    }

    #[test]
    fn crlf_only_when_every_line_is_crlf() {
        assert_eq!(Text::parse("a\r\nb\r\n").lines, vec!["a", "b"]);
        assert_eq!(Text::parse("a\r\nb\n").lines, vec!["a\r", "b"]);
    }

    #[test]
    fn new_lines_take_the_file_convention() {
        let mut text = Text::parse("a\r\n");
        text.lines.push("b".to_owned());
        assert_eq!(text.render(), "a\r\nb\r\n");
        let mut empty = Text::parse("");
        empty.lines.push("x".to_owned());
        assert_eq!(empty.render(), "x\n");
    }
}
