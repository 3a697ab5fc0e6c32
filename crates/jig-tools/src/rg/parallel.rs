//! ripgrep's multi-threaded mode for jig's `rg`: the walk and the searches
//! run on the `ignore` crate's worker threads, the caller's thread writes.
//!
//! Invariant: each file's output is made whole in one worker's buffer and
//! reaches `out` in one `write_all`, preceded by the file separator (`--` in
//! context mode) when output was written before it — what ripgrep's
//! `BufferWriter` does. `--files` lines, one per file and never separated,
//! are gathered per worker into larger writes instead (ripgrep
//! block-buffers them too), which spares a hand-over per file. Files come
//! in the order the threads finish them, as in ripgrep's default mode;
//! within a file nothing changes. Only the calling thread touches `out` and
//! the message stream, so neither needs to be `Send`; a write that fails
//! stops the walk.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{SyncSender, sync_channel};

use ignore::{DirEntry, WalkParallel, WalkState};

use super::walk::{self, Root};
use super::{Messages, Walked};

/// Reports in flight between the workers and the writer; a full channel
/// makes the workers wait, so a slow reader bounds memory.
const CHANNEL_DEPTH: usize = 64;

/// The size a worker's gathered `--files` lines reach before it hands them
/// over.
const BATCH: usize = 32 * 1024;

/// How workers hand their output to the writer.
#[derive(Clone, Copy)]
pub(super) enum Handover {
    /// Each file's output on its own, as soon as it is searched.
    PerFile,
    /// Gathered per worker up to [`BATCH`]; only for output that needs no
    /// separator between files.
    Batched,
}

/// A file handed to a worker.
pub(super) struct Item<'p> {
    /// Where to read it.
    pub path: &'p Path,
    /// How to print its name.
    pub shown: &'p Path,
    /// Whether the user named it (see `Haystack::File`).
    pub explicit: bool,
}

/// What a worker made of one file.
#[derive(Default)]
pub(super) struct Searched {
    /// Everything printed for it.
    pub output: Vec<u8>,
    /// Whether it counts as a match for the exit code.
    pub matched: bool,
    /// Why it could not be searched.
    pub failure: Option<String>,
}

/// Whether the walk ends at the first match (`-q`).
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum AfterMatch {
    /// Every file is visited.
    Continue,
    /// Nothing more is needed once something matched.
    Quit,
}

/// The calling thread's end of a run: writes each file's output whole, with
/// the file separator between outputs, and remembers a failed write.
pub(super) struct Writer<'o> {
    out: &'o mut dyn Write,
    separator: Option<&'static [u8]>,
    written: bool,
    broken: bool,
}

impl<'o> Writer<'o> {
    pub(super) fn new(out: &'o mut dyn Write, separator: Option<&'static [u8]>) -> Writer<'o> {
        Writer {
            out,
            separator,
            written: false,
            broken: false,
        }
    }

    /// Writes one file's output (`shown` names it, `None` for a batch of
    /// several); returns `false` once writing has failed.
    pub(super) fn write(&mut self, shown: Option<&Path>, output: &[u8], messages: &mut Messages<'_>) -> bool {
        if output.is_empty() || self.broken {
            return !self.broken;
        }
        let separator = self.separator.filter(|_| self.written).unwrap_or_default();
        let result = self.out.write_all(separator).and_then(|()| self.out.write_all(output));
        self.written = true;
        if let Err(error) = result {
            self.broken = true;
            // A closed pipe ends the run quietly, as in ripgrep.
            match (error.kind(), shown) {
                (std::io::ErrorKind::BrokenPipe, _) => {}
                (_, Some(shown)) => messages.report(&format!("{}: {error}", shown.display())),
                (_, None) => messages.report(&format!("cannot write the results: {error}")),
            }
        }
        !self.broken
    }

    /// Whether a write has failed, so nothing more should be searched.
    pub(super) fn broken(&self) -> bool {
        self.broken
    }
}

/// A message from the workers to the writer.
enum Report {
    /// Output of one file (named) or of several (`None`).
    Output {
        shown: Option<PathBuf>,
        bytes: Vec<u8>,
    },
    Message(String),
}

/// A worker's end of the channel.
struct Outbox {
    tx: SyncSender<Report>,
    handover: Handover,
    pending: Vec<u8>,
}

