//! A shell `case`-style glob: `*` (any run of characters, `/` included),
//! `?` (one character) and `[...]` classes (`[!...]` negates, `a-z` ranges).
//!
//! Why not `globset`: its `{a,b}` alternation would make `${HOME}` a pattern,
//! and rule elements are argv words, not paths, so path semantics would
//! surprise. To match a literal `*`, `?` or `[`, put it in a class: `/[*]`.
//! This module must stay allocation-free at match time and never panic on
//! malformed input (an unclosed `[` is rejected by [`Glob::new`]).

/// A compiled glob.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Glob {
    tokens: Vec<Token>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Token {
    Char(char),
    Any,
    Star,
    Class { negated: bool, items: Vec<(char, char)> },
}

impl Glob {
    /// True when `text` uses any glob metacharacter.
    pub(crate) fn is_pattern(text: &str) -> bool {
        text.contains(['*', '?', '['])
    }

    /// Compiles `text`; the error says what is wrong.
    pub(crate) fn new(text: &str) -> Result<Glob, String> {
        let mut tokens = Vec::new();
        let mut chars = text.chars().peekable();
        while let Some(c) = chars.next() {
            match c {
                '*' => tokens.push(Token::Star),
                '?' => tokens.push(Token::Any),
                '[' => {
                    let negated = matches!(chars.peek(), Some('!' | '^'));
                    if negated {
                        chars.next();
                    }
                    let mut items = Vec::new();
                    let mut closed = false;
                    let mut first = true;
                    while let Some(c) = chars.next() {
                        if c == ']' && !first {
                            closed = true;
                            break;
                        }
                        first = false;
                        let mut lookahead = chars.clone();
                        if lookahead.next() == Some('-')
                            && let Some(end) = lookahead.next().filter(|e| *e != ']')
                        {
                            chars.next();
                            chars.next();
                            items.push((c, end));
                        } else {
                            items.push((c, c));
                        }
                    }
                    if !closed {
                        return Err(format!("unclosed `[` in glob `{text}`"));
                    }
                    tokens.push(Token::Class { negated, items });
                }
                c => tokens.push(Token::Char(c)),
            }
        }
        Ok(Glob { tokens })
    }

    /// Whether the whole of `text` matches.
    pub(crate) fn matches(&self, text: &str) -> bool {
        let chars: Vec<char> = text.chars().collect();
        match_from(&self.tokens, &chars)
    }
}

fn match_from(tokens: &[Token], text: &[char]) -> bool {
    // Iterative wildcard matching with single backtrack point: linear-ish and
    // free of recursion depth issues on long arguments.
    let (mut t, mut s) = (0usize, 0usize);
    let mut star: Option<(usize, usize)> = None;
    while s < text.len() {
        let step = match tokens.get(t) {
            Some(Token::Star) => {
                star = Some((t, s));
                t += 1;
                continue;
            }
            Some(Token::Any) => true,
            Some(Token::Char(c)) => *c == text[s],
            Some(Token::Class { negated, items }) => {
                let hit = items.iter().any(|(a, b)| *a <= text[s] && text[s] <= *b);
                hit != *negated
            }
            None => false,
        };
        if step {
            t += 1;
            s += 1;
        } else if let Some((st, ss)) = star {
            t = st + 1;
            s = ss + 1;
            star = Some((st, ss + 1));
        } else {
            return false;
        }
    }
    tokens[t..].iter().all(|tok| *tok == Token::Star)
}

#[cfg(test)]
mod tests {
    use super::Glob;

    #[test]
    fn globs() {
        let cases = [
            ("mkfs*", "mkfs.ext4", true),
            ("mkfs*", "mkfs", true),
            ("mkfs*", "xmkfs", false),
            ("/[*]", "/*", true),
            ("/[*]", "/a", false),
            ("release/*", "release/1.0", true),
            ("*:main", "HEAD:main", true),
            ("*:main", "main", false),
            ("/dev/sd?", "/dev/sda", true),
            ("[!n]*", "null", false),
            ("[a-c]x", "bx", true),
            ("${HOME}", "${HOME}", true),
        ];
        for (pattern, text, want) in cases {
            let glob = Glob::new(pattern).unwrap();
            assert_eq!(glob.matches(text), want, "{pattern} vs {text}");
        }
        assert!(Glob::new("[abc").is_err());
    }
}
