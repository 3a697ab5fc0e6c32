//! Reading an ATIF file strictly, with errors that name the place: the
//! shape of every object (unknown fields refused, as Harbor's
//! `extra="forbid"` does) and then the rules Harbor's validators add across
//! fields — `Trajectory.validate_step_ids`,
//! `validate_tool_call_references` and
//! `validate_embedded_subagent_trajectory_ids`, `Step.validate_timestamp`,
//! `validate_agent_only_fields` and `validate_llm_call_count_zero_fields`,
//! and `ContentPart.validate_content_type` (harbor 0.26.0,
//! `harbor/models/trajectories/`).
//!
//! Invariant: [`parse`] accepts what Harbor's `TrajectoryValidator`
//! accepts, and refuses with an [`AtifError::Invalid`] whose `at` is a JSON
//! path (`steps[2].tool_calls[0]`) — never a panic. Two things are looser:
//! a timestamp is only checked to start with a date, and a media part's
//! `source` is not checked against its MIME types (jig ignores media).

use std::collections::HashSet;

use serde::de::DeserializeOwned;
use serde_json::Value;

use super::model::{
    Agent, Content, FinalMetrics, Metrics, Observation, ObservationResult, Source, Step, ToolCall, Trajectory, kind_of,
};
use super::{AtifError, KNOWN_VERSIONS};

/// Reads and checks an ATIF trajectory from JSON text.
pub fn parse(text: &str) -> Result<Trajectory, AtifError> {
    let value: Value = serde_json::from_str(text).map_err(|e| AtifError::NotJson(e.to_string()))?;
    let Value::Object(mut root) = value else {
        return Err(invalid(
            "the file",
            format!("expected a JSON object, got {}", kind_of(&value)),
        ));
    };
    let steps = match root.insert("steps".into(), Value::Array(Vec::new())) {
        Some(Value::Array(steps)) => steps,
        Some(other) => return Err(invalid("steps", format!("expected an array, got {}", kind_of(&other)))),
        None => return Err(invalid("steps", "missing field `steps`")),
    };
    let mut trajectory: Trajectory = shaped(Value::Object(root), ROOT, &["agent", "final_metrics"])?;
    for (i, step) in steps.into_iter().enumerate() {
        trajectory.steps.push(step_shaped(step, i)?);
    }
    check(&trajectory)?;
    Ok(trajectory)
}

/// Checks Harbor's rules across fields on a trajectory already in shape.
pub fn check(trajectory: &Trajectory) -> Result<(), AtifError> {
    if !KNOWN_VERSIONS.contains(&trajectory.schema_version.as_str()) {
        return Err(invalid(
            "schema_version",
            format!(
                "`{}` is not an ATIF version jig reads (it reads {} … {})",
                trajectory.schema_version,
                KNOWN_VERSIONS[0],
                KNOWN_VERSIONS[KNOWN_VERSIONS.len() - 1]
            ),
        ));
    }
    if trajectory.steps.is_empty() {
        return Err(invalid("steps", "must hold at least one step"));
    }
    for (i, step) in trajectory.steps.iter().enumerate() {
        check_step(step, i)?;
    }
    check_subagents(trajectory.subagent_trajectories.as_deref().unwrap_or_default())
}

fn check_step(step: &Step, i: usize) -> Result<(), AtifError> {
    let at = |field: &str| format!("steps[{i}]{field}");
    if step.step_id != i as u64 + 1 {
        return Err(invalid(
            at(".step_id"),
            format!("expected {} (step ids run 1, 2, 3, …), got {}", i + 1, step.step_id),
        ));
    }
    if let Some(timestamp) = &step.timestamp
        && !starts_with_date(timestamp)
    {
        return Err(invalid(
            at(".timestamp"),
            format!("`{timestamp}` is not an ISO 8601 time"),
        ));
    }
    if step.source != Source::Agent {
        let agent_only = [
            ("model_name", step.model_name.is_some()),
            ("reasoning_effort", step.reasoning_effort.is_some()),
            ("reasoning_content", step.reasoning_content.is_some()),
            ("tool_calls", step.tool_calls.is_some()),
            ("metrics", step.metrics.is_some()),
        ];
        if let Some((field, _)) = agent_only.iter().find(|(_, present)| *present) {
            return Err(invalid(
                at(&format!(".{field}")),
                format!(
                    "only an agent step may have it, and this step's source is {:?}",
                    step.source
                ),
            ));
        }
    }
    if step.source == Source::Agent && step.llm_call_count == Some(0) {
        for (field, present) in [
            ("metrics", step.metrics.is_some()),
            ("reasoning_content", step.reasoning_content.is_some()),
        ] {
            if present {
                return Err(invalid(
                    at(&format!(".{field}")),
                    "must be absent when llm_call_count is 0 (a step without a model call)",
                ));
            }
        }
    }
    check_content(&step.message, &at(".message"))?;
    let calls: HashSet<&str> = step
        .tool_calls
        .iter()
        .flatten()
        .map(|c| c.tool_call_id.as_str())
        .collect();
    for (j, result) in step.observation.iter().flat_map(|o| &o.results).enumerate() {
        let here = at(&format!(".observation.results[{j}]"));
        if let Some(id) = &result.source_call_id
            && !calls.contains(id.as_str())
        {
            return Err(invalid(
                format!("{here}.source_call_id"),
                format!("`{id}` is not the tool_call_id of a call in this step"),
            ));
        }
        if let Some(content) = &result.content {
            check_content(content, &format!("{here}.content"))?;
        }
    }
    Ok(())
}

