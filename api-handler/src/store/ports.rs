//! The ports: what handlers need from storage and services, backend-neutral.
//!
//! Every method is async and fails with an [`ApiError`] from the error
//! contract: adapters map their own failures (a missing row is `not_found`,
//! a lost race is `conflict`, a busy database `unavailable`, anything else a
//! logged `internal`). Another user's data is always `not_found`.

use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
use schemars::JsonSchema;
use serde::Serialize;

use crate::domain::goal::{Goal, GoalPatch, GoalStatus, NewGoal};
use crate::domain::identity::{Registered, Registration, Tokens};
use crate::domain::profile::{Profile, ProfileUpdate};
use crate::domain::progress::{ProgressEntry, ValidProgress};
use crate::domain::stats::Stats;
use route_framework::auth::Authenticator;
use route_framework::error::ApiError;

/// Result of every port method.
pub type StoreResult<T> = Result<T, ApiError>;

/// Accounts and tokens: register, confirm, log in, refresh, verify.
#[async_trait]
pub trait Identity: Authenticator {
    /// Creates the account and its profile, and emits `user.registered`.
    async fn register(&self, registration: Registration) -> StoreResult<Registered>;
    /// Confirms an account with the code sent to its email.
    async fn confirm(&self, email: &str, code: &str) -> StoreResult<()>;
    /// Exchanges credentials for tokens; 401 for any bad credential, 403 unconfirmed.
    async fn login(&self, email: &str, password: &str) -> StoreResult<Tokens>;
    /// Exchanges a refresh token for new tokens (and a new refresh token).
    async fn refresh(&self, refresh_token: &str) -> StoreResult<Tokens>;
}

/// User profiles.
#[async_trait]
pub trait Profiles: Send + Sync {
    /// The user's profile.
    async fn get(&self, user_id: &str) -> StoreResult<Profile>;
    /// Replaces name and time zone.
    async fn update(&self, user_id: &str, update: ProfileUpdate) -> StoreResult<Profile>;
}

/// A page of a listing, newest first.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(rename = "PageOf{T}")]
pub struct Page<T> {
    /// The items.
    pub items: Vec<T>,
    /// Opaque cursor of the next page; `null` on the last page.
    pub next_cursor: Option<String>,
}

/// Where a listing continues: after this id (exclusive), newest first.
pub type After = Option<String>;

/// A request to store an attachment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewAttachment {
    /// Original file name.
    pub file_name: String,
    /// One of the allowed content types.
    pub content_type: String,
    /// Exact size in bytes.
    pub size: u64,
}

/// A stored attachment's metadata.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attachment {
    /// Id (ULID).
    pub attachment_id: String,
    /// The goal it belongs to.
    pub goal_id: String,
    /// Owner.
    pub user_id: String,
    /// Original file name.
    pub file_name: String,
    /// Content type, enforced on upload.
    pub content_type: String,
    /// Size in bytes, enforced on upload.
    pub size: u64,
    /// Creation time.
    pub created_at: DateTime<Utc>,
}

impl Attachment {
    /// The blob key of the attachment's bytes.
    pub fn blob_key(&self) -> String {
        format!("{}/{}/{}", self.user_id, self.goal_id, self.attachment_id)
    }
}

/// An `Idempotency-Key` with the fingerprint of the request it came with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdempotencyKey {
    /// The header value.
    pub key: String,
    /// Identifies the request body; a reused key with another fingerprint is a 409.
    pub fingerprint: String,
}

/// Outcome of recording progress.
#[derive(Debug, Clone, PartialEq)]
pub struct Recorded {
    /// The entry (the first one, on a replay).
    pub entry: ProgressEntry,
    /// Whether this was an idempotent replay that wrote nothing.
    pub replayed: bool,
}

/// Goals, their progress, aggregates and attachment records.
#[async_trait]
pub trait Goals: Send + Sync {
    /// Stores a new goal and emits `goal.created`.
    async fn create(&self, user_id: &str, goal: NewGoal) -> StoreResult<Goal>;
    /// The user's goals, newest first.
    async fn list(
        &self,
        user_id: &str,
        status: Option<GoalStatus>,
        limit: usize,
        after: After,
    ) -> StoreResult<Vec<Goal>>;
    /// One goal.
    async fn get(&self, user_id: &str, goal_id: &str) -> StoreResult<Goal>;
    /// Applies a patch; with `if_version`, 412 unless the goal is at that version.
    /// Emits `goal.completed` when the status becomes completed.
    async fn update(
        &self,
        user_id: &str,
        goal_id: &str,
        patch: GoalPatch,
        if_version: Option<u64>,
    ) -> StoreResult<Goal>;
    /// Deletes a goal with its progress, aggregates and attachment records;
    /// returns the blob keys to delete.
    async fn delete(&self, user_id: &str, goal_id: &str) -> StoreResult<Vec<String>>;
    /// Records progress, the goal total and the aggregates in one
    /// transaction (emitting `goal.target_reached` when due). With an
    /// idempotency key seen in the last 24 h, replays the first entry instead.
    async fn record_progress(
        &self,
        user_id: &str,
        goal_id: &str,
        progress: ValidProgress,
        idempotency: Option<IdempotencyKey>,
    ) -> StoreResult<Recorded>;
    /// A goal's entries with `at` in `[from, to)`, newest first.
    async fn list_progress(
        &self,
        user_id: &str,
        goal_id: &str,
        from: Option<DateTime<Utc>>,
        to: Option<DateTime<Utc>>,
        limit: usize,
        after: After,
    ) -> StoreResult<Vec<ProgressEntry>>;
    /// Statistics for the inclusive day range, from the aggregates only.
    async fn stats(&self, user_id: &str, from: NaiveDate, to: NaiveDate) -> StoreResult<Stats>;
    /// Records a new attachment of a goal.
    async fn create_attachment(
        &self,
        user_id: &str,
        goal_id: &str,
        attachment: NewAttachment,
    ) -> StoreResult<Attachment>;
    /// A goal's attachments, oldest first.
    async fn list_attachments(&self, user_id: &str, goal_id: &str) -> StoreResult<Vec<Attachment>>;
    /// Removes an attachment record; returns its blob key.
    async fn delete_attachment(&self, user_id: &str, goal_id: &str, attachment_id: &str) -> StoreResult<String>;
}

/// A presigned request a client can make without a token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Presigned {
    /// Absolute URL.
    pub url: String,
    /// Headers the client must send.
    pub headers: Vec<(String, String)>,
    /// When the URL stops working.
    pub expires_at: DateTime<Utc>,
}

/// Attachment bytes behind presigned, expiring URLs.
#[async_trait]
pub trait Blobs: Send + Sync {
    /// A `PUT` URL accepting exactly `size` bytes of `content_type` at `key`.
    fn presign_upload(&self, key: &str, content_type: &str, size: u64) -> StoreResult<Presigned>;
    /// A `GET` URL returning the bytes at `key` as `content_type`.
    fn presign_download(&self, key: &str, content_type: &str) -> StoreResult<Presigned>;
    /// Deletes the bytes at each key (missing ones are fine).
    async fn delete(&self, keys: &[String]) -> StoreResult<()>;
}
