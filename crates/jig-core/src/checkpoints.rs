//! Checkpoints: the files a mutating tool call may touch, snapshotted before
//! it runs, so `jig undo` can put them back and `jig diff` can show what a
//! session changed.
//!
//! Contents are stored by the SHA-256 of their bytes under
//! `SESSION_DIR/checkpoints/objects/<sha256>`, each written through a
//! temporary file, synced and renamed, so an object either is whole or does
//! not exist; an object is checked against its name before it is restored.
//! The rollout holds the rest ([`jig_protocol::Checkpoint`] records: before
//! and after each call, and a marker for each command the session ran after
//! its first checkpoint; [`jig_protocol::Undo`] records), so undo and diff
//! work from the session directory alone, in or outside git, for tracked and
//! untracked files alike.
//!
//! What is never checkpointed: what a command does (its files are not known
//! before it runs; only an intercepted `apply_patch` heredoc is a patch),
//! and files outside the workspace (the tools refuse them anyway). This
//! module only reads the workspace; restoring is [`crate::undo`]'s job.

use std::collections::{BTreeMap, HashSet};
use std::io::Write;
use std::path::{Path, PathBuf};

use jig_protocol::{Checkpoint, CheckpointPhase, FileState, Item, Role, RolloutRecord, Undo};
use sha2::{Digest, Sha256};

use crate::error::CoreError;

/// The directory under a session directory that holds checkpoint objects.
pub const CHECKPOINTS_DIR: &str = "checkpoints";

/// The content store of one session: `checkpoints/objects/<sha256>`.
#[derive(Debug, Clone)]
pub struct Objects {
    dir: PathBuf,
}

/// Whether a snapshot keeps the files' bytes or only their hashes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Keep {
    /// Store the bytes: a state undo restores.
    Content,
    /// Hash only: a state undo compares against.
    HashOnly,
}

impl Objects {
    /// The store of the session in `session_dir`.
    pub fn new(session_dir: &Path) -> Self {
        Objects {
            dir: session_dir.join(CHECKPOINTS_DIR).join("objects"),
        }
    }

    /// Whether the session has taken a checkpoint yet.
    pub fn exists(&self) -> bool {
        self.dir.is_dir()
    }

    /// Stores `bytes` (once per content) and returns their SHA-256. The
    /// object is durable when this returns.
    pub fn put(&self, bytes: &[u8]) -> Result<String, CoreError> {
        let sha = sha256_hex(bytes);
        let path = self.dir.join(&sha);
        if path.is_file() {
            return Ok(sha);
        }
        std::fs::create_dir_all(&self.dir).map_err(|e| CoreError::io("create the checkpoint store", &self.dir, e))?;
        let tmp = self.dir.join(format!(".{sha}.{}.tmp", std::process::id()));
        let written = std::fs::File::create(&tmp)
            .and_then(|mut file| file.write_all(bytes).and_then(|()| file.sync_data()))
            .and_then(|()| std::fs::rename(&tmp, &path))
            .and_then(|()| std::fs::File::open(&self.dir).and_then(|dir| dir.sync_all()));
        if let Err(err) = written {
            let _ = std::fs::remove_file(&tmp);
            return Err(CoreError::io("write the checkpoint object", path, err));
        }
        Ok(sha)
    }

    /// The bytes stored as `sha`, checked against it.
    pub fn get(&self, sha: &str) -> Result<Vec<u8>, String> {
        let path = self.dir.join(sha);
        let bytes = std::fs::read(&path).map_err(|err| format!("cannot read {}: {err}", path.display()))?;
        if sha256_hex(&bytes) != sha {
            return Err(format!(
                "{} is damaged (its content no longer matches its name)",
                path.display()
            ));
        }
        Ok(bytes)
    }
}

/// Lower-case hex SHA-256 of `bytes`.
pub fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}

/// The state of each of `paths` now (absolute, or relative to the workspace
/// `cwd`), keeping the bytes in `objects` when `keep` says so. A path that
/// leaves the workspace or cannot name a file is left out (the tool refuses
/// it too), and each file appears once.
pub fn snapshot(objects: &Objects, cwd: &Path, paths: &[PathBuf], keep: Keep) -> Result<Vec<FileState>, CoreError> {
    let mut seen = HashSet::new();
    let mut files = Vec::new();
    for path in paths {
        let Ok(target) = jig_patch::resolve_in_workspace(cwd, path) else {
            continue;
        };
        let Some(relative) = target.relative.to_str().map(str::to_owned) else {
            continue;
        };
        if !seen.insert(relative.clone()) {
            continue;
        }
        let sha = match read_file(&target.real)? {
            None => None,
            Some(bytes) if keep == Keep::Content => Some(objects.put(&bytes)?),
            Some(bytes) => Some(sha256_hex(&bytes)),
        };
        files.push(FileState {
            path: relative,
            sha256: sha,
        });
    }
    Ok(files)
}

