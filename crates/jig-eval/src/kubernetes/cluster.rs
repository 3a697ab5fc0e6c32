//! The Kubernetes side of the runner: the kube-rs client, creating,
//! adopting or replacing the Jobs, following them (one list of the run's
//! Jobs by label, then a watch from that list's version; list again when a
//! watch ends), reading the archive from the succeeded pod's log and merging
//! it (see the parent module for the invariants).
//!
//! Why a plain list-and-watch rather than kube-runtime's `watcher`: it is
//! the one loop above (a dozen lines), and kube-runtime would add its own
//! compile cost and a reflector this code does not need.

use futures::StreamExt;
use k8s_openapi::api::batch::v1::Job;
use k8s_openapi::api::core::v1::Pod;
use kube::api::{DeleteParams, ListParams, LogParams, PostParams, WatchEvent, WatchParams};
use kube::{Api, Client};

use super::manifest::{self, JobOptions, ShardJob};
use super::{Created, KubeError, KubeOptions, KubeProgress};
use crate::results::{Results, RunId, RunSpec};
use crate::runner::Planned;
use crate::shard_archive::{ArchiveError, ShardArchive};

fn job_options(options: &KubeOptions, namespace: String) -> JobOptions {
    JobOptions {
        image: options.image.clone(),
        namespace,
        shards: options.shards,
        backoff_limit: options.backoff_limit,
        task_image: options.task_image.clone(),
        secrets: options.secrets.clone(),
    }
}

/// The Jobs `--dry-run` prints, as one `v1` `List`.
pub(super) fn dry_run(
    run: &RunId,
    spec: &RunSpec,
    planned: &[Planned],
    options: &KubeOptions,
) -> Result<serde_json::Value, KubeError> {
    let namespace = options.namespace.clone().unwrap_or_else(|| "default".into());
    let options = job_options(options, namespace);
    let items: Vec<serde_json::Value> = manifest::jobs(run, spec, planned, &options)?
        .into_iter()
        .filter_map(|j| serde_json::to_value(j.job).ok())
        .collect();
    Ok(serde_json::json!({ "apiVersion": "v1", "kind": "List", "items": items }))
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
    let pending: Vec<ShardJob> = manifest::jobs(run, spec, &planned, &job_options)?
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
        let created = create_or_adopt(&jobs, shard, run).await?;
        progress(KubeProgress::Job {
            name: shard.name.clone(),
            created,
        });
    }
    let waiting: Vec<&ShardJob> = pending.iter().collect();
    let mut watch = Watch {
        pods: &pods,
        results,
        run,
        options,
        waiting,
        failed: Vec::new(),
    };
    let selector = format!("{}={}", manifest::RUN_LABEL, run.as_str());
    let list = ListParams::default().labels(&selector);
    let params = WatchParams::default().labels(&selector).timeout(WATCH_SECONDS);
    // List, then watch from the list's version until the watch ends; then
    // list again, which also catches anything a broken watch missed.
    while !watch.waiting.is_empty() {
        let listed = jobs
            .list(&list)
            .await
            .map_err(api(format!("list the Jobs of run {run}")))?;
        for shard in watch.waiting.clone() {
            match listed
                .items
                .iter()
                .find(|j| j.metadata.name.as_deref() == Some(&shard.name))
            {
                Some(job) => watch.settle(job, &mut progress).await?,
                None => watch.gone(&shard.name),
            }
        }
        if watch.waiting.is_empty() {
            break;
        }
        let version = listed.metadata.resource_version.unwrap_or_default();
        let broke = match jobs.watch(&params, &version).await {
            Ok(events) => {
                let mut events = std::pin::pin!(events);
                let mut broke = false;
                while !watch.waiting.is_empty() {
                    match events.next().await {
                        None => break,
                        Some(Ok(WatchEvent::Added(job) | WatchEvent::Modified(job))) => {
                            watch.settle(&job, &mut progress).await?;
                        }
                        Some(Ok(WatchEvent::Deleted(job))) => watch.gone(job.metadata.name.as_deref().unwrap_or("")),
                        Some(Ok(WatchEvent::Bookmark(_))) => {}
                        // 410 Gone (the version is too old) or a broken stream: list again.
                        Some(Ok(WatchEvent::Error(_)) | Err(_)) => {
                            broke = true;
                            break;
                        }
                    }
                }
                broke
            }
            Err(_) => true,
        };
        if broke {
            // Not a tight loop against an API that keeps failing.
            tokio::time::sleep(options.poll).await;
        }
    }
    if watch.failed.is_empty() {
        Ok(())
    } else {
        Err(KubeError::JobsFailed(watch.failed))
    }
}

/// How long one watch request stays open (the API server's own default is
/// about as long); when it ends, jig lists and watches again.
const WATCH_SECONDS: u32 = 290;

/// The Jobs a run still waits for, and what to do when one finishes.
struct Watch<'a> {
    pods: &'a Api<Pod>,
    results: &'a mut Results,
    run: &'a RunId,
    options: &'a KubeOptions,
    waiting: Vec<&'a ShardJob>,
    failed: Vec<String>,
}

impl Watch<'_> {
    /// Acts on `job`'s state if the run waits for it: merges a succeeded
    /// one, records a failed one.
    async fn settle(&mut self, job: &Job, progress: &mut impl FnMut(KubeProgress)) -> Result<(), KubeError> {
        let Some(at) = self
            .waiting
            .iter()
            .position(|s| job.metadata.name.as_deref() == Some(&s.name))
        else {
            return Ok(());
        };
        let shard = self.waiting[at];
        match state(job) {
            State::Running => return Ok(()),
            State::Succeeded => {
                let samples = fetch_and_merge(self.pods, self.results, self.run, shard, self.options).await?;
                progress(KubeProgress::Merged {
                    name: shard.name.clone(),
                    samples,
                });
            }
            State::Failed(reason) => {
                let tail = last_pod_log(self.pods, &shard.name).await.unwrap_or_default();
                self.failed.push(format!("{} ({reason}){tail}", shard.name));
            }
        }
        self.waiting.remove(at);
        Ok(())
    }

    /// The Job `name` was deleted while the run waited for it.
    fn gone(&mut self, name: &str) {
        if let Some(at) = self.waiting.iter().position(|s| s.name == name) {
            self.failed
                .push(format!("{name} (it was deleted while the run waited for it)"));
            self.waiting.remove(at);
        }
    }
}

fn api(what: String) -> impl FnOnce(kube::Error) -> KubeError {
    move |source| KubeError::Api {
        what,
        source: Box::new(source),
    }
}

/// Creates the shard's Job; on a 409 adopts the existing one if it is this
/// run's, or replaces it when it failed for good (a resumed run tries its
/// failed shards again). Says which it did.
async fn create_or_adopt(jobs: &Api<Job>, shard: &ShardJob, run: &RunId) -> Result<Created, KubeError> {
    match jobs.create(&PostParams::default(), &shard.job).await {
        Ok(_) => Ok(Created::New),
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
            let State::Failed(reason) = state(&existing) else {
                return Ok(Created::Adopted);
            };
            // Background: the Job goes at once, its pods after it.
            jobs.delete(&shard.name, &DeleteParams::background())
                .await
                .map_err(api(format!("delete the failed Job {}", shard.name)))?;
            jobs.create(&PostParams::default(), &shard.job)
                .await
                .map_err(api(format!("create the Job {} again", shard.name)))?;
            Ok(Created::Replaced(reason))
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
