//! The example's own binary as the Lambda, under the framework's Runtime API
//! emulator: API Gateway HTTP API requests, an SQS batch for its consumer and
//! the scheduled event of its job, each answered as Lambda would see it.
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

use std::process::{Child, Command, Stdio};
use std::time::Duration;

use route_framework::testing::runtime_api::{Answer, RuntimeApi};
use serde_json::{Value, json};

const BIN: &str = env!("CARGO_BIN_EXE_minimal");

/// The function's process, killed and reaped when the test ends, whatever
/// happens.
struct Lambda(Child);

impl Drop for Lambda {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// An API Gateway HTTP API (payload 2.0) event for `method path`, with a
/// JSON `body` when there is one.
fn http_api(method: &str, path: &str, body: Option<Value>) -> Value {
    let mut event = json!({
        "version": "2.0",
        "routeKey": format!("{method} {path}"),
        "rawPath": path,
        "rawQueryString": "",
        "headers": {
            "accept": "application/json",
            "host": "abc123.execute-api.eu-west-1.amazonaws.com",
            "user-agent": "curl/8.5.0",
            "x-forwarded-for": "203.0.113.7",
            "x-forwarded-port": "443",
            "x-forwarded-proto": "https"
        },
        "requestContext": {
            "accountId": "123456789012",
            "apiId": "abc123",
            "domainName": "abc123.execute-api.eu-west-1.amazonaws.com",
            "domainPrefix": "abc123",
            "http": {
                "method": method,
                "path": path,
                "protocol": "HTTP/1.1",
                "sourceIp": "203.0.113.7",
                "userAgent": "curl/8.5.0"
            },
            "requestId": format!("{method}-{path}"),
            "routeKey": format!("{method} {path}"),
            "stage": "$default",
            "time": "25/Nov/2026:09:00:00 +0000",
            "timeEpoch": 1795597200000_u64
        },
        "isBase64Encoded": false
    });
    if let Some(body) = body {
        let text = body.to_string();
        event["headers"]["content-type"] = json!("application/json");
        event["headers"]["content-length"] = json!(text.len().to_string());
        event["body"] = json!(text);
    }
    event
}

/// What the function answered, which must be a response (not an invocation
/// error).
fn response(answer: Answer, what: &str) -> Value {
    match answer {
        Answer::Response(response) => response,
        other => panic!("{what}: expected a response, got {other:?}"),
    }
}

/// An HTTP answer's status and its body parsed as JSON.
fn http_answer(answer: Answer, what: &str) -> (Value, Value) {
    let response = response(answer, what);
    let body = response["body"]
        .as_str()
        .unwrap_or_else(|| panic!("{what}: no body in {response}"));
    let body = serde_json::from_str(body).unwrap();
    (response, body)
}

#[tokio::test]
async fn the_binary_answers_http_sqs_and_scheduled_events_under_the_lambda_runtime_api() {
    let mut api = RuntimeApi::start().await.unwrap().with_timeout(Duration::from_secs(30));
    let _lambda = Lambda(
        Command::new(BIN)
            .envs(api.lambda_env("minimal"))
            .env_remove("PORT")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );

    let post = http_api("POST", "/notes", Some(json!({ "text": "hello" })));
    let (created, note) = http_answer(api.invoke(&post).await.unwrap(), "POST /notes");
    assert_eq!(created["statusCode"], 201, "{created}");
    assert_eq!(created["headers"]["location"], "/notes/1", "{created}");
    assert_eq!(note, json!({ "id": 1, "text": "hello", "seen": false }));

    // Inside Lambda nothing delivers `note.created` in process: the queue's
    // event source does, below.
    let (listed, notes) = http_answer(
        api.invoke(&http_api("GET", "/notes", None)).await.unwrap(),
        "GET /notes",
    );
    assert_eq!(listed["statusCode"], 200, "{listed}");
    assert_eq!(
        notes,
        json!({ "notes": [{ "id": 1, "text": "hello", "seen": false }], "counted": 0 })
    );

    // `note.created` about a note this process never held: the consumer
    // fails it, so the queue delivers it again.
    let sqs = json!({
        "Records": [{
            "messageId": "2e1424d4-f796-459a-8184-9c92662be6da",
            "receiptHandle": "AQEBzWwaftRI0KuVm4tP+/7q1rGgNqicHq",
            "body": json!({ "noteId": 99 }).to_string(),
            "attributes": {
                "ApproximateReceiveCount": "1",
                "SentTimestamp": "1795597200000",
                "SenderId": "AIDAIENQZJOLO23YVJ4VO",
                "ApproximateFirstReceiveTimestamp": "1795597200001"
            },
            "messageAttributes": {
                "type": { "stringValue": "note.created", "dataType": "String" },
                "eventId": { "stringValue": "note-99", "dataType": "String" }
            },
            "md5OfBody": "0f8e0a6d1b1f5ed8c3d2f4a2c2c5e0b1",
            "eventSource": "aws:sqs",
            "eventSourceARN": "arn:aws:sqs:eu-west-1:123456789012:minimal-notes",
            "awsRegion": "eu-west-1"
        }]
    });
    let failures = response(api.invoke(&sqs).await.unwrap(), "the SQS batch");
    assert_eq!(
        failures,
        json!({ "batchItemFailures": [{ "itemIdentifier": "2e1424d4-f796-459a-8184-9c92662be6da" }] })
    );

    // The rule Terraform declares for the job (`${var.name}.count_notes`), in a stack named `minimal`.
    let scheduled = json!({
        "version": "0",
        "id": "53dc4d37-cffa-4f76-80c9-8b7d4a4d2eaa",
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "account": "123456789012",
        "time": "2026-11-25T09:00:00Z",
        "region": "eu-west-1",
        "resources": ["arn:aws:events:eu-west-1:123456789012:rule/minimal.count_notes"],
        "detail": {}
    });
    let ran = response(api.invoke(&scheduled).await.unwrap(), "the scheduled event");
    assert_eq!(ran, json!({ "job": "count_notes", "done": true }));

    // The job counted the one note.
    let (_, notes) = http_answer(
        api.invoke(&http_api("GET", "/notes", None)).await.unwrap(),
        "GET /notes",
    );
    assert_eq!(notes["counted"], 1, "{notes}");
}
