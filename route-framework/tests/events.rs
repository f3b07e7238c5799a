//! Consumers and jobs through the real Lambda handler function
//! (`lambda::answer`): SQS batches with good, failing and malformed records,
//! redeliveries, FIFO groups, scheduled events, and the local scheduler.
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use route_framework::event::{DeliveryFailure, EventDispatcher, FailureLog};
use route_framework::lambda;
use route_framework::prelude::*;
use serde_json::{Value, json};

/// What the test consumers and jobs did.
#[derive(Clone, Default)]
struct Log(Arc<Mutex<Vec<String>>>);

impl Log {
    fn entries(&self) -> Vec<String> {
        self.0.lock().unwrap().clone()
    }
}

/// A note to keep.
#[derive(Deserialize, Validate)]
struct Note {
    #[garde(length(min = 1))]
    text: String,
    #[serde(default)]
    #[garde(skip)]
    fail: bool,
}

/// Keep a note once per event id; fail when the note asks to.
#[on_event("t.note")]
async fn keep_note(State(log): State<Log>, EventId(id): EventId, Payload(note): Payload<Note>) -> Result<(), String> {
    if note.fail {
        return Err("the note asked to fail".to_owned());
    }
    let mut entries = log.0.lock().unwrap();
    let entry = format!("{id}:{}", note.text);
    if !entries.contains(&entry) {
        entries.push(entry);
    }
    Ok(())
}

/// A consumer that panics.
#[on_event("t.panic", batch_size = 5)]
async fn panics() {
    panic!("consumer bug");
}

/// Note when the schedule fired.
#[schedule("rate(5 minutes)")]
async fn tick(State(log): State<Log>, EventTime(time): EventTime) {
    log.0.lock().unwrap().push(format!("tick@{}", time.to_rfc3339()));
}

/// Fails every time.
#[schedule("cron(0 20 * * ? *)")]
async fn broken_job() -> Result<(), String> {
    Err("the job could not finish".to_owned())
}

fn events(log: &Log) -> Arc<EventDispatcher> {
    Arc::new(EventDispatcher::new(route_framework::consumers(), route_framework::jobs(), log.clone()).unwrap())
}

async fn answer(events: &EventDispatcher, event: Value) -> Result<Value, lambda_http::Error> {
    let dispatcher = common::dispatcher();
    let payload = serde_json::value::to_raw_value(&event).unwrap();
    let event = lambda_http::LambdaEvent::new(payload, lambda_http::Context::default());
    let answer = lambda::answer(&dispatcher, events, event).await?;
    Ok(serde_json::to_value(answer).unwrap())
}

/// An SQS record; `group` makes it a FIFO queue's.
fn record(id: &str, kind: Option<&str>, event_id: &str, body: &str, group: Option<&str>) -> Value {
    let mut record: Value =
        serde_json::from_str::<Value>(include_str!("data/sqs-batch.json")).unwrap()["Records"][0].clone();
    record["messageId"] = json!(id);
    record["body"] = json!(body);
    record["messageAttributes"] = match kind {
        Some(kind) => json!({
            "type": { "stringValue": kind, "dataType": "String" },
            "eventId": { "stringValue": event_id, "dataType": "String" }
        }),
        None => json!({}),
    };
    let attributes = record["attributes"].as_object_mut().unwrap();
    match group {
        Some(group) => {
            attributes.insert("MessageGroupId".into(), json!(group));
        }
        None => {
            attributes.remove("MessageGroupId");
            attributes.remove("MessageDeduplicationId");
        }
    }
    record
}

fn failures(answer: &Value) -> Vec<&str> {
    answer["batchItemFailures"]
        .as_array()
        .unwrap()
        .iter()
        .map(|failure| failure["itemIdentifier"].as_str().unwrap())
        .collect()
}

