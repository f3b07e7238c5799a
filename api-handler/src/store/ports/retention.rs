//! `Retention`: deleting what has outlived its time.

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::error::StoreResult;

/// Removes expired rows, for the `sweep_expired` job.
#[async_trait]
pub trait Retention: Send + Sync {
    /// Deletes at most about `limit` rows that expired before `now`
    /// (notifications past their retention, idempotency records past their
    /// window, spent revocations, lapsed reset codes, dead letters past the
    /// queue's retention); returns how many, 0 once none is left.
    async fn sweep_expired(&self, now: DateTime<Utc>, limit: usize) -> StoreResult<usize>;
}
