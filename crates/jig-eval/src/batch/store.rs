//! The broker's memory across crashes: `RUN_DIR/batch/state.jsonl`, one
//! record per line, appended and synced as each fact becomes known.
//!
//! Invariant: a record is on disk before anything acts on it — a batch is
//! recorded the moment the vendor accepted it and before any request waits on
//! it, an answer before the agent gets it. Reading back tolerates a last line
//! cut by a crash (it is dropped); any other damage is an error that names
//! the line.

use std::collections::{HashMap, HashSet};
use std::io::Write;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::{BatchError, Vendor};

/// The state file's name in the run's `batch/` directory.
pub const STATE_FILE: &str = "state.jsonl";

/// The directory a run keeps its batch state in.
pub(crate) fn state_dir(work_dir: &Path) -> PathBuf {
    work_dir.join("batch")
}

/// How an answer was got.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum Via {
    /// From a batch, at the batch price.
    Batch,
    /// From a live request after the batch failed it, at the live price.
    Live,
}

/// One line of the state file.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub(crate) enum Record {
    /// The vendor accepted a batch of these requests.
    Submitted {
        vendor: Vendor,
        batch_id: String,
        step: u32,
        /// Each request's `custom_id` and [`super::key::content_hash`].
        requests: Vec<(String, String)>,
    },
    /// A request's answer: the vendor's non-streaming response body.
    Answer {
        custom_id: String,
        via: Via,
        /// [`super::key::content_hash`] of the request it answered.
        content_hash: String,
        body: Value,
    },
    /// A request failed or expired in its batch (it then goes live).
    Failed { custom_id: String, why: String },
    /// Every result of a batch is recorded.
    Ended { batch_id: String, status: String },
    /// A step finished.
    Step {
        step: u32,
        /// Requests the step answered.
        requests: u32,
        /// Of those, how many went live after their batch failed them.
        fallbacks: u32,
        /// Milliseconds from the step's start to its last answer.
        wait_ms: u64,
    },
    /// A stored answer was given to a rerun request whose tool outputs differ.
    ReusedStale { custom_id: String },
}

/// The state file and what it says.
#[derive(Debug)]
pub(crate) struct Store {
    path: PathBuf,
    file: std::fs::File,
    records: Vec<Record>,
    answers: HashMap<String, usize>,
    failed: HashSet<String>,
    /// Batches not yet ended, by id, with their vendor and requests
    /// (`custom_id`, content hash).
    pending: HashMap<String, (Vendor, Vec<(String, String)>)>,
}

