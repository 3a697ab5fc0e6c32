//! A fake Kubernetes API server on 127.0.0.1 speaking the real REST wire
//! format (JSON objects, `Status` errors, plain-text pod logs) for the
//! calls the Kubernetes runner makes: create a Job (`409 AlreadyExists`
//! when it exists), read it, list a run's Jobs by label, watch them from a
//! list's `resourceVersion` (a chunked stream of `ADDED`/`MODIFIED`/`DELETED`
//! JSON lines, ended at its `timeoutSeconds`), delete one, list its pods by
//! `job-name` label, read a pod's log. Only the far end of the socket is
//! fake.
//!
//! A created Job "runs" like a cluster would run it: pods one after
//! another, each executing the Job's container command for real (the `jig`
//! under test, with `/jig/suites/` mapped to a host directory, as an image
//! would hold it, and a fresh `JIG_HOME` as a pod's own filesystem), its
//! stdout and stderr as the pod's log, a failed pod retried up to the Job's
//! `backoffLimit`. A pod in a task's own image (`/jig/bin/jig`, put there by
//! the init container) runs in a container made of a jig filesystem view:
//! the image's directories (a host directory per image, copied fresh for
//! each pod) at `/`, jig at `/jig/bin/jig`, a copy of the suites at
//! `/jig/suites`, a writable `/tests`, `/logs` and `/solution` where a
//! container's writable root would let the runner make them, a private
//! `/tmp`, and the image's `WORKDIR` (`/app`) as the working directory.
//! Faults: the first pod of a shard fails (a lost node), a shard's pods
//! fail until it is fixed (a broken node pool), or a shard's pods wait
//! until released.

use std::collections::{BTreeMap, BTreeSet};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Condvar, Mutex};

use serde_json::{Value, json};
use tempfile::TempDir;

#[derive(Default)]
pub struct State {
    pub jobs: BTreeMap<String, JobRec>,
    /// Every create request, in order: (Job name, answered 409).
    pub creates: Vec<(String, bool)>,
    /// Shard labels whose first pod fails.
    pub fail_first: BTreeSet<String>,
    /// Shard labels whose pods wait for `release`.
    pub held: BTreeSet<String>,
    /// Shard labels whose pods fail until `fix`.
    pub broken: BTreeSet<String>,
    /// Jobs deleted, in order.
    pub deletes: Vec<String>,
    /// Task images: name → a directory holding the image's top-level directories.
    pub images: BTreeMap<String, PathBuf>,
    /// The resource version: bumped by every change to a Job.
    pub version: u64,
    /// Deleted Jobs, at the version that deleted them (for watches).
    pub deleted: Vec<(u64, Value)>,
    /// Watch requests served.
    pub watches: usize,
    /// List requests for Jobs served.
    pub lists: usize,
}

impl State {
    /// Marks Job `name` changed (a watch sends it).
    fn touch(&mut self, name: &str) {
        self.version += 1;
        let version = self.version;
        if let Some(job) = self.jobs.get_mut(name) {
            job.version = version;
        }
    }
}

