//! A publisher that keeps what it is given, for tests (feature `testing`).

use std::sync::{Arc, Mutex, PoisonError};

use async_trait::async_trait;

use crate::domain::events::DomainEvent;
use crate::store::ports::{Publisher, StoreResult};

/// Records every published event, in order.
#[derive(Debug, Clone, Default)]
pub struct RecordingPublisher {
    events: Arc<Mutex<Vec<DomainEvent>>>,
}

impl RecordingPublisher {
    /// Everything published so far.
    pub fn events(&self) -> Vec<DomainEvent> {
        self.events.lock().unwrap_or_else(PoisonError::into_inner).clone()
    }
}

#[async_trait]
impl Publisher for RecordingPublisher {
    async fn publish(&self, events: &[DomainEvent]) -> StoreResult<()> {
        self.events
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .extend_from_slice(events);
        Ok(())
    }
}
