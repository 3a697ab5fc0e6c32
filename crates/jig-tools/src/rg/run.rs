//! One resolved `rg` invocation: which mode ripgrep would run in, and the
//! search or `--files` listing in that mode.
//!
//! Invariant: the choice of threads is ripgrep's — one thread with
//! `--sort path`, for a single file or standard input alone, or on a single
//! CPU, and then the walk is sorted and one printer writes every file in
//! path order; otherwise the parallel walk of `parallel.rs`. Both modes visit
//! the same files with the same settings and print the same bytes per file.

use std::io::{BufWriter, Read, Write};
use std::path::{Path, PathBuf};

use grep_regex::{RegexMatcher, RegexMatcherBuilder};
use grep_searcher::{BinaryDetection, Searcher, SearcherBuilder};

use super::args::{Args, Mode};
use super::parallel::{self, AfterMatch, Handover, Item, Searched, Writer};
use super::print::{self, FileSeparator, Printer};
use super::walk::{self, Root, Step, Target};
use super::{Haystack, Input, Messages, Walked, missing};

/// ripgrep's cap on the number of threads.
const MAX_THREADS: usize = 12;

/// The buffer between the single-threaded printer and stdout: ripgrep
/// block-buffers a stdout that is not a terminal.
const OUT_BUFFER: usize = 64 * 1024;

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

/// One resolved invocation.
pub(super) struct Run<'a> {
    args: Args,
    cwd: PathBuf,
    stdin: Option<&'a mut dyn Read>,
    /// Search standard input instead of the working directory.
    stdin_only: bool,
    matcher: Option<RegexMatcher>,
    with_filename: bool,
}

