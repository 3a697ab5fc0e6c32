//! One sample: a fresh copy of the task's files, the agent in its view, the
//! verifier in its own, the hidden checks, and the grades.
//!
//! Layout on the host, under the run's directory:
//! `<task>/<index>/{root/, tests/, logs/agent/, logs/verifier/, agent/,
//! sessions/, empty/, out/}`. `root/` stands for the image's `/` (the Dockerfile's
//! `COPY`/`ADD` files, [`crate::dockerfile::materialise`]); each of its
//! top-level directories (`app`, …) is bound at `/<name>` in the views.
//!
//! What each phase sees, besides the host read-only:
//! - the agent: `root/*` at `/*`, `logs/agent` at `/logs/agent`; for jig,
//!   its sessions directory over `$JIG_HOME/sessions` and its model script
//!   in `/tmp/.jig-agent/`. The suites and the run's own directory are
//!   hidden (an empty directory is bound over them), so no agent reads a
//!   task's tests or solution, or another sample's work. No `/tests`, no
//!   `/logs/verifier`.
//! - the verifier and hidden checks: `root/*`, a fresh copy of the task's
//!   `tests/` at `/tests`, `logs/` at `/logs`; no network.
//!
//! Every view has a private, empty `/tmp` of its own (the view's tmpfs, so
//! paths under the host's `/tmp` that jig needs — its executable, a
//! `$JIG_HOME` there — can be bound into it).
//!
//! With `--in-place` there are no views: the sample runs in `/` itself, the
//! task's image being the environment, and the task's files are kept from
//! the agent by deleting them while it runs (see [`super::in_place`]).
//!
//! Invariant: a sample starts from a directory emptied first, so a sample
//! run again after a crash (`--resume`) starts exactly as the first time.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::time::Duration;

use jig_protocol::TokenUsage;
use jig_sandbox::{Bind, View};
use tokio_util::sync::CancellationToken;

use super::Shared;
use super::agent::{self, Agent};
use super::diff::Snapshot;
use super::fs::{copy_tree, empty_dir};
use super::grading::read_sessions;
use super::in_place::Stash;
use super::judging::{SampleView, judge_sample};
use super::process::{self, Ended, Place, Program};
use super::steps::{Phase, combine, meets, with_hidden};
use crate::dockerfile::{Environment, Plan, materialise};
use crate::interview::{self, CheckKind, SimulatedUser, UserRecord, log::UserLog};
use crate::results::{SampleResult, SampleStatus};
use crate::task::{Reward, Task, read_reward};

/// Seconds an agent may run when its task does not say.
pub const DEFAULT_AGENT_TIMEOUT_SEC: f64 = 1800.0;

/// Runs sample `index` of `task`; `None` when the run was cancelled before
/// it finished (nothing is recorded for it, so `--resume` runs it again).
pub(crate) async fn run(shared: &Shared, task: &Task, index: u32, cancel: &CancellationToken) -> Option<SampleResult> {
    let mut result = SampleResult {
        task: task.name.clone(),
        sample_index: index,
        status: SampleStatus::Failed,
        reward: None,
        traits: Vec::new(),
        usage: TokenUsage::default(),
        cost_usd: None,
        agent_ms: 0,
        verifier_ms: 0,
        rollout_path: None,
        workspace_diff: None,
        judgement: None,
    };
    let env = match &task.plan {
        // The image is the environment: its Dockerfile was built already.
        _ if shared.in_place => None,
        Some(Plan::Local(env)) => Some(env),
        Some(Plan::NeedsContainer(needs)) => {
            result.status = SampleStatus::NeedsContainer {
                line: needs.line,
                text: needs.text.clone(),
            };
            return Some(result);
        }
        None => {
            result.status = SampleStatus::NeedsContainer {
                line: 0,
                text: "the environment is a prebuilt image or a compose file, not a Dockerfile".into(),
            };
            return Some(result);
        }
    };
    match Sample::new(shared, task, env, index).and_then(|sample| Ok((sample.prepare()?, sample))) {
        Ok(((), sample)) => {
            match sample.run(&mut result, cancel).await {
                Ok(()) => {}
                Err(Stop::Cancelled) => return None,
                Err(Stop::Error(reason)) => result.status = SampleStatus::Error { reason },
            }
            if let Some(judge) = shared.judge.as_ref().filter(|_| shared.agent.records_rollout()) {
                let view = SampleView {
                    status: &result.status,
                    reward: result.reward.as_ref(),
                    workspace_diff: result.workspace_diff.as_deref(),
                };
                result.judgement = Some(judge_sample(judge, task, &sample.path("sessions"), view).await);
            }
        }
        Err(Stop::Cancelled) => return None,
        Err(Stop::Error(reason)) => result.status = SampleStatus::Error { reason },
    }
    Some(result)
}