fn check_content(content: &Content, at: &str) -> Result<(), AtifError> {
    let Content::Parts(parts) = content else {
        return Ok(());
    };
    for (k, part) in parts.iter().enumerate() {
        let at = format!("{at}[{k}]");
        match part.kind.as_str() {
            "text" if part.text.is_none() => return Err(invalid(at, "a text part needs `text`")),
            "text" if part.source.is_some() => return Err(invalid(at, "a text part may not have `source`")),
            "image" | "audio" if part.source.is_none() => {
                return Err(invalid(at, format!("an {} part needs `source`", part.kind)));
            }
            "image" | "audio" if part.text.is_some() => {
                return Err(invalid(at, format!("an {} part may not have `text`", part.kind)));
            }
            "text" | "image" | "audio" => {}
            other => {
                return Err(invalid(
                    format!("{at}.type"),
                    format!("`{other}` is not a content type (text, image, audio)"),
                ));
            }
        }
    }
    Ok(())
}

fn check_subagents(subagents: &[Value]) -> Result<(), AtifError> {
    let mut seen = HashSet::new();
    for (i, sub) in subagents.iter().enumerate() {
        let at = format!("subagent_trajectories[{i}].trajectory_id");
        match sub.get("trajectory_id").and_then(Value::as_str) {
            None => return Err(invalid(at, "an embedded subagent trajectory needs one")),
            Some(id) if !seen.insert(id) => return Err(invalid(at, format!("`{id}` is given twice"))),
            Some(_) => {}
        }
    }
    Ok(())
}

/// Whether `text` starts like an ISO 8601 date (`2025-10-01` or
/// `20251001`); Python's `datetime.fromisoformat`, which Harbor uses,
/// accepts many forms after that.
fn starts_with_date(text: &str) -> bool {
    let b = text.as_bytes();
    let digits = |range: std::ops::Range<usize>| b.get(range).is_some_and(|d| d.iter().all(u8::is_ascii_digit));
    let extended = digits(0..4) && b.get(4) == Some(&b'-') && digits(5..7) && b.get(7) == Some(&b'-') && digits(8..10);
    extended || digits(0..8)
}

/// One step in shape; a failure names the call, result or metrics at fault
/// when one of them is.
fn step_shaped(value: Value, i: usize) -> Result<Step, AtifError> {
    let at = format!("steps[{i}]");
    if let Some(Value::Array(calls)) = value.get("tool_calls") {
        for (j, call) in calls.iter().enumerate() {
            shaped::<ToolCall>(call.clone(), &format!("{at}.tool_calls[{j}]"), &[])?;
        }
    }
    if let Some(Value::Array(results)) = value.get("observation").and_then(|o| o.get("results")) {
        for (j, result) in results.iter().enumerate() {
            shaped::<ObservationResult>(result.clone(), &format!("{at}.observation.results[{j}]"), &[])?;
        }
    }
    shaped(value, &at, &["observation", "metrics"])
}

/// `T` from `value`, which must be an object; when that fails, the first
/// of `parts` (fields of it) that fails on its own is named instead of the
/// whole.
fn shaped<T: DeserializeOwned>(value: Value, at: &str, parts: &[&str]) -> Result<T, AtifError> {
    if !value.is_object() {
        return Err(invalid(at, format!("expected an object, got {}", kind_of(&value))));
    }
    let whole = match serde_json::from_value::<T>(value.clone()) {
        Ok(shaped) => return Ok(shaped),
        Err(err) => err.to_string(),
    };
    for &part in parts {
        let Some(field) = value.get(part).filter(|v| !v.is_null()).cloned() else {
            continue;
        };
        let reason = match part {
            "agent" => serde_json::from_value::<Agent>(field).err(),
            "final_metrics" => serde_json::from_value::<FinalMetrics>(field).err(),
            "observation" => serde_json::from_value::<Observation>(field).err(),
            "metrics" => serde_json::from_value::<Metrics>(field).err(),
            _ => None,
        };
        if let Some(reason) = reason {
            let at = if at == ROOT {
                part.to_string()
            } else {
                format!("{at}.{part}")
            };
            return Err(invalid(at, reason.to_string()));
        }
    }
    Err(invalid(at, whole))
}

/// How errors name the top-level object.
const ROOT: &str = "the trajectory";

fn invalid(at: impl Into<String>, reason: impl Into<String>) -> AtifError {
    AtifError::Invalid {
        at: at.into(),
        reason: reason.into(),
    }
}
