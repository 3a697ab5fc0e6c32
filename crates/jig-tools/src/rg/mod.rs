//! `rg` for machines without ripgrep: models trained on Codex and Claude Code
//! search by running `rg` in the shell, so jig answers that command itself.
//!
//! [`main`] implements ripgrep's common flags (see `args.rs`) with ripgrep's
//! own crates (`ignore` for the walk, `grep-searcher` and `grep-printer` for
//! matching and output), configured the way ripgrep configures them.
//! [`shim_dir`] makes an `rg` link to the jig executable when no real `rg` is
//! on `PATH`; a session that sets [`crate::ToolContext::path_prefix`] to it
//! puts it first on the `PATH` of every command it starts (jig never changes
//! its own environment, and sessions in one process each keep their own).
//!
//! Invariant: for every flag it accepts, stdout and the exit code are what
//! ripgrep prints when its stdout is not a terminal (jig's commands never
//! write to one): no heading, no colour, no line numbers unless `-n`. Where
//! ripgrep runs one thread (`--sort path`, one file, standard input alone)
//! the bytes are the same, files in path order. Elsewhere, as ripgrep does,
//! the files are searched on several threads (`parallel.rs`): each file's
//! output is written whole, files in the order the threads finish them, so
//! the output holds the same per-file blocks in an order ripgrep's own
//! could have. The parity test in `tests/it/rg_parity.rs` holds both against
//! Debian's ripgrep. Exit codes are ripgrep's: 0 when something matched, 1
//! when nothing did, 2 on an error. Flags outside the subset are refused
//! (exit 2) rather than ignored, so the model never reads silently different
//! results; only `--help` and `--version` say that this is jig's `rg`.

mod args;
mod parallel;
mod print;
mod run;
mod shim;
mod walk;

use std::io::{Read, Write};
use std::path::Path;

use args::{ArgError, Args, Mode};
use run::Run;
pub(crate) use shim::{path_export, prefix_path};
pub use shim::{readable_stdin, shim_dir};

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

/// Something to search: a path as walked, or standard input.
enum Haystack<'a> {
    /// A file; `explicit` when the user named it (searched even if a
    /// filter would skip it, and binary data is reported, not skipped).
    File { path: &'a Path, explicit: bool },
    /// Standard input.
    Stdin,
}

impl Haystack<'_> {
    /// Whether the user named it; standard input always counts as named.
    fn explicit(&self) -> bool {
        match self {
            Haystack::File { explicit, .. } => *explicit,
            Haystack::Stdin => true,
        }
    }
}

/// What a search (or `--files` listing) found.
#[derive(Default)]
struct Walked {
    /// Something matched (`--files`: something was listed).
    matched: bool,
    /// At least one haystack was visited.
    searched: bool,
}

/// The messages of one run: `rg: `-prefixed lines on the caller's stderr
/// (none with `--no-messages`); any message makes the exit code 2.
struct Messages<'e> {
    err: &'e mut dyn Write,
    silent: bool,
    errors: bool,
}

impl Messages<'_> {
    fn report(&mut self, text: &str) {
        self.errors = true;
        if !self.silent {
            let _ = writeln!(self.err, "rg: {text}");
        }
    }
}

/// A path argument that names nothing, as ripgrep reports it.
fn missing(name: &Path) -> String {
    format!("{}: No such file or directory (os error 2)", name.display())
}