/// A file's bytes, or `None` when nothing is there.
pub fn read_file(path: &Path) -> Result<Option<Vec<u8>>, CoreError> {
    match std::fs::read(path) {
        Ok(bytes) => Ok(Some(bytes)),
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(err) => Err(CoreError::io("read the file to checkpoint", path, err)),
    }
}

/// The state of the workspace file `relative` now (its hash, or `None`).
pub fn current_state(cwd: &Path, relative: &str) -> Result<Option<String>, String> {
    let target = jig_patch::resolve_in_workspace(cwd, Path::new(relative)).map_err(|err| err.to_string())?;
    match read_file(&target.real) {
        Ok(bytes) => Ok(bytes.map(|bytes| sha256_hex(&bytes))),
        Err(err) => Err(err.to_string()),
    }
}

/// What the session last left in a file, as far as the rollout knows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Expected {
    /// This state (`None`: no file).
    Known(Option<String>),
    /// Unknown: jig stopped while a call ran, or an undo could not restore it.
    Unknown(String),
}

/// One checkpointed tool call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallCheckpoint {
    /// The call.
    pub call_id: String,
    /// Its files before it ran.
    pub before: Vec<FileState>,
    /// Whether an undo restored its files since.
    pub undone: bool,
    /// Command-running calls after it, whose effects are not checkpointed.
    pub commands_after: Vec<String>,
}

/// The checkpoints of a session, replayed from its rollout records.
#[derive(Debug, Clone, Default)]
pub struct History {
    /// Every checkpointed call, in session order.
    pub calls: Vec<CallCheckpoint>,
    /// Per file, what the session last left there.
    pub expected: BTreeMap<String, Expected>,
}

impl History {
    /// Replays `records` (a whole rollout, in order).
    pub fn from_records<'a>(records: impl IntoIterator<Item = &'a RolloutRecord>) -> Self {
        let mut history = History::default();
        for record in records {
            match record {
                RolloutRecord::Checkpoint(checkpoint) => history.checkpoint(checkpoint),
                RolloutRecord::Undo(undo) => history.undo(undo),
                _ => {}
            }
        }
        history
    }

    fn checkpoint(&mut self, checkpoint: &Checkpoint) {
        let Checkpoint { call_id, phase, files } = checkpoint;
        match phase {
            CheckpointPhase::Before => {
                for file in files {
                    let why = format!("jig stopped while tool call {call_id} ran, so what it left is unknown");
                    self.expected.insert(file.path.clone(), Expected::Unknown(why));
                }
                self.calls.push(CallCheckpoint {
                    call_id: call_id.clone(),
                    before: files.clone(),
                    undone: false,
                    commands_after: Vec::new(),
                });
            }
            CheckpointPhase::After => {
                for file in files {
                    self.expected
                        .insert(file.path.clone(), Expected::Known(file.sha256.clone()));
                }
            }
            CheckpointPhase::Command => {
                for call in self.calls.iter_mut().filter(|call| !call.undone) {
                    call.commands_after.push(call_id.clone());
                }
            }
        }
    }

    fn undo(&mut self, undo: &Undo) {
        for call in self.calls.iter_mut() {
            if undo.undone.contains(&call.call_id) {
                call.undone = true;
            }
        }
        for file in &undo.restored {
            self.expected
                .insert(file.path.clone(), Expected::Known(file.sha256.clone()));
        }
        for path in &undo.failed {
            let why = "an earlier `jig undo` could not restore it".to_string();
            self.expected.insert(path.clone(), Expected::Unknown(why));
        }
    }

    /// Each checkpointed file with its state before the session first
    /// touched it, in the order the session first touched them.
    pub fn first_states(&self) -> Vec<&FileState> {
        let mut seen = HashSet::new();
        self.calls
            .iter()
            .flat_map(|call| &call.before)
            .filter(|file| seen.insert(file.path.as_str()))
            .collect()
    }
}

