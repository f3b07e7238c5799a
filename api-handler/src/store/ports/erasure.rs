//! `Erasure`: removing everything a deleted user owned, a page at a time.

use async_trait::async_trait;

use super::error::StoreResult;

/// Deletes a user's stored items.
#[async_trait]
pub trait Erasure: Send + Sync {
    /// Deletes at most about `limit` of `user_id`'s stored items, of every
    /// kind (profile, goals, progress, aggregates and totals, attachment
    /// records, idempotency records, notifications, outbox leftovers, reset
    /// codes), never the tombstone; returns how many it deleted, 0 once
    /// nothing is left. Each call commits what it deleted, so a purge cut
    /// short resumes where it stopped.
    async fn erase_page(&self, user_id: &str, limit: usize) -> StoreResult<usize>;
}