#[tokio::test]
async fn a_mixed_batch_reports_exactly_the_records_that_failed() {
    let log = Log::default();
    // Decoded whatever its body and attributes: reported, not dropped.
    let mut malformed = record("malformed", Some("t.note"), "e11", "{}", None);
    malformed["body"] = Value::Null;
    malformed["messageAttributes"] = json!("not an object");
    malformed["attributes"] = json!(7);
    let batch = json!({ "Records": [
        malformed,
        record("good", Some("t.note"), "e1", r#"{"text":"hello"}"#, None),
        record("failing", Some("t.note"), "e2", r#"{"text":"x","fail":true}"#, None),
        record("not-json", Some("t.note"), "e3", "{not json", None),
        record("misfit", Some("t.note"), "e4", r#"{"text":7}"#, None),
        record("broken-rule", Some("t.note"), "e5", r#"{"text":""}"#, None),
        record("nobody", Some("t.unknown"), "e6", "{}", None),
        record("untyped", None, "e7", r#"{"text":"no type"}"#, None),
        record("typed-body", None, "e8", r#"{"type":"t.note","text":"from the body"}"#, None),
        record("panics", Some("t.panic"), "e9", "{}", None),
        record("good-too", Some("t.note"), "e10", r#"{"text":"again"}"#, None),
    ]});
    let answer = answer(&events(&log), batch).await.unwrap();
    assert_eq!(
        failures(&answer),
        [
            "malformed",
            "failing",
            "not-json",
            "misfit",
            "broken-rule",
            "untyped",
            "panics"
        ],
        "{answer}"
    );
    assert_eq!(log.entries(), ["e1:hello", "typed-body:from the body", "e10:again"]);
}

/// The failures a dispatcher was told of, as `message id: consumer: reason`.
#[derive(Clone, Default)]
struct Recorded(Arc<Mutex<Vec<String>>>);

#[async_trait::async_trait]
impl FailureLog for Recorded {
    async fn record(&self, failure: DeliveryFailure<'_>) {
        let consumer = failure.consumer.unwrap_or("-");
        let line = format!("{}: {consumer}: {}", failure.message.id, failure.reason);
        self.0.lock().unwrap().push(line);
    }
}

#[tokio::test]
async fn each_failed_delivery_reaches_the_failure_log_with_its_reason() {
    let log = Log::default();
    let recorded = Recorded::default();
    let events = EventDispatcher::new(route_framework::consumers(), route_framework::jobs(), log.clone())
        .unwrap()
        .with_failure_log(recorded.clone());
    let batch = json!({ "Records": [
        record("good", Some("t.note"), "e1", r#"{"text":"hello"}"#, None),
        record("failing", Some("t.note"), "e2", r#"{"text":"x","fail":true}"#, None),
        record("untyped", None, "e3", r#"{"text":"no type"}"#, None),
    ]});
    let answer = answer(&events, batch).await.unwrap();
    assert_eq!(failures(&answer), ["failing", "untyped"]);
    assert_eq!(
        recorded.0.lock().unwrap().clone(),
        [
            "failing: keep_note: the note asked to fail",
            "untyped: -: the message has no `type` attribute and no `type` field",
        ]
    );
}

#[tokio::test]
async fn a_batch_where_every_record_fails_is_still_a_batch_response() {
    let log = Log::default();
    let batch = json!({ "Records": [
        record("a", Some("t.note"), "e1", "[]", None),
        record("b", Some("t.panic"), "e2", "{}", None),
    ]});
    let answer = answer(&events(&log), batch).await.unwrap();
    assert_eq!(failures(&answer), ["a", "b"]);
}

#[tokio::test]
async fn a_redelivered_message_carries_its_event_id_and_changes_nothing() {
    let log = Log::default();
    let events = events(&log);
    for message_id in ["first-delivery", "second-delivery"] {
        let batch =
            json!({ "Records": [record(message_id, Some("t.note"), "same-event", r#"{"text":"once"}"#, None)] });
        assert_eq!(failures(&answer(&events, batch).await.unwrap()), Vec::<&str>::new());
    }
    assert_eq!(log.entries(), ["same-event:once"]);
}

#[tokio::test]
async fn after_a_failure_the_rest_of_its_fifo_group_waits() {
    let log = Log::default();
    let batch = json!({ "Records": [
        record("a1", Some("t.note"), "e1", r#"{"text":"a1","fail":true}"#, Some("user-a")),
        record("b1", Some("t.note"), "e2", r#"{"text":"b1"}"#, Some("user-b")),
        record("a2", Some("t.note"), "e3", r#"{"text":"a2"}"#, Some("user-a")),
    ]});
    let answer = answer(&events(&log), batch).await.unwrap();
    assert_eq!(failures(&answer), ["a1", "a2"], "a2 must not overtake a1");
    assert_eq!(log.entries(), ["e2:b1"]);
}

#[tokio::test]
async fn a_record_without_a_message_id_is_logged_whole_and_the_rest_served() {
    let log = Log::default();
    let mut nameless = record("x", Some("t.note"), "e1", r#"{"text":"lost"}"#, None);
    nameless.as_object_mut().unwrap().remove("messageId");
    let batch = json!({ "Records": [nameless, record("good", Some("t.note"), "e2", r#"{"text":"kept"}"#, None)] });
    let answer = answer(&events(&log), batch).await.unwrap();
    assert_eq!(failures(&answer), Vec::<&str>::new());
    assert_eq!(log.entries(), ["e2:kept"]);
}

fn scheduled(rule: &str) -> Value {
    let mut event: Value = serde_json::from_str(include_str!("data/eventbridge-scheduled.json")).unwrap();
    event["resources"] = json!([format!("arn:aws:events:us-east-1:123456789012:rule/{rule}")]);
    event
}

#[tokio::test]
async fn a_scheduled_event_runs_the_job_its_rule_names_at_the_events_time() {
    let log = Log::default();
    let events = events(&log);
    let answer = answer(&events, scheduled("lifestyle-prod.tick")).await.unwrap();
    assert_eq!(answer, json!({ "job": "tick", "done": true }));
    assert_eq!(log.entries(), ["tick@2015-10-08T16:53:06+00:00"]);

    let err = answer_err(&events, scheduled("lifestyle-prod.no_such_job")).await;
    assert!(err.contains("no_such_job"), "{err}");
    let err = answer_err(&events, scheduled("lifestyle-prod.broken_job")).await;
    assert!(err.contains("broken_job") && err.contains("could not finish"), "{err}");
}

async fn answer_err(events: &EventDispatcher, event: Value) -> String {
    answer(events, event).await.unwrap_err().to_string()
}

#[tokio::test]
async fn the_registry_lists_consumers_and_jobs_with_their_options() {
    let log = Log::default();
    let events = events(&log);
    let consumers: Vec<(&str, u16, &str)> = events
        .consumers()
        .iter()
        .map(|c| (c.event_type, c.batch_size, c.origin.handler_name))
        .collect();
    assert_eq!(consumers, [("t.note", 10, "keep_note"), ("t.panic", 5, "panics")]);
    let jobs: Vec<(&str, &str)> = events.jobs().map(|job| (job.name, job.schedule)).collect();
    assert_eq!(
        jobs,
        [("broken_job", "cron(0 20 * * ? *)"), ("tick", "rate(5 minutes)")]
    );
    let tick = events.job("tick").unwrap();
    assert_eq!(tick.origin.summary, "Note when the schedule fired.");
    assert_eq!(tick.origin.file, "route-framework/tests/events.rs");
}

#[tokio::test]
async fn two_consumers_of_one_type_are_refused() {
    let consumers = route_framework::consumers();
    let twice = [consumers[0], consumers[0]];
    let err = EventDispatcher::new(twice, [], Log::default()).err().unwrap();
    assert!(err.to_string().contains("two consumers of `t.note`"), "{err}");
}

#[tokio::test]
async fn locally_a_rate_job_runs_at_once_and_the_tasks_stop_when_dropped() {
    let log = Log::default();
    let tasks = events(&log).spawn_schedules();
    for _ in 0..200 {
        if !log.entries().is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    drop(tasks);
    let entries = log.entries();
    assert_eq!(entries.len(), 1, "{entries:?}");
    assert!(entries[0].starts_with("tick@"), "{entries:?}");
}
