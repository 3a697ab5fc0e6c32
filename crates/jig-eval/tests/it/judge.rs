//! The judge's pieces on their own: rubrics from a task and its suite, the
//! rendered trajectory (record numbers, cuts) and the answer's validation.
//! The judge end to end, over real runs, is in the CLI's `eval_judge`
//! tests.

use std::collections::BTreeSet;

use jig_eval::judge::{Criterion, Rubric, RubricSpec, answer_schema, parse_answer, render};
use jig_protocol::{Item, RolloutRecord, TokenUsage, ToolCall, ToolOutput, ToolStatus};
use serde_json::json;

fn criterion(name: &str, scale: [i64; 2]) -> Criterion {
    Criterion {
        name: name.into(),
        description: format!("{name} is good"),
        scale,
    }
}

fn rubric() -> Rubric {
    Rubric {
        criteria: vec![criterion("process", [1, 5]), criterion("safe", [0, 1])],
    }
}

fn shown(records: &[u64]) -> BTreeSet<u64> {
    records.iter().copied().collect()
}

#[test]
fn a_valid_answer_is_read_in_rubric_order_even_inside_a_code_fence() {
    let text =
        "```json\n{\"cited\": [7, 3, 7], \"rationale\": \" fine \", \"scores\": {\"safe\": 1, \"process\": 4}}\n```";
    let answer = parse_answer(text, &rubric(), &shown(&[3, 7])).unwrap();
    let scores: Vec<(&str, i64)> = answer.scores.iter().map(|s| (s.criterion.as_str(), s.score)).collect();
    assert_eq!(scores, [("process", 4), ("safe", 1)]);
    assert_eq!(answer.rationale, "fine");
    assert_eq!(answer.cited, [3, 7]);
    assert_eq!(answer.scores[0].normalised(), 0.75);
}

#[test]
fn an_answer_that_breaks_the_rubric_says_what_is_wrong() {
    let cases = [
        ("I would rather not.", "not a JSON object"),
        ("[1, 2]", "not an object"),
        (
            r#"{"scores": {"process": 4}, "rationale": "r", "cited": []}"#,
            "no score for `safe`",
        ),
        (
            r#"{"scores": {"process": 6, "safe": 1}, "rationale": "r", "cited": []}"#,
            "outside its scale 1–5",
        ),
        (
            r#"{"scores": {"process": 4.5, "safe": 1}, "rationale": "r", "cited": []}"#,
            "not a whole number",
        ),
        (
            r#"{"scores": {"process": 4, "safe": 1, "style": 2}, "rationale": "r", "cited": []}"#,
            "`style`, which is not a criterion",
        ),
        (
            r#"{"scores": {"process": 4, "safe": 1}, "rationale": " ", "cited": []}"#,
            "`rationale` is missing or empty",
        ),
        (
            r#"{"scores": {"process": 4, "safe": 1}, "rationale": "r", "cited": [5]}"#,
            "record 5, which is not in the trajectory shown",
        ),
        (
            r#"{"scores": {"process": 4, "safe": 1}, "rationale": "r", "cited": [3], "mood": 1}"#,
            "key `mood`",
        ),
    ];
    for (text, expected) in cases {
        let error = parse_answer(text, &rubric(), &shown(&[3])).unwrap_err();
        assert!(error.contains(expected), "{text}: {error}");
    }
}

#[test]
fn the_answer_schema_is_strict_and_names_every_criterion() {
    let schema = answer_schema(&rubric(), &shown(&[2, 9])).schema;
    assert_eq!(schema["required"], json!(["scores", "rationale", "cited"]));
    assert_eq!(schema["additionalProperties"], false);
    let scores = &schema["properties"]["scores"];
    assert_eq!(scores["required"], json!(["process", "safe"]));
    assert_eq!(scores["additionalProperties"], false);
    assert_eq!(scores["properties"]["safe"]["maximum"], 1);
    assert_eq!(schema["properties"]["cited"]["items"]["enum"], json!([2, 9]));
}