impl Outbox {
    fn output(&mut self, shown: PathBuf, bytes: Vec<u8>) -> WalkState {
        match self.handover {
            Handover::PerFile => send(
                &self.tx,
                Report::Output {
                    shown: Some(shown),
                    bytes,
                },
            ),
            Handover::Batched => {
                self.pending.extend_from_slice(&bytes);
                match self.pending.len() < BATCH {
                    true => WalkState::Continue,
                    false => self.flush(),
                }
            }
        }
    }

    fn message(&self, text: String) -> WalkState {
        send(&self.tx, Report::Message(text))
    }

    fn flush(&mut self) -> WalkState {
        if self.pending.is_empty() {
            return WalkState::Continue;
        }
        let bytes = std::mem::take(&mut self.pending);
        send(&self.tx, Report::Output { shown: None, bytes })
    }
}

impl Drop for Outbox {
    /// A worker's last lines go out when its walk ends.
    fn drop(&mut self) {
        let _ = self.flush();
    }
}

/// What the workers share.
struct Shared<'r> {
    roots: &'r [Root],
    after_match: AfterMatch,
    matched: AtomicBool,
    searched: AtomicBool,
    stop: AtomicBool,
}

/// Walks `roots` with `walker`, giving every file to a worker made by
/// `new_worker` (one per thread) and writing what it printed through
/// `writer`. Returns when the walk is done, quit after a match, or writing
/// failed.
pub(super) fn walk<F, W>(
    walker: WalkParallel,
    roots: &[Root],
    after_match: AfterMatch,
    handover: Handover,
    mut new_worker: F,
    writer: &mut Writer<'_>,
    messages: &mut Messages<'_>,
) -> Walked
where
    F: FnMut() -> W + Send,
    W: FnMut(Item<'_>) -> Searched + Send,
{
    let shared = Shared {
        roots,
        after_match,
        matched: AtomicBool::new(false),
        searched: AtomicBool::new(false),
        stop: AtomicBool::new(false),
    };
    std::thread::scope(|scope| {
        let (tx, rx) = sync_channel::<Report>(CHANNEL_DEPTH);
        let shared = &shared;
        scope.spawn(move || {
            walker.run(|| {
                let mut outbox = Outbox {
                    tx: tx.clone(),
                    handover,
                    pending: Vec::new(),
                };
                let mut worker = new_worker();
                Box::new(move |result| visit(result, shared, &mut worker, &mut outbox))
            });
        });
        for report in rx {
            match report {
                Report::Output { shown, bytes } => {
                    if !writer.write(shown.as_deref(), &bytes, messages) {
                        shared.stop.store(true, Ordering::Relaxed);
                        break;
                    }
                }
                Report::Message(text) => messages.report(&text),
            }
        }
    });
    Walked {
        matched: shared.matched.into_inner(),
        searched: shared.searched.into_inner(),
    }
}

/// One walked entry, on a worker thread.
fn visit<W>(
    result: Result<DirEntry, ignore::Error>,
    shared: &Shared<'_>,
    worker: &mut W,
    outbox: &mut Outbox,
) -> WalkState
where
    W: FnMut(Item<'_>) -> Searched,
{
    if shared.stop.load(Ordering::Relaxed) {
        return WalkState::Quit;
    }
    let entry = match result {
        Ok(entry) => entry,
        Err(error) => return outbox.message(error.to_string()),
    };
    let Some(explicit) = walk::searchable(&entry) else {
        return WalkState::Continue;
    };
    let Some(root) = walk::root_of(shared.roots, &entry) else {
        // Unreachable by `root_of`'s construction; skipping beats guessing
        // a name to print.
        return WalkState::Continue;
    };
    shared.searched.store(true, Ordering::Relaxed);
    let shown = walk::shown_path(root, entry.path());
    let searched = worker(Item {
        path: entry.path(),
        shown: &shown,
        explicit,
    });
    if searched.matched {
        shared.matched.store(true, Ordering::Relaxed);
    }
    if let Some(failure) = searched.failure
        && outbox.message(failure) == WalkState::Quit
    {
        return WalkState::Quit;
    }
    if !searched.output.is_empty() && outbox.output(shown, searched.output) == WalkState::Quit {
        return WalkState::Quit;
    }
    let done = shared.after_match == AfterMatch::Quit && shared.matched.load(Ordering::Relaxed);
    if done { WalkState::Quit } else { WalkState::Continue }
}

/// Hands a report to the writer; quits when the writer has stopped.
fn send(tx: &SyncSender<Report>, report: Report) -> WalkState {
    match tx.send(report) {
        Ok(()) => WalkState::Continue,
        Err(_) => WalkState::Quit,
    }
}
