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

    async fn put(&self, key: &str, content_type: &str, bytes: Vec<u8>) -> StoreResult<()> {
        self.client
            .put_object()
            .bucket(&self.bucket)
            .key(key)
            .content_type(content_type)
            .body(aws_sdk_s3::primitives::ByteStream::from(bytes))
            .send()
            .await
            .map_err(|err| store_error("PutObject", err))?;
        Ok(())
    }

    async fn delete_under(&self, prefix: &str, limit: usize) -> StoreResult<usize> {
        let page = i32::try_from(limit.clamp(1, 1_000)).unwrap_or(1_000);
        let output = self
            .client
            .list_objects_v2()
            .bucket(&self.bucket)
            .prefix(prefix)
            .max_keys(page)
            .send()
            .await
            .map_err(|err| store_error("ListObjectsV2", err))?;
        let keys: Vec<String> = output
            .contents()
            .iter()
            .filter_map(|object| object.key().map(str::to_owned))
            .collect();
        self.delete(&keys).await?;
        Ok(keys.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::aws::{AwsSettings, open, sdk_config};

    fn settings(endpoint: Option<&str>) -> AwsSettings {
        AwsSettings {
            region: "eu-west-1".to_owned(),
            endpoint_url: endpoint.map(str::to_owned),
            users_table: "u".to_owned(),
            goals_table: "g".to_owned(),
            aggregates_table: "a".to_owned(),
            bucket: "attachments".to_owned(),
            queue_url: "https://sqs.eu-west-1.amazonaws.com/1/n.fifo".to_owned(),
            user_pool_id: "eu-west-1_p".to_owned(),
            client_id: "c".to_owned(),
            cursor_secret: vec![b'x'; 32],
        }
    }

    /// Presigns without any network call: signing is local.
    async fn blobs(endpoint: Option<&str>) -> std::sync::Arc<dyn Blobs> {
        let settings = settings(endpoint);
        let credentials = aws_sdk_dynamodb::config::Credentials::new("AKIDEXAMPLE", "secret", None, None, "test");
        let sdk = sdk_config(
            &settings.region,
            settings.endpoint_url.as_deref(),
            crate::store::aws::CredentialSource::Fixed(credentials),
        )
        .await;
        open(&settings, &sdk).unwrap().blobs
    }

    fn query_param(url: &str, name: &str) -> Option<String> {
        let query = url.split_once('?')?.1;
        form_urlencoded::parse(query.as_bytes())
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.into_owned())
    }

    #[tokio::test]
    async fn an_upload_url_signs_its_content_type_and_length() {
        let upload = blobs(None)
            .await
            .presign_upload("u/g/a", "image/png", 1234)
            .await
            .unwrap();
        assert!(
            upload
                .url
                .starts_with("https://attachments.s3.eu-west-1.amazonaws.com/u/g/a?"),
            "{}",
            upload.url
        );
        assert_eq!(
            query_param(&upload.url, "X-Amz-SignedHeaders").as_deref(),
            Some("content-length;content-type;host"),
            "S3 refuses an upload of another type or size"
        );
        assert_eq!(query_param(&upload.url, "X-Amz-Expires").as_deref(), Some("900"));
        assert!(
            !upload.url.to_ascii_lowercase().contains("checksum"),
            "no checksum of an empty body is signed: {}",
            upload.url
        );
        let mut headers = upload.headers.clone();
        headers.sort();
        assert_eq!(
            headers,
            [
                ("Content-Length".to_owned(), "1234".to_owned()),
                ("Content-Type".to_owned(), "image/png".to_owned())
            ]
        );
    }

    #[tokio::test]
    async fn downloads_name_the_type_and_an_emulator_is_addressed_by_path() {
        let download = blobs(Some("http://127.0.0.1:5000"))
            .await
            .presign_download("u/g/a", "application/pdf")
            .await
            .unwrap();
        assert!(
            download.url.starts_with("http://127.0.0.1:5000/attachments/u/g/a?"),
            "{}",
            download.url
        );
        assert_eq!(
            query_param(&download.url, "response-content-type").as_deref(),
            Some("application/pdf")
        );
        assert_eq!(
            query_param(&download.url, "X-Amz-SignedHeaders").as_deref(),
            Some("host")
        );
    }
}
