//! Task directories, suites and rewards: a good task, the fixture in
//! Harbor's layout, each load error, and each reward error.

use std::path::Path;

use jig_eval::dockerfile::{Environment, FileCopy, Plan};
use jig_eval::task::{
    BadScriptProblem, MinReward, NetworkMode, Reward, RewardError, RewardStrategy, Suite, Task, TaskError, User,
    read_reward,
};

use jig_model::scripted::ScriptedModel;

use crate::{fixtures, write};

const MINIMAL_TOML: &str = "version = \"1.0\"\n\n[metadata]\ndifficulty = \"easy\"\n";

/// A complete task with the given `task.toml`.
fn task_dir(root: &Path, name: &str, toml: &str) -> std::path::PathBuf {
    let dir = root.join(name);
    write(&dir, "task.toml", toml);
    write(&dir, "instruction.md", "Make the tests pass.\n");
    write(
        &dir,
        "environment/Dockerfile",
        "FROM python:3.13-slim\nWORKDIR /app\nCOPY app.py ./\n",
    );
    write(&dir, "environment/app.py", "print('hi')\n");
    write(
        &dir,
        "tests/test.sh",
        "#!/bin/bash\necho 1 > /logs/verifier/reward.txt\n",
    );
    dir
}

fn load_err(dir: &Path) -> TaskError {
    match Task::load(dir) {
        Ok(task) => panic!("expected an error, loaded {}", task.name),
        Err(error) => error,
    }
}

#[test]
fn fixture_task_in_harbor_layout_loads_cleanly() {
    let dir = fixtures().join("harbor/fix-median");
    let task = Task::load(&dir).unwrap();
    assert_eq!(task.name, "jig/fix-median");
    assert!(task.unknown_keys.is_empty(), "{:?}", task.unknown_keys);
    assert!(task.warnings().is_empty());
    assert!(
        task.instruction.starts_with("`/app/stats.py` computes"),
        "{:?}",
        task.instruction
    );
    assert!(!task.instruction.contains("canary"));

    let config = &task.config;
    assert_eq!(config.schema_version.as_deref(), Some("1.1"));
    let package = config.task.as_ref().unwrap();
    assert_eq!(package.authors[0].name, "jig maintainers");
    assert_eq!(package.keywords, ["python", "debugging"]);
    assert_eq!(config.metadata["difficulty"].as_str(), Some("easy"));
    assert_eq!(config.verifier.timeout_sec, 120.0);
    assert_eq!(config.agent.timeout_sec, Some(600.0));
    assert_eq!(config.environment.build_timeout_sec, 300.0);
    assert_eq!(config.environment.memory_mb, Some(1024));
    assert_eq!(config.environment.allow_internet, Some(false));

    let jig = &config.jig;
    assert_eq!(jig.graders, ["read_before_edit", "verified_after_last_edit"]);
    assert_eq!(jig.hidden_checks.len(), 1);
    assert!(matches!(&jig.rubric, Some(jig_eval::judge::RubricSpec::Text(text)) if text.contains("even-length")));
    assert_eq!(jig.reference_script.as_deref(), Some(Path::new("jig/reference.toml")));
    let skips_tests = &jig.bad_scripts["skips_tests"];
    assert_eq!(skips_tests.script, Path::new("jig/skips-tests.toml"));
    assert_eq!(skips_tests.breaks, ["read_before_edit", "verified_after_last_edit"]);
    assert_eq!(skips_tests.reward, 1.0);

    assert_eq!(task.test_script, Some(dir.join("tests/test.sh")));
    assert_eq!(task.solve_script, Some(dir.join("solution/solve.sh")));
    assert_eq!(task.dockerfile, Some(dir.join("environment/Dockerfile")));
    assert!(task.steps.is_empty() && task.steps_dir.is_none());
    assert_eq!(
        task.local_environment(),
        Some(&Environment {
            base_image: "python:3.13-slim-bookworm".into(),
            workdir: "/app".into(),
            copies: vec![FileCopy {
                sources: vec!["stats.py".into()],
                dest: "/app/".into(),
                line: 10,
            }],
            env: vec![
                ("PYTHONDONTWRITEBYTECODE".into(), "1".into()),
                ("PYTHONUNBUFFERED".into(), "1".into()),
            ],
        })
    );
}

