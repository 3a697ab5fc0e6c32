//! The Kubernetes side of the runner: the kube-rs client, creating or
//! adopting the Jobs, polling them, reading the archive from the succeeded
//! pod's log and merging it (see the parent module for the invariants).

use k8s_openapi::api::batch::v1::Job;
use k8s_openapi::api::core::v1::Pod;
use kube::api::{ListParams, LogParams, PostParams};
use kube::{Api, Client};

use super::manifest::{self, JobOptions, ShardJob};
use super::{KubeError, KubeOptions, KubeProgress};
use crate::results::{Results, RunId, RunSpec};
use crate::runner::Planned;
use crate::shard_archive::{ArchiveError, ShardArchive};

fn job_options(options: &KubeOptions, namespace: String) -> JobOptions {
    JobOptions {
        image: options.image.clone(),
        namespace,
        shards: options.shards,
        backoff_limit: options.backoff_limit,
    }
}

/// The Jobs `--dry-run` prints, as one `v1` `List`.
pub(super) fn dry_run(run: &RunId, spec: &RunSpec, planned: &[Planned], options: &KubeOptions) -> serde_json::Value {
    let namespace = options.namespace.clone().unwrap_or_else(|| "default".into());
    let options = job_options(options, namespace);
    let items: Vec<serde_json::Value> = manifest::jobs(run, spec, planned, &options)
        .into_iter()
        .filter_map(|j| serde_json::to_value(j.job).ok())
        .collect();
    serde_json::json!({ "apiVersion": "v1", "kind": "List", "items": items })
}

/// The Kubernetes client from the current kubeconfig or the in-cluster
/// config, and its default namespace.
async fn client() -> Result<Client, KubeError> {
    let config = kube::Config::infer()
        .await
        .map_err(|e| KubeError::Config(e.to_string()))?;
    Client::try_from(config).map_err(|e| KubeError::Config(e.to_string()))
}

/// Runs the units of `planned` not yet recorded for `run` as Jobs, merging
/// each shard's results as its Job succeeds.
pub(super) async fn run(
    results: &mut Results,
    run: &RunId,
    spec: &RunSpec,
    planned: Vec<Planned>,
    options: &KubeOptions,
    mut progress: impl FnMut(KubeProgress),
) -> Result<(), KubeError> {
    let client = client().await?;
    let namespace = options
        .namespace
        .clone()
        .unwrap_or_else(|| client.default_namespace().to_owned());
    let job_options = job_options(options, namespace.clone());
    let finished = results.finished_samples(run)?;
    let total = planned.len();
    let pending: Vec<ShardJob> = manifest::jobs(run, spec, &planned, &job_options)
        .into_iter()
        .filter(|j| j.units.iter().any(|u| !finished.contains(u)))
        .collect();
    progress(KubeProgress::Planned {
        jobs: pending.len(),
        done: planned.iter().filter(|p| finished.contains(&p.key())).count(),
        total,
    });
    let jobs: Api<Job> = Api::namespaced(client.clone(), &namespace);
    let pods: Api<Pod> = Api::namespaced(client, &namespace);
    for shard in &pending {
        let adopted = create_or_adopt(&jobs, shard, run).await?;
        progress(KubeProgress::Job {
            name: shard.name.clone(),
            adopted,
        });
    }
    let mut waiting: Vec<&ShardJob> = pending.iter().collect();
    let mut failed = Vec::new();
    while !waiting.is_empty() {
        let mut still = Vec::new();
        for shard in waiting {
            let job = jobs
                .get(&shard.name)
                .await
                .map_err(api(format!("read the Job {}", shard.name)))?;
            match state(&job) {
                State::Running => still.push(shard),
                State::Succeeded => {
                    let samples = fetch_and_merge(&pods, results, run, shard, options).await?;
                    progress(KubeProgress::Merged {
                        name: shard.name.clone(),
                        samples,
                    });
                }
                State::Failed(reason) => {
                    let tail = last_pod_log(&pods, &shard.name).await.unwrap_or_default();
                    failed.push(format!("{} ({reason}){tail}", shard.name));
                }
            }
        }
        waiting = still;
        if !waiting.is_empty() {
            tokio::time::sleep(options.poll).await;
        }
    }
    if failed.is_empty() {
        Ok(())
    } else {
        Err(KubeError::JobsFailed(failed))
    }
}