/// What the model is told about an undo, in its next request.
pub fn undo_note(undo: &Undo) -> String {
    let files: Vec<String> = undo
        .restored
        .iter()
        .map(|file| match file.sha256 {
            Some(_) => file.path.clone(),
            None => format!("{} (deleted: it did not exist before)", file.path),
        })
        .collect();
    let mut note = format!(
        "[jig] The user ran `jig undo`: files were restored to their state before tool call {} \
         (undoing tool calls {}). Restored: {}.",
        undo.to_call_id,
        undo.undone.join(", "),
        if files.is_empty() {
            "none".to_string()
        } else {
            files.join(", ")
        }
    );
    if !undo.failed.is_empty() {
        note.push_str(&format!(" Could not restore: {}.", undo.failed.join(", ")));
    }
    note.push_str(" Read these files again before you edit them.");
    note
}

/// A note for the model as a conversation item.
pub fn note_item(text: String) -> Item {
    Item::Message { role: Role::User, text }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(call_id: &str, phase: CheckpointPhase, files: &[(&str, Option<&str>)]) -> RolloutRecord {
        RolloutRecord::Checkpoint(Checkpoint {
            call_id: call_id.into(),
            phase,
            files: files
                .iter()
                .map(|(path, sha)| FileState {
                    path: (*path).into(),
                    sha256: sha.map(str::to_owned),
                })
                .collect(),
        })
    }

    #[test]
    fn objects_are_content_addressed_and_checked() {
        let dir = tempfile::tempdir().unwrap();
        let objects = Objects::new(dir.path());
        assert!(!objects.exists());
        let sha = objects.put(b"hello\n").unwrap();
        assert_eq!(sha, sha256_hex(b"hello\n"));
        assert_eq!(objects.put(b"hello\n").unwrap(), sha);
        assert_eq!(objects.get(&sha).unwrap(), b"hello\n");
        std::fs::write(dir.path().join("checkpoints/objects").join(&sha), "tampered").unwrap();
        assert!(objects.get(&sha).unwrap_err().contains("damaged"));
    }

    #[test]
    fn snapshots_keep_existing_files_and_mark_missing_ones() {
        let dir = tempfile::tempdir().unwrap();
        let (session, ws) = (dir.path().join("s"), dir.path().join("ws"));
        std::fs::create_dir_all(&ws).unwrap();
        std::fs::write(ws.join("a.txt"), "a\n").unwrap();
        let objects = Objects::new(&session);
        let paths = [
            ws.join("a.txt"),
            PathBuf::from("new/b.txt"),
            PathBuf::from("a.txt"),
            PathBuf::from("../outside.txt"),
        ];
        let files = snapshot(&objects, &ws, &paths, Keep::Content).unwrap();
        assert_eq!(
            files,
            vec![
                FileState {
                    path: "a.txt".into(),
                    sha256: Some(sha256_hex(b"a\n"))
                },
                FileState {
                    path: "new/b.txt".into(),
                    sha256: None
                },
            ]
        );
        assert_eq!(objects.get(&sha256_hex(b"a\n")).unwrap(), b"a\n");
    }

    #[test]
    fn history_tracks_what_the_session_left_and_what_was_undone() {
        let records = [
            record("c1", CheckpointPhase::Before, &[("a", Some("1")), ("b", None)]),
            record("c1", CheckpointPhase::After, &[("a", Some("2")), ("b", Some("3"))]),
            record("c2", CheckpointPhase::Command, &[]),
            record("c3", CheckpointPhase::Before, &[("a", Some("2"))]),
            RolloutRecord::Undo(Undo {
                to_call_id: "c3".into(),
                undone: vec!["c3".into()],
                restored: vec![FileState {
                    path: "a".into(),
                    sha256: Some("2".into()),
                }],
                failed: vec![],
                forced: true,
            }),
        ];
        let history = History::from_records(&records);
        assert_eq!(history.calls.len(), 2);
        assert_eq!(history.calls[0].commands_after, vec!["c2".to_string()]);
        assert!(history.calls[1].undone && !history.calls[0].undone);
        assert_eq!(history.expected["a"], Expected::Known(Some("2".into())));
        assert_eq!(history.expected["b"], Expected::Known(Some("3".into())));
        let first: Vec<_> = history
            .first_states()
            .iter()
            .map(|f| (f.path.as_str(), f.sha256.clone()))
            .collect();
        assert_eq!(first, vec![("a", Some("1".into())), ("b", None)]);
    }
}