#[test]
fn fixture_environment_materialises() {
    let task = Task::load(fixtures().join("harbor/fix-median")).unwrap();
    let root = tempfile::tempdir().unwrap();
    let environment = task.local_environment().unwrap();
    jig_eval::dockerfile::materialise(environment, &task.environment_dir, root.path()).unwrap();
    let stats = std::fs::read_to_string(root.path().join("app/stats.py")).unwrap();
    assert!(stats.contains("def median"));
}

#[test]
fn minimal_task_gets_harbor_defaults_and_its_directory_name() {
    let root = tempfile::tempdir().unwrap();
    let task = Task::load(task_dir(root.path(), "hello", MINIMAL_TOML)).unwrap();
    assert_eq!(task.name, "hello");
    assert_eq!(task.config.schema_version.as_deref(), Some("1.0"));
    assert_eq!(task.config.verifier.timeout_sec, 600.0);
    assert_eq!(task.config.environment.build_timeout_sec, 600.0);
    assert_eq!(task.config.agent.timeout_sec, None);
    assert_eq!(task.instruction, "Make the tests pass.\n");
    assert_eq!(task.solve_script, None);
    assert!(task.config.jig.graders.is_empty());
}

#[test]
fn typed_fields_and_unknown_keys() {
    let root = tempfile::tempdir().unwrap();
    let toml = r#"
verison = "1.0"

[verifier]
timeout_sec = 30
user = 1000
network_mode = "no-network"
env = { TOKEN = "x" }

[agent]
user = "agent"
network_mode = "allowlist"
allowed_hosts = ["pypi.org"]

[environment]
cpuz = 4
docker_image = "ghcr.io/example/task:1"

[[environment.mcp_servers]]
name = "docs"
transport = "streamable-http"
url = "http://docs:8000/mcp"

[jig]
graders = ["preamble_before_first_tool"]
rubrik = "typo"
"#;
    let task = Task::load(task_dir(root.path(), "typed", toml)).unwrap();
    let config = &task.config;
    assert_eq!(config.verifier.timeout_sec, 30.0);
    assert_eq!(config.verifier.user, Some(User::Id(1000)));
    assert_eq!(config.verifier.network_mode, Some(NetworkMode::NoNetwork));
    assert_eq!(config.verifier.env["TOKEN"], "x");
    assert_eq!(config.agent.user, Some(User::Name("agent".into())));
    assert_eq!(
        config.agent.allowed_hosts.as_deref(),
        Some(&["pypi.org".to_owned()][..])
    );
    assert_eq!(
        config.environment.mcp_servers[0].url.as_deref(),
        Some("http://docs:8000/mcp")
    );
    assert_eq!(task.unknown_keys, ["environment.cpuz", "jig.rubrik", "verison"]);
    let warnings = task.warnings();
    assert!(
        warnings[0].ends_with("unknown key `environment.cpuz` is ignored; check its spelling"),
        "{warnings:?}"
    );
}

#[test]
fn multi_step_task_reads_each_step() {
    let root = tempfile::tempdir().unwrap();
    let toml = r#"
multi_step_reward_strategy = "final"

[[steps]]
name = "write"
min_reward = 1.0
[steps.agent]
timeout_sec = 60

[[steps]]
name = "refactor"
min_reward = { reward = 0.5 }
"#;
    let dir = task_dir(root.path(), "steps", toml);
    std::fs::remove_file(dir.join("instruction.md")).unwrap();
    write(&dir, "steps/write/instruction.md", "Write it.\n");
    write(&dir, "steps/write/tests/test.sh", "#!/bin/bash\n");
    write(&dir, "steps/write/solution/solve.sh", "#!/bin/bash\n");
    write(&dir, "steps/refactor/instruction.md", "Refactor it.\n");
    let task = Task::load(&dir).unwrap();
    assert_eq!(task.config.multi_step_reward_strategy, Some(RewardStrategy::Final));
    assert_eq!(task.config.steps[0].min_reward, Some(MinReward::Single(1.0)));
    assert!(matches!(&task.config.steps[1].min_reward, Some(MinReward::Named(m)) if m["reward"] == 0.5));
    assert_eq!(task.instruction, "");
    assert_eq!(task.steps_dir, Some(dir.join("steps")));
    let names: Vec<&str> = task.steps.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(names, ["write", "refactor"]);
    assert_eq!(task.steps[0].instruction, "Write it.\n");
    assert_eq!(task.steps[0].test_script, dir.join("steps/write/tests/test.sh"));
    assert_eq!(
        task.steps[0].solve_script,
        Some(dir.join("steps/write/solution/solve.sh"))
    );
    assert_eq!(task.steps[1].test_script, dir.join("tests/test.sh"));
}

