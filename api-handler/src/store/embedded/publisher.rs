//! The embedded publisher: one structured log line per event.

use async_trait::async_trait;

use crate::domain::events::DomainEvent;
use crate::store::ports::{Publisher, StoreResult};

/// Logs each event (id, type, user, goal), never its data.
#[derive(Debug, Clone, Copy, Default)]
pub struct LogPublisher;

#[async_trait]
impl Publisher for LogPublisher {
    async fn publish(&self, events: &[DomainEvent]) -> StoreResult<()> {
        for event in events {
            tracing::info!(
                event_id = event.event_id,
                event_type = event.kind.as_str(),
                user_id = event.user_id,
                goal_id = event.goal_id.as_deref().unwrap_or(""),
                "event published"
            );
        }
        Ok(())
    }
}
