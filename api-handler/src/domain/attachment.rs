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

/// An attachment as clients see it: its metadata and a fresh download URL.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct AttachmentView {
    /// Id (ULID).
    pub attachment_id: String,
    /// Original file name.
    pub file_name: String,
    /// Content type.
    pub content_type: String,
    /// Size in bytes.
    pub size: u64,
    /// Creation time.
    pub created_at: DateTime<Utc>,
    /// A `GET` URL of the bytes, no token needed.
    pub download_url: String,
    /// When `download_url` stops working.
    pub expires_at: DateTime<Utc>,
}

impl AttachmentView {
    /// `attachment` with a download URL that works until `expires_at`.
    pub fn of(attachment: Attachment, download_url: String, expires_at: DateTime<Utc>) -> AttachmentView {
        AttachmentView {
            attachment_id: attachment.attachment_id,
            file_name: attachment.file_name,
            content_type: attachment.content_type,
            size: attachment.size,
            created_at: attachment.created_at,
            download_url,
            expires_at,
        }
    }
}

impl Attachment {
    /// The blob key of the attachment's bytes: `user/goal/attachment`.
    pub fn blob_key(&self) -> String {
        format!("{}/{}/{}", self.user_id, self.goal_id, self.attachment_id)
    }
}
