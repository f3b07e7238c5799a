//! The Lambda entry point: every event decoded here, fallibly, by shape.
//!
//! HTTP events (API Gateway 1.0 and 2.0, function URLs, ALB) go through the
//! dispatcher; a malformed one is a 400 in the error contract, never a panic
//! or an invocation error. EventBridge scheduled events run the app's
//! scheduled work. SQS batches are acknowledged (no consumers are registered
//! yet). Anything else is an invocation error naming the shape.

mod http_event;

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use lambda_http::LambdaEvent;
use serde_json::{Value, json};

pub use self::http_event::HttpShape;
use crate::dispatch::Dispatcher;

/// What the function does when an EventBridge schedule invokes it: the
/// result is the invocation's answer (logged by Lambda, read by nobody).
pub type OnSchedule = Arc<dyn Fn() -> Pin<Box<dyn Future<Output = Value> + Send>> + Send + Sync>;

/// Runs the Lambda runtime loop: HTTP events through the dispatcher,
/// scheduled events to `on_schedule`.
///
/// Every HTTP outcome is an `Ok` HTTP response: an `Err` would become an
/// invocation error that API Gateway turns into a bare 500.
pub async fn run(dispatcher: Arc<Dispatcher>, on_schedule: Option<OnSchedule>) -> Result<(), lambda_http::Error> {
    lambda_http::lambda_runtime::run(lambda_http::service_fn(move |event: LambdaEvent<Value>| {
        let (dispatcher, on_schedule) = (Arc::clone(&dispatcher), on_schedule.clone());
        async move { answer(&dispatcher, on_schedule.as_ref(), event).await }
    }))
    .await
}

/// Whether `event` is an EventBridge scheduled event (a rule's
/// `rate(…)`/`cron(…)` target).
pub fn is_scheduled_event(event: &Value) -> bool {
    event.get("source").and_then(Value::as_str) == Some("aws.events")
        && event.get("detail-type").and_then(Value::as_str) == Some("Scheduled Event")
}

/// What kind of event a Lambda invocation carries.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EventShape {
    /// An HTTP request, in one of the gateway formats.
    Http(HttpShape),
    /// An EventBridge scheduled event.
    Scheduled,
    /// A batch of SQS messages.
    Sqs,
}

/// The shape of `event`, or a description of what it is not.
pub fn event_shape(event: &Value) -> Result<EventShape, String> {
    if is_scheduled_event(event) {
        return Ok(EventShape::Scheduled);
    }
    if let Some(shape) = http_event::http_shape(event) {
        return Ok(EventShape::Http(shape));
    }
    let first_source = event.pointer("/Records/0/eventSource").and_then(Value::as_str);
    if first_source == Some("aws:sqs") {
        return Ok(EventShape::Sqs);
    }
    let description = match event {
        Value::Object(map) => {
            let keys: Vec<&str> = map.keys().map(String::as_str).take(12).collect();
            match (first_source, event.get("source").and_then(Value::as_str)) {
                (Some(source), _) => format!("records from {source}"),
                (None, Some(source)) => format!("an event from {source} with keys {keys:?}"),
                (None, None) => format!("an object with keys {keys:?}"),
            }
        }
        Value::Array(_) => "an array".to_owned(),
        other => format!("a JSON {}", json_kind(other)),
    };
    Err(description)
}

/// `string`, `number`, ... for a message.
fn json_kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// Answers one raw event by its shape. Only an event of no known shape is an
/// `Err` (an invocation error, logged with the shape it had).
pub async fn answer(
    dispatcher: &Dispatcher,
    on_schedule: Option<&OnSchedule>,
    event: LambdaEvent<Value>,
) -> Result<Value, lambda_http::Error> {
    let LambdaEvent { payload, context } = event;
    let shape = match event_shape(&payload) {
        Ok(shape) => shape,
        Err(description) => {
            tracing::error!(
                request_id = context.request_id,
                shape = description,
                "an event of no known shape"
            );
            return Err(format!("cannot handle {description}: not an HTTP, SQS or scheduled event").into());
        }
    };
    Ok(match shape {
        EventShape::Http(shape) => match http_event::decode(shape, payload, &context.request_id) {
            Ok(incoming) => http_event::encode(shape, dispatcher.dispatch(incoming).await),
            Err((request_id, error)) => http_event::rejected(shape, &request_id, error),
        },
        EventShape::Scheduled => match on_schedule {
            Some(job) => job().await,
            None => {
                tracing::warn!("a scheduled event arrived, and nothing is scheduled");
                json!({ "scheduled": false })
            }
        },
        EventShape::Sqs => {
            let count = payload.get("Records").and_then(Value::as_array).map_or(0, Vec::len);
            tracing::warn!(
                records = count,
                "an SQS batch arrived, and nothing consumes it: acknowledged"
            );
            json!({ "batchItemFailures": [] })
        }
    })
}
