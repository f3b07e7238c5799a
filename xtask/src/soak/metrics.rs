//! What the load measured: every exchange's route, latency and outcome,
//! counted per route, per cause of failure and per second of the run (the
//! timeline a later chart is drawn from).

use std::collections::BTreeMap;
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use super::exchange::{Cause, Failure, Sent};
use super::proxy::Kind;

/// How many examples of 5xx answers are kept.
const EXAMPLES: usize = 10;

/// The figures of one route.
#[derive(Debug, Clone, Default)]
pub(super) struct RouteFigures {
    /// Exchanges sent.
    pub(super) requests: u64,
    /// Exchanges without an answer.
    pub(super) failures: u64,
    /// Latency of each answered exchange, in microseconds.
    pub(super) latencies_us: Vec<u32>,
}

/// One second of the run.
#[derive(Debug, Clone, Default)]
pub(super) struct Second {
    /// Exchanges that ended in it.
    pub(super) requests: u64,
    /// Of which without an answer.
    pub(super) failures: u64,
    /// Of which answered 5xx.
    pub(super) server_errors: u64,
    /// Latencies of its answered exchanges, in microseconds.
    pub(super) latencies_us: Vec<u32>,
}

/// Everything counted so far.
#[derive(Debug, Clone, Default)]
pub(super) struct Counts {
    /// By route.
    pub(super) routes: BTreeMap<&'static str, RouteFigures>,
    /// Failed exchanges by cause, and whether their outcome is unknown.
    pub(super) failures: BTreeMap<(Cause, bool), u64>,
    /// Answers by status code.
    pub(super) statuses: BTreeMap<u16, u64>,
    /// Per second since the start.
    pub(super) seconds: Vec<Second>,
    /// Some 5xx answers: route and answer.
    pub(super) server_error_examples: Vec<String>,
    /// Answers (5xx, 429) an injected fault explains, by the fault's kind
    /// and the status.
    pub(super) explained: BTreeMap<(Kind, u16), u64>,
}

impl Counts {
    /// Every exchange.
    pub(super) fn requests(&self) -> u64 {
        self.routes.values().map(|route| route.requests).sum()
    }

    /// Answers of 500 or more.
    pub(super) fn server_errors(&self) -> u64 {
        self.statuses
            .iter()
            .filter(|(status, _)| **status >= 500)
            .map(|(_, count)| count)
            .sum()
    }

    /// Answers of 500 or more that no injected fault explains.
    pub(super) fn unexplained_server_errors(&self) -> u64 {
        let explained: u64 = self
            .explained
            .iter()
            .filter(|((_, status), _)| *status >= 500)
            .map(|(_, count)| count)
            .sum();
        self.server_errors().saturating_sub(explained)
    }
}

/// The shared counters; a lock held only to add one exchange.
pub(super) struct Metrics {
    started: Instant,
    counts: Mutex<Counts>,
}

impl Metrics {
    /// Counters whose seconds start now.
    pub(super) fn new(started: Instant) -> Metrics {
        Metrics {
            started,
            counts: Mutex::new(Counts::default()),
        }
    }

    /// Counts one exchange of `route` that took `elapsed`; `explained`, the
    /// kind of the injected fault its 5xx or 429 answer is put down to.
    pub(super) fn record(&self, route: &'static str, elapsed: Duration, sent: &Sent, explained: Option<Kind>) {
        let second = usize::try_from(self.started.elapsed().as_secs()).unwrap_or(usize::MAX);
        let micros = u32::try_from(elapsed.as_micros()).unwrap_or(u32::MAX);
        let mut guard = self.counts.lock().unwrap_or_else(PoisonError::into_inner);
        let counts = &mut *guard;
        if counts.seconds.len() <= second && second < 1_000_000 {
            counts.seconds.resize_with(second + 1, Second::default);
        }
        let figures = counts.routes.entry(route).or_default();
        figures.requests += 1;
        match sent {
            Ok(reply) => {
                figures.latencies_us.push(micros);
                *counts.statuses.entry(reply.status).or_default() += 1;
                if let Some(kind) = explained {
                    *counts.explained.entry((kind, reply.status)).or_default() += 1;
                } else if reply.status >= 500 && counts.server_error_examples.len() < EXAMPLES {
                    let example = format!("{route}: {}", reply.summary());
                    counts.server_error_examples.push(example);
                }
            }
            Err(failure) => {
                figures.failures += 1;
                let unknown = matches!(failure, Failure::Unknown(_));
                *counts.failures.entry((failure.cause(), unknown)).or_default() += 1;
            }
        }
        if let Some(slot) = counts.seconds.get_mut(second) {
            slot.requests += 1;
            match sent {
                Ok(reply) => {
                    slot.latencies_us.push(micros);
                    if reply.status >= 500 {
                        slot.server_errors += 1;
                    }
                }
                Err(_) => slot.failures += 1,
            }
        }
    }

    /// A copy of the counts.
    pub(super) fn snapshot(&self) -> Counts {
        self.counts.lock().unwrap_or_else(PoisonError::into_inner).clone()
    }

    /// Exchanges, failures, 5xx and answers injected faults explain so far
    /// (for the progress line).
    pub(super) fn totals(&self) -> (u64, BTreeMap<(Cause, bool), u64>, u64, u64) {
        let counts = self.counts.lock().unwrap_or_else(PoisonError::into_inner);
        let explained = counts.explained.values().sum();
        (
            counts.requests(),
            counts.failures.clone(),
            counts.server_errors(),
            explained,
        )
    }
}

/// The `q` quantile (0–1) of `samples`, nearest rank; sorts them.
pub(super) fn quantile(samples: &mut [u32], q: f64) -> Option<u32> {
    if samples.is_empty() {
        return None;
    }
    samples.sort_unstable();
    let rank = (q * samples.len() as f64).ceil() as usize;
    samples.get(rank.saturating_sub(1).min(samples.len() - 1)).copied()
}

/// Failures by cause, as the progress line and the report print them.
pub(super) fn describe_failures(failures: &BTreeMap<(Cause, bool), u64>) -> String {
    if failures.is_empty() {
        return "none".to_owned();
    }
    failures
        .iter()
        .map(|((cause, unknown), count)| {
            let kind = if *unknown { "outcome unknown" } else { "not sent" };
            format!("{} ({kind}) {count}", cause.name())
        })
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantiles_are_nearest_rank() {
        let mut samples: Vec<u32> = (1..=100).rev().collect();
        assert_eq!(quantile(&mut samples, 0.5), Some(50));
        assert_eq!(quantile(&mut samples, 0.99), Some(99));
        assert_eq!(quantile(&mut samples, 1.0), Some(100));
        assert_eq!(quantile(&mut [], 0.5), None);
        assert_eq!(quantile(&mut [7], 0.99), Some(7));
    }
}
