//! The app's types and rules, independent of any storage adapter.
//!
//! Request types declare their rules here (with `garde`, published in the
//! OpenAPI document); the rules that decide what a change writes (targets
//! reached, aggregates, streaks, day bucketing, events) live here too, so
//! every backend persists the same decisions.

pub mod attachment;
pub mod events;
pub mod goal;
pub mod identity;
pub mod profile;
pub mod progress;
pub mod rules;
pub mod stats;

/// A new opaque, creation-time-sortable id (a ULID).
pub fn new_id() -> String {
    ulid::Ulid::new().to_string()
}
