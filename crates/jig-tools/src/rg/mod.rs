//! `rg` for machines without ripgrep: models trained on Codex and Claude Code
//! search by running `rg` in the shell, so jig answers that command itself.
//!
//! [`main`] implements ripgrep's common flags (see `args.rs`) with ripgrep's
//! own crates (`ignore` for the walk, `grep-searcher` and `grep-printer` for
//! matching and output), configured the way ripgrep configures them.
//! [`shim_dir`] makes an `rg` link to the jig executable when no real `rg` is
//! on `PATH`; [`use_shim_dir`] puts that directory first on the `PATH` of
//! every command jig starts (a process-wide setting, because jig must not
//! change its own environment).
//!
//! Invariant: for every flag it accepts, stdout and the exit code are
//! byte for byte what `rg --sort path` prints when its stdout is not a
//! terminal (jig's commands never write to one): no heading, no colour, no
//! line numbers unless `-n`, and files in path order (ripgrep's default
//! order is whatever its threads produce). The parity test in
//! `tests/it/rg_parity.rs` holds this against Debian's ripgrep. Exit codes are
//! ripgrep's: 0 when something matched, 1 when nothing did, 2 on an error.
//! Flags outside the subset are refused (exit 2) rather than ignored, so the
//! model never reads silently different results; only `--help` and
//! `--version` say that this is jig's `rg`.

mod args;
mod print;
mod shim;
mod walk;

use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use grep_regex::{RegexMatcher, RegexMatcherBuilder};
use grep_searcher::{BinaryDetection, Searcher, SearcherBuilder};

use args::{ArgError, Args, Mode};
use print::Printer;
pub(crate) use shim::{apply_path_prefix, path_export};
pub use shim::{readable_stdin, shim_dir, use_shim_dir};

/// jig's standard input as `rg` sees it. ripgrep reads its standard input
/// when no path is given and stdin is a file, pipe or socket (see
/// [`readable_stdin`]); otherwise it searches the working directory. A `-`
/// path always reads it.
pub enum Input<'a> {
    /// Nothing to read (in-process callers): `-` reads nothing.
    None,
    /// A terminal or device: searched only when named as `-`.
    Terminal(&'a mut dyn Read),
    /// A file, pipe or socket: searched when no path is given, or as `-`.
    Readable(&'a mut dyn Read),
}

/// Runs `rg` with `args` (without the program name) in `cwd`, writing results
/// to `out` and messages to `err`; returns the exit code.
pub fn main(args: Vec<String>, cwd: &Path, input: Input<'_>, out: &mut dyn Write, err: &mut dyn Write) -> i32 {
    let args = match Args::parse(args) {
        Ok(args) => args,
        Err(error @ ArgError::Unsupported(_)) => {
            let _ = writeln!(err, "rg (jig): {error}");
            return 2;
        }
        Err(error @ ArgError::Invalid(_)) => {
            let _ = writeln!(err, "rg: {error}");
            return 2;
        }
    };
    match args.mode {
        Mode::Help => {
            let _ = writeln!(
                out,
                "rg (jig): ripgrep's common flags, built into jig\nusage: rg [OPTIONS] PATTERN [PATH ...]\n       rg --files [PATH ...]\nflags: {}",
                args::supported()
            );
            return 0;
        }
        Mode::Version => {
            let _ = writeln!(out, "ripgrep 14.1.1 (jig {})", env!("CARGO_PKG_VERSION"));
            return 0;
        }
        _ => {}
    }
    match Run::new(args, cwd, input) {
        Ok(mut run) => run.execute(out, err),
        Err(message) => {
            let _ = writeln!(err, "rg: {message}");
            2
        }
    }
}

/// How binary files are treated (`-a`, `--binary` or `-uuu`, or neither).
#[derive(Clone, Copy)]
enum BinaryMode {
    /// Walked files are dropped at the first NUL byte.
    Skip,
    /// Every file is searched; a match in binary data is reported.
    Report,
    /// Binary data is searched as text.
    Text,
}

/// Something to search: a path as walked, or standard input.
enum Haystack<'a> {
    /// A file; `explicit` when the user named it (searched even if a
    /// filter would skip it, and binary data is reported, not skipped).
    File { path: &'a Path, explicit: bool },
    /// Standard input.
    Stdin,
}

/// One resolved invocation.
struct Run<'a> {
    args: Args,
    cwd: PathBuf,
    stdin: Option<&'a mut dyn Read>,
    /// Search standard input instead of the working directory.
    stdin_only: bool,
    matcher: Option<RegexMatcher>,
    with_filename: bool,
    errors: bool,
}

