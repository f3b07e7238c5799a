//! The ports: what the app needs from storage and services, one trait per
//! capability, in the domain's terms, so that any backend can implement them.
//!
//! Ports fail with a [`StoreError`] (the identity port with an
//! [`IdentityError`]), never an HTTP status: `crate::errors` maps both to
//! the error contract in one place. Listings return a [`Page`] whose
//! continuation the adapter fills (SQLite: the last key; DynamoDB:
//! `LastEvaluatedKey`) and the API layer signs into the public cursor. Domain
//! rules live in `crate::domain`; adapters persist, atomically, the writes and
//! events they are given. Another user's data is always `NotFound`.

mod aggregates;
mod attachments;
mod attempts;
mod blobs;
mod dead_letters;
mod erasure;
mod error;
mod exports;
mod goals;
mod identity;
mod inbox;
mod notifications;
mod page;
mod profiles;
mod progress;
mod retention;
mod revocations;

pub use self::aggregates::Aggregates;
pub use self::attachments::Attachments;
pub use self::attempts::{Attempts, FailureRun};
pub use self::blobs::{Blobs, Presigned};
pub use self::dead_letters::{DeadLetter, DeadLetters, DeliveryFailures, LastFailure};
pub use self::erasure::Erasure;
pub use self::error::{StoreError, StoreResult};
pub use self::exports::Exports;
pub use self::goals::{DeletedGoal, Goals};
pub use self::identity::{Account, Identity, IdentityError, Session};
pub use self::inbox::Inbox;
pub use self::notifications::{Outbox, Publisher, Received, Subscription};
pub use self::page::{Continuation, Page, PageRequest};
pub use self::profiles::Profiles;
pub use self::progress::{Idempotency, Progress, ProgressDraft, Recorded, TimeRange};
pub use self::retention::Retention;
pub use self::revocations::Revocations;
