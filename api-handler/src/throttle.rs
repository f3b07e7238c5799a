//! Throttling of the credential routes (register, confirm, login, refresh
//! and every later public auth route): per client address and per account,
//! with exponential backoff after repeated failures.
//!
//! Each process keeps its own limits (`governor` keeps the rates). With the
//! aws backend, every instance also counts in DynamoDB ([`Attempts`]): one
//! conditional update per key and attempt, the minute in the key, so fifty
//! warm instances share one budget instead of having fifty. Should
//! DynamoDB fail, the attempt is judged by this process's limits alone:
//! the limit degrades to per instance for the outage, rather than locking
//! every user out of signing in (closed) or dropping the limit (open).
//!
//! A throttled attempt is answered 429 with `Retry-After` before any account
//! is looked up, and accounts are keyed by the email as sent (normalised),
//! whether or not it exists: neither the answer nor its timing tells a
//! guesser which emails have accounts.

use std::collections::HashMap;
use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use chrono::Utc;
use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use route_framework::error::ApiError;
use sha2::{Digest, Sha256};

use crate::store::ports::{Attempts, FailureRun, StoreResult};

/// Attempts one client address may make per minute, all credential routes together.
pub const ATTEMPTS_PER_ADDRESS_PER_MINUTE: u32 = 30;
/// Attempts on one account per minute, from anywhere.
pub const ATTEMPTS_PER_ACCOUNT_PER_MINUTE: u32 = 10;
/// Failed attempts on an account before each further one must wait.
pub const FREE_FAILURES: u32 = 5;
/// The longest wait a run of failures imposes.
pub const MAX_BACKOFF: Duration = Duration::from_secs(15 * 60);
/// Keys kept before the limiters drop the ones that are at rest again.
const PRUNE_ABOVE: usize = 10_000;

/// The failed attempts on one account since its last success.
#[derive(Debug, Clone, Copy)]
struct Failures {
    count: u32,
    last: Instant,
}

/// The credential routes' throttle, shared by every request of the
/// process, and by every instance through the shared counters when there
/// are some.
pub struct Throttle {
    local: Local,
    shared: Option<Arc<dyn Attempts>>,
}

impl Throttle {
    /// A throttle with the documented rates, counting in `shared` too when
    /// given.
    pub fn new(shared: Option<Arc<dyn Attempts>>) -> Throttle {
        Throttle {
            local: Local::new(),
            shared,
        }
    }

    /// Admits one attempt from `address` (when known) on `account` (a
    /// normalised email, when the route names one), or answers 429.
    pub async fn admit(&self, address: Option<IpAddr>, account: Option<&str>) -> Result<(), ApiError> {
        self.local.admit(address, account)?;
        let Some(shared) = &self.shared else {
            return Ok(());
        };
        let minute = chrono::Duration::minutes(1);
        let now = Utc::now();
        let address_key = address.map(|address| format!("address:{address}"));
        let account_key = account.map(account_key);
        // One round trip: the two counts and the run of failures at once.
        let count = |key: Option<String>, limit: u32| async move {
            match key {
                Some(key) => shared.count(&key, limit, minute, now).await,
                None => Ok(None),
            }
        };
        let failures = async {
            match &account_key {
                Some(key) => shared.failures(key).await,
                None => Ok(None),
            }
        };
        let (by_address, by_account, failures) = tokio::join!(
            count(address_key, ATTEMPTS_PER_ADDRESS_PER_MINUTE),
            count(account_key.clone(), ATTEMPTS_PER_ACCOUNT_PER_MINUTE),
            failures
        );
        let judged = longest_wait(now, by_address, by_account, failures);
        match judged {
            Ok(None) => Ok(()),
            Ok(Some(wait)) => Err(too_many(wait)),
            Err(err) => {
                tracing::warn!(error = %err, "the shared attempt counters failed: this instance's limits alone apply");
                Ok(())
            }
        }
    }

