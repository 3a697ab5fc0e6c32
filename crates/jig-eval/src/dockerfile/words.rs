//! The quoting and variable substitution Docker applies to an instruction's
//! arguments: single quotes are literal, double quotes allow `$` expansion
//! and `\"`, `\\`, `\$` escapes, a backslash outside quotes takes the next
//! character literally, and `$NAME`, `${NAME}`, `${NAME:-word}`,
//! `${NAME-word}`, `${NAME:+word}`, `${NAME+word}` expand from the variables
//! in scope (an unknown name expands to nothing, as in Docker).
//!
//! Invariant: this module only transforms text; it never decides whether an
//! instruction is honoured. A substitution form Docker knows but this module
//! does not (`${NAME:?err}`, `${NAME#prefix}`, …) is reported as
//! [`WordError::Unsupported`] so the caller can mark the task needs-container
//! rather than guess.

/// Whether unquoted whitespace separates words or belongs to one value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Split {
    /// Unquoted whitespace ends a word (`COPY a b /dest/`).
    Words,
    /// The whole text is one value, whitespace kept (`ENV KEY a value`).
    Whole,
}

/// Why an argument could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum WordError {
    /// A quote or `${` was opened and never closed.
    Unterminated(&'static str),
    /// A substitution form outside the supported subset.
    Unsupported(String),
}

/// Splits (or joins) `input` into words, removing quotes and expanding
/// variables through `lookup`, which returns `None` for an unset name.
pub(super) fn words(
    input: &str,
    split: Split,
    lookup: &dyn Fn(&str) -> Option<String>,
) -> Result<Vec<String>, WordError> {
    let mut out = Vec::new();
    let mut current = String::new();
    let mut in_word = false;
    let mut chars = input.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            c if c.is_whitespace() && split == Split::Words => {
                if in_word {
                    out.push(std::mem::take(&mut current));
                    in_word = false;
                }
            }
            '\'' => {
                in_word = true;
                loop {
                    match chars.next() {
                        Some('\'') => break,
                        Some(ch) => current.push(ch),
                        None => return Err(WordError::Unterminated("'")),
                    }
                }
            }
            '"' => {
                in_word = true;
                loop {
                    match chars.next() {
                        Some('"') => break,
                        Some('\\') => match chars.next() {
                            Some(ch @ ('"' | '\\' | '$')) => current.push(ch),
                            Some(ch) => {
                                current.push('\\');
                                current.push(ch);
                            }
                            None => return Err(WordError::Unterminated("\"")),
                        },
                        Some('$') => expand(&mut chars, &mut current, lookup)?,
                        Some(ch) => current.push(ch),
                        None => return Err(WordError::Unterminated("\"")),
                    }
                }
            }
            '\\' => {
                in_word = true;
                current.push(chars.next().unwrap_or('\\'));
            }
            '$' => {
                in_word = true;
                expand(&mut chars, &mut current, lookup)?;
            }
            ch => {
                in_word = true;
                current.push(ch);
            }
        }
    }
    match split {
        Split::Words if in_word => out.push(current),
        Split::Words => {}
        Split::Whole => out.push(current.trim().to_owned()),
    }
    Ok(out)
}

/// Expands variables in `input` without touching quotes or backslashes, as
/// Docker does for the items of an exec-form (`["a", "b"]`) argument list.
pub(super) fn substitute(input: &str, lookup: &dyn Fn(&str) -> Option<String>) -> Result<String, WordError> {
    let mut out = String::new();
    let mut chars = input.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '$' => expand(&mut chars, &mut out, lookup)?,
            c => out.push(c),
        }
    }
    Ok(out)
}

/// Expands one substitution; the `$` has been consumed.
fn expand(
    chars: &mut std::iter::Peekable<std::str::Chars<'_>>,
    out: &mut String,
    lookup: &dyn Fn(&str) -> Option<String>,
) -> Result<(), WordError> {
    match chars.peek() {
        Some('{') => {
            chars.next();
            let mut body = String::new();
            let mut depth = 1usize;
            loop {
                match chars.next() {
                    Some('{') => {
                        depth += 1;
                        body.push('{');
                    }
                    Some('}') => {
                        depth -= 1;
                        if depth == 0 {
                            break;
                        }
                        body.push('}');
                    }
                    Some(ch) => body.push(ch),
                    None => return Err(WordError::Unterminated("${")),
                }
            }
            out.push_str(&braced(&body, lookup)?);
        }
        Some(&c) if c.is_ascii_alphabetic() || c == '_' => {
            let mut name = String::new();
            while let Some(&c) = chars.peek() {
                if !(c.is_ascii_alphanumeric() || c == '_') {
                    break;
                }
                name.push(c);
                chars.next();
            }
            out.push_str(&lookup(&name).unwrap_or_default());
        }
        _ => out.push('$'),
    }
    Ok(())
}

/// The value of `${body}`.
fn braced(body: &str, lookup: &dyn Fn(&str) -> Option<String>) -> Result<String, WordError> {
    let name_len = body
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .unwrap_or(body.len());
    let (name, rest) = body.split_at(name_len);
    if name.is_empty() {
        return Err(WordError::Unsupported(format!("${{{body}}}")));
    }
    let value = lookup(name);
    let word = |w: &str| -> Result<String, WordError> { Ok(words(w, Split::Whole, lookup)?.concat()) };
    let set_nonempty = value.as_deref().is_some_and(|v| !v.is_empty());
    if rest.is_empty() {
        Ok(value.unwrap_or_default())
    } else if let Some(w) = rest.strip_prefix(":-") {
        if set_nonempty {
            Ok(value.unwrap_or_default())
        } else {
            word(w)
        }
    } else if let Some(w) = rest.strip_prefix(":+") {
        if set_nonempty { word(w) } else { Ok(String::new()) }
    } else if let Some(w) = rest.strip_prefix('-') {
        match value {
            Some(v) => Ok(v),
            None => word(w),
        }
    } else if let Some(w) = rest.strip_prefix('+') {
        if value.is_some() { word(w) } else { Ok(String::new()) }
    } else {
        Err(WordError::Unsupported(format!("${{{body}}}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars(name: &str) -> Option<String> {
        match name {
            "HOME" => Some("/root".into()),
            "EMPTY" => Some(String::new()),
            _ => None,
        }
    }

    #[test]
    fn quotes_escapes_and_expansion() {
        let got = words(r#"a "b c" 'd $HOME' $HOME ${HOME}x \$HOME"#, Split::Words, &vars);
        assert_eq!(
            got,
            Ok(vec!["a", "b c", "d $HOME", "/root", "/rootx", "$HOME"]
                .into_iter()
                .map(String::from)
                .collect())
        );
    }

    #[test]
    fn default_and_alternative_forms() {
        let one = |s: &str| words(s, Split::Whole, &vars).map(|w| w.concat());
        assert_eq!(one("${NOPE:-dflt}"), Ok("dflt".into()));
        assert_eq!(one("${EMPTY:-dflt}"), Ok("dflt".into()));
        assert_eq!(one("${EMPTY-dflt}"), Ok(String::new()));
        assert_eq!(one("${HOME:+alt}"), Ok("alt".into()));
        assert_eq!(one("${NOPE+alt}"), Ok(String::new()));
        assert_eq!(one("${NOPE:-$HOME/x}"), Ok("/root/x".into()));
        assert!(matches!(one("${HOME#/}"), Err(WordError::Unsupported(_))));
        assert_eq!(one("\"open"), Err(WordError::Unterminated("\"")));
    }
}
