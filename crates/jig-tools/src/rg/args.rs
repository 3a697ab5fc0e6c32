//! The command line of jig's `rg`: ripgrep's common flags, parsed by hand.
//!
//! Accepted spellings follow ripgrep: `-i`, `--ignore-case`, bundled short
//! flags (`-inw`), values glued or apart (`-A3`, `-A 3`, `--context=3`,
//! `--glob '*.rs'`), and `--` to end the flags. Anything else is refused
//! with a message that lists what is supported, so a model learns the subset
//! instead of getting silently different results.

use std::path::PathBuf;

/// Flags that take no value, as `(short, long)`.
const SWITCHES: &[(Option<char>, &str)] = &[
    (Some('i'), "ignore-case"),
    (Some('s'), "case-sensitive"),
    (Some('S'), "smart-case"),
    (Some('F'), "fixed-strings"),
    (Some('w'), "word-regexp"),
    (Some('x'), "line-regexp"),
    (Some('v'), "invert-match"),
    (Some('o'), "only-matching"),
    (Some('n'), "line-number"),
    (Some('N'), "no-line-number"),
    (Some('H'), "with-filename"),
    (Some('I'), "no-filename"),
    (Some('l'), "files-with-matches"),
    (None, "files-without-match"),
    (Some('c'), "count"),
    (None, "count-matches"),
    (Some('q'), "quiet"),
    (Some('u'), "unrestricted"),
    (Some('.'), "hidden"),
    (Some('a'), "text"),
    (None, "binary"),
    (Some('h'), "help"),
    (Some('V'), "version"),
    (None, "no-heading"),
    (None, "no-ignore"),
    (None, "files"),
    (None, "no-messages"),
    (Some('L'), "follow"),
    (None, "no-require-git"),
    (None, "no-config"),
];

/// Flags that take a value, as `(short, long)`.
const VALUED: &[(Option<char>, &str)] = &[
    (Some('e'), "regexp"),
    (Some('g'), "glob"),
    (Some('t'), "type"),
    (Some('T'), "type-not"),
    (Some('A'), "after-context"),
    (Some('B'), "before-context"),
    (Some('C'), "context"),
    (Some('m'), "max-count"),
    (Some('d'), "max-depth"),
    (None, "iglob"),
    (None, "color"),
    (None, "sort"),
];

/// Everything one invocation asked for.
#[derive(Debug, Default)]
pub(super) struct Args {
    pub patterns: Vec<String>,
    pub paths: Vec<PathBuf>,
    pub ignore_case: bool,
    pub smart_case: bool,
    pub fixed: bool,
    pub word: bool,
    pub line: bool,
    pub invert: bool,
    pub only_matching: bool,
    pub line_number: Option<bool>,
    pub with_filename: Option<bool>,
    pub mode: Mode,
    pub quiet: bool,
    pub hidden: bool,
    pub no_ignore: bool,
    pub text: bool,
    pub binary: bool,
    pub follow: bool,
    pub require_git: bool,
    pub no_messages: bool,
    pub globs: Vec<String>,
    pub iglobs: Vec<String>,
    pub types: Vec<String>,
    pub types_not: Vec<String>,
    pub after: usize,
    pub before: usize,
    pub max_count: Option<u64>,
    pub max_depth: Option<usize>,
    /// `--sort path`: one thread, files in path order (ripgrep's default
    /// order is whatever its threads produce).
    pub sort_path: bool,
}

/// What to print.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub(super) enum Mode {
    /// Matching lines.
    #[default]
    Lines,
    /// Paths of files with a match.
    FilesWithMatches,
    /// Paths of files without a match.
    FilesWithoutMatch,
    /// `path:count` per file, counting lines.
    Count,
    /// `path:count` per file, counting matches.
    CountMatches,
    /// The files that would be searched.
    Files,
    /// Usage text.
    Help,
    /// Version line.
    Version,
}

/// Why the command line was refused.
#[derive(Debug)]
pub(super) enum ArgError {
    /// A flag outside the supported subset.
    Unsupported(String),
    /// A known flag used wrongly.
    Invalid(String),
}

impl std::fmt::Display for ArgError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ArgError::Unsupported(flag) => write!(f, "unsupported flag {flag}; supported: {}", supported()),
            ArgError::Invalid(text) => f.write_str(text),
        }
    }
}

/// The supported flags, for error messages and `--help`.
pub(super) fn supported() -> String {
    SWITCHES
        .iter()
        .chain(VALUED)
        .map(|(short, long)| match short {
            Some(c) => format!("-{c}/--{long}"),
            None => format!("--{long}"),
        })
        .collect::<Vec<_>>()
        .join(" ")
}

