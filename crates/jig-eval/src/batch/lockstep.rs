//! The lock-step: which rollouts are in the run, which have a request
//! waiting, and when a step is complete.
//!
//! Invariant: a step starts only when at least one request waits and every
//! rollout is waiting, out of the lock-step (its agent ended: between a
//! task's steps, or for good) or finished — never while a rollout is still
//! expected to start, is running, or has a request in the step before. This
//! module is pure state; [`super::step`] acts on what it decides.

use std::collections::HashMap;
use std::time::{Duration, Instant};

/// What a rollout is doing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// Its sample has not started its agent yet.
    Expected,
    /// Its agent runs and has no request waiting.
    Running,
    /// Its agent has a request waiting for the next step.
    Waiting,
    /// Its request is in a step being answered.
    InStep,
    /// Its agent ended; the sample may start another (a task's next step).
    Idle,
    /// Its sample finished.
    Finished,
}

#[derive(Debug)]
struct Rollout {
    state: State,
    /// Answers delivered so far: the next request's number.
    answered: u32,
    /// The shape and number of the last answered request, to know a retry of it.
    last: Option<(String, u32)>,
    /// Since when its request has been held (waiting or in a step).
    held_since: Option<Instant>,
    /// Time its earlier requests were held.
    held_before: Duration,
}

impl Rollout {
    fn new(state: State) -> Self {
        Rollout {
            state,
            answered: 0,
            last: None,
            held_since: None,
            held_before: Duration::ZERO,
        }
    }

    /// Moves to `state`, keeping the clock of the time held.
    fn set(&mut self, state: State) {
        let held = |state| matches!(state, State::Waiting | State::InStep);
        match (held(self.state), held(state)) {
            (false, true) => self.held_since = Some(Instant::now()),
            (true, false) => {
                if let Some(since) = self.held_since.take() {
                    self.held_before += since.elapsed();
                }
            }
            _ => {}
        }
        self.state = state;
    }

    /// Time its requests have been held so far.
    fn held(&self) -> Duration {
        self.held_before + self.held_since.map_or(Duration::ZERO, |since| since.elapsed())
    }
}

/// A request held for a step; `T` is what answers it.
#[derive(Debug)]
pub(crate) struct Held<T> {
    pub token: String,
    pub n: u32,
    pub shape: String,
    pub reply: T,
}

/// The run's rollouts and the requests waiting for the next step.
#[derive(Debug)]
pub(crate) struct Lockstep<T = ()> {
    rollouts: HashMap<String, Rollout>,
    waiting: Vec<Held<T>>,
}

impl<T> Default for Lockstep<T> {
    fn default() -> Self {
        Lockstep {
            rollouts: HashMap::new(),
            waiting: Vec::new(),
        }
    }
}

impl<T> Lockstep<T> {
    /// A rollout that will start.
    pub(crate) fn expect(&mut self, token: String) {
        self.rollouts.insert(token, Rollout::new(State::Expected));
    }

    /// A rollout's agent started.
    pub(crate) fn join(&mut self, token: &str) {
        let rollout = self
            .rollouts
            .entry(token.to_owned())
            .or_insert_with(|| Rollout::new(State::Running));
        rollout.set(State::Running);
    }

    /// A rollout's agent ended; a request it left waiting is dropped.
    pub(crate) fn leave(&mut self, token: &str) {
        self.set_out(token, State::Idle);
    }

    /// A rollout's sample finished.
    pub(crate) fn finish(&mut self, token: &str) {
        self.set_out(token, State::Finished);
    }

    fn set_out(&mut self, token: &str, state: State) {
        if let Some(rollout) = self.rollouts.get_mut(token) {
            rollout.set(state);
        }
        self.waiting.retain(|held| held.token != token);
    }

    /// How long `token`'s requests have been held for steps so far: time
    /// its agent spent waiting on the lock-step and on batch jobs, which
    /// does not count against its time limit.
    pub(crate) fn held(&self, token: &str) -> Duration {
        self.rollouts.get(token).map_or(Duration::ZERO, Rollout::held)
    }

    /// Whether `token` is a rollout of the run.
    pub(crate) fn knows(&self, token: &str) -> bool {
        self.rollouts.contains_key(token)
    }

    /// The number a request of shape `shape` from `token` gets: the same as
    /// the last answered one when it is that request again (the agent
    /// retried it), else the next.
    pub(crate) fn number(&self, token: &str, shape: &str) -> u32 {
        let Some(rollout) = self.rollouts.get(token) else {
            return 0;
        };
        match &rollout.last {
            Some((last, n)) if last == shape => *n,
            _ => rollout.answered,
        }
    }

