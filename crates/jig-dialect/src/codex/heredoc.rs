//! Recognises an `apply_patch` invocation in an `exec_command` `cmd`, so the
//! patch is applied in process instead of spawning a program.
//!
//! Accepted forms (what Codex-trained models write), optionally after one
//! `cd DIR &&` prefix:
//!
//! ```text
//! apply_patch <<'EOF'        apply_patch <<"EOF"        apply_patch <<EOF
//! *** Begin Patch            (also <<-EOF, and any delimiter word)
//! ...
//! *** End Patch
//! EOF
//!
//! apply_patch '*** Begin Patch ... *** End Patch'   (one quoted argument)
//! ```
//!
//! The parser is a small hand-written scanner, not a shell: the body of a
//! heredoc is taken verbatim (no expansion, as with a quoted delimiter), and
//! a double-quoted argument only undoes `\"`, `\\`, `\$` and `` \` ``. A `cmd`
//! whose first word is `apply_patch` but fits none of the forms is
//! [`Invocation::Malformed`], so the model is told how to write it rather
//! than getting "command not found".

/// What a `cmd` is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Invocation {
    /// Not an `apply_patch` call: run it.
    NotPatch,
    /// A patch to apply in `workdir` (relative to the command's workdir).
    Patch {
        /// The `DIR` of a `cd DIR &&` prefix.
        workdir: Option<String>,
        /// The patch text.
        patch: String,
    },
    /// Looks like `apply_patch` but cannot be read; the text says why.
    Malformed(String),
}

const NAMES: &[&str] = &["apply_patch", "applypatch"];

/// Classifies `cmd`.
pub fn parse(cmd: &str) -> Invocation {
    let text = cmd.trim_start();
    let (workdir, rest) = match strip_cd(text) {
        Some((dir, rest)) => (Some(dir), rest),
        None => (None, text),
    };
    let Some(rest) = NAMES.iter().find_map(|name| strip_word(rest, name)) else {
        return Invocation::NotPatch;
    };
    let rest = rest.trim_start_matches([' ', '\t']);
    let parsed = if let Some(heredoc) = rest.strip_prefix("<<") {
        parse_heredoc(heredoc)
    } else {
        parse_argument(rest)
    };
    match parsed {
        Ok(patch) => Invocation::Patch { workdir, patch },
        Err(why) => Invocation::Malformed(format!(
            "cannot read the apply_patch command: {why}; write it as a heredoc: apply_patch <<'EOF' (newline) *** Begin Patch ... *** End Patch (newline) EOF"
        )),
    }
}

/// `word` followed by whitespace or the end; returns what follows.
fn strip_word<'a>(text: &'a str, word: &str) -> Option<&'a str> {
    let rest = text.strip_prefix(word)?;
    match rest.chars().next() {
        None => Some(rest),
        Some(c) if c.is_whitespace() || c == '<' => Some(rest),
        Some(_) => None,
    }
}

/// `cd DIR && rest` → `(DIR, rest)`.
fn strip_cd(text: &str) -> Option<(String, &str)> {
    let rest = strip_word(text, "cd")?.trim_start_matches([' ', '\t']);
    let (dir, after) = shell_word(rest).ok()?;
    let after = after.trim_start_matches([' ', '\t']).strip_prefix("&&")?;
    Some((dir, after.trim_start()))
}

/// One shell word at the start of `text`: bare, '...' or "..."; returns the
/// word and what follows.
fn shell_word(text: &str) -> Result<(String, &str), String> {
    match text.chars().next() {
        Some(quote @ ('\'' | '"')) => {
            let body = &text[1..];
            let end = find_closing(body, quote).ok_or_else(|| format!("unclosed {quote} quote"))?;
            let word = &body[..end];
            let word = if quote == '"' {
                unescape_double(word)
            } else {
                word.to_string()
            };
            Ok((word, &body[end + 1..]))
        }
        Some(_) => {
            let end = text
                .find(|c: char| c.is_whitespace() || c == '&' || c == ';')
                .unwrap_or(text.len());
            if end == 0 {
                return Err("expected a word".to_string());
            }
            Ok((text[..end].to_string(), &text[end..]))
        }
        None => Err("expected a word".to_string()),
    }
}

/// Index of the closing quote in `body` (a backslash escapes inside "...").
fn find_closing(body: &str, quote: char) -> Option<usize> {
    let mut escaped = false;
    for (at, c) in body.char_indices() {
        match c {
            _ if escaped => escaped = false,
            '\\' if quote == '"' => escaped = true,
            c if c == quote => return Some(at),
            _ => {}
        }
    }
    None
}

