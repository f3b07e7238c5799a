//! Exports: everything a user owns, as one JSON document, prepared by a
//! consumer and fetched through a presigned URL (no Lambda response could
//! carry a large account's data: 6 MB, 25 s).

use chrono::{DateTime, Duration, Utc};
use schemars::JsonSchema;
use serde::Serialize;

use super::attachment::AttachmentView;
use super::goal::Goal;
use super::notification::Notification;
use super::profile::Profile;
use super::progress::ProgressEntry;

/// How long a finished export is answered before a new one is prepared.
pub const KEPT_FOR: Duration = Duration::hours(24);
/// How long an export may take before it is taken as lost and prepared again.
pub const GIVEN_UP_AFTER: Duration = Duration::minutes(15);
/// What a client waits before asking again about an export being prepared.
pub const POLL_SECONDS: u32 = 5;

/// A user's export, as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Export {
    /// Its id (ULID).
    pub export_id: String,
    /// When it was asked for.
    pub requested_at: DateTime<Utc>,
    /// When its document was written; `None` while it is prepared.
    pub ready_at: Option<DateTime<Utc>>,
}

impl Export {
    /// A new export asked for at `now`.
    pub fn new(now: DateTime<Utc>) -> Export {
        Export {
            export_id: super::new_id(),
            requested_at: now,
            ready_at: None,
        }
    }

    /// Whether a request at `now` needs a new export: this one is older
    /// than [`KEPT_FOR`], or was never finished within [`GIVEN_UP_AFTER`].
    pub fn is_stale(&self, now: DateTime<Utc>) -> bool {
        match self.ready_at {
            Some(ready) => now - ready > KEPT_FOR,
            None => now - self.requested_at > GIVEN_UP_AFTER,
        }
    }

    /// The blob key of its document: `{userId}/exports/{exportId}`.
    pub fn blob_key(&self, user_id: &str) -> String {
        format!("{user_id}/exports/{}", self.export_id)
    }
}

/// Where an export stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub enum ExportState {
    /// Being prepared: ask again after `retryAfterSeconds`.
    Preparing,
    /// Ready: download the document from `url` before `urlExpiresAt`.
    Ready,
}

/// `GET /users/{userId}/export` answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ExportStatus {
    /// The export's id.
    pub export_id: String,
    /// Where it stands.
    pub status: ExportState,
    /// When it was asked for.
    pub requested_at: DateTime<Utc>,
    /// When its document was written (once ready).
    pub ready_at: Option<DateTime<Utc>>,
    /// The document's download URL (once ready): one `GET`, no token.
    pub url: Option<String>,
    /// When `url` stops working.
    pub url_expires_at: Option<DateTime<Utc>>,
    /// Seconds to wait before asking again (while preparing).
    pub retry_after_seconds: Option<u32>,
}

/// The export document: everything the user owns, as the API lists it.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ExportDocument {
    /// The export's id.
    pub export_id: String,
    /// Whose data.
    pub user_id: String,
    /// When the document was written.
    pub created_at: DateTime<Utc>,
    /// The profile (`null` for an account without one).
    pub profile: Option<Profile>,
    /// Every goal, newest first.
    pub goals: Vec<Goal>,
    /// Every progress entry of every goal: goal by goal as `goals` lists
    /// them, each goal's newest first.
    pub progress: Vec<ProgressEntry>,
    /// Every attachment's metadata, with a download URL valid until its
    /// `expiresAt`.
    pub attachments: Vec<ExportedAttachment>,
    /// Every notification, newest first.
    pub notifications: Vec<Notification>,
}

/// An attachment in an export: its goal, and what `GET .../attachments` lists.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ExportedAttachment {
    /// The goal it belongs to.
    pub goal_id: String,
    /// The attachment, with its download URL.
    #[serde(flatten)]
    pub attachment: AttachmentView,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_export_is_kept_a_day_and_given_up_after_fifteen_minutes() {
        let now: DateTime<Utc> = "2026-12-06T12:00:00Z".parse().unwrap();
        let mut export = Export::new(now);
        assert!(!export.is_stale(now + Duration::minutes(14)));
        assert!(export.is_stale(now + Duration::minutes(16)), "lost while prepared");
        export.ready_at = Some(now + Duration::minutes(1));
        assert!(!export.is_stale(now + Duration::hours(24)));
        assert!(export.is_stale(now + Duration::hours(25)));
        assert_eq!(export.blob_key("u1"), format!("u1/exports/{}", export.export_id));
    }
}
