//! The broker's shared state and what it does with a request: answer it from
//! the store, hold it for the next step, run a step (one batch, or the batch
//! accepted before a crash), and fall back to a live request.
//!
//! Invariants: the lock-step lock is taken before the store lock, never the
//! other way; neither is held across an `.await`. A request's rollout counts
//! it answered only once the answer reached the agent's connection.

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Instant;

use serde_json::Value;
use tokio::sync::oneshot;

use super::lockstep::{Held, Lockstep};
use super::report::{self, BatchReport};
use super::store::{Record, Store, Via};
use super::upstream::{Outcome, Poll, Upstream};
use super::{BatchError, BatchOptions, key};

/// What the agent's held connection gets.
#[derive(Debug)]
pub(crate) enum Reply {
    /// The response body, streamed as the live endpoint would.
    Body(Value),
    /// A failure that asking again will not fix: the stream's `error` event.
    Error(String),
    /// A failure a retry may fix: the stream is cut, the agent asks again.
    Cut,
}

/// A request the broker holds.
#[derive(Debug)]
pub(crate) struct Request {
    pub custom_id: String,
    /// The body as it goes upstream: the agent's, without `stream`.
    pub body: Value,
    pub content_hash: String,
    /// The agent's auth and version headers, forwarded upstream.
    pub headers: Vec<(String, String)>,
    pub reply: oneshot::Sender<Reply>,
}

type HeldRequest = Held<Request>;

/// Consecutive failed polls of one batch before its requests go live.
const MAX_POLL_ERRORS: u32 = 10;

/// Why a request was refused before it was held.
#[derive(Debug, thiserror::Error)]
pub(crate) enum Refused {
    /// The path names no rollout of this run.
    #[error("no rollout {0} in this run")]
    UnknownRollout(String),
}

/// Everything the server, the guards and the steps share.
#[derive(Debug)]
pub(crate) struct Shared {
    pub options: BatchOptions,
    /// `http://127.0.0.1:PORT`.
    pub address: String,
    upstream: Upstream,
    lock: Mutex<Lockstep<Request>>,
    store: Mutex<Store>,
    next_step: AtomicU32,
    /// Faults the run went on after (a state record not written, a batch
    /// given up on), for the report.
    problems: Mutex<Vec<String>>,
}

