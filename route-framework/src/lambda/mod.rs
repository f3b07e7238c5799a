//! The Lambda entry point: every event decoded here, fallibly, by shape.
//!
//! HTTP events (API Gateway 1.0 and 2.0, function URLs, ALB) go through the
//! dispatcher; a malformed one is a 400 in the error contract, never a panic
//! or an invocation error. An HTTP API 2.0 event, the one API Gateway sends
//! on every request, is read straight from its text in one pass; every other
//! event is read into a JSON tree first and handled by its shape. SQS batches go to their consumers record by
//! record and are answered with the records to deliver again
//! (`batchItemFailures`), never an invocation error: a record with a
//! message id reaches the event dispatcher whatever its body and attributes
//! (one it cannot deliver is a failure to report, so it reaches the
//! dead-letter queue after its redrive count), and one with none is logged
//! whole. EventBridge scheduled
//! events run the job their rule names. Anything else is an invocation
//! error naming the shape.
//!
//! The arrows between its modules run one way: this one (shape detection)
//! → `http_event` (every HTTP format, decoded and answered) → `answer` →
//! `v2` (HTTP API 2.0, read in one pass) → `wire` (what the formats share:
//! request target, body, client address).

mod answer;
mod http_event;
mod v2;
mod wire;

use std::sync::Arc;

use chrono::{DateTime, Utc};
use lambda_http::LambdaEvent;
use serde_json::value::RawValue;
use serde_json::{Value, json};

pub use self::answer::Answer;
pub use self::http_event::HttpShape;
use crate::dispatch::Dispatcher;
use crate::event::{EventDispatcher, JobRun, Message, rule_job};
use crate::registry::Job;

/// Runs the Lambda runtime loop: HTTP events through the dispatcher, SQS
/// batches and scheduled events through the event dispatcher.
///
/// Every HTTP outcome is an `Ok` HTTP response: an `Err` would become an
/// invocation error that API Gateway turns into a bare 500.
///
/// The `main` of a Lambda (it reads the runtime API's address from the
/// environment Lambda sets, so it runs only there or in an emulator of it):
///
/// ```no_run
/// use std::sync::Arc;
///
/// use route_framework::auth::NoAuthenticator;
/// use route_framework::dispatch::Dispatcher;
/// use route_framework::event::EventDispatcher;
///
/// #[tokio::main]
/// async fn main() -> Result<(), lambda_http::Error> {
///     let dispatcher = Dispatcher::new(route_framework::routes(), NoAuthenticator, ())?;
///     let events = EventDispatcher::new(route_framework::consumers(), route_framework::jobs(), ())?;
///     route_framework::lambda::run(Arc::new(dispatcher), Arc::new(events)).await
/// }
/// ```
pub async fn run(dispatcher: Arc<Dispatcher>, events: Arc<EventDispatcher>) -> Result<(), lambda_http::Error> {
    lambda_http::lambda_runtime::run(lambda_http::service_fn(move |event: LambdaEvent<Box<RawValue>>| {
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

/// Answers one raw event, as the runtime delivers its text, by its shape.
/// Only an event of no known shape, a schedule that names no job and a
/// failed job are an `Err` (an invocation error, logged; EventBridge
/// retries a failed job).
pub async fn answer(
    dispatcher: &Dispatcher,
    events: &EventDispatcher,
    event: LambdaEvent<Box<RawValue>>,
) -> Result<Answer, lambda_http::Error> {
    let LambdaEvent { payload, context } = event;
    if let Some(event) = v2::read(payload.get()) {
        let request_id = event.request_id().unwrap_or(&context.request_id).to_owned();
        let decoded = event.into_incoming(&request_id).map_err(|error| (request_id, error));
        return Ok(http_event::serve(dispatcher, HttpShape::V2, decoded).await);
    }
    let payload: Value = serde_json::from_str(payload.get())?;
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
        EventShape::Http(shape) => {
            let decoded = http_event::decode(shape, payload, &context.request_id);
            http_event::serve(dispatcher, shape, decoded).await
        }
        EventShape::Scheduled => {
            let run = job_run(events, &payload, &context.request_id)?;
            let job = run.job.name;
            events
                .run_job(run)
                .await
                .map_err(|failure| format!("the job `{job}` failed: {failure}"))?;
            Answer::json(json!({ "job": job, "done": true }))
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
                    // Nothing to report it by: the whole record goes to the log.
                    Err(why) => tracing::error!(
                        request_id = context.request_id,
                        error = why,
                        record = %record,
                        "an SQS record with no message id: it cannot be delivered again"
                    ),
                }
            }
            let failed = events.deliver(messages, &context.request_id).await;
            let failures: Vec<Value> = failed.into_iter().map(|id| json!({ "itemIdentifier": id })).collect();
            Answer::json(json!({ "batchItemFailures": failures }))
        }
    })
}

