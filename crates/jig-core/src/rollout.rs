//! Reading and appending `rollout.jsonl`, the session's single source of truth.
//!
//! Invariant: a record is written to the file when [`RolloutWriter::append`]
//! returns, and made durable (`fdatasync`) by [`RolloutWriter::sync`], which
//! the session calls before anything acts on it — a model request, a tool
//! run, an approval question, an event reaching a front-end. Records that
//! precede no action share one sync. A killed process can therefore lose at
//! most the record being written (a power loss: the records since the last
//! sync, which nothing acted on yet). A partial record shows up as a torn
//! last line: [`scan_rollout`] (and [`read_rollout`] through it) tolerates
//! it and reports the length of the valid prefix so the writer can cut the
//! torn bytes off before appending again. A bad line anywhere else is
//! corruption and is reported, never skipped; blank lines are skipped.
//!
//! A write or sync that fails (a full disk, a file-size limit) stops the
//! writer for good: every later append or sync fails with the same error, so
//! no record can follow a torn one, and the torn tail is cut off by the next
//! resume. Only one writer exists per session: it holds the session's
//! [`SessionLock`] for its lifetime.

use std::fs::{File, OpenOptions};
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};

use jig_protocol::RolloutRecord;

use crate::error::CoreError;
use crate::lock::SessionLock;

/// Appends records to a rollout file; [`RolloutWriter::sync`] makes them
/// durable, many at a time.
#[derive(Debug)]
pub struct RolloutWriter {
    file: File,
    path: PathBuf,
    written: u64,
    unsynced: bool,
    kill_after: Option<u64>,
    /// The failure that stopped the writer: what it was doing, and the error.
    failed: Option<(&'static str, std::io::ErrorKind, String)>,
    /// Held for the writer's lifetime: no other process writes the session.
    _lock: SessionLock,
}

impl RolloutWriter {
    /// Creates a new, empty rollout file (fails if it exists), holding the
    /// session's lock.
    pub fn create(path: &Path, lock: SessionLock) -> Result<Self, CoreError> {
        let file = OpenOptions::new()
            .create_new(true)
            .append(true)
            .open(path)
            .map_err(|e| CoreError::io("create", path, e))?;
        Ok(Self::from_file(file, path, lock))
    }

    /// Opens an existing rollout for appending after cutting it to
    /// `valid_len` bytes (dropping a torn last line), adding the newline a
    /// complete last record may lack. `lock` must have been taken before
    /// the rollout was read, so nothing was appended since.
    pub fn reopen(path: &Path, loaded: &LoadedRollout, lock: SessionLock) -> Result<Self, CoreError> {
        let mut file = OpenOptions::new()
            .read(true)
            .append(true)
            .open(path)
            .map_err(|e| CoreError::io("open", path, e))?;
        file.set_len(loaded.valid_len)
            .map_err(|e| CoreError::io("truncate the torn tail of", path, e))?;
        if loaded.missing_newline {
            file.write_all(b"\n").map_err(|e| CoreError::io("append to", path, e))?;
        }
        file.sync_data().map_err(|e| CoreError::io("sync", path, e))?;
        Ok(Self::from_file(file, path, lock))
    }

    fn from_file(file: File, path: &Path, lock: SessionLock) -> Self {
        RolloutWriter {
            file,
            path: path.to_path_buf(),
            written: 0,
            unsynced: false,
            kill_after: None,
            failed: None,
            _lock: lock,
        }
    }

    /// Fault injection for crash tests: SIGKILL this process right after
    /// appending the `n`-th record of this writer.
    pub fn kill_after(mut self, n: Option<u64>) -> Self {
        self.kill_after = n;
        self
    }

