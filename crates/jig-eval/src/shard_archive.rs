//! A shard's results as one framed archive on its standard output, which is
//! how a Kubernetes pod hands its results back: the coordinator reads the
//! pod's log through the pod-logs API, so no shared filesystem, volume or
//! object store is needed, and the log outlives a finished pod as long as
//! its Job does.
//!
//! The frame is text a log pipeline keeps intact: a `begin` line with the
//! shard, the payload's length and SHA-256, the payload in base64 lines of
//! 76 characters, and an `end` line. The payload is gzip of a sequence of
//! entries (`u32` name length, name, `u64` data length, data, big-endian):
//! `meta.json` (the shard and the work directory its rollout paths start
//! with), `evals.db` (the shard's results database, `VACUUM INTO`: one
//! self-contained file) and `files/TASK/N/…` (each sample's sessions and
//! `user.jsonl`, what regrading and the judge read).
//!
//! Invariants: a frame is used only whole — its length and SHA-256 match —
//! so a log cut short or interleaved is an error, never half a shard; the
//! last whole frame in a log wins (a pod prints one); and extraction writes
//! only below the target directory (names with `..`, a root or a prefix
//! are refused).

use std::collections::BTreeSet;
use std::io::{Read, Write};
use std::path::{Component, Path, PathBuf};

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use sha2::{Digest, Sha256};

use crate::results::{Results, ResultsError, RunId};
use crate::runner::Shard;

const BEGIN: &str = "jig-shard-archive v1 begin";
const END: &str = "jig-shard-archive v1 end";

/// One shard's results: its database and its samples' files.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShardArchive {
    /// Which shard made it.
    pub shard: Shard,
    /// The shard's run directory, which its rollout paths start with.
    pub work_dir: String,
    /// The shard's results database file.
    pub db: Vec<u8>,
    /// Files by path relative to the run directory (`TASK/N/sessions/…`).
    pub files: Vec<(String, Vec<u8>)>,
}

/// Why an archive could not be made or read.
#[derive(Debug, thiserror::Error)]
pub enum ArchiveError {
    /// Reading or writing a file failed.
    #[error("shard archive: {what} {}: {source}", path.display())]
    Io {
        /// What was being done.
        what: &'static str,
        /// The file.
        path: PathBuf,
        /// The error.
        source: std::io::Error,
    },
    /// The results database could not be copied.
    #[error(transparent)]
    Results(#[from] ResultsError),
    /// The log holds no whole archive.
    #[error("no complete jig shard archive in the pod's log ({0}); the pod's log shows why")]
    Missing(String),
    /// The archive is malformed.
    #[error("the shard archive is malformed: {0}")]
    Malformed(String),
}

impl ShardArchive {
    /// Collects shard `shard`'s results: a copy of `results` and the
    /// sessions and interview logs of every sample under `work_dir`.
    pub fn collect(shard: Shard, results: &Results, work_dir: &Path) -> Result<ShardArchive, ArchiveError> {
        let scratch = scratch_dir()?;
        let copy = scratch.path().join("evals.db");
        results.snapshot(&copy)?;
        let db = read(&copy)?;
        let mut files = Vec::new();
        for sample in sample_dirs(work_dir)? {
            for keep in ["sessions", "user.jsonl"] {
                walk(work_dir, &sample.join(keep), &mut files)?;
            }
        }
        files.sort();
        Ok(ShardArchive {
            shard,
            work_dir: work_dir.display().to_string(),
            db,
            files,
        })
    }

    /// Writes the archive as one frame.
    pub fn write_framed(&self, out: &mut impl Write) -> std::io::Result<()> {
        let payload = self.payload()?;
        let digest = hex(&Sha256::digest(&payload));
        writeln!(
            out,
            "{BEGIN} shard={} bytes={} sha256={digest}",
            self.shard,
            payload.len()
        )?;
        let text = STANDARD.encode(&payload);
        for line in text.as_bytes().chunks(76) {
            out.write_all(line)?;
            out.write_all(b"\n")?;
        }
        writeln!(out, "{END}")?;
        out.flush()
    }

    /// The last whole archive in `log`.
    pub fn find_in_log(log: &str) -> Result<ShardArchive, ArchiveError> {
        let lines: Vec<&str> = log.lines().collect();
        let Some(start) = lines.iter().rposition(|l| l.starts_with(BEGIN)) else {
            return Err(ArchiveError::Missing("no begin line".into()));
        };
        let header = lines[start];
        let Some(end) = lines[start..].iter().position(|l| l.trim_end() == END) else {
            return Err(ArchiveError::Missing("the log ends inside the archive".into()));
        };
        let field = |name: &str| {
            header
                .split_whitespace()
                .find_map(|w| w.strip_prefix(name).and_then(|v| v.strip_prefix('=')))
                .ok_or_else(|| ArchiveError::Malformed(format!("the begin line has no {name}")))
        };
        let bytes: usize = field("bytes")?
            .parse()
            .map_err(|_| ArchiveError::Malformed("bytes is not a number".into()))?;
        let digest = field("sha256")?.to_owned();
        let text: String = lines[start + 1..start + end].iter().map(|l| l.trim()).collect();
        let payload = STANDARD
            .decode(text)
            .map_err(|e| ArchiveError::Malformed(format!("bad base64: {e}")))?;
        if payload.len() != bytes || hex(&Sha256::digest(&payload)) != digest {
            return Err(ArchiveError::Missing("its length or SHA-256 does not match".into()));
        }
        ShardArchive::from_payload(&payload)
    }

