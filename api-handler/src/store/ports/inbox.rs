//! The notifications inbox: what consumers and the reminder write, and
//! `GET /notifications` reads.

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::error::StoreResult;
use super::page::{Page, PageRequest};
use crate::domain::notification::Notification;

/// Each user's notifications.
#[async_trait]
pub trait Inbox: Send + Sync {
    /// Stores `notification` for `user_id` until `expires_at`, unless one
    /// with its id is stored already; `true` when it was new. Its
    /// deterministic id makes a redelivered event or a rerun job change
    /// nothing.
    async fn add(&self, user_id: &str, notification: &Notification, expires_at: DateTime<Utc>) -> StoreResult<bool>;
    /// `user_id`'s notifications that have not expired, newest first; only
    /// the unread ones with `unread_only`.
    async fn list(&self, user_id: &str, unread_only: bool, page: PageRequest) -> StoreResult<Page<Notification>>;
    /// Marks one read at `at` (one read before keeps its time); `NotFound`
    /// when `user_id` has no such notification.
    async fn mark_read(&self, user_id: &str, notification_id: &str, at: DateTime<Utc>) -> StoreResult<()>;
}
