//! Events on their way: the outbox they are written to, the publisher the
//! relay (`crate::notifications`) delivers them to, and the subscription
//! the local server's consumer loop reads them back from.

use std::time::Duration;

use async_trait::async_trait;
use route_framework::event::Message;

use super::error::StoreResult;
use crate::domain::events::DomainEvent;

/// The durable outbox: events written in the transactions of the other ports.
#[async_trait]
pub trait Outbox: Send + Sync {
    /// Up to `limit` undelivered events, oldest first.
    async fn pending(&self, limit: usize) -> StoreResult<Vec<DomainEvent>>;
    /// Marks events delivered (or removes them), so the relay never sends them again.
    async fn mark_delivered(&self, events: &[DomainEvent]) -> StoreResult<()>;
}

/// Where events go (embedded: the log; AWS: SQS).
#[async_trait]
pub trait Publisher: Send + Sync {
    /// Delivers every event, or fails without marking any delivered.
    /// Consumers de-duplicate on `eventId`, so a retried batch is harmless.
    async fn publish(&self, events: &[DomainEvent]) -> StoreResult<()>;
}

/// A message received from the queue, and the handle that acknowledges it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Received {
    /// The message, as consumers are dispatched on it.
    pub message: Message,
    /// What [`Subscription::acknowledge`] takes (SQS: the receipt handle).
    pub receipt: String,
}

/// The queue read back, for the local server's consumer loop (embedded: a
/// SQLite table; aws: SQS with long polling). In Lambda the event source
/// mapping reads SQS instead.
#[async_trait]
pub trait Subscription: Send + Sync {
    /// Up to `max` messages, in order within each message group, waiting up
    /// to `wait` for the first. A message received and not acknowledged is
    /// received again later, and set aside (dead-lettered) after a few receives.
    async fn receive(&self, max: usize, wait: Duration) -> StoreResult<Vec<Received>>;
    /// Removes consumed messages for good.
    async fn acknowledge(&self, receipts: &[String]) -> StoreResult<()>;
}