/// The job a scheduled event's rule names, and the time and id it fired with.
///
/// Rules are named by [`rule_name`](crate::event::rule_name), which
/// [`terraform::events`](crate::terraform::events) writes; [`rule_job`]
/// reads the job back.
fn job_run(events: &EventDispatcher, event: &Value, request_id: &str) -> Result<JobRun, lambda_http::Error> {
    let rules: Vec<&str> = event
        .get("resources")
        .and_then(Value::as_array)
        .map(|resources| resources.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let job: Option<&'static Job> = rules.iter().find_map(|arn| events.job(rule_job(arn)));
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

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    use super::http_event::{self, HttpShape};
    use super::{EventShape, event_shape, v2};

    const FIXTURES: [&str; 3] = [
        include_str!("../../tests/data/apigw-v2-health.json"),
        include_str!("../../tests/data/apigw-v2-echo.json"),
        include_str!("../../tests/data/apigw-v2-jwt-authorizer.json"),
    ];

    /// What a reader made of an event, comparable: the request (path
    /// parameters and claims sorted), or the 400's message.
    fn outcome(decoded: Result<crate::dispatch::Incoming, String>) -> String {
        match decoded {
            Ok(mut incoming) => {
                // When each path read its event is not part of what it read.
                static READ: std::sync::LazyLock<std::time::Instant> =
                    std::sync::LazyLock::new(std::time::Instant::now);
                incoming.received = *READ;
                incoming.path_params.sort();
                let auth = incoming.gateway_auth.take().map(|auth| {
                    let claims: std::collections::BTreeMap<_, _> = auth.claims.into_iter().collect();
                    format!("{claims:?} {:?}", auth.scopes)
                });
                format!("{incoming:?} {auth:?}")
            }
            Err(message) => format!("400: {message}"),
        }
    }

    /// The one-pass reader's outcome, `None` when it leaves the event alone.
    fn one_pass(text: &str) -> Option<String> {
        let event = v2::read(text)?;
        let request_id = event.request_id().unwrap_or("lambda-id").to_owned();
        Some(outcome(
            event
                .into_incoming(&request_id)
                .map_err(|error| error.message().to_owned()),
        ))
    }

    /// The general path's outcome: a JSON tree, its shape, then its reader.
    fn general(text: &str) -> (EventShape, String) {
        let value: Value = serde_json::from_str(text).unwrap();
        let shape = event_shape(&value).unwrap();
        let EventShape::Http(http) = shape else {
            return (shape, String::new());
        };
        let decoded = http_event::decode(http, value, "lambda-id").map_err(|(_, error)| error.message().to_owned());
        (shape, outcome(decoded))
    }

    /// `event` with `extra`'s fields set (objects merged, the rest replaced).
    fn with(event: &str, extra: Value) -> String {
        let mut value: Value = serde_json::from_str(event).unwrap();
        crate::testing::merge_json(&mut value, extra);
        value.to_string()
    }

    #[test]
    fn payload_2_0_events_are_read_in_one_pass_as_the_general_path_reads_them() {
        let [health, echo, jwt] = FIXTURES;
        let events = [
            health.to_owned(),
            echo.to_owned(),
            jwt.to_owned(),
            with(
                health,
                json!({ "headers": { "X-Upper": "kept", "x-list": ["a", "b"] } }),
            ),
            with(
                health,
                json!({ "headers": null, "pathParameters": null, "cookies": null }),
            ),
            with(health, json!({ "headers": { "x-escaped": "caf\u{e9} \"quoted\"" } })),
            with(
                health,
                json!({ "requestContext": { "http": { "method": "" }, "requestId": null } }),
            ),
            with(
                health,
                json!({ "rawPath": null, "requestContext": { "http": { "path": "/from-context" } } }),
            ),
            with(echo, json!({ "body": "not base64!" })),
            with(echo, json!({ "rawQueryString": "q=a b" })),
            with(health, json!({ "requestContext": { "http": { "method": "GE T" } } })),
        ];
        for event in &events {
            let read = one_pass(event).unwrap_or_else(|| panic!("not read in one pass: {event}"));
            assert_eq!(general(event), (EventShape::Http(HttpShape::V2), read), "{event}");
        }
    }

    #[test]
    fn events_of_other_shapes_or_unexpected_types_are_left_to_the_general_path() {
        let [health, ..] = FIXTURES;
        let elb = json!({ "elb": { "targetGroupArn": "arn:aws:elasticloadbalancing:us-east-1:1:targetgroup/a/b" } });
        let cases = [
            with(health, json!({ "requestContext": elb })),
            with(health, json!({ "requestContext": { "elb": null } })),
            with(
                health,
                json!({ "source": "aws.events", "detail-type": "Scheduled Event" }),
            ),
            with(health, json!({ "headers": { "x-number": 7 } })),
            with(health, json!({ "headers": { "x-bad": "line\nbreak" } })),
            with(health, json!({ "requestContext": { "http": null } })),
            with(health, json!({ "isBase64Encoded": "yes" })),
            include_str!("../../tests/data/apigw-v1-health.json").to_owned(),
            include_str!("../../tests/data/sqs-batch.json").to_owned(),
            include_str!("../../tests/data/eventbridge-scheduled.json").to_owned(),
        ];
        for event in &cases {
            assert!(v2::read(event).is_none(), "read in one pass: {event}");
        }
        // Those the general path still takes as payload 2.0 are its 400s.
        for event in &cases[3..7] {
            let (shape, outcome) = general(event);
            assert_eq!(shape, EventShape::Http(HttpShape::V2), "{event}");
            assert!(outcome.starts_with("400: "), "{event}: {outcome}");
        }
    }
}
