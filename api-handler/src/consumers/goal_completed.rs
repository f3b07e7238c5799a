//! `goal.completed` → a notification.

use crate::domain::notification::{GoalEventMessage, Notification};
use crate::prelude::*;
use crate::store::ports::StoreError;
use crate::use_cases::inbox::{self, Notified};

/// Congratulate the user on a completed goal.
#[on_event("goal.completed")]
async fn goal_completed(app: App, Payload(event): Payload<GoalEventMessage>) -> Result<(), StoreError> {
    let notification = Notification::completed(&event.event_id, &event.facts(), event.occurred_at);
    match inbox::notify(&app, &event.user_id, &notification).await? {
        Notified::Added => {}
        Notified::Already => tracing::info!(event_id = event.event_id, "already notified: a redelivery"),
        Notified::AccountDeleted => {
            tracing::info!(event_id = event.event_id, "the account is deleted: nobody to notify")
        }
    }
    Ok(())
}
