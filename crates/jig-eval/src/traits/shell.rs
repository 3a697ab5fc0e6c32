//! Shell command text as the graders see it: the command a shell-running
//! tool call carries, cut into simple commands (segments) with their
//! redirections and heredoc bodies.
//!
//! This is deliberately not a shell parser. It knows quotes, backslash
//! escapes, `$(…)` kept inside a word, the separators `&&`, `||`, `|`,
//! `|&`, `;`, `&`, newlines and parentheses, the redirections `>`, `>>`,
//! `&>`, `N>`, `>&N`, `<`, `<<`/`<<-` (heredoc bodies are cut out before
//! splitting, so a patch in a heredoc is never split on its `;` or `|`) and
//! `<<<`, comments, leading `VAR=value` assignments, wrappers (`sudo`,
//! `env`, `time`, `timeout`, `nice`, `nohup`, `command`, `exec`, `xargs`)
//! and `bash -c SCRIPT` / `sh -lc SCRIPT`, which it splits in turn. It does
//! not expand variables, globs or aliases, and does not follow functions,
//! loops or `eval`: a command hidden behind those is not seen. Invariant:
//! every input, however malformed, gives segments and never panics.

use serde_json::Value;

/// One simple command: its words after wrappers and assignments are
/// stripped, and what it redirects.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Segment {
    /// The words; `argv[0]` is the program.
    pub argv: Vec<String>,
    /// Files written through `>` / `>>` / `&>`.
    pub writes: Vec<Redirect>,
    /// Files read through `<`.
    pub reads: Vec<String>,
    /// A heredoc body fed to the command.
    pub heredoc: Option<String>,
    /// The command got its arguments from `xargs` (so file paths came
    /// from the previous command in the pipe).
    pub via_xargs: bool,
}

/// An output redirection into a file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Redirect {
    /// The target as written.
    pub path: String,
    /// `>>`: the file is appended to, so it existed (or is a log).
    pub append: bool,
}

impl Segment {
    /// The program's base name (`/usr/bin/grep` → `grep`), or `""`.
    pub fn program(&self) -> &str {
        self.argv
            .first()
            .map(|p| p.rsplit('/').next().unwrap_or(p.as_str()))
            .unwrap_or("")
    }

    /// The words after the program.
    pub fn args(&self) -> &[String] {
        self.argv.get(1..).unwrap_or(&[])
    }
}

/// The command of one shell-running tool call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ShellCommand {
    /// The command as a person would read it: the script, or the argv
    /// joined with spaces. Patterns are matched against it.
    pub text: String,
    /// Its simple commands, in order.
    pub segments: Vec<Segment>,
    /// The `workdir` the call asked for, if any.
    pub workdir: Option<String>,
}

/// The tools that run a shell command, in every dialect: generic `shell`,
/// codex `exec_command` (and codex-legacy `shell`), claude `Bash`.
const SHELL_TOOLS: &[&str] = &["shell", "exec_command", "Bash", "bash", "local_shell"];

/// The command of a call to a shell tool: `command` as a string or an argv
/// array, or codex's `cmd`; `None` for other tools and unreadable arguments.
pub(crate) fn command_of(tool: &str, args: &Value) -> Option<ShellCommand> {
    if !SHELL_TOOLS.contains(&tool) {
        return None;
    }
    let workdir = args.get("workdir").and_then(Value::as_str).map(str::to_string);
    let command = args.get("command").or_else(|| args.get("cmd"))?;
    let (text, segments) = match command {
        Value::String(script) => (script.clone(), split_script(script)),
        Value::Array(words) => {
            let argv: Vec<String> = words.iter().filter_map(Value::as_str).map(str::to_string).collect();
            let text = match inline_script(&argv) {
                Some(script) => script.to_string(),
                None => argv.join(" "),
            };
            let segment = Segment {
                argv,
                ..Segment::default()
            };
            (text, normalize(vec![segment]))
        }
        _ => return None,
    };
    Some(ShellCommand {
        text,
        segments,
        workdir,
    })
}

/// The segments of a script.
pub(crate) fn split_script(script: &str) -> Vec<Segment> {
    normalize(segments_of(lex(script)))
}

