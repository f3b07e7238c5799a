//! `Goals`: a user's goals, versioned for conditional writes.

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::error::StoreResult;
use super::page::{Page, PageRequest};
use crate::domain::attachment::Attachment;
use crate::domain::events::DomainEvent;
use crate::domain::goal::{Goal, GoalStatus};

/// A goal that was deleted, by its marker.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeletedGoal {
    /// Whose it was.
    pub user_id: String,
    /// Its id.
    pub goal_id: String,
    /// When it was deleted.
    pub deleted_at: DateTime<Utc>,
}

/// Goals.
#[async_trait]
pub trait Goals: Send + Sync {
    /// Stores a new goal with its events.
    async fn create(&self, goal: &Goal, events: &[DomainEvent]) -> StoreResult<()>;
    /// One of the user's goals, or `NotFound("goal")`.
    async fn get(&self, user_id: &str, goal_id: &str) -> StoreResult<Goal>;
    /// The user's goals, newest first, optionally only those with `status`.
    async fn list(&self, user_id: &str, status: Option<GoalStatus>, page: PageRequest) -> StoreResult<Page<Goal>>;
    /// Replaces a goal with `goal` and writes its events, if the stored goal
    /// is still at `expected_version` (else `PreconditionFailed`).
    async fn replace(&self, goal: &Goal, expected_version: u64, events: &[DomainEvent]) -> StoreResult<()>;
    /// Deletes a goal with its progress, aggregates and attachment records
    /// (the goal first, so nothing new attaches to it); returns the removed
    /// attachments, whose bytes the caller deletes. The goal leaves a marker
    /// behind, in the same write, for [`Goals::deleted_before`].
    async fn delete(&self, user_id: &str, goal_id: &str) -> StoreResult<Vec<Attachment>>;
    /// Up to `limit` deleted goals whose markers are older than `before`:
    /// their delete may have stopped half-way, and an upload through a URL
    /// issued before it may have landed since.
    async fn deleted_before(&self, before: DateTime<Utc>, limit: usize) -> StoreResult<Vec<DeletedGoal>>;
    /// Deletes whatever a deleted goal's delete left of its children;
    /// returns how many items. Doing it again deletes nothing.
    async fn purge_deleted(&self, goal: &DeletedGoal) -> StoreResult<usize>;
    /// Drops a deleted goal's marker, once nothing of it is left.
    async fn forget_deleted(&self, goal: &DeletedGoal) -> StoreResult<()>;
    /// Every user's active daily goals (for the daily reminder), a page at
    /// a time, each user's goals next to each other.
    async fn active_daily(&self, page: PageRequest) -> StoreResult<Page<Goal>>;
}