    /// Holds a request for the next step; one already waiting from the same
    /// rollout (a retry whose first try's connection broke) is replaced.
    pub(crate) fn hold(&mut self, held: Held<T>) {
        self.waiting.retain(|other| other.token != held.token);
        if let Some(rollout) = self.rollouts.get_mut(&held.token) {
            rollout.set(State::Waiting);
        }
        self.waiting.push(held);
    }

    /// Records that request `n` of shape `shape` from `token` was answered.
    pub(crate) fn answered(&mut self, token: &str, n: u32, shape: &str) {
        if let Some(rollout) = self.rollouts.get_mut(token) {
            rollout.answered = rollout.answered.max(n + 1);
            rollout.last = Some((shape.to_owned(), n));
            if matches!(rollout.state, State::InStep | State::Waiting) {
                rollout.set(State::Running);
            }
        }
    }

    /// A request of a step was not answered with a body (an error, a cut
    /// stream): its rollout runs on and will ask again or end.
    pub(crate) fn unanswered(&mut self, token: &str) {
        if let Some(rollout) = self.rollouts.get_mut(token)
            && rollout.state == State::InStep
        {
            rollout.set(State::Running);
        }
    }

    /// The requests of the next step, when it is complete; their rollouts
    /// are then in the step.
    pub(crate) fn take_step(&mut self) -> Option<Vec<Held<T>>> {
        if self.waiting.is_empty() {
            return None;
        }
        let blocked = self
            .rollouts
            .values()
            .any(|r| matches!(r.state, State::Expected | State::Running | State::InStep));
        if blocked {
            return None;
        }
        for held in &self.waiting {
            if let Some(rollout) = self.rollouts.get_mut(&held.token) {
                rollout.set(State::InStep);
            }
        }
        Some(std::mem::take(&mut self.waiting))
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    fn held(token: &str, n: u32) -> Held<()> {
        Held {
            token: token.into(),
            n,
            shape: format!("s{n}"),
            reply: (),
        }
    }

    #[test]
    fn the_time_held_runs_only_while_a_request_waits_or_is_in_a_step() {
        let mut lock: Lockstep = Lockstep::default();
        lock.expect("a".into());
        lock.join("a");
        assert_eq!(lock.held("a"), Duration::ZERO);
        lock.hold(held("a", 0));
        let step = lock.take_step().unwrap();
        assert_eq!(step.len(), 1);
        lock.answered("a", 0, "s0");
        // Answered: the clock stopped, so reading it twice gives one value.
        let after = lock.held("a");
        assert_eq!(lock.held("a"), after);
        assert_eq!(lock.held("unknown"), Duration::ZERO);
    }

    #[test]
    fn a_step_waits_for_every_rollout_that_is_expected_or_running() {
        let mut lock: Lockstep = Lockstep::default();
        for t in ["a", "b", "c"] {
            lock.expect(t.into());
        }
        lock.join("a");
        lock.hold(held("a", 0));
        assert!(lock.take_step().is_none(), "b and c have not started");
        lock.join("b");
        lock.hold(held("b", 0));
        lock.finish("c");
        let step = lock.take_step().unwrap();
        assert_eq!(step.len(), 2);
        // b comes back before a is answered: the next step waits for a.
        lock.answered("b", 0, "s0");
        lock.hold(held("b", 1));
        assert!(lock.take_step().is_none(), "a is still in the step");
        lock.answered("a", 0, "s0");
        assert!(lock.take_step().is_none(), "a runs");
        lock.leave("a");
        assert_eq!(lock.take_step().unwrap().len(), 1, "a left: b steps alone");
    }

    #[test]
    fn a_retry_of_the_last_answered_request_keeps_its_number() {
        let mut lock: Lockstep = Lockstep::default();
        lock.join("a");
        assert_eq!(lock.number("a", "x"), 0);
        lock.answered("a", 0, "x");
        assert_eq!(lock.number("a", "x"), 0);
        assert_eq!(lock.number("a", "y"), 1);
    }

    #[test]
    fn a_rollout_that_leaves_drops_its_waiting_request() {
        let mut lock: Lockstep = Lockstep::default();
        lock.join("a");
        lock.join("b");
        lock.hold(held("a", 0));
        lock.leave("a");
        assert!(lock.take_step().is_none());
        lock.hold(held("b", 0));
        assert_eq!(lock.take_step().unwrap()[0].token, "b");
    }
}