#[test]
fn multi_step_errors_name_the_step() {
    let root = tempfile::tempdir().unwrap();
    let dir = task_dir(root.path(), "missing-step", "[[steps]]\nname = \"one\"\n");
    let error = load_err(&dir);
    assert!(matches!(&error, TaskError::MissingStep { step, path } if step == "one" && path.ends_with("steps/one")));

    let dir = task_dir(root.path(), "bad-step", "[[steps]]\nname = \"../escape\"\n");
    assert!(matches!(load_err(&dir), TaskError::BadStepName { name } if name == "../escape"));
}

#[test]
fn malformed_toml_reports_line_and_column() {
    let root = tempfile::tempdir().unwrap();
    let dir = task_dir(root.path(), "syntax", "[verifier]\ntimeout_sec = = 3\n");
    let error = load_err(&dir);
    let TaskError::MalformedConfig { line, column, .. } = &error else {
        panic!("{error:?}");
    };
    assert_eq!((*line, *column), (2, 15));
    let text = error.to_string();
    assert!(
        text.contains("task.toml:2:15: ") && text.ends_with("; fix task.toml"),
        "{text}"
    );

    let dir = task_dir(root.path(), "types", "[agent]\n\ntimeout_sec = \"ten\"\n");
    let error = load_err(&dir);
    assert!(
        matches!(
            error,
            TaskError::MalformedConfig {
                line: 3,
                column: 15,
                ..
            }
        ),
        "{error:?}"
    );
}

#[test]
fn bad_timeouts_are_refused_with_their_key() {
    let root = tempfile::tempdir().unwrap();
    let cases = [
        ("[verifier]\ntimeout_sec = 0\n", "verifier.timeout_sec"),
        ("[agent]\ntimeout_sec = -5.0\n", "agent.timeout_sec"),
        (
            "[environment]\nbuild_timeout_sec = nan\n",
            "environment.build_timeout_sec",
        ),
        (
            "[[steps]]\nname = \"s\"\n[steps.verifier]\ntimeout_sec = inf\n",
            "steps.s.verifier.timeout_sec",
        ),
    ];
    for (index, (toml, expected)) in cases.into_iter().enumerate() {
        let dir = task_dir(root.path(), &format!("timeout-{index}"), toml);
        let error = load_err(&dir);
        assert!(
            matches!(&error, TaskError::BadTimeout { key, .. } if key == expected),
            "{error:?}"
        );
        assert!(
            error.to_string().contains("is not a positive number of seconds"),
            "{error}"
        );
    }
}

