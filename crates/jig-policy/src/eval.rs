//! Judging a command: which rule wins, and the overall decision.
//!
//! Every simple command of the script is judged; the script's decision is
//! the strictest (forbid > prompt > allow). For one simple command:
//!
//! 1. Each view (see [`crate::unwrap`]) is matched against all rules of all
//!    layers, in two independent aspects: argv rules (no `writes`) and
//!    write rules (with `writes`). Each aspect of each view picks one
//!    winner: the most specific rule (see [`crate::rules`]); on equal
//!    specificity the higher layer (project > user > default); then the
//!    stricter decision; then the earlier rule in its file.
//! 2. **Floor:** a project rule cannot lower a `forbid` from the user or the
//!    defaults. A checked-out repository is untrusted input, and a
//!    `.jig/rules.toml` that allows `rm -rf ~` must not work; when the
//!    winner is a project rule that is not `forbid` and any user/default
//!    `forbid` matches the same view, that `forbid` wins. The user's own
//!    file may lower defaults, `forbid` included; any layer may raise.
//! 3. The command's decision is the strictest of all winners. When no argv
//!    rule matched any view, the innermost command falls back to `allow` if
//!    it is known safe ([`crate::safe`]), else to the caller's default — a
//!    launcher (`bash -c '…'`) has no fallback, its script is judged on its
//!    own lines.
//! 4. A command that cannot be analysed is `prompt` (or the default, if
//!    that is stricter) — never `allow`.
//!
//! This module must not parse shell or read files.

use crate::parse::{self, SimpleCommand};
use crate::rules::{Layer, Policy, Rule, RuleRef};
use crate::{Command, Decision, safe, unwrap};
use std::cmp::Reverse;
use std::fmt::Write as _;

/// The judgment on one simple command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Match {
    /// The simple command's words, as written (wrappers included).
    pub simple_command: Vec<String>,
    /// The command as one line of shell-like text, redirections included.
    pub display: String,
    /// The rule that decided, if a rule did.
    pub rule: Option<RuleRef>,
    /// The decision for this simple command.
    pub decision: Decision,
    /// Why, when no rule decided: known safe, the default, or why the
    /// command could not be analysed.
    pub note: Option<String>,
}

/// The judgment on a whole command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Evaluation {
    /// The strictest decision over `matched`; `allow` when there is nothing
    /// to run.
    pub decision: Decision,
    /// One entry per simple command, in script order; a command comes
    /// before the `$( )` in its arguments, and a `bash -c` script's commands
    /// come before the launcher (listed only when a rule matched it).
    pub matched: Vec<Match>,
}

impl Evaluation {
    /// The text of `jig policy check -- CMD`: one line per simple command
    /// (decision, command, and which rule from which file decided), then
    /// the overall decision.
    pub fn explain(&self) -> String {
        let mut out = String::new();
        let width = self
            .matched
            .iter()
            .map(|m| m.display.chars().count())
            .max()
            .unwrap_or(0);
        for m in &self.matched {
            let basis = match (&m.rule, &m.note) {
                (Some(rule), _) => {
                    let mut text = format!(
                        "rule #{} `{}` ({}, line {})",
                        rule.index, rule.pattern_display, rule.source, rule.line
                    );
                    if !rule.reason.is_empty() {
                        let _ = write!(text, ": {}", rule.reason);
                    }
                    text
                }
                (None, Some(note)) => note.clone(),
                (None, None) => String::new(),
            };
            let _ = writeln!(out, "{:<6}  {:<width$}  {}", m.decision, m.display, basis);
        }
        if self.matched.is_empty() {
            out.push_str("(no commands)\n");
        }
        let _ = writeln!(out, "decision: {}", self.decision);
        out
    }
}

struct Candidate<'a> {
    rule: &'a Rule,
    layer: &'a Layer,
    index: usize,
}