    /// Records a failed attempt on `account` (a wrong password, a wrong code).
    pub async fn failed(&self, account: &str) {
        self.local.failed(account);
        if let Some(shared) = &self.shared
            && let Err(err) = shared
                .record_failure(&account_key(account), Utc::now(), KEEP_FAILURES)
                .await
        {
            tracing::warn!(error = %err, "a failed attempt was not counted in the shared counters");
        }
    }

    /// Clears `account`'s failures after a success.
    pub async fn succeeded(&self, account: &str) {
        self.local.succeeded(account);
        if let Some(shared) = &self.shared
            && let Err(err) = shared.clear_failures(&account_key(account)).await
        {
            tracing::warn!(error = %err, "a success did not clear the shared run of failures");
        }
    }
}

/// The longest wait the shared counters ask for: a full window, or a
/// run of failures' backoff; `None` to admit.
fn longest_wait(
    now: chrono::DateTime<Utc>,
    by_address: StoreResult<Option<chrono::Duration>>,
    by_account: StoreResult<Option<chrono::Duration>>,
    failures: StoreResult<Option<FailureRun>>,
) -> StoreResult<Option<Duration>> {
    let windows = [by_address?, by_account?];
    let backoff = failures?.and_then(|run| {
        let since = (now - run.last).to_std().unwrap_or_default();
        backoff(run.count).checked_sub(since).filter(|wait| !wait.is_zero())
    });
    let windows = windows.into_iter().flatten().filter_map(|wait| wait.to_std().ok());
    Ok(windows.chain(backoff).max())
}

/// How long a run of failures is kept after its last: past the longest
/// backoff, so a run is never forgotten while it holds an account back.
const KEEP_FAILURES: chrono::Duration = chrono::Duration::minutes(30);

/// An account's key in the shared counters: a hash of its normalised
/// email, so no address is stored there.
fn account_key(account: &str) -> String {
    let digest = Sha256::digest(account.as_bytes());
    let hex: String = digest.iter().map(|byte| format!("{byte:02x}")).collect();
    format!("account:{hex}")
}

/// The wait after the last of `count` failures before another attempt:
/// none for the first [`FREE_FAILURES`], then 1 s, doubling up to
/// [`MAX_BACKOFF`].
fn backoff(count: u32) -> Duration {
    match count.checked_sub(FREE_FAILURES) {
        None => Duration::ZERO,
        Some(extra) => Duration::from_secs(1u64 << extra.min(20)).min(MAX_BACKOFF),
    }
}

/// This process's limits.
struct Local {
    clock: DefaultClock,
    by_address: DefaultKeyedRateLimiter<IpAddr>,
    by_account: DefaultKeyedRateLimiter<String>,
    failures: Mutex<HashMap<String, Failures>>,
}

impl Local {
    /// This process's limits, at the documented rates.
    fn new() -> Local {
        let per_minute = |n: u32| Quota::per_minute(NonZeroU32::new(n).unwrap_or(NonZeroU32::MIN));
        Local {
            clock: DefaultClock::default(),
            by_address: RateLimiter::keyed(per_minute(ATTEMPTS_PER_ADDRESS_PER_MINUTE)),
            by_account: RateLimiter::keyed(per_minute(ATTEMPTS_PER_ACCOUNT_PER_MINUTE)),
            failures: Mutex::new(HashMap::new()),
        }
    }

    /// Admits one attempt, or answers 429.
    fn admit(&self, address: Option<IpAddr>, account: Option<&str>) -> Result<(), ApiError> {
        self.prune();
        if let Some(address) = address
            && let Err(not_until) = self.by_address.check_key(&address)
        {
            return Err(too_many(not_until.wait_time_from(self.clock.now())));
        }
        let Some(account) = account else {
            return Ok(());
        };
        let failures = self
            .failures
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(account)
            .copied();
        if let Some(failures) = failures {
            let waited = failures.last.elapsed();
            let backoff = backoff(failures.count);
            if waited < backoff {
                return Err(too_many(backoff - waited));
            }
        }
        match self.by_account.check_key(&account.to_owned()) {
            Ok(()) => Ok(()),
            Err(not_until) => Err(too_many(not_until.wait_time_from(self.clock.now()))),
        }
    }

