//! The part of a task's `environment/Dockerfile` that a container-free runner
//! can honour, and the first line that needs a real container when there is
//! one.
//!
//! Honoured: `FROM` (one stage), `ARG` (with defaults, scoped as Docker
//! scopes them: an `ARG` before `FROM` is visible to `FROM` and to a later
//! bare `ARG NAME`), `ENV` (`ENV k=v …` and the legacy `ENV k v`), `WORKDIR`,
//! `COPY` and `ADD` of local files from the `environment/` build context,
//! comments, parser directives, and `\` line continuations. `$NAME` and
//! `${NAME}` (with `:-`, `-`, `:+`, `+`) are substituted as Docker does (see
//! the private `words` module).
//!
//! Ignored, because they describe the container rather than its files:
//! `LABEL`, `MAINTAINER`, `EXPOSE`, `VOLUME`, `STOPSIGNAL`, `HEALTHCHECK`,
//! `ONBUILD` (only child images see it), `SHELL` (only `RUN` uses it), and
//! `CMD`/`ENTRYPOINT` (Harbor starts the container with its own command and
//! runs the agent and `tests/test.sh` through exec). `USER root` and
//! `USER 0` are ignored; any other `USER` needs a container, since a local
//! runner cannot run as that user and file permissions would differ.
//! The `--chown`, `--chmod` and `--link` flags of `COPY`/`ADD` are ignored:
//! files keep the mode they have in the build context.
//!
//! Needs a container, naming the line: `RUN`, a second `FROM` (multi-stage),
//! `COPY --from` and other flags, heredocs, wildcard sources, `ADD` of a URL
//! or of a tar archive (Docker unpacks it), substitution forms outside the
//! subset, an `escape` directive other than `\`, and any instruction not
//! listed here.
//!
//! Two deliberate differences from Docker: the reported [`Environment::workdir`]
//! is `/app` when the file sets none (Terminal-Bench's convention; Docker's is
//! `/`), while relative `COPY` destinations before any `WORKDIR` still resolve
//! against `/` as Docker resolves them; and the copy type is [`FileCopy`], not
//! `Copy`, so it does not shadow the `Copy` trait.
//!
//! Invariant: parsing reads text only; [`materialise`] is the one function that
//! touches the filesystem, and it refuses any source that resolves outside the
//! build context.

mod materialise;
mod words;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

pub use materialise::{MaterialiseError, materialise};
use words::{Split, WordError};

/// The working directory reported when the Dockerfile sets none.
pub const DEFAULT_WORKDIR: &str = "/app";

/// What a Dockerfile asks for, as far as a runner without containers goes.
#[derive(Debug, Clone, PartialEq)]
pub enum Plan {
    /// Every line is within the honoured subset.
    Local(Environment),
    /// A line needs a real image build; the task is needs-container.
    NeedsContainer(NeedsContainer),
}

/// The files and settings of a Dockerfile that a local runner reproduces.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Environment {
    /// The `FROM` image, after `ARG` substitution (`python:3.13-slim`).
    pub base_image: String,
    /// The last `WORKDIR`, absolute; [`DEFAULT_WORKDIR`] when none is set.
    pub workdir: String,
    /// Every `COPY`/`ADD`, in file order.
    pub copies: Vec<FileCopy>,
    /// Every `ENV` variable in the order first set, holding its last value.
    pub env: Vec<(String, String)>,
}

/// One `COPY` or `ADD` of local files.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileCopy {
    /// Sources, relative to the build context, as written (after
    /// substitution). Not yet checked against the context: [`materialise`]
    /// does that.
    pub sources: Vec<String>,
    /// The absolute destination in the image, normalised; a trailing `/`
    /// (kept) marks a directory.
    pub dest: String,
    /// The 1-based line the instruction starts on.
    pub line: usize,
}

/// The first line a container-free runner cannot honour.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NeedsContainer {
    /// The 1-based line the instruction starts on.
    pub line: usize,
    /// The instruction as written (continuation lines included).
    pub text: String,
    /// Why it is not honoured.
    pub why: String,
}

impl std::fmt::Display for NeedsContainer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "line {}: {} (`{}`)", self.line, self.why, self.text)
    }
}

