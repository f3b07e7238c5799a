//! Throttling of the credential routes (register, confirm, login, refresh):
//! per client address and per account, with exponential backoff after
//! repeated failures (`governor` keeps the rates).
//!
//! A throttled attempt is answered 429 with `Retry-After` before any account
//! is looked up, and accounts are keyed by the email as sent (normalised),
//! whether or not it exists: neither the answer nor its timing tells a
//! guesser which emails have accounts.

use std::collections::HashMap;
use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use route_framework::error::ApiError;

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

impl Failures {
    /// The wait after the last failure before another attempt: none for the
    /// first [`FREE_FAILURES`], then 1 s, doubling up to [`MAX_BACKOFF`].
    fn backoff(self) -> Duration {
        match self.count.checked_sub(FREE_FAILURES) {
            None => Duration::ZERO,
            Some(extra) => Duration::from_secs(1u64 << extra.min(20)).min(MAX_BACKOFF),
        }
    }
}

/// The credential routes' throttle, shared by every request of the process.
pub struct Throttle {
    clock: DefaultClock,
    by_address: DefaultKeyedRateLimiter<IpAddr>,
    by_account: DefaultKeyedRateLimiter<String>,
    failures: Mutex<HashMap<String, Failures>>,
}

impl Default for Throttle {
    fn default() -> Self {
        Throttle::new()
    }
}

impl Throttle {
    /// A throttle with the documented rates.
    pub fn new() -> Throttle {
        let per_minute = |n: u32| Quota::per_minute(NonZeroU32::new(n).unwrap_or(NonZeroU32::MIN));
        Throttle {
            clock: DefaultClock::default(),
            by_address: RateLimiter::keyed(per_minute(ATTEMPTS_PER_ADDRESS_PER_MINUTE)),
            by_account: RateLimiter::keyed(per_minute(ATTEMPTS_PER_ACCOUNT_PER_MINUTE)),
            failures: Mutex::new(HashMap::new()),
        }
    }

    /// Admits one attempt from `address` (when known) on `account` (a
    /// normalised email, when the route names one), or answers 429.
    pub fn admit(&self, address: Option<IpAddr>, account: Option<&str>) -> Result<(), ApiError> {
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
            let backoff = failures.backoff();
            if waited < backoff {
                return Err(too_many(backoff - waited));
            }
        }
        match self.by_account.check_key(&account.to_owned()) {
            Ok(()) => Ok(()),
            Err(not_until) => Err(too_many(not_until.wait_time_from(self.clock.now()))),
        }
    }

    /// Records a failed attempt on `account` (a wrong password, a wrong code).
    pub fn failed(&self, account: &str) {
        let mut failures = self.failures.lock().unwrap_or_else(PoisonError::into_inner);
        let entry = failures.entry(account.to_owned()).or_insert(Failures {
            count: 0,
            last: Instant::now(),
        });
        entry.count = entry.count.saturating_add(1);
        entry.last = Instant::now();
    }

    /// Clears `account`'s failures after a success.
    pub fn succeeded(&self, account: &str) {
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

    #[test]
    fn an_address_gets_its_quota_then_429() {
        let throttle = Throttle::new();
        let address = Some(IpAddr::V4(Ipv4Addr::new(198, 51, 100, 1)));
        for _ in 0..ATTEMPTS_PER_ADDRESS_PER_MINUTE {
            throttle.admit(address, None).unwrap();
        }
        let refused = throttle.admit(address, None).unwrap_err();
        assert_eq!(refused.status().as_u16(), 429);
        assert!(
            throttle.admit(Some(IpAddr::V4(Ipv4Addr::LOCALHOST)), None).is_ok(),
            "per address"
        );
    }

    #[test]
    fn failures_back_off_exponentially_and_success_resets() {
        let run = |count| Failures {
            count,
            last: Instant::now(),
        };
        assert_eq!(run(FREE_FAILURES - 1).backoff(), Duration::ZERO);
        assert_eq!(run(FREE_FAILURES).backoff(), Duration::from_secs(1));
        assert_eq!(run(FREE_FAILURES + 3).backoff(), Duration::from_secs(8));
        assert_eq!(run(FREE_FAILURES + 40).backoff(), MAX_BACKOFF);
        let throttle = Throttle::new();
        for _ in 0..FREE_FAILURES {
            throttle.admit(None, Some("a@b.co")).unwrap();
            throttle.failed("a@b.co");
        }
        assert_eq!(throttle.admit(None, Some("a@b.co")).unwrap_err().status().as_u16(), 429);
        throttle.succeeded("a@b.co");
        assert!(throttle.admit(None, Some("a@b.co")).is_ok());
    }
}
