//! Attachment rules shared by the API and every blob store.

/// Content types an attachment may have.
pub const ALLOWED_CONTENT_TYPES: [&str; 5] = ["image/jpeg", "image/png", "image/webp", "application/pdf", "text/plain"];

/// The largest attachment: 10 MiB.
pub const MAX_ATTACHMENT_SIZE: u64 = 10 * 1024 * 1024;
