//! The invariants the soak checks, each with how often it was checked, how
//! often it broke and a few examples of the breaks.

use std::collections::BTreeMap;
use std::sync::{Mutex, PoisonError};

/// How many examples of a broken invariant are kept.
const EXAMPLES: usize = 5;

/// One invariant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(super) enum Invariant {
    /// Acknowledged writes read back with their acknowledged values.
    Acknowledged,
    /// A write answered with an error left nothing behind.
    ErrorsNotApplied,
    /// A write of unknown outcome is wholly applied or not at all.
    UnknownAllOrNothing,
    /// Cursor listings give every item once.
    Listings,
    /// Statistics equal the sums of the entries.
    Stats,
    /// Each consumer effect happened exactly once per event.
    ConsumersOnce,
    /// The outbox is empty once drained.
    Outbox,
    /// The queue is empty once drained.
    Queue,
    /// The dead-letter queue is empty.
    DeadLetters,
    /// A retry with the same `Idempotency-Key` answers the original entry.
    IdempotentReplay,
    /// No 5xx answer.
    NoServerErrors,
    /// Every answer is one the contract allows for its request.
    ExpectedStatus,
    /// Tokens issued before a restart are honoured after it.
    TokensSurvive,
    /// Slow clients are timed out.
    SlowClients,
    /// A deleted account's credentials and tokens are refused and its data
    /// purged.
    Purged,
}

impl Invariant {
    /// Every invariant, in the order they are printed.
    pub(super) const ALL: [Invariant; 15] = [
        Invariant::Acknowledged,
        Invariant::ErrorsNotApplied,
        Invariant::UnknownAllOrNothing,
        Invariant::Listings,
        Invariant::Stats,
        Invariant::ConsumersOnce,
        Invariant::Outbox,
        Invariant::Queue,
        Invariant::DeadLetters,
        Invariant::IdempotentReplay,
        Invariant::NoServerErrors,
        Invariant::ExpectedStatus,
        Invariant::TokensSurvive,
        Invariant::SlowClients,
        Invariant::Purged,
    ];

    /// What it says, as printed.
    pub(super) fn text(self) -> &'static str {
        match self {
            Invariant::Acknowledged => "every acknowledged write reads back with its acknowledged value",
            Invariant::ErrorsNotApplied => "no write answered with an error is applied, even in part",
            Invariant::UnknownAllOrNothing => "every write of unknown outcome is applied whole or not at all",
            Invariant::Listings => "cursor listings give every item exactly once",
            Invariant::Stats => "each goal's stats equal the sum of its entries, per day and in total",
            Invariant::ConsumersOnce => "each consumer effect happened exactly once per event",
            Invariant::Outbox => "the outbox is empty once drained",
            Invariant::Queue => "the queue is empty once drained (every message consumed)",
            Invariant::DeadLetters => "the dead-letter queue is empty",
            Invariant::IdempotentReplay => "every retry with the same Idempotency-Key answered the original entry",
            Invariant::NoServerErrors => "no 5xx answer but those an injected fault explains",
            Invariant::ExpectedStatus => "every answer is one the contract allows for its request",
            Invariant::TokensSurvive => "tokens issued before a restart are honoured after it",
            Invariant::SlowClients => "slow clients are timed out by the server",
            Invariant::Purged => {
                "a deleted account's credentials and tokens are refused, and nothing of it is left once drained"
            }
        }
    }

    /// Its short name, for the failure message.
    pub(super) fn name(self) -> &'static str {
        match self {
            Invariant::Acknowledged => "acknowledged-writes",
            Invariant::ErrorsNotApplied => "errors-not-applied",
            Invariant::UnknownAllOrNothing => "unknown-all-or-nothing",
            Invariant::Listings => "listings",
            Invariant::Stats => "stats",
            Invariant::ConsumersOnce => "consumers-once",
            Invariant::Outbox => "outbox-empty",
            Invariant::Queue => "queue-drained",
            Invariant::DeadLetters => "dead-letters-empty",
            Invariant::IdempotentReplay => "idempotent-replay",
            Invariant::NoServerErrors => "no-5xx",
            Invariant::ExpectedStatus => "expected-status",
            Invariant::TokensSurvive => "tokens-survive-restarts",
            Invariant::SlowClients => "slow-clients",
            Invariant::Purged => "deleted-accounts-purged",
        }
    }
}

/// One invariant's tally.
#[derive(Debug, Clone, Default)]
pub(super) struct Tally {
    /// How often it was checked.
    pub(super) checked: u64,
    /// How often it broke.
    pub(super) broken: u64,
    /// The first breaks, described.
    pub(super) examples: Vec<String>,
}

/// The tallies of every invariant, shared by the users and the checks.
#[derive(Default)]
pub(super) struct Findings {
    tallies: Mutex<BTreeMap<Invariant, Tally>>,
}

impl Findings {
    /// Counts `count` checks of `invariant` that held.
    pub(super) fn held(&self, invariant: Invariant, count: u64) {
        let mut tallies = self.tallies.lock().unwrap_or_else(PoisonError::into_inner);
        tallies.entry(invariant).or_default().checked += count;
    }

    /// Counts one check of `invariant` that broke, as `example` describes.
    pub(super) fn broke(&self, invariant: Invariant, example: String) {
        let mut tallies = self.tallies.lock().unwrap_or_else(PoisonError::into_inner);
        let tally = tallies.entry(invariant).or_default();
        tally.checked += 1;
        tally.broken += 1;
        if tally.examples.len() < EXAMPLES {
            tally.examples.push(example);
        }
    }

    /// Counts one check of `invariant`: held when `ok`, else broken as
    /// `example` describes. Returns `ok`.
    pub(super) fn check(&self, invariant: Invariant, ok: bool, example: impl FnOnce() -> String) -> bool {
        if ok {
            self.held(invariant, 1);
        } else {
            self.broke(invariant, example());
        }
        ok
    }

    /// Breaks so far, all invariants together.
    pub(super) fn broken(&self) -> u64 {
        let tallies = self.tallies.lock().unwrap_or_else(PoisonError::into_inner);
        tallies.values().map(|tally| tally.broken).sum()
    }

    /// Every invariant's tally, in [`Invariant::ALL`] order.
    pub(super) fn snapshot(&self) -> Vec<(Invariant, Tally)> {
        let tallies = self.tallies.lock().unwrap_or_else(PoisonError::into_inner);
        Invariant::ALL
            .iter()
            .map(|invariant| (*invariant, tallies.get(invariant).cloned().unwrap_or_default()))
            .collect()
    }
}