    /// Writes the files of the sample directories `samples` (relative to
    /// the run directory, `TASK/N`) under `to`, replacing what is there.
    pub fn extract(&self, samples: &BTreeSet<String>, to: &Path) -> Result<usize, ArchiveError> {
        let mut written = 0;
        for (name, data) in &self.files {
            let rel = Path::new(name);
            if !rel.components().all(|c| matches!(c, Component::Normal(_))) {
                return Err(ArchiveError::Malformed(format!(
                    "file name {name} leaves its directory"
                )));
            }
            let sample: PathBuf = rel.components().take(2).collect();
            if !samples.contains(&sample.display().to_string()) {
                continue;
            }
            let path = to.join(rel);
            if let Some(parent) = path.parent() {
                std::fs::create_dir_all(parent).map_err(|source| ArchiveError::Io {
                    what: "cannot create",
                    path: parent.to_owned(),
                    source,
                })?;
            }
            std::fs::write(&path, data).map_err(|source| ArchiveError::Io {
                what: "cannot write",
                path: path.clone(),
                source,
            })?;
            written += 1;
        }
        Ok(written)
    }

    /// Merges the archive into `run`: extracts the rollouts of the samples
    /// the run does not hold yet under `work_dir` (the run's directory),
    /// then records those samples in one transaction
    /// ([`Results::merge_shard`]). Returns how many samples were new; a
    /// second merge of the same archive adds none and overwrites nothing.
    pub fn merge_into(&self, results: &mut Results, run: &RunId, work_dir: &Path) -> Result<usize, ArchiveError> {
        let scratch = scratch_dir()?;
        let db = scratch.path().join("shard.db");
        std::fs::write(&db, &self.db).map_err(|source| ArchiveError::Io {
            what: "cannot write",
            path: db.clone(),
            source,
        })?;
        let from = format!("{}/", self.work_dir.trim_end_matches('/'));
        let dirs: BTreeSet<String> = results
            .unmerged(run, &db)?
            .into_iter()
            .filter_map(|u| u.rollout_path)
            .filter_map(|p| {
                let mut parts = p.strip_prefix(&from)?.splitn(3, '/');
                Some(format!("{}/{}", parts.next()?, parts.next()?))
            })
            .collect();
        self.extract(&dirs, work_dir)?;
        let to = format!("{}/", work_dir.display().to_string().trim_end_matches('/'));
        Ok(results.merge_shard(run, &db, &from, &to)?)
    }

    fn payload(&self) -> std::io::Result<Vec<u8>> {
        let meta = serde_json::json!({ "shard": self.shard.to_string(), "work_dir": self.work_dir });
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        entry(&mut gz, "meta.json", meta.to_string().as_bytes())?;
        entry(&mut gz, "evals.db", &self.db)?;
        for (name, data) in &self.files {
            entry(&mut gz, &format!("files/{name}"), data)?;
        }
        gz.finish()
    }

    fn from_payload(payload: &[u8]) -> Result<ShardArchive, ArchiveError> {
        let malformed = |what: &str| ArchiveError::Malformed(what.to_owned());
        let mut raw = Vec::new();
        flate2::read::GzDecoder::new(payload)
            .read_to_end(&mut raw)
            .map_err(|e| ArchiveError::Malformed(format!("bad gzip: {e}")))?;
        let mut rest = raw.as_slice();
        let (mut meta, mut db, mut files) = (None, None, Vec::new());
        while !rest.is_empty() {
            let name_len = take_len(&mut rest, 4)?;
            let name =
                String::from_utf8(take(&mut rest, name_len)?.to_vec()).map_err(|_| malformed("a name is not UTF-8"))?;
            let data_len = take_len(&mut rest, 8)?;
            let data = take(&mut rest, data_len)?.to_vec();
            match name.as_str() {
                "meta.json" => meta = Some(data),
                "evals.db" => db = Some(data),
                other => match other.strip_prefix("files/") {
                    Some(file) => files.push((file.to_owned(), data)),
                    None => return Err(ArchiveError::Malformed(format!("unknown entry {other}"))),
                },
            }
        }
        let meta: serde_json::Value = serde_json::from_slice(&meta.ok_or_else(|| malformed("no meta.json"))?)
            .map_err(|_| malformed("meta.json is not JSON"))?;
        let shard = meta["shard"]
            .as_str()
            .and_then(|s| s.parse().ok())
            .ok_or_else(|| malformed("meta.json has no shard"))?;
        let work_dir = meta["work_dir"]
            .as_str()
            .ok_or_else(|| malformed("meta.json has no work_dir"))?
            .to_owned();
        Ok(ShardArchive {
            shard,
            work_dir,
            db: db.ok_or_else(|| malformed("no evals.db"))?,
            files,
        })
    }
}

fn scratch_dir() -> Result<tempfile::TempDir, ArchiveError> {
    tempfile::tempdir().map_err(|source| ArchiveError::Io {
        what: "cannot make a scratch directory in",
        path: std::env::temp_dir(),
        source,
    })
}

fn entry(out: &mut impl Write, name: &str, data: &[u8]) -> std::io::Result<()> {
    let name_len = u32::try_from(name.len()).map_err(std::io::Error::other)?;
    out.write_all(&name_len.to_be_bytes())?;
    out.write_all(name.as_bytes())?;
    out.write_all(&(data.len() as u64).to_be_bytes())?;
    out.write_all(data)
}

fn take<'a>(rest: &mut &'a [u8], len: usize) -> Result<&'a [u8], ArchiveError> {
    if rest.len() < len {
        return Err(ArchiveError::Malformed("an entry is cut short".into()));
    }
    let (head, tail) = rest.split_at(len);
    *rest = tail;
    Ok(head)
}

