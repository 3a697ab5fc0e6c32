//! Output of jig's `rg`: the `grep-printer` printer ripgrep would pick.
//!
//! Matching lines go through the standard printer, `-l`, `--files-without-
//! match`, `-c`, `--count-matches` and `-q` through the summary printer, each
//! built with ripgrep's settings for a non-terminal stdout. The `--` between
//! files in context mode appears exactly where ripgrep puts it (only before
//! output that follows output): written by the printer itself when one
//! printer serves the whole run in order, by the caller when each file's
//! output is buffered on its own ([`FileSeparator`]), as ripgrep does in
//! each of its two modes.

use std::io::{Read, Write};
use std::path::Path;

use grep_printer::{Standard, StandardBuilder, Summary, SummaryBuilder, SummaryKind};
use grep_regex::RegexMatcher;
use grep_searcher::Searcher;
use termcolor::NoColor;

use super::Haystack;
use super::args::{Args, Mode};

/// Who writes the `--` between the output of two files in context mode.
#[derive(Clone, Copy)]
pub(super) enum FileSeparator {
    /// The printer: it sees every file, in order, through one writer.
    Printer,
    /// The caller: each file's output is buffered alone and written whole
    /// ([`file_separator`] is what goes between two buffers).
    Caller,
}

/// The printer of one run (or of one worker thread), writing to `W`.
pub(super) enum Printer<W: Write> {
    /// Matching (or context) lines.
    Standard(Standard<NoColor<W>>),
    /// One line (or nothing) per file.
    Summary(Summary<NoColor<W>>),
}

impl<W: Write> Printer<W> {
    pub(super) fn new(args: &Args, with_filename: bool, separator: FileSeparator, out: W) -> Printer<W> {
        let kind = match args.mode {
            // ripgrep before 15 (Debian's 13 and 14) answers whether some
            // file matched even with `--files-without-match`.
            _ if args.quiet => SummaryKind::QuietWithMatch,
            Mode::FilesWithMatches => SummaryKind::PathWithMatch,
            Mode::FilesWithoutMatch => SummaryKind::PathWithoutMatch,
            Mode::Count => SummaryKind::Count,
            Mode::CountMatches => SummaryKind::CountMatches,
            Mode::Lines | Mode::Files | Mode::Help | Mode::Version => {
                return Printer::Standard(standard(args, with_filename, separator, out));
            }
        };
        Printer::Summary(
            SummaryBuilder::new()
                .kind(kind)
                .exclude_zero(true)
                .path(with_filename)
                .separator_field(b":".to_vec())
                .build_no_color(out),
        )
    }

    /// Searches one haystack (`reader` is read for standard input only);
    /// returns whether it counts as a match for the exit code.
    pub(super) fn search(
        &mut self,
        searcher: &mut Searcher,
        matcher: &RegexMatcher,
        shown: &Path,
        haystack: Haystack<'_>,
        reader: &mut dyn Read,
    ) -> std::io::Result<bool> {
        match self {
            Printer::Standard(printer) => {
                let mut sink = printer.sink_with_path(matcher, shown);
                match haystack {
                    Haystack::File { path, .. } => searcher.search_path(matcher, path, &mut sink)?,
                    Haystack::Stdin => searcher.search_reader(matcher, reader, &mut sink)?,
                }
                Ok(sink.has_match())
            }
            Printer::Summary(printer) => {
                let mut sink = printer.sink_with_path(matcher, shown);
                match haystack {
                    Haystack::File { path, .. } => searcher.search_path(matcher, path, &mut sink)?,
                    Haystack::Stdin => searcher.search_reader(matcher, reader, &mut sink)?,
                }
                Ok(sink.has_match())
            }
        }
    }

    /// The writer underneath, e.g. to take a worker's buffer.
    pub(super) fn get_mut(&mut self) -> &mut W {
        match self {
            Printer::Standard(printer) => printer.get_mut().get_mut(),
            Printer::Summary(printer) => printer.get_mut().get_mut(),
        }
    }
}

/// What ripgrep writes between two files' buffered output: `--` in context
/// mode of the standard printer, nothing otherwise.
pub(super) fn file_separator(args: &Args) -> Option<&'static [u8]> {
    let standard = matches!(args.mode, Mode::Lines) && !args.quiet;
    (standard && has_context(args)).then_some(b"--\n".as_slice())
}

fn has_context(args: &Args) -> bool {
    args.before > 0 || args.after > 0
}

fn standard<W: Write>(args: &Args, with_filename: bool, separator: FileSeparator, out: W) -> Standard<NoColor<W>> {
    let mut builder = StandardBuilder::new();
    builder
        .heading(false)
        .path(with_filename)
        .only_matching(args.only_matching)
        .per_match_one_line(true)
        .separator_context(Some(b"--".to_vec()));
    let separator = match separator {
        FileSeparator::Printer => has_context(args).then(|| b"--".to_vec()),
        FileSeparator::Caller => None,
    };
    builder.separator_search(separator);
    builder.build_no_color(out)
}

/// One `--files` line.
pub(super) fn path_line(out: &mut dyn Write, path: &Path) -> std::io::Result<()> {
    use std::os::unix::ffi::OsStrExt;
    out.write_all(path.as_os_str().as_bytes())?;
    out.write_all(b"\n")
}
