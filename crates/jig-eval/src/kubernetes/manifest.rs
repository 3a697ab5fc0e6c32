//! The Job manifests of a Kubernetes run, as `k8s-openapi` types, so what
//! is sent (and what `--dry-run` prints) has the API's own shape.
//!
//! Units are first grouped by their task's environment (its image, `cpus`,
//! `memory_mb`): a pod has one image and one set of limits.
//!
//! - **A task without an image of its own** (its Dockerfile within what a
//!   view reproduces) runs in the jig image (`--image`: jig on `PATH`, the
//!   suites at `/jig/suites/`), each sample in a view as on one machine.
//!   Its group is cut into up to `--shards` Jobs; a shard's pod runs `jig
//!   eval run SUITES --filter {TASKS} --shard i/N --archive`, the group's
//!   task names as the filter, so the pod plans exactly the coordinator's
//!   slice.
//! - **A task with an image** (`[environment] docker_image`, or the
//!   `--task-image` template with `{task}` replaced by the task's directory
//!   name) runs in that image, one Job per sample, the pod running `jig eval
//!   run … --shard i/S --in-place --archive` on the task alone: the sample
//!   runs in the container's own filesystem, as Harbor runs a trial, so a
//!   task whose Dockerfile needs a real build (`RUN`, …) runs here from the
//!   image that build made. jig and the suites are copied in by an init
//!   container from the jig image into an `emptyDir` at `/jig`, so jig must
//!   be able to run there (a glibc image as recent as the jig image's).
//! - A task that needs a container and has no image is refused before any
//!   Job is made ([`MissingImages`]).

use std::collections::BTreeMap;

use k8s_openapi::api::batch::v1::{Job, JobSpec};
use k8s_openapi::api::core::v1::{
    Container, EmptyDirVolumeSource, EnvFromSource, EnvVar, PodSpec, PodTemplateSpec, ResourceRequirements,
    SecretEnvSource, Volume, VolumeMount,
};
use k8s_openapi::apimachinery::pkg::api::resource::Quantity;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

use crate::results::{RunId, RunSpec};
use crate::runner::{Planned, Shard};

pub use crate::runner::in_place::SUITES_IN_IMAGE;
/// The label holding the run id on every Job.
pub const RUN_LABEL: &str = "jig.dev/run";
/// The label naming a Job's shard (`GROUP-INDEX`).
pub const SHARD_LABEL: &str = "jig.dev/shard";
/// The container that runs the shard (its log is the archive).
pub const CONTAINER: &str = "shard";
/// `JIG_HOME` inside the pod: the pod's own, thrown away with it.
const POD_HOME: &str = "/tmp/jig-home";

impl std::error::Error for MissingImages {}

/// What a task needs from its pod.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Environment {
    image: Option<String>,
    cpus: Option<u32>,
    memory_mb: Option<u64>,
    /// In place: the one task the group's pods run, a sample each.
    in_place: Option<String>,
}

/// Tasks that need a container but name no image: each with the line of its
/// Dockerfile that needs one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MissingImages(pub Vec<(String, String)>);

impl std::fmt::Display for MissingImages {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let tasks: Vec<String> = self.0.iter().map(|(task, why)| format!("{task} ({why})")).collect();
        write!(
            f,
            "{} a container image and {} none: {}; build each task's environment/ and push it, then set              `[environment] docker_image` in its task.toml or pass --task-image REGISTRY/PREFIX-{{task}}:TAG",
            if self.0.len() == 1 {
                "a task needs"
            } else {
                "tasks need"
            },
            if self.0.len() == 1 { "names" } else { "name" },
            tasks.join("; ")
        )
    }
}

/// One shard's Job and the units it records.
#[derive(Debug, Clone)]
pub struct ShardJob {
    /// The Job's name.
    pub name: String,
    /// The shard label's value (`GROUP-INDEX`).
    pub label: String,
    /// The `(task, sample)` keys its pod records.
    pub units: Vec<(String, u32)>,
    /// The manifest.
    pub job: Job,
}

/// How the Jobs are made.
#[derive(Debug, Clone)]
pub struct JobOptions {
    /// The jig image (jig on `PATH`, the suites under [`SUITES_IN_IMAGE`]).
    pub image: String,
    /// The namespace the Jobs are created in.
    pub namespace: String,
    /// Shards per environment group (at least 1).
    pub shards: u32,
    /// Pod failures each Job retries (`backoffLimit`).
    pub backoff_limit: i32,
    /// The image of a task without `docker_image`: `{task}` is replaced by
    /// the task's directory name.
    pub task_image: Option<String>,
    /// Kubernetes Secrets whose keys become the pods' environment (API keys).
    pub secrets: Vec<String>,
}

