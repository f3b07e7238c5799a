//! The release-shaped binary, end to end: as a local server on a real socket
//! (the whole event loop included, on each backend), and under an emulated
//! Lambda Runtime API answering API Gateway, SQS and scheduled events.
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use route_framework::testing::runtime_api::{Answer, Answered, RuntimeApi};
use serde_json::{Value, json};
use tempfile::TempDir;

const BIN: &str = env!("CARGO_BIN_EXE_api-handler");

/// Kills the child when the test ends, whatever happens.
struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts the binary as a local server on a free port with its data in `dir`
/// and returns its address.
fn start_local_server(dir: &std::path::Path) -> (Running, SocketAddr) {
    start_server_with(dir, &[])
}

/// Starts the binary as a local server on a free port with its data in
/// `dir` and `env` set, and returns its address.
fn start_server_with(dir: &std::path::Path, env: &[(String, String)]) -> (Running, SocketAddr) {
    let mut child = Command::new(BIN)
        .args(["--port", "0", "--data-dir"])
        .arg(dir)
        .envs(env.iter().map(|(key, value)| (key, value)))
        .env_remove("AWS_LAMBDA_RUNTIME_API")
        .env_remove("HOST")
        .env_remove("PORT")
        .env("RUST_LOG", "info")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = child.stderr.take().unwrap();
    let running = Running(child);
    let mut lines = BufReader::new(stderr).lines();
    // Bounded: the server logs its address as its first line.
    for _ in 0..20 {
        let Some(Ok(line)) = lines.next() else { break };
        let log: Value = serde_json::from_str(&line).unwrap_or(Value::Null);
        if let Some(address) = log["address"].as_str() {
            std::thread::spawn(move || lines.for_each(drop));
            return (running, address.parse().unwrap());
        }
    }
    panic!("the server did not log its address");
}

/// One HTTP/1.1 request over a fresh connection: (status, raw head, body).
fn http(addr: SocketAddr, request: &str, body: &[u8]) -> (u16, String, Vec<u8>) {
    let mut stream = TcpStream::connect(addr).unwrap();
    stream.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    stream.write_all(request.as_bytes()).unwrap();
    stream.write_all(body).unwrap();
    let mut response = Vec::new();
    stream.read_to_end(&mut response).unwrap();
    let split = response
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("a response head");
    let head = String::from_utf8_lossy(&response[..split]).into_owned();
    let status = head.split(' ').nth(1).unwrap().parse().unwrap();
    (status, head.to_ascii_lowercase(), response[split + 4..].to_vec())
}

fn get(addr: SocketAddr, method: &str, path: &str) -> (u16, String, Vec<u8>) {
    http(
        addr,
        &format!("{method} {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"),
        b"",
    )
}

