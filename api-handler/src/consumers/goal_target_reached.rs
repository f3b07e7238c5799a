//! `goal.target_reached` → a notification.

use crate::domain::notification::{GoalEventMessage, Notification};
use crate::prelude::*;
use crate::store::ports::StoreError;
use crate::use_cases::inbox::{self, Notified};

/// Tell the user a goal's target is reached for its period.
#[on_event("goal.target_reached")]
async fn goal_target_reached(app: App, Payload(event): Payload<GoalEventMessage>) -> Result<(), StoreError> {
    let notification = Notification::target_reached(&event.event_id, &event.facts(), event.occurred_at);
    match inbox::notify(&app, &event.user_id, &notification).await? {
        Notified::Added => {}
        Notified::Already => tracing::info!(event_id = event.event_id, "already notified: a redelivery"),
        Notified::AccountDeleted => {
            tracing::info!(event_id = event.event_id, "the account is deleted: nobody to notify")
        }
    }
    Ok(())
}
