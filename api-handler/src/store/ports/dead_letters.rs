//! Dead letters: messages no consumer could take after every delivery, and
//! the last reason each failed for.

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::error::StoreResult;

/// Why a message's last delivery failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LastFailure {
    /// The consumer that failed (`-` when none could take the message).
    pub consumer: String,
    /// Its reason.
    pub reason: String,
    /// When.
    pub at: DateTime<Utc>,
}

/// A message set aside in the dead-letter queue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeadLetter {
    /// Its id in the queue: what [`DeadLetters::redrive`] takes.
    pub id: String,
    /// Its event type.
    pub event_type: Option<String>,
    /// Its event id (also its deduplication id).
    pub event_id: Option<String>,
    /// Whose event (its message group).
    pub user_id: Option<String>,
    /// How often it was received.
    pub receive_count: u32,
    /// When it was first sent.
    pub sent_at: Option<DateTime<Utc>>,
    /// Why its last delivery failed, when that was kept.
    pub last_failure: Option<LastFailure>,
    /// The message body (the event's JSON).
    pub body: String,
}

/// Where the consumers' failure reasons are kept, by event id, for as long
/// as the dead-letter queue keeps a message.
#[async_trait]
pub trait DeliveryFailures: Send + Sync {
    /// Keeps `failure` as the last of the event `event_id`'s deliveries.
    async fn record(&self, event_id: &str, failure: &LastFailure) -> StoreResult<()>;
}

/// The dead-letter queue, for the operator's `cargo xtask dlq`.
#[async_trait]
pub trait DeadLetters: Send + Sync {
    /// Every dead letter, oldest first.
    async fn list(&self) -> StoreResult<Vec<DeadLetter>>;
    /// Moves the dead letter `id` back to the queue for one more delivery,
    /// its deduplication id kept; `NotFound` when there is none, and
    /// `Conflict` when, at `now`, the queue would still drop it as a
    /// duplicate of itself.
    async fn redrive(&self, id: &str, now: DateTime<Utc>) -> StoreResult<()>;
}