impl<'a> Run<'a> {
    fn new(mut args: Args, cwd: &Path, input: Input<'a>) -> Result<Run<'a>, String> {
        if args.mode == Mode::Count && args.only_matching {
            args.mode = Mode::CountMatches;
        }
        let matcher = if args.mode == Mode::Files {
            None
        } else {
            Some(build_matcher(&args)?)
        };
        let stdin_only = matches!(input, Input::Readable(_)) && args.paths.is_empty() && args.mode != Mode::Files;
        let stdin = match input {
            Input::None => None,
            Input::Terminal(reader) | Input::Readable(reader) => Some(reader),
        };
        let one_file = match args.paths.as_slice() {
            [] => stdin_only,
            [path] => path == Path::new("-") || !cwd.join(path).is_dir(),
            _ => false,
        };
        let with_filename = args.with_filename.unwrap_or(!one_file);
        Ok(Run {
            args,
            cwd: cwd.to_path_buf(),
            stdin,
            stdin_only,
            matcher,
            with_filename,
            errors: false,
        })
    }

    fn execute(&mut self, out: &mut dyn Write, err: &mut dyn Write) -> i32 {
        // ripgrep knows no match is possible and searches nothing.
        if self.args.max_count == Some(0) && self.matcher.is_some() {
            return 1;
        }
        let matched = match &self.matcher {
            None => self.list_files(out, err),
            Some(matcher) => {
                let matcher = matcher.clone();
                let mut printer = Printer::new(&self.args, self.with_filename, out);
                self.search_all(&matcher, &mut printer, err)
            }
        };
        match (matched, self.errors) {
            (true, _) if self.args.quiet => 0,
            (_, true) => 2,
            (true, false) => 0,
            (false, false) => 1,
        }
    }

    /// `--files`: prints what would be searched; returns whether anything was.
    fn list_files(&mut self, out: &mut dyn Write, err: &mut dyn Write) -> bool {
        let mut listed = false;
        let quiet = self.args.quiet;
        self.walk(err, &mut |shown, _| {
            listed = true;
            !quiet && print::path_line(out, shown).is_ok()
        });
        listed
    }

    /// Searches every haystack; returns whether any had a match.
    fn search_all(&mut self, matcher: &RegexMatcher, printer: &mut Printer<'_>, err: &mut dyn Write) -> bool {
        let mut searcher = self.searcher();
        let quiet = self.args.quiet;
        let binary = self.binary_mode();
        let mut stdin = self.stdin.take();
        let mut matched = false;
        let mut failures = Vec::new();
        let mut searched = false;
        let mut visit = |shown: &Path, haystack: Haystack<'_>| {
            searched = true;
            searcher.set_binary_detection(binary_detection(binary, &haystack));
            let reader: &mut dyn Read = match stdin.as_mut() {
                Some(reader) => *reader,
                None => &mut std::io::empty(),
            };
            match printer.search(&mut searcher, matcher, shown, haystack, reader) {
                Ok(found) => matched |= found,
                Err(error) if error.kind() == std::io::ErrorKind::BrokenPipe => return false,
                Err(error) => failures.push(format!("{}: {error}", shown.display())),
            }
            !(matched && quiet)
        };
        if self.stdin_only {
            visit(Path::new("<stdin>"), Haystack::Stdin);
        } else {
            self.walk(err, &mut visit);
        }
        for failure in failures {
            self.message(err, &failure);
        }
        if self.args.paths.is_empty() && !searched {
            self.message(
                err,
                "No files were searched, which means ripgrep probably applied a filter you didn't expect.",
            );
        }
        matched
    }

    fn binary_mode(&self) -> BinaryMode {
        if self.args.text {
            BinaryMode::Text
        } else if self.args.binary {
            BinaryMode::Report
        } else {
            BinaryMode::Skip
        }
    }

