//! The whole app in process, on the embedded store, with every route,
//! consumer and job registered, as `start::service` builds it:
//!
//! - `request/apigw_v2_health`: an API Gateway 2.0 `GET /health` event →
//!   response, as the Lambda answers it.
//! - `request/apigw_v2_get_goal`: an authenticated `GET /goals/{goalId}`
//!   event (claims from the gateway's JWT authorizer) → response.
//!   Next to it, `request/apigw_v2_get_goal_unchecked`: the same event
//!   through a dispatcher without the revocation check (the check's
//!   baseline), and `request/revocation_read`: the check's store read, which
//!   it makes once per user per 5 s (`api_handler::sessions::CACHE_FOR`).
//! - `request/bearer_get_goal`: the same read sent as the local server sends
//!   it, with a bearer token the service's token cache has seen, next to
//!   `request/bearer_get_goal_uncached`, which verifies the ES256 signature
//!   on every request (the cache's baseline).
//!
//! Run with `cargo xtask bench`, which reports the ratios.
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

use std::hint::black_box;
use std::path::PathBuf;
use std::sync::Arc;

use criterion::Criterion;
use route_framework::auth::{CachedAuthenticator, DEFAULT_CAPACITY};
use route_framework::dispatch::Dispatcher;
use route_framework::event::EventDispatcher;
use route_framework::lambda;
use route_framework::testing::TestClient;
use serde_json::{Value, json};

const HEALTH_EVENT: &str = include_str!("../../route-framework/tests/data/apigw-v2-health.json");
const JWT_EVENT: &str = include_str!("../../route-framework/tests/data/apigw-v2-jwt-authorizer.json");

/// The app on a fresh embedded store, and a user with one goal.
struct Fixture {
    dispatcher: Arc<Dispatcher>,
    events: EventDispatcher,
    uncached: Arc<Dispatcher>,
    unchecked: Arc<Dispatcher>,
    app: api_handler::app::App,
    token: String,
    user_id: String,
    goal_id: String,
    _data: tempfile::TempDir,
}

async fn fixture() -> Fixture {
    let data = tempfile::tempdir().unwrap();
    let backend = api_handler::embedded(data.path(), "http://127.0.0.1:9").unwrap();
    let authenticator = Arc::clone(&backend.authenticator);
    let service = api_handler::service(backend).unwrap();
    let uncached = Dispatcher::new(
        route_framework::routes(),
        Arc::clone(&authenticator),
        service.app.clone(),
    )
    .unwrap();
    let cached = CachedAuthenticator::new(authenticator, DEFAULT_CAPACITY);
    let unchecked = Dispatcher::new(route_framework::routes(), cached, service.app.clone()).unwrap();
    let dispatcher = Arc::new(service.dispatcher);
    let client = TestClient::new(Arc::clone(&dispatcher));
    let credentials = json!({ "email": "bench@example.com", "password": "Bench-pass-1" });
    let registered = client.post("/auth/register").json(&credentials).send().await;
    assert_eq!(registered.status, 201, "{}", registered.text());
    let login = client.post("/auth/login").json(&credentials).send().await;
    assert_eq!(login.status, 200, "{}", login.text());
    let token = login.json()["accessToken"].as_str().unwrap().to_owned();
    let goal = json!({
        "title": "Swim",
        "category": "fitness",
        "target": { "value": 10, "unit": "km" },
        "period": "weekly",
    });
    let created = client.post("/goals").bearer(&token).json(&goal).send().await;
    assert_eq!(created.status, 201, "{}", created.text());
    Fixture {
        dispatcher,
        events: service.events,
        uncached: Arc::new(uncached),
        unchecked: Arc::new(unchecked),
        app: service.app,
        token,
        user_id: registered.json()["userId"].as_str().unwrap().to_owned(),
        goal_id: created.json()["goalId"].as_str().unwrap().to_owned(),
        _data: data,
    }
}

/// The JWT authorizer fixture, rewritten into `GET /goals/{goalId}` by `user_id`.
fn get_goal_event(user_id: &str, goal_id: &str) -> String {
    let mut event: Value = serde_json::from_str(JWT_EVENT).unwrap();
    let path = format!("/goals/{goal_id}");
    event["routeKey"] = json!("GET /goals/{goalId}");
    event["rawPath"] = json!(path);
    event["pathParameters"] = json!({ "goalId": goal_id });
    event["requestContext"]["routeKey"] = json!("GET /goals/{goalId}");
    event["requestContext"]["http"]["path"] = json!(path);
    event["requestContext"]["authorizer"]["jwt"]["claims"]["sub"] = json!(user_id);
    event.to_string()
}

fn requests(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let fixture = runtime.block_on(fixture());
    let answer_by = |dispatcher: &Dispatcher, event: &str| {
        // The event's text in, the answer's JSON out, as the runtime does.
        let payload = serde_json::from_slice(black_box(event.as_bytes())).unwrap();
        let event = lambda_http::LambdaEvent::new(payload, lambda_http::Context::default());
        let answered = runtime.block_on(lambda::answer(dispatcher, &fixture.events, event));
        serde_json::to_vec(&answered.unwrap()).unwrap()
    };
    let answer = |event: &str| answer_by(&fixture.dispatcher, event);
    let get_goal = get_goal_event(&fixture.user_id, &fixture.goal_id);
    let status = |answer: Vec<u8>| serde_json::from_slice::<Value>(&answer).unwrap()["statusCode"].as_u64();
    assert_eq!(status(answer(HEALTH_EVENT)), Some(200));
    assert_eq!(status(answer(&get_goal)), Some(200));

    let mut group = c.benchmark_group("request");
    group.bench_function("apigw_v2_health", |b| b.iter(|| answer(HEALTH_EVENT)));
    group.bench_function("apigw_v2_get_goal", |b| b.iter(|| answer(&get_goal)));
    assert_eq!(status(answer_by(&fixture.unchecked, &get_goal)), Some(200));
    group.bench_function("apigw_v2_get_goal_unchecked", |b| {
        b.iter(|| answer_by(&fixture.unchecked, &get_goal))
    });
    let revocations = fixture.app.revocations();
    group.bench_function("revocation_read", |b| {
        b.iter(|| runtime.block_on(revocations.get(black_box(&fixture.user_id))).unwrap())
    });
    let path = format!("/goals/{}", fixture.goal_id);
    for (name, dispatcher) in [
        ("bearer_get_goal", &fixture.dispatcher),
        ("bearer_get_goal_uncached", &fixture.uncached),
    ] {
        let client = TestClient::new(Arc::clone(dispatcher));
        let read = || runtime.block_on(client.get(&path).bearer(&fixture.token).send()).status;
        assert_eq!(read(), 200);
        group.bench_function(name, |b| b.iter(read));
    }
    group.finish();
}

fn main() {
    let mut criterion = Criterion::default()
        .output_directory(&PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target/criterion"))
        .configure_from_args();
    requests(&mut criterion);
    criterion.final_summary();
}
