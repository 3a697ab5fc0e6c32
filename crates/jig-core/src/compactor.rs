//! The session's side of compaction (see [`crate::compaction`] for the
//! settings and the invariants): counting the context, deciding when to
//! compact, asking the model for the summary, and recording the new
//! conversation.

use jig_protocol::{CompactionReason, Event, GoalStatus, Item, RolloutRecord};
use tokio_util::sync::CancellationToken;

use crate::compaction::{BUDGET_NOTE_PREFIX, BUDGET_NOTE_SHARE, COMPACTION_INTERRUPTED, goal_reminder};
use crate::session::Session;
use crate::turn::Stop;

/// How the context is counted: exactly, or by a cheap bound never below it.
#[derive(Clone, Copy)]
enum Counting {
    Exact,
    AtMost,
}

impl Session {
    /// Estimated tokens of the conversation as the model would see it.
    ///
    /// What the provider last reported (input plus output of the latest
    /// response) counts for the items it covered; only what came after is
    /// estimated. Before any report, and right after a compaction, all of
    /// it is estimated. Both parts come from the rollout, so a resumed
    /// session counts exactly as the live one did.
    pub(crate) fn context_tokens(&self) -> u64 {
        self.context_tokens_by(Counting::Exact)
    }

    /// Whether [`context_tokens`](Self::context_tokens) exceeds `limit`.
    /// The cheap bound decides when it can, so an exact count (and, for
    /// OpenAI families, building the tokenizer) happens only once the
    /// context is near the limit — never for the first request of a short
    /// session — and the answer is always the exact count's.
    fn context_exceeds(&self, limit: u64) -> bool {
        let bound = self.context_tokens_by(Counting::AtMost);
        if bound > limit / 2 {
            self.conversation.counter.prepare();
        }
        bound > limit && self.context_tokens() > limit
    }

    fn context_tokens_by(&self, counting: Counting) -> u64 {
        let counter = self.conversation.counter.as_ref();
        let items = |items: &[Item]| match counting {
            Counting::Exact => jig_compact::context_tokens(counter, items),
            Counting::AtMost => jig_compact::context_tokens_at_most(counter, items),
        };
        let text = |text: &str| match counting {
            Counting::Exact => counter.count(text),
            Counting::AtMost => counter.at_most(text),
        };
        match self.conversation.reported {
            Some((tokens, covered)) if covered <= self.conversation.items.len() => {
                tokens + items(&self.conversation.items[covered..])
            }
            // The tool specs are a constant the threshold's headroom absorbs.
            _ => items(&self.conversation.items) + text(&self.meta.instructions),
        }
    }

    /// Compacts when a person asked or the context passed its threshold,
    /// and tells the model once when its context is getting full.
    pub(crate) async fn maybe_compact(&mut self, cancel: &CancellationToken) -> Result<(), Stop> {
        let requested = self.compact_request.lock().unwrap_or_else(|e| e.into_inner()).take();
        match requested {
            Some(focus) => self.compact(CompactionReason::Manual, focus, cancel).await?,
            None if self.compaction.auto && self.context_exceeds(self.compaction.limit()) => {
                self.compact(CompactionReason::Auto, None, cancel).await?
            }
            None => {}
        }
        self.note_context_budget()?;
        Ok(())
    }

    /// Past [`BUDGET_NOTE_SHARE`] of the window, adds one short note (once
    /// per stretch between compactions) so the model can plan its context:
    /// a note in the conversation, not in the instructions, keeps every
    /// request an extension of the previous one.
    fn note_context_budget(&mut self) -> Result<(), Stop> {
        let window = self.compaction.context_window.max(1);
        // The share as a whole number of tokens: a count is below the share
        // exactly when it is at most this.
        let below_share = (window as f64 * BUDGET_NOTE_SHARE).ceil() as u64 - 1;
        if !self.context_exceeds(below_share) {
            return Ok(());
        }
        // Only past the share: the scan is as long as the conversation.
        let noted = self.conversation.items.iter().rev().take_while(|i| !matches!(i, Item::Compaction { .. })).any(
            |i| matches!(i, Item::Message { role: jig_protocol::Role::System, text } if text.starts_with(BUDGET_NOTE_PREFIX)),
        );
        if noted {
            return Ok(());
        }
        let used = self.context_tokens();
        let left = window.saturating_sub(used);
        let text = format!(
            "{BUDGET_NOTE_PREFIX} about {used} of {window} tokens are in use ({left} left){}. Prefer targeted reads \
             and searches over dumping large outputs.",
            if self.compaction.auto {
                format!(
                    "; older items will be compacted into a summary at {}",
                    self.compaction.limit()
                )
            } else {
                String::new()
            }
        );
        self.record_item(Item::Message {
            role: jig_protocol::Role::System,
            text,
        })?;
        Ok(())
    }