    /// Walks every root in order, calling `visit` with each haystack's
    /// printed path until it returns `false`.
    fn walk(&mut self, err: &mut dyn Write, visit: &mut dyn FnMut(&Path, Haystack<'_>) -> bool) {
        let roots: Vec<(PathBuf, Option<PathBuf>)> = if self.args.paths.is_empty() {
            vec![(self.cwd.clone(), None)]
        } else {
            self.args
                .paths
                .iter()
                // Collecting the components drops `.` segments, which would
                // keep `-g` globs (anchored at `cwd`) from matching.
                .map(|path| (self.cwd.join(path).components().collect(), Some(path.clone())))
                .collect()
        };
        for (root, given) in roots {
            if given.as_deref() == Some(Path::new("-")) {
                if !visit(Path::new("<stdin>"), Haystack::Stdin) {
                    return;
                }
                continue;
            }
            if std::fs::symlink_metadata(&root).is_err() {
                let name = given.as_deref().unwrap_or(Path::new("."));
                self.message(
                    err,
                    &format!("{}: No such file or directory (os error 2)", name.display()),
                );
                continue;
            }
            let walk = match walk::walker(&self.args, &self.cwd, &root) {
                Ok(walk) => walk,
                Err(message) => {
                    self.message(err, &message);
                    return;
                }
            };
            for entry in walk {
                let entry = match entry {
                    Ok(entry) => entry,
                    Err(error) => {
                        self.message(err, &error.to_string());
                        continue;
                    }
                };
                let Some(explicit) = searchable(&entry) else { continue };
                let shown = shown_path(&root, given.as_deref(), entry.path());
                let haystack = Haystack::File {
                    path: entry.path(),
                    explicit,
                };
                if !visit(&shown, haystack) {
                    return;
                }
            }
        }
    }

    fn searcher(&self) -> Searcher {
        SearcherBuilder::new()
            .line_number(self.line_number())
            .invert_match(self.args.invert)
            .before_context(self.args.before)
            .after_context(self.args.after)
            .max_matches(self.args.max_count)
            .build()
    }

    /// ripgrep numbers lines only on request when its stdout is not a
    /// terminal.
    fn line_number(&self) -> bool {
        self.args.line_number.unwrap_or(false)
    }

    fn message(&mut self, err: &mut dyn Write, text: &str) {
        self.errors = true;
        if !self.args.no_messages {
            let _ = writeln!(err, "rg: {text}");
        }
    }
}

/// Whether a walked entry is searched, and if so whether the user named it:
/// named entries that are not directories always are (symlinks included),
/// others only when they are files.
fn searchable(entry: &ignore::DirEntry) -> Option<bool> {
    let file_type = entry.file_type()?;
    if entry.depth() == 0 {
        let is_dir = file_type.is_dir() || (entry.path_is_symlink() && entry.path().is_dir());
        return (!is_dir).then_some(true);
    }
    file_type.is_file().then_some(false)
}

/// The binary detection ripgrep uses for a haystack: named files and
/// standard input are searched to the end and a match is reported, walked
/// files are dropped at the first NUL byte, unless `-a` or `--binary`.
fn binary_detection(mode: BinaryMode, haystack: &Haystack<'_>) -> BinaryDetection {
    let explicit = match haystack {
        Haystack::File { explicit, .. } => *explicit,
        Haystack::Stdin => true,
    };
    match mode {
        BinaryMode::Text => BinaryDetection::none(),
        BinaryMode::Skip if !explicit => BinaryDetection::quit(b'\x00'),
        BinaryMode::Skip | BinaryMode::Report => BinaryDetection::convert(b'\x00'),
    }
}

fn build_matcher(args: &Args) -> Result<RegexMatcher, String> {
    let mut builder = RegexMatcherBuilder::new();
    builder
        .case_insensitive(args.ignore_case)
        .case_smart(args.smart_case)
        .fixed_strings(args.fixed)
        .word(args.word)
        .whole_line(args.line)
        .line_terminator(Some(b'\n'));
    if !args.text {
        builder.ban_byte(Some(b'\x00'));
    }
    builder.build_many(&args.patterns).map_err(|error| format!("{error}"))
}

/// The path as ripgrep prints it: the root as the user wrote it, joined with
/// the path below it; relative to the working directory when no root was
/// given.
fn shown_path(root: &Path, given: Option<&Path>, path: &Path) -> PathBuf {
    let rel = path.strip_prefix(root).unwrap_or(path);
    match given {
        None => rel.to_path_buf(),
        Some(given) if rel.as_os_str().is_empty() => given.to_path_buf(),
        Some(given) => given.join(rel),
    }
}
