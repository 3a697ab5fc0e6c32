//! One writer per session: [`SessionLock`] is an exclusive `flock` on the
//! session directory's `lock` file, holding the holder's PID so that a
//! second writer is told who has it. The kernel drops the lock when its
//! holder dies, so a crashed session is never locked out.

use std::fs::{File, OpenOptions};
use std::io::{Read, Write};
use std::path::Path;

use nix::fcntl::{Flock, FlockArg};

use crate::error::CoreError;

/// File name of the writer's lock inside a session directory.
pub const LOCK_FILE: &str = "lock";

/// The exclusive right to write one session, held until dropped.
#[derive(Debug)]
pub struct SessionLock {
    _file: Flock<File>,
}

impl SessionLock {
    /// Takes the lock of the session in `dir` and writes this process's PID
    /// in it; fails at once, naming the holder, when a live process has it.
    pub fn acquire(dir: &Path) -> Result<SessionLock, CoreError> {
        let path = dir.join(LOCK_FILE);
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)
            .map_err(|e| CoreError::io("open the lock file", &path, e))?;
        let mut file = match Flock::lock(file, FlockArg::LockExclusiveNonblock) {
            Ok(file) => file,
            Err((mut file, nix::errno::Errno::EWOULDBLOCK)) => {
                let mut text = String::new();
                // The holder may be between truncating and writing: no PID then.
                let _ = file.read_to_string(&mut text);
                return Err(CoreError::SessionBusy {
                    id: dir
                        .file_name()
                        .map(|n| n.to_string_lossy().into_owned())
                        .unwrap_or_default(),
                    holder: describe_holder(text.trim()),
                });
            }
            Err((_, errno)) => return Err(CoreError::io("lock", &path, errno.into())),
        };
        file.set_len(0)
            .and_then(|()| file.write_all(format!("{}\n", std::process::id()).as_bytes()))
            .map_err(|e| CoreError::io("write", &path, e))?;
        Ok(SessionLock { _file: file })
    }
}

/// `process 1234 (jig resume --last)`, from the PID in a lock file.
fn describe_holder(pid: &str) -> String {
    let Ok(pid) = pid.parse::<u32>() else {
        return "another process".into();
    };
    let command = std::fs::read(format!("/proc/{pid}/cmdline"))
        .map(|raw| {
            let words: Vec<String> = raw
                .split(|b| *b == 0)
                .filter(|w| !w.is_empty())
                .map(|w| String::from_utf8_lossy(w).into_owned())
                .collect();
            words.join(" ").chars().take(120).collect::<String>()
        })
        .unwrap_or_default();
    if command.is_empty() {
        format!("process {pid}")
    } else {
        format!("process {pid} ({command})")
    }
}