fn api(what: String) -> impl FnOnce(kube::Error) -> KubeError {
    move |source| KubeError::Api {
        what,
        source: Box::new(source),
    }
}

/// Creates the shard's Job; on a 409 adopts the existing one if it is this
/// run's. Returns whether it was adopted.
async fn create_or_adopt(jobs: &Api<Job>, shard: &ShardJob, run: &RunId) -> Result<bool, KubeError> {
    match jobs.create(&PostParams::default(), &shard.job).await {
        Ok(_) => Ok(false),
        Err(kube::Error::Api(status)) if status.code == 409 => {
            let existing = jobs
                .get(&shard.name)
                .await
                .map_err(api(format!("read the existing Job {}", shard.name)))?;
            let owner = existing
                .metadata
                .labels
                .as_ref()
                .and_then(|l| l.get(manifest::RUN_LABEL))
                .cloned()
                .unwrap_or_default();
            if owner != run.as_str() {
                return Err(KubeError::Foreign {
                    name: shard.name.clone(),
                    owner,
                    run: run.to_string(),
                });
            }
            Ok(true)
        }
        Err(source) => Err(api(format!("create the Job {}", shard.name))(source)),
    }
}

enum State {
    Running,
    Succeeded,
    Failed(String),
}

fn state(job: &Job) -> State {
    let Some(status) = &job.status else {
        return State::Running;
    };
    for condition in status.conditions.iter().flatten() {
        if condition.status == "True" {
            match condition.type_.as_str() {
                "Complete" | "SuccessCriteriaMet" => return State::Succeeded,
                "Failed" => {
                    return State::Failed(
                        condition
                            .message
                            .clone()
                            .or_else(|| condition.reason.clone())
                            .unwrap_or_else(|| "failed".into()),
                    );
                }
                _ => {}
            }
        }
    }
    if status.succeeded.unwrap_or(0) > 0 {
        State::Succeeded
    } else {
        State::Running
    }
}

/// The Job's pods, newest last.
async fn job_pods(pods: &Api<Pod>, job: &str) -> Result<Vec<Pod>, KubeError> {
    let list = pods
        .list(&ListParams::default().labels(&format!("job-name={job}")))
        .await
        .map_err(api(format!("list the pods of Job {job}")))?;
    let mut items = list.items;
    items.sort_by(|a, b| a.metadata.creation_timestamp.cmp(&b.metadata.creation_timestamp));
    Ok(items)
}

fn log_params() -> LogParams {
    LogParams {
        container: Some(manifest::CONTAINER.into()),
        ..Default::default()
    }
}

async fn fetch_and_merge(
    pods: &Api<Pod>,
    results: &mut Results,
    run: &RunId,
    shard: &ShardJob,
    options: &KubeOptions,
) -> Result<usize, KubeError> {
    let succeeded = job_pods(pods, &shard.name)
        .await?
        .into_iter()
        .rev()
        .find(|p| p.status.as_ref().and_then(|s| s.phase.as_deref()) == Some("Succeeded"));
    let Some(name) = succeeded.and_then(|p| p.metadata.name) else {
        return Err(KubeError::Archive {
            name: shard.name.clone(),
            source: ArchiveError::Missing("the Job succeeded but none of its pods is listed as Succeeded".into()),
        });
    };
    let log = pods
        .logs(&name, &log_params())
        .await
        .map_err(api(format!("read the log of pod {name}")))?;
    let archive = ShardArchive::find_in_log(&log).map_err(|source| KubeError::Archive {
        name: shard.name.clone(),
        source,
    })?;
    archive
        .merge_into(results, run, &options.work_dir)
        .map_err(|source| KubeError::Archive {
            name: shard.name.clone(),
            source,
        })
}

/// The last lines of the Job's newest pod's log, for an error message.
async fn last_pod_log(pods: &Api<Pod>, job: &str) -> Option<String> {
    let pod = job_pods(pods, job).await.ok()?.pop()?;
    let name = pod.metadata.name?;
    let log = pods.logs(&name, &log_params()).await.ok()?;
    let lines: Vec<&str> = log.lines().collect();
    let tail = lines[lines.len().saturating_sub(5)..].join("\n    ");
    Some(format!("; its last pod {name} logged:\n    {tail}"))
}