    /// Records a failed attempt on `account`.
    fn failed(&self, account: &str) {
        let mut failures = self.failures.lock().unwrap_or_else(PoisonError::into_inner);
        let entry = failures.entry(account.to_owned()).or_insert(Failures {
            count: 0,
            last: Instant::now(),
        });
        entry.count = entry.count.saturating_add(1);
        entry.last = Instant::now();
    }

    /// Clears `account`'s failures.
    fn succeeded(&self, account: &str) {
        self.failures
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .remove(account);
    }

    /// Keeps memory bounded: forgets keys whose limits are at rest again and
    /// failure runs whose backoff has long passed.
    fn prune(&self) {
        if self.by_address.len() > PRUNE_ABOVE {
            self.by_address.retain_recent();
        }
        if self.by_account.len() > PRUNE_ABOVE {
            self.by_account.retain_recent();
        }
        let mut failures = self.failures.lock().unwrap_or_else(PoisonError::into_inner);
        if failures.len() > PRUNE_ABOVE {
            failures.retain(|_, run| run.last.elapsed() < MAX_BACKOFF);
        }
    }
}

/// 429 with `Retry-After` rounded up to whole seconds (at least 1).
fn too_many(wait: Duration) -> ApiError {
    let seconds = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
    let seconds = u32::try_from(seconds.max(1)).unwrap_or(u32::MAX);
    ApiError::too_many_requests("too many attempts: retry after the time in Retry-After", seconds)
}

#[cfg(test)]
mod tests {
    use std::net::{IpAddr, Ipv4Addr};

    use super::*;

    #[tokio::test]
    async fn an_address_gets_its_quota_then_429() {
        let throttle = Throttle::new(None);
        let address = Some(IpAddr::V4(Ipv4Addr::new(198, 51, 100, 1)));
        for _ in 0..ATTEMPTS_PER_ADDRESS_PER_MINUTE {
            throttle.admit(address, None).await.unwrap();
        }
        let refused = throttle.admit(address, None).await.unwrap_err();
        assert_eq!(refused.status().as_u16(), 429);
        assert!(
            throttle
                .admit(Some(IpAddr::V4(Ipv4Addr::LOCALHOST)), None)
                .await
                .is_ok(),
            "per address"
        );
    }

    #[tokio::test]
    async fn failures_back_off_exponentially_and_success_resets() {
        assert_eq!(backoff(FREE_FAILURES - 1), Duration::ZERO);
        assert_eq!(backoff(FREE_FAILURES), Duration::from_secs(1));
        assert_eq!(backoff(FREE_FAILURES + 3), Duration::from_secs(8));
        assert_eq!(backoff(FREE_FAILURES + 40), MAX_BACKOFF);
        assert!(KEEP_FAILURES.to_std().unwrap() > MAX_BACKOFF);
        let throttle = Throttle::new(None);
        for _ in 0..FREE_FAILURES {
            throttle.admit(None, Some("a@b.co")).await.unwrap();
            throttle.failed("a@b.co").await;
        }
        let refused = throttle.admit(None, Some("a@b.co")).await.unwrap_err();
        assert_eq!(refused.status().as_u16(), 429);
        throttle.succeeded("a@b.co").await;
        assert!(throttle.admit(None, Some("a@b.co")).await.is_ok());
    }

    #[test]
    fn accounts_are_keyed_by_a_hash_of_the_email() {
        let key = account_key("ada@example.com");
        assert!(key.starts_with("account:") && !key.contains("ada"), "{key}");
        assert_eq!(key.len(), "account:".len() + 64);
    }
}
