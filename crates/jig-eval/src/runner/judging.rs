//! Judging a sample: its task's rubric, its sessions rendered with the
//! workspace's final diff and the verifier's result, and the judge's
//! verdict. Used when a sample finishes and again by `jig eval judge`, so
//! both judge alike. A rubric that does not load, or a sample with no
//! recorded session, is `ungraded` with the reason; the run goes on.

use std::path::Path;

use jig_protocol::TokenUsage;

use super::grading::{find_rollouts, read_records};
use crate::judge::{Judge, JudgeRequest, Judgement, Rubric, Verdict, outcome_text, render};
use crate::results::SampleStatus;
use crate::task::{Reward, Task};

/// What the judge is shown of a sample besides its sessions.
pub(crate) struct SampleView<'a> {
    pub status: &'a SampleStatus,
    pub reward: Option<&'a Reward>,
    pub workspace_diff: Option<&'a str>,
}

/// Judges the sample whose sessions are in `sessions`.
pub(crate) async fn judge_sample(judge: &Judge, task: &Task, sessions: &Path, sample: SampleView<'_>) -> Judgement {
    let ungraded = |reason: String| Judgement {
        judge: judge.spec().to_owned(),
        verdict: Verdict::Ungraded { reason },
        usage: TokenUsage::default(),
        cost_usd: None,
    };
    let rubric = match Rubric::for_task(&task.dir, task.config.jig.rubric.as_ref()) {
        Ok(rubric) => rubric,
        Err(error) => return ungraded(error.to_string()),
    };
    let records: Vec<_> = find_rollouts(sessions).iter().map(|path| read_records(path)).collect();
    if records.iter().all(Vec::is_empty) {
        return ungraded("the agent recorded no session, so there is no trajectory to judge".into());
    }
    let rendered = render(
        &records,
        sample.workspace_diff,
        &outcome_text(sample.status, sample.reward),
    );
    judge
        .judge(JudgeRequest {
            task: &task.name,
            instruction: &task.instruction,
            rubric: &rubric,
            trajectory: &rendered,
        })
        .await
}