fn unescape_double(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\\'
            && let Some(&next) = chars.peek()
            && matches!(next, '"' | '\\' | '$' | '`')
        {
            out.push(next);
            chars.next();
            continue;
        }
        out.push(c);
    }
    out
}

/// After `<<`: `[-] DELIM` to the end of the line, then the body up to a
/// line that is exactly the delimiter, then nothing but whitespace.
fn parse_heredoc(text: &str) -> Result<String, String> {
    let strip_tabs = text.starts_with('-');
    let text = text.strip_prefix('-').unwrap_or(text).trim_start_matches([' ', '\t']);
    let (first_line, body) = text.split_once('\n').ok_or("the heredoc has no body")?;
    let (delimiter, after) = shell_word(first_line.trim_end())?;
    if !after.trim().is_empty() {
        return Err(format!(
            "unexpected text after the heredoc delimiter: {:?}",
            after.trim()
        ));
    }
    let mut lines = Vec::new();
    let mut rest = body.split_inclusive('\n');
    loop {
        let Some(line) = rest.next() else {
            return Err(format!("the heredoc is not closed by a line `{delimiter}`"));
        };
        let bare = line.strip_suffix('\n').unwrap_or(line);
        let bare = bare.strip_suffix('\r').unwrap_or(bare);
        let bare = if strip_tabs {
            bare.trim_start_matches('\t')
        } else {
            bare
        };
        if bare == delimiter {
            break;
        }
        lines.push(if strip_tabs {
            line.trim_start_matches('\t')
        } else {
            line
        });
    }
    let trailing: String = rest.collect();
    if !trailing.trim().is_empty() {
        return Err(format!(
            "unexpected commands after the heredoc: {:?}; run them in a separate exec_command call",
            trailing.trim()
        ));
    }
    Ok(lines.concat())
}

/// `'PATCH'` or `"PATCH"` as the only argument.
fn parse_argument(text: &str) -> Result<String, String> {
    if text.trim().is_empty() {
        return Err("no patch given".to_string());
    }
    let (patch, after) = shell_word(text)?;
    if !after.trim().is_empty() {
        return Err(format!("unexpected text after the patch argument: {:?}", after.trim()));
    }
    Ok(patch)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn patch(workdir: Option<&str>, text: &str) -> Invocation {
        Invocation::Patch {
            workdir: workdir.map(str::to_string),
            patch: text.to_string(),
        }
    }

    #[test]
    fn heredoc_forms() {
        let body = "*** Begin Patch\n*** End Patch\n";
        for open in ["<<'EOF'", "<<\"EOF\"", "<<EOF", "<< 'EOF'"] {
            let cmd = format!("apply_patch {open}\n{body}EOF\n");
            assert_eq!(parse(&cmd), patch(None, body), "{cmd}");
        }
        let cmd = format!("cd 'sub dir' && apply_patch <<'PATCH'\n{body}PATCH");
        assert_eq!(parse(&cmd), patch(Some("sub dir"), body));
        let cmd = format!("apply_patch <<-EOF\n\t{body}\tEOF\n");
        assert_eq!(parse(&cmd), patch(None, "*** Begin Patch\n*** End Patch\n"));
    }

    #[test]
    fn single_argument() {
        let cmd = "apply_patch '*** Begin Patch\n*** End Patch'";
        assert_eq!(parse(cmd), patch(None, "*** Begin Patch\n*** End Patch"));
        let cmd = "apply_patch \"*** Begin Patch\n+say \\\"hi\\\"\n*** End Patch\"";
        assert_eq!(parse(cmd), patch(None, "*** Begin Patch\n+say \"hi\"\n*** End Patch"));
    }

    #[test]
    fn other_commands_run() {
        for cmd in ["ls", "apply_patches x", "echo apply_patch", "cd src && ls"] {
            assert_eq!(parse(cmd), Invocation::NotPatch, "{cmd}");
        }
    }

    #[test]
    fn broken_invocations_are_explained() {
        for cmd in [
            "apply_patch <<'EOF'\n*** Begin Patch\n",
            "apply_patch <<EOF\nbody\nEOF\nrm -rf x\n",
            "apply_patch",
            "apply_patch 'unclosed",
        ] {
            assert!(matches!(parse(cmd), Invocation::Malformed(_)), "{cmd}");
        }
    }
}
