//! The app's types and rules, independent of any storage adapter.
//!
//! Request types declare their rules here (with `garde`, published in the
//! OpenAPI document); the rules that decide what a change writes (targets
//! reached, aggregates, streaks, day bucketing, events) live here too, so
//! every backend persists the same decisions.

pub mod attachment;
pub mod error;
pub mod events;
pub mod export;
pub mod goal;
pub mod identity;
pub mod notification;
pub mod profile;
pub mod progress;
pub mod rules;
pub mod stats;

use std::sync::{Mutex, PoisonError};

/// Makes ids of one process strictly increasing, even within a millisecond.
static IDS: Mutex<ulid::Generator> = Mutex::new(ulid::Generator::new());

/// A new opaque id (a ULID) that sorts after every id this process made
/// before it, so "newest first" is id order.
pub fn new_id() -> String {
    let generated = IDS.lock().unwrap_or_else(PoisonError::into_inner).generate();
    // Overflow needs 2^80 ids in one millisecond; a fresh random id is then fine.
    generated.unwrap_or_else(|_| ulid::Ulid::new()).to_string()
}