/// A Dockerfile that Docker itself would reject, or one that cannot be read.
#[derive(Debug, thiserror::Error)]
pub enum DockerfileError {
    /// The file could not be read.
    #[error("cannot read {}: {source}", path.display())]
    Io {
        /// The Dockerfile.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// A line is not a valid instruction.
    #[error("Dockerfile line {line}: {why} (`{text}`); fix the line")]
    Malformed {
        /// The 1-based line the instruction starts on.
        line: usize,
        /// The instruction as written.
        text: String,
        /// What is wrong.
        why: String,
    },
    /// There is no `FROM` instruction.
    #[error("Dockerfile has no FROM line; add `FROM <image>` before the other instructions")]
    NoFrom,
}

/// Reads and parses the Dockerfile at `path`.
pub fn read(path: &Path) -> Result<Plan, DockerfileError> {
    let text = std::fs::read_to_string(path).map_err(|source| DockerfileError::Io {
        path: path.to_owned(),
        source,
    })?;
    parse(&text)
}

/// Parses Dockerfile text into a [`Plan`].
pub fn parse(text: &str) -> Result<Plan, DockerfileError> {
    let mut state = State::default();
    let outcome = logical_lines(text).and_then(|lines| lines.iter().try_for_each(|line| state.apply(line)));
    match outcome {
        Ok(()) => state.finish().map(Plan::Local),
        Err(Halt::NeedsContainer(needs)) => Ok(Plan::NeedsContainer(needs)),
        Err(Halt::Malformed(error)) => Err(error),
    }
}

/// Why parsing stopped before the end of the file.
enum Halt {
    NeedsContainer(NeedsContainer),
    Malformed(DockerfileError),
}

/// One instruction with its continuation lines joined.
struct Line {
    number: usize,
    text: String,
    keyword: String,
    args: String,
}

impl Line {
    fn needs(&self, why: impl Into<String>) -> Halt {
        Halt::NeedsContainer(NeedsContainer {
            line: self.number,
            text: self.text.clone(),
            why: why.into(),
        })
    }

    fn malformed(&self, why: impl Into<String>) -> Halt {
        Halt::Malformed(DockerfileError::Malformed {
            line: self.number,
            text: self.text.clone(),
            why: why.into(),
        })
    }

    fn word_error(&self, error: WordError) -> Halt {
        match error {
            WordError::Unterminated(what) => self.malformed(format!("unterminated `{what}`")),
            WordError::Unsupported(form) => self.needs(format!("substitution `{form}` is outside the honoured subset")),
        }
    }
}

/// Joins continuation lines, drops comments, and checks parser directives.
fn logical_lines(text: &str) -> Result<Vec<Line>, Halt> {
    let mut lines = Vec::new();
    let mut directives_allowed = true;
    let mut pending: Option<(usize, Vec<&str>, String)> = None;
    for (index, raw) in text.lines().enumerate() {
        let number = index + 1;
        let trimmed = raw.trim();
        if trimmed.starts_with('#') {
            if directives_allowed && pending.is_none() {
                check_directive(number, trimmed)?;
            }
            continue;
        }
        directives_allowed = false;
        if trimmed.is_empty() {
            // Docker skips blank lines, also inside a continuation.
            continue;
        }
        let (continues, body) = match trimmed.strip_suffix('\\') {
            Some(body) => (true, body),
            None => (false, trimmed),
        };
        let (start, texts, mut joined) = pending.take().unwrap_or((number, Vec::new(), String::new()));
        let mut texts = texts;
        texts.push(raw.trim_end());
        if !joined.is_empty() && !body.is_empty() {
            joined.push(' ');
        }
        joined.push_str(body.trim());
        if continues {
            pending = Some((start, texts, joined));
        } else if !joined.is_empty() {
            lines.push(split_keyword(start, texts.join("\n"), joined));
        }
    }
    if let Some((start, texts, joined)) = pending
        && !joined.is_empty()
    {
        lines.push(split_keyword(start, texts.join("\n"), joined));
    }
    Ok(lines)
}

fn split_keyword(number: usize, text: String, joined: String) -> Line {
    let (keyword, args) = joined.split_once(char::is_whitespace).unwrap_or((joined.as_str(), ""));
    Line {
        number,
        keyword: keyword.to_ascii_uppercase(),
        args: args.trim().to_owned(),
        text: text.trim().to_owned(),
    }
}

/// A parser directive is `# name=value` at the top of the file; only
/// `escape` changes how the rest reads.
fn check_directive(number: usize, comment: &str) -> Result<(), Halt> {
    let body = comment.trim_start_matches('#').trim();
    let Some((name, value)) = body.split_once('=') else {
        return Ok(());
    };
    if name.trim().eq_ignore_ascii_case("escape") && value.trim() != "\\" {
        return Err(Halt::NeedsContainer(NeedsContainer {
            line: number,
            text: comment.to_owned(),
            why: "the escape directive changes line continuations; only `\\` is honoured".into(),
        }));
    }
    Ok(())
}

/// The instructions read so far.
#[derive(Default)]
struct State {
    base_image: Option<String>,
    global_args: BTreeMap<String, Option<String>>,
    args: BTreeMap<String, Option<String>>,
    env: Vec<(String, String)>,
    workdir: Option<String>,
    copies: Vec<FileCopy>,
}

impl State {
    fn apply(&mut self, line: &Line) -> Result<(), Halt> {
        let keyword = line.keyword.as_str();
        if self.base_image.is_none() && !matches!(keyword, "FROM" | "ARG") {
            return Err(line.malformed(format!("{keyword} before FROM")));
        }
        match keyword {
            "FROM" => self.from(line),
            "ARG" => self.arg(line),
            "ENV" => self.env(line),
            "WORKDIR" => self.workdir(line),
            "COPY" => self.copy(line, Source::Copy),
            "ADD" => self.copy(line, Source::Add),
            "USER" => {
                let user = self.words(line, &line.args, Split::Whole)?.concat();
                match user.split(':').next() {
                    Some("root" | "0") => Ok(()),
                    _ => Err(line.needs(format!("USER {user}: a local runner cannot run as another user"))),
                }
            }
            "LABEL" | "MAINTAINER" | "EXPOSE" | "VOLUME" | "STOPSIGNAL" | "HEALTHCHECK" | "ONBUILD" | "SHELL"
            | "CMD" | "ENTRYPOINT" => Ok(()),
            "RUN" => Err(line.needs("RUN executes commands at build time")),
            other => Err(line.needs(format!("{other} is not in the honoured subset"))),
        }
    }