pub struct JobRec {
    pub manifest: Value,
    /// The version of its last change.
    pub version: u64,
    pub pods: Vec<PodRec>,
    pub succeeded: u32,
    pub failed: u32,
    pub condition: Option<(&'static str, String)>,
}

pub struct PodRec {
    pub name: String,
    pub phase: &'static str,
    pub log: String,
}

pub struct FakeKube {
    pub state: Arc<(Mutex<State>, Condvar)>,
    pub kubeconfig: PathBuf,
    _dir: TempDir,
}

impl FakeKube {
    /// Serves on 127.0.0.1; pods run `jig` and see `suites` at `/jig/suites`.
    pub fn start(jig: PathBuf, suites: PathBuf, fail_first: &[&str], held: &[&str]) -> FakeKube {
        let dir = tempfile::tempdir().unwrap();
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let kubeconfig = dir.path().join("kubeconfig");
        std::fs::write(
            &kubeconfig,
            format!(
                "apiVersion: v1\nkind: Config\nclusters:\n- name: fake\n  cluster:\n    server: http://127.0.0.1:{port}\n\
                 users:\n- name: fake\n  user:\n    token: fake-token\ncontexts:\n- name: fake\n  context:\n    cluster: fake\n    user: fake\n    namespace: evals\n\
                 current-context: fake\n"
            ),
        )
        .unwrap();
        let state = Arc::new((
            Mutex::new(State {
                fail_first: fail_first.iter().map(|s| s.to_string()).collect(),
                held: held.iter().map(|s| s.to_string()).collect(),
                ..State::default()
            }),
            Condvar::new(),
        ));
        let pods_root = dir.path().join("pods");
        std::fs::create_dir_all(&pods_root).unwrap();
        let shared = Arc::clone(&state);
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(stream) = stream else { continue };
                let (state, jig, suites, pods_root) =
                    (Arc::clone(&shared), jig.clone(), suites.clone(), pods_root.clone());
                std::thread::spawn(move || serve(stream, &state, &jig, &suites, &pods_root));
            }
        });
        FakeKube {
            state,
            kubeconfig,
            _dir: dir,
        }
    }

    /// Serves like [`FakeKube::start`], with task images and shards whose pods fail until fixed.
    pub fn with_images(jig: PathBuf, suites: PathBuf, images: BTreeMap<String, PathBuf>, broken: &[&str]) -> FakeKube {
        let kube = FakeKube::start(jig, suites, &[], &[]);
        {
            let mut st = kube.state.0.lock().unwrap();
            st.images = images;
            st.broken = broken.iter().map(|s| s.to_string()).collect();
        }
        kube
    }

    pub fn fix(&self, label: &str) {
        self.state.0.lock().unwrap().broken.remove(label);
    }

    pub fn release(&self, label: &str) {
        let (lock, wake) = &*self.state;
        lock.lock().unwrap().held.remove(label);
        wake.notify_all();
    }

    pub fn with<T>(&self, f: impl FnOnce(&State) -> T) -> T {
        f(&self.state.0.lock().unwrap())
    }
}

type Shared = Arc<(Mutex<State>, Condvar)>;

fn serve(stream: TcpStream, state: &Shared, jig: &Path, suites: &Path, pods_root: &Path) {
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut out = stream;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap_or(0) == 0 {
            return;
        }
        let mut parts = line.split_whitespace();
        let (method, target) = (
            parts.next().unwrap_or("").to_owned(),
            parts.next().unwrap_or("").to_owned(),
        );
        let mut length = 0;
        loop {
            let mut header = String::new();
            reader.read_line(&mut header).unwrap();
            let header = header.trim_end();
            if header.is_empty() {
                break;
            }
            if let Some((name, value)) = header.split_once(':')
                && name.eq_ignore_ascii_case("content-length")
            {
                length = value.trim().parse().unwrap();
            }
        }
        let mut body = vec![0; length];
        reader.read_exact(&mut body).unwrap();
        if method == "GET" && target.contains("/jobs?") && target.contains("watch=true") {
            let query = target.split_once('?').map_or("", |(_, q)| q).to_owned();
            watch(&mut out, &query, state);
            continue;
        }
        let (code, content_type, text) = route(&method, &target, &body, state, jig, suites, pods_root);
        let reason = match code {
            200 => "OK",
            201 => "Created",
            404 => "Not Found",
            _ => "Conflict",
        };
        let head = format!(
            "HTTP/1.1 {code} {reason}\r\ncontent-type: {content_type}\r\ncontent-length: {}\r\n\r\n",
            text.len()
        );
        if out
            .write_all(head.as_bytes())
            .and_then(|()| out.write_all(text.as_bytes()))
            .is_err()
        {
            return;
        }
    }
}

fn status(code: u16, reason: &str, message: String) -> (u16, &'static str, String) {
    let body = json!({"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
        "message": message, "reason": reason, "code": code});
    (code, "application/json", body.to_string())
}