/// The image `task` runs in, if it has one; `{task}` in the template is
/// the task's directory name.
fn own_image(task: &crate::task::Task, template: Option<&str>) -> Option<String> {
    if let Some(image) = &task.config.environment.docker_image {
        return Some(image.clone());
    }
    let slug = task.dir.file_name().map(|n| n.to_string_lossy().into_owned())?;
    template.map(|t| t.replace("{task}", &slug))
}

/// The Jobs that run `planned` for `run`.
pub fn jobs(
    run: &RunId,
    spec: &RunSpec,
    planned: &[Planned],
    options: &JobOptions,
) -> Result<Vec<ShardJob>, MissingImages> {
    let mut groups: BTreeMap<Environment, Vec<&Planned>> = BTreeMap::new();
    let mut missing = Vec::new();
    for unit in planned {
        let env = match unit {
            Planned::Sample { task, index } => {
                let image = own_image(task, options.task_image.as_deref());
                if image.is_none() && task.local_environment().is_none() {
                    if *index == 0 {
                        let why = match &task.plan {
                            Some(crate::dockerfile::Plan::NeedsContainer(needs)) => {
                                format!("Dockerfile line {}: `{}`", needs.line, needs.text)
                            }
                            _ => "a compose file".to_owned(),
                        };
                        missing.push((task.name.clone(), why));
                    }
                    continue;
                }
                Environment {
                    in_place: image.is_some().then(|| task.name.clone()),
                    image,
                    cpus: task.config.environment.cpus,
                    memory_mb: task.config.environment.memory_mb,
                }
            }
            Planned::Broken { .. } => Environment {
                image: None,
                cpus: None,
                memory_mb: None,
                in_place: None,
            },
        };
        groups.entry(env).or_default().push(unit);
    }
    if !missing.is_empty() {
        return Err(MissingImages(missing));
    }
    let short = run_suffix(run);
    let mut jobs = Vec::new();
    for (group, (env, units)) in groups.into_iter().enumerate() {
        let mut names: Vec<String> = units.iter().map(|u| u.key().0).collect();
        names.dedup();
        let filter = format!(
            "{{{}}}",
            names.iter().map(|n| globset_escape(n)).collect::<Vec<_>>().join(",")
        );
        let most = u32::try_from(units.len()).unwrap_or(u32::MAX).max(1);
        // In place, a pod is one sample's container.
        let count = if env.in_place.is_some() {
            most
        } else {
            options.shards.clamp(1, most)
        };
        for index in 0..count {
            let shard = Shard { index, count };
            let label = format!("{group}-{index}");
            let name = format!("jig-{short}-{label}");
            let mine: Vec<Planned> = shard.take(units.iter().map(|u| (*u).clone()).collect());
            let mut args = pod_args(spec, &filter, shard);
            if env.in_place.is_some() {
                args.push("--in-place".into());
            }
            jobs.push(ShardJob {
                job: job(&name, run, &label, &env, args, options),
                name,
                label,
                units: mine.iter().map(Planned::key).collect(),
            });
        }
    }
    Ok(jobs)
}

/// The last 12 hex digits of the run id: the random part of a UUIDv7, so
/// two runs started in the same second still get different Job names.
fn run_suffix(run: &RunId) -> String {
    let hex: String = run.as_str().chars().filter(char::is_ascii_hexdigit).collect();
    hex[hex.len().saturating_sub(12)..].to_ascii_lowercase()
}

/// A task name as a literal in a glob (each metacharacter in a class).
fn globset_escape(name: &str) -> String {
    name.chars()
        .map(|c| match c {
            '*' | '?' | '[' | ']' | '{' | '}' | ',' | '\\' | '!' => format!("[{c}]"),
            c => c.to_string(),
        })
        .collect()
}

