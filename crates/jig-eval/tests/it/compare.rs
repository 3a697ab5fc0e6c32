//! Comparing two runs built from samples with a known difference and with
//! none: the paired bootstrap interval excludes zero and the verdict says
//! better when B really is; it includes zero and says "no significant
//! difference" when B is not; tasks in one run only are listed and left
//! out; flips are found both ways; the intervals are reproducible.

use jig_eval::compare::bootstrap::Bootstrap;
use jig_eval::compare::{self, Better, Unit};
use jig_eval::results::{Results, Run, RunSpec, SampleRow, SampleStatus, StoredTrait};
use jig_eval::task::Reward;
use jig_protocol::TokenUsage;

/// A stored run, as `Results::run` gives it (the comparison reads only its
/// identity; the samples are passed beside it).
fn run(agent: &str) -> Run {
    let dir = tempfile::tempdir().unwrap();
    let mut results = Results::open(dir.path().join("evals.db")).unwrap();
    let id = results
        .create_run(&RunSpec {
            suites: vec!["suite".into()],
            agent: agent.into(),
            model: "scripted".into(),
            samples_per_task: 1,
            concurrency: 1,
            filter: None,
            judge: None,
            user_model: None,
            started_at: "2026-12-01T10:00:00Z".into(),
            jig_version: "0.1.0".into(),
        })
        .unwrap();
    results.run(id.as_str()).unwrap()
}

fn row(task: &str, index: u32, passed: bool, tokens: u64) -> SampleRow {
    SampleRow {
        task: task.into(),
        sample_index: index,
        status: if passed {
            SampleStatus::Passed
        } else {
            SampleStatus::Failed
        },
        reward: Some(Reward::Single(if passed { 1.0 } else { 0.0 })),
        traits: vec![StoredTrait {
            name: "read_before_edit".into(),
            applicable: true,
            passed,
            score: if passed { 1.0 } else { 0.0 },
            evidence: Vec::new(),
        }],
        usage: TokenUsage {
            input_tokens: tokens,
            cached_input_tokens: 0,
            output_tokens: 0,
        },
        cost_usd: None,
        agent_ms: 1000,
        verifier_ms: 100,
        rollout_path: None,
        workspace_diff: None,
        judgement: None,
    }
}

fn tasks(n: usize) -> Vec<String> {
    (0..n).map(|i| format!("task-{i:02}")).collect()
}