/// Why a sample stopped early.
enum Stop {
    /// The run was cancelled.
    Cancelled,
    /// The sample cannot be scored; the reason is recorded.
    Error(String),
}

impl From<String> for Stop {
    fn from(reason: String) -> Self {
        Stop::Error(reason)
    }
}

/// One sample's directories and settings.
struct Sample<'a> {
    shared: &'a Shared,
    task: &'a Task,
    /// The Dockerfile's files and `ENV`; `None` in place.
    env: Option<&'a Environment>,
    dir: PathBuf,
    workdir: PathBuf,
    /// In place: the task, kept in memory while it is deleted from disk.
    stash: Option<Stash>,
}

impl<'a> Sample<'a> {
    fn new(shared: &'a Shared, task: &'a Task, env: Option<&'a Environment>, index: u32) -> Result<Self, Stop> {
        let slug = task
            .dir
            .file_name()
            .map_or_else(|| task.name.replace('/', "-"), |n| n.to_string_lossy().into_owned());
        let workdir = match (&task.config.environment.workdir, env) {
            (Some(workdir), _) => PathBuf::from(workdir),
            (None, Some(env)) => PathBuf::from(&env.workdir),
            (None, None) => super::in_place::workdir(task),
        };
        let stash = if shared.in_place {
            Some(Stash::take(&task.dir, &shared.suites)?)
        } else {
            None
        };
        Ok(Sample {
            shared,
            task,
            env,
            dir: shared.work_dir.join(slug).join(index.to_string()),
            workdir,
            stash,
        })
    }

    /// The files the workspace diff compares: the view's `/`, or in place
    /// the working directory (the rest of `/` is the image's).
    fn snapshot(&self) -> Snapshot {
        if self.stash.is_some() {
            Snapshot::take_within(Path::new("/"), &self.workdir)
        } else {
            Snapshot::take(&self.path("root"))
        }
    }

    /// `/tests` and `/logs` as the runner sees them.
    fn seen(&self, dir: &str) -> PathBuf {
        if self.stash.is_some() {
            Path::new("/").join(dir)
        } else {
            self.path(dir)
        }
    }

    /// Where a program runs: a view of `binds`, or in place.
    fn place(&self, binds: Vec<Bind>, isolate_network: bool) -> Place {
        if self.stash.is_some() {
            return Place::InPlace(self.workdir.clone());
        }
        Place::View(View {
            binds,
            workdir: self.workdir.clone(),
            isolate_network,
        })
    }

    fn path(&self, rel: &str) -> PathBuf {
        self.dir.join(rel)
    }

    /// A fresh directory with the task's files laid out.
    fn prepare(&self) -> Result<(), Stop> {
        if self.stash.is_some() {
            return self.prepare_in_place();
        }
        if self.dir.exists() {
            std::fs::remove_dir_all(&self.dir)
                .map_err(|e| format!("cannot empty the sample directory {}: {e}", self.dir.display()))?;
        }
        for rel in [
            "root",
            "tests",
            "logs/agent",
            "logs/verifier",
            "agent",
            "sessions",
            "empty",
            "out",
        ] {
            let path = self.path(rel);
            std::fs::create_dir_all(&path).map_err(|e| format!("cannot create {}: {e}", path.display()))?;
        }
        if let Some(env) = self.env {
            materialise(env, &self.task.environment_dir, &self.path("root"))
                .map_err(|e| format!("cannot lay out the task's files: {e}"))?;
        }
        let root = self.path("root");
        std::fs::create_dir_all(root.join(self.workdir.strip_prefix("/").unwrap_or(&self.workdir)))
            .map_err(|e| format!("cannot create the working directory {}: {e}", self.workdir.display()))?;
        for top in self.tops()? {
            if Path::new("/").join(&top).exists() {
                return Err(Stop::Error(format!(
                    "the task puts files in /{top}, which the local runner keeps from the host; \
                     it needs a container runner"
                )));
            }
        }
        Ok(())
    }

