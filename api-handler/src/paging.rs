//! Listing pages: `?limit=&cursor=`, and the public cursor, which signs the
//! adapter's continuation so that clients cannot forge or alter it (nor
//! replay it on another listing).
//!
//! A cursor is `base64url(continuation) "." base64url(mac)`, where the MAC
//! (HMAC-SHA256, truncated to 128 bits) covers the listing's scope (user,
//! listing, filters) and the continuation. A cursor altered, forged or
//! replayed on another listing is a 400.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use route_framework::error::ApiError;
use schemars::JsonSchema;
use serde::Serialize;
use sha2::Sha256;

use crate::store::ports::{Continuation, Page, PageRequest};

type HmacSha256 = Hmac<Sha256>;

/// Bytes of the MAC a cursor carries (128 bits); a cursor with any other
/// length is refused, so a short tag cannot be guessed.
const TAG_BYTES: usize = 16;

/// The default page size.
pub const DEFAULT_LIMIT: u32 = 20;
/// The largest page size.
pub const MAX_LIMIT: u32 = 100;

/// A page of a listing as the API answers it.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(rename = "PageOf{T}")]
pub struct Listing<T> {
    /// The items, newest first.
    pub items: Vec<T>,
    /// Opaque cursor of the next page; `null` on the last page.
    pub next_cursor: Option<String>,
}

/// Signs and checks cursors with one secret key.
#[derive(Clone)]
pub struct Cursors {
    key: Vec<u8>,
}

impl Cursors {
    /// A signer for `key` (at least 32 random bytes).
    pub fn new(key: &[u8]) -> Self {
        Cursors { key: key.to_vec() }
    }

    fn mac(&self, scope: &str, position: &str) -> HmacSha256 {
        // HMAC accepts keys of any length, so this never fails.
        let mut mac = <HmacSha256 as Mac>::new_from_slice(&self.key).unwrap_or_else(|_| unreachable!());
        mac.update(scope.as_bytes());
        mac.update(&[0]);
        mac.update(position.as_bytes());
        mac
    }

    /// The cursor continuing `scope` at `continuation`.
    pub fn encode(&self, scope: &str, continuation: &Continuation) -> String {
        let position = &continuation.0;
        format!(
            "{}.{}",
            URL_SAFE_NO_PAD.encode(position),
            URL_SAFE_NO_PAD.encode(&self.mac(scope, position).finalize().into_bytes()[..TAG_BYTES])
        )
    }

    /// The continuation in a cursor issued for `scope`, or 400.
    pub fn decode(&self, scope: &str, cursor: &str) -> Result<Continuation, ApiError> {
        let invalid = || ApiError::bad_request("invalid cursor: use the nextCursor of the previous page unchanged");
        let (position, tag) = cursor.split_once('.').ok_or_else(invalid)?;
        let position =
            String::from_utf8(URL_SAFE_NO_PAD.decode(position).map_err(|_| invalid())?).map_err(|_| invalid())?;
        let tag = URL_SAFE_NO_PAD.decode(tag).map_err(|_| invalid())?;
        if tag.len() != TAG_BYTES {
            return Err(invalid());
        }
        self.mac(scope, &position)
            .verify_truncated_left(&tag)
            .map_err(|_| invalid())?;
        Ok(Continuation(position))
    }

    /// The page a `?limit=&cursor=` asks for within `scope`.
    pub fn request(&self, scope: &str, limit: Option<u32>, cursor: Option<&str>) -> Result<PageRequest, ApiError> {
        Ok(PageRequest {
            limit: usize::try_from(limit.unwrap_or(DEFAULT_LIMIT)).unwrap_or(usize::MAX),
            after: cursor.map(|cursor| self.decode(scope, cursor)).transpose()?,
        })
    }

    /// The API's answer for a store's page of `scope`.
    pub fn listing<T>(&self, scope: &str, page: Page<T>) -> Listing<T> {
        Listing {
            items: page.items,
            next_cursor: page.next.map(|next| self.encode(scope, &next)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{Continuation, Cursors};

    #[test]
    fn cursors_round_trip_and_reject_tampering_and_other_scopes() {
        let cursors = Cursors::new(&[7; 32]);
        let position = Continuation("01J0000000000000000000000".to_owned());
        let cursor = cursors.encode("goals:u1", &position);
        assert_eq!(cursors.decode("goals:u1", &cursor).unwrap(), position);
        assert!(cursors.decode("goals:u2", &cursor).is_err());
        let mut tampered = cursor.clone().into_bytes();
        tampered[2] ^= 1;
        assert!(cursors.decode("goals:u1", &String::from_utf8_lossy(&tampered)).is_err());
        assert!(cursors.decode("goals:u1", "garbage").is_err());
        assert!(Cursors::new(&[8; 32]).decode("goals:u1", &cursor).is_err());
        let (body, tag) = cursor.split_once('.').unwrap();
        let short = format!("{body}.{}", &tag[..2]);
        assert!(
            cursors.decode("goals:u1", &short).is_err(),
            "a truncated tag is refused"
        );
    }
}
