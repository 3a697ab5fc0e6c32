//! Reading and appending `rollout.jsonl`, the session's single source of truth.
//!
//! Invariant: a record is written to the file when [`RolloutWriter::append`]
//! returns, and made durable (`fdatasync`) by [`RolloutWriter::sync`], which
//! the session calls before anything acts on it — a model request, a tool
//! run, an approval question, an event reaching a front-end. Records that
//! precede no action share one sync. A killed process can therefore lose at
//! most the record being written (a power loss: the records since the last
//! sync, which nothing acted on yet). A partial record shows up as a torn
//! last line: [`read_rollout`] tolerates it and reports the
//! length of the valid prefix so the writer can cut the torn bytes off before
//! appending again. A bad line anywhere else is corruption and is reported,
//! never skipped.

use std::fs::{File, OpenOptions};
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};

use jig_protocol::RolloutRecord;

use crate::error::CoreError;

/// Appends records to a rollout file, syncing each one.
#[derive(Debug)]
pub struct RolloutWriter {
    file: File,
    path: PathBuf,
    written: u64,
    unsynced: bool,
    kill_after: Option<u64>,
}

impl RolloutWriter {
    /// Creates a new, empty rollout file (fails if it exists).
    pub fn create(path: &Path) -> Result<Self, CoreError> {
        let file = OpenOptions::new()
            .create_new(true)
            .append(true)
            .open(path)
            .map_err(|e| CoreError::io("create", path, e))?;
        Ok(Self::from_file(file, path))
    }

    /// Opens an existing rollout for appending after cutting it to
    /// `valid_len` bytes (dropping a torn last line), adding the newline a
    /// complete last record may lack.
    pub fn reopen(path: &Path, loaded: &LoadedRollout) -> Result<Self, CoreError> {
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
        Ok(Self::from_file(file, path))
    }

    fn from_file(file: File, path: &Path) -> Self {
        RolloutWriter {
            file,
            path: path.to_path_buf(),
            written: 0,
            unsynced: false,
            kill_after: None,
        }
    }

    /// Fault injection for crash tests: SIGKILL this process right after the
    /// `n`-th record this writer syncs.
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
        let mut line =
            serde_json::to_vec(record).map_err(|e| CoreError::io("serialize a record for", &self.path, e.into()))?;
        line.push(b'\n');
        self.file
            .write_all(&line)
            .map_err(|e| CoreError::io("append to", &self.path, e))?;
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
        if self.unsynced {
            self.file
                .sync_data()
                .map_err(|e| CoreError::io("sync", &self.path, e))?;
            self.unsynced = false;
        }
        Ok(())
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
