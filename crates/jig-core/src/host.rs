//! The tool host: how a session asks its front-end something while a tool
//! call waits, and routes the answer back.
//!
//! One mechanism serves every kind of question: the guard's approvals
//! (`approval_requested` / `Op::Approval` / `approval_decided`) and what a
//! tool asks through [`jig_tools::ToolHost`] (`input_requested` /
//! `Op::Answer` / `input_answered`). Each request gets an id, is recorded
//! and synced before the front-end sees it, waits in `pending` until the
//! actor routes an answer to it (or the turn is interrupted), and its answer
//! is recorded after. Ids continue across resume, so none is used twice.
//!
//! A request still open when the process stopped has no answer in the
//! rollout. Resume never guesses one: the call that asked is run again (its
//! `tool_call_begin` is already durable), and so it asks again. That is why
//! a tool asks before it changes anything.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use jig_protocol::{Event, HostAnswer, HostRequest, ReviewDecision};
use jig_tools::ToolError;
use tokio::sync::oneshot;
use tokio_util::sync::CancellationToken;

use crate::error::CoreError;
use crate::recorder::{Recorder, WeakRecorder};

/// An answer the actor routes to a waiting request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Answer {
    /// To an approval request.
    Approval(ReviewDecision),
    /// To a tool's question.
    Input(HostAnswer),
}

/// The session's open requests and how to ask new ones. Cloning shares them.
#[derive(Clone)]
pub(crate) struct Host {
    /// Weak, so a tool holding its host cannot keep the session's events open.
    recorder: WeakRecorder,
    pending: Arc<Mutex<HashMap<String, oneshot::Sender<Answer>>>>,
    seq: Arc<AtomicU64>,
    /// Put in every id of a sub-agent's requests, so ids are unique in a
    /// tree of sessions that share one front-end.
    tag: Option<String>,
    /// Nobody can answer tools' questions (see
    /// [`crate::SessionBuilder::nobody_to_ask`]); approvals still go out.
    pub(crate) nobody_to_ask: bool,
}

impl Host {
    /// A host recording through `recorder`, numbering requests after
    /// `last`, with `tag` in its ids (`approval-TAG-3`) when given.
    pub(crate) fn new(recorder: &Recorder, last: u64, tag: Option<String>) -> Self {
        Host {
            recorder: recorder.downgrade(),
            pending: Arc::default(),
            seq: Arc::new(AtomicU64::new(last)),
            tag,
            nobody_to_ask: false,
        }
    }

    /// Records the request `request(id)` for a new id with `prefix`, makes
    /// it durable and shown, and waits for its answer; `None` when `cancel`
    /// fires first or the session goes away. The caller records the answer.
    pub(crate) async fn ask(
        &self,
        prefix: &str,
        request: impl FnOnce(String) -> Event,
        cancel: &CancellationToken,
    ) -> Result<(String, Option<Answer>), CoreError> {
        let recorder = self.recorder()?;
        let n = self.seq.fetch_add(1, Ordering::Relaxed) + 1;
        let id = match &self.tag {
            Some(tag) => format!("{prefix}-{tag}-{n}"),
            None => format!("{prefix}-{n}"),
        };
        let (tx, rx) = oneshot::channel();
        self.lock().insert(id.clone(), tx);
        let asked = recorder
            .emit(request(id.clone()), Event::clone)
            .and_then(|()| recorder.flush());
        if let Err(err) = asked {
            self.lock().remove(&id);
            return Err(err);
        }
        let answer = tokio::select! {
            answer = rx => answer.ok(),
            () = cancel.cancelled() => None,
        };
        self.lock().remove(&id);
        Ok((id, answer))
    }

    /// Routes a front-end's answer to the request `id`; an answer to no
    /// open request (late, or mistyped) is dropped. Returns whether it was
    /// taken.
    pub(crate) fn answer(&self, id: &str, answer: Answer) -> bool {
        match self.lock().remove(id) {
            Some(waiting) => waiting.send(answer).is_ok(),
            None => false,
        }
    }

    /// The session's recorder; an error once the session is gone.
    pub(crate) fn recorder(&self) -> Result<Recorder, CoreError> {
        self.recorder
            .upgrade()
            .ok_or_else(|| CoreError::Config("the session has ended; nothing can be asked".into()))
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, oneshot::Sender<Answer>>> {
        self.pending.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The host as one tool call sees it.
    pub(crate) fn for_call(&self, call_id: &str, cancel: &CancellationToken) -> Arc<dyn jig_tools::ToolHost> {
        Arc::new(CallHost {
            host: self.clone(),
            call_id: call_id.to_owned(),
            cancel: cancel.clone(),
        })
    }
}

/// [`Host`] bound to one running call, as [`jig_tools::ToolHost`].
struct CallHost {
    host: Host,
    call_id: String,
    cancel: CancellationToken,
}

impl std::fmt::Debug for CallHost {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CallHost").field("call_id", &self.call_id).finish()
    }
}

#[async_trait::async_trait]
impl jig_tools::ToolHost for CallHost {
    async fn ask(&self, request: HostRequest) -> Result<HostAnswer, ToolError> {
        let call_id = self.call_id.clone();
        let asked = self
            .host
            .ask(
                "input",
                |request_id| Event::InputRequested {
                    request_id,
                    call_id,
                    request,
                },
                &self.cancel,
            )
            .await;
        let (request_id, answer) = asked.map_err(|err| ToolError::Fatal(err.to_string()))?;
        let answer = match answer {
            Some(Answer::Input(answer)) => answer,
            // An approval decision sent to a question's id is no answer to it.
            Some(Answer::Approval(_)) => HostAnswer::Declined,
            None if self.cancel.is_cancelled() => {
                self.record(request_id, HostAnswer::Declined)?;
                return Err(ToolError::Interrupted);
            }
            None => HostAnswer::Declined,
        };
        self.record(request_id, answer.clone())?;
        Ok(answer)
    }
}

impl CallHost {
    fn record(&self, request_id: String, answer: HostAnswer) -> Result<(), ToolError> {
        self.host
            .recorder()
            .and_then(|recorder| recorder.emit(Event::InputAnswered { request_id, answer }, Event::clone))
            .map_err(|err| ToolError::Fatal(err.to_string()))
    }
}
