//! `Aggregates`: the rows statistics are computed from (never progress entries).

use async_trait::async_trait;
use chrono::NaiveDate;

use super::error::StoreResult;
use crate::domain::stats::AggregateRows;

/// Aggregates, maintained by the writes of the other ports.
#[async_trait]
pub trait Aggregates: Send + Sync {
    /// The user's totals, goal ids and goal-day rows for days in `[from, to]`,
    /// in a constant number of reads.
    async fn rows(&self, user_id: &str, from: NaiveDate, to: NaiveDate) -> StoreResult<AggregateRows>;
}