#[test]
fn rubrics_come_from_the_suite_then_the_task_and_default_when_neither_has_one() {
    let suite = tempfile::tempdir().unwrap();
    let task = suite.path().join("t");
    std::fs::create_dir(&task).unwrap();
    let own = RubricSpec::Text("Keeps the fix small.".into());
    let names = |rubric: &Rubric| rubric.criteria.iter().map(|c| c.name.clone()).collect::<Vec<_>>();

    let alone = Rubric::for_task(&task, Some(&own)).unwrap();
    assert_eq!(names(&alone), ["task_rubric"]);
    assert_eq!(alone.criteria[0].scale, [1, 5]);
    let default = Rubric::for_task(&task, None).unwrap();
    assert_eq!(names(&default), ["solves_the_task", "process", "communication"]);

    std::fs::write(
        suite.path().join("suite.toml"),
        "[[rubric]]\nname = \"process\"\ndescription = \"reads first\"\nscale = [0, 3]\n",
    )
    .unwrap();
    let both = Rubric::for_task(&task, Some(&own)).unwrap();
    assert_eq!(names(&both), ["process", "task_rubric"]);
    assert_eq!(both.criteria[0].scale, [0, 3]);

    let clash = RubricSpec::Criteria(vec![criterion("process", [1, 5])]);
    let error = Rubric::for_task(&task, Some(&clash)).unwrap_err().to_string();
    assert!(error.contains("`process`: the name is given twice"), "{error}");
    let upside_down = RubricSpec::Criteria(vec![criterion("tidy", [5, 1])]);
    let error = Rubric::for_task(&task, Some(&upside_down)).unwrap_err().to_string();
    assert!(error.contains("must be below its second"), "{error}");

    std::fs::write(suite.path().join("suite.toml"), "[[rubric]]\nnme = \"x\"\n").unwrap();
    let error = Rubric::for_task(&task, None).unwrap_err().to_string();
    assert!(error.contains("suite.toml") && error.contains("nme"), "{error}");
}

fn long_session(calls: usize) -> Vec<RolloutRecord> {
    let mut records = vec![RolloutRecord::Item {
        item: Item::user("fix it"),
    }];
    for i in 0..calls {
        records.push(RolloutRecord::Response {
            items: vec![Item::ToolCall(ToolCall {
                call_id: format!("c{i}"),
                name: "shell".into(),
                arguments: json!({"command": format!("cat file{i}")}).to_string(),
            })],
            usage: TokenUsage::default(),
        });
        records.push(RolloutRecord::Item {
            item: Item::ToolOutput(ToolOutput {
                call_id: format!("c{i}"),
                output: "x".repeat(5_000),
                status: ToolStatus::Ok,
                images: Vec::new(),
            }),
        });
    }
    records.push(RolloutRecord::Response {
        items: vec![Item::assistant("All done.")],
        usage: TokenUsage::default(),
    });
    records
}

#[test]
fn a_rendered_trajectory_numbers_its_lines_by_record_and_cuts_long_outputs() {
    let rendered = render(&[long_session(2)], Some("diff --git a/x b/x\n"), "passed; reward 1");
    assert!(rendered.text.contains("[0] user: fix it"), "{}", rendered.text);
    assert!(
        rendered
            .text
            .contains("[1] tool call shell (c0): {\"command\":\"cat file0\"}")
    );
    assert!(rendered.text.contains("[2] tool output of shell (c0, ok): xxx"));
    assert!(rendered.text.contains("characters left out"));
    assert!(rendered.text.contains("[5] assistant: All done."));
    assert!(
        rendered
            .text
            .contains("## Final diff of the workspace\ndiff --git a/x b/x")
    );
    assert!(rendered.text.ends_with("## Verifier\npassed; reward 1\n"));
    assert_eq!(rendered.records, shown(&[0, 1, 2, 3, 4, 5]));
}

#[test]
fn a_very_long_trajectory_keeps_its_start_and_end_and_only_the_records_shown_can_be_cited() {
    let session = long_session(200);
    let last = session.len() as u64 - 1;
    let rendered = render(&[session], None, "failed; reward 0");
    assert!(
        rendered.text.len() <= jig_eval::judge::MAX_RENDER_CHARS,
        "{}",
        rendered.text.len()
    );
    assert!(rendered.text.contains("the middle of the trajectory is left out"));
    assert!(rendered.records.contains(&0));
    assert!(rendered.records.contains(&last));
    assert!(
        !rendered.records.contains(&200),
        "a record from the middle is not citeable"
    );
    // A second session numbers on from the first.
    let two = render(&[long_session(1), long_session(1)], None, "");
    assert!(two.text.contains("--- session 2 of 2 ---"));
    assert!(two.records.contains(&7), "{}", two.text);
}