fn locked<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    // A panic elsewhere leaves the data as consistent as each step made it.
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Shared {
    pub(crate) fn new(
        options: BatchOptions,
        address: String,
        http: reqwest::Client,
        store: Store,
        lockstep: Lockstep<Request>,
    ) -> Self {
        let upstream = Upstream::new(options.vendor, &options.upstream, http);
        Shared {
            next_step: AtomicU32::new(store.next_step()),
            options,
            address,
            upstream,
            lock: Mutex::new(lockstep),
            store: Mutex::new(store),
            problems: Mutex::new(Vec::new()),
        }
    }

    pub(crate) fn join(self: &Arc<Self>, token: &str) {
        locked(&self.lock).join(token);
    }

    /// How long `token`'s requests have been held for steps so far.
    pub(crate) fn held(&self, token: &str) -> std::time::Duration {
        locked(&self.lock).held(token)
    }

    pub(crate) fn left(self: &Arc<Self>, token: &str) {
        let step = {
            let mut lock = locked(&self.lock);
            lock.leave(token);
            lock.take_step()
        };
        self.start(step);
    }

    pub(crate) fn finished(self: &Arc<Self>, token: &str) {
        let step = {
            let mut lock = locked(&self.lock);
            lock.finish(token);
            lock.take_step()
        };
        self.start(step);
    }

    fn problem(&self, text: String) {
        locked(&self.problems).push(text);
    }

    fn append(&self, record: Record) {
        if let Err(e) = locked(&self.store).append(record) {
            self.problem(e.to_string());
        }
    }

    /// Takes a request of rollout `token`: answers it from the store, sends
    /// it live when its batch failed it before, or holds it for the next step.
    pub(crate) fn request(
        self: &Arc<Self>,
        token: &str,
        mut body: Value,
        headers: Vec<(String, String)>,
    ) -> Result<oneshot::Receiver<Reply>, Refused> {
        let vendor = self.options.vendor;
        let shape = key::shape_hash(vendor, &body);
        let content_hash = key::content_hash(&body);
        if let Some(object) = body.as_object_mut() {
            object.remove("stream");
        }
        let (tx, rx) = oneshot::channel();
        let mut lock = locked(&self.lock);
        if !lock.knows(token) {
            return Err(Refused::UnknownRollout(token.to_owned()));
        }
        let n = lock.number(token, &shape);
        let custom_id = key::custom_id(token, n, &shape);
        let mut store = locked(&self.store);
        if let Some((answer, stored_hash)) = store.answer(&custom_id) {
            let answer = answer.clone();
            if stored_hash != content_hash {
                let record = Record::ReusedStale {
                    custom_id: custom_id.clone(),
                };
                if let Err(e) = store.append(record) {
                    self.problem(e.to_string());
                }
            }
            if tx.send(Reply::Body(answer)).is_ok() {
                lock.answered(token, n, &shape);
            }
            return Ok(rx);
        }
        let went_live_before = store.failed(&custom_id);
        drop(store);
        let held = Held {
            token: token.to_owned(),
            n,
            shape,
            reply: Request {
                custom_id,
                body,
                content_hash,
                headers,
                reply: tx,
            },
        };
        if went_live_before {
            drop(lock);
            let shared = Arc::clone(self);
            tokio::spawn(async move { shared.live(held).await });
            return Ok(rx);
        }
        lock.hold(held);
        let step = lock.take_step();
        drop(lock);
        self.start(step);
        Ok(rx)
    }

    /// Runs `step`, when there is one, on its own task.
    fn start(self: &Arc<Self>, step: Option<Vec<HeldRequest>>) {
        let Some(held) = step else { return };
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            return;
        };
        let number = self.next_step.fetch_add(1, Ordering::SeqCst);
        let shared = Arc::clone(self);
        runtime.spawn(async move { shared.run_step(number, held).await });
    }

    /// One step: its requests that a batch accepted before a crash wait on
    /// that batch, the rest go in one new batch; failures go live.
    async fn run_step(self: Arc<Self>, number: u32, held: Vec<HeldRequest>) {
        let started = Instant::now();
        let requests = u32::try_from(held.len()).unwrap_or(u32::MAX);
        let Some(headers) = held.first().map(|h| h.reply.headers.clone()) else {
            return;
        };
        let mut groups: BTreeMap<String, Vec<HeldRequest>> = BTreeMap::new();
        let mut fresh = Vec::new();
        {
            let store = locked(&self.store);
            for h in held {
                match store.pending_batch(&h.reply.custom_id) {
                    Some((batch_id, _)) => groups.entry(batch_id).or_default().push(h),
                    None => fresh.push(h),
                }
            }
        }
        let mut live = Vec::new();
        if !fresh.is_empty() {
            let lines: Vec<(String, Value)> = fresh
                .iter()
                .map(|h| (h.reply.custom_id.clone(), h.reply.body.clone()))
                .collect();
            match self.upstream.submit(&headers, &lines).await {
                Ok(batch_id) => {
                    self.append(Record::Submitted {
                        vendor: self.options.vendor,
                        batch_id: batch_id.clone(),
                        step: number,
                        requests: fresh
                            .iter()
                            .map(|h| (h.reply.custom_id.clone(), h.reply.content_hash.clone()))
                            .collect(),
                    });
                    groups.insert(batch_id, fresh);
                }
                Err(e) => {
                    let why = format!("the batch was not accepted: {e}");
                    self.problem(format!("step {number}: {why}"));
                    for h in &fresh {
                        self.append(Record::Failed {
                            custom_id: h.reply.custom_id.clone(),
                            why: why.clone(),
                        });
                    }
                    live.extend(fresh);
                }
            }
        }
        let waits = groups
            .into_iter()
            .map(|(batch_id, held)| self.wait(batch_id, &headers, held));
        for failed in futures::future::join_all(waits).await {
            live.extend(failed);
        }
        let fallbacks = u32::try_from(live.len()).unwrap_or(u32::MAX);
        futures::future::join_all(live.into_iter().map(|h| self.live(h))).await;
        self.append(Record::Step {
            step: number,
            requests,
            fallbacks,
            wait_ms: u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
        });
    }

    /// Polls batch `batch_id` until it ends, records every result, answers
    /// the requests it served; returns those it failed.
    async fn wait(&self, batch_id: String, headers: &[(String, String)], held: Vec<HeldRequest>) -> Vec<HeldRequest> {
        let mut errors = 0;
        let (status, outcomes) = loop {
            match self.upstream.poll(headers, &batch_id).await {
                Ok(Poll::Ended { status, outcomes }) => break (status, outcomes),
                Ok(Poll::Running) => errors = 0,
                Err(e) if e.retryable() && errors + 1 < MAX_POLL_ERRORS => errors += 1,
                Err(e) => {
                    let why = format!("batch {batch_id} could not be followed: {e}");
                    self.problem(why.clone());
                    break (String::from("unknown"), HashMap::new());
                }
            }
            tokio::time::sleep(self.options.poll_interval).await;
        };
        self.record_outcomes(&batch_id, &status, &outcomes, &held);
        let mut failed = Vec::new();
        for h in held {
            match outcomes.get(&h.reply.custom_id) {
                Some(Outcome::Succeeded(body)) => self.deliver(h, Reply::Body(body.clone())),
                _ => failed.push(h),
            }
        }
        failed
    }

    /// Writes a batch's results: every answer (also those no request waits
    /// for now), every failure of a waiting request, then the batch's end.
    fn record_outcomes(&self, batch_id: &str, status: &str, outcomes: &HashMap<String, Outcome>, held: &[HeldRequest]) {
        let hashes: HashMap<String, String> = {
            let store = locked(&self.store);
            outcomes
                .keys()
                .filter_map(|id| Some((id.clone(), store.submitted_hash(batch_id, id)?.to_owned())))
                .collect()
        };
        let mut ids: Vec<&String> = outcomes.keys().collect();
        ids.sort();
        for custom_id in ids {
            let record = match &outcomes[custom_id] {
                Outcome::Succeeded(body) => Record::Answer {
                    custom_id: custom_id.clone(),
                    via: Via::Batch,
                    content_hash: hashes.get(custom_id).cloned().unwrap_or_default(),
                    body: body.clone(),
                },
                Outcome::Failed(why) => Record::Failed {
                    custom_id: custom_id.clone(),
                    why: why.clone(),
                },
            };
            self.append(record);
        }
        for h in held.iter().filter(|h| !outcomes.contains_key(&h.reply.custom_id)) {
            self.append(Record::Failed {
                custom_id: h.reply.custom_id.clone(),
                why: format!("no result in batch {batch_id} ({status})"),
            });
        }
        if status != "unknown" {
            self.append(Record::Ended {
                batch_id: batch_id.to_owned(),
                status: status.to_owned(),
            });
        }
    }

    /// Asks for `held` live, records the answer and delivers it.
    async fn live(&self, held: HeldRequest) {
        match self.upstream.live(&held.reply.headers, &held.reply.body).await {
            Ok(body) => {
                self.append(Record::Answer {
                    custom_id: held.reply.custom_id.clone(),
                    via: Via::Live,
                    content_hash: held.reply.content_hash.clone(),
                    body: body.clone(),
                });
                self.deliver(held, Reply::Body(body));
            }
            Err(e) if e.retryable() => self.deliver(held, Reply::Cut),
            Err(e) => self.deliver(held, Reply::Error(e.to_string())),
        }
    }

    /// Gives `reply` to `held`'s connection and moves its rollout on.
    fn deliver(&self, held: HeldRequest, reply: Reply) {
        let is_body = matches!(reply, Reply::Body(_));
        let sent = held.reply.reply.send(reply).is_ok();
        let mut lock = locked(&self.lock);
        if is_body && sent {
            lock.answered(&held.token, held.n, &held.shape);
        } else {
            lock.unanswered(&held.token);
        }
        // Moving a rollout on never completes a step (it now runs), so
        // there is nothing to start here.
    }

    /// The run's report from the store, written beside it.
    pub(crate) fn write_report(&self) -> Result<BatchReport, BatchError> {
        let store = locked(&self.store);
        let problems = locked(&self.problems).clone();
        let report = report::build(self.options.vendor, self.options.price, store.records(), problems);
        let path = store.path().with_file_name(report::REPORT_FILE);
        let text = serde_json::to_string_pretty(&report).unwrap_or_default();
        std::fs::write(&path, text).map_err(|source| BatchError::State { path, source })?;
        Ok(report)
    }
}
