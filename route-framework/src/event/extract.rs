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
///
/// ```standalone_crate
/// use std::sync::{Arc, Mutex};
///
/// use route_framework::event::{EventDispatcher, Message};
/// use route_framework::prelude::*;
///
/// /// The ids seen.
/// type Seen = Arc<Mutex<Vec<String>>>;
///
/// /// Remember who signed up.
/// #[on_event("user.signed_up")]
/// async fn signed_up(State(seen): State<Seen>, EventId(id): EventId) {
///     seen.lock().unwrap().push(id);
/// }
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let seen = Seen::default();
/// let events = EventDispatcher::new(route_framework::consumers(), [], seen.clone())?;
/// let message = Message {
///     id: "sqs-1".to_owned(),
///     event_type: Some("user.signed_up".to_owned()),
///     event_id: Some("evt-1".to_owned()),
///     group: None,
///     sent_at: None,
///     body: "{}".to_owned(),
/// };
/// // Delivered twice (a retry, say): the same `eventId` both times.
/// events.deliver(vec![message.clone()], "request-1").await;
/// // Without the attribute, the queue's own id.
/// events.deliver(vec![Message { event_id: None, ..message }], "request-2").await;
/// assert_eq!(*seen.lock().unwrap(), ["evt-1", "sqs-1"]);
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventId(pub String);

impl FromEventParts for EventId {
    fn from_event_parts(parts: &EventParts) -> Result<Self, Failure> {
        Ok(EventId(parts.event_id.clone()))
    }
}

/// When the message was sent, or the time a job's schedule fired for (the
/// same on a retried invocation).
///
/// ```standalone_crate
/// use std::sync::{Arc, Mutex};
///
/// use chrono::{DateTime, TimeZone, Utc};
/// use route_framework::event::{EventDispatcher, JobRun};
/// use route_framework::prelude::*;
///
/// /// When the job ran for.
/// type Runs = Arc<Mutex<Vec<DateTime<Utc>>>>;
///
/// /// Remind people at the top of the hour.
/// #[schedule("cron(0 * * * ? *)")]
/// async fn remind(State(runs): State<Runs>, EventTime(time): EventTime) {
///     runs.lock().unwrap().push(time);
/// }
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let runs = Runs::default();
/// let events = EventDispatcher::new([], route_framework::jobs(), runs.clone())?;
/// let time = Utc.with_ymd_and_hms(2025, 6, 1, 20, 0, 0).single().ok_or("no such time")?;
/// let job = events.job("remind").ok_or("no job")?;
/// events.run_job(JobRun { job, time, event_id: "e1".into(), request_id: "r1".into() }).await?;
/// assert_eq!(*runs.lock().unwrap(), [time]);
/// # Ok(())
/// # }
/// ```
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
///
/// ```standalone_crate
/// use std::sync::{Arc, Mutex};
///
/// use route_framework::event::{EventDispatcher, Message};
/// use route_framework::prelude::*;
///
/// #[derive(Deserialize, Validate)]
/// #[serde(rename_all = "camelCase")]
/// struct Progress {
///     #[garde(length(min = 1))]
///     goal_id: String,
///     #[garde(range(min = 1))]
///     amount: u32,
/// }
///
/// /// Add progress to a goal's total.
/// #[on_event("progress.logged")]
/// async fn logged(State(total): State<Arc<Mutex<u32>>>, Payload(progress): Payload<Progress>) {
///     *total.lock().unwrap() += progress.amount;
/// }
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let total = Arc::new(Mutex::new(0_u32));
/// let events = EventDispatcher::new(route_framework::consumers(), [], total.clone())?;
/// let message = |id: &str, body: &str| Message {
///     id: id.to_owned(),
///     event_type: Some("progress.logged".to_owned()),
///     event_id: None,
///     group: None,
///     sent_at: None,
///     body: body.to_owned(),
/// };
/// let batch = vec![
///     message("m1", r#"{"goalId":"g1","amount":3}"#),
///     message("m2", r#"{"goalId":"g1","amount":0}"#), // breaks a rule
///     message("m3", "not json"),
/// ];
/// assert_eq!(events.deliver(batch, "request-1").await, ["m2", "m3"]);
/// assert_eq!(*total.lock().unwrap(), 3);
/// # Ok(())
/// # }
/// ```
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
