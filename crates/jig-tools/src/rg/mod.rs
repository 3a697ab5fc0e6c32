//! `rg` for machines without ripgrep: models trained on Codex and Claude Code
//! search by running `rg` in the shell, so jig answers that command itself.
//!
//! [`main`] implements ripgrep's common flags (see `args.rs`) with the same
//! crates as the `search` tool (`ignore` for the walk, `grep-searcher` and
//! `grep-printer` for matching and output). [`shim_dir`] makes an `rg` link
//! to the jig executable when no real `rg` is on `PATH`; [`use_shim_dir`]
//! puts that directory first on the `PATH` of every command jig starts (a
//! process-wide setting, because jig must not change its own environment).
//!
//! Invariants: output is always what `rg -n --no-heading` prints into a
//! pipe — `path:line:text`, sorted by path — because jig's commands never
//! write to a terminal; `-N` drops line numbers. Exit codes are ripgrep's:
//! 0 when something matched, 1 when nothing did, 2 on an error (message on
//! stderr). Flags outside the subset are refused (exit 2) rather than
//! ignored, so the model never reads silently different results. `.git` is
//! never searched, and ignore files apply even outside a git repository.

mod args;
mod shim;

use std::io::Write;
use std::path::{Path, PathBuf};

use grep_regex::{RegexMatcher, RegexMatcherBuilder};
use grep_searcher::sinks::Bytes;
use grep_searcher::{BinaryDetection, Searcher, SearcherBuilder};
use ignore::WalkBuilder;
use ignore::overrides::OverrideBuilder;
use ignore::types::TypesBuilder;

use args::{ArgError, Args, Mode};
pub(crate) use shim::{apply_path_prefix, path_export};
pub use shim::{shim_dir, use_shim_dir};

/// Runs `rg` with `args` (without the program name) in `cwd`, writing results
/// to `out` and messages to `err`; returns the exit code.
pub fn main(args: Vec<String>, cwd: &Path, out: &mut dyn Write, err: &mut dyn Write) -> i32 {
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
    match Run::new(args, cwd) {
        Ok(run) => run.execute(out, err),
        Err(message) => {
            let _ = writeln!(err, "rg: {message}");
            2
        }
    }
}

/// One resolved invocation.
struct Run {
    args: Args,
    cwd: PathBuf,
    matcher: Option<RegexMatcher>,
    with_filename: bool,
}

/// What one invocation found.
#[derive(Default)]
struct Tally {
    matched: bool,
    errors: bool,
}

impl Run {
    fn new(args: Args, cwd: &Path) -> Result<Run, String> {
        let matcher = if args.mode == Mode::Files {
            None
        } else {
            Some(build_matcher(&args)?)
        };
        let single_file = args.paths.len() == 1 && cwd.join(&args.paths[0]).is_file();
        let with_filename = args.with_filename.unwrap_or(!single_file);
        Ok(Run {
            args,
            cwd: cwd.to_path_buf(),
            matcher,
            with_filename,
        })
    }

    fn execute(&self, out: &mut dyn Write, err: &mut dyn Write) -> i32 {
        let mut tally = Tally::default();
        let roots: Vec<(PathBuf, Option<&Path>)> = if self.args.paths.is_empty() {
            vec![(self.cwd.clone(), None)]
        } else {
            self.args
                .paths
                .iter()
                .map(|path| (self.cwd.join(path), Some(path.as_path())))
                .collect()
        };
        let mut searcher = self.searcher();
        for (root, shown_root) in roots {
            if !root.exists() {
                tally.errors = true;
                self.message(
                    err,
                    &format!("{}: No such file or directory (os error 2)", root_name(shown_root)),
                );
                continue;
            }
            let walk = match self.walk(&root) {
                Ok(walk) => walk,
                Err(message) => {
                    let _ = writeln!(err, "rg: {message}");
                    return 2;
                }
            };
            for entry in walk {
                let entry = match entry {
                    Ok(entry) => entry,
                    Err(error) => {
                        tally.errors = true;
                        self.message(err, &error.to_string());
                        continue;
                    }
                };
                if !entry.file_type().is_some_and(|t| t.is_file()) {
                    continue;
                }
                let shown = shown_path(&root, shown_root, entry.path());
                if self
                    .file(&mut searcher, entry.path(), &shown, out, err, &mut tally)
                    .is_err()
                {
                    // The reader went away (e.g. `| head`): stop quietly, as rg does.
                    return exit_code(&tally, self.args.quiet);
                }
                if self.args.quiet && tally.matched {
                    return 0;
                }
            }
        }
        exit_code(&tally, self.args.quiet)
    }

