//! What the composer keeps on disk: the unsent draft of each working
//! directory, and the prompt history shared by all sessions.
//!
//! Invariant: a reader never sees a half-written draft (drafts are written
//! to a temporary file and renamed over the old one), a damaged history
//! line costs that line only, never the rest of the history, and the
//! history stays near [`HISTORY_LIMIT`] entries without losing an append
//! (see [`HistoryFile`]).

use std::fs::{self, File, OpenOptions};
use std::io::{self, ErrorKind, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use serde::{Deserialize, Serialize};

use super::draft::Draft;

/// How many history entries [`HistoryFile::load`] keeps: the newest ones.
pub const HISTORY_LIMIT: usize = 1000;
/// Past this size an append rewrites the history file with only its newest
/// [`HISTORY_LIMIT`] entries, so it stops growing (a rewrite every few
/// hundred prompts at typical prompt sizes).
pub const HISTORY_TRIM_BYTES: u64 = 1 << 20;

/// Drafts that survive a crash: one JSON file per working directory under
/// a directory (such as `$JIG_HOME/tui/drafts`), named after a hash of the
/// canonical working directory. Each save replaces the file atomically, so
/// a `kill -9` at any moment leaves either the old draft or the new one.
/// Saves are not fsynced: that guards only against power loss, and would
/// make every keystroke wait for the disk.
#[derive(Debug, Clone)]
pub struct DraftStore {
    path: PathBuf,
    /// The working directory as recorded in the file, checked on load so a
    /// hash collision can never restore another directory's draft.
    cwd: String,
}

/// The file's content: `{"cwd": "/abs/dir", "draft": {…}}`.
#[derive(Serialize, Deserialize)]
struct DraftFile {
    cwd: String,
    draft: Draft,
}

impl DraftStore {
    /// The store for the working directory `cwd`, its file under `dir`.
    pub fn new(dir: PathBuf, cwd: &Path) -> Self {
        // A directory reached through a symlink is the same project.
        let canonical = cwd.canonicalize().unwrap_or_else(|_| cwd.to_path_buf());
        let bytes = path_bytes(&canonical);
        let path = dir.join(format!("{:016x}.json", fnv1a64(&bytes)));
        DraftStore {
            path,
            cwd: canonical.to_string_lossy().into_owned(),
        }
    }

    /// The file the draft lives in.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The saved draft, if there is one that can be read and belongs to
    /// this working directory; a damaged file reads as no draft.
    pub fn load(&self) -> Option<Draft> {
        let bytes = fs::read(&self.path).ok()?;
        let file: DraftFile = serde_json::from_slice(&bytes).ok()?;
        (file.cwd == self.cwd && !file.draft.is_empty()).then_some(file.draft)
    }

    /// Saves `draft` in place of the previous one; an empty draft removes
    /// the file instead.
    pub fn save(&self, draft: &Draft) -> io::Result<()> {
        if draft.is_empty() {
            return self.clear();
        }
        let file = DraftFile {
            cwd: self.cwd.clone(),
            draft: draft.clone(),
        };
        let json = serde_json::to_vec(&file)?;
        if let Some(dir) = self.path.parent() {
            fs::create_dir_all(dir)?;
        }
        write_atomically(&self.path, &json)
    }

    /// Removes the saved draft; no draft is not an error.
    pub fn clear(&self) -> io::Result<()> {
        match fs::remove_file(&self.path) {
            Err(error) if error.kind() == ErrorKind::NotFound => Ok(()),
            other => other,
        }
    }
}

/// Writes `bytes` to a fresh file beside `path`, then renames it over
/// `path`: a rename within a directory is atomic, a write is not.
fn write_atomically(path: &Path, bytes: &[u8]) -> io::Result<()> {
    // Unique per process and per save, so two sessions in one directory
    // (or two saves racing in one process) never share a temporary file.
    static SAVES: AtomicU64 = AtomicU64::new(0);
    let save = SAVES.fetch_add(1, Ordering::Relaxed);
    let name = path
        .file_name()
        .map(|name| name.to_string_lossy().into_owned())
        .unwrap_or_default();
    let temp = path.with_file_name(format!(".{name}.{}.{save}.tmp", std::process::id()));
    let written = File::create(&temp)
        .and_then(|mut file| file.write_all(bytes))
        .and_then(|()| fs::rename(&temp, path));
    if written.is_err() {
        // Best effort: the error that matters is the one returned.
        let _ = fs::remove_file(&temp);
    }
    written
}

/// The bytes of `path` to hash: its raw bytes where the platform has them,
/// so that two paths differing only in invalid UTF-8 stay apart.
fn path_bytes(path: &Path) -> Vec<u8> {
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStrExt;
        path.as_os_str().as_bytes().to_vec()
    }
    #[cfg(not(unix))]
    {
        path.to_string_lossy().into_owned().into_bytes()
    }
}

