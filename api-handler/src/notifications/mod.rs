//! Notifications: the relay that hands outbox events to a publisher (the
//! backend's own, or a recording one in tests).
//!
//! Events are written to the outbox with the change that caused them, so none
//! is lost when the publisher is down; the relay marks them delivered only
//! once the publisher took them, so a crash in between re-sends them (and
//! consumers de-duplicate on `eventId`).

#[cfg(feature = "testing")]
mod recording;

use std::sync::Arc;
use std::time::Duration;

#[cfg(feature = "testing")]
pub use self::recording::RecordingPublisher;
use crate::domain::events::DomainEvent;
use crate::store::ports::{Outbox, Publisher, StoreResult};

/// How many events one relay pass reads at most.
pub const RELAY_BATCH: usize = 100;
/// How often the local server's relay looks for new events.
pub const RELAY_INTERVAL: Duration = Duration::from_secs(1);

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
        let delivered = async {
            self.publisher.publish(events).await?;
            self.outbox.mark_delivered(events).await
        };
        if let Err(err) = delivered.await {
            tracing::warn!(error = %err, events = events.len(), "events stay in the outbox for the relay");
        }
    }

    /// Delivers every pending event, a batch at a time; returns how many.
    pub async fn run_once(&self) -> StoreResult<usize> {
        let mut delivered = 0;
        loop {
            let events = self.outbox.pending(RELAY_BATCH).await?;
            if events.is_empty() {
                return Ok(delivered);
            }
            self.publisher.publish(&events).await?;
            self.outbox.mark_delivered(&events).await?;
            delivered += events.len();
        }
    }

    /// Relays every [`RELAY_INTERVAL`] until the task is dropped; failures are
    /// logged and retried on the next tick.
    pub async fn run_forever(self) {
        let mut ticks = tokio::time::interval(RELAY_INTERVAL);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            ticks.tick().await;
            if let Err(err) = self.run_once().await {
                tracing::warn!(error = %err, "the outbox relay failed; retrying");
            }
        }
    }
}
