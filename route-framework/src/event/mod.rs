//! Events: queue consumers (`#[on_event("type")]`) and scheduled jobs
//! (`#[schedule("rate(..)")]`), served by the same binary as the routes.
//!
//! A consumer or job is an async fn whose arguments are extractors, like a
//! handler's: [`FromEventParts`] for every argument (the app's state,
//! [`EventId`], [`EventTime`], [`RequestId`](crate::extract::RequestId),
//! [`State`](crate::extract::State)) and, for a consumer's last argument,
//! the typed and validated [`Payload`]. It returns `()` or `Result<(), E>`
//! with a displayable `E`; an `Err` is a [`Failure`], and the message is
//! delivered again.
//!
//! [`EventDispatcher`] runs them: an SQS batch record by record (reporting
//! exactly the failures), a scheduled event's job, and locally every job on
//! its schedule.

mod dispatch;
mod extract;
mod failures;
mod message;
mod rule;

use std::fmt;

use bytes::Bytes;
use chrono::{DateTime, Utc};

pub use self::dispatch::{EventDispatcher, JobRun};
pub use self::extract::{EventId, EventTime, Payload};
pub use self::failures::{DeliveryFailure, FailureLog};
pub use self::message::Message;
pub use self::rule::{rule_job, rule_name};
use crate::extract::{ViaBody, ViaParts};
use crate::request::SharedState;
use crate::signature::Signature;

/// What a consumer's or a job's extractors read: the invocation minus the payload.
pub struct EventParts {
    pub(crate) request_id: String,
    pub(crate) event_id: String,
    pub(crate) time: DateTime<Utc>,
    pub(crate) state: SharedState,
}

impl EventParts {
    /// The Lambda request id, or a local one.
    pub fn request_id(&self) -> &str {
        &self.request_id
    }

    /// The event's id: the message's `eventId` attribute (its SQS message id
    /// without one), or the scheduled event's id.
    pub fn event_id(&self) -> &str {
        &self.event_id
    }

    /// When the message was sent, or the time the schedule fired for.
    pub fn time(&self) -> DateTime<Utc> {
        self.time
    }

    /// The application state, if it is an `S`.
    pub fn state<S: std::any::Any>(&self) -> Option<&S> {
        self.state.downcast_ref::<S>()
    }
}

/// Why a consumer or a job did not complete; the message is delivered again
/// (a job runs at its next time).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    message: String,
}

impl Failure {
    /// A failure saying `message` (logged; never shown to a user).
    pub fn new(message: impl Into<String>) -> Failure {
        Failure {
            message: message.into(),
        }
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Failure {}

/// How a consumer or a job ended.
pub type Outcome = Result<(), Failure>;

/// What a consumer or a job may return: `()` or `Result<(), E>` with a
/// displayable `E`.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a consumer's or a job's result",
    label = "return `()` or `Result<(), E>` where `E: Display`"
)]
pub trait IntoOutcome {
    /// The outcome.
    fn into_outcome(self) -> Outcome;
}

impl IntoOutcome for () {
    fn into_outcome(self) -> Outcome {
        Ok(())
    }
}

impl<E: fmt::Display> IntoOutcome for Result<(), E> {
    fn into_outcome(self) -> Outcome {
        self.map_err(|err| Failure::new(err.to_string()))
    }
}

/// An argument built from the event's parts, without its payload.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not an argument a consumer or a job can take",
    label = "not an event extractor",
    note = "event extractors are `EventId`, `EventTime`, `RequestId`, `State<S>` (or the app's own state type), and as a consumer's last argument `Payload<T>`"
)]
pub trait FromEventParts: Sized {
    /// Builds the value, or fails the event.
    fn from_event_parts(parts: &EventParts) -> Result<Self, Failure>;

    /// Records what the extractor reads (the application state's type) for
    /// the checks the event dispatcher makes when it is built. The default
    /// records nothing.
    fn describe(signature: &mut Signature) {
        let _ = signature;
    }
}

/// An argument that may read the payload; only a consumer's last argument can.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not an argument a consumer can take",
    label = "not an event extractor",
    note = "event extractors are `EventId`, `EventTime`, `RequestId`, `State<S>` (or the app's own state type), and as a consumer's last argument `Payload<T>`"
)]
pub trait FromEvent<M = ViaBody>: Sized {
    /// Builds the value from the parts and the payload, or fails the event.
    fn from_event(parts: &EventParts, payload: Bytes) -> Result<Self, Failure>;

    /// Records what the extractor reads, as [`FromEventParts::describe`] does.
    fn describe(signature: &mut Signature) {
        let _ = signature;
    }
}

impl<T: FromEventParts> FromEvent<ViaParts> for T {
    fn from_event(parts: &EventParts, _payload: Bytes) -> Result<Self, Failure> {
        T::from_event_parts(parts)
    }

    fn describe(signature: &mut Signature) {
        T::describe(signature);
    }
}
