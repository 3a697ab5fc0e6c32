//! The YAML frontmatter of a `SKILL.md`: the block between a first line
//! `---` and the next `---`, then the body.
//!
//! Skills need only top-level string fields (`name`, `description`), so
//! this reads the subset of YAML that skills written for Claude Code and
//! Codex use for them, without a YAML library: `key: value` with plain,
//! single- or double-quoted values, plain values continued on indented
//! lines, and block scalars (`|`, `>`, with `-` or `+`). Nested tables and
//! lists (`metadata:`, `allowed-tools:`) are skipped, never misread as
//! top-level keys. Invariant: parsing never panics and never guesses: text
//! it cannot read gives a [`FrontmatterError`] that says what is wrong.

use std::collections::BTreeMap;

/// A parsed `SKILL.md`: its top-level scalar fields and its body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Frontmatter {
    /// Top-level string fields, by key.
    pub fields: BTreeMap<String, String>,
    /// Everything after the closing `---`, leading blank lines removed.
    pub body: String,
}

/// Why a `SKILL.md` has no usable frontmatter.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FrontmatterError {
    /// The file does not start with a `---` line.
    #[error("no YAML frontmatter: the file must start with a line `---`, then `name:` and `description:`, then `---`")]
    Missing,
    /// No closing `---` line.
    #[error("the YAML frontmatter is not closed: add a line `---` after its last field")]
    Unclosed,
    /// A line that is not `key: value`.
    #[error("frontmatter line {line} is not `key: value`: {text:?}")]
    BadLine {
        /// 1-based line number in the file.
        line: usize,
        /// The line.
        text: String,
    },
    /// A quoted value with no closing quote.
    #[error("frontmatter line {line}: the quoted value of `{key}` is not closed")]
    Unterminated {
        /// 1-based line number in the file.
        line: usize,
        /// The key.
        key: String,
    },
}

/// Splits `text` into frontmatter fields and body.
pub fn parse(text: &str) -> Result<Frontmatter, FrontmatterError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let lines: Vec<&str> = text.split('\n').map(|l| l.strip_suffix('\r').unwrap_or(l)).collect();
    if lines.first().map(|l| l.trim_end()) != Some("---") {
        return Err(FrontmatterError::Missing);
    }
    let close = lines
        .iter()
        .skip(1)
        .position(|l| l.trim_end() == "---")
        .map(|i| i + 1)
        .ok_or(FrontmatterError::Unclosed)?;
    let fields = fields(&lines[1..close])?;
    let body = lines[close + 1..].join("\n");
    let body = body.trim_start_matches(['\n', '\r']).to_string();
    Ok(Frontmatter { fields, body })
}

/// The top-level fields of the frontmatter `lines` (which start at file line 2).
fn fields(lines: &[&str]) -> Result<BTreeMap<String, String>, FrontmatterError> {
    let mut fields = BTreeMap::new();
    let mut i = 0;
    while i < lines.len() {
        let line = lines[i];
        let number = i + 2;
        i += 1;
        if line.trim().is_empty() || line.trim_start().starts_with('#') || line.starts_with([' ', '\t']) {
            // Blank, comment, or the inside of a nested value we skip.
            continue;
        }
        if line.starts_with("- ") || line == "-" {
            continue;
        }
        let Some((key, rest)) = line.split_once(':') else {
            return Err(FrontmatterError::BadLine {
                line: number,
                text: line.to_string(),
            });
        };
        let key = key.trim().trim_matches(['"', '\'']).to_string();
        let rest = rest.trim();
        // The indented lines after this key belong to it.
        let start = i;
        while i < lines.len() && (lines[i].trim().is_empty() || lines[i].starts_with([' ', '\t'])) {
            i += 1;
        }
        let continued = &lines[start..i];
        let value = match rest.chars().next() {
            None => {
                // A nested table or list (or an empty value): not a string field.
                continue;
            }
            Some('|') | Some('>') => block_scalar(rest, continued),
            Some(quote @ ('"' | '\'')) => {
                quoted(rest, continued, quote).ok_or_else(|| FrontmatterError::Unterminated {
                    line: number,
                    key: key.clone(),
                })?
            }
            Some('[') | Some('{') => continue,
            Some(_) => plain(rest, continued),
        };
        fields.insert(key, value);
    }
    Ok(fields)
}

