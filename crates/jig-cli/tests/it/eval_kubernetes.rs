//! `jig eval run --runner kubernetes` against a fake Kubernetes API
//! (`fake_kube.rs`, the real REST wire format on 127.0.0.1) whose pods run
//! the shards for real (`jig eval run --shard i/N --archive`): results come
//! back through the pod logs and merge into the local database; a failed
//! pod is retried by its Job; a coordinator killed after one shard merged
//! resumes, adopts the Job it had created (a 409) and records every sample
//! exactly once, with the results of an uninterrupted run. The manifests
//! `--dry-run` prints are checked against the k8s-openapi `Job` type and
//! pinned.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::Stdio;

use serde_json::Value;

use crate::fake_kube::FakeKube;
use crate::support::{Env, repo_root, stderr, stdout, wait_for};

const TASKS: &str = "{sh-fix-backup-quoting,ops-crontab-update,tidy-downloads}";

fn fake(fail_first: &[&str], held: &[&str]) -> FakeKube {
    FakeKube::start(
        PathBuf::from(env!("CARGO_BIN_EXE_jig")),
        repo_root().join("evals"),
        fail_first,
        held,
    )
}

fn kube_args(extra: &[&str]) -> Vec<String> {
    let mut args: Vec<String> = [
        "eval",
        "run",
        "--runner",
        "kubernetes",
        "--image",
        "jig:test",
        "--shards",
        "2",
        "--poll",
        "0.02",
    ]
    .map(String::from)
    .to_vec();
    args.extend(extra.iter().map(|s| s.to_string()));
    args
}

fn new_run(extra: &[&str]) -> Vec<String> {
    let core = repo_root().join("evals/core").display().to_string();
    let mut args = kube_args(&[&core, "--agent", "oracle", "--filter", TASKS]);
    args.extend(extra.iter().map(|s| s.to_string()));
    args
}

/// task → (status, reward) of a `--json` report.
fn outcomes(report: &Value) -> BTreeMap<String, (String, Value)> {
    report["samples"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            let key = format!("{}#{}", s["task"].as_str().unwrap(), s["sample_index"]);
            (key, (s["status"].as_str().unwrap().to_owned(), s["reward"].clone()))
        })
        .collect()
}

#[test]
fn shards_run_as_jobs_and_their_logs_merge_into_the_run() {
    let kube = fake(&["0-0"], &[]);
    let env = Env::new();
    let out = env
        .jig()
        .args(new_run(&["--json"]))
        .env("KUBECONFIG", &kube.kubeconfig)
        .output()
        .unwrap();
    assert!(out.status.success(), "stdout {} stderr {}", stdout(&out), stderr(&out));
    let report: Value = serde_json::from_str(&stdout(&out)).unwrap();
    let got = outcomes(&report);
    assert_eq!(got.len(), 3, "{report}");
    assert!(got.values().all(|(status, _)| status == "passed"), "{got:?}");
    kube.with(|st| {
        assert_eq!(st.jobs.len(), 2, "one Job per shard");
        let first = st
            .jobs
            .values()
            .find(|j| j.manifest["metadata"]["labels"]["jig.dev/shard"] == "0-0")
            .unwrap();
        let phases: Vec<&str> = first.pods.iter().map(|p| p.phase).collect();
        assert_eq!(phases, ["Failed", "Succeeded"], "the Job retried its failed pod");
        assert!(st.creates.iter().all(|(_, conflict)| !conflict));
    });
}