    fn finish(self) -> Result<Environment, DockerfileError> {
        let base_image = self.base_image.ok_or(DockerfileError::NoFrom)?;
        Ok(Environment {
            base_image,
            workdir: self.workdir.unwrap_or_else(|| DEFAULT_WORKDIR.to_owned()),
            copies: self.copies,
            env: self.env,
        })
    }

    /// The value of `$name` on the current line: `ENV` wins over `ARG`, and
    /// before `FROM` only global `ARG`s exist.
    fn lookup(&self, name: &str) -> Option<String> {
        if self.base_image.is_none() {
            return self.global_args.get(name).cloned().flatten();
        }
        self.env
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.clone())
            .or_else(|| self.args.get(name).cloned().flatten())
    }

    fn words(&self, line: &Line, text: &str, split: Split) -> Result<Vec<String>, Halt> {
        words::words(text, split, &|name| self.lookup(name)).map_err(|e| line.word_error(e))
    }

    fn from(&mut self, line: &Line) -> Result<(), Halt> {
        if self.base_image.is_some() {
            return Err(line.needs("a second FROM starts a multi-stage build"));
        }
        let words = self.words(line, &line.args, Split::Words)?;
        let image = words.into_iter().find(|w| !w.starts_with("--"));
        match image {
            Some(image) if !image.is_empty() => {
                self.base_image = Some(image);
                Ok(())
            }
            _ => Err(line.malformed("FROM names no image")),
        }
    }

    fn arg(&mut self, line: &Line) -> Result<(), Halt> {
        let words = self.words(line, &line.args, Split::Words)?;
        if words.is_empty() {
            return Err(line.malformed("ARG names no variable"));
        }
        for word in words {
            let (name, value) = match word.split_once('=') {
                Some((name, value)) => (name.to_owned(), Some(value.to_owned())),
                None => (word, None),
            };
            if self.base_image.is_none() {
                self.global_args.insert(name, value);
            } else {
                let value = value.or_else(|| self.global_args.get(&name).cloned().flatten());
                self.args.insert(name, value);
            }
        }
        Ok(())
    }

    fn env(&mut self, line: &Line) -> Result<(), Halt> {
        let first = line.args.split_whitespace().next().unwrap_or_default();
        let pairs = if first.contains('=') {
            let words = self.words(line, &line.args, Split::Words)?;
            words
                .into_iter()
                .map(|word| match word.split_once('=') {
                    Some((key, value)) => Ok((key.to_owned(), value.to_owned())),
                    None => Err(line.malformed(format!("`{word}` is not KEY=value"))),
                })
                .collect::<Result<Vec<_>, _>>()?
        } else {
            let Some((key, rest)) = line.args.split_once(char::is_whitespace) else {
                return Err(line.malformed("ENV needs a value"));
            };
            let value = self.words(line, rest, Split::Whole)?.concat();
            vec![(key.to_owned(), value)]
        };
        for (key, value) in pairs {
            if key.is_empty() {
                return Err(line.malformed("ENV with an empty name"));
            }
            match self.env.iter_mut().find(|(k, _)| *k == key) {
                Some(slot) => slot.1 = value,
                None => self.env.push((key, value)),
            }
        }
        Ok(())
    }

