//! `POST /notifications/{notificationId}/read`.

use chrono::Utc;

use crate::prelude::*;

/// Mark a notification read (again is fine: it keeps the first time).
#[route("POST /notifications/{notificationId}/read")]
async fn read_notification(user: User, app: App, Path(notification_id): Path<String>) -> Result<NoContent, ApiError> {
    app.inbox().mark_read(&user.id, &notification_id, Utc::now()).await?;
    Ok(NoContent)
}
