//! The Lambda entry point: every event decoded here, fallibly, by shape.
//!
//! HTTP events (API Gateway 1.0 and 2.0, function URLs, ALB) go through the
//! dispatcher; a malformed one is a 400 in the error contract, never a panic
//! or an invocation error. SQS batches go to their consumers record by
//! record and are answered with the records to deliver again
//! (`batchItemFailures`), never an invocation error. EventBridge scheduled
//! events run the job their rule names. Anything else is an invocation
//! error naming the shape.

mod http_event;

use std::sync::Arc;

use chrono::{DateTime, Utc};
use lambda_http::LambdaEvent;
use serde_json::{Value, json};

pub use self::http_event::HttpShape;
use crate::dispatch::Dispatcher;
use crate::event::{EventDispatcher, JobRun, Message};
use crate::registry::Job;

/// Runs the Lambda runtime loop: HTTP events through the dispatcher, SQS
/// batches and scheduled events through the event dispatcher.
///
/// Every HTTP outcome is an `Ok` HTTP response: an `Err` would become an
/// invocation error that API Gateway turns into a bare 500.
pub async fn run(dispatcher: Arc<Dispatcher>, events: Arc<EventDispatcher>) -> Result<(), lambda_http::Error> {
    lambda_http::lambda_runtime::run(lambda_http::service_fn(move |event: LambdaEvent<Value>| {
        let (dispatcher, events) = (Arc::clone(&dispatcher), Arc::clone(&events));
        async move { answer(&dispatcher, &events, event).await }
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

/// Answers one raw event by its shape. Only an event of no known shape, a
/// schedule that names no job and a failed job are an `Err` (an invocation
/// error, logged; EventBridge retries a failed job).
pub async fn answer(
    dispatcher: &Dispatcher,
    events: &EventDispatcher,
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
        EventShape::Scheduled => {
            let run = job_run(events, &payload, &context.request_id)?;
            let job = run.job.name;
            events
                .run_job(run)
                .await
                .map_err(|failure| format!("the job `{job}` failed: {failure}"))?;
            json!({ "job": job, "done": true })
        }
        EventShape::Sqs => {
            let records = payload
                .get("Records")
                .and_then(Value::as_array)
                .map_or(&[][..], Vec::as_slice);
            let mut messages = Vec::with_capacity(records.len());
            for record in records {
                match Message::from_sqs_record(record) {
                    Ok(message) => messages.push(message),
                    Err(why) => tracing::error!(request_id = context.request_id, "{why}: skipped"),
                }
            }
            let failed = events.deliver(messages, &context.request_id).await;
            let failures: Vec<Value> = failed.into_iter().map(|id| json!({ "itemIdentifier": id })).collect();
            json!({ "batchItemFailures": failures })
        }
    })
}

/// The job a scheduled event's rule names, and the time and id it fired with.
///
/// Rules are named `{stack}.{job}` (`cargo xtask gen-routes` writes them),
/// so the job is the part of the rule ARN's name after its last dot.
fn job_run(events: &EventDispatcher, event: &Value, request_id: &str) -> Result<JobRun, lambda_http::Error> {
    let rules: Vec<&str> = event
        .get("resources")
        .and_then(Value::as_array)
        .map(|resources| resources.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let job: Option<&'static Job> = rules.iter().find_map(|arn| {
        let rule = arn.rsplit('/').next().unwrap_or(arn);
        events.job(rule.rsplit('.').next().unwrap_or(rule))
    });
    let Some(job) = job else {
        tracing::error!(request_id, rules = ?rules, "a scheduled event whose rule names no job");
        return Err(format!("no job for the scheduled event of {rules:?}").into());
    };
    let time = event
        .get("time")
        .and_then(Value::as_str)
        .and_then(|time| DateTime::parse_from_rfc3339(time).ok())
        .map_or_else(Utc::now, |time| time.with_timezone(&Utc));
    let event_id = event.get("id").and_then(Value::as_str).unwrap_or(request_id);
    Ok(JobRun {
        job,
        time,
        event_id: event_id.to_owned(),
        request_id: request_id.to_owned(),
    })
}
