//! `Goals`: a user's goals, versioned for conditional writes.

use async_trait::async_trait;

use super::error::StoreResult;
use super::page::{Page, PageRequest};
use crate::domain::attachment::Attachment;
use crate::domain::events::DomainEvent;
use crate::domain::goal::{Goal, GoalStatus};

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
    /// attachments, whose bytes the caller deletes.
    async fn delete(&self, user_id: &str, goal_id: &str) -> StoreResult<Vec<Attachment>>;
    /// Every user's active daily goals (for the daily reminder), a page at
    /// a time, each user's goals next to each other.
    async fn active_daily(&self, page: PageRequest) -> StoreResult<Page<Goal>>;
}
