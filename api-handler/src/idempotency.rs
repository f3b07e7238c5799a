//! `Idempotency-Key`: the header that makes a retried write safe, and the
//! stable fingerprint that tells a retry from a different request reusing
//! its key.

use route_framework::error::ApiError;
use route_framework::extract::FromRequestParts;
use route_framework::request::RequestParts;
use route_framework::signature::{HeaderParameter, Signature};
use schemars::{Schema, SchemaGenerator, json_schema};
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::store::ports::Idempotency;

/// The header's name.
pub const HEADER: &str = "Idempotency-Key";
/// Longest accepted key.
pub const MAX_KEY_LENGTH: usize = 255;

/// The request's `Idempotency-Key`, if it sent one: 1 to 255 visible
/// characters, else a 400.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdempotencyKey(pub Option<String>);

impl IdempotencyKey {
    /// The key with the fingerprint of the request it came with; `None`
    /// without a key. `request` is serialised as JSON and hashed (SHA-256),
    /// so the fingerprint is stable across releases and platforms.
    pub fn with_request(&self, request: &impl Serialize) -> Result<Option<Idempotency>, ApiError> {
        let Some(key) = &self.0 else {
            return Ok(None);
        };
        let json = serde_json::to_vec(request)
            .map_err(|err| ApiError::bad_request(format!("the request cannot be fingerprinted: {err}")))?;
        let digest = Sha256::digest(&json);
        Ok(Some(Idempotency {
            key: key.clone(),
            fingerprint: digest.iter().map(|byte| format!("{byte:02x}")).collect(),
        }))
    }
}

impl FromRequestParts for IdempotencyKey {
    fn from_request_parts(parts: &RequestParts) -> Result<Self, ApiError> {
        let Some(value) = parts.headers().get(HEADER) else {
            return Ok(IdempotencyKey(None));
        };
        let key = value.to_str().unwrap_or_default().trim();
        if key.is_empty() || key.len() > MAX_KEY_LENGTH {
            return Err(ApiError::bad_request(
                "Idempotency-Key must be 1 to 255 visible characters",
            ));
        }
        Ok(IdempotencyKey(Some(key.to_owned())))
    }

    fn describe(signature: &mut Signature) {
        signature.read_header(HeaderParameter {
            name: HEADER,
            description: "Makes the write safe to retry: a retry with the same key and body answers the \
                          original result; the same key with another body is a 409.",
            schema: key_schema,
        });
    }
}

/// The key's schema: 1 to 255 characters.
fn key_schema(_: &mut SchemaGenerator) -> Schema {
    json_schema!({ "type": "string", "minLength": 1, "maxLength": MAX_KEY_LENGTH })
}

#[cfg(test)]
mod tests {
    use super::IdempotencyKey;

    #[test]
    fn the_fingerprint_is_a_hash_of_the_json_request() {
        let key = IdempotencyKey(Some("k1".to_owned()));
        let first = key.with_request(&("g1", 2.5, None::<String>)).unwrap().unwrap();
        assert_eq!(first.key, "k1");
        // SHA-256 of `["g1",2.5,null]`: a format that no compiler or release changes.
        assert_eq!(
            first.fingerprint,
            "ffcbc4e6203085c7dc3a50c53af80e3fac7ae9843a9d942e4ade7c3ee7fdf86f"
        );
        let other = key.with_request(&("g1", 2.5, Some("note"))).unwrap().unwrap();
        assert_ne!(first.fingerprint, other.fingerprint);
        assert_eq!(IdempotencyKey(None).with_request(&1).unwrap(), None);
    }
}