    /// In place: the sample's own directory for its records, the working
    /// directory and `/logs` in `/`, and jig's sessions kept in the sample.
    fn prepare_in_place(&self) -> Result<(), Stop> {
        if self.dir.exists() {
            std::fs::remove_dir_all(&self.dir)
                .map_err(|e| format!("cannot empty the sample directory {}: {e}", self.dir.display()))?;
        }
        for path in [
            self.path("agent"),
            self.path("sessions"),
            self.path("out"),
            self.workdir.clone(),
            PathBuf::from("/logs/agent"),
            PathBuf::from("/logs/verifier"),
        ] {
            std::fs::create_dir_all(&path).map_err(|e| format!("cannot create {}: {e}", path.display()))?;
        }
        // One sample per container: jig's sessions directory is this sample's.
        let sessions = self.shared.jig_home.join("sessions");
        if sessions.is_dir() && !sessions.is_symlink() {
            std::fs::remove_dir(&sessions).map_err(|e| format!("cannot replace {}: {e}", sessions.display()))?;
        } else if sessions.is_symlink() {
            std::fs::remove_file(&sessions).map_err(|e| format!("cannot replace {}: {e}", sessions.display()))?;
        }
        std::os::unix::fs::symlink(self.path("sessions"), &sessions)
            .map_err(|e| format!("cannot link {}: {e}", sessions.display()))?;
        Ok(())
    }

    /// The top-level names under `root/` (`app`, …).
    fn tops(&self) -> Result<Vec<String>, Stop> {
        let root = self.path("root");
        let mut tops: Vec<String> = std::fs::read_dir(&root)
            .map_err(|e| format!("cannot list {}: {e}", root.display()))?
            .filter_map(Result::ok)
            .map(|entry| entry.file_name().to_string_lossy().into_owned())
            .collect();
        tops.sort();
        Ok(tops)
    }

    /// The binds both phases share: the task's files.
    fn base_binds(&self) -> Result<Vec<Bind>, Stop> {
        let root = self.path("root");
        Ok(self
            .tops()?
            .into_iter()
            .map(|top| Bind::writable(root.join(&top), Path::new("/").join(&top)))
            .collect())
    }

    /// Binds that hide the suites and the run's directories.
    fn masks(&self) -> Vec<Bind> {
        self.shared
            .hidden
            .iter()
            .map(|path| Bind::read_only(self.path("empty"), path))
            .collect()
    }

    /// The task's `ENV` lines and `[environment].env`, over `base`.
    fn environment(
        &self,
        base: Vec<(OsString, OsString)>,
        extra: &std::collections::BTreeMap<String, String>,
    ) -> Vec<(OsString, OsString)> {
        let mut env = base;
        let mut set = |key: &str, value: &str| {
            env.retain(|(k, _)| k != key);
            env.push((key.into(), value.into()));
        };
        for (key, value) in self.env.iter().flat_map(|env| &env.env) {
            set(key, value);
        }
        for (key, value) in &self.task.config.environment.env {
            set(key, &resolve_host_vars(value));
        }
        for (key, value) in extra {
            set(key, &resolve_host_vars(value));
        }
        env
    }

