//! The consumers' failure log: why each failed delivery failed, kept beside
//! the queue by event id, for `cargo xtask dlq` to show with the message.

use std::sync::Arc;

use async_trait::async_trait;
use chrono::Utc;
use route_framework::event::{DeliveryFailure, FailureLog};

use crate::store::ports::{DeliveryFailures, LastFailure};

/// Keeps each failed delivery's reason in the backend's store.
pub struct KeepFailures(pub Arc<dyn DeliveryFailures>);

#[async_trait]
impl FailureLog for KeepFailures {
    async fn record(&self, failure: DeliveryFailure<'_>) {
        let message = failure.message;
        let event_id = message.event_id.as_deref().unwrap_or(&message.id);
        let last = LastFailure {
            consumer: failure.consumer.unwrap_or("-").to_owned(),
            reason: failure.reason.to_string(),
            at: Utc::now(),
        };
        if let Err(err) = self.0.record(event_id, &last).await {
            // Its line, with the same reason, is logged already.
            tracing::warn!(event_id, error = %err, "the failure's reason was not kept beside the queue");
        }
    }
}