#[test]
fn missing_files_are_named() {
    let root = tempfile::tempdir().unwrap();

    let dir = task_dir(root.path(), "no-instruction", MINIMAL_TOML);
    std::fs::remove_file(dir.join("instruction.md")).unwrap();
    assert!(matches!(load_err(&dir), TaskError::MissingInstruction { path } if path == dir.join("instruction.md")));

    let dir = task_dir(root.path(), "no-tests", MINIMAL_TOML);
    std::fs::remove_file(dir.join("tests/test.sh")).unwrap();
    let error = load_err(&dir);
    assert!(matches!(&error, TaskError::MissingTests { path } if *path == dir.join("tests/test.sh")));
    assert!(error.to_string().contains("reward.txt or reward.json"), "{error}");

    let dir = task_dir(root.path(), "no-config", MINIMAL_TOML);
    std::fs::remove_file(dir.join("task.toml")).unwrap();
    assert!(matches!(load_err(&dir), TaskError::MissingConfig { .. }));

    assert!(matches!(load_err(&dir.join("absent")), TaskError::NotADirectory { .. }));

    let dir = task_dir(root.path(), "no-environment", MINIMAL_TOML);
    std::fs::remove_dir_all(dir.join("environment")).unwrap();
    assert!(matches!(load_err(&dir), TaskError::MissingEnvironment { .. }));

    let dir = task_dir(root.path(), "no-dockerfile", MINIMAL_TOML);
    std::fs::remove_file(dir.join("environment/Dockerfile")).unwrap();
    assert!(matches!(load_err(&dir), TaskError::MissingDockerfile { .. }));

    let dir = task_dir(
        root.path(),
        "no-reference",
        "[jig]\nreference_script = \"jig/ref.toml\"\n",
    );
    let error = load_err(&dir);
    assert!(
        matches!(&error, TaskError::MissingJigFile { key, .. } if key == "reference_script"),
        "{error:?}"
    );

    let dir = task_dir(
        root.path(),
        "bad-grader",
        "[jig]\ngraders = [\"reads_before_editing\"]\n",
    );
    let error = load_err(&dir);
    assert!(
        matches!(&error, TaskError::UnknownGrader { name, .. } if name == "reads_before_editing"),
        "{error:?}"
    );
    assert!(error.to_string().contains("read_before_edit"), "{error}");

    let dir = task_dir(
        root.path(),
        "no-bad-script",
        "[jig]\ngraders = [\"verified_after_last_edit\"]\n\n[jig.bad_scripts.lazy]\nscript = \"lazy.toml\"\nbreaks = [\"verified_after_last_edit\"]\n",
    );
    let error = load_err(&dir);
    assert!(
        matches!(&error, TaskError::MissingJigFile { key, .. } if key == "bad_scripts.lazy.script"),
        "{error:?}"
    );
}

#[test]
fn bad_scripts_declare_what_they_break() {
    let root = tempfile::tempdir().unwrap();
    let with_script = |name: &str, bad: &str| {
        let toml = format!(
            "[jig]\ngraders = [\"read_before_edit\", \"verified_after_last_edit\"]\n\n[jig.bad_scripts.lazy]\nscript = \"lazy.toml\"\n{bad}"
        );
        let dir = task_dir(root.path(), name, &toml);
        write(&dir, "lazy.toml", "[[response]]\ntext = \"Done.\"\n");
        dir
    };

    let dir = with_script("unsolved", "reward = 0.0\n");
    let bad = &Task::load(&dir).unwrap().config.jig.bad_scripts["lazy"];
    assert!(bad.breaks.is_empty());
    assert_eq!(bad.reward, 0.0);
    let dir = with_script("defaults", "breaks = [\"read_before_edit\"]\n");
    assert_eq!(Task::load(&dir).unwrap().config.jig.bad_scripts["lazy"].reward, 1.0);

    let problem = |name: &str, bad: &str| match load_err(&with_script(name, bad)) {
        TaskError::BadScript { key, problem, .. } if key == "bad_scripts.lazy" => problem,
        error => panic!("{name}: {error:?}"),
    };
    assert_eq!(
        problem("typo", "breaks = [\"read_before_edit\"]\nrewrd = 0\n"),
        BadScriptProblem::UnknownKey("rewrd".into())
    );
    assert!(matches!(
        problem("not-a-trait", "breaks = [\"skips_tests\"]\n"),
        BadScriptProblem::NotATrait { name, known } if name == "skips_tests" && known.contains("verified_after_last_edit")
    ));
    assert_eq!(
        problem("ungraded", "breaks = [\"used_trained_tools\"]\n"),
        BadScriptProblem::NotGraded("used_trained_tools".into())
    );
    assert!(matches!(
        problem("nan", "breaks = [\"read_before_edit\"]\nreward = nan\n"),
        BadScriptProblem::RewardNotFinite(_)
    ));
    assert_eq!(problem("not-bad", "reward = 1.0\n"), BadScriptProblem::BreaksNothing);
    let text = load_err(&with_script(
        "typo-text",
        "breaks = [\"read_before_edit\"]\nrewrd = 0\n",
    ))
    .to_string();
    assert!(
        text.ends_with(
            "task.toml: jig.bad_scripts.lazy: `rewrd` is not a bad-script setting; use `script`, `breaks` and `reward`"
        ),
        "{text}"
    );

    let dir = task_dir(root.path(), "old-form", "[jig.bad_scripts]\nlazy = \"lazy.toml\"\n");
    assert!(matches!(load_err(&dir), TaskError::MalformedConfig { .. }));
}

