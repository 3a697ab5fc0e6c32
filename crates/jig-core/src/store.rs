//! Where sessions live: `$JIG_HOME/sessions/<id>/{rollout.jsonl, meta.json}`.
//!
//! `meta.json` is a convenience copy of the rollout's first record for fast
//! listing; the rollout alone is authoritative, so a missing or damaged
//! `meta.json` degrades listing, never resume. A rollout in another format
//! than [`ROLLOUT_FORMAT_VERSION`] is refused, never guessed at.
//!
//! One writer per session: [`SessionLock`] is an exclusive `flock` on
//! `lock` in the session directory, holding the writer's PID so a second
//! writer can say who is in the way. The kernel releases it when its holder
//! exits or is killed, so a lock left by a dead process is simply taken over.

use std::path::{Path, PathBuf};
use std::time::SystemTime;

use jig_protocol::{ROLLOUT_FORMAT_VERSION, RolloutRecord, SessionMeta};

use crate::error::CoreError;
pub use crate::lock::{LOCK_FILE, SessionLock};
use crate::rollout::RolloutWriter;

/// File name of the rollout inside a session directory.
pub const ROLLOUT_FILE: &str = "rollout.jsonl";
/// File name of the metadata copy inside a session directory.
pub const META_FILE: &str = "meta.json";

/// The sessions directory of a jig data dir.
#[derive(Debug, Clone)]
pub struct SessionStore {
    root: PathBuf,
}

/// One line of `jig sessions list`.
#[derive(Debug, Clone)]
pub struct SessionSummary {
    /// Session id (the directory name).
    pub id: String,
    /// Metadata, when readable.
    pub meta: Option<SessionMeta>,
    /// Last modification of the rollout.
    pub modified: Option<SystemTime>,
}

impl SessionStore {
    /// The store under data dir `home` (sessions go in `home/sessions`).
    pub fn new(home: &Path) -> Self {
        SessionStore {
            root: home.join("sessions"),
        }
    }

    /// The directory holding all sessions.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Creates a session directory, writes `meta.json` and the rollout's
    /// first record, and returns the directory and a writer.
    pub fn create(&self, meta: &SessionMeta) -> Result<(PathBuf, RolloutWriter), CoreError> {
        let dir = self.root.join(&meta.session_id);
        std::fs::create_dir_all(&dir).map_err(|e| CoreError::io("create session directory", &dir, e))?;
        let lock = SessionLock::acquire(&dir)?;
        write_meta(&dir, meta)?;
        let mut writer = RolloutWriter::create(&dir.join(ROLLOUT_FILE), lock)?;
        writer.append(&RolloutRecord::SessionMeta(meta.clone()))?;
        Ok((dir, writer))
    }

    /// Finds a session by id, unique id prefix, or a path to its directory
    /// or rollout file.
    pub fn resolve(&self, id: &str) -> Result<PathBuf, CoreError> {
        let as_path = Path::new(id);
        if as_path.is_file() {
            return Ok(as_path.parent().map(Path::to_path_buf).unwrap_or_default());
        }
        if as_path.join(ROLLOUT_FILE).is_file() {
            return Ok(as_path.to_path_buf());
        }
        let exact = self.root.join(id);
        if !id.is_empty() && !id.contains('/') && exact.is_dir() {
            return Ok(exact);
        }
        let matches: Vec<String> = self
            .ids()?
            .into_iter()
            .filter(|s| !id.is_empty() && s.starts_with(id))
            .collect();
        match matches.as_slice() {
            [one] => Ok(self.root.join(one)),
            [] => Err(CoreError::UnknownSession {
                id: id.to_string(),
                dir: self.root.clone(),
            }),
            many => Err(CoreError::AmbiguousSession {
                id: id.to_string(),
                count: many.len(),
            }),
        }
    }

    /// The most recently modified session.
    pub fn latest(&self) -> Result<PathBuf, CoreError> {
        self.list()?
            .into_iter()
            .max_by_key(|s| (s.modified, s.id.clone()))
            .map(|s| self.root.join(s.id))
            .ok_or_else(|| CoreError::NoSessions(self.root.clone()))
    }