/// 64-bit FNV-1a. Written out here because the file name must stay the same
/// across runs, builds and Rust releases, which std's `DefaultHasher` does
/// not promise; collisions are harmless (the file records its directory).
fn fnv1a64(bytes: &[u8]) -> u64 {
    const OFFSET_BASIS: u64 = 0xcbf2_9ce4_8422_2325;
    const PRIME: u64 = 0x0000_0100_0000_01b3;
    bytes
        .iter()
        .fold(OFFSET_BASIS, |hash, &byte| (hash ^ u64::from(byte)).wrapping_mul(PRIME))
}

/// Prompt history shared across sessions: a JSON-lines file, one JSON
/// string per line, oldest first. Appending is one `write` in append mode
/// under an exclusive lock on the file, so concurrent sessions write whole
/// lines. Past [`HISTORY_TRIM_BYTES`] the appender that crossed it rewrites
/// the file with the newest [`HISTORY_LIMIT`] entries (a new file renamed
/// over the old one, still under the lock); an appender that was waiting on
/// the old file's lock finds it replaced and appends to the new one, so no
/// entry is lost to a trim.
#[derive(Debug, Clone)]
pub struct HistoryFile {
    path: PathBuf,
    limit: usize,
    trim_bytes: u64,
}

impl HistoryFile {
    /// The history kept in the file at `path`.
    pub fn new(path: PathBuf) -> Self {
        HistoryFile {
            path,
            limit: HISTORY_LIMIT,
            trim_bytes: HISTORY_TRIM_BYTES,
        }
    }

    /// The same, keeping `limit` entries and trimming past `trim_bytes`
    /// (small figures, for tests).
    pub fn with_limits(path: PathBuf, limit: usize, trim_bytes: u64) -> Self {
        HistoryFile {
            path,
            limit,
            trim_bytes,
        }
    }

    /// The newest [`HISTORY_LIMIT`] entries, oldest first. A missing or
    /// unreadable file is an empty history; a line that is not a JSON
    /// string (cut short by a crash, say) is skipped.
    pub fn load(&self) -> Vec<String> {
        let Ok(bytes) = fs::read(&self.path) else {
            return Vec::new();
        };
        let mut entries: Vec<String> = bytes
            .split(|&byte| byte == b'\n')
            .filter_map(|line| serde_json::from_slice::<String>(line).ok())
            .filter(|entry| !entry.trim().is_empty())
            .collect();
        let excess = entries.len().saturating_sub(self.limit);
        entries.drain(..excess);
        entries
    }

    /// Adds `entry` at the end; blank entries are not recorded.
    pub fn append(&self, entry: &str) -> io::Result<()> {
        if entry.trim().is_empty() {
            return Ok(());
        }
        if let Some(dir) = self.path.parent() {
            fs::create_dir_all(dir)?;
        }
        let mut file = self.open_locked()?;
        let mut line = String::new();
        // A crash mid-append leaves a last line without its newline; start
        // on a fresh line so that only the damaged entry is lost.
        if !ends_with_newline(&mut file)? {
            line.push('\n');
        }
        line.push_str(&serde_json::to_string(entry)?);
        line.push('\n');
        file.write_all(line.as_bytes())?;
        if file.metadata()?.len() > self.trim_bytes {
            // Still under the lock: nobody appends meanwhile.
            let kept: String = self
                .load()
                .iter()
                .filter_map(|entry| serde_json::to_string(entry).ok())
                .map(|json| json + "\n")
                .collect();
            write_atomically(&self.path, kept.as_bytes())?;
        }
        Ok(())
    }

    /// The history file, opened for appending and locked exclusively. A
    /// file replaced by a trim while this waited for its lock is let go
    /// and the new one opened, so the append lands where readers look.
    fn open_locked(&self) -> io::Result<File> {
        use std::os::unix::fs::MetadataExt;
        loop {
            let file = OpenOptions::new()
                .read(true)
                .append(true)
                .create(true)
                .open(&self.path)?;
            file.lock()?;
            let (held, current) = (file.metadata()?, fs::metadata(&self.path));
            if current.is_ok_and(|now| now.dev() == held.dev() && now.ino() == held.ino()) {
                return Ok(file);
            }
        }
    }
}

/// Whether `file` is empty or its last byte is a newline.
fn ends_with_newline(file: &mut File) -> io::Result<bool> {
    if file.metadata()?.len() == 0 {
        return Ok(true);
    }
    file.seek(SeekFrom::End(-1))?;
    let mut last = [0u8];
    file.read_exact(&mut last)?;
    Ok(last[0] == b'\n')
}

#[cfg(test)]
mod tests {
    use super::super::buffer::Buffer;
    use super::*;

    fn sample_draft() -> Draft {
        let mut buffer = Buffer::from_text("unsent ");
        buffer.insert_fold("pasted\n".repeat(6));
        Draft::from(&buffer)
    }