fn pod_args(spec: &RunSpec, filter: &str, shard: Shard) -> Vec<String> {
    let mut args: Vec<String> = vec!["eval".into(), "run".into()];
    for suite in &spec.suites {
        let base = std::path::Path::new(suite)
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        args.push(format!("{SUITES_IN_IMAGE}/{base}"));
    }
    args.extend(["--agent".into(), spec.agent.clone()]);
    if spec.model != "-" {
        args.extend(["--model".into(), spec.model.clone()]);
    }
    // No --concurrency: the pod's default (its CPUs + 1, within its cgroup's
    // limit) fits the pod, the coordinator's would not.
    args.extend(["--samples".into(), spec.samples_per_task.to_string()]);
    for (flag, value) in [("--judge", &spec.judge), ("--user-model", &spec.user_model)] {
        if let Some(value) = value {
            args.extend([flag.into(), value.clone()]);
        }
    }
    args.extend(["--filter".into(), filter.to_owned()]);
    args.extend(["--shard".into(), shard.to_string(), "--archive".into()]);
    args
}

fn job(name: &str, run: &RunId, label: &str, env: &Environment, args: Vec<String>, options: &JobOptions) -> Job {
    let labels = BTreeMap::from([
        ("app.kubernetes.io/managed-by".to_owned(), "jig".to_owned()),
        (RUN_LABEL.to_owned(), run.as_str().to_owned()),
        (SHARD_LABEL.to_owned(), label.to_owned()),
    ]);
    let mut resources = BTreeMap::new();
    if let Some(cpus) = env.cpus {
        resources.insert("cpu".to_owned(), Quantity(cpus.to_string()));
    }
    if let Some(mb) = env.memory_mb {
        resources.insert("memory".to_owned(), Quantity(format!("{mb}Mi")));
    }
    let resources = (!resources.is_empty()).then(|| ResourceRequirements {
        limits: Some(resources.clone()),
        requests: Some(resources),
        ..Default::default()
    });
    let (image, program, init, volumes, mounts) = match &env.image {
        None => (options.image.clone(), "jig".to_owned(), None, None, None),
        Some(image) => (
            image.clone(),
            "/jig/bin/jig".to_owned(),
            Some(vec![Container {
                name: "jig".into(),
                image: Some(options.image.clone()),
                command: Some(vec!["sh".into(), "-c".into(), INJECT.into()]),
                volume_mounts: Some(vec![mount("/jig-shared")]),
                ..Default::default()
            }]),
            Some(vec![Volume {
                name: "jig".into(),
                empty_dir: Some(EmptyDirVolumeSource::default()),
                ..Default::default()
            }]),
            Some(vec![mount("/jig")]),
        ),
    };
    Job {
        metadata: ObjectMeta {
            name: Some(name.to_owned()),
            namespace: Some(options.namespace.clone()),
            labels: Some(labels.clone()),
            ..Default::default()
        },
        spec: Some(JobSpec {
            backoff_limit: Some(options.backoff_limit),
            completions: Some(1),
            parallelism: Some(1),
            template: PodTemplateSpec {
                metadata: Some(ObjectMeta {
                    labels: Some(labels),
                    ..Default::default()
                }),
                spec: Some(PodSpec {
                    restart_policy: Some("Never".into()),
                    init_containers: init,
                    volumes,
                    containers: vec![Container {
                        name: CONTAINER.into(),
                        image: Some(image),
                        command: Some(vec![program]),
                        args: Some(args),
                        env: Some(vec![EnvVar {
                            name: "JIG_HOME".into(),
                            value: Some(POD_HOME.into()),
                            ..Default::default()
                        }]),
                        env_from: (!options.secrets.is_empty()).then(|| {
                            options
                                .secrets
                                .iter()
                                .map(|name| EnvFromSource {
                                    secret_ref: Some(SecretEnvSource {
                                        name: name.clone(),
                                        optional: Some(false),
                                    }),
                                    ..Default::default()
                                })
                                .collect()
                        }),
                        resources,
                        volume_mounts: mounts,
                        ..Default::default()
                    }],
                    ..Default::default()
                }),
            },
            ..Default::default()
        }),
        status: None,
    }
}

/// The init container's script: jig and the suites from the jig image into
/// the shared `emptyDir`.
const INJECT: &str =
    "mkdir -p /jig-shared/bin && cp \"$(command -v jig)\" /jig-shared/bin/jig && cp -a /jig/suites /jig-shared/suites";

fn mount(path: &str) -> VolumeMount {
    VolumeMount {
        name: "jig".into(),
        mount_path: path.into(),
        ..Default::default()
    }
}
