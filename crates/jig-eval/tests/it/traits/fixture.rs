//! The fixture task `harbor/fix-median` run for real: its reference script
//! passes every trait its task.toml grades, and each bad script fails
//! exactly the traits it declares it breaks.

use std::collections::BTreeSet;
use std::path::Path;

use jig_eval::task::Task;

use super::{GENERIC, TraitOptions, grade, rollout_in};

/// The graders among `names` that failed on `script`, run in a copy of the
/// task's environment.
async fn failed(task: &Task, script: &Path, names: &[String]) -> BTreeSet<String> {
    let text = std::fs::read_to_string(task.dir.join(script)).unwrap();
    let lay_out = |ws: &Path| {
        std::fs::copy(task.environment_dir.join("stats.py"), ws.join("stats.py")).unwrap();
    };
    let records = rollout_in(GENERIC, &text, lay_out, &task.instruction).await;
    grade(&records, &TraitOptions::default())
        .into_iter()
        .filter(|score| names.iter().any(|n| n == score.name.as_str()) && !score.passed)
        .map(|score| format!("{}: {:?}", score.name, score.evidence))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fix_median_scripts_grade_as_the_task_declares() {
    let task = Task::load(crate::fixtures().join("harbor/fix-median")).unwrap();
    let jig = &task.config.jig;
    let reference = jig.reference_script.as_deref().unwrap();
    let failures = failed(&task, reference, &jig.graders).await;
    assert!(failures.is_empty(), "the reference fails {failures:#?}");
    assert!(!jig.bad_scripts.is_empty());
    for (name, bad) in &jig.bad_scripts {
        let failures = failed(&task, &bad.script, &jig.graders).await;
        let names: BTreeSet<&str> = failures.iter().filter_map(|f| f.split(':').next()).collect();
        let declared: BTreeSet<&str> = bad.breaks.iter().map(String::as_str).collect();
        assert_eq!(names, declared, "{name}: {failures:#?}");
    }
}
