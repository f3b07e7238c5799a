//! Which verified tokens the API still honours: a short per-process cache of
//! users' revocations in front of the `Revocations` port, which the
//! revocation check of every authenticated request reads
//! (`crate::admission`).
//!
//! The cache keeps a user's revocation (or its absence) for [`CACHE_FOR`]:
//! the instance that revokes updates its own entry at once; another warm
//! instance may honour an old token for up to that long. Writes are safe
//! all the same: once an account is deleted, every adapter write of its data
//! fails in its own transaction (see `store::ports::Revocations`).

use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use route_framework::error::ApiError;

use crate::domain::identity::Revocation;
use crate::store::ports::{Revocations, StoreError};

/// How long a user's revocation is trusted from the cache.
pub const CACHE_FOR: Duration = Duration::from_secs(5);
/// Users kept before entries older than [`CACHE_FOR`] are dropped.
const PRUNE_ABOVE: usize = 10_000;

/// The per-process cache of users' revocations.
#[derive(Default)]
pub struct Sessions {
    known: Mutex<HashMap<String, (Revocation, Instant)>>,
}

impl Sessions {
    /// The cached revocation of `user_id`, if fresh.
    fn cached(&self, user_id: &str) -> Option<Revocation> {
        let known = self.known.lock().unwrap_or_else(PoisonError::into_inner);
        known
            .get(user_id)
            .filter(|(_, at)| at.elapsed() < CACHE_FOR)
            .map(|(revocation, _)| *revocation)
    }

    /// Remembers `revocation` as `user_id`'s current one.
    pub fn remember(&self, user_id: &str, revocation: Revocation) {
        let mut known = self.known.lock().unwrap_or_else(PoisonError::into_inner);
        if known.len() > PRUNE_ABOVE {
            known.retain(|_, (_, at)| at.elapsed() < CACHE_FOR);
        }
        known.insert(user_id.to_owned(), (revocation, Instant::now()));
    }

    /// `user_id`'s revocation (none: the default), from the cache or `store`.
    pub async fn revocation(&self, store: &dyn Revocations, user_id: &str) -> Result<Revocation, StoreError> {
        if let Some(revocation) = self.cached(user_id) {
            return Ok(revocation);
        }
        let revocation = store.get(user_id).await?.unwrap_or_default();
        self.remember(user_id, revocation);
        Ok(revocation)
    }
}

/// The answer to a token the API no longer honours.
pub fn revoked() -> ApiError {
    ApiError::unauthorized("the token was revoked (signed out, password changed or account deleted): log in again")
}