/// `bash -lc SCRIPT` and the like: the script, when `argv` is a shell
/// running one.
fn inline_script(argv: &[String]) -> Option<&str> {
    let program = argv.first()?.rsplit('/').next()?;
    if !matches!(program, "bash" | "sh" | "zsh" | "dash") {
        return None;
    }
    let flag = argv
        .iter()
        .position(|a| a.starts_with('-') && !a.starts_with("--") && a.contains('c'))?;
    argv.get(flag + 1).map(String::as_str)
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Tok {
    Word(String),
    Sep,
    Out {
        append: bool,
    },
    In,
    HereString,
    /// A heredoc; the body is filled in when its lines are reached.
    Heredoc(Option<String>),
}

struct Lexer {
    chars: Vec<char>,
    pos: usize,
    toks: Vec<Tok>,
    /// Heredocs whose bodies start after the next newline: token index and delimiter.
    pending: Vec<(usize, String)>,
}

fn lex(script: &str) -> Vec<Tok> {
    let mut lx = Lexer {
        chars: script.chars().collect(),
        pos: 0,
        toks: Vec::new(),
        pending: Vec::new(),
    };
    while let Some(c) = lx.peek(0) {
        match c {
            ' ' | '\t' | '\r' => lx.pos += 1,
            '\\' if lx.peek(1) == Some('\n') => lx.pos += 2,
            '\n' => {
                lx.pos += 1;
                lx.toks.push(Tok::Sep);
                lx.read_heredoc_bodies();
            }
            '#' => {
                while lx.peek(0).is_some_and(|c| c != '\n') {
                    lx.pos += 1;
                }
            }
            ';' | '(' | ')' => {
                lx.pos += 1;
                lx.toks.push(Tok::Sep);
            }
            '|' | '&' => lx.operator(c),
            '>' => lx.output(),
            '<' => lx.input(),
            _ => {
                let word = lx.word();
                let fd = !word.is_empty() && word.bytes().all(|b| b.is_ascii_digit());
                if !(fd && matches!(lx.peek(0), Some('>' | '<'))) {
                    lx.toks.push(Tok::Word(word));
                }
            }
        }
    }
    // A heredoc never closed takes the rest of the script (already consumed).
    for (index, _) in std::mem::take(&mut lx.pending) {
        lx.toks[index] = Tok::Heredoc(Some(String::new()));
    }
    lx.toks
}

impl Lexer {
    fn peek(&self, ahead: usize) -> Option<char> {
        self.chars.get(self.pos + ahead).copied()
    }

    fn operator(&mut self, c: char) {
        if c == '&' && self.peek(1) == Some('>') {
            self.pos += 1;
            self.output();
            return;
        }
        self.pos += 1;
        if matches!(self.peek(0), Some(n) if n == c || (c == '|' && n == '&')) {
            self.pos += 1;
        }
        self.toks.push(Tok::Sep);
    }

    fn output(&mut self) {
        self.pos += 1;
        let append = self.peek(0) == Some('>');
        if append || self.peek(0) == Some('|') {
            self.pos += 1;
        }
        if self.peek(0) == Some('&') {
            // `>&2`: a descriptor, not a file.
            self.pos += 1;
            self.skip_blanks();
            self.word();
            return;
        }
        self.toks.push(Tok::Out { append });
    }

    fn input(&mut self) {
        self.pos += 1;
        match (self.peek(0), self.peek(1)) {
            (Some('<'), Some('<')) => {
                self.pos += 2;
                self.toks.push(Tok::HereString);
            }
            (Some('<'), _) => {
                self.pos += 1;
                if self.peek(0) == Some('-') {
                    self.pos += 1;
                }
                self.skip_blanks();
                let delimiter = self.word();
                self.pending.push((self.toks.len(), delimiter));
                self.toks.push(Tok::Heredoc(None));
            }
            _ => self.toks.push(Tok::In),
        }
    }

    fn skip_blanks(&mut self) {
        while matches!(self.peek(0), Some(' ' | '\t')) {
            self.pos += 1;
        }
    }

    /// Reads the bodies of the pending heredocs, one after another.
    fn read_heredoc_bodies(&mut self) {
        for (index, delimiter) in std::mem::take(&mut self.pending) {
            let mut body = String::new();
            while self.pos < self.chars.len() {
                let end = self.chars[self.pos..]
                    .iter()
                    .position(|&c| c == '\n')
                    .map_or(self.chars.len(), |n| self.pos + n);
                let line: String = self.chars[self.pos..end].iter().collect();
                self.pos = (end + 1).min(self.chars.len());
                if line.trim() == delimiter {
                    break;
                }
                body.push_str(&line);
                body.push('\n');
            }
            self.toks[index] = Tok::Heredoc(Some(body));
        }
    }

    /// One word, quotes removed; stops at blanks and operators.
    fn word(&mut self) -> String {
        let mut word = String::new();
        while let Some(c) = self.peek(0) {
            match c {
                ' ' | '\t' | '\r' | '\n' | ';' | '|' | '&' | '<' | '>' | '(' | ')' => break,
                '\'' => {
                    self.pos += 1;
                    while let Some(q) = self.peek(0) {
                        self.pos += 1;
                        if q == '\'' {
                            break;
                        }
                        word.push(q);
                    }
                }
                '"' => {
                    self.pos += 1;
                    while let Some(q) = self.peek(0) {
                        self.pos += 1;
                        match q {
                            '"' => break,
                            '\\' if matches!(self.peek(0), Some('"' | '\\' | '$' | '`')) => {
                                word.extend(self.peek(0));
                                self.pos += 1;
                            }
                            _ => word.push(q),
                        }
                    }
                }
                '\\' => {
                    self.pos += 1;
                    word.extend(self.peek(0));
                    self.pos += 1;
                }
                '$' if self.peek(1) == Some('(') => self.substitution(&mut word),
                _ => {
                    word.push(c);
                    self.pos += 1;
                }
            }
        }
        word
    }

    /// `$(…)` kept whole inside the word it is part of.
    fn substitution(&mut self, word: &mut String) {
        let mut depth = 0usize;
        while let Some(c) = self.peek(0) {
            word.push(c);
            self.pos += 1;
            match c {
                '(' => depth += 1,
                ')' => {
                    depth = depth.saturating_sub(1);
                    if depth == 0 {
                        break;
                    }
                }
                _ => {}
            }
        }
    }
}

fn segments_of(toks: Vec<Tok>) -> Vec<Segment> {
    enum Expect {
        Arg,
        Write { append: bool },
        Read,
        Text,
    }
    let mut segments = Vec::new();
    let mut current = Segment::default();
    let mut expect = Expect::Arg;
    for tok in toks {
        match tok {
            Tok::Word(word) => match std::mem::replace(&mut expect, Expect::Arg) {
                Expect::Arg => current.argv.push(word),
                Expect::Write { append } => current.writes.push(Redirect { path: word, append }),
                Expect::Read => current.reads.push(word),
                Expect::Text => {}
            },
            Tok::Out { append } => expect = Expect::Write { append },
            Tok::In => expect = Expect::Read,
            Tok::HereString => expect = Expect::Text,
            Tok::Heredoc(body) => current.heredoc = body,
            Tok::Sep => {
                expect = Expect::Arg;
                let done = std::mem::take(&mut current);
                if done != Segment::default() {
                    segments.push(done);
                }
            }
        }
    }
    if current != Segment::default() {
        segments.push(current);
    }
    segments
}

/// Words that only group or prefix a command.
const KEYWORDS: &[&str] = &[
    "if", "then", "else", "elif", "fi", "do", "done", "while", "until", "!", "{", "}", "time", "command", "exec",
    "nohup", "builtin",
];

/// Strips assignments, keywords and wrappers, and splits `sh -c` scripts.
fn normalize(segments: Vec<Segment>) -> Vec<Segment> {
    let mut out = Vec::new();
    for mut segment in segments {
        strip_prefixes(&mut segment);
        if let Some(script) = inline_script(&segment.argv) {
            let mut inner = split_script(script);
            if let Some(last) = inner.last_mut() {
                last.writes.extend(segment.writes);
                last.reads.extend(segment.reads);
            }
            out.extend(inner);
            continue;
        }
        if !segment.argv.is_empty() || !segment.writes.is_empty() {
            out.push(segment);
        }
    }
    out
}

fn strip_prefixes(segment: &mut Segment) {
    loop {
        let Some(first) = segment.argv.first() else { return };
        let skip = if KEYWORDS.contains(&first.as_str()) || is_assignment(first) {
            1
        } else {
            match first.rsplit('/').next().unwrap_or_default() {
                "sudo" | "env" | "nice" => 1 + flags_and(&segment.argv[1..], &["-u", "-n", "-g"], is_assignment),
                // timeout [flags] DURATION COMMAND
                "timeout" => 2 + flags_and(&segment.argv[1..], &["-s", "-k", "--signal", "--kill-after"], |_| false),
                "xargs" => {
                    segment.via_xargs = true;
                    1 + flags_and(
                        &segment.argv[1..],
                        &["-I", "-n", "-P", "-L", "-d", "-E", "-s", "-a"],
                        |_| false,
                    )
                }
                _ => return,
            }
        };
        segment.argv.drain(..skip.min(segment.argv.len()));
    }
}

/// How many leading words of `args` are flags (with the values of those
/// in `with_value`) or words `extra` accepts.
fn flags_and(args: &[String], with_value: &[&str], extra: impl Fn(&str) -> bool) -> usize {
    let mut n = 0;
    while let Some(arg) = args.get(n) {
        if with_value.contains(&arg.as_str()) {
            n += 2;
        } else if arg.starts_with('-') || extra(arg) {
            n += 1;
        } else {
            break;
        }
    }
    n
}

fn is_assignment(word: &str) -> bool {
    let Some((name, _)) = word.split_once('=') else {
        return false;
    };
    let mut chars = name.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn argvs(script: &str) -> Vec<Vec<String>> {
        split_script(script).into_iter().map(|s| s.argv).collect()
    }

    #[test]
    fn compound_commands_split_on_their_operators() {
        assert_eq!(
            argvs("cd src && RUST_LOG=1 cargo test -q; rg -n 'a;b' | head -n 3 || echo \"x y\""),
            vec![
                vec!["cd", "src"],
                vec!["cargo", "test", "-q"],
                vec!["rg", "-n", "a;b"],
                vec!["head", "-n", "3"],
                vec!["echo", "x y"],
            ]
        );
    }

    #[test]
    fn heredoc_bodies_are_not_split_and_redirections_are_kept() {
        let segments =
            split_script("apply_patch <<'EOF'\n*** Begin Patch\nx; y | z\n*** End Patch\nEOF\ncat a.txt > b.txt 2>&1");
        assert_eq!(segments.len(), 2, "{segments:?}");
        assert_eq!(
            segments[0].heredoc.as_deref(),
            Some("*** Begin Patch\nx; y | z\n*** End Patch\n")
        );
        assert_eq!(segments[1].argv, vec!["cat", "a.txt"]);
        assert_eq!(
            segments[1].writes,
            vec![Redirect {
                path: "b.txt".into(),
                append: false
            }]
        );
    }

    #[test]
    fn shells_and_wrappers_are_seen_through() {
        let argv = serde_json::json!({"command": ["bash", "-lc", "sudo -E timeout 5 grep -rn foo . | xargs -I {} sed -i s/a/b/ {}"]});
        let command = command_of("shell", &argv).unwrap_or_else(|| panic!("no command"));
        assert_eq!(
            command.text,
            "sudo -E timeout 5 grep -rn foo . | xargs -I {} sed -i s/a/b/ {}"
        );
        let programs: Vec<&str> = command.segments.iter().map(Segment::program).collect();
        assert_eq!(programs, vec!["grep", "sed"]);
        assert!(command.segments[1].via_xargs);
        let cmd = serde_json::json!({"cmd": "ls", "workdir": "src"});
        assert_eq!(
            command_of("exec_command", &cmd).map(|c| c.workdir),
            Some(Some("src".into()))
        );
        assert!(command_of("read_file", &cmd).is_none());
    }
}
