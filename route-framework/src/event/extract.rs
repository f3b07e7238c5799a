//! The extractors consumers and jobs take.

use bytes::Bytes;
use chrono::{DateTime, Utc};
use serde::de::DeserializeOwned;
use serde_json::Value;

use super::{EventParts, Failure, FromEvent, FromEventParts};
use crate::extract::{RequestId, State, ViaBody};
use crate::signature::Signature;
use crate::validation::{self, Validate};

/// The event's id, the key consumers de-duplicate on: a redelivered
/// message carries the same one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventId(pub String);

impl FromEventParts for EventId {
    fn from_event_parts(parts: &EventParts) -> Result<Self, Failure> {
        Ok(EventId(parts.event_id.clone()))
    }
}

/// When the message was sent, or the time a job's schedule fired for (the
/// same on a retried invocation).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EventTime(pub DateTime<Utc>);

impl FromEventParts for EventTime {
    fn from_event_parts(parts: &EventParts) -> Result<Self, Failure> {
        Ok(EventTime(parts.time))
    }
}

impl FromEventParts for RequestId {
    fn from_event_parts(parts: &EventParts) -> Result<Self, Failure> {
        Ok(RequestId(parts.request_id.clone()))
    }
}

impl<S: Clone + Send + Sync + 'static> FromEventParts for State<S> {
    fn from_event_parts(parts: &EventParts) -> Result<Self, Failure> {
        parts.state::<S>().cloned().map(State).ok_or_else(|| {
            Failure::new(format!(
                "the event dispatcher was built without the state `{}`",
                std::any::type_name::<S>()
            ))
        })
    }

    fn describe(signature: &mut Signature) {
        signature.read_state::<S>();
    }
}

/// A consumer's message body: JSON that fits `T` and every rule `T`
/// declares with `garde`. One that does not is a [`Failure`] naming the
/// misfit, so the message is reported and, after its retries, dead-lettered.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Payload<T>(pub T);

impl<T> FromEvent<ViaBody> for Payload<T>
where
    T: DeserializeOwned + Validate + 'static,
    T::Context: Default,
{
    fn from_event(_parts: &EventParts, payload: Bytes) -> Result<Self, Failure> {
        let value: Value =
            serde_json::from_slice(&payload).map_err(|err| Failure::new(format!("the payload is not JSON: {err}")))?;
        let parsed: T = serde_path_to_error::deserialize(&value).map_err(|err| {
            Failure::new(format!(
                "the payload does not fit `{}` at `{}`: {}",
                std::any::type_name::<T>(),
                err.path(),
                err.inner()
            ))
        })?;
        validation::validate(&parsed, &value, true).map_err(|err| {
            let broken: Vec<String> = err
                .details()
                .iter()
                .map(|detail| format!("{}: {}", detail.field, detail.message))
                .collect();
            Failure::new(format!("the payload breaks its rules: {}", broken.join("; ")))
        })?;
        Ok(Payload(parsed))
    }
}