#[test]
fn a_coordinator_killed_after_one_merge_resumes_and_records_each_sample_once() {
    // The uninterrupted run to compare with.
    let reference = {
        let kube = fake(&[], &[]);
        let env = Env::new();
        let out = env
            .jig()
            .args(new_run(&["--json"]))
            .env("KUBECONFIG", &kube.kubeconfig)
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", stderr(&out));
        outcomes(&serde_json::from_str(&stdout(&out)).unwrap())
    };

    let kube = fake(&[], &["0-1"]);
    let env = Env::new();
    let mut coordinator = env
        .jig()
        .args(new_run(&[]))
        .env("KUBECONFIG", &kube.kubeconfig)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    // Shard 0-0 merged (its samples are in the database) while 0-1 is held.
    let run_id = wait_for(|| {
        let listed: Value = serde_json::from_str(&stdout(&env.run(&["eval", "list", "--json"]))).ok()?;
        let id = listed.as_array()?.first()?["id"].as_str()?.to_owned();
        let shown: Value = serde_json::from_str(&stdout(&env.run(&["eval", "show", &id, "--json"]))).ok()?;
        (shown["samples"].as_array()?.len() == 2).then_some(id)
    });
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(coordinator.id() as i32),
        nix::sys::signal::Signal::SIGKILL,
    )
    .unwrap();
    coordinator.wait().unwrap();
    kube.release("0-1");

    let out = env
        .jig()
        .args(kube_args(&["--resume", &run_id, "--json"]))
        .env("KUBECONFIG", &kube.kubeconfig)
        .output()
        .unwrap();
    assert!(out.status.success(), "stdout {} stderr {}", stdout(&out), stderr(&out));
    let report: Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(report["run_id"], run_id.as_str());
    assert_eq!(
        report["samples"].as_array().unwrap().len(),
        3,
        "each sample recorded once"
    );
    assert_eq!(
        outcomes(&report),
        reference,
        "a resumed run ends as an uninterrupted one"
    );
    kube.with(|st| {
        let conflicts: Vec<&str> = st.creates.iter().filter(|(_, c)| *c).map(|(n, _)| n.as_str()).collect();
        assert_eq!(
            conflicts.len(),
            1,
            "the held shard's Job was re-created once and adopted: {:?}",
            st.creates
        );
        assert!(conflicts[0].ends_with("-0-1"));
        assert_eq!(st.jobs.len(), 2, "no Job was run twice");
        assert_eq!(st.jobs.values().map(|j| j.pods.len()).sum::<usize>(), 2);
    });
    let rollouts = env.home().join("evals").join(&run_id);
    assert!(rollouts.is_dir() || report["samples"][0]["rollout_path"].is_null());
}

#[test]
fn dry_run_prints_valid_job_manifests_and_creates_nothing() {
    let env = Env::new();
    let out = env.run(&new_run(&["--dry-run"]).iter().map(String::as_str).collect::<Vec<_>>());
    assert!(out.status.success(), "{}", stderr(&out));
    let list: Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(list["kind"], "List");
    for item in list["items"].as_array().unwrap() {
        let mut unknown = Vec::new();
        let job: k8s_openapi::api::batch::v1::Job =
            serde_ignored::deserialize(item, |path| unknown.push(path.to_string())).unwrap();
        assert!(unknown.is_empty(), "fields the Job type does not know: {unknown:?}");
        assert_eq!(
            &serde_json::to_value(&job).unwrap(),
            item,
            "the manifest round-trips through k8s-openapi"
        );
    }
    let listed = env.run(&["eval", "list", "--json"]);
    assert_eq!(stdout(&listed).trim(), "[]", "a dry run stores no run");
    let core = repo_root().join("evals/core").display().to_string();
    insta::with_settings!({filters => vec![
        (r"jig-[0-9a-f]{12}-", "jig-RUN-"),
        (r#""jig.dev/run": "[0-9a-f-]{36}""#, r#""jig.dev/run": "RUN""#),
    ]}, {
        insta::assert_snapshot!(stdout(&out).replace(&core, "CORE"));
    });
}

#[test]
fn the_kubernetes_flags_refuse_what_does_not_go_together() {
    let env = Env::new();
    let core = repo_root().join("evals/core").display().to_string();
    let no_image = env.run(&["eval", "run", &core, "--runner", "kubernetes"]);
    assert_eq!(no_image.status.code(), Some(2), "{}", stderr(&no_image));
    assert!(
        stderr(&no_image).contains("needs --image IMAGE"),
        "{}",
        stderr(&no_image)
    );
    let local_dry = env.run(&["eval", "run", &core, "--dry-run"]);
    assert!(
        stderr(&local_dry).contains("apply to --runner kubernetes"),
        "{}",
        stderr(&local_dry)
    );
    let bad_shard = env.run(&["eval", "run", &core, "--shard", "2/2"]);
    assert!(stderr(&bad_shard).contains("expected I/N"), "{}", stderr(&bad_shard));
}
