//! Output of jig's `rg`: the `grep-printer` printer ripgrep would pick.
//!
//! Matching lines go through the standard printer, `-l`, `--files-without-
//! match`, `-c`, `--count-matches` and `-q` through the summary printer, each
//! built with ripgrep's settings for a non-terminal stdout. One printer
//! serves the whole run, so the `--` between files in context mode appears
//! exactly where ripgrep puts it (only before output that follows output).

use std::io::{Read, Write};
use std::path::Path;

use grep_printer::{Standard, StandardBuilder, Summary, SummaryBuilder, SummaryKind};
use grep_regex::RegexMatcher;
use grep_searcher::Searcher;
use termcolor::NoColor;

use super::Haystack;
use super::args::{Args, Mode};

/// The printer of one run, writing to the caller's stdout.
pub(super) enum Printer<'w> {
    /// Matching (or context) lines.
    Standard(Standard<NoColor<&'w mut dyn Write>>),
    /// One line (or nothing) per file.
    Summary(Summary<NoColor<&'w mut dyn Write>>),
}

impl<'w> Printer<'w> {
    pub(super) fn new(args: &Args, with_filename: bool, out: &'w mut dyn Write) -> Printer<'w> {
        let kind = match args.mode {
            // ripgrep before 15 (Debian's 13 and 14) answers whether some
            // file matched even with `--files-without-match`.
            _ if args.quiet => SummaryKind::QuietWithMatch,
            Mode::FilesWithMatches => SummaryKind::PathWithMatch,
            Mode::FilesWithoutMatch => SummaryKind::PathWithoutMatch,
            Mode::Count => SummaryKind::Count,
            Mode::CountMatches => SummaryKind::CountMatches,
            Mode::Lines | Mode::Files | Mode::Help | Mode::Version => {
                return Printer::Standard(standard(args, with_filename, out));
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
}

fn standard<'w>(args: &Args, with_filename: bool, out: &'w mut dyn Write) -> Standard<NoColor<&'w mut dyn Write>> {
    let mut builder = StandardBuilder::new();
    builder
        .heading(false)
        .path(with_filename)
        .only_matching(args.only_matching)
        .per_match_one_line(true)
        .separator_context(Some(b"--".to_vec()));
    let separator = (args.before > 0 || args.after > 0).then(|| b"--".to_vec());
    builder.separator_search(separator);
    builder.build_no_color(out)
}

/// One `--files` line.
pub(super) fn path_line(out: &mut dyn Write, path: &Path) -> std::io::Result<()> {
    use std::os::unix::ffi::OsStrExt;
    out.write_all(path.as_os_str().as_bytes())?;
    out.write_all(b"\n")
}
