//! `GET /notifications`.

use crate::domain::notification::Notification;
use crate::paging::{Listing, MAX_LIMIT};
use crate::prelude::*;

/// `?unread=&limit=&cursor=`.
#[derive(Debug, Deserialize, JsonSchema, Validate)]
#[serde(deny_unknown_fields)]
struct NotificationsQuery {
    /// `true`: only unread notifications; `false` or absent: all of them.
    #[garde(skip)]
    unread: Option<bool>,
    /// Page size, 1–100 (default 20).
    #[garde(range(min = 1, max = MAX_LIMIT))]
    limit: Option<u32>,
    /// The `nextCursor` of the previous page, unchanged.
    #[garde(skip)]
    cursor: Option<String>,
}

/// List one's notifications, newest first, a page at a time.
#[route("GET /notifications")]
async fn list_notifications(
    user: User,
    app: App,
    Query(query): Query<NotificationsQuery>,
) -> Result<Json<Listing<Notification>>, ApiError> {
    let unread_only = query.unread.unwrap_or(false);
    let scope = format!("notifications:{}:{unread_only}", user.id);
    let page = app.cursors().request(&scope, query.limit, query.cursor.as_deref())?;
    let notifications = app.inbox().list(&user.id, unread_only, page).await?;
    Ok(Json(app.cursors().listing(&scope, notifications)))
}