#[test]
fn the_local_server_serves_health_404_and_405_then_stops_on_sigterm() {
    let dir = TempDir::new().unwrap();
    let (mut server, addr) = start_local_server(dir.path());

    let (status, head, body) = get(addr, "GET", "/health");
    assert_eq!(status, 200);
    assert!(head.contains("content-type: application/json"), "{head}");
    let body: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(body["status"], "ok");

    let (status, _, body) = get(addr, "GET", "/does/not/exist");
    assert_eq!(status, 404);
    let body: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(body["error"]["code"], "not_found");
    assert!(body["error"]["requestId"].as_str().is_some_and(|id| !id.is_empty()));

    let (status, head, _) = get(addr, "DELETE", "/health");
    assert_eq!(status, 405);
    assert!(head.contains("allow: get, head"), "{head}");

    let (status, _, body) = get(addr, "HEAD", "/health");
    assert_eq!(status, 200);
    assert!(body.is_empty());

    // Bodies beyond Lambda's payload limit are refused before dispatch.
    let big = vec![b'x'; route_framework::server::MAX_REQUEST_BODY + 1];
    let request = format!(
        "POST /health HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\nContent-Length: {}\r\n\r\n",
        big.len()
    );
    let (status, _, body) = http(addr, &request, &big);
    assert_eq!(status, 413);
    assert_eq!(
        serde_json::from_slice::<Value>(&body).unwrap()["error"]["code"],
        "payload_too_large"
    );

    let pid = server.0.id().to_string();
    assert!(Command::new("kill").args(["-TERM", &pid]).status().unwrap().success());
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        if let Some(status) = server.0.try_wait().unwrap() {
            assert!(status.success(), "graceful shutdown exits 0, got {status}");
            break;
        }
        assert!(Instant::now() < deadline, "the server did not stop after SIGTERM");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// A JSON request with an optional bearer token: (status, JSON body).
fn call(addr: SocketAddr, method: &str, path: &str, token: Option<&str>, body: Option<Value>) -> (u16, Value) {
    let body = body.map(|body| body.to_string()).unwrap_or_default();
    let auth = token
        .map(|token| format!("Authorization: Bearer {token}\r\n"))
        .unwrap_or_default();
    let request = format!(
        "{method} {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n{auth}\
         Content-Type: application/json\r\nContent-Length: {}\r\n\r\n",
        body.len()
    );
    let (status, _, response) = http(addr, &request, body.as_bytes());
    (status, serde_json::from_slice(&response).unwrap_or(Value::Null))
}

/// `cargo run` alone, on each backend: a goal that reaches its target
/// shows a notification, through the outbox, the queue, the consumer loop
/// and the consumer.
fn a_reached_target_is_in_the_inbox_on_the_local_server(kind: common::backends::Kind) {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let store = runtime.block_on(common::backends::Store::new(kind));
    let env: Vec<(String, String)> = match store.aws() {
        Some(aws) => api_handler::store::aws::provision::env_lines(&aws.settings)
            .into_iter()
            .filter_map(|line| line.split_once('=').map(|(k, v)| (k.to_owned(), v.to_owned())))
            .collect(),
        None => Vec::new(),
    };
    let (_server, addr) = start_server_with(store.data_dir(), &env);
    let credentials = json!({ "email": "loop@example.com", "password": "Correct-Horse-9" });
    let (status, registered) = call(addr, "POST", "/auth/register", None, Some(credentials.clone()));
    assert_eq!(status, 201, "{registered}");
    if registered["confirmed"] == false {
        runtime.block_on(store.confirm("loop@example.com"));
    }
    let (status, login) = call(addr, "POST", "/auth/login", None, Some(credentials));
    assert_eq!(status, 200, "{login}");
    let token = login["accessToken"].as_str().unwrap().to_owned();
    let goal = json!({ "title": "Drink water", "category": "nutrition", "target": { "value": 2, "unit": "l" }, "period": "daily" });
    let (status, goal) = call(addr, "POST", "/goals", Some(&token), Some(goal));
    assert_eq!(status, 201, "{goal}");
    let goal_id = goal["goalId"].as_str().unwrap();
    let progress = json!({ "value": 2 });
    let (status, _) = call(
        addr,
        "POST",
        &format!("/goals/{goal_id}/progress"),
        Some(&token),
        Some(progress),
    );
    assert_eq!(status, 201);

    // Bounded: the consumer loop delivers within moments of the publish.
    let started = Instant::now();
    let mut listed = Value::Null;
    while started.elapsed() < Duration::from_secs(30) {
        let (status, body) = call(addr, "GET", "/notifications", Some(&token), None);
        assert_eq!(status, 200, "{body}");
        if body["items"].as_array().is_some_and(|items| !items.is_empty()) {
            listed = body;
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let items = listed["items"].as_array().expect("a notification arrived within 30 s");
    assert_eq!(items.len(), 1, "{listed}");
    assert_eq!(items[0]["type"], "goal.target_reached");
    assert_eq!(items[0]["goalId"], goal_id);
    assert_eq!(items[0]["title"], "Target reached: Drink water");
}

#[test]
fn embedded_local_server_runs_the_whole_event_loop() {
    a_reached_target_is_in_the_inbox_on_the_local_server(common::backends::Kind::Embedded);
}

#[test]
fn aws_local_server_runs_the_whole_event_loop() {
    a_reached_target_is_in_the_inbox_on_the_local_server(common::backends::Kind::Aws);
}

#[test]
fn bad_settings_exit_with_a_clear_message() {
    let output = Command::new(BIN)
        .args(["--port", "seventy"])
        .env_remove("AWS_LAMBDA_RUNTIME_API")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("invalid port `seventy`"));

    let output = Command::new(BIN)
        .env("AWS_LAMBDA_RUNTIME_API", "127.0.0.1:9")
        .env_remove("AWS_LAMBDA_FUNCTION_NAME")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("AWS_LAMBDA_FUNCTION_NAME"));

    let mut aws = Command::new(BIN);
    aws.args(["--backend", "aws"]).env_remove("AWS_LAMBDA_RUNTIME_API");
    for name in api_handler::store::aws::REQUIRED_VARS {
        aws.env_remove(name);
    }
    let output = aws.env_remove("AWS_DEFAULT_REGION").output().unwrap();
    assert_eq!(output.status.code(), Some(2));
    let message = String::from_utf8_lossy(&output.stderr);
    for name in api_handler::store::aws::REQUIRED_VARS {
        assert!(
            message.contains(name),
            "one message names every missing variable: {message}"
        );
    }

    let output = Command::new(BIN).arg("--help").output().unwrap();
    assert!(output.status.success());
    assert!(String::from_utf8_lossy(&output.stdout).contains("--port"));
}

/// The Runtime API emulator's answer to `id` among `answers`, which must be
/// a response: an invocation error would be a bare 500 at the gateway.
fn response_to(answers: &[Answered], id: &str, why: &str) -> Value {
    let answered = answers
        .iter()
        .find(|answered| answered.request_id.as_deref() == Some(id))
        .unwrap_or_else(|| panic!("no answer to {id}: {answers:?}"));
    match &answered.answer {
        Answer::Response(response) => response.clone(),
        other => panic!("{id}: {why}, got {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_binary_answers_api_gateway_events_under_the_lambda_runtime_api() {
    let unknown = include_str!("../../route-framework/tests/data/apigw-v2-health.json")
        .replace("\"routeKey\": \"GET /health\"", "\"routeKey\": \"$default\"")
        .replace("/health", "/unknown");
    let events = vec![
        (
            "req-v2".to_owned(),
            include_str!("../../route-framework/tests/data/apigw-v2-health.json").to_owned(),
        ),
        (
            "req-v1".to_owned(),
            include_str!("../../route-framework/tests/data/apigw-v1-health.json").to_owned(),
        ),
        ("req-default".to_owned(), unknown),
        (
            "req-schedule".to_owned(),
            include_str!("../../route-framework/tests/data/eventbridge-scheduled.json").to_owned(),
        ),
        // The three inputs that once made invocation errors (a bare 500 from the gateway).
        (
            "req-bad-query".to_owned(),
            v2_health(json!({ "rawQueryString": "q=café space|{\"" })),
        ),
        (
            "req-bad-base64".to_owned(),
            v2_health(json!({ "isBase64Encoded": true, "body": "not base64!" })),
        ),
        (
            "req-sqs".to_owned(),
            include_str!("../../route-framework/tests/data/sqs-batch.json").to_owned(),
        ),
    ];
    let mut api = RuntimeApi::start().await.unwrap().with_timeout(Duration::from_secs(30));
    for (id, event) in &events {
        api.queue(id, event.clone()).unwrap();
    }
    let dir = TempDir::new().unwrap();
    let _lambda = Running(
        Command::new(BIN)
            .env("APP_BACKEND", "embedded")
            .env("APP_DATA_DIR", dir.path())
            .envs(api.lambda_env("api"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );

    let mut got = Vec::new();
    for _ in 0..events.len() {
        got.push(api.next_answer().await.expect("the Lambda answered within 30 s"));
    }

    let v2 = response_to(&got, "req-v2", "an Ok response, never an invocation error");
    assert_eq!(v2["statusCode"], 200);
    assert_eq!(
        serde_json::from_str::<Value>(v2["body"].as_str().unwrap()).unwrap()["status"],
        "ok"
    );

    let v1 = response_to(&got, "req-v1", "a response");
    assert_eq!(v1["statusCode"], 200);
    assert_eq!(v1["multiValueHeaders"]["content-type"], json!(["application/json"]));

    let default = response_to(&got, "req-default", "a response");
    assert_eq!(default["statusCode"], 404);
    let body: Value = serde_json::from_str(default["body"].as_str().unwrap()).unwrap();
    assert_eq!(body["error"]["code"], "not_found");

    let scheduled = response_to(&got, "req-schedule", "the rule names the outbox relay job");
    assert_eq!(scheduled, json!({ "job": "relay_outbox", "done": true }));

    for id in ["req-bad-query", "req-bad-base64"] {
        let answer = response_to(&got, id, "a 400, not an invocation error");
        assert_eq!(answer["statusCode"], 400, "{id}: {answer}");
        let body: Value = serde_json::from_str(answer["body"].as_str().unwrap()).unwrap();
        assert_eq!(body["error"]["code"], "bad_request", "{id}");
    }
    let sqs = response_to(&got, "req-sqs", "an SQS batch is answered, not an invocation error");
    assert_eq!(
        sqs,
        json!({ "batchItemFailures": [{ "itemIdentifier": "059f36b4-87a3-44ab-83d2-661975830a7d" }] }),
        "the fixture's goal.target_reached payload lacks its user and goal: reported, not an invocation error"
    );
}

/// The HTTP API 2.0 `GET /health` fixture with `changes` merged in.
fn v2_health(changes: Value) -> String {
    let mut event: Value =
        serde_json::from_str(include_str!("../../route-framework/tests/data/apigw-v2-health.json")).unwrap();
    for (key, value) in changes.as_object().unwrap() {
        event[key] = value.clone();
    }
    event.to_string()
}

/// The Lambda environment of the aws backend, every service at `endpoint`.
fn aws_lambda_env(runtime: SocketAddr, endpoint: SocketAddr) -> Vec<(&'static str, String)> {
    [
        ("AWS_LAMBDA_RUNTIME_API", runtime.to_string()),
        ("AWS_LAMBDA_FUNCTION_NAME", "api".to_owned()),
        ("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "256".to_owned()),
        ("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST".to_owned()),
        ("AWS_REGION", "eu-west-1".to_owned()),
        ("AWS_ENDPOINT_URL", format!("http://{endpoint}")),
        ("AWS_ACCESS_KEY_ID", "testing".to_owned()),
        ("AWS_SECRET_ACCESS_KEY", "testing".to_owned()),
        ("USERS_TABLE_NAME", "users".to_owned()),
        ("GOALS_TABLE_NAME", "goals".to_owned()),
        ("AGGREGATES_TABLE_NAME", "aggregates".to_owned()),
        ("ATTACHMENTS_BUCKET_NAME", "attachments".to_owned()),
        (
            "NOTIFICATIONS_QUEUE_URL",
            format!("http://{endpoint}/123456789012/n.fifo"),
        ),
        ("USER_POOL_ID", "eu-west-1_pool".to_owned()),
        ("USER_POOL_CLIENT_ID", "client".to_owned()),
        ("APP_CURSOR_SECRET", "0123456789abcdef0123456789abcdef".to_owned()),
    ]
    .into()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_lambda_starts_on_the_aws_backend_without_calling_aws() {
    // Every AWS call would land here; none may happen to start or to answer `/health`.
    let services = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let endpoint = services.local_addr().unwrap();
    let calls = Arc::new(Mutex::new(0_u32));
    let counted = Arc::clone(&calls);
    tokio::spawn(async move {
        while let Ok((_stream, _)) = services.accept().await {
            *counted.lock().unwrap() += 1;
        }
    });
    let mut api = RuntimeApi::start().await.unwrap().with_timeout(Duration::from_secs(30));
    api.queue(
        "req-health",
        include_str!("../../route-framework/tests/data/apigw-v2-health.json"),
    )
    .unwrap();
    let _lambda = Running(
        Command::new(BIN)
            .env_remove("APP_BACKEND")
            .envs(aws_lambda_env(api.addr(), endpoint))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let answered = api.next_answer().await.expect("the Lambda answered within 30 s");
    let health = response_to(&[answered], "req-health", "a response");
    assert_eq!(health["statusCode"], 200);
    let body: Value = serde_json::from_str(health["body"].as_str().unwrap()).unwrap();
    assert_eq!(body["backend"], "aws", "aws is the default inside Lambda");
    assert_eq!(*calls.lock().unwrap(), 0, "no AWS call to start or to answer /health");
}