impl Candidate<'_> {
    fn reference(&self) -> RuleRef {
        RuleRef {
            source: self.layer.source.clone(),
            index: self.index,
            line: self.rule.line,
            pattern_display: self.rule.display.clone(),
            reason: self.rule.reason.clone(),
        }
    }
}

impl Policy {
    /// Judges `command`; `default` is the decision for commands no rule
    /// covers and that are not known safe (e.g. `allow` under a sandbox,
    /// `prompt` when untrusted).
    pub fn check(&self, command: &Command, default: Decision) -> Evaluation {
        let matched: Vec<Match> = parse::simple_commands(command)
            .iter()
            .filter_map(|c| self.judge(c, default))
            .collect();
        let decision = matched.iter().map(|m| m.decision).max().unwrap_or(Decision::Allow);
        Evaluation { decision, matched }
    }

    fn judge(&self, command: &SimpleCommand, default: Decision) -> Option<Match> {
        let base = Match {
            simple_command: command.argv.clone(),
            display: command.display(),
            rule: None,
            decision: default,
            note: None,
        };
        if let Some(problem) = &command.problem {
            return Some(Match {
                decision: default.max(Decision::Prompt),
                note: Some(format!("cannot analyse: {problem}")),
                ..base
            });
        }
        let writes = command.writes();
        let mut winners: Vec<Candidate> = Vec::new();
        let mut argv_rule_matched = false;
        for view in unwrap::views(&command.argv) {
            for write_aspect in [false, true] {
                let found = self.winner(&view, command, &writes, write_aspect);
                if let Some(found) = found {
                    argv_rule_matched |= !write_aspect;
                    winners.push(found);
                }
            }
        }
        // The earliest of the strictest winners decides, so the outermost
        // view is reported when views agree.
        let strictest = winners
            .iter()
            .enumerate()
            .max_by_key(|(i, c)| (c.rule.decision, Reverse(*i)))
            .map(|(_, c)| c);
        let fallback = if argv_rule_matched || command.launcher {
            None
        } else if safe::simple_is_safe(command) {
            Some((Decision::Allow, "known safe (read-only)".to_string()))
        } else {
            Some((default, "no rule matched (default)".to_string()))
        };
        match (strictest, fallback) {
            (Some(rule), Some((decision, note))) if decision > rule.rule.decision => Some(Match {
                decision,
                note: Some(note),
                ..base
            }),
            (Some(rule), _) => Some(Match {
                decision: rule.rule.decision,
                rule: Some(rule.reference()),
                ..base
            }),
            (None, Some((decision, note))) => Some(Match {
                decision,
                note: Some(note),
                ..base
            }),
            (None, None) => None,
        }
    }

    fn winner<'a>(
        &'a self,
        view: &[String],
        command: &SimpleCommand,
        writes: &[String],
        write_aspect: bool,
    ) -> Option<Candidate<'a>> {
        let candidates: Vec<Candidate<'a>> = self
            .layers
            .iter()
            .flat_map(|layer| {
                layer
                    .rules
                    .iter()
                    .enumerate()
                    .map(move |(index, rule)| Candidate { rule, layer, index })
            })
            .filter(|c| c.rule.is_write_rule() == write_aspect)
            .filter(|c| c.rule.matches(view, command, writes))
            .collect();
        let key = |c: &Candidate| {
            (
                c.rule.specificity(),
                c.layer.source.rank(),
                c.rule.decision,
                Reverse(c.index),
            )
        };
        let best = candidates.iter().max_by_key(|c| key(c))?;
        let is_project = matches!(best.layer.source, crate::Source::Project(_));
        let chosen = if is_project && best.rule.decision < Decision::Forbid {
            candidates
                .iter()
                .filter(|c| !matches!(c.layer.source, crate::Source::Project(_)))
                .filter(|c| c.rule.decision == Decision::Forbid)
                .max_by_key(|c| key(c))
                .unwrap_or(best)
        } else {
            best
        };
        Some(Candidate {
            rule: chosen.rule,
            layer: chosen.layer,
            index: chosen.index,
        })
    }
}
