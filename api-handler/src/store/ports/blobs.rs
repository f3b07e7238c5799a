//! `Blobs`: attachment bytes behind presigned, expiring URLs (embedded: files; AWS: S3).

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::error::StoreResult;

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

/// Attachment bytes.
#[async_trait]
pub trait Blobs: Send + Sync {
    /// A `PUT` URL accepting exactly `size` bytes of `content_type` at `key`.
    async fn presign_upload(&self, key: &str, content_type: &str, size: u64) -> StoreResult<Presigned>;
    /// A `GET` URL returning the bytes at `key` as `content_type`.
    async fn presign_download(&self, key: &str, content_type: &str) -> StoreResult<Presigned>;
    /// Stores `bytes` of `content_type` at `key`, replacing what is there.
    async fn put(&self, key: &str, content_type: &str, bytes: Vec<u8>) -> StoreResult<()>;
    /// Deletes the bytes at each key (missing ones are fine).
    async fn delete(&self, keys: &[String]) -> StoreResult<()>;
    /// Deletes at most about `limit` blobs whose key starts with `prefix`
    /// (such as `{userId}/`); returns how many, 0 once none is left.
    async fn delete_under(&self, prefix: &str, limit: usize) -> StoreResult<usize>;
}
