//! Typed errors of the core. Messages are for people: what failed, why, what to do.

use std::path::PathBuf;

/// A fault of the core: storage, resume or configuration.
#[derive(Debug, thiserror::Error)]
pub enum CoreError {
    /// Reading or writing a session file failed.
    #[error("cannot {action} {path}: {source}")]
    Io {
        /// What jig was doing, e.g. "append to".
        action: &'static str,
        /// The file or directory.
        path: PathBuf,
        /// The OS error.
        source: std::io::Error,
    },
    /// A rollout line is not a valid record.
    #[error(
        "{path} line {line} is not a valid rollout record ({reason}); the session file is corrupt — \
         move it aside or restore it from a backup"
    )]
    CorruptRollout {
        /// The rollout file.
        path: PathBuf,
        /// 1-based line number.
        line: usize,
        /// Parser message.
        reason: String,
    },
    /// The rollout's records contradict each other, as when two processes
    /// wrote the session at once.
    #[error(
        "{path} record {record} is inconsistent with the records before it ({reason}); two processes \
         probably wrote this session at once, so it cannot be resumed — read it with `jig sessions show` \
         and start a new session"
    )]
    InconsistentRollout {
        /// The rollout file.
        path: PathBuf,
        /// 1-based number of the offending record.
        record: usize,
        /// What contradicts what.
        reason: String,
    },
    /// The rollout was written in a format this jig does not read.
    #[error(
        "{path} is in rollout format {found} (written by jig {written_by}); this jig ({ours}) reads \
         format {supported} only — use the jig that wrote it"
    )]
    UnsupportedFormat {
        /// The rollout file.
        path: PathBuf,
        /// The format recorded in its `session_meta`.
        found: u32,
        /// The jig version recorded in its `session_meta`.
        written_by: String,
        /// The format this jig reads.
        supported: u32,
        /// This jig's version.
        ours: &'static str,
    },
    /// Another live process is writing the session.
    #[error(
        "session {id} is in use by {holder}; one process at a time may write a session — wait for it to \
         finish or stop it, then try again"
    )]
    SessionBusy {
        /// The session id.
        id: String,
        /// The process holding the session's lock, as far as it is known.
        holder: String,
    },
    /// No session matches the given id.
    #[error("no session `{id}` in {dir}; run `jig sessions list` to see the sessions there")]
    UnknownSession {
        /// What the user asked for.
        id: String,
        /// The sessions directory searched.
        dir: PathBuf,
    },
    /// More than one session starts with the given id prefix.
    #[error("session id `{id}` is ambiguous ({count} sessions match); give more characters")]
    AmbiguousSession {
        /// What the user asked for.
        id: String,
        /// How many matched.
        count: usize,
    },
    /// There are no sessions at all.
    #[error("no sessions in {0}; start one with `jig exec`")]
    NoSessions(PathBuf),
    /// A model spec or model source could not be used.
    #[error(transparent)]
    Model(#[from] jig_model::ModelError),
    /// The exec-policy rules could not be read.
    #[error(transparent)]
    Rules(#[from] jig_policy::PolicyError),
    /// A setting cannot be used as it is.
    #[error("{0}")]
    Config(String),
}

impl CoreError {
    /// Where this fault is, for a failed turn's outcome.
    pub fn failure_kind(&self) -> jig_protocol::FailureKind {
        use jig_protocol::FailureKind;
        match self {
            CoreError::Io { .. } => FailureKind::Storage,
            CoreError::Model(_) => FailureKind::Model,
            _ => FailureKind::Internal,
        }
    }

    /// An I/O error with context.
    pub fn io(action: &'static str, path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        CoreError::Io {
            action,
            path: path.into(),
            source,
        }
    }
}
