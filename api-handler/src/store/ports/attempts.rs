//! `Attempts`: the credential routes' counters, shared by every instance.

use async_trait::async_trait;
use chrono::{DateTime, Duration, Utc};

use super::error::StoreResult;

/// The failed attempts on one account since its last success.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FailureRun {
    /// How many.
    pub count: u32,
    /// When the last one was.
    pub last: DateTime<Utc>,
}

/// Attempt counters every instance of the app shares (aws: DynamoDB). The
/// embedded backend, one process, has none: its in-process limiter is
/// the whole of it.
#[async_trait]
pub trait Attempts: Send + Sync {
    /// Counts one attempt under `key` in the fixed `window` holding `now`,
    /// unless `limit` are counted there already: then nothing is counted,
    /// and the answer is how long until the window ends.
    async fn count(&self, key: &str, limit: u32, window: Duration, now: DateTime<Utc>)
    -> StoreResult<Option<Duration>>;
    /// The run of failures under `key`, if any.
    async fn failures(&self, key: &str) -> StoreResult<Option<FailureRun>>;
    /// Adds a failure at `at` to the run under `key`, kept at least `keep`
    /// after it.
    async fn record_failure(&self, key: &str, at: DateTime<Utc>, keep: Duration) -> StoreResult<()>;
    /// Ends the run of failures under `key`.
    async fn clear_failures(&self, key: &str) -> StoreResult<()>;
}
