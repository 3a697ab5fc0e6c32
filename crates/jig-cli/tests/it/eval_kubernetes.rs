//! `jig eval run --runner kubernetes` against a fake Kubernetes API
//! (`fake_kube.rs`, the real REST wire format on 127.0.0.1) whose pods run
//! the shards for real (`jig eval run --shard i/N --archive`): results come
//! back through the pod logs and merge into the local database; a failed
//! pod is retried by its Job; a coordinator killed after one shard merged
//! resumes, adopts the Job it had created (a 409) and records every sample
//! exactly once, with the results of an uninterrupted run; a Job that failed
//! for good is created again on `--resume`; a task whose Dockerfile needs a
//! real build runs in place in its own image, one pod per sample, with its
//! tests out of the agent's reach. The manifests
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

/// Runs jig with `args` on the fake cluster; it must succeed. Its `--json` report.
fn run_json<I, S>(env: &Env, kube: &FakeKube, args: I) -> Value
where
    I: IntoIterator<Item = S>,
    S: AsRef<std::ffi::OsStr>,
{
    let out = env
        .jig()
        .args(args)
        .env("KUBECONFIG", &kube.kubeconfig)
        .output()
        .unwrap();
    assert!(out.status.success(), "stdout {} stderr {}", stdout(&out), stderr(&out));
    serde_json::from_str(&stdout(&out)).unwrap()
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
    let report = run_json(&env, &kube, new_run(&["--json"]));
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
fn the_coordinator_follows_its_jobs_with_one_watch_rather_than_polling() {
    let kube = fake(&[], &["0-1"]);
    let env = Env::new();
    let coordinator = env
        .jig()
        .args(new_run(&["--json"]))
        .env("KUBECONFIG", &kube.kubeconfig)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // The held shard cannot finish: the coordinator lists, then watches.
    wait_for(|| kube.with(|st| (st.watches == 1).then_some(())));
    kube.release("0-1");
    let out = coordinator.wait_with_output().unwrap();
    assert!(out.status.success(), "stdout {} stderr {}", stdout(&out), stderr(&out));
    let report: Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(report["samples"].as_array().unwrap().len(), 3, "{report}");
    kube.with(|st| {
        assert_eq!(
            (st.lists, st.watches),
            (1, 1),
            "one list, then the open watch told it when the held Job finished"
        );
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

    let report = run_json(&env, &kube, kube_args(&["--resume", &run_id, "--json"]));
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
    // --in-place deletes the suites: never a suite outside a pod's copy.
    let in_place = env.run(&["eval", "run", &core, "--agent", "oracle", "--in-place"]);
    assert_eq!(in_place.status.code(), Some(2), "{}", stderr(&in_place));
    assert!(stderr(&in_place).contains("/jig/suites/"), "{}", stderr(&in_place));
    assert!(repo_root().join("evals/core/tidy-downloads/tests/test.sh").is_file());
}

/// A suite of one task whose Dockerfile needs a real build (`RUN`), named
/// by its prebuilt image, and that image as the fake cluster holds it: the
/// directories its `RUN` line made. The test fails the sample if the agent
/// could see the task's tests or the suites while it ran.
struct BuiltImage {
    _dir: tempfile::TempDir,
    suites: PathBuf,
    suite: PathBuf,
    images: BTreeMap<String, PathBuf>,
}

fn built_image(with_image: bool) -> BuiltImage {
    let dir = tempfile::tempdir().unwrap();
    let suites = dir.path().join("suites");
    let suite = suites.join("built");
    let task = suite.join("needs-run");
    for sub in ["environment", "tests", "solution"] {
        std::fs::create_dir_all(task.join(sub)).unwrap();
    }
    let image = if with_image {
        "docker_image = \"registry.test/needs-run:1\"\n"
    } else {
        ""
    };
    std::fs::write(
        task.join("task.toml"),
        format!(
            "schema_version = \"1.1\"\n[verifier]\ntimeout_sec = 60.0\n[agent]\ntimeout_sec = 60.0\n[environment]\n{image}\
             [jig]\nreference_script = \"jig/reference.toml\"\n"
        ),
    )
    .unwrap();
    std::fs::write(
        task.join("instruction.md"),
        "Write one more than /app/base.txt to /app/answer.txt.\n",
    )
    .unwrap();
    std::fs::write(
        task.join("environment/Dockerfile"),
        "FROM debian:bookworm-slim\nRUN mkdir -p /app && echo 41 > /app/base.txt\nWORKDIR /app\n",
    )
    .unwrap();
    std::fs::write(
        task.join("tests/test.sh"),
        "#!/bin/bash\n# SECRET-TEST-MARKER\nmkdir -p /logs/verifier\n\
         if [ \"$(cat /app/answer.txt)\" = 42 ] && [ ! -e /app/peeked ]; then echo 1; else echo 0; fi > /logs/verifier/reward.txt\n",
    )
    .unwrap();
    std::fs::write(
        task.join("solution/solve.sh"),
        "#!/bin/bash\necho $(( $(cat /app/base.txt) + 1 )) > /app/answer.txt\n",
    )
    .unwrap();
    std::fs::create_dir_all(task.join("jig")).unwrap();
    std::fs::write(
        task.join("jig/reference.toml"),
        "[[response]]\ntext = \"Adding one.\"\n[[response.tool_calls]]\nname = \"shell\"\n\
         arguments = { command = \"echo $(( $(cat base.txt) + 1 )) > answer.txt\" }\n\
         [[response]]\ntext = \"Done: answer.txt holds 42.\"\n",
    )
    .unwrap();
    let images = dir.path().join("images/needs-run");
    std::fs::create_dir_all(images.join("app")).unwrap();
    std::fs::write(images.join("app/base.txt"), "41\n").unwrap();
    BuiltImage {
        suites,
        suite,
        images: BTreeMap::from([("registry.test/needs-run:1".to_owned(), images)]),
        _dir: dir,
    }
}

/// The agent: looks for the tests and the suites, then does the task.
const PEEKING_AGENT: &str = "cmd:if [ -e /tests/test.sh ] || [ -n \"$(ls -A /jig/suites)\" ] || grep -rqs SECRET-TEST-MARKER /jig /tests; \
     then touch /app/peeked; fi; echo $(( $(cat base.txt) + 1 )) > answer.txt";

#[test]
fn a_task_that_needs_a_container_runs_in_place_in_its_image_one_pod_per_sample() {
    let built = built_image(true);
    let env = Env::new();
    let suite = built.suite.display().to_string();
    // Here it cannot run: its Dockerfile has a RUN line.
    let local = env.run(&["eval", "run", &suite, "--agent", PEEKING_AGENT, "--json"]);
    let local: Value = serde_json::from_str(&stdout(&local)).unwrap();
    assert_eq!(local["samples"][0]["status"], "needs_container", "{local}");

    let kube = FakeKube::with_images(
        PathBuf::from(env!("CARGO_BIN_EXE_jig")),
        built.suites.clone(),
        built.images.clone(),
        &[],
    );
    let report = run_json(
        &env,
        &kube,
        kube_args(&[&suite, "--agent", PEEKING_AGENT, "--samples", "2", "--json"]),
    );
    let got = outcomes(&report);
    assert_eq!(got.len(), 2, "{report}");
    assert!(
        got.values()
            .all(|(status, reward)| status == "passed" && *reward == 1.0),
        "the agent did the task without seeing the tests: {got:?}"
    );
    let diff = report["samples"][0]["workspace_diff"].as_str().unwrap();
    assert!(
        diff.contains("+++ b/app/answer.txt"),
        "paths as the agent saw them: {diff}"
    );
    kube.with(|st| {
        assert_eq!(st.jobs.len(), 2, "one Job per sample");
        for job in st.jobs.values() {
            let pod = &job.manifest["spec"]["template"]["spec"];
            assert_eq!(pod["containers"][0]["image"], "registry.test/needs-run:1");
            assert_eq!(pod["initContainers"][0]["image"], "jig:test");
            let args: Vec<&str> = pod["containers"][0]["args"]
                .as_array()
                .unwrap()
                .iter()
                .map(|a| a.as_str().unwrap())
                .collect();
            assert!(args.contains(&"--in-place"), "{args:?}");
        }
    });

    // The oracle reads /solution there; the verifier sees the image's files.
    let report = run_json(&env, &kube, kube_args(&[&suite, "--agent", "oracle", "--json"]));
    assert_eq!(report["samples"][0]["status"], "passed", "{report}");

    // jig itself, with a scripted model: its rollout comes back with the results.
    let report = run_json(
        &env,
        &kube,
        kube_args(&[&suite, "--agent", "jig", "--model", "reference", "--json"]),
    );
    let sample = &report["samples"][0];
    assert_eq!(sample["status"], "passed", "{report}");
    let rollout = PathBuf::from(sample["rollout_path"].as_str().unwrap());
    assert!(rollout.starts_with(env.home()), "{}", rollout.display());
    let recorded = std::fs::read_to_string(&rollout).unwrap();
    assert!(recorded.contains("answer.txt"), "{recorded}");
}

#[test]
fn a_task_that_needs_a_container_without_an_image_is_refused_or_given_one_by_template() {
    let built = built_image(false);
    let env = Env::new();
    let suite = built.suite.display().to_string();
    let refused = env.run(
        &kube_args(&[&suite, "--agent", "oracle", "--dry-run"])
            .iter()
            .map(String::as_str)
            .collect::<Vec<_>>(),
    );
    assert!(!refused.status.success());
    let said = stderr(&refused);
    assert!(
        said.contains("needs-run") && said.contains("line 2") && said.contains("--task-image"),
        "{said}"
    );
    let templated = env.run(
        &kube_args(&[
            &suite,
            "--agent",
            "oracle",
            "--task-image",
            "registry.test/{task}:1",
            "--secret",
            "jig-keys",
            "--dry-run",
        ])
        .iter()
        .map(String::as_str)
        .collect::<Vec<_>>(),
    );
    assert!(templated.status.success(), "{}", stderr(&templated));
    let list: Value = serde_json::from_str(&stdout(&templated)).unwrap();
    let mut unknown = Vec::new();
    let _: k8s_openapi::api::batch::v1::Job =
        serde_ignored::deserialize(&list["items"][0], |path| unknown.push(path.to_string())).unwrap();
    assert!(unknown.is_empty(), "fields the Job type does not know: {unknown:?}");
    let container = &list["items"][0]["spec"]["template"]["spec"]["containers"][0];
    assert_eq!(container["image"], "registry.test/needs-run:1");
    assert_eq!(container["envFrom"][0]["secretRef"]["name"], "jig-keys");
}

#[test]
fn a_job_that_failed_for_good_is_created_again_on_resume() {
    let kube = FakeKube::with_images(
        PathBuf::from(env!("CARGO_BIN_EXE_jig")),
        repo_root().join("evals"),
        BTreeMap::new(),
        &["0-0"],
    );
    let env = Env::new();
    let out = env
        .jig()
        .args(new_run(&["--backoff-limit", "0"]))
        .env("KUBECONFIG", &kube.kubeconfig)
        .output()
        .unwrap();
    assert!(!out.status.success(), "{}", stderr(&out));
    assert!(stderr(&out).contains("cannot pull the image"), "{}", stderr(&out));
    let listed: Value = serde_json::from_str(&stdout(&env.run(&["eval", "list", "--json"]))).unwrap();
    let run_id = listed[0]["id"].as_str().unwrap().to_owned();

    kube.fix("0-0");
    let resume = |extra: &[&str]| {
        let mut args = vec!["eval", "run", "--runner", "kubernetes", "--resume", &run_id, "--json"];
        args.extend(extra);
        env.jig()
            .args(args)
            .env("KUBECONFIG", &kube.kubeconfig)
            .output()
            .unwrap()
    };
    let other_shards = resume(&["--shards", "3"]);
    assert_eq!(other_shards.status.code(), Some(2), "{}", stderr(&other_shards));
    assert!(
        stderr(&other_shards).contains("--shards 2"),
        "{}",
        stderr(&other_shards)
    );
    // No --runner, --image, --shards or --backoff-limit: the run's own are kept.
    let report = run_json(&env, &kube, ["eval", "run", "--resume", &run_id, "--json"]);
    assert_eq!(report["samples"].as_array().unwrap().len(), 3, "{report}");
    kube.with(|st| {
        assert_eq!(st.deletes.len(), 1, "{:?}", st.deletes);
        assert!(st.deletes[0].ends_with("-0-0"));
    });
}