fn route(
    method: &str,
    target: &str,
    body: &[u8],
    state: &Shared,
    jig: &Path,
    suites: &Path,
    pods_root: &Path,
) -> (u16, &'static str, String) {
    let (path, query) = target.split_once('?').unwrap_or((target, ""));
    let segments: Vec<&str> = path.trim_matches('/').split('/').collect();
    let (lock, _) = &**state;
    match (method, segments.as_slice()) {
        ("POST", ["apis", "batch", "v1", "namespaces", ns, "jobs"]) => {
            let mut job: Value = serde_json::from_slice(body).unwrap();
            let name = job["metadata"]["name"].as_str().unwrap().to_owned();
            let mut st = lock.lock().unwrap();
            if st.jobs.contains_key(&name) {
                st.creates.push((name.clone(), true));
                return status(409, "AlreadyExists", format!("jobs.batch \"{name}\" already exists"));
            }
            st.creates.push((name.clone(), false));
            job["metadata"]["namespace"] = json!(ns);
            job["metadata"]["uid"] = json!(format!("uid-{name}"));
            job["metadata"]["creationTimestamp"] = json!("2026-12-03T00:00:00Z");
            st.jobs.insert(
                name.clone(),
                JobRec {
                    manifest: job.clone(),
                    version: 0,
                    pods: Vec::new(),
                    succeeded: 0,
                    failed: 0,
                    condition: None,
                },
            );
            st.touch(&name);
            state.1.notify_all();
            drop(st);
            let (state, jig, suites, pods_root) = (
                Arc::clone(state),
                jig.to_owned(),
                suites.to_owned(),
                pods_root.to_owned(),
            );
            std::thread::spawn(move || run_job(&state, &name, &jig, &suites, &pods_root));
            (201, "application/json", job.to_string())
        }
        ("GET", ["apis", "batch", "v1", "namespaces", _, "jobs"]) => {
            let selector = label_selector(query);
            let mut st = lock.lock().unwrap();
            st.lists += 1;
            let items: Vec<Value> = st
                .jobs
                .values()
                .filter(|job| selects(&selector, &job.manifest))
                .map(job_json)
                .collect();
            let list = json!({"apiVersion": "batch/v1", "kind": "JobList",
                "metadata": {"resourceVersion": st.version.to_string()}, "items": items});
            (200, "application/json", list.to_string())
        }
        ("DELETE", ["apis", "batch", "v1", "namespaces", _, "jobs", name]) => {
            let mut st = lock.lock().unwrap();
            match st.jobs.remove(*name) {
                Some(job) => {
                    st.deletes.push(name.to_string());
                    st.version += 1;
                    let gone = (st.version, job_json(&job));
                    st.deleted.push(gone);
                    state.1.notify_all();
                    (200, "application/json", job_json(&job).to_string())
                }
                None => status(404, "NotFound", format!("jobs.batch \"{name}\" not found")),
            }
        }
        ("GET", ["apis", "batch", "v1", "namespaces", _, "jobs", name]) => {
            let st = lock.lock().unwrap();
            match st.jobs.get(*name) {
                Some(job) => (200, "application/json", job_json(job).to_string()),
                None => status(404, "NotFound", format!("jobs.batch \"{name}\" not found")),
            }
        }
        ("GET", ["api", "v1", "namespaces", ns, "pods"]) => {
            let selector = label_selector(query);
            let job_name = selector.strip_prefix("job-name=").unwrap_or("");
            let st = lock.lock().unwrap();
            let items: Vec<Value> = st
                .jobs
                .get(job_name)
                .map(|job| {
                    job.pods
                        .iter()
                        .enumerate()
                        .map(|(i, pod)| pod_json(ns, job_name, &job.manifest, pod, i))
                        .collect()
                })
                .unwrap_or_default();
            let list =
                json!({"apiVersion": "v1", "kind": "PodList", "metadata": {"resourceVersion": "1"}, "items": items});
            (200, "application/json", list.to_string())
        }
        ("GET", ["api", "v1", "namespaces", _, "pods", pod, "log"]) => {
            let st = lock.lock().unwrap();
            let found = st.jobs.values().flat_map(|j| &j.pods).find(|p| p.name == *pod);
            match found {
                Some(p) => (200, "text/plain", p.log.clone()),
                None => status(404, "NotFound", format!("pods \"{pod}\" not found")),
            }
        }
        _ => status(404, "NotFound", format!("the fake does not serve {method} {path}")),
    }
}

/// The `labelSelector` of a query, percent-decoded.
fn label_selector(query: &str) -> String {
    let raw = query
        .split('&')
        .find_map(|p| p.strip_prefix("labelSelector="))
        .unwrap_or("");
    raw.replace("%3D", "=").replace("%2F", "/").replace("%2C", ",")
}

/// Whether `object`'s labels hold every `key=value` of `selector`.
fn selects(selector: &str, object: &Value) -> bool {
    selector.split(',').filter(|s| !s.is_empty()).all(|term| {
        let (key, value) = term.split_once('=').unwrap();
        object["metadata"]["labels"][key] == value
    })
}