fn take_len(rest: &mut &[u8], width: usize) -> Result<usize, ArchiveError> {
    let bytes = take(rest, width)?;
    let value = bytes.iter().fold(0u64, |acc, b| (acc << 8) | u64::from(*b));
    usize::try_from(value).map_err(|_| ArchiveError::Malformed("an entry is too long".into()))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn read(path: &Path) -> Result<Vec<u8>, ArchiveError> {
    std::fs::read(path).map_err(|source| ArchiveError::Io {
        what: "cannot read",
        path: path.to_owned(),
        source,
    })
}

/// `TASK/N` directories under `work_dir`.
fn sample_dirs(work_dir: &Path) -> Result<Vec<PathBuf>, ArchiveError> {
    let mut dirs = Vec::new();
    for task in list(work_dir)? {
        if task.is_dir() {
            dirs.extend(list(&task)?.into_iter().filter(|p| p.is_dir()));
        }
    }
    Ok(dirs)
}

fn list(dir: &Path) -> Result<Vec<PathBuf>, ArchiveError> {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(source) => {
            return Err(ArchiveError::Io {
                what: "cannot list",
                path: dir.to_owned(),
                source,
            });
        }
    };
    Ok(entries.filter_map(Result::ok).map(|e| e.path()).collect())
}

/// Every regular file under `path` (or `path` itself), named relative to `base`.
fn walk(base: &Path, path: &Path, files: &mut Vec<(String, Vec<u8>)>) -> Result<(), ArchiveError> {
    let Ok(meta) = std::fs::symlink_metadata(path) else {
        return Ok(());
    };
    if meta.is_dir() {
        for child in list(path)? {
            walk(base, &child, files)?;
        }
    } else if meta.is_file()
        && let Ok(rel) = path.strip_prefix(base)
    {
        files.push((rel.display().to_string(), read(path)?));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn archive() -> ShardArchive {
        ShardArchive {
            shard: Shard { index: 1, count: 2 },
            work_dir: "/home/jig/evals/r".into(),
            db: vec![1, 2, 3],
            files: vec![("fix/0/sessions/a.jsonl".into(), b"{}\n".to_vec())],
        }
    }

    #[test]
    fn an_archive_survives_a_log_with_other_lines_around_it() {
        let mut log = b"2 samples, 0 already done\nfix #0: passed\n".to_vec();
        archive().write_framed(&mut log).unwrap();
        log.extend_from_slice(b"trailing line\n");
        let found = ShardArchive::find_in_log(std::str::from_utf8(&log).unwrap()).unwrap();
        assert_eq!(found, archive());
    }

    #[test]
    fn a_cut_or_altered_archive_is_refused() {
        let mut log = Vec::new();
        archive().write_framed(&mut log).unwrap();
        let text = String::from_utf8(log).unwrap();
        let cut: String = text.lines().take(2).map(|l| format!("{l}\n")).collect();
        assert!(matches!(ShardArchive::find_in_log(&cut), Err(ArchiveError::Missing(_))));
        let altered = text.replacen("sha256=", "sha256=0", 1);
        assert!(ShardArchive::find_in_log(&altered).is_err());
    }

    #[test]
    fn extraction_stays_inside_its_directory() {
        let dir = tempfile::tempdir().unwrap();
        let mut evil = archive();
        evil.files.push(("../../etc/x".into(), vec![]));
        let samples = BTreeSet::from(["fix/0".to_owned()]);
        assert!(evil.extract(&samples, dir.path()).is_err());
        assert_eq!(archive().extract(&samples, dir.path()).unwrap(), 1);
        assert!(dir.path().join("fix/0/sessions/a.jsonl").is_file());
    }
}
