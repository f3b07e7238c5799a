//! `goal.completed` → a notification.

use crate::domain::notification::{GoalEventMessage, Notification};
use crate::prelude::*;
use crate::store::ports::StoreError;

/// Congratulate the user on a completed goal.
#[on_event("goal.completed")]
async fn goal_completed(app: App, Payload(event): Payload<GoalEventMessage>) -> Result<(), StoreError> {
    let notification = Notification::completed(&event.event_id, &event.facts(), event.occurred_at);
    if !app.inbox().add(&event.user_id, &notification).await? {
        tracing::info!(event_id = event.event_id, "already notified: a redelivery");
    }
    Ok(())
}
