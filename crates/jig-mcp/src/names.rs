//! The names MCP tools get in a session: `SERVER__TOOL`.
//!
//! Invariant: every name matches `^[a-zA-Z0-9_-]{1,64}$` (what every model
//! provider accepts) and is unique within a session, whatever the servers
//! call their tools. Characters outside the set become `_`; a name too long
//! is cut and given a short hash of the full name, so two long names that
//! share a prefix stay apart; a clash left after that gets `_2`, `_3`, ….

use std::collections::HashSet;

/// Longest tool name providers accept.
pub const MAX_NAME: usize = 64;

/// The separator between server and tool name, as in Codex.
pub const SEPARATOR: &str = "__";

/// Hands out unique tool names.
#[derive(Debug, Default)]
pub struct Namer {
    taken: HashSet<String>,
}

impl Namer {
    /// A namer that will not hand out any of `taken` (the session's other tools).
    pub fn with_taken(taken: impl IntoIterator<Item = String>) -> Self {
        Namer {
            taken: taken.into_iter().collect(),
        }
    }

    /// The name the model sees for `server`'s tool `tool`.
    pub fn name(&mut self, server: &str, tool: &str) -> String {
        let base = fit(&format!("{server}{SEPARATOR}{tool}"));
        let mut name = base.clone();
        let mut n = 2;
        while self.taken.contains(&name) {
            let suffix = format!("_{n}");
            let keep = MAX_NAME - suffix.len();
            name = format!("{}{suffix}", &base[..base.len().min(keep)]);
            n += 1;
        }
        self.taken.insert(name.clone());
        name
    }
}

/// `raw` with characters outside `[a-zA-Z0-9_-]` replaced and cut to
/// [`MAX_NAME`] (with a hash of the whole when cut).
fn fit(raw: &str) -> String {
    let clean: String = raw
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect();
    if clean.is_empty() {
        return "_".to_owned();
    }
    if clean.len() <= MAX_NAME {
        return clean;
    }
    let hash = fnv(raw);
    let suffix = format!("_{hash:08x}");
    // ASCII only, so any byte index is a character boundary.
    format!("{}{suffix}", &clean[..MAX_NAME - suffix.len()])
}

/// 32-bit FNV-1a: stable across runs and platforms, unlike `DefaultHasher`.
fn fnv(text: &str) -> u32 {
    text.bytes()
        .fold(0x811c_9dc5_u32, |h, b| (h ^ u32::from(b)).wrapping_mul(0x0100_0193))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn valid(name: &str) -> bool {
        (1..=MAX_NAME).contains(&name.len()) && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
    }

    #[test]
    fn names_are_sanitised_cut_and_unique() {
        let mut namer = Namer::with_taken(["shell".to_owned()]);
        assert_eq!(namer.name("everything", "echo"), "everything__echo");
        assert_eq!(namer.name("fs", "read.file v2"), "fs__read_file_v2");
        assert_eq!(namer.name("fs", "read file_v2"), "fs__read_file_v2_2");
        let long = "x".repeat(100);
        let a = namer.name("srv", &format!("{long}a"));
        let b = namer.name("srv", &format!("{long}b"));
        assert_ne!(a, b);
        for name in [&a, &b] {
            assert!(valid(name), "{name}");
        }
        assert!(valid(&namer.name("s", "é")));
    }
}