fn job_json(job: &JobRec) -> Value {
    let mut value = job.manifest.clone();
    value["metadata"]["resourceVersion"] = json!(job.version.to_string());
    let running = job.condition.is_none() && job.pods.last().is_some_and(|p| p.phase == "Running");
    let mut status = json!({"active": u32::from(running), "succeeded": job.succeeded, "failed": job.failed});
    if let Some((kind, reason)) = &job.condition {
        status["conditions"] = json!([{"type": kind, "status": "True", "reason": reason, "message": reason}]);
    }
    value["status"] = status;
    value
}

fn pod_json(ns: &str, job: &str, manifest: &Value, pod: &PodRec, index: usize) -> Value {
    json!({
        "apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": pod.name, "namespace": ns,
            "creationTimestamp": format!("2026-12-03T00:00:{index:02}Z"),
            "labels": {"job-name": job, "batch.kubernetes.io/job-name": job}},
        "spec": manifest["spec"]["template"]["spec"],
        "status": {"phase": pod.phase}
    })
}

fn run_job(state: &Shared, name: &str, jig: &Path, suites: &Path, pods_root: &Path) {
    let (lock, wake) = &**state;
    let (label, backoff, container, images) = {
        let st = lock.lock().unwrap();
        let job = &st.jobs[name].manifest;
        (
            job["metadata"]["labels"]["jig.dev/shard"].as_str().unwrap().to_owned(),
            job["spec"]["backoffLimit"].as_u64().unwrap(),
            job["spec"]["template"]["spec"]["containers"][0].clone(),
            st.images.clone(),
        )
    };
    for attempt in 0..=backoff {
        let pod = format!("{name}-p{attempt}");
        {
            let mut st = lock.lock().unwrap();
            while st.held.contains(&label) {
                st = wake.wait(st).unwrap();
            }
            let Some(job) = st.jobs.get_mut(name) else { return };
            job.pods.push(PodRec {
                name: pod.clone(),
                phase: "Running",
                log: String::new(),
            });
            st.touch(name);
            wake.notify_all();
        }
        let (lost, broken) = {
            let st = lock.lock().unwrap();
            (
                attempt == 0 && st.fail_first.contains(&label),
                st.broken.contains(&label),
            )
        };
        let (ok, log) = if lost {
            (false, "simulated: the node running this pod was lost\n".to_owned())
        } else if broken {
            (false, "simulated: the node pool cannot pull the image\n".to_owned())
        } else {
            exec(&container, jig, suites, &images, &pods_root.join(&pod))
        };
        let mut st = lock.lock().unwrap();
        // Deleted while its pod ran: its pods go with it.
        let Some(job) = st.jobs.get_mut(name) else { return };
        let rec = job.pods.last_mut().unwrap();
        rec.log = log;
        rec.phase = if ok { "Succeeded" } else { "Failed" };
        if ok {
            job.succeeded = 1;
            job.condition = Some(("Complete", "Completed".into()));
        } else {
            job.failed += 1;
        }
        st.touch(name);
        wake.notify_all();
        if ok {
            return;
        }
    }
    let mut st = lock.lock().unwrap();
    let Some(job) = st.jobs.get_mut(name) else { return };
    job.condition = Some((
        "Failed",
        "BackoffLimitExceeded: Job has reached the specified backoff limit".into(),
    ));
    st.touch(name);
    wake.notify_all();
}

/// A watch of Jobs: every change after `since` matching the selector, as
/// one JSON line per event in a chunked response, until `timeoutSeconds`.
fn watch(out: &mut TcpStream, query: &str, state: &Shared) {
    let param = |key: &str| query.split('&').find_map(|p| p.strip_prefix(key)).unwrap_or("");
    let mut seen: u64 = param("resourceVersion=").parse().unwrap_or(0);
    let timeout: u64 = param("timeoutSeconds=").parse().unwrap_or(290);
    let selector = label_selector(query);
    let head = "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\n\r\n";
    if out.write_all(head.as_bytes()).is_err() {
        return;
    }
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(timeout);
    let (lock, wake) = &**state;
    lock.lock().unwrap().watches += 1;
    loop {
        let st = lock.lock().unwrap();
        let mut events: Vec<(u64, &str, Value)> = st
            .jobs
            .values()
            .filter(|j| j.version > seen)
            .map(|j| (j.version, "MODIFIED", job_json(j)))
            .chain(
                st.deleted
                    .iter()
                    .filter(|(v, _)| *v > seen)
                    .map(|(v, j)| (*v, "DELETED", j.clone())),
            )
            .filter(|(_, _, job)| selects(&selector, job))
            .collect();
        events.sort_by_key(|(v, _, _)| *v);
        seen = st.version;
        drop(st);
        for (_, kind, object) in events {
            let line = format!("{}\n", json!({"type": kind, "object": object}));
            let chunk = format!("{:x}\r\n{line}\r\n", line.len());
            if out.write_all(chunk.as_bytes()).is_err() {
                return;
            }
        }
        let now = std::time::Instant::now();
        if now >= deadline {
            let _ = out.write_all(b"0\r\n\r\n");
            return;
        }
        let st = lock.lock().unwrap();
        if st.version == seen {
            drop(wake.wait_timeout(st, deadline - now).unwrap());
        }
    }
}