    fn listing(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = fs::read_dir(dir)
            .unwrap()
            .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    #[test]
    fn draft_round_trips_and_leaves_no_temporary_file() {
        let home = tempfile::tempdir().unwrap();
        let drafts = home.path().join("tui/drafts");
        let store = DraftStore::new(drafts.clone(), home.path());
        assert_eq!(store.load(), None);
        store.save(&sample_draft()).unwrap();
        store.save(&sample_draft()).unwrap();
        assert_eq!(store.load(), Some(sample_draft()));
        let names = listing(&drafts);
        assert_eq!(names.len(), 1, "only the draft itself: {names:?}");
        assert!(names[0].ends_with(".json") && names[0].len() == 21, "{names:?}");
    }

    #[test]
    fn clear_and_empty_save_remove_the_file() {
        let home = tempfile::tempdir().unwrap();
        let store = DraftStore::new(home.path().join("drafts"), home.path());
        store.save(&sample_draft()).unwrap();
        store.clear().unwrap();
        assert!(!store.path().exists());
        store.clear().unwrap();
        store.save(&sample_draft()).unwrap();
        store.save(&Draft::default()).unwrap();
        assert!(!store.path().exists());
    }

    #[test]
    fn each_directory_has_its_own_draft() {
        let home = tempfile::tempdir().unwrap();
        let (one, two) = (home.path().join("one"), home.path().join("two"));
        fs::create_dir_all(&one).unwrap();
        fs::create_dir_all(&two).unwrap();
        let drafts = home.path().join("drafts");
        DraftStore::new(drafts.clone(), &one).save(&sample_draft()).unwrap();
        assert_eq!(DraftStore::new(drafts.clone(), &two).load(), None);
        let via_dots = one.join("..").join("one");
        assert_eq!(DraftStore::new(drafts, &via_dots).load(), Some(sample_draft()));
    }

    #[test]
    fn a_damaged_draft_file_reads_as_none() {
        let home = tempfile::tempdir().unwrap();
        let store = DraftStore::new(home.path().to_path_buf(), home.path());
        fs::write(store.path(), "{\"cwd\": ").unwrap();
        assert_eq!(store.load(), None);
    }

    #[test]
    fn history_appends_and_skips_damaged_lines() {
        let home = tempfile::tempdir().unwrap();
        let history = HistoryFile::new(home.path().join("history.jsonl"));
        assert!(history.load().is_empty());
        history.append("first").unwrap();
        history.append("two\nlines").unwrap();
        history.append("  ").unwrap();
        // A crash cut this append short: no closing quote, no newline.
        let mut file = OpenOptions::new()
            .append(true)
            .open(home.path().join("history.jsonl"))
            .unwrap();
        file.write_all(b"not json\n\"cut sho").unwrap();
        history.append("after").unwrap();
        assert_eq!(history.load(), ["first", "two\nlines", "after"]);
        let raw = fs::read_to_string(home.path().join("history.jsonl")).unwrap();
        insta::assert_snapshot!(raw, @r#"
        "first"
        "two\nlines"
        not json
        "cut sho
        "after"
        "#);
    }

    #[test]
    fn history_keeps_the_newest_entries() {
        let home = tempfile::tempdir().unwrap();
        let path = home.path().join("history.jsonl");
        let lines: String = (0..HISTORY_LIMIT + 5).map(|n| format!("\"{n}\"\n")).collect();
        fs::write(&path, lines).unwrap();
        let entries = HistoryFile::new(path).load();
        assert_eq!(entries.len(), HISTORY_LIMIT);
        assert_eq!(entries[0], "5");
    }

    #[test]
    fn a_long_history_is_trimmed_to_its_newest_entries_on_append() {
        let home = tempfile::tempdir().unwrap();
        let path = home.path().join("history.jsonl");
        let history = HistoryFile::with_limits(path.clone(), 3, 40);
        for n in 0..10 {
            history.append(&format!("prompt {n}")).unwrap();
        }
        // Each entry is 11 bytes: the file is trimmed to 3 whenever it passes 40.
        let raw = fs::read_to_string(&path).unwrap();
        assert!(raw.len() <= 44, "{raw:?}");
        assert_eq!(history.load(), ["prompt 7", "prompt 8", "prompt 9"]);
        assert_eq!(listing(home.path()), ["history.jsonl"], "no temporary file is left");
    }

    #[test]
    fn concurrent_appends_lose_nothing_to_trims() {
        // Every append past 200 bytes trims, but to at most 1000 entries: a
        // lost append would be missing below.
        let home = tempfile::tempdir().unwrap();
        let path = home.path().join("history.jsonl");
        let writers: Vec<_> = (0..4)
            .map(|writer| {
                let history = HistoryFile::with_limits(path.clone(), 1000, 200);
                std::thread::spawn(move || {
                    for n in 0..50 {
                        history.append(&format!("w{writer} {n}")).unwrap();
                    }
                })
            })
            .collect();
        for writer in writers {
            writer.join().unwrap();
        }
        let mut entries = HistoryFile::new(path).load();
        entries.sort();
        let mut expected: Vec<String> = (0..4)
            .flat_map(|writer| (0..50).map(move |n| format!("w{writer} {n}")))
            .collect();
        expected.sort();
        assert_eq!(entries, expected);
    }

    #[test]
    fn fnv1a64_matches_the_reference_values() {
        assert_eq!(fnv1a64(b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a64(b"a"), 0xaf63_dc4c_8601_ec8c);
        assert_eq!(fnv1a64(b"foobar"), 0x85944171f73967e8);
    }
}