#[test]
fn environments_a_local_runner_cannot_build() {
    let root = tempfile::tempdir().unwrap();

    let dir = task_dir(root.path(), "prebuilt", "[environment]\ndocker_image = \"org/img:1\"\n");
    std::fs::remove_file(dir.join("environment/Dockerfile")).unwrap();
    let task = Task::load(&dir).unwrap();
    assert!(task.plan.is_none() && task.dockerfile.is_none());

    let dir = task_dir(root.path(), "runs", MINIMAL_TOML);
    write(
        &dir,
        "environment/Dockerfile",
        "FROM python:3.13\nRUN pip install numpy\n",
    );
    let task = Task::load(&dir).unwrap();
    assert!(
        matches!(&task.plan, Some(Plan::NeedsContainer(needs)) if needs.line == 2),
        "{:?}",
        task.plan
    );
    assert!(task.local_environment().is_none());

    let dir = task_dir(root.path(), "broken-dockerfile", MINIMAL_TOML);
    write(&dir, "environment/Dockerfile", "COPY a b\n");
    let error = load_err(&dir);
    assert!(matches!(error, TaskError::Dockerfile { .. }), "{error:?}");
}

#[test]
fn suite_keeps_a_broken_task_as_its_error() {
    let root = tempfile::tempdir().unwrap();
    task_dir(root.path(), "b-good", MINIMAL_TOML);
    task_dir(root.path(), "a-good", MINIMAL_TOML);
    let broken = task_dir(root.path(), "c-broken", "[verifier\n");
    std::fs::create_dir_all(root.path().join("not-a-task")).unwrap();
    write(root.path(), "README.md", "a suite\n");

    let suite = Suite::load(root.path()).unwrap();
    let dirs: Vec<_> = suite
        .entries
        .iter()
        .map(|e| e.dir.file_name().unwrap().to_owned())
        .collect();
    assert_eq!(dirs, ["a-good", "b-good", "c-broken"]);
    let names: Vec<&str> = suite.tasks().map(|t| t.name.as_str()).collect();
    assert_eq!(names, ["a-good", "b-good"]);
    let failures: Vec<_> = suite.failures().collect();
    assert_eq!(failures.len(), 1);
    assert_eq!(failures[0].0, broken);
    assert!(
        matches!(failures[0].1, TaskError::MalformedConfig { line: 1, .. }),
        "{:?}",
        failures[0].1
    );
}

#[test]
fn suite_of_fixtures_loads_and_a_missing_suite_is_an_error() {
    let suite = Suite::load(fixtures().join("harbor")).unwrap();
    assert_eq!(suite.failures().count(), 0);
    assert!(suite.tasks().any(|t| t.name == "jig/fix-median"));
    assert!(Suite::load(fixtures().join("absent")).is_err());
}

