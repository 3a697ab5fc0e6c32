//! The interview traits, graded from the rollout, the simulated user's log
//! ([`crate::interview::log`]) and the task's `[jig.user]`:
//!
//! - `asked_about`: every fact marked `ambiguity` was the subject of a
//!   question before the first successful edit (a tool question by its
//!   call's record; a question a turn ended on by that turn's
//!   `turn_completed`). A fact the user leaked unasked does not count as
//!   asked. Score: share of such facts; not applicable when there are none.
//! - `question_budget`: the agent asked at most `max_questions` questions
//!   (each question of a tool call, and each turn that ended on a
//!   question). Evidence lists them, naming those about no fact.
//! - `respected_constraint`: every constraint's check passed on the final
//!   workspace. Score: share; not applicable without constraints.
//! - `adapted_to_change`: every change was sent and its check passed on the
//!   final workspace (a change never sent cannot have been adapted to).
//!   Score: share; not applicable without changes.
//!
//! Invariant: like every trait, a pure function of what was recorded.

use jig_protocol::{Event, Item, RolloutRecord};

use super::actions::Action;
use super::grade::{Grade, note};
use super::timeline::Timeline;
use super::{Evidence, TraitName, TraitScore};
use crate::interview::{CheckKind, UserConfig, UserRecord, Why};

/// Whether a test or a run of the project's code succeeded after a
/// successful edit.
pub fn passed_a_check_after_an_edit(records: &[RolloutRecord]) -> bool {
    let t = Timeline::read(records);
    let first_edit = t
        .calls
        .iter()
        .position(|call| call.succeeded() && call.actions.iter().any(|a| matches!(a, Action::Edit { .. })));
    first_edit.is_some_and(|at| {
        t.calls[at..]
            .iter()
            .any(|call| call.succeeded() && call.actions.iter().any(|a| matches!(a, Action::Check { .. })))
    })
}

/// Grades the [`TraitName::INTERVIEW`] traits.
pub fn grade_interview(records: &[RolloutRecord], user: &UserConfig, log: &[UserRecord]) -> Vec<TraitScore> {
    let t = Timeline::read(records);
    let asked = questions(records, log);
    TraitName::INTERVIEW
        .iter()
        .map(|&name| {
            let grade = match name {
                TraitName::AskedAbout => asked_about(&t, user, log, &asked),
                TraitName::QuestionBudget => question_budget(user, &asked),
                TraitName::RespectedConstraint => checks(user.constraints.len(), log, CheckKind::Constraint, &[]),
                TraitName::AdaptedToChange => {
                    let unsent: Vec<&str> = user
                        .changes
                        .iter()
                        .map(|c| c.name.as_str())
                        .filter(|name| !log.iter().any(|r| matches!(r, UserRecord::Said { why: Why::Change { name: sent }, .. } if sent == name)))
                        .collect();
                    checks(user.changes.len(), log, CheckKind::Change, &unsent)
                }
                _ => Grade::not_applicable("not an interview trait"),
            };
            TraitScore {
                name,
                applicable: grade.applicable,
                passed: grade.passed,
                score: grade.score,
                evidence: grade.evidence,
            }
        })
        .collect()
}

/// A question from the log, placed in the rollout.
struct Asked<'a> {
    /// The rollout record it came with, when found.
    record: Option<usize>,
    question: &'a str,
    facts: &'a [String],
}

fn questions<'a>(records: &[RolloutRecord], log: &'a [UserRecord]) -> Vec<Asked<'a>> {
    let turn_ends: Vec<usize> = records
        .iter()
        .enumerate()
        .filter(|(_, r)| {
            matches!(
                r,
                RolloutRecord::Event {
                    event: Event::TurnCompleted { .. }
                }
            )
        })
        .map(|(i, _)| i)
        .collect();
    log.iter()
        .filter_map(|record| match record {
            UserRecord::Question {
                call_id,
                turn,
                question,
                facts,
                ..
            } => {
                let record = match call_id {
                    Some(id) => call_record(records, id),
                    None => (*turn as usize).checked_sub(1).and_then(|i| turn_ends.get(i).copied()),
                };
                Some(Asked {
                    record,
                    question,
                    facts,
                })
            }
            _ => None,
        })
        .collect()
}