impl<'a> Run<'a> {
    pub(super) fn new(mut args: Args, cwd: &Path, input: Input<'a>) -> Result<Run<'a>, String> {
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
        })
    }

    pub(super) fn execute(&mut self, out: &mut dyn Write, err: &mut dyn Write) -> i32 {
        // ripgrep knows no match is possible and searches nothing.
        if self.args.max_count == Some(0) && self.matcher.is_some() {
            return 1;
        }
        let mut messages = Messages {
            err,
            silent: self.args.no_messages,
            errors: false,
        };
        let walked = if self.threads() > 1 {
            self.parallel(out, &mut messages)
        } else {
            self.sequential(out, &mut messages)
        };
        if self.matcher.is_some() && self.args.paths.is_empty() && !walked.searched {
            messages.report("No files were searched, which means ripgrep probably applied a filter you didn't expect.");
        }
        match (walked.matched, messages.errors) {
            (true, _) if self.args.quiet => 0,
            (_, true) => 2,
            (true, false) => 0,
            (false, false) => 1,
        }
    }

    /// ripgrep's thread count: one with `--sort path` or when searching
    /// one file or standard input alone, otherwise one per CPU (at most 12).
    fn threads(&self) -> usize {
        let one_search = self.stdin_only
            || match self.args.paths.as_slice() {
                [path] => path == Path::new("-") || self.cwd.join(path).is_file(),
                _ => false,
            };
        if self.args.sort_path || one_search {
            return 1;
        }
        std::thread::available_parallelism().map_or(1, |n| n.get().min(MAX_THREADS))
    }

    /// The path arguments (the working directory when none was given).
    fn targets(&self) -> Vec<Target> {
        if self.args.paths.is_empty() {
            return vec![walk::target(&self.cwd, None)];
        }
        self.args
            .paths
            .iter()
            .map(|path| match path == Path::new("-") {
                true => Target::Stdin,
                false => walk::target(&self.cwd, Some(path)),
            })
            .collect()
    }

    // ---- one thread, sorted -------------------------------------------

    fn sequential(&mut self, out: &mut dyn Write, messages: &mut Messages<'_>) -> Walked {
        let mut out = BufWriter::with_capacity(OUT_BUFFER, out);
        let walked = match self.matcher.clone() {
            None => self.list_sorted(&mut out, messages),
            Some(matcher) => self.search_sorted(&matcher, &mut out, messages),
        };
        if let Err(error) = out.flush()
            && error.kind() != std::io::ErrorKind::BrokenPipe
        {
            messages.report(&format!("cannot write the results: {error}"));
        }
        walked
    }

    /// `--files`: prints what would be searched.
    fn list_sorted(&self, out: &mut dyn Write, messages: &mut Messages<'_>) -> Walked {
        let mut walked = Walked::default();
        let quiet = self.args.quiet;
        self.walk_sorted(messages, &mut |shown, _| {
            walked.matched = true;
            !quiet && print::path_line(out, shown).is_ok()
        });
        walked
    }

    fn search_sorted(&mut self, matcher: &RegexMatcher, out: &mut dyn Write, messages: &mut Messages<'_>) -> Walked {
        let mut printer = Printer::new(&self.args, self.with_filename, FileSeparator::Printer, out);
        let mut searcher = self.searcher();
        let quiet = self.args.quiet;
        let binary = self.binary_mode();
        let mut stdin = self.stdin.take();
        let mut walked = Walked::default();
        let mut failures = Vec::new();
        let mut visit = |shown: &Path, haystack: Haystack<'_>| {
            walked.searched = true;
            searcher.set_binary_detection(binary_detection(binary, haystack.explicit()));
            let reader: &mut dyn Read = match stdin.as_mut() {
                Some(reader) => *reader,
                None => &mut std::io::empty(),
            };
            match printer.search(&mut searcher, matcher, shown, haystack, reader) {
                Ok(found) => walked.matched |= found,
                Err(error) if error.kind() == std::io::ErrorKind::BrokenPipe => return false,
                Err(error) => failures.push(format!("{}: {error}", shown.display())),
            }
            !(walked.matched && quiet)
        };
        if self.stdin_only {
            visit(Path::new("<stdin>"), Haystack::Stdin);
        } else {
            self.walk_sorted(messages, &mut visit);
        }
        for failure in failures {
            messages.report(&failure);
        }
        walked
    }

    /// Walks every target in order, each sorted by name, calling `visit`
    /// with each haystack's printed path until it returns `false`.
    fn walk_sorted(&self, messages: &mut Messages<'_>, visit: &mut dyn FnMut(&Path, Haystack<'_>) -> bool) {
        for target in self.targets() {
            let root = match target {
                Target::Stdin if visit(Path::new("<stdin>"), Haystack::Stdin) => continue,
                Target::Stdin => return,
                Target::Missing(name) => {
                    messages.report(&missing(&name));
                    continue;
                }
                Target::Walk(root) => root,
            };
            let walk = match walk::sorted(&self.args, &self.cwd, &root) {
                Ok(walk) => walk,
                Err(message) => return messages.report(&message),
            };
            for entry in walk {
                let entry = match entry {
                    Ok(entry) => entry,
                    Err(error) => {
                        messages.report(&error.to_string());
                        continue;
                    }
                };
                let Some(explicit) = walk::searchable(&entry) else {
                    continue;
                };
                let shown = walk::shown_path(&root, entry.path());
                if !visit(
                    &shown,
                    Haystack::File {
                        path: entry.path(),
                        explicit,
                    },
                ) {
                    return;
                }
            }
        }
    }

    // ---- several threads ----------------------------------------------

    fn parallel(&mut self, out: &mut dyn Write, messages: &mut Messages<'_>) -> Walked {
        let mut writer = Writer::new(out, print::file_separator(&self.args));
        let mut walked = Walked::default();
        for step in walk::steps(self.targets()) {
            let found = match step {
                Step::Missing(name) => {
                    messages.report(&missing(&name));
                    continue;
                }
                Step::Stdin => self.stdin_step(&mut writer, messages),
                Step::Walk(roots) => match self.walk_step(&roots, &mut writer, messages) {
                    Some(found) => found,
                    None => break,
                },
            };
            walked.matched |= found.matched;
            walked.searched |= found.searched;
            if writer.broken() || (walked.matched && self.args.quiet) {
                break;
            }
        }
        walked
    }

    /// Walks `roots` on worker threads; `None` when the walker cannot be
    /// built (a bad glob or type), which ends the run.
    fn walk_step(&self, roots: &[Root], writer: &mut Writer<'_>, messages: &mut Messages<'_>) -> Option<Walked> {
        let walker = match walk::parallel(&self.args, &self.cwd, roots) {
            Ok(walker) => walker,
            Err(message) => {
                messages.report(&message);
                return None;
            }
        };
        let after_match = match self.args.quiet {
            true => AfterMatch::Quit,
            false => AfterMatch::Continue,
        };
        let Some(matcher) = &self.matcher else {
            let quiet = self.args.quiet;
            let lister = move || move |item: Item<'_>| list_item(&item, quiet);
            let handover = Handover::Batched;
            return Some(parallel::walk(
                walker,
                roots,
                after_match,
                handover,
                lister,
                writer,
                messages,
            ));
        };
        let (args, with_filename, binary) = (&self.args, self.with_filename, self.binary_mode());
        let (template, matcher) = (self.searcher(), matcher.clone());
        let searcher_for_thread = move || {
            let mut searcher = template.clone();
            let matcher = matcher.clone();
            let mut printer = Printer::new(args, with_filename, FileSeparator::Caller, Vec::new());
            move |item: Item<'_>| search_item(&item, &mut searcher, &matcher, &mut printer, binary)
        };
        Some(parallel::walk(
            walker,
            roots,
            after_match,
            Handover::PerFile,
            searcher_for_thread,
            writer,
            messages,
        ))
    }

    /// Standard input named as `-` among other paths, on this thread.
    fn stdin_step(&mut self, writer: &mut Writer<'_>, messages: &mut Messages<'_>) -> Walked {
        let shown = Path::new("<stdin>");
        let Some(matcher) = &self.matcher else {
            let mut line = Vec::new();
            if !self.args.quiet {
                let _ = print::path_line(&mut line, shown);
            }
            writer.write(Some(shown), &line, messages);
            return Walked {
                matched: true,
                searched: true,
            };
        };
        let mut printer = Printer::new(&self.args, self.with_filename, FileSeparator::Caller, Vec::new());
        let mut searcher = self.searcher();
        searcher.set_binary_detection(binary_detection(self.binary_mode(), true));
        let reader: &mut dyn Read = match self.stdin.as_mut() {
            Some(reader) => *reader,
            None => &mut std::io::empty(),
        };
        let matched = match printer.search(&mut searcher, matcher, shown, Haystack::Stdin, reader) {
            Ok(matched) => matched,
            Err(error) => {
                messages.report(&format!("{}: {error}", shown.display()));
                false
            }
        };
        writer.write(Some(shown), printer.get_mut(), messages);
        Walked {
            matched,
            searched: true,
        }
    }

    // ---- settings -------------------------------------------------------

    fn binary_mode(&self) -> BinaryMode {
        if self.args.text {
            BinaryMode::Text
        } else if self.args.binary {
            BinaryMode::Report
        } else {
            BinaryMode::Skip
        }
    }

    fn searcher(&self) -> Searcher {
        SearcherBuilder::new()
            // ripgrep numbers lines only on request when its stdout is not
            // a terminal.
            .line_number(self.args.line_number.unwrap_or(false))
            .invert_match(self.args.invert)
            .before_context(self.args.before)
            .after_context(self.args.after)
            .max_matches(self.args.max_count)
            .build()
    }
}

