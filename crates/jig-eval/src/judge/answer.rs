//! The judge's answer: the JSON schema it is asked to match (written for
//! the providers' strict modes) and the validation every answer passes,
//! whether or not its provider enforced the schema: valid JSON (a fenced
//! ```json block is accepted, as models without structured output write
//! one), a whole-number score in range for every criterion and no others,
//! a rationale, and citations only of records the judge was shown.

use std::collections::BTreeSet;

use jig_model::OutputSchema;
use serde_json::{Map, Value, json};

use super::CriterionScore;
use super::rubric::Rubric;

/// The schema of an answer for `rubric`, citing only the records `shown`.
pub fn schema(rubric: &Rubric, shown: &BTreeSet<u64>) -> OutputSchema {
    let mut scores = Map::new();
    for criterion in &rubric.criteria {
        scores.insert(
            criterion.name.clone(),
            json!({
                "type": "integer",
                "minimum": criterion.min(),
                "maximum": criterion.max(),
                "description": criterion.description,
            }),
        );
    }
    let names: Vec<&str> = rubric.criteria.iter().map(|c| c.name.as_str()).collect();
    OutputSchema {
        name: "trajectory_judgement".into(),
        schema: json!({
            "type": "object",
            "properties": {
                "scores": {
                    "type": "object",
                    "properties": scores,
                    "required": names,
                    "additionalProperties": false,
                },
                "rationale": {"type": "string"},
                "cited": {"type": "array", "items": {"type": "integer", "enum": shown}},
            },
            "required": ["scores", "rationale", "cited"],
            "additionalProperties": false,
        }),
    }
}

/// A valid answer.
#[derive(Debug, Clone, PartialEq)]
pub struct Answer {
    /// A score per criterion, in rubric order.
    pub scores: Vec<CriterionScore>,
    /// The judge's rationale.
    pub rationale: String,
    /// The records it cites, sorted, without repeats.
    pub cited: Vec<u64>,
}

/// Checks `text` against `rubric` and the records shown; the error says
/// what is wrong, for the judge's second try and for the `ungraded` reason.
pub fn parse(text: &str, rubric: &Rubric, shown: &BTreeSet<u64>) -> Result<Answer, String> {
    let body = unfence(text);
    if body.is_empty() {
        return Err("the answer is empty".into());
    }
    let value: Value = serde_json::from_str(body).map_err(|error| {
        format!(
            "the answer is not a JSON object ({error}); it began: {:?}",
            body.chars().take(80).collect::<String>()
        )
    })?;
    let Value::Object(object) = value else {
        return Err("the answer is JSON but not an object".into());
    };
    let expected = ["scores", "rationale", "cited"];
    if let Some(extra) = object.keys().find(|key| !expected.contains(&key.as_str())) {
        return Err(format!(
            "the answer has a key `{extra}`; only scores, rationale and cited are allowed"
        ));
    }
    let Some(Value::Object(given)) = object.get("scores") else {
        return Err("`scores` is missing or not an object of criterion → score".into());
    };
    let mut scores = Vec::new();
    for criterion in &rubric.criteria {
        let score = match given.get(&criterion.name) {
            None => return Err(format!("`scores` has no score for `{}`", criterion.name)),
            Some(value) => value
                .as_i64()
                .or_else(|| value.as_f64().filter(|f| f.fract() == 0.0).map(|f| f as i64))
                .ok_or_else(|| format!("the score for `{}` is {value}, not a whole number", criterion.name))?,
        };
        if score < criterion.min() || score > criterion.max() {
            return Err(format!(
                "the score for `{}` is {score}, outside its scale {}–{}",
                criterion.name,
                criterion.min(),
                criterion.max()
            ));
        }
        scores.push(CriterionScore {
            criterion: criterion.name.clone(),
            score,
            min: criterion.min(),
            max: criterion.max(),
        });
    }
    if let Some(unknown) = given
        .keys()
        .find(|key| !rubric.criteria.iter().any(|c| &c.name == *key))
    {
        return Err(format!(
            "`scores` has `{unknown}`, which is not a criterion of the rubric"
        ));
    }
    let rationale = match object.get("rationale") {
        Some(Value::String(text)) if !text.trim().is_empty() => text.trim().to_owned(),
        _ => return Err("`rationale` is missing or empty".into()),
    };
    let Some(Value::Array(cited_values)) = object.get("cited") else {
        return Err("`cited` is missing or not an array of record numbers".into());
    };
    let mut cited = BTreeSet::new();
    for value in cited_values {
        let Some(record) = value.as_u64() else {
            return Err(format!("`cited` holds {value}, not a record number"));
        };
        if !shown.contains(&record) {
            return Err(format!(
                "`cited` names record {record}, which is not in the trajectory shown; cite only numbers in [brackets]"
            ));
        }
        cited.insert(record);
    }
    Ok(Answer {
        scores,
        rationale,
        cited: cited.into_iter().collect(),
    })
}

/// The JSON inside a Markdown code fence, or the text itself, trimmed.
fn unfence(text: &str) -> &str {
    let trimmed = text.trim();
    let Some(rest) = trimmed.strip_prefix("```") else {
        return trimmed;
    };
    let rest = rest.strip_prefix("json").unwrap_or(rest);
    rest.strip_suffix("```").unwrap_or(rest).trim()
}