/// Runs the container's command as the image would: `jig` is the binary
/// under test, `/jig/suites/` is `suites`, `JIG_HOME` the pod's own. A
/// container of a task image runs in a view ([`in_container`]).
fn exec(
    container: &Value,
    jig: &Path,
    suites: &Path,
    images: &BTreeMap<String, PathBuf>,
    pod_dir: &Path,
) -> (bool, String) {
    let program = container["command"][0].as_str().unwrap();
    assert!(program == "jig" || program == "/jig/bin/jig", "{program}");
    if let Some(image) = images.get(container["image"].as_str().unwrap()) {
        return in_container(container, jig, suites, image, pod_dir);
    }
    let args: Vec<String> = container["args"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            let a = a.as_str().unwrap();
            match a.strip_prefix("/jig/suites/") {
                Some(rest) => suites.join(rest).display().to_string(),
                None => a.to_owned(),
            }
        })
        .collect();
    let home = pod_dir.join("jig-home");
    std::fs::create_dir_all(&home).unwrap();
    let out = std::process::Command::new(jig)
        .args(&args)
        .env("JIG_HOME", &home)
        .current_dir(pod_dir)
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    let log = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stderr),
        String::from_utf8_lossy(&out.stdout)
    );
    (out.status.success(), log)
}

/// Runs a task image's container: a view with the image's directories, jig
/// and the suites as the init container leaves them, and the container's
/// own writable places.
fn in_container(container: &Value, jig: &Path, suites: &Path, image: &Path, pod_dir: &Path) -> (bool, String) {
    use jig_sandbox::{Bind, View};
    let rootfs = pod_dir.join("rootfs");
    let mut binds = Vec::new();
    for entry in std::fs::read_dir(image).unwrap() {
        let entry = entry.unwrap();
        let copy = rootfs.join(entry.file_name());
        copy_dir(&entry.path(), &copy);
        binds.push(Bind::writable(&copy, Path::new("/").join(entry.file_name())));
    }
    for top in ["tests", "logs", "solution"] {
        let dir = rootfs.join(top);
        std::fs::create_dir_all(&dir).unwrap();
        binds.push(Bind::writable(dir, format!("/{top}")));
    }
    let suites_copy = pod_dir.join("jig-shared/suites");
    copy_dir(suites, &suites_copy);
    binds.push(Bind::writable(&suites_copy, "/jig/suites"));
    binds.push(Bind::read_only(jig, "/jig/bin/jig"));
    let view = View {
        binds,
        workdir: PathBuf::from("/app"),
        isolate_network: false,
    };
    let mut argv: Vec<std::ffi::OsString> = vec!["/jig/bin/jig".into()];
    argv.extend(
        container["args"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a.as_str().unwrap().into()),
    );
    let wrapped = jig_sandbox::wrap_in_view(jig, &view, &argv).unwrap();
    let mut command = std::process::Command::new(&wrapped[0]);
    command
        .args(&wrapped[1..])
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap());
    for var in container["env"].as_array().into_iter().flatten() {
        command.env(var["name"].as_str().unwrap(), var["value"].as_str().unwrap());
    }
    let out = command.stdin(std::process::Stdio::null()).output().unwrap();
    let log = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stderr),
        String::from_utf8_lossy(&out.stdout)
    );
    (out.status.success(), log)
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        let kind = entry.file_type().unwrap();
        if kind.is_dir() {
            copy_dir(&entry.path(), &target);
        } else if kind.is_symlink() {
            std::os::unix::fs::symlink(std::fs::read_link(entry.path()).unwrap(), &target).unwrap();
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}
