//! The [`Recorder`]: a session's rollout, its group commit, and the events
//! it sends, behind one cloneable handle.
//!
//! Everything a session records goes through here: each record is redacted,
//! then appended; events wait in `unsent` until [`Recorder::flush`] makes
//! them durable with one sync and only then sends them, so a front-end never
//! shows what the rollout may not hold. The handle is cloneable so that the
//! parts that record besides the turn loop — the tool host asking a front-end
//! while a tool runs — use the same writer and the same order.
//!
//! Every event leaves as an [`Envelope`] naming the session, so one
//! front-end can follow many sessions through one channel.
//!
//! Invariant: records reach the file in the order the calls were made, and
//! an event is sent only after its record is written, and after a sync that
//! covers it unless [`Recorder::release`] sends it before a batch of calls
//! that changes nothing (streaming deltas, which are not recorded, are sent
//! at once). The lock is held for one call at a time, never across an await.

use std::sync::{Arc, Mutex, MutexGuard, Weak};

use jig_protocol::{Envelope, Event, RolloutRecord};
use tokio::sync::mpsc;

use crate::error::CoreError;
use crate::redact::Redactor;
use crate::rollout::RolloutWriter;

/// Where a session's events go: its own handle's channel, or a channel a
/// front-end shares between sessions.
pub type EventSink = mpsc::UnboundedSender<Envelope>;

/// A session's rollout writer, redactor and outgoing events.
#[derive(Clone)]
pub(crate) struct Recorder {
    inner: Arc<Mutex<Inner>>,
}

struct Inner {
    session_id: String,
    writer: RolloutWriter,
    redactor: Redactor,
    /// Recorded events waiting for the next sync before they are sent.
    unsent: Vec<Event>,
    /// Sees every event (redacted) as it is emitted, for OpenTelemetry.
    /// Declared before `sink` so that its spans end before the session's
    /// event channel closes.
    observer: Option<Arc<jig_telemetry::SessionTelemetry>>,
    sink: EventSink,
}

impl Recorder {
    pub(crate) fn new(session_id: String, writer: RolloutWriter, redactor: Redactor, sink: EventSink) -> Self {
        Recorder {
            inner: Arc::new(Mutex::new(Inner {
                session_id,
                writer,
                redactor,
                unsent: Vec::new(),
                observer: None,
                sink,
            })),
        }
    }

    /// A handle that does not keep the session's event channel open: a
    /// session's events end when the session does, whoever kept a weak one.
    pub(crate) fn downgrade(&self) -> WeakRecorder {
        WeakRecorder(Arc::downgrade(&self.inner))
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Redacts a record and appends it; returns what was written.
    pub(crate) fn record(&self, record: RolloutRecord) -> Result<RolloutRecord, CoreError> {
        let mut inner = self.lock();
        let record = inner.redactor.value(&record).into_owned();
        inner.writer.append(&record)?;
        Ok(record)
    }

    /// Records an event (streaming deltas excepted); it reaches the
    /// front-end at the next [`Recorder::flush`], once it is durable. Both
    /// see it redacted; the rollout's copy may be shortened (`for_rollout`).
    pub(crate) fn emit(&self, event: Event, for_rollout: impl FnOnce(&Event) -> Event) -> Result<(), CoreError> {
        match event {
            Event::AgentMessageDelta { delta } => {
                // Deltas are not recorded; what came before them goes first.
                self.flush()?;
                let inner = self.lock();
                let delta = inner.redactor.text(&delta).into_owned();
                inner.send(Event::AgentMessageDelta { delta });
            }
            Event::AgentReasoning { text } => {
                // Nor is reasoning: its item is recorded with the response.
                self.flush()?;
                let inner = self.lock();
                let text = inner.redactor.text(&text).into_owned();
                inner.send(Event::AgentReasoning { text });
            }
            event => {
                let mut inner = self.lock();
                let event = inner.redactor.value(&event).into_owned();
                inner.writer.append(&RolloutRecord::Event {
                    event: for_rollout(&event),
                })?;
                inner.observe(&event);
                inner.unsent.push(event);
            }
        }
        Ok(())
    }

    /// Makes everything recorded so far durable with one sync, then sends
    /// the events waiting for it. Called before anything acts on the records:
    /// a model request, a tool run, a question to the front-end, the end of
    /// a turn.
    pub(crate) fn flush(&self) -> Result<(), CoreError> {
        let mut inner = self.lock();
        inner.writer.sync()?;
        inner.send_unsent();
        Ok(())
    }

    /// Sends the events waiting for a sync without making them durable:
    /// only before tool calls that change nothing. Their records are written,
    /// so a crash of jig loses none of them (the kernel holds them); only a
    /// crash of the machine can, and then resume runs the lost read-only
    /// calls again, which changes nothing either. The sync before the next
    /// model request covers them.
    pub(crate) fn release(&self) {
        self.lock().send_unsent();
    }

    /// Sends an event that is not (or could not be) recorded: a fault the
    /// rollout cannot hold, the end of a turn that could not be recorded.
    pub(crate) fn send_unrecorded(&self, event: &Event) {
        let inner = self.lock();
        let event = inner.redactor.value(event).into_owned();
        inner.observe(&event);
        inner.send(event);
    }

    /// Sends an event whose substance was just recorded another way (a
    /// user message is recorded as its item): not written again, but sent
    /// in order with the recorded events, at the same sync.
    pub(crate) fn emit_unrecorded(&self, event: &Event) {
        let mut inner = self.lock();
        let event = inner.redactor.value(event).into_owned();
        inner.observe(&event);
        inner.unsent.push(event);
    }

    /// Where the events go now.
    pub(crate) fn sink(&self) -> EventSink {
        self.lock().sink.clone()
    }

    /// Sends events to `sink` from now on.
    pub(crate) fn set_sink(&self, sink: EventSink) {
        self.lock().sink = sink;
    }

    /// Hands every event emitted from now on to `observer` too.
    pub(crate) fn set_observer(&self, observer: Arc<jig_telemetry::SessionTelemetry>) {
        self.lock().observer = Some(observer);
    }

    /// Where a sub-agent started now hangs in this session's trace, when
    /// the session is traced.
    pub(crate) fn trace_parent(&self) -> Option<jig_telemetry::TraceParent> {
        self.lock().observer.as_ref().map(|o| o.child_parent())
    }

    /// Drops events waiting for a sync that failed: they are not durable.
    pub(crate) fn drop_unsent(&self) {
        self.lock().unsent.clear();
    }

    /// Whether a write or sync failed, after which nothing more may happen.
    pub(crate) fn failed(&self) -> bool {
        self.lock().writer.failed()
    }
}

/// A [`Recorder`] that may be gone.
#[derive(Clone)]
pub(crate) struct WeakRecorder(Weak<Mutex<Inner>>);

impl WeakRecorder {
    /// The recorder, while its session lives.
    pub(crate) fn upgrade(&self) -> Option<Recorder> {
        self.0.upgrade().map(|inner| Recorder { inner })
    }
}

impl Inner {
    /// Shows an event to the observer, if there is one.
    fn observe(&self, event: &Event) {
        if let Some(observer) = &self.observer {
            observer.observe(event);
        }
    }

    fn send(&self, event: Event) {
        // A front-end that went away is not the session's fault.
        let _ = self.sink.send(Envelope {
            session_id: self.session_id.clone(),
            event,
        });
    }

    /// Sends the recorded events waiting to go out, in order.
    fn send_unsent(&mut self) {
        for event in std::mem::take(&mut self.unsent) {
            self.send(event);
        }
    }
}
