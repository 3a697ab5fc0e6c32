//! Judging a sample: its task's rubric, its sessions rendered with the
//! workspace's final diff and the verifier's result, and the judge's
//! verdict. Used when a sample finishes and again by `jig eval judge`, so
//! both judge alike. A rubric that does not load, or a sample with no
//! recorded session, is `ungraded` with the reason; the run goes on.

use std::path::Path;

use jig_protocol::{Item, Role, RolloutRecord, TokenUsage};

use super::grading::{find_rollouts, read_records};
use crate::judge::{Judge, JudgeRequest, Judgement, Rubric, Verdict, outcome_text, render};
use crate::results::SampleStatus;
use crate::task::{Reward, Task};

/// What the judge is shown of a sample besides its sessions.
#[derive(Debug, Clone, Copy)]
pub struct SampleView<'a> {
    /// How the sample ended.
    pub status: &'a SampleStatus,
    /// What the verifier scored.
    pub reward: Option<&'a Reward>,
    /// The workspace's final diff.
    pub workspace_diff: Option<&'a str>,
}

/// Judges the sample whose sessions are in `sessions`.
pub(crate) async fn judge_sample(judge: &Judge, task: &Task, sessions: &Path, sample: SampleView<'_>) -> Judgement {
    let records: Vec<_> = find_rollouts(sessions).iter().map(|path| read_records(path)).collect();
    judge_records(judge, Some(task), &records, sample).await
}

/// Judges one recorded session (`rollout.jsonl`), optionally of `task`
/// (its instruction and rubric; else the session's first user message and
/// the default criteria). Its workspace and verifier are unknown.
pub async fn judge_rollout(judge: &Judge, rollout: &Path, task: Option<&Task>) -> Judgement {
    let records = vec![read_records(rollout)];
    let unknown = SampleStatus::Error {
        reason: "not recorded with this session".into(),
    };
    let view = SampleView {
        status: &unknown,
        reward: None,
        workspace_diff: None,
    };
    judge_records(judge, task, &records, view).await
}

fn ungraded(judge: &Judge, reason: String) -> Judgement {
    Judgement {
        judge: judge.spec().to_owned(),
        verdict: Verdict::Ungraded { reason },
        usage: TokenUsage::default(),
        cost_usd: None,
    }
}

async fn judge_records(
    judge: &Judge,
    task: Option<&Task>,
    records: &[Vec<RolloutRecord>],
    sample: SampleView<'_>,
) -> Judgement {
    let rubric = match task {
        Some(task) => Rubric::for_task(&task.dir, task.config.jig.rubric.as_ref()),
        None => Ok(Rubric {
            criteria: Rubric::default_criteria(),
        }),
    };
    let rubric = match rubric {
        Ok(rubric) => rubric,
        Err(error) => return ungraded(judge, error.to_string()),
    };
    let first_user = records.iter().flatten().find_map(|record| match record {
        RolloutRecord::Item {
            item: Item::Message { role: Role::User, text },
        } => Some(text.as_str()),
        _ => None,
    });
    let briefed;
    let (name, instruction) = match task {
        Some(task) => match &task.config.jig.user {
            Some(user) => {
                briefed = with_brief(&task.instruction, user);
                (task.name.as_str(), briefed.as_str())
            }
            None => (task.name.as_str(), task.instruction.as_str()),
        },
        None => ("(a recorded session)", first_user.unwrap_or("(unknown)")),
    };
    if records.iter().all(Vec::is_empty) {
        return ungraded(
            judge,
            "the agent recorded no session, so there is no trajectory to judge".into(),
        );
    }
    let rendered = render(
        records,
        sample.workspace_diff,
        &outcome_text(sample.status, sample.reward),
    );
    judge
        .judge(JudgeRequest {
            task: name,
            instruction,
            rubric: &rubric,
            trajectory: &rendered,
        })
        .await
}

/// An interview task's instruction with what the simulated user knew and
/// the agent did not: the judge grades the whole interaction against it.
fn with_brief(instruction: &str, user: &crate::interview::UserConfig) -> String {
    let mut text = format!(
        "{}\n\n(The agent saw only the text above. A simulated user answered its questions and sent \
         later messages; what that user wanted, which the agent had to find out by asking:)\n{}\n",
        instruction.trim_end(),
        user.requirements.trim()
    );
    for constraint in &user.constraints {
        if !constraint.description.trim().is_empty() {
            text.push_str(&format!(
                "- constraint {}: {}\n",
                constraint.name,
                constraint.description.trim()
            ));
        }
    }
    text
}