    /// Searches or lists one file; `Err` only when `out` fails.
    fn file(
        &self,
        searcher: &mut Searcher,
        path: &Path,
        shown: &str,
        out: &mut dyn Write,
        err: &mut dyn Write,
        tally: &mut Tally,
    ) -> std::io::Result<()> {
        let Some(matcher) = &self.matcher else {
            tally.matched = true;
            return writeln!(out, "{shown}");
        };
        let mode = self.args.mode;
        if mode == Mode::Lines && !self.args.quiet {
            return self.print_lines(searcher, matcher, path, shown, out, err, tally);
        }
        let stop_early = matches!(mode, Mode::FilesWithMatches | Mode::FilesWithoutMatch) || self.args.quiet;
        let mut count = 0u64;
        let searched = searcher.search_path(
            matcher,
            path,
            Bytes(|_, _| {
                count += 1;
                Ok(!stop_early)
            }),
        );
        if let Err(error) = searched {
            tally.errors = true;
            self.message(err, &format!("{shown}: {error}"));
            return Ok(());
        }
        match mode {
            Mode::FilesWithoutMatch => {
                if count == 0 {
                    tally.matched = true;
                    if !self.args.quiet {
                        writeln!(out, "{shown}")?;
                    }
                }
                return Ok(());
            }
            _ if count == 0 => return Ok(()),
            _ => tally.matched = true,
        }
        match mode {
            _ if self.args.quiet => Ok(()),
            Mode::FilesWithMatches => writeln!(out, "{shown}"),
            Mode::Count if self.with_filename => writeln!(out, "{shown}:{count}"),
            Mode::Count => writeln!(out, "{count}"),
            _ => Ok(()),
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn print_lines(
        &self,
        searcher: &mut Searcher,
        matcher: &RegexMatcher,
        path: &Path,
        shown: &str,
        out: &mut dyn Write,
        err: &mut dyn Write,
        tally: &mut Tally,
    ) -> std::io::Result<()> {
        let mut printer = grep_printer::StandardBuilder::new()
            .heading(false)
            .path(self.with_filename)
            .only_matching(self.args.only_matching)
            .build_no_color(Vec::new());
        let mut sink = printer.sink_with_path(matcher, shown);
        let searched = searcher.search_path(matcher, path, &mut sink);
        let found = sink.match_count();
        if let Err(error) = searched {
            tally.errors = true;
            self.message(err, &format!("{shown}: {error}"));
        }
        let chunk = std::mem::take(printer.get_mut().get_mut());
        if chunk.is_empty() {
            return Ok(());
        }
        let has_context = self.args.after > 0 || self.args.before > 0;
        if has_context && tally.matched {
            out.write_all(b"--\n")?;
        }
        if found > 0 {
            tally.matched = true;
        }
        out.write_all(&chunk)
    }

    fn searcher(&self) -> Searcher {
        let binary = if self.args.text {
            BinaryDetection::none()
        } else {
            BinaryDetection::quit(b'\x00')
        };
        SearcherBuilder::new()
            .binary_detection(binary)
            .line_number(self.args.line_number)
            .invert_match(self.args.invert)
            .before_context(self.args.before)
            .after_context(self.args.after)
            .max_matches(self.args.max_count)
            .build()
    }

    fn walk(&self, root: &Path) -> Result<ignore::Walk, String> {
        let mut overrides = OverrideBuilder::new(&self.cwd);
        for glob in &self.args.globs {
            overrides.add(glob).map_err(|e| format!("invalid glob {glob}: {e}"))?;
        }
        overrides.case_insensitive(true).map_err(|e| e.to_string())?;
        for glob in &self.args.iglobs {
            overrides.add(glob).map_err(|e| format!("invalid glob {glob}: {e}"))?;
        }
        let overrides = overrides.build().map_err(|e| e.to_string())?;
        let mut types = TypesBuilder::new();
        types.add_defaults();
        for name in &self.args.types {
            types.select(name);
        }
        for name in &self.args.types_not {
            types.negate(name);
        }
        let types = types
            .build()
            .map_err(|e| format!("{e}; common types: rust, py, js, ts, go, md, c, cpp, java, json, toml, yaml, sh"))?;
        let ignore = !self.args.no_ignore;
        let show_hidden = self.args.hidden;
        let walk = WalkBuilder::new(root)
            .hidden(!self.args.hidden)
            .ignore(ignore)
            .git_ignore(ignore)
            .git_global(ignore)
            .git_exclude(ignore)
            .parents(ignore)
            .require_git(false)
            .follow_links(self.args.follow)
            .max_depth(self.args.max_depth)
            .overrides(overrides)
            .types(types)
            .filter_entry(move |entry| {
                // Hidden entries are dropped here too: in `ignore`, a glob or
                // type whitelist would otherwise let them through.
                let hidden_name = entry.depth() > 0 && entry.file_name().as_encoded_bytes().starts_with(b".");
                entry.file_name() != ".git" && (show_hidden || !hidden_name)
            })
            .sort_by_file_name(|a, b| a.cmp(b))
            .build();
        Ok(walk)
    }

    fn message(&self, err: &mut dyn Write, text: &str) {
        if !self.args.no_messages {
            let _ = writeln!(err, "rg: {text}");
        }
    }
}

fn build_matcher(args: &Args) -> Result<RegexMatcher, String> {
    RegexMatcherBuilder::new()
        .case_insensitive(args.ignore_case)
        .case_smart(args.smart_case)
        .fixed_strings(args.fixed)
        .word(args.word)
        .whole_line(args.line)
        .line_terminator(Some(b'\n'))
        .build_many(&args.patterns)
        .map_err(|error| format!("regex parse error: {error}\nuse -F to search for a literal string"))
}

fn exit_code(tally: &Tally, quiet: bool) -> i32 {
    match (tally.matched, tally.errors) {
        (true, _) if quiet => 0,
        (_, true) => 2,
        (true, false) => 0,
        (false, false) => 1,
    }
}

fn root_name(shown_root: Option<&Path>) -> String {
    shown_root.map_or_else(|| ".".to_string(), |p| p.display().to_string())
}

/// The path as rg prints it: relative to the search root, prefixed by the
/// path the way the user wrote it.
fn shown_path(root: &Path, shown_root: Option<&Path>, path: &Path) -> String {
    let rel = path.strip_prefix(root).unwrap_or(path);
    match shown_root {
        None => rel.display().to_string(),
        Some(given) if rel.as_os_str().is_empty() => given.display().to_string(),
        Some(given) => given.join(rel).display().to_string(),
    }
}
