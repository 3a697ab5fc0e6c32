//! Reading the reward a verifier left in `/logs/verifier/`.
//!
//! Harbor's contract: `tests/test.sh` writes `reward.txt` (one number,
//! usually `1` or `0`) or `reward.json` (an object of named numbers); Harbor
//! reads `reward.txt` first and falls back to `reward.json`, and so does
//! [`read_reward`].
//!
//! Invariant: a [`Reward`] only ever holds finite numbers. A missing file, text
//! that is not a number, and a number that is not finite are distinct errors,
//! so a broken verifier is never scored as 0. (JSON cannot spell NaN or
//! infinity; an out-of-range JSON number is reported as garbage.)

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The reward file Harbor reads first.
pub const REWARD_TXT: &str = "reward.txt";
/// The reward file Harbor falls back to.
pub const REWARD_JSON: &str = "reward.json";

/// What a verifier scored.
#[derive(Debug, Clone, PartialEq)]
pub enum Reward {
    /// `reward.txt`: one number.
    Single(f64),
    /// `reward.json`: named numbers, at least one.
    Named(BTreeMap<String, f64>),
}

impl Reward {
    /// The headline number: the single reward, or the one named `reward`.
    pub fn primary(&self) -> Option<f64> {
        match self {
            Reward::Single(value) => Some(*value),
            Reward::Named(values) => values.get("reward").copied(),
        }
    }
}

/// Why no reward could be read.
#[derive(Debug, thiserror::Error)]
pub enum RewardError {
    /// Neither file exists.
    #[error(
        "no {REWARD_TXT} or {REWARD_JSON} in {}; the verifier (tests/test.sh) must write one",
        dir.display()
    )]
    Missing {
        /// The logs directory searched.
        dir: PathBuf,
    },
    /// The file is not a number or an object of numbers.
    #[error("{} is not a valid reward: {why}", path.display())]
    Garbage {
        /// The reward file.
        path: PathBuf,
        /// What is wrong.
        why: String,
    },
    /// A number parsed but is NaN or infinite.
    #[error("{} holds a non-finite reward{}: {value}", path.display(), key.as_ref().map(|k| format!(" `{k}`")).unwrap_or_default())]
    NonFinite {
        /// The reward file.
        path: PathBuf,
        /// The name, for `reward.json`.
        key: Option<String>,
        /// The value.
        value: f64,
    },
    /// The file exists but could not be read.
    #[error("cannot read {}: {source}", path.display())]
    Io {
        /// The reward file.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
}

/// Reads `reward.txt`, or else `reward.json`, from `logs_dir` (the host copy
/// of `/logs/verifier/`).
pub fn read_reward(logs_dir: &Path) -> Result<Reward, RewardError> {
    let txt = logs_dir.join(REWARD_TXT);
    if let Some(text) = read_if_present(&txt)? {
        return parse_txt(&txt, &text);
    }
    let json = logs_dir.join(REWARD_JSON);
    if let Some(text) = read_if_present(&json)? {
        return parse_json(&json, &text);
    }
    Err(RewardError::Missing {
        dir: logs_dir.to_owned(),
    })
}

fn read_if_present(path: &Path) -> Result<Option<String>, RewardError> {
    match std::fs::read_to_string(path) {
        Ok(text) => Ok(Some(text)),
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(source) => Err(RewardError::Io {
            path: path.to_owned(),
            source,
        }),
    }
}

fn parse_txt(path: &Path, text: &str) -> Result<Reward, RewardError> {
    let trimmed = text.trim();
    let garbage = |why: String| RewardError::Garbage {
        path: path.to_owned(),
        why,
    };
    if trimmed.is_empty() {
        return Err(garbage("the file is empty; write one number such as 1 or 0".into()));
    }
    let value: f64 = trimmed
        .parse()
        .map_err(|_| garbage(format!("`{}` is not a number", preview(trimmed))))?;
    finite(path, None, value).map(Reward::Single)
}

fn parse_json(path: &Path, text: &str) -> Result<Reward, RewardError> {
    let garbage = |why: String| RewardError::Garbage {
        path: path.to_owned(),
        why,
    };
    let value: serde_json::Value =
        serde_json::from_str(text).map_err(|error| garbage(format!("not JSON ({error})")))?;
    let serde_json::Value::Object(object) = value else {
        return Err(garbage(
            "expected an object of named numbers, like {\"reward\": 1}".into(),
        ));
    };
    if object.is_empty() {
        return Err(garbage("the object names no reward".into()));
    }
    let mut named = BTreeMap::new();
    for (key, value) in object {
        let Some(number) = value.as_f64() else {
            return Err(garbage(format!("`{key}` is {value}, not a number")));
        };
        named.insert(key.clone(), finite(path, Some(key), number)?);
    }
    Ok(Reward::Named(named))
}

fn finite(path: &Path, key: Option<String>, value: f64) -> Result<f64, RewardError> {
    if value.is_finite() {
        Ok(value)
    } else {
        Err(RewardError::NonFinite {
            path: path.to_owned(),
            key,
            value,
        })
    }
}

/// The start of `text`, short enough for an error line.
fn preview(text: &str) -> String {
    const LIMIT: usize = 40;
    match text.char_indices().nth(LIMIT) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text.to_owned(),
    }
}
