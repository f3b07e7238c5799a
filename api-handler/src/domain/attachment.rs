//! Attachments: their metadata and the rules shared by the API and every blob store.

use chrono::{DateTime, Utc};

/// The content types an attachment may have.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize, schemars::JsonSchema)]
pub enum ContentType {
    #[serde(rename = "image/jpeg")]
    #[allow(missing_docs)]
    Jpeg,
    #[serde(rename = "image/png")]
    #[allow(missing_docs)]
    Png,
    #[serde(rename = "image/webp")]
    #[allow(missing_docs)]
    Webp,
    #[serde(rename = "application/pdf")]
    #[allow(missing_docs)]
    Pdf,
    #[serde(rename = "text/plain")]
    #[allow(missing_docs)]
    Text,
}

impl ContentType {
    /// The media type, such as `image/png`.
    pub fn as_str(self) -> &'static str {
        match self {
            ContentType::Jpeg => "image/jpeg",
            ContentType::Png => "image/png",
            ContentType::Webp => "image/webp",
            ContentType::Pdf => "application/pdf",
            ContentType::Text => "text/plain",
        }
    }
}

/// How long presigned upload and download URLs work.
pub const URL_LIFETIME: chrono::Duration = chrono::Duration::minutes(15);

/// The largest attachment: 10 MiB.
pub const MAX_ATTACHMENT_SIZE: u64 = 10 * 1024 * 1024;

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
    /// The blob key of the attachment's bytes: `user/goal/attachment`.
    pub fn blob_key(&self) -> String {
        format!("{}/{}/{}", self.user_id, self.goal_id, self.attachment_id)
    }
}
