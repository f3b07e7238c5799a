//! Notifying a user: what consumers and jobs add to the inbox.

use crate::app::App;
use crate::domain::notification::Notification;
use crate::store::ports::StoreError;

/// What became of a notification.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Notified {
    /// It is in the user's inbox now.
    Added,
    /// It was there already: a redelivery of its event.
    Already,
    /// The user's account is deleted: there is no one to notify, and
    /// nothing may be written for them.
    AccountDeleted,
}

/// Adds `notification` to `user_id`'s inbox, to be kept for the
/// configured retention after it was created. An event that outlived its
/// user's account (delivered again, or late) is done, not failed: retrying it
/// would only park it in the dead-letter queue.
pub async fn notify(app: &App, user_id: &str, notification: &Notification) -> Result<Notified, StoreError> {
    let expires_at = notification.created_at + app.options().notification_retention;
    match app.inbox().add(user_id, notification, expires_at).await {
        Ok(true) => Ok(Notified::Added),
        Ok(false) => Ok(Notified::Already),
        Err(StoreError::NotFound("account")) => Ok(Notified::AccountDeleted),
        Err(err) => Err(err),
    }
}
