//! `Revocations`: which tokens the API refuses before they expire, and the
//! tombstone of a deleted account, which also fences every later write of
//! the user's data.

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::error::StoreResult;
use crate::domain::events::DomainEvent;
use crate::domain::identity::Revocation;

/// Revoked tokens and deleted accounts, by user.
///
/// After [`tombstone`](Revocations::tombstone), every adapter write of the
/// user's data (goals, progress, attachments, notifications, profile) fails
/// with `NotFound("account")` in its own transaction, so nothing written by a
/// request that was admitted just before the deletion can outlive the purge.
#[async_trait]
pub trait Revocations: Send + Sync {
    /// The user's revocation; `None` when every unexpired token is honoured.
    async fn get(&self, user_id: &str) -> StoreResult<Option<Revocation>>;
    /// Refuses the user's tokens issued before `at`; a later cut-off already
    /// stored is kept.
    async fn revoke_tokens(&self, user_id: &str, at: DateTime<Utc>) -> StoreResult<()>;
    /// Marks the account deleted at `at` and commits `events` (its
    /// `user.deleted`) in the same transaction. A second call keeps the
    /// first time and writes no events.
    async fn tombstone(&self, user_id: &str, at: DateTime<Utc>, events: &[DomainEvent]) -> StoreResult<()>;
}
