//! Notifications: the outbox events are written to, and the publisher the
//! relay (`crate::notifications`) delivers them to.

use async_trait::async_trait;

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
