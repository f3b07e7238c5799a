//! `Progress`: entries logged against a goal, with the goal total, the
//! aggregates and the events they cause, written together.

use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};

use super::error::StoreResult;
use super::page::{Page, PageRequest};
use crate::domain::events::DomainEvent;
use crate::domain::progress::ProgressEntry;

/// A validated entry about to be recorded.
#[derive(Debug, Clone, PartialEq)]
pub struct ProgressDraft {
    /// Amount.
    pub value: f64,
    /// Note.
    pub note: Option<String>,
    /// When it happened.
    pub at: DateTime<Utc>,
    /// The day of `at` in the user's time zone: where the aggregates count it.
    pub day: NaiveDate,
}

/// An `Idempotency-Key` with the fingerprint of the request it came with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Idempotency {
    /// The header value.
    pub key: String,
    /// Identifies the request; a reused key with another fingerprint is a `Conflict`.
    pub fingerprint: String,
}

/// Entries with `at` in `[from, to)`; open ends are unbounded.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TimeRange {
    /// Inclusive start.
    pub from: Option<DateTime<Utc>>,
    /// Exclusive end.
    pub to: Option<DateTime<Utc>>,
}

/// What recording an entry wrote.
#[derive(Debug, Clone, PartialEq)]
pub struct Recorded {
    /// The entry (the first one again for a replayed idempotency key).
    pub entry: ProgressEntry,
    /// The events written with it, to publish after the commit; none for a replay.
    pub events: Vec<DomainEvent>,
}

/// Progress entries.
#[async_trait]
pub trait Progress: Send + Sync {
    /// In one transaction: the entry, the goal's total and version, the day
    /// and period aggregates and the events `crate::domain::progress::plan`
    /// decides on from the state read in that transaction. With an
    /// idempotency key seen in the last 24 h, writes nothing and returns the
    /// first entry again, with no events.
    async fn record(
        &self,
        user_id: &str,
        goal_id: &str,
        draft: ProgressDraft,
        idempotency: Option<Idempotency>,
    ) -> StoreResult<Recorded>;
    /// A goal's entries in `range`, newest first; `NotFound("goal")` for
    /// someone else's goal.
    async fn list(
        &self,
        user_id: &str,
        goal_id: &str,
        range: TimeRange,
        page: PageRequest,
    ) -> StoreResult<Page<ProgressEntry>>;
}