    /// Every session, oldest first.
    pub fn list(&self) -> Result<Vec<SessionSummary>, CoreError> {
        let mut out: Vec<SessionSummary> = self
            .ids()?
            .into_iter()
            .map(|id| {
                let dir = self.root.join(&id);
                let meta = std::fs::read(dir.join(META_FILE))
                    .ok()
                    .and_then(|bytes| serde_json::from_slice(&bytes).ok());
                let modified = std::fs::metadata(dir.join(ROLLOUT_FILE))
                    .and_then(|m| m.modified())
                    .ok();
                SessionSummary { id, meta, modified }
            })
            .collect();
        out.sort_by(|a, b| (a.modified, &a.id).cmp(&(b.modified, &b.id)));
        Ok(out)
    }

    fn ids(&self) -> Result<Vec<String>, CoreError> {
        let entries = match std::fs::read_dir(&self.root) {
            Ok(entries) => entries,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(CoreError::io("list", &self.root, e)),
        };
        let mut ids = Vec::new();
        for entry in entries {
            let entry = entry.map_err(|e| CoreError::io("list", &self.root, e))?;
            if entry.path().is_dir() {
                ids.push(entry.file_name().to_string_lossy().into_owned());
            }
        }
        ids.sort();
        Ok(ids)
    }
}

/// A new session's metadata, with a fresh time-ordered id.
pub fn new_meta(cwd: &Path, model: &str, instructions: &str, dialect: &str) -> SessionMeta {
    SessionMeta {
        session_id: uuid::Uuid::now_v7().to_string(),
        created_at: humantime::format_rfc3339_millis(SystemTime::now()).to_string(),
        cwd: cwd.display().to_string(),
        model: model.to_string(),
        instructions: instructions.to_string(),
        dialect: Some(dialect.to_string()),
        parent_session_id: None,
        jig_version: env!("CARGO_PKG_VERSION").to_string(),
        format: ROLLOUT_FORMAT_VERSION,
    }
}

fn write_meta(dir: &Path, meta: &SessionMeta) -> Result<(), CoreError> {
    let path = dir.join(META_FILE);
    let tmp = dir.join(".meta.json.tmp");
    let text = serde_json::to_vec_pretty(meta).map_err(|e| CoreError::io("serialize", &path, e.into()))?;
    std::fs::write(&tmp, text).map_err(|e| CoreError::io("write", &tmp, e))?;
    std::fs::rename(&tmp, &path).map_err(|e| CoreError::io("write", &path, e))
}

/// Reads a session's metadata from the first line of its rollout (the
/// authoritative copy), without reading the rest.
pub fn read_meta(dir: &Path) -> Result<SessionMeta, CoreError> {
    use std::io::BufRead;
    let path = dir.join(ROLLOUT_FILE);
    let file = std::fs::File::open(&path).map_err(|e| CoreError::io("read", &path, e))?;
    let mut first = String::new();
    std::io::BufReader::new(file)
        .read_line(&mut first)
        .map_err(|e| CoreError::io("read", &path, e))?;
    if first.trim().is_empty() {
        return Err(empty_rollout(path));
    }
    match serde_json::from_str::<RolloutRecord>(&first) {
        Ok(RolloutRecord::SessionMeta(meta)) => {
            check_format(&meta, &path)?;
            Ok(meta)
        }
        Ok(_) => Err(CoreError::CorruptRollout {
            path,
            line: 1,
            reason: "the first record is not session_meta".into(),
        }),
        Err(err) => Err(CoreError::CorruptRollout {
            path,
            line: 1,
            reason: err.to_string(),
        }),
    }
}

/// The error for a rollout with no records at all.
pub fn empty_rollout(path: PathBuf) -> CoreError {
    CoreError::CorruptRollout {
        path,
        line: 1,
        reason: "the rollout is empty; it holds no session_meta record".into(),
    }
}

/// Refuses a rollout written in a format this jig does not read.
pub fn check_format(meta: &SessionMeta, path: &Path) -> Result<(), CoreError> {
    if meta.format == ROLLOUT_FORMAT_VERSION {
        return Ok(());
    }
    Err(CoreError::UnsupportedFormat {
        path: path.to_path_buf(),
        found: meta.format,
        written_by: meta.jig_version.clone(),
        supported: ROLLOUT_FORMAT_VERSION,
        ours: env!("CARGO_PKG_VERSION"),
    })
}