    fn workdir(&mut self, line: &Line) -> Result<(), Halt> {
        let dir = self.words(line, &line.args, Split::Whole)?.concat();
        if dir.is_empty() {
            return Err(line.malformed("WORKDIR names no directory"));
        }
        self.workdir = Some(self.resolve(&dir));
        Ok(())
    }

    /// `path` made absolute against the current `WORKDIR` (Docker's `/` when
    /// none is set) and normalised; a trailing `/` is kept.
    fn resolve(&self, path: &str) -> String {
        let base = self.workdir.as_deref().unwrap_or("/");
        let joined = if path.starts_with('/') {
            path.to_owned()
        } else {
            format!("{base}/{path}")
        };
        let mut parts: Vec<&str> = Vec::new();
        for part in joined.split('/') {
            match part {
                "" | "." => {}
                ".." => {
                    parts.pop();
                }
                part => parts.push(part),
            }
        }
        let mut out = format!("/{}", parts.join("/"));
        if path.ends_with('/') && out != "/" {
            out.push('/');
        }
        out
    }

    fn copy(&mut self, line: &Line, kind: Source) -> Result<(), Halt> {
        if line.args.contains("<<") {
            return Err(line.needs("heredoc sources are not honoured"));
        }
        let mut rest = line.args.as_str();
        let mut flags = Vec::new();
        while rest.starts_with("--") {
            let (flag, tail) = rest.split_once(char::is_whitespace).unwrap_or((rest, ""));
            flags.push(flag);
            rest = tail.trim_start();
        }
        for flag in flags {
            let name = flag.split('=').next().unwrap_or_default();
            if !matches!(name, "--chown" | "--chmod" | "--link") {
                return Err(line.needs(format!("{} {name} is not honoured", kind.keyword())));
            }
        }
        let mut words = match json_array(rest) {
            Some(items) => items
                .iter()
                .map(|item| words::substitute(item, &|name| self.lookup(name)).map_err(|e| line.word_error(e)))
                .collect::<Result<Vec<_>, _>>()?,
            None => self.words(line, rest, Split::Words)?,
        };
        let Some(dest) = words.pop() else {
            return Err(line.malformed(format!("{} needs a source and a destination", kind.keyword())));
        };
        if words.is_empty() {
            return Err(line.malformed(format!("{} needs a source and a destination", kind.keyword())));
        }
        if words.len() > 1 && !dest.ends_with('/') {
            return Err(line.malformed("with several sources the destination must end with `/`"));
        }
        for source in &words {
            if source.contains(['*', '?', '[']) {
                return Err(line.needs(format!("wildcard source `{source}` is not honoured")));
            }
            if kind == Source::Add {
                if source.contains("://") || source.starts_with("git@") {
                    return Err(line.needs(format!("ADD of the URL `{source}` fetches at build time")));
                }
                if is_archive(source) {
                    return Err(line.needs(format!("ADD unpacks the archive `{source}`")));
                }
            }
        }
        let dest = self.resolve(&dest);
        self.copies.push(FileCopy {
            sources: words,
            dest,
            line: line.number,
        });
        Ok(())
    }
}

/// Which instruction a copy came from: `ADD` does more than `COPY`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Source {
    Copy,
    Add,
}

impl Source {
    fn keyword(self) -> &'static str {
        match self {
            Self::Copy => "COPY",
            Self::Add => "ADD",
        }
    }
}

/// The exec form `["a", "b"]`, if the arguments are one.
fn json_array(args: &str) -> Option<Vec<String>> {
    if !args.starts_with('[') {
        return None;
    }
    serde_json::from_str(args).ok()
}

/// Docker's `ADD` unpacks local tar archives (compressed or not).
fn is_archive(source: &str) -> bool {
    const SUFFIXES: [&str; 8] = [
        ".tar", ".tar.gz", ".tgz", ".tar.bz2", ".tbz2", ".tar.xz", ".txz", ".tar.zst",
    ];
    let lower = source.to_ascii_lowercase();
    SUFFIXES.iter().any(|suffix| lower.ends_with(suffix))
}