impl Store {
    /// Opens (or creates) the state of the run in `work_dir`.
    pub(crate) fn open(work_dir: &Path) -> Result<Store, BatchError> {
        let dir = state_dir(work_dir);
        std::fs::create_dir_all(&dir).map_err(|source| BatchError::State {
            path: dir.clone(),
            source,
        })?;
        let path = dir.join(STATE_FILE);
        let (records, whole) = read(&path)?;
        let state = |source| BatchError::State {
            path: path.clone(),
            source,
        };
        let file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&path)
            .map_err(state)?;
        // The next record must not be glued to a line a crash cut.
        file.set_len(whole).map_err(state)?;
        let mut store = Store {
            path,
            file,
            records: Vec::new(),
            answers: HashMap::new(),
            failed: HashSet::new(),
            pending: HashMap::new(),
        };
        for record in records {
            store.index(record);
        }
        Ok(store)
    }

    /// Appends `record` and syncs it.
    pub(crate) fn append(&mut self, record: Record) -> Result<(), BatchError> {
        let mut line = serde_json::to_vec(&record).unwrap_or_default();
        line.push(b'\n');
        let state = |source| BatchError::State {
            path: self.path.clone(),
            source,
        };
        self.file.write_all(&line).map_err(state)?;
        self.file.sync_data().map_err(state)?;
        self.index(record);
        Ok(())
    }

    fn index(&mut self, record: Record) {
        match &record {
            Record::Submitted {
                vendor,
                batch_id,
                requests,
                ..
            } => {
                self.pending.insert(batch_id.clone(), (*vendor, requests.clone()));
            }
            Record::Answer { custom_id, .. } => {
                self.answers.insert(custom_id.clone(), self.records.len());
            }
            Record::Failed { custom_id, .. } => {
                self.failed.insert(custom_id.clone());
            }
            Record::Ended { batch_id, .. } => {
                self.pending.remove(batch_id);
            }
            Record::Step { .. } | Record::ReusedStale { .. } => {}
        }
        self.records.push(record);
    }

    /// The stored answer to `custom_id`: its body and the content hash it was for.
    pub(crate) fn answer(&self, custom_id: &str) -> Option<(&Value, &str)> {
        match self.records.get(*self.answers.get(custom_id)?) {
            Some(Record::Answer { body, content_hash, .. }) => Some((body, content_hash)),
            _ => None,
        }
    }

    /// Whether `custom_id` failed in a batch (and has no answer yet).
    pub(crate) fn failed(&self, custom_id: &str) -> bool {
        self.failed.contains(custom_id) && !self.answers.contains_key(custom_id)
    }

    /// The batch accepted before that holds `custom_id` and has not ended.
    pub(crate) fn pending_batch(&self, custom_id: &str) -> Option<(String, Vendor)> {
        self.pending
            .iter()
            .find(|(_, (_, requests))| requests.iter().any(|(id, _)| id == custom_id))
            .map(|(id, (vendor, _))| (id.clone(), *vendor))
    }

    /// The content hash a request of a batch not yet ended was submitted with.
    pub(crate) fn submitted_hash(&self, batch_id: &str, custom_id: &str) -> Option<&str> {
        let (_, requests) = self.pending.get(batch_id)?;
        requests
            .iter()
            .find(|(id, _)| id == custom_id)
            .map(|(_, hash)| hash.as_str())
    }

    /// The number the next step gets.
    pub(crate) fn next_step(&self) -> u32 {
        self.records
            .iter()
            .filter_map(|record| match record {
                Record::Submitted { step, .. } | Record::Step { step, .. } => Some(*step + 1),
                _ => None,
            })
            .max()
            .unwrap_or(1)
    }

    /// Every record, in order.
    pub(crate) fn records(&self) -> &[Record] {
        &self.records
    }

    /// The state file.
    pub(crate) fn path(&self) -> &Path {
        &self.path
    }
}

/// The records of the state file at `path` (none when it does not exist),
/// and the length of its whole lines.
fn read(path: &Path) -> Result<(Vec<Record>, u64), BatchError> {
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok((Vec::new(), 0)),
        Err(source) => {
            return Err(BatchError::State {
                path: path.to_owned(),
                source,
            });
        }
    };
    let whole = text.rfind('\n').map_or(0, |at| at + 1);
    let lines: Vec<&str> = text.lines().collect();
    let mut records = Vec::with_capacity(lines.len());
    for (i, line) in lines.iter().enumerate() {
        match serde_json::from_str(line) {
            Ok(record) => records.push(record),
            // A crash mid-append leaves the last line cut.
            Err(_) if i + 1 == lines.len() && !text.ends_with('\n') => break,
            Err(e) => {
                return Err(BatchError::Damaged {
                    path: path.to_owned(),
                    line: i + 1,
                    reason: e.to_string(),
                });
            }
        }
    }
    Ok((records, whole as u64))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use serde_json::json;

    use super::*;

    #[test]
    fn state_is_read_back_and_a_cut_last_line_is_dropped() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open(dir.path()).unwrap();
        store
            .append(Record::Submitted {
                vendor: Vendor::OpenAi,
                batch_id: "b1".into(),
                step: 1,
                requests: vec![("a".into(), "ha".into()), ("b".into(), "hb".into())],
            })
            .unwrap();
        store
            .append(Record::Answer {
                custom_id: "a".into(),
                via: Via::Batch,
                content_hash: "h".into(),
                body: json!({"id": "r"}),
            })
            .unwrap();
        let path = store.path().to_owned();
        drop(store);
        let mut text = std::fs::read_to_string(&path).unwrap();
        text.push_str("{\"kind\": \"ans");
        std::fs::write(&path, text).unwrap();
        let mut store = Store::open(dir.path()).unwrap();
        store
            .append(Record::Failed {
                custom_id: "b".into(),
                why: "expired".into(),
            })
            .unwrap();
        drop(store);
        let store = Store::open(dir.path()).unwrap();
        assert!(store.failed("b"));
        assert_eq!(store.answer("a").unwrap().1, "h");
        assert_eq!(store.pending_batch("b").unwrap().0, "b1");
        assert_eq!(store.next_step(), 2);
    }
}