    /// A compaction a person asked for while no turn runs. Interrupted, it
    /// leaves the conversation as it was: only `compaction_started` and an
    /// error saying so are recorded (the summary and the new conversation are
    /// recorded together, with no wait in between, or not at all).
    pub(crate) async fn compact_when_idle(&mut self, focus: Option<String>, cancel: &CancellationToken) {
        let message = match self.compact(CompactionReason::Manual, focus, cancel).await {
            Ok(()) => None,
            Err(Stop::Failed(_, error)) => Some(error),
            Err(Stop::Interrupted) => Some(COMPACTION_INTERRUPTED.to_string()),
        };
        let recorded = match message {
            Some(message) => self.emit(Event::Error { message }),
            None => Ok(()),
        };
        if let Err(err) = recorded.and_then(|()| self.flush()) {
            self.report(&err);
        }
    }

    /// Replaces older items with a summary; a no-op when nothing can go.
    pub(crate) async fn compact(
        &mut self,
        reason: CompactionReason,
        focus: Option<String>,
        cancel: &CancellationToken,
    ) -> Result<(), Stop> {
        let Some(plan) = jig_compact::plan(
            &self.conversation.items,
            self.conversation.counter.as_ref(),
            self.compaction.keep_recent_tokens,
        ) else {
            if reason == CompactionReason::Manual {
                self.emit(Event::CompactionSkipped {
                    reason: "nothing to compact yet: the conversation is already short".into(),
                })?;
            }
            return Ok(());
        };
        let tail = &self.conversation.items[plan.tail_start..];
        if tail.iter().any(|item| matches!(item, Item::Compaction { .. })) {
            return Ok(());
        }
        let tail_responses = jig_compact::responses_in(tail);
        let tokens_before = self.context_tokens();
        self.emit(Event::CompactionStarted {
            reason,
            focus: focus.clone(),
            tokens_before,
        })?;
        let instruction = Item::user(jig_compact::summary_instruction(
            self.compaction.template.as_deref(),
            focus.as_deref(),
        ));
        let (summary, _, _, usage) = tokio::select! {
            // An interrupt that came first wins, even over a ready response;
            // then only `compaction_started` is recorded.
            biased;
            () = cancel.cancelled() => return Err(Stop::Interrupted),
            response = self.collect_response(Some(&instruction)) => response?,
        };
        self.record(RolloutRecord::Response {
            items: vec![Item::assistant(summary.clone())],
            usage,
        })?;
        self.conversation.total_usage.add(&usage);
        self.conversation.turn_usage.add(&usage);
        self.turns.steps_in_turn += 1;

        let dropped: Vec<Item> = plan.drop.iter().map(|&i| self.conversation.items[i].clone()).collect();
        let ledger = jig_compact::ledger(&dropped);
        let responses = jig_compact::responses_in(&self.conversation.items) + 1 - tail_responses;
        let mut text = summary;
        let goal = self.goal.lock().unwrap_or_else(|e| e.into_inner()).clone();
        if let Some(goal) = goal.filter(|g| g.status == GoalStatus::Active) {
            text.push_str(&format!("\n\n{}", goal_reminder(&goal)));
        }
        let digest = jig_compact::digest(&ledger, 2_000);
        let item = jig_compact::summary_item(&text, &digest, responses);
        let replacement = jig_compact::replacement(&self.conversation.items, &plan, item);
        self.conversation.compactions += 1;
        let record = RolloutRecord::Compaction {
            id: self.conversation.compactions,
            replacement,
            ledger: ledger.clone(),
            dropped: dropped.len() as u64,
        };
        if let RolloutRecord::Compaction { replacement, .. } = self.record(record)? {
            self.conversation.items = replacement;
            self.conversation.reported = None;
        }
        let tokens_after = self.context_tokens();
        self.emit(Event::CompactionCompleted {
            tokens_before,
            tokens_after,
            dropped_items: dropped.len() as u64,
            ledger_entries: ledger.len() as u64,
        })?;
        Ok(())
    }
}