#[test]
fn a_real_difference_is_significant_and_b_is_better() {
    // A passes 5 of 20 tasks, B passes 17 of the same 20: +60 pp.
    let names = tasks(20);
    let a: Vec<SampleRow> = names.iter().enumerate().map(|(i, t)| row(t, 0, i < 5, 2000)).collect();
    let b: Vec<SampleRow> = names.iter().enumerate().map(|(i, t)| row(t, 0, i < 17, 1000)).collect();
    let c = compare::compare(&run("a"), &a, &run("b"), &b, Bootstrap::default());
    let pass = &c.metrics[0];
    assert_eq!(pass.metric, "pass rate");
    assert_eq!(pass.tasks, 20);
    assert!((pass.interval.delta - 0.6).abs() < 1e-12, "{pass:?}");
    assert!(pass.interval.low > 0.3 && pass.interval.high <= 0.85, "{pass:?}");
    assert!(pass.significant);
    assert!(
        pass.verdict.starts_with("B is better on pass rate: +60.0 pp ["),
        "{}",
        pass.verdict
    );
    // Fewer tokens is better, so a negative difference is B's win too.
    let tokens = c.metrics.iter().find(|m| m.metric == "tokens").unwrap();
    assert_eq!((tokens.unit, tokens.better), (Unit::Tokens, Better::Lower));
    assert_eq!(tokens.verdict, "B is better on tokens: -1000 tokens [-1000, -1000]");
    let trait_rate = c.metrics.iter().find(|m| m.metric == "trait read_before_edit").unwrap();
    assert!(trait_rate.significant);
    assert_eq!(c.fail_to_pass, names[5..17].to_vec());
    assert!(c.pass_to_fail.is_empty());
    let text = compare::text(&c);
    assert!(text.contains("B is better on pass rate: +60.0 pp"), "{text}");
    insta::with_settings!({ filters => vec![(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", "[run id]")] }, {
        insta::assert_snapshot!("compare_text", text);
    });
    assert!(text.contains("fail → pass: task-05, task-06"), "{text}");
}

#[test]
fn no_difference_is_not_significant() {
    // Both pass 10 of 20, but different ones: 5 flips each way.
    let names = tasks(20);
    let a: Vec<SampleRow> = names.iter().enumerate().map(|(i, t)| row(t, 0, i < 10, 1000)).collect();
    let b: Vec<SampleRow> = names
        .iter()
        .enumerate()
        .map(|(i, t)| row(t, 0, (5..15).contains(&i), 1000))
        .collect();
    let c = compare::compare(&run("a"), &a, &run("b"), &b, Bootstrap::default());
    let pass = &c.metrics[0];
    assert_eq!(pass.interval.delta, 0.0);
    assert!(pass.interval.low < 0.0 && pass.interval.high > 0.0, "{pass:?}");
    assert!(!pass.significant);
    assert!(
        pass.verdict
            .starts_with("no significant difference in pass rate (+0.0 pp [-"),
        "{}",
        pass.verdict
    );
    assert_eq!(c.pass_to_fail, names[0..5].to_vec());
    assert_eq!(c.fail_to_pass, names[10..15].to_vec());
    // Equal tokens everywhere: a zero-width interval at zero, not significant.
    let tokens = c.metrics.iter().find(|m| m.metric == "tokens").unwrap();
    assert_eq!(
        tokens.verdict,
        "no significant difference in tokens (+0 tokens [+0, +0])"
    );
    // No cost was known on either side: no cost metric at all.
    assert!(c.metrics.iter().all(|m| m.metric != "cost"));
}

#[test]
fn tasks_in_one_run_only_are_listed_and_left_out() {
    let a = vec![
        row("both", 0, true, 10),
        row("both", 1, false, 10),
        row("only-a", 0, true, 10),
    ];
    let b = vec![
        row("both", 0, true, 10),
        row("both", 1, true, 10),
        row("only-b", 0, false, 10),
    ];
    let c = compare::compare(&run("a"), &a, &run("b"), &b, Bootstrap::default());
    assert_eq!(c.paired_tasks, vec!["both".to_owned()]);
    assert_eq!(c.only_in_a, vec!["only-a".to_owned()]);
    assert_eq!(c.only_in_b, vec!["only-b".to_owned()]);
    // The task's value is the mean over its samples: 0.5 against 1.0.
    assert_eq!(c.metrics[0].tasks, 1);
    assert_eq!((c.metrics[0].a, c.metrics[0].b), (0.5, 1.0));
    // Half of two samples is not more than half: it did not pass in A.
    assert_eq!(c.fail_to_pass, vec!["both".to_owned()]);
    let text = compare::text(&c);
    assert!(text.contains("only in A (left out): only-a"), "{text}");
}

#[test]
fn the_bootstrap_is_reproducible_and_brackets_the_mean() {
    let diffs: Vec<f64> = (0..30).map(|i| f64::from(i % 7) - 2.5).collect();
    let boot = Bootstrap::default();
    let one = boot.interval(&diffs).unwrap();
    assert_eq!(Some(one), boot.interval(&diffs));
    assert!(one.low < one.delta && one.delta < one.high, "{one:?}");
    // The standard error of a mean of 30 such values is about 0.37, so the
    // interval is about ±0.72 wide.
    assert!((one.high - one.low - 1.45).abs() < 0.25, "{one:?}");
    let other = Bootstrap { seed: 7, ..boot }.interval(&diffs).unwrap();
    assert_ne!(one, other);
    assert!(boot.interval(&[]).is_none());
}