    /// The file being written.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Appends one record as a line. It reaches the kernel at once (a killed
    /// process loses nothing); [`RolloutWriter::sync`] makes it durable, and
    /// the session syncs before anything acts on what was appended.
    pub fn append(&mut self, record: &RolloutRecord) -> Result<(), CoreError> {
        self.check()?;
        let mut line =
            serde_json::to_vec(record).map_err(|e| CoreError::io("serialize a record for", &self.path, e.into()))?;
        line.push(b'\n');
        if let Err(err) = self.file.write_all(&line) {
            return Err(self.stop("append to", err));
        }
        self.unsynced = true;
        self.written += 1;
        if self.kill_after == Some(self.written) {
            // A real `kill -9` of ourselves: no destructors, no flushing.
            let _ = nix::sys::signal::kill(nix::unistd::Pid::this(), nix::sys::signal::Signal::SIGKILL);
        }
        Ok(())
    }

    /// Makes every appended record durable (one `fdatasync` for all of them).
    pub fn sync(&mut self) -> Result<(), CoreError> {
        self.check()?;
        if self.unsynced {
            if let Err(err) = self.file.sync_data() {
                // After a failed fsync the kernel may have dropped the dirty
                // pages: nothing written since the last sync can be trusted.
                return Err(self.stop("sync", err));
            }
            self.unsynced = false;
        }
        Ok(())
    }

    /// Whether a failed write or sync stopped the writer.
    pub fn failed(&self) -> bool {
        self.failed.is_some()
    }

    /// Stops the writer after `err`; every later call reports it again.
    fn stop(&mut self, action: &'static str, err: std::io::Error) -> CoreError {
        self.failed = Some((action, err.kind(), err.to_string()));
        CoreError::io(action, &self.path, err)
    }

    /// The error that stopped the writer, if one did.
    fn check(&self) -> Result<(), CoreError> {
        match &self.failed {
            None => Ok(()),
            Some((action, kind, message)) => Err(CoreError::io(
                action,
                &self.path,
                std::io::Error::new(*kind, message.clone()),
            )),
        }
    }
}

/// The records of a rollout, and where its valid prefix ends.
#[derive(Debug, Default)]
pub struct LoadedRollout {
    /// Every complete record, in order.
    pub records: Vec<RolloutRecord>,
    /// Byte length of the valid prefix (excludes a torn last line).
    pub valid_len: u64,
    /// Whether a torn last line was dropped.
    pub torn_tail: bool,
    /// Whether the last record is complete but lacks its newline.
    pub missing_newline: bool,
}

/// Reads a rollout into memory (for tools that need every record).
pub fn read_rollout(path: &Path) -> Result<LoadedRollout, CoreError> {
    let mut records = Vec::new();
    let mut loaded = scan_rollout(path, |record| {
        records.push(record);
        Ok(())
    })?;
    loaded.records = records;
    Ok(loaded)
}

/// Streams a rollout line by line, handing each complete record to `each`;
/// the returned [`LoadedRollout`] has the tail facts and no records.
pub fn scan_rollout(
    path: &Path,
    mut each: impl FnMut(RolloutRecord) -> Result<(), CoreError>,
) -> Result<LoadedRollout, CoreError> {
    let file = File::open(path).map_err(|e| CoreError::io("read", path, e))?;
    let mut reader = BufReader::new(file);
    let mut loaded = LoadedRollout::default();
    let mut line = Vec::new();
    let mut number = 0;
    loop {
        line.clear();
        let read = reader
            .read_until(b'\n', &mut line)
            .map_err(|e| CoreError::io("read", path, e))?;
        if read == 0 {
            break;
        }
        number += 1;
        let complete = line.ends_with(b"\n");
        if line.iter().all(u8::is_ascii_whitespace) {
            if complete {
                loaded.valid_len += read as u64;
            }
            continue;
        }
        match serde_json::from_slice::<RolloutRecord>(&line) {
            Ok(record) => {
                each(record)?;
                loaded.valid_len += read as u64;
                loaded.missing_newline = !complete;
            }
            Err(_) if !complete => loaded.torn_tail = true,
            Err(err) => {
                return Err(CoreError::CorruptRollout {
                    path: path.to_path_buf(),
                    line: number,
                    reason: err.to_string(),
                });
            }
        }
    }
    Ok(loaded)
}