    /// The task's steps as the runner runs them: one for a single-step task.
    fn phases(&self) -> Vec<Phase<'a>> {
        let task = self.task;
        let agent_timeout = |own: Option<f64>| {
            seconds(
                own.or(task.config.agent.timeout_sec)
                    .unwrap_or(DEFAULT_AGENT_TIMEOUT_SEC),
            )
        };
        let shared_tests = task.dir.join("tests");
        if task.steps.is_empty() {
            return vec![Phase {
                name: None,
                instruction: &task.instruction,
                tests: task
                    .test_script
                    .as_ref()
                    .and_then(|t| t.parent())
                    .map(Path::to_path_buf)
                    .into_iter()
                    .collect(),
                solve: task.solve_script.as_deref(),
                agent_timeout: agent_timeout(None),
                verifier_timeout: seconds(task.config.verifier.timeout_sec),
                verifier_env: &task.config.verifier.env,
                min_reward: None,
            }];
        }
        task.steps
            .iter()
            .zip(&task.config.steps)
            .map(|(step, config)| {
                // Harbor's layering: the task's tests/, then the step's over it.
                let own_tests = task.dir.join("steps").join(&step.name).join("tests");
                Phase {
                    name: Some(&step.name),
                    instruction: &step.instruction,
                    tests: [shared_tests.clone(), own_tests]
                        .into_iter()
                        .filter(|d| d.is_dir())
                        .collect(),
                    solve: step.solve_script.as_deref(),
                    agent_timeout: agent_timeout(config.agent.timeout_sec),
                    verifier_timeout: seconds(config.verifier.timeout_sec),
                    verifier_env: &config.verifier.env,
                    min_reward: config.min_reward.as_ref(),
                }
            })
            .collect()
    }

    async fn run(&self, result: &mut SampleResult, cancel: &CancellationToken) -> Result<(), Stop> {
        let before = self.snapshot();
        let outcome = self.run_phases(result, &before, cancel).await;
        if self.shared.agent.records_rollout() && outcome.is_ok() {
            // Graded with the traits below, so checked first.
            self.interview_checks(cancel).await?;
        }
        if self.shared.agent.records_rollout() {
            let graded = read_sessions(self.task, &self.path("sessions"), &self.shared.trait_options);
            result.traits = graded.traits;
            result.usage = graded.usage;
            result.cost_usd = graded.cost_usd;
            result.rollout_path = graded.rollout_path;
        }
        let rewards = outcome?;
        let reward = combine(&rewards, self.task.config.multi_step_reward_strategy)
            .ok_or_else(|| Stop::Error("no step was verified".into()))?;
        let hidden = self.hidden_checks(cancel).await?;
        let passed = reward.primary().is_some_and(|r| r >= 1.0) && hidden.iter().all(|(_, ok)| *ok);
        result.reward = Some(with_hidden(reward, &hidden));
        result.status = if passed {
            SampleStatus::Passed
        } else {
            SampleStatus::Failed
        };
        Ok(())
    }

    /// Each phase's agent then verifier, in order, until one misses its
    /// `min_reward`; returns the rewards of the phases that were verified.
    /// After each agent the workspace's diff against `before` is taken, so
    /// the last one taken is the final diff of the agent's work.
    async fn run_phases(
        &self,
        result: &mut SampleResult,
        before: &Snapshot,
        cancel: &CancellationToken,
    ) -> Result<Vec<Reward>, Stop> {
        let mut rewards = Vec::new();
        for (i, phase) in self.phases().iter().enumerate() {
            let step = phase.name.map(|n| format!("step {n}: ")).unwrap_or_default();
            let (ended, took) = self.agent(phase, i, cancel).await?;
            result.agent_ms += millis(took);
            if ended.is_some() {
                result.workspace_diff = Some(before.diff(&self.snapshot()));
            }
            match ended {
                Some(Ended::Cancelled) => return Err(Stop::Cancelled),
                Some(Ended::TimedOut) => {
                    return Err(Stop::Error(format!(
                        "{step}the agent ran past its {} s limit",
                        phase.agent_timeout.as_secs()
                    )));
                }
                Some(Ended::Exited(jig_sandbox::EXIT_SETUP_FAILED)) => {
                    let why = process::tail(&self.path(&format!("out/agent-{i}.stderr")), 600);
                    return Err(Stop::Error(format!(
                        "{step}the agent's view could not be set up: {why}"
                    )));
                }
                Some(Ended::Exited(_)) | None => {}
            }
            let (reward, took) = self.verify(phase, i, cancel).await.map_err(|stop| match stop {
                Stop::Error(reason) => Stop::Error(format!("{step}{reason}")),
                Stop::Cancelled => Stop::Cancelled,
            })?;
            result.verifier_ms += millis(took);
            let gate_missed = phase.min_reward.is_some_and(|gate| !meets(&reward, gate));
            rewards.push(reward);
            if gate_missed {
                break;
            }
        }
        Ok(rewards)
    }

    /// Runs the agent on `phase` (the `i`-th); `None` for the agent that does nothing.
    async fn agent(
        &self,
        phase: &Phase<'_>,
        i: usize,
        cancel: &CancellationToken,
    ) -> Result<(Option<Ended>, Duration), Stop> {
        let mut binds = if self.stash.is_some() {
            // What an earlier step's verifier left is not the agent's to see.
            for dir in ["/tests", "/logs/verifier", "/solution"] {
                empty_dir(Path::new(dir)).map_err(|e| format!("cannot empty {dir}: {e}"))?;
            }
            Vec::new()
        } else {
            self.base_binds()?
        };
        binds.push(Bind::writable(self.path("logs/agent"), "/logs/agent"));
        let mut isolate_network = true;
        // With `--batch`: the rollout is in the lock-step until agent() returns.
        let mut _in_batch = None;
        let (argv, env, stdin): (Vec<OsString>, _, _) = match &self.shared.agent {
            Agent::Nop => return Ok((None, Duration::ZERO)),
            Agent::Oracle => {
                let Some(solve) = phase.solve else {
                    return Err(Stop::Error("the task has no solution/solve.sh for the oracle".into()));
                };
                let solution = solve.parent().unwrap_or(Path::new("/"));
                if self.stash.is_some() {
                    let target = Path::new("/solution");
                    std::fs::create_dir_all(target)
                        .and_then(|()| copy_tree(solution, target))
                        .map_err(|e| format!("cannot copy the solution to /solution: {e}"))?;
                }
                binds.push(Bind::read_only(solution, "/solution"));
                let env = self.environment(plain_env(), &self.task.config.solution.env);
                (vec!["bash".into(), "/solution/solve.sh".into()], env, None)
            }
            Agent::Cmd(command) => {
                isolate_network = false;
                binds.extend(self.masks());
                let env = self.environment(std::env::vars_os().collect(), &Default::default());
                (
                    vec!["sh".into(), "-c".into(), command.into()],
                    env,
                    Some(phase.instruction.to_owned()),
                )
            }
            Agent::Jig { model } => {
                let spec = agent::model_spec(model, self.task)?;
                isolate_network = agent::offline(&spec);
                let spec = match spec.strip_prefix("scripted:") {
                    // The script is copied in: the task directory is hidden.
                    Some(script) => {
                        std::fs::copy(script, self.path("agent/script.toml"))
                            .map_err(|e| format!("cannot copy the model script {script}: {e}"))?;
                        if self.stash.is_some() {
                            format!("scripted:{}", self.path("agent/script.toml").display())
                        } else {
                            binds.push(Bind::read_only(self.path("agent"), "/tmp/.jig-agent"));
                            "scripted:/tmp/.jig-agent/script.toml".to_owned()
                        }
                    }
                    None => spec,
                };
                let home = &self.shared.jig_home;
                if home.starts_with("/tmp") {
                    binds.push(Bind::read_only(home, home));
                }
                binds.push(Bind::writable(self.path("sessions"), home.join("sessions")));
                binds.extend(self.masks());
                if self.shared.jig_exe.starts_with("/tmp") {
                    binds.push(Bind::read_only(&self.shared.jig_exe, &self.shared.jig_exe));
                }
                let mut env = self.environment(std::env::vars_os().collect(), &Default::default());
                env.retain(|(k, _)| k != "JIG_HOME");
                env.push(("JIG_HOME".into(), home.into()));
                if let Some(broker) = &self.shared.broker {
                    let rollout = broker.join(&self.task.name, &self.dir);
                    let (var, url) = rollout.env();
                    env.retain(|(k, _)| *k != var);
                    env.push((var, url));
                    _in_batch = Some(rollout);
                }
                let mut argv: Vec<OsString> = vec![
                    self.shared.jig_exe.clone().into(),
                    "exec".into(),
                    "--json".into(),
                    "--ask-for-approval".into(),
                    "never".into(),
                    "--model".into(),
                    spec.into(),
                    "-C".into(),
                    self.workdir.clone().into(),
                ];
                if self.task.config.jig.user.is_some() {
                    // The simulated user sends the instruction as the first op.
                    argv.extend(["--input-format".into(), "jsonl".into()]);
                } else {
                    argv.push("-".into());
                }
                (argv, env, Some(phase.instruction.to_owned()))
            }
        };
        let program = Program {
            place: self.place(binds, isolate_network),
            argv,
            env,
            stdin,
            stdout: self.path(&format!("out/agent-{i}.stdout")),
            stderr: self.path(&format!("out/agent-{i}.stderr")),
            timeout: phase.agent_timeout,
        };
        // Time held for a batch step is not the agent's running time.
        let held = || {
            _in_batch
                .as_ref()
                .map_or(Duration::ZERO, |guard: &crate::batch::AgentGuard| guard.held())
        };
        let paused: process::Paused<'_> = &held;
        // In place, the task is off the disk while the agent runs.
        let hidden = self.stash.as_ref().map(Stash::hide).transpose()?;
        let (ended, took) = match (&self.shared.agent, &self.task.config.jig.user) {
            (Agent::Jig { .. }, Some(user)) => self.interview(user, &program, cancel, paused).await?,
            _ => process::run(&self.shared.jig_exe, &program, cancel, paused).await?,
        };
        if let Some(hidden) = hidden {
            hidden.restore()?;
        }
        Ok((Some(ended), took))
    }

    /// Runs the jig agent of `program` talking to the task's simulated
    /// user, who starts by sending the instruction (`program.stdin`).
    async fn interview(
        &self,
        user: &crate::interview::UserConfig,
        program: &Program,
        cancel: &CancellationToken,
        paused: process::Paused<'_>,
    ) -> Result<(Ended, Duration), Stop> {
        let mut user = SimulatedUser::new(user.clone(), self.shared.user_driver.clone());
        let log_path = self.path(interview::log::FILE);
        let mut log = UserLog::create(&log_path).map_err(|e| format!("cannot create {}: {e}", log_path.display()))?;
        let instruction = program.stdin.clone().unwrap_or_default();
        let sessions = self.path("sessions");
        let talk = |input, output, mut tee: std::fs::File| async move {
            let events = tokio::io::BufReader::new(output);
            interview::driver::converse(&mut user, &mut log, &instruction, events, input, &mut tee, &sessions).await;
        };
        Ok(process::run_talking(&self.shared.jig_exe, program, cancel, paused, talk).await?)
    }

    /// Runs each change's and constraint's check of the task's simulated
    /// user on the final workspace and appends them to the user's log.
    async fn interview_checks(&self, cancel: &CancellationToken) -> Result<(), Stop> {
        let Some(user) = &self.task.config.jig.user else {
            return Ok(());
        };
        let checks = user
            .constraints
            .iter()
            .map(|c| (CheckKind::Constraint, &c.name, &c.check))
            .chain(user.changes.iter().map(|c| (CheckKind::Change, &c.name, &c.check)));
        let log_path = self.path(interview::log::FILE);
        let mut log = UserLog::append(&log_path).map_err(|e| format!("cannot open {}: {e}", log_path.display()))?;
        for (i, (kind, name, check)) in checks.enumerate() {
            let program = Program {
                place: self.verifier_place()?,
                argv: vec!["sh".into(), "-c".into(), check.into()],
                env: self.environment(plain_env(), &self.task.config.verifier.env),
                stdin: None,
                stdout: self.path(&format!("out/user-check-{i}.stdout")),
                stderr: self.path(&format!("out/user-check-{i}.stderr")),
                timeout: seconds(self.task.config.verifier.timeout_sec),
            };
            let (ended, _) = process::run(&self.shared.jig_exe, &program, cancel, process::NEVER_PAUSED).await?;
            let detail = match &ended {
                Ended::Cancelled => return Err(Stop::Cancelled),
                Ended::Exited(0) => format!("`{check}` exited 0"),
                Ended::Exited(code) => {
                    let said = process::tail(&self.path(&format!("out/user-check-{i}.stderr")), 300);
                    let said = if said.is_empty() {
                        process::tail(&self.path(&format!("out/user-check-{i}.stdout")), 300)
                    } else {
                        said
                    };
                    format!("`{check}` exited {code}: {said}")
                }
                Ended::TimedOut => format!("`{check}` ran past the verifier's time limit"),
            };
            log.write(&UserRecord::Check {
                kind,
                name: name.clone(),
                passed: ended == Ended::Exited(0),
                detail,
            })
            .map_err(|e| format!("cannot write {}: {e}", log_path.display()))?;
        }
        Ok(())
    }

    /// Where the verifier and the hidden checks run.
    fn verifier_place(&self) -> Result<Place, Stop> {
        if self.stash.is_some() {
            return Ok(self.place(Vec::new(), true));
        }
        let mut binds = self.base_binds()?;
        binds.push(Bind::writable(self.path("tests"), "/tests"));
        binds.push(Bind::writable(self.path("logs"), "/logs"));
        binds.extend(self.masks());
        Ok(self.place(binds, true))
    }

    /// Runs `phase`'s `tests/test.sh` (the `i`-th phase); returns its
    /// reward and wall time. `/tests` and `/logs/verifier` start empty.
    async fn verify(
        &self,
        phase: &Phase<'_>,
        i: usize,
        cancel: &CancellationToken,
    ) -> Result<(Reward, Duration), Stop> {
        if phase.tests.is_empty() {
            return Err(Stop::Error("the task has no tests/test.sh".into()));
        }
        for dir in ["tests", "logs/verifier"] {
            let path = self.seen(dir);
            empty_dir(&path)
                .and_then(|()| std::fs::create_dir_all(&path))
                .map_err(|e| format!("cannot empty {}: {e}", path.display()))?;
        }
        for tests in &phase.tests {
            copy_tree(tests, &self.seen("tests")).map_err(|e| format!("cannot copy the task's tests: {e}"))?;
        }
        let timeout = phase.verifier_timeout;
        let program = Program {
            place: self.verifier_place()?,
            argv: vec!["bash".into(), "/tests/test.sh".into()],
            env: self.environment(plain_env(), phase.verifier_env),
            stdin: None,
            stdout: self.path(&format!("out/verifier-{i}.stdout")),
            stderr: self.path(&format!("out/verifier-{i}.stderr")),
            timeout,
        };
        let (ended, took) = process::run(&self.shared.jig_exe, &program, cancel, process::NEVER_PAUSED).await?;
        match ended {
            Ended::Cancelled => return Err(Stop::Cancelled),
            Ended::TimedOut => {
                return Err(Stop::Error(format!(
                    "the verifier ran past its {} s limit",
                    timeout.as_secs()
                )));
            }
            Ended::Exited(jig_sandbox::EXIT_SETUP_FAILED) => {
                let why = process::tail(&self.path(&format!("out/verifier-{i}.stderr")), 600);
                return Err(Stop::Error(format!("the verifier's view could not be set up: {why}")));
            }
            Ended::Exited(_) => {}
        }
        let reward = read_reward(&self.seen("logs/verifier")).map_err(|e| e.to_string())?;
        Ok((reward, took))
    }

    /// Runs each `[jig] hidden_checks` command; returns each with whether it exited 0.
    async fn hidden_checks(&self, cancel: &CancellationToken) -> Result<Vec<(String, bool)>, Stop> {
        let checks = self.task.config.jig.hidden_checks.clone();
        let mut outcomes = Vec::new();
        for (i, check) in checks.into_iter().enumerate() {
            let program = Program {
                place: self.verifier_place()?,
                argv: vec!["sh".into(), "-c".into(), check.clone().into()],
                env: self.environment(plain_env(), &self.task.config.verifier.env),
                stdin: None,
                stdout: self.path(&format!("out/hidden-{i}.stdout")),
                stderr: self.path(&format!("out/hidden-{i}.stderr")),
                timeout: seconds(self.task.config.verifier.timeout_sec),
            };
            let (ended, _) = process::run(&self.shared.jig_exe, &program, cancel, process::NEVER_PAUSED).await?;
            match ended {
                Ended::Cancelled => return Err(Stop::Cancelled),
                ended => outcomes.push((check, ended == Ended::Exited(0))),
            }
        }
        Ok(outcomes)
    }
}