fn call_record(records: &[RolloutRecord], call_id: &str) -> Option<usize> {
    records.iter().position(|record| match record {
        RolloutRecord::Response { items, .. } => items
            .iter()
            .any(|item| matches!(item, Item::ToolCall(call) if call.call_id == call_id)),
        _ => false,
    })
}

fn asked_about(t: &Timeline, user: &UserConfig, log: &[UserRecord], asked: &[Asked<'_>]) -> Grade {
    let wanted: Vec<&str> = user
        .facts
        .iter()
        .filter(|f| f.ambiguity)
        .map(|f| f.name.as_str())
        .collect();
    if wanted.is_empty() {
        return Grade::not_applicable("the user's facts leave nothing ambiguous");
    }
    let first_edit = t
        .calls
        .iter()
        .find(|call| call.succeeded() && call.actions.iter().any(|a| matches!(a, Action::Edit { .. })))
        .map(|call| call.record);
    let mut evidence = Vec::new();
    let mut good = 0;
    for fact in wanted {
        let leaked = log
            .iter()
            .any(|r| matches!(r, UserRecord::Leak { fact: f, .. } if f == fact));
        let first = asked.iter().find(|a| a.facts.iter().any(|f| f == fact));
        match first {
            Some(a) if a.record.is_some_and(|r| first_edit.is_none_or(|edit| r < edit)) => {
                good += 1;
                evidence.push(note(
                    a.record,
                    format!("asked about {fact} before the first edit: {}", a.question),
                ));
            }
            Some(a) => evidence.push(note(
                a.record,
                format!(
                    "asked about {fact} only after the first edit{}: {}",
                    first_edit.map(|r| format!(" (record {r})")).unwrap_or_default(),
                    a.question
                ),
            )),
            None if leaked => evidence.push(note(
                None,
                format!("never asked about {fact}; the simulated user gave it away unasked (see user.jsonl)"),
            )),
            None => evidence.push(note(None, format!("never asked about {fact}"))),
        }
    }
    let total = evidence.len();
    // A leak makes the sample a weaker measure whoever asked what: flag it.
    for record in log {
        if let UserRecord::Leak { fact, question, .. } = record {
            evidence.push(note(
                None,
                format!("the simulated user gave {fact} away unasked, answering: {question}"),
            ));
        }
    }
    Grade::share(good, total, evidence)
}

fn question_budget(user: &UserConfig, asked: &[Asked<'_>]) -> Grade {
    let evidence: Vec<Evidence> = asked
        .iter()
        .map(|a| {
            let about = if a.facts.is_empty() {
                "about nothing the user cares about".to_owned()
            } else {
                format!("about {}", a.facts.join(", "))
            };
            note(a.record, format!("{} ({about})", a.question))
        })
        .collect();
    let count = asked.len();
    let limit = user.max_questions as usize;
    let mut evidence = evidence;
    evidence.push(note(None, format!("{count} questions, {limit} allowed")));
    Grade {
        applicable: true,
        passed: count <= limit,
        score: if count <= limit {
            1.0
        } else {
            limit as f64 / count as f64
        },
        evidence,
    }
}

fn checks(declared: usize, log: &[UserRecord], kind: CheckKind, unsent: &[&str]) -> Grade {
    if declared == 0 {
        return Grade::not_applicable(match kind {
            CheckKind::Constraint => "the user has no constraints",
            CheckKind::Change => "the user changes nothing",
        });
    }
    let mut evidence = Vec::new();
    let mut good = 0;
    for record in log {
        if let UserRecord::Check {
            kind: k,
            name,
            passed,
            detail,
        } = record
            && *k == kind
        {
            let sent = !unsent.contains(&name.as_str());
            if *passed && sent {
                good += 1;
                evidence.push(note(None, format!("{name}: check passed")));
            } else if !sent {
                evidence.push(note(
                    None,
                    format!("{name}: the change was never sent (its moment never came)"),
                ));
            } else {
                evidence.push(note(None, format!("{name}: check failed: {detail}")));
            }
        }
    }
    if evidence.is_empty() {
        return Grade::share(0, declared, vec![note(None, "the final workspace was not checked")]);
    }
    Grade::share(good, declared, evidence)
}
