//! Attachment bytes as files, behind HMAC-signed, expiring URLs that the
//! local server answers outside the route registry (so they never reach
//! Terraform or API Gateway).

use std::path::{Path, PathBuf};

use async_trait::async_trait;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use bytes::Bytes;
use chrono::{DateTime, Utc};
use hmac::{Hmac, Mac};
use http::header::{CONTENT_LENGTH, CONTENT_TYPE};
use http::{HeaderMap, HeaderValue, Method, StatusCode, Uri};
use route_framework::error::ApiError;
use route_framework::response::{IntoResponse, Response};
use route_framework::server::LocalRoutes;
use sha2::Sha256;

use crate::domain::attachment::{MAX_ATTACHMENT_SIZE, URL_LIFETIME};
use crate::store::ports::{Blobs, Presigned, StoreError, StoreResult};

/// URL prefix of blob requests on the local server.
pub const BLOB_PREFIX: &str = "/_blobs/";

/// Files under `<data dir>/blobs`, signed with the data directory's secret.
pub struct EmbeddedBlobs {
    root: PathBuf,
    key: Vec<u8>,
    public_url: String,
}

/// What a signed URL allows.
#[derive(Debug, PartialEq, Eq)]
struct Grant {
    method: &'static str,
    key: String,
    content_type: String,
    size: Option<u64>,
    expires: i64,
}

impl EmbeddedBlobs {
    pub(crate) fn new(root: PathBuf, key: Vec<u8>, public_url: String) -> Self {
        EmbeddedBlobs {
            root,
            key,
            public_url: public_url.trim_end_matches('/').to_owned(),
        }
    }

    /// The HMAC of everything a grant allows.
    fn mac(&self, grant: &Grant) -> Hmac<Sha256> {
        let message = format!(
            "{}\n{}\n{}\n{}\n{}",
            grant.method,
            grant.key,
            grant.content_type,
            grant.size.map(|s| s.to_string()).unwrap_or_default(),
            grant.expires
        );
        // HMAC accepts keys of any length, so this never fails.
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&self.key).unwrap_or_else(|_| unreachable!());
        mac.update(message.as_bytes());
        mac
    }

    fn signature(&self, grant: &Grant) -> String {
        URL_SAFE_NO_PAD.encode(self.mac(grant).finalize().into_bytes())
    }

    fn presign(&self, grant: Grant) -> Presigned {
        let mut query = form_urlencoded::Serializer::new(String::new());
        query.append_pair("ct", &grant.content_type);
        if let Some(size) = grant.size {
            query.append_pair("size", &size.to_string());
        }
        query.append_pair("exp", &grant.expires.to_string());
        query.append_pair("sig", &self.signature(&grant));
        let url = format!("{}{BLOB_PREFIX}{}?{}", self.public_url, grant.key, query.finish());
        let headers = match grant.method {
            "PUT" => vec![("Content-Type".to_owned(), grant.content_type.clone())],
            _ => Vec::new(),
        };
        Presigned {
            url,
            headers,
            expires_at: DateTime::from_timestamp(grant.expires, 0).unwrap_or_else(Utc::now),
        }
    }

    /// The file of `key`; keys are `user/goal/attachment` ULIDs, checked here.
    fn path(&self, key: &str) -> Option<PathBuf> {
        let parts: Vec<&str> = key.split('/').collect();
        let safe = parts.len() == 3
            && parts
                .iter()
                .all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_alphanumeric()));
        safe.then(|| parts.iter().fold(self.root.clone(), |path, part| path.join(part)))
    }

    /// Checks the signature and expiry of a blob request; 403 otherwise.
    fn authorize(&self, method: &'static str, uri: &Uri) -> Result<Grant, ApiError> {
        let denied = || ApiError::new(StatusCode::FORBIDDEN, "forbidden", "the URL is invalid or has expired");
        let key = uri.path().strip_prefix(BLOB_PREFIX).ok_or_else(denied)?.to_owned();
        let mut content_type = None;
        let mut size = None;
        let mut expires = None;
        let mut signature = None;
        for (name, value) in form_urlencoded::parse(uri.query().unwrap_or_default().as_bytes()) {
            match name.as_ref() {
                "ct" => content_type = Some(value.into_owned()),
                "size" => size = value.parse::<u64>().ok(),
                "exp" => expires = value.parse::<i64>().ok(),
                "sig" => signature = Some(value.into_owned()),
                _ => {}
            }
        }
        let grant = Grant {
            method,
            key,
            content_type: content_type.ok_or_else(denied)?,
            size: if method == "PUT" {
                Some(size.ok_or_else(denied)?)
            } else {
                None
            },
            expires: expires.ok_or_else(denied)?,
        };
        // The MAC's own verifier compares in constant time.
        let given = signature
            .and_then(|sig| URL_SAFE_NO_PAD.decode(sig).ok())
            .ok_or_else(denied)?;
        let same = self.mac(&grant).verify_slice(&given).is_ok();
        if !same || grant.expires < Utc::now().timestamp() {
            return Err(denied());
        }
        Ok(grant)
    }

    async fn put(&self, uri: &Uri, headers: &HeaderMap, body: Bytes) -> Result<Response, ApiError> {
        let grant = self.authorize("PUT", uri)?;
        let sent_type = headers
            .get(CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default();
        if sent_type != grant.content_type {
            return Err(ApiError::unsupported_media_type(format!(
                "this URL accepts `Content-Type: {}` only",
                grant.content_type
            )));
        }
        let declared = grant.size.unwrap_or_default();
        if body.len() as u64 > declared {
            return Err(ApiError::payload_too_large(
                usize::try_from(declared).unwrap_or(usize::MAX),
            ));
        }
        if (body.len() as u64) < declared {
            return Err(ApiError::bad_request(format!(
                "expected exactly {declared} bytes, got {}",
                body.len()
            )));
        }
        let path = self
            .path(&grant.key)
            .ok_or_else(|| ApiError::not_found("no such blob"))?;
        write_atomically(&path, &body).await.map_err(|err| {
            tracing::error!(error = %err, path = %path.display(), "cannot store a blob");
            ApiError::internal()
        })?;
        Ok(Response::empty(StatusCode::OK))
    }

    async fn get(&self, uri: &Uri) -> Result<Response, ApiError> {
        let grant = self.authorize("GET", uri)?;
        let path = self
            .path(&grant.key)
            .ok_or_else(|| ApiError::not_found("no such blob"))?;
        match tokio::fs::read(&path).await {
            Ok(bytes) => {
                let content_type = HeaderValue::from_str(&grant.content_type)
                    .unwrap_or_else(|_| HeaderValue::from_static("application/octet-stream"));
                Ok(Response::bytes(content_type, bytes))
            }
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => {
                Err(ApiError::not_found("nothing was uploaded here yet"))
            }
            Err(err) => {
                tracing::error!(error = %err, path = %path.display(), "cannot read a blob");
                Err(ApiError::internal())
            }
        }
    }
}

