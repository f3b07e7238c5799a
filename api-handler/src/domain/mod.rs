//! The app's types and rules, independent of any storage adapter.
//!
//! Handlers validate input here, stores persist what these types describe, and
//! the same rules (ownership, aggregates, streaks, targets) hold for every
//! backend.

pub mod attachment;
pub mod events;
pub mod goal;
pub mod identity;
pub mod profile;
pub mod progress;
pub mod stats;
pub mod validate;

/// A new opaque, creation-time-sortable id (a ULID).
pub fn new_id() -> String {
    ulid::Ulid::new().to_string()
}
