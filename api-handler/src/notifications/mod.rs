//! Notifications on their way: the relay that hands outbox events to a
//! publisher (the backend's own, or a recording one in tests), and the
//! local server's loop that delivers them to the consumers.
//!
//! Events are written to the outbox with the change that caused them, so none
//! is lost when the publisher is down; the relay marks them delivered only
//! once the publisher took them, so a crash in between re-sends them (and
//! consumers de-duplicate on `eventId`).

mod delivery;
mod failures;
#[cfg(feature = "testing")]
mod recording;

use std::collections::HashSet;
use std::sync::Arc;

pub use self::delivery::{BATCH, WAIT, consume_forever, consume_once};
pub use self::failures::KeepFailures;
#[cfg(feature = "testing")]
pub use self::recording::RecordingPublisher;
use crate::domain::events::DomainEvent;
use crate::store::ports::{Outbox, Publisher, StoreResult};

/// How many events one relay pass reads at most.
pub const RELAY_BATCH: usize = 100;

/// Moves events from an outbox to a publisher.
#[derive(Clone)]
pub struct Relay {
    outbox: Arc<dyn Outbox>,
    publisher: Arc<dyn Publisher>,
}

impl Relay {
    /// A relay from `outbox` to `publisher`.
    pub fn new(outbox: Arc<dyn Outbox>, publisher: Arc<dyn Publisher>) -> Self {
        Relay { outbox, publisher }
    }

    /// Publishes `events` just committed and marks them delivered. A failure
    /// is logged and leaves them in the outbox for the next relay pass: the
    /// write that caused them has succeeded either way.
    pub async fn deliver(&self, events: &[DomainEvent]) {
        if events.is_empty() {
            return;
        }
        if let Err(err) = self.hand_over(events).await {
            tracing::warn!(error = %err, events = events.len(), "events stay in the outbox for the relay");
        }
    }

    /// How many events wait in the outbox, counted up to [`RELAY_BATCH`]:
    /// those the publish after their commit did not deliver (and any
    /// committed a moment ago, on their way).
    pub async fn backlog(&self) -> StoreResult<usize> {
        Ok(self.outbox.pending(RELAY_BATCH).await?.len())
    }

    /// Delivers every pending event, a batch at a time; returns how many.
    ///
    /// An outbox read from an index that lags (DynamoDB's) may hand back
    /// events this pass has just delivered; they are skipped, and the pass
    /// ends when a batch holds nothing new.
    pub async fn run_once(&self) -> StoreResult<usize> {
        let mut delivered = HashSet::new();
        loop {
            let events: Vec<DomainEvent> = self
                .outbox
                .pending(RELAY_BATCH)
                .await?
                .into_iter()
                .filter(|event| !delivered.contains(&event.event_id))
                .collect();
            if events.is_empty() {
                return Ok(delivered.len());
            }
            self.hand_over(&events).await?;
            delivered.extend(events.into_iter().map(|event| event.event_id));
        }
    }

    /// Publishes `events`, then marks them delivered: never marked unless published.
    async fn hand_over(&self, events: &[DomainEvent]) -> StoreResult<()> {
        self.publisher.publish(events).await?;
        self.outbox.mark_delivered(events).await
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;

    use async_trait::async_trait;
    use chrono::Utc;

    use super::*;
    use crate::domain::events::EventType;

    /// An outbox whose reads lag forever: it keeps handing out what was delivered.
    struct LaggingOutbox(Vec<DomainEvent>);

    #[async_trait]
    impl Outbox for LaggingOutbox {
        async fn pending(&self, limit: usize) -> StoreResult<Vec<DomainEvent>> {
            Ok(self.0.iter().take(limit).cloned().collect())
        }

        async fn mark_delivered(&self, _: &[DomainEvent]) -> StoreResult<()> {
            Ok(())
        }
    }

    #[derive(Default)]
    struct Counting(Mutex<Vec<String>>);

    #[async_trait]
    impl Publisher for Counting {
        async fn publish(&self, events: &[DomainEvent]) -> StoreResult<()> {
            let mut published = self.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
            published.extend(events.iter().map(|event| event.event_id.clone()));
            Ok(())
        }
    }

    #[tokio::test]
    async fn a_lagging_outbox_ends_the_pass_and_publishes_each_event_once() {
        let events: Vec<DomainEvent> = (0..2)
            .map(|_| {
                DomainEvent::new(
                    EventType::GoalCreated,
                    "u",
                    Some("g"),
                    Utc::now(),
                    serde_json::json!({}),
                )
            })
            .collect();
        let publisher = Arc::new(Counting::default());
        let relay = Relay::new(Arc::new(LaggingOutbox(events.clone())), publisher.clone());
        assert_eq!(relay.run_once().await.unwrap(), 2);
        let published = publisher
            .0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone();
        let expected: Vec<String> = events.into_iter().map(|event| event.event_id).collect();
        assert_eq!(published, expected);
    }
}