/// Writes `bytes` to a temporary file beside `path`, then renames it into place.
async fn write_atomically(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    if let Some(dir) = path.parent() {
        tokio::fs::create_dir_all(dir).await?;
    }
    let temporary = path.with_extension("partial");
    tokio::fs::write(&temporary, bytes).await?;
    tokio::fs::rename(&temporary, path).await
}

impl EmbeddedBlobs {
    /// A `PUT` URL like [`Blobs::presign_upload`]'s, valid until `expires_at`.
    pub fn presign_upload_until(
        &self,
        key: &str,
        content_type: &str,
        size: u64,
        expires_at: DateTime<Utc>,
    ) -> Presigned {
        self.presign(Grant {
            method: "PUT",
            key: key.to_owned(),
            content_type: content_type.to_owned(),
            size: Some(size),
            expires: expires_at.timestamp(),
        })
    }
}

#[async_trait]
impl Blobs for EmbeddedBlobs {
    async fn presign_upload(&self, key: &str, content_type: &str, size: u64) -> StoreResult<Presigned> {
        Ok(self.presign_upload_until(key, content_type, size, Utc::now() + URL_LIFETIME))
    }

    async fn presign_download(&self, key: &str, content_type: &str) -> StoreResult<Presigned> {
        let expires = (Utc::now() + URL_LIFETIME).timestamp();
        Ok(self.presign(Grant {
            method: "GET",
            key: key.to_owned(),
            content_type: content_type.to_owned(),
            size: None,
            expires,
        }))
    }

    async fn delete(&self, keys: &[String]) -> StoreResult<()> {
        for key in keys {
            let Some(path) = self.path(key) else { continue };
            match tokio::fs::remove_file(&path).await {
                Ok(()) => {}
                Err(err) if err.kind() == std::io::ErrorKind::NotFound => {}
                Err(err) => {
                    return Err(StoreError::Internal(format!(
                        "cannot delete the blob {}: {err}",
                        path.display()
                    )));
                }
            }
        }
        Ok(())
    }