/// The built-in suite `evals/core`: every task loads with no warnings and
/// lays out `/app` without containers, has an oracle, its scripts load and
/// call only tools of the generic dialect (the scripted models' default),
/// and the bad scripts together break every trait they are meant to show.
/// Running the scripts and verifiers is the eval runner's job.
#[test]
fn the_core_suite_loads_cleanly() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../evals/core");
    let suite = Suite::load(&root).unwrap();
    let failures: Vec<_> = suite.failures().collect();
    assert!(failures.is_empty(), "{failures:?}");
    let tools: Vec<String> = jig_dialect::router(jig_config::Dialect::Generic)
        .specs()
        .into_iter()
        .map(|spec| spec.name)
        .collect();
    let mut broken = std::collections::BTreeSet::new();
    let mut unsolved = 0;
    for task in suite.tasks() {
        let dir_name = task.dir.file_name().unwrap().to_string_lossy();
        assert_eq!(task.name, format!("jig/{dir_name}"));
        assert!(task.warnings().is_empty(), "{:?}", task.warnings());
        let environment = task
            .local_environment()
            .unwrap_or_else(|| panic!("{} needs a container", task.name));
        assert_eq!(environment.workdir, "/app", "{}", task.name);
        let image = tempfile::tempdir().unwrap();
        jig_eval::dockerfile::materialise(environment, &task.environment_dir, image.path()).unwrap();
        let app = std::fs::read_dir(image.path().join("app")).unwrap();
        assert!(app.count() > 0, "{}: /app is empty", task.name);
        assert!(task.solve_script.is_some(), "{} has no oracle", task.name);
        let jig = &task.config.jig;
        assert!(!jig.graders.is_empty(), "{} grades nothing", task.name);
        let reference = jig
            .reference_script
            .as_ref()
            .unwrap_or_else(|| panic!("{} has no reference", task.name));
        for script in std::iter::once(reference).chain(jig.bad_scripts.values().map(|bad| &bad.script)) {
            let path = task.dir.join(script);
            let model = ScriptedModel::from_file(&path).unwrap_or_else(|error| panic!("{error}"));
            for call in model.responses().iter().flat_map(|response| &response.tool_calls) {
                assert!(
                    tools.contains(&call.name),
                    "{}: no tool `{}`",
                    path.display(),
                    call.name
                );
            }
        }
        for bad in jig.bad_scripts.values() {
            broken.extend(bad.breaks.iter().cloned());
            unsolved += usize::from(bad.reward == 0.0);
        }
    }
    assert!(suite.tasks().count() >= 24);
    for name in [
        "preamble_before_first_tool",
        "read_before_edit",
        "verified_after_last_edit",
        "used_trained_tools",
        "no_forbidden_commands",
    ] {
        assert!(broken.contains(name), "no bad script breaks {name}");
    }
    assert!(unsolved > 0, "no bad script leaves its task unsolved");
}

#[test]
fn rewards_from_txt_and_json() {
    let logs = tempfile::tempdir().unwrap();
    write(logs.path(), "reward.json", r#"{"reward": 0.5, "accuracy": 1}"#);
    let Reward::Named(named) = read_reward(logs.path()).unwrap() else {
        panic!("expected named rewards");
    };
    assert_eq!(named["reward"], 0.5);
    assert_eq!(named["accuracy"], 1.0);

    write(logs.path(), "reward.txt", " 1\n");
    let reward = read_reward(logs.path()).unwrap();
    assert_eq!(reward, Reward::Single(1.0));
    assert_eq!(reward.primary(), Some(1.0));
}

#[test]
fn reward_errors_are_distinct() {
    let logs = tempfile::tempdir().unwrap();
    let error = read_reward(logs.path()).unwrap_err();
    assert!(matches!(error, RewardError::Missing { .. }));
    assert!(
        error
            .to_string()
            .contains("the verifier (tests/test.sh) must write one"),
        "{error}"
    );

    for garbage in ["", "passed", "1 0"] {
        write(logs.path(), "reward.txt", garbage);
        let error = read_reward(logs.path()).unwrap_err();
        assert!(matches!(error, RewardError::Garbage { .. }), "{garbage:?}: {error:?}");
    }
    for non_finite in ["NaN", "inf", "-infinity"] {
        write(logs.path(), "reward.txt", non_finite);
        let error = read_reward(logs.path()).unwrap_err();
        assert!(
            matches!(error, RewardError::NonFinite { key: None, .. }),
            "{non_finite:?}: {error:?}"
        );
    }
    std::fs::remove_file(logs.path().join("reward.txt")).unwrap();
    for garbage in ["[1]", "{}", r#"{"reward": "1"}"#, "{", "1e999"] {
        write(logs.path(), "reward.json", garbage);
        let error = read_reward(logs.path()).unwrap_err();
        assert!(matches!(error, RewardError::Garbage { .. }), "{garbage:?}: {error:?}");
    }
}