/// What the oracle, the verifier and the hidden checks get of the host's
/// environment: where the tools are (`PATH`, the home directory, which is
/// read-only in the view, and Rust's toolchain settings) and the locale;
/// none of the user's credentials.
const PLAIN_ENV: &[&str] = &[
    "PATH",
    "HOME",
    "LANG",
    "LC_ALL",
    "TZ",
    "RUSTUP_HOME",
    "RUSTUP_TOOLCHAIN",
    "CARGO_HOME",
];

fn plain_env() -> Vec<(OsString, OsString)> {
    PLAIN_ENV
        .iter()
        .filter_map(|key| std::env::var_os(key).map(|value| ((*key).into(), value)))
        .collect()
}

/// `${VAR}` and `${VAR:-default}` read from the host, as Harbor resolves
/// `[environment].env`; anything else is kept as written.
fn resolve_host_vars(value: &str) -> String {
    let Some(inner) = value.strip_prefix("${").and_then(|v| v.strip_suffix('}')) else {
        return value.to_owned();
    };
    let (name, default) = match inner.split_once(":-") {
        Some((name, default)) => (name, Some(default)),
        None => (inner, None),
    };
    std::env::var(name)
        .ok()
        .or(default.map(str::to_owned))
        .unwrap_or_default()
}

fn seconds(value: f64) -> Duration {
    Duration::try_from_secs_f64(value).unwrap_or(Duration::from_secs(u64::from(u32::MAX)))
}

fn millis(duration: Duration) -> u64 {
    u64::try_from(duration.as_millis()).unwrap_or(u64::MAX)
}