    async fn put(&self, key: &str, _content_type: &str, bytes: Vec<u8>) -> StoreResult<()> {
        // The type travels in the download URL's grant, as for uploads.
        let path = self
            .path(key)
            .ok_or_else(|| StoreError::Internal(format!("not a blob key: {key:?}")))?;
        write_atomically(&path, &bytes)
            .await
            .map_err(|err| StoreError::Internal(format!("cannot store the blob {}: {err}", path.display())))
    }

    async fn delete_under(&self, prefix: &str, _limit: usize) -> StoreResult<usize> {
        // A user's blobs are one directory (`<user>/<goal>/<attachment>`),
        // and a goal's one inside it, each removed at once: the prefix must
        // name exactly one of those.
        let folder = prefix.strip_suffix('/').unwrap_or(prefix);
        let segments: Vec<&str> = folder.split('/').collect();
        let named = |segment: &&str| !segment.is_empty() && segment.chars().all(|c| c.is_ascii_alphanumeric());
        if segments.len() > 2 || !segments.iter().all(named) {
            return Err(StoreError::Internal(format!(
                "blobs are deleted by user or goal directory, not by {prefix:?}"
            )));
        }
        let dir = segments
            .iter()
            .fold(self.root.clone(), |dir, segment| dir.join(segment));
        let unreadable = |err: std::io::Error| StoreError::Internal(format!("cannot read {}: {err}", dir.display()));
        // Count the files, then remove the whole tree.
        let mut files = 0_usize;
        let mut folders = vec![dir.clone()];
        while let Some(folder) = folders.pop() {
            let mut entries = match tokio::fs::read_dir(&folder).await {
                Ok(entries) => entries,
                Err(err) if err.kind() == std::io::ErrorKind::NotFound => continue,
                Err(err) => return Err(unreadable(err)),
            };
            while let Some(entry) = entries.next_entry().await.map_err(unreadable)? {
                if entry.file_type().await.map_err(unreadable)?.is_dir() {
                    folders.push(entry.path());
                } else {
                    files += 1;
                }
            }
        }
        match tokio::fs::remove_dir_all(&dir).await {
            Ok(()) => Ok(files),
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => Ok(0),
            Err(err) => Err(StoreError::Internal(format!("cannot delete {}: {err}", dir.display()))),
        }
    }
}

#[async_trait]
impl LocalRoutes for EmbeddedBlobs {
    fn handles(&self, path: &str) -> bool {
        path.starts_with(BLOB_PREFIX)
    }

    fn body_limit(&self, _path: &str) -> usize {
        usize::try_from(MAX_ATTACHMENT_SIZE).unwrap_or(usize::MAX)
    }

    async fn serve(&self, method: &Method, uri: &Uri, headers: &HeaderMap, body: Bytes) -> Response {
        let result = match *method {
            Method::PUT => self.put(uri, headers, body).await,
            Method::GET | Method::HEAD => self.get(uri).await,
            _ => Err(ApiError::method_not_allowed(HeaderValue::from_static("GET, HEAD, PUT"))),
        };
        let response = result.into_response();
        if response.error().is_none() && *method == Method::PUT {
            return response.with_header(CONTENT_LENGTH, HeaderValue::from(0));
        }
        response
    }
}

#[cfg(test)]
mod tests {
    use chrono::{Duration, Utc};
    use http::{HeaderMap, HeaderValue, Method};
    use route_framework::server::LocalRoutes;

    use super::EmbeddedBlobs;

    #[tokio::test]
    async fn expired_and_tampered_urls_are_refused() {
        let dir = tempfile::TempDir::new().unwrap();
        let blobs = EmbeddedBlobs::new(dir.path().to_owned(), vec![7; 32], "http://127.0.0.1:1".to_owned());
        let mut headers = HeaderMap::new();
        headers.insert(http::header::CONTENT_TYPE, HeaderValue::from_static("text/plain"));
        let put = |url: String| {
            let uri: http::Uri = url.trim_start_matches("http://127.0.0.1:1").parse().unwrap();
            let (blobs, headers) = (&blobs, headers.clone());
            async move { blobs.serve(&Method::PUT, &uri, &headers, "x".into()).await.status() }
        };
        let key = "01AAAAAAAAAAAAAAAAAAAAAAAA/01BBBBBBBBBBBBBBBBBBBBBBBB/01CCCCCCCCCCCCCCCCCCCCCCCC";
        let expired = blobs.presign_upload_until(key, "text/plain", 1, Utc::now() - Duration::seconds(1));
        assert_eq!(put(expired.url).await, 403);
        let valid = blobs.presign_upload_until(key, "text/plain", 1, Utc::now() + Duration::minutes(1));
        assert_eq!(put(valid.url.replace("size=1", "size=2")).await, 403);
        assert_eq!(put(valid.url).await, 200);
    }
}
