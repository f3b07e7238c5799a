//! Attachment bytes in S3, behind presigned URLs: the upload's signature
//! covers `content-type` and `content-length`, so S3 refuses any other
//! type or size; objects go with their goal.

use async_trait::async_trait;
use aws_sdk_s3::Client;
use aws_sdk_s3::presigning::{PresignedRequest, PresigningConfig};
use aws_sdk_s3::types::{Delete, ObjectIdentifier};
use chrono::Utc;

use super::errors::store_error;
use crate::domain::attachment::URL_LIFETIME;
use crate::store::ports::{Blobs, Presigned, StoreError, StoreResult};

/// The most keys one `DeleteObjects` takes.
const DELETE_BATCH: usize = 1000;

/// The S3 blob store.
pub struct S3Blobs {
    client: Client,
    bucket: String,
}

impl S3Blobs {
    pub(crate) fn new(client: Client, bucket: String) -> Self {
        S3Blobs { client, bucket }
    }
}

fn presigning() -> StoreResult<PresigningConfig> {
    let lifetime = URL_LIFETIME
        .to_std()
        .map_err(|_| StoreError::Internal("the URL lifetime is negative".to_owned()))?;
    PresigningConfig::expires_in(lifetime).map_err(|err| StoreError::Internal(format!("cannot presign: {err}")))
}

/// The URL and the headers a client must send with it (all but `host`).
fn presigned(request: &PresignedRequest) -> Presigned {
    Presigned {
        url: request.uri().to_owned(),
        headers: request
            .headers()
            .filter(|(name, _)| !name.eq_ignore_ascii_case("host"))
            .map(|(name, value)| (header_case(name), value.to_owned()))
            .collect(),
        expires_at: Utc::now() + URL_LIFETIME,
    }
}

/// A header name as clients usually write it: `content-type` → `Content-Type`.
fn header_case(name: &str) -> String {
    name.split('-')
        .map(|part| {
            let mut chars = part.chars();
            chars
                .next()
                .map(|first| first.to_ascii_uppercase().to_string() + chars.as_str())
                .unwrap_or_default()
        })
        .collect::<Vec<_>>()
        .join("-")
}

#[async_trait]
impl Blobs for S3Blobs {
    async fn presign_upload(&self, key: &str, content_type: &str, size: u64) -> StoreResult<Presigned> {
        let length = i64::try_from(size).map_err(|_| StoreError::Internal("the size is too large".to_owned()))?;
        let request = self
            .client
            .put_object()
            .bucket(&self.bucket)
            .key(key)
            .content_type(content_type)
            .content_length(length)
            .presigned(presigning()?)
            .await
            .map_err(|err| store_error("PutObject (presign)", err))?;
        Ok(presigned(&request))
    }

    async fn presign_download(&self, key: &str, content_type: &str) -> StoreResult<Presigned> {
        let request = self
            .client
            .get_object()
            .bucket(&self.bucket)
            .key(key)
            .response_content_type(content_type)
            .presigned(presigning()?)
            .await
            .map_err(|err| store_error("GetObject (presign)", err))?;
        Ok(presigned(&request))
    }

    async fn delete(&self, keys: &[String]) -> StoreResult<()> {
        for chunk in keys.chunks(DELETE_BATCH) {
            let objects = chunk
                .iter()
                .map(|key| ObjectIdentifier::builder().key(key).build())
                .collect::<Result<Vec<_>, _>>()
                .map_err(|err| StoreError::Internal(format!("cannot name an object: {err}")))?;
            let delete = Delete::builder()
                .set_objects(Some(objects))
                .quiet(true)
                .build()
                .map_err(|err| StoreError::Internal(format!("cannot build a delete: {err}")))?;
            let output = self
                .client
                .delete_objects()
                .bucket(&self.bucket)
                .delete(delete)
                .send()
                .await
                .map_err(|err| store_error("DeleteObjects", err))?;
            if let Some(failed) = output.errors().first() {
                return Err(StoreError::Unavailable {
                    reason: format!(
                        "DeleteObjects left {} object(s): {}",
                        output.errors().len(),
                        failed.code().unwrap_or("no code")
                    ),
                    retry_after_secs: super::errors::RETRY_AFTER_SECS,
                });
            }
        }
        Ok(())
    }
}