/// A worker's `--files` line for one file.
fn list_item(item: &Item<'_>, quiet: bool) -> Searched {
    let mut output = Vec::new();
    if !quiet {
        // Writing to a `Vec` cannot fail.
        let _ = print::path_line(&mut output, item.shown);
    }
    Searched {
        output,
        matched: true,
        failure: None,
    }
}

/// A worker's search of one file, its output taken out of the printer.
fn search_item(
    item: &Item<'_>,
    searcher: &mut Searcher,
    matcher: &RegexMatcher,
    printer: &mut Printer<Vec<u8>>,
    binary: BinaryMode,
) -> Searched {
    searcher.set_binary_detection(binary_detection(binary, item.explicit));
    let haystack = Haystack::File {
        path: item.path,
        explicit: item.explicit,
    };
    let result = printer.search(searcher, matcher, item.shown, haystack, &mut std::io::empty());
    let output = std::mem::take(printer.get_mut());
    match result {
        Ok(matched) => Searched {
            output,
            matched,
            failure: None,
        },
        Err(error) => Searched {
            output,
            matched: false,
            failure: Some(format!("{}: {error}", item.shown.display())),
        },
    }
}

/// The binary detection ripgrep uses for a haystack: named files and
/// standard input are searched to the end and a match is reported, walked
/// files are dropped at the first NUL byte, unless `-a` or `--binary`.
fn binary_detection(mode: BinaryMode, explicit: bool) -> BinaryDetection {
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