/// A plain scalar, folded with its continuation lines; a ` #` comment ends it.
fn plain(first: &str, continued: &[&str]) -> String {
    let first = first.split_once(" #").map_or(first, |(v, _)| v);
    let mut words: Vec<&str> = vec![first.trim()];
    words.extend(continued.iter().map(|l| l.trim()).filter(|l| !l.is_empty()));
    words.join(" ")
}

/// A quoted scalar that may run over several lines; `None` when unclosed.
fn quoted(first: &str, continued: &[&str], quote: char) -> Option<String> {
    let mut text = first[1..].to_string();
    for line in continued {
        text.push(' ');
        text.push_str(line.trim());
    }
    let mut out = String::new();
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match (quote, c) {
            ('\'', '\'') if chars.peek() == Some(&'\'') => {
                chars.next();
                out.push('\'');
            }
            ('"', '\\') => match chars.next()? {
                'n' => out.push('\n'),
                't' => out.push('\t'),
                other => out.push(other),
            },
            (q, c) if c == q => return Some(out),
            (_, c) => out.push(c),
        }
    }
    None
}

/// A `|` (literal) or `>` (folded) block scalar over the indented `lines`.
fn block_scalar(header: &str, lines: &[&str]) -> String {
    let indent = lines
        .iter()
        .filter(|l| !l.trim().is_empty())
        .map(|l| l.len() - l.trim_start().len())
        .min()
        .unwrap_or(0);
    let body: Vec<&str> = lines.iter().map(|l| l.get(indent..).unwrap_or("")).collect();
    let mut text = if header.starts_with('|') {
        body.join("\n")
    } else {
        fold(&body)
    };
    let trimmed = text.trim_end_matches('\n').len();
    text.truncate(trimmed);
    if !header.contains('-') {
        text.push('\n');
    }
    text
}

/// Folds lines as YAML's `>` does: single breaks become spaces, blank lines breaks.
fn fold(lines: &[&str]) -> String {
    let mut out = String::new();
    let mut pending_break = false;
    for line in lines {
        if line.trim().is_empty() {
            out.push('\n');
            pending_break = false;
            continue;
        }
        if pending_break {
            out.push(' ');
        }
        out.push_str(line);
        pending_break = true;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_plain_quoted_and_block_fields_and_skips_nested_ones() {
        let text = "---\nname: pdf-tools\ndescription: >-\n  Fill PDF forms\n  and merge files.\nlicense: 'MIT'\n\
metadata:\n  short-description: nested\n  version: 2\nallowed-tools:\n  - Bash\nnote: \"a \\\"quoted\\\" word\" # c\n\
summary: one\n  two\n---\n\n# Body\nline\n";
        let parsed = parse(text).unwrap();
        assert_eq!(parsed.fields["name"], "pdf-tools");
        assert_eq!(parsed.fields["description"], "Fill PDF forms and merge files.");
        assert_eq!(parsed.fields["license"], "MIT");
        assert_eq!(parsed.fields["note"], "a \"quoted\" word");
        assert_eq!(parsed.fields["summary"], "one two");
        assert!(!parsed.fields.contains_key("short-description"));
        assert!(!parsed.fields.contains_key("metadata"));
        assert_eq!(parsed.body, "# Body\nline\n");
    }

    #[test]
    fn a_literal_block_keeps_its_lines() {
        let parsed = parse("---\ndescription: |\n  one\n  two\nname: x\n---\n").unwrap();
        assert_eq!(parsed.fields["description"], "one\ntwo\n");
        assert_eq!(parsed.body, "");
    }

    #[test]
    fn missing_unclosed_and_bad_frontmatter_say_what_is_wrong() {
        assert_eq!(parse("# Title\n"), Err(FrontmatterError::Missing));
        assert_eq!(parse("---\nname: x\n"), Err(FrontmatterError::Unclosed));
        assert_eq!(
            parse("---\nname x\n---\n"),
            Err(FrontmatterError::BadLine {
                line: 2,
                text: "name x".into()
            })
        );
        assert_eq!(
            parse("---\nname: 'x\n---\n"),
            Err(FrontmatterError::Unterminated {
                line: 2,
                key: "name".into()
            })
        );
    }
}
