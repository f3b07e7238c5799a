//! `Attachments`: the records of files attached to a goal (their bytes are [`Blobs`](super::Blobs)).

use async_trait::async_trait;

use super::error::StoreResult;
use crate::domain::attachment::Attachment;

/// Attachment records.
#[async_trait]
pub trait Attachments: Send + Sync {
    /// Stores a new record for one of the user's goals (`NotFound("goal")` otherwise).
    async fn create(&self, attachment: &Attachment) -> StoreResult<()>;
    /// A goal's attachments, oldest first.
    async fn list(&self, user_id: &str, goal_id: &str) -> StoreResult<Vec<Attachment>>;
    /// Removes a record and returns it (`NotFound("attachment")` if absent).
    async fn delete(&self, user_id: &str, goal_id: &str, attachment_id: &str) -> StoreResult<Attachment>;
}