impl Args {
    /// Parses the arguments after the program name.
    pub(super) fn parse(argv: Vec<String>) -> Result<Args, ArgError> {
        let mut args = Args {
            require_git: true,
            ..Args::default()
        };
        let mut positional = Vec::new();
        let mut unrestricted = 0;
        let mut iter = argv.into_iter();
        while let Some(arg) = iter.next() {
            if arg == "--" {
                positional.extend(iter.by_ref());
                break;
            }
            if let Some(long) = arg.strip_prefix("--") {
                let (name, glued) = match long.split_once('=') {
                    Some((name, value)) => (name, Some(value.to_string())),
                    None => (long, None),
                };
                if VALUED.iter().any(|(_, l)| *l == name) {
                    let value = match glued {
                        Some(value) => value,
                        None => next_value(&mut iter, &arg)?,
                    };
                    args.set_value(name, value)?;
                } else if SWITCHES.iter().any(|(_, l)| *l == name) && glued.is_none() {
                    args.set_switch(name, &mut unrestricted);
                } else {
                    return Err(ArgError::Unsupported(format!("--{name}")));
                }
            } else if arg.len() > 1 && arg.starts_with('-') {
                args.parse_shorts(&arg, &mut iter, &mut unrestricted)?;
            } else {
                positional.push(arg);
            }
        }
        args.apply_unrestricted(unrestricted);
        let mut positional = positional.into_iter();
        let needs_pattern = !matches!(args.mode, Mode::Files | Mode::Help | Mode::Version);
        if args.patterns.is_empty() && needs_pattern {
            match positional.next() {
                Some(pattern) => args.patterns.push(pattern),
                None => {
                    return Err(ArgError::Invalid(
                        "no pattern given; usage: rg [OPTIONS] PATTERN [PATH ...]".to_string(),
                    ));
                }
            }
        }
        args.paths = positional.map(PathBuf::from).collect();
        Ok(args)
    }

    /// Parses `-inA3`-style bundles.
    fn parse_shorts(
        &mut self,
        arg: &str,
        iter: &mut impl Iterator<Item = String>,
        unrestricted: &mut usize,
    ) -> Result<(), ArgError> {
        let body = &arg[1..];
        for (at, c) in body.char_indices() {
            if let Some((_, long)) = VALUED.iter().find(|(s, _)| *s == Some(c)) {
                let rest = &body[at + c.len_utf8()..];
                let rest = rest.strip_prefix('=').unwrap_or(rest);
                let value = if rest.is_empty() {
                    next_value(iter, &format!("-{c}"))?
                } else {
                    rest.to_string()
                };
                return self.set_value(long, value);
            }
            match SWITCHES.iter().find(|(s, _)| *s == Some(c)) {
                Some((_, long)) => self.set_switch(long, unrestricted),
                None => return Err(ArgError::Unsupported(format!("-{c}"))),
            }
        }
        Ok(())
    }

    fn set_switch(&mut self, long: &str, unrestricted: &mut usize) {
        match long {
            "ignore-case" => (self.ignore_case, self.smart_case) = (true, false),
            "case-sensitive" => (self.ignore_case, self.smart_case) = (false, false),
            "smart-case" => (self.ignore_case, self.smart_case) = (false, true),
            "fixed-strings" => self.fixed = true,
            "word-regexp" => self.word = true,
            "line-regexp" => self.line = true,
            "invert-match" => self.invert = true,
            "only-matching" => self.only_matching = true,
            "line-number" => self.line_number = Some(true),
            "no-line-number" => self.line_number = Some(false),
            "with-filename" => self.with_filename = Some(true),
            "no-filename" => self.with_filename = Some(false),
            "files-with-matches" => self.mode = Mode::FilesWithMatches,
            "files-without-match" => self.mode = Mode::FilesWithoutMatch,
            "count" => self.mode = Mode::Count,
            "count-matches" => self.mode = Mode::CountMatches,
            "files" => self.mode = Mode::Files,
            "help" => self.mode = Mode::Help,
            "version" => self.mode = Mode::Version,
            "quiet" => self.quiet = true,
            "unrestricted" => *unrestricted += 1,
            "hidden" => self.hidden = true,
            "no-ignore" => self.no_ignore = true,
            "text" => (self.text, self.binary) = (true, false),
            "binary" => (self.text, self.binary) = (false, true),
            "follow" => self.follow = true,
            "no-require-git" => self.require_git = false,
            "no-messages" => self.no_messages = true,
            // Always the case here: output is never a terminal, and jig's
            // rg reads no config file.
            _ => {}
        }
    }

    fn set_value(&mut self, long: &str, value: String) -> Result<(), ArgError> {
        match long {
            "regexp" => self.patterns.push(value),
            "glob" => self.globs.push(value),
            "iglob" => self.iglobs.push(value),
            "type" => self.types.push(value),
            "type-not" => self.types_not.push(value),
            "after-context" => self.after = number(long, &value)?,
            "before-context" => self.before = number(long, &value)?,
            "context" => (self.after, self.before) = (number(long, &value)?, number(long, &value)?),
            "max-count" => self.max_count = Some(number(long, &value)?),
            "max-depth" => self.max_depth = Some(number(long, &value)?),
            // Output never has colour; other sort orders would print
            // something else, so they are refused.
            "color" => one_of(long, &value, &["never", "auto"])?,
            "sort" => {
                one_of(long, &value, &["path", "none"])?;
                self.sort_path = value == "path";
            }
            _ => {}
        }
        Ok(())
    }

    fn apply_unrestricted(&mut self, count: usize) {
        if count >= 1 {
            self.no_ignore = true;
        }
        if count >= 2 {
            self.hidden = true;
        }
        if count >= 3 && !self.text {
            self.binary = true;
        }
    }
}

fn next_value(iter: &mut impl Iterator<Item = String>, flag: &str) -> Result<String, ArgError> {
    iter.next()
        .ok_or_else(|| ArgError::Invalid(format!("flag {flag} needs a value")))
}

fn number<T: std::str::FromStr>(flag: &str, value: &str) -> Result<T, ArgError> {
    value
        .parse()
        .map_err(|_| ArgError::Invalid(format!("--{flag} needs a whole number, got {value:?}")))
}

fn one_of(flag: &str, value: &str, allowed: &[&str]) -> Result<(), ArgError> {
    if allowed.contains(&value) {
        return Ok(());
    }
    Err(ArgError::Unsupported(format!(
        "--{flag} {value} (jig's rg supports --{flag} {})",
        allowed.join(" or ")
    )))
}
