//! A verified-token cache in front of any [`Authenticator`]: a token seen
//! before is not verified again until it expires, which spares an ECDSA or
//! RSA verification per request on the local server and function URLs.

use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};
use std::time::{SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sha2::{Digest, Sha256};

use super::{Authenticator, User};
use crate::error::ApiError;

/// How many verified tokens are remembered at most.
pub const DEFAULT_CAPACITY: usize = 4_096;

/// Remembers the users of tokens `inner` verified, keyed by the token's
/// SHA-256, each until the token's own `exp`. Bounded: when full, expired
/// entries go first, then the ones closest to expiry.
pub struct CachedAuthenticator<A> {
    inner: A,
    capacity: usize,
    verified: Mutex<HashMap<[u8; 32], (User, u64)>>,
}

impl<A: Authenticator> CachedAuthenticator<A> {
    /// `inner` behind a cache of at most `capacity` tokens.
    pub fn new(inner: A, capacity: usize) -> Self {
        CachedAuthenticator {
            inner,
            capacity: capacity.max(1),
            verified: Mutex::new(HashMap::new()),
        }
    }
}

/// Seconds since the epoch.
fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |since| since.as_secs())
}

/// The `exp` claim of a token whose signature was just verified.
fn expiry(token: &str) -> Option<u64> {
    let payload = token.split('.').nth(1)?;
    let bytes = URL_SAFE_NO_PAD.decode(payload).ok()?;
    serde_json::from_slice::<serde_json::Value>(&bytes)
        .ok()?
        .get("exp")?
        .as_u64()
}

#[async_trait::async_trait]
impl<A: Authenticator> Authenticator for CachedAuthenticator<A> {
    async fn verify(&self, token: &str) -> Result<User, ApiError> {
        let key: [u8; 32] = Sha256::digest(token.as_bytes()).into();
        let now = now();
        if let Some((user, _)) = self
            .verified
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(&key)
            .filter(|(_, expires)| *expires > now)
        {
            return Ok(user.clone());
        }
        let user = self.inner.verify(token).await?;
        // Only a token that names its expiry is remembered, and only until then.
        if let Some(expires) = expiry(token).filter(|expires| *expires > now) {
            let mut verified = self.verified.lock().unwrap_or_else(PoisonError::into_inner);
            if verified.len() >= self.capacity {
                verified.retain(|_, (_, at)| *at > now);
            }
            if verified.len() >= self.capacity {
                let soonest = verified.iter().min_by_key(|(_, (_, at))| *at).map(|(key, _)| *key);
                if let Some(soonest) = soonest {
                    verified.remove(&soonest);
                }
            }
            verified.insert(key, (user.clone(), expires));
        }
        Ok(user)
    }

    fn gateway_user(&self, claims: &HashMap<String, String>, scopes: Option<&[String]>) -> Result<User, ApiError> {
        self.inner.gateway_user(claims, scopes)
    }

    async fn admit(&self, user: &User) -> Result<(), ApiError> {
        self.inner.admit(user).await
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::*;

    /// Accepts any token that does not start with `bad`, counting the calls.
    #[derive(Default)]
    struct Counting(AtomicUsize);

    #[async_trait::async_trait]
    impl Authenticator for Counting {
        async fn verify(&self, token: &str) -> Result<User, ApiError> {
            self.0.fetch_add(1, Ordering::SeqCst);
            if token.starts_with("bad") {
                return Err(ApiError::unauthorized("bad token"));
            }
            Ok(User {
                id: token.len().to_string(),
                email: None,
                scopes: Vec::new(),
                issued_at: None,
            })
        }
    }

    fn token(exp: u64, nonce: u32) -> String {
        let payload = URL_SAFE_NO_PAD.encode(format!(r#"{{"sub":"u","exp":{exp},"n":{nonce}}}"#));
        format!("eyJhbGciOiJFUzI1NiJ9.{payload}.c2ln")
    }

    fn calls(cache: &CachedAuthenticator<Counting>) -> usize {
        cache.inner.0.load(Ordering::SeqCst)
    }

    #[tokio::test]
    async fn a_verified_token_is_not_verified_again_until_it_expires() {
        let cache = CachedAuthenticator::new(Counting::default(), 8);
        let live = token(now() + 600, 1);
        assert_eq!(cache.verify(&live).await.unwrap(), cache.verify(&live).await.unwrap());
        assert_eq!(calls(&cache), 1);
        let expired = token(now() - 1, 2);
        cache.verify(&expired).await.unwrap();
        cache.verify(&expired).await.unwrap();
        assert_eq!(calls(&cache), 3, "an expired token is verified every time");
        let refused = format!("bad{}", token(now() + 600, 3));
        assert!(cache.verify(&refused).await.is_err());
        assert!(cache.verify(&refused).await.is_err());
        assert_eq!(calls(&cache), 5, "a refusal is never remembered");
    }

    #[tokio::test]
    async fn the_cache_stays_within_its_capacity_dropping_the_soonest_to_expire() {
        let cache = CachedAuthenticator::new(Counting::default(), 2);
        let (soon, later, latest) = (token(now() + 60, 1), token(now() + 600, 2), token(now() + 900, 3));
        for t in [&soon, &later, &latest] {
            cache.verify(t).await.unwrap();
        }
        assert_eq!(cache.verified.lock().unwrap().len(), 2);
        cache.verify(&later).await.unwrap();
        cache.verify(&latest).await.unwrap();
        assert_eq!(calls(&cache), 3, "the two latest are remembered");
        cache.verify(&soon).await.unwrap();
        assert_eq!(calls(&cache), 4, "the soonest to expire was dropped");
    }
}
