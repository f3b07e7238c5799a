//! Opaque, tamper-checked pagination cursors.
//!
//! A cursor is `base64url(position) "." base64url(mac)`, where the MAC (HMAC-SHA256,
//! truncated to 128 bits) covers the listing's scope (user, listing, filters)
//! and the position. A cursor altered, forged or replayed on another listing
//! is a 400.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use sha2::Sha256;

use route_framework::error::ApiError;

type HmacSha256 = Hmac<Sha256>;

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

    /// The cursor continuing `scope` after `position`.
    pub fn encode(&self, scope: &str, position: &str) -> String {
        format!(
            "{}.{}",
            URL_SAFE_NO_PAD.encode(position),
            URL_SAFE_NO_PAD.encode(&self.mac(scope, position).finalize().into_bytes()[..16])
        )
    }

    /// The position in a cursor issued for `scope`, or 400.
    pub fn decode(&self, scope: &str, cursor: &str) -> Result<String, ApiError> {
        let invalid = || ApiError::bad_request("invalid cursor: use the nextCursor of the previous page unchanged");
        let (position, tag) = cursor.split_once('.').ok_or_else(invalid)?;
        let position =
            String::from_utf8(URL_SAFE_NO_PAD.decode(position).map_err(|_| invalid())?).map_err(|_| invalid())?;
        let tag = URL_SAFE_NO_PAD.decode(tag).map_err(|_| invalid())?;
        self.mac(scope, &position)
            .verify_truncated_left(&tag)
            .map_err(|_| invalid())?;
        Ok(position)
    }
}

#[cfg(test)]
mod tests {
    use super::Cursors;

    #[test]
    fn cursors_round_trip_and_reject_tampering_and_other_scopes() {
        let cursors = Cursors::new(&[7; 32]);
        let cursor = cursors.encode("goals:u1", "01J0000000000000000000000");
        assert_eq!(
            cursors.decode("goals:u1", &cursor).unwrap(),
            "01J0000000000000000000000"
        );
        assert!(cursors.decode("goals:u2", &cursor).is_err());
        let mut tampered = cursor.clone().into_bytes();
        tampered[2] ^= 1;
        assert!(cursors.decode("goals:u1", &String::from_utf8_lossy(&tampered)).is_err());
        assert!(cursors.decode("goals:u1", "garbage").is_err());
        assert!(Cursors::new(&[8; 32]).decode("goals:u1", &cursor).is_err());
    }
}
