//! HTTP-level behaviour of the dispatcher and the handler contract, through the
//! in-process test client (the same dispatch path as the local server).
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{TokenSpec, client, token, token_for};
use route_framework::prelude::*;
use serde_json::json;

/// One `u32` path parameter.
#[route("GET /t/items/{itemId}", public)]
async fn get_item(Path(id): Path<u32>) -> Json<serde_json::Value> {
    Json(json!({ "id": id }))
}

/// A tuple of path parameters, in path order.
#[route("GET /t/pairs/{name}/{count}", public)]
async fn get_pair(Path((name, count)): Path<(String, u32)>) -> Json<serde_json::Value> {
    Json(json!({ "name": name, "count": count }))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct EntryPath {
    goal_id: String,
    entry_id: String,
}

/// A struct of path parameters, by name.
#[route("GET /t/goals/{goalId}/entries/{entryId}", public)]
async fn get_entry(Path(path): Path<EntryPath>) -> Json<serde_json::Value> {
    Json(json!({ "goalId": path.goal_id, "entryId": path.entry_id }))
}

/// A greedy parameter.
#[route("GET /t/files/{proxy+}", public)]
async fn get_file(Path(rest): Path<String>) -> Json<serde_json::Value> {
    Json(json!({ "rest": rest }))
}

#[derive(Deserialize, JsonSchema, Validate)]
struct Search {
    #[garde(length(chars, min = 1))]
    q: String,
    #[garde(range(min = 1, max = 100))]
    limit: Option<u32>,
}

/// Query parameters.
#[route("GET /t/search", public)]
async fn search(Query(search): Query<Search>) -> Json<serde_json::Value> {
    Json(json!({ "q": search.q, "limit": search.limit }))
}

#[derive(Deserialize, Serialize, JsonSchema, Validate)]
#[serde(deny_unknown_fields)]
struct Target {
    #[garde(range(min = 0.001))]
    value: f64,
    #[garde(length(chars, min = 1, max = 5))]
    unit: String,
}

#[derive(Deserialize, Serialize, JsonSchema, Validate)]
#[serde(rename_all = "camelCase")]
struct NewThing {
    #[garde(length(chars, min = 1, max = 20))]
    title: String,
    #[garde(dive)]
    target: Target,
    #[garde(inner(length(chars, min = 1)))]
    tags: Vec<String>,
    #[garde(skip)]
    due_date: Option<String>,
}

/// Auth, a JSON body and `Created`.
#[route("POST /t/things")]
async fn create_thing(user: User, Json(thing): Json<NewThing>) -> Result<Created<serde_json::Value>, ApiError> {
    Ok(Created::new(
        "/t/things/1",
        json!({ "owner": user.id, "title": thing.title, "target": thing.target, "tags": thing.tags }),
    ))
}

/// A scope requirement and `NoContent`.
#[route("DELETE /t/things/{thingId}", scopes = ["things.write"])]
async fn delete_thing(Path(_id): Path<String>) -> NoContent {
    NoContent
}

/// The caller and the request's metadata.
#[route("GET /t/whoami")]
async fn whoami(user: User, RequestId(id): RequestId, Headers(headers): Headers) -> Json<serde_json::Value> {
    let agent = headers
        .get("user-agent")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    Json(json!({ "user": user.id, "email": user.email, "scopes": user.scopes, "requestId": id, "agent": agent }))
}

/// A public route that asks for a user anyway.
#[route("GET /t/public-user", public)]
async fn public_user(user: User) -> Json<String> {
    Json(user.id)
}

/// A handler that panics.
#[route("GET /t/panic", public)]
async fn panics() -> NoContent {
    panic!("secret internal detail")
}

/// An extractor with a bug.
struct Faulty;

impl route_framework::extract::FromRequestParts for Faulty {
    fn from_request_parts(_: &route_framework::request::RequestParts) -> Result<Self, ApiError> {
        panic!("secret extractor detail")
    }
}

/// A handler whose extractor panics.
#[route("GET /t/faulty-extractor", public)]
async fn faulty_extractor(_faulty: Faulty) -> NoContent {
    NoContent
}

/// A handler that never finishes.
#[route("GET /t/stuck", public)]
async fn stuck() -> NoContent {
    std::future::pending::<()>().await;
    NoContent
}

/// A handler error with a header.
#[route("GET /t/busy", public)]
async fn busy() -> Result<NoContent, ApiError> {
    Err(ApiError::unavailable("the database is busy", 2))
}

fn assert_error(response: &route_framework::testing::TestResponse, status: u16, code: &str) -> serde_json::Value {
    assert_eq!(response.status.as_u16(), status, "body: {}", response.text());
    assert_eq!(response.header("content-type"), Some("application/json"));
    let body = response.json();
    assert_eq!(body["error"]["code"], code, "body: {body}");
    let request_id = body["error"]["requestId"].as_str().expect("requestId");
    assert!(request_id.starts_with("test-"), "request id {request_id}");
    assert_eq!(response.header("x-request-id"), Some(request_id));
    body
}

#[tokio::test]
async fn handlers_read_the_dispatchers_state() {
    let response = client().get("/health").send().await;
    assert_eq!(response.status, 200);
    assert_eq!(response.json(), json!({ "status": "ok", "greeting": "hello" }));
}

#[tokio::test]
async fn unknown_paths_are_404_in_the_error_contract() {
    let response = client().get("/nope").send().await;
    let body = assert_error(&response, 404, "not_found");
    assert!(body["error"]["message"].as_str().is_some());
}

#[tokio::test]
async fn other_methods_on_a_known_path_are_405_with_allow() {
    let response = client().delete("/health").send().await;
    assert_error(&response, 405, "method_not_allowed");
    assert_eq!(response.header("allow"), Some("GET, HEAD"));

    let response = client().get("/t/things").send().await;
    assert_error(&response, 405, "method_not_allowed");
    assert_eq!(response.header("allow"), Some("POST"));
}

#[tokio::test]
async fn head_is_served_by_get_without_a_body() {
    let response = client().request(http::Method::HEAD, "/health").send().await;
    assert_eq!(response.status, 200);
    assert!(response.body.is_empty());
    let get = client().get("/health").send().await;
    assert_eq!(
        response.header("content-length"),
        Some(get.body.len().to_string().as_str())
    );
}

#[tokio::test]
async fn path_extracts_one_value_a_tuple_a_struct_and_a_greedy_rest() {
    let c = client();
    assert_eq!(c.get("/t/items/42").send().await.json(), json!({ "id": 42 }));
    assert_eq!(
        c.get("/t/pairs/ada/3").send().await.json(),
        json!({ "name": "ada", "count": 3 })
    );
    assert_eq!(
        c.get("/t/goals/g1/entries/e%202").send().await.json(),
        json!({ "goalId": "g1", "entryId": "e 2" })
    );
    assert_eq!(
        c.get("/t/files/a/b/c.txt").send().await.json(),
        json!({ "rest": "a/b/c.txt" })
    );
}

#[tokio::test]
async fn unparsable_path_parameters_are_400_naming_the_parameter() {
    let response = client().get("/t/items/forty-two").send().await;
    let body = assert_error(&response, 400, "bad_request");
    assert!(
        body["error"]["message"].as_str().unwrap().contains("`itemId`"),
        "{body}"
    );
}

#[tokio::test]
async fn query_is_deserialised_and_bad_values_are_422() {
    let c = client();
    assert_eq!(
        c.get("/t/search?q=run%20fast&limit=5").send().await.json(),
        json!({ "q": "run fast", "limit": 5 })
    );
    assert_eq!(
        c.get("/t/search?q=x").send().await.json(),
        json!({ "q": "x", "limit": null })
    );
    let body = assert_error(
        &c.get("/t/search?q=x&limit=many").send().await,
        422,
        "validation_failed",
    );
    assert_eq!(body["error"]["details"][0]["field"], "limit");
    assert_error(&c.get("/t/search").send().await, 422, "validation_failed");
}

/// The sorted `field`s of an error body's details.
fn detail_fields(error: &serde_json::Value) -> Vec<&str> {
    let mut fields: Vec<&str> = error["error"]["details"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["field"].as_str().unwrap())
        .collect();
    fields.sort_unstable();
    fields
}

fn thing() -> serde_json::Value {
    json!({ "title": "Run", "target": { "value": 5.0, "unit": "km" }, "tags": ["a"] })
}

#[tokio::test]
async fn json_bodies_create_resources_with_location() {
    let response = client()
        .post("/t/things")
        .bearer(&token_for("ada"))
        .json(&thing())
        .send()
        .await;
    assert_eq!(response.status, 201, "{}", response.text());
    assert_eq!(response.header("location"), Some("/t/things/1"));
    assert_eq!(response.json()["owner"], "ada");
}

#[tokio::test]
async fn json_body_errors_map_to_415_413_400_and_422_with_pointers() {
    let c = client();
    let auth = token_for("ada");

    let response = c.post("/t/things").bearer(&auth).body(thing().to_string()).send().await;
    assert_error(&response, 415, "unsupported_media_type");
    let response = c
        .post("/t/things")
        .bearer(&auth)
        .header("content-type", "text/plain")
        .body("{}")
        .send()
        .await;
    assert_error(&response, 415, "unsupported_media_type");

    let big = format!(
        "{{\"title\":\"{}\"}}",
        "x".repeat(route_framework::extract::JSON_BODY_LIMIT)
    );
    let response = c
        .post("/t/things")
        .bearer(&auth)
        .header("content-type", "application/json")
        .body(big)
        .send()
        .await;
    assert_error(&response, 413, "payload_too_large");

    let trailing = format!("{} trailing", thing());
    for malformed in [
        "{\"title\": ".to_owned(),
        "not json".to_owned(),
        String::new(),
        trailing,
    ] {
        let response = c
            .post("/t/things")
            .bearer(&auth)
            .header("content-type", "application/json; charset=utf-8")
            .body(malformed)
            .send()
            .await;
        assert_error(&response, 400, "malformed_json");
    }

    let cases = [
        (
            json!({ "title": 5, "target": { "value": 1.0, "unit": "km" }, "tags": [] }),
            "/title",
        ),
        (
            json!({ "title": "Run", "target": { "value": "lots", "unit": "km" }, "tags": [] }),
            "/target/value",
        ),
        (
            json!({ "title": "Run", "target": { "value": 1.0 }, "tags": [] }),
            "/target/unit",
        ),
        (
            json!({ "title": "Run", "target": { "value": 1.0, "unit": "km", "x": 1 }, "tags": [] }),
            "/target/x",
        ),
        (
            json!({ "title": "Run", "target": { "value": 1.0, "unit": "km" }, "tags": ["a", 2] }),
            "/tags/1",
        ),
        (
            json!({ "title": "Run", "target": { "value": -1.0, "unit": "km" }, "tags": [] }),
            "/target/value",
        ),
    ];
    for (body, field) in cases {
        let response = c.post("/t/things").bearer(&auth).json(&body).send().await;
        let error = assert_error(&response, 422, "validation_failed");
        assert_eq!(error["error"]["details"][0]["field"], field, "{body} → {error}");
    }
}

#[tokio::test]
async fn every_value_of_the_wrong_shape_is_reported_at_once() {
    let body = json!({ "title": 5, "target": { "value": "lots", "colour": "red" }, "tags": ["a", 2] });
    let response = client()
        .post("/t/things")
        .bearer(&token_for("ada"))
        .json(&body)
        .send()
        .await;
    let error = assert_error(&response, 422, "validation_failed");
    let fields = detail_fields(&error);
    assert_eq!(
        fields,
        ["/tags/1", "/target/colour", "/target/unit", "/target/value", "/title"],
        "{error}"
    );
}

#[tokio::test]
async fn a_body_with_thousands_of_misfits_gets_a_bounded_answer() {
    let target: serde_json::Map<String, serde_json::Value> = (0..5000).map(|n| (format!("k{n}"), json!(n))).collect();
    let body = json!({ "title": "Run", "target": target, "tags": [] });
    let response = client()
        .post("/t/things")
        .bearer(&token_for("ada"))
        .json(&body)
        .send()
        .await;
    let error = assert_error(&response, 422, "validation_failed");
    let details = error["error"]["details"].as_array().unwrap().len();
    assert_eq!(
        details,
        route_framework::validation::MAX_DETAILS,
        "{}",
        response.text().len()
    );
}

#[tokio::test]
async fn every_broken_rule_of_a_body_or_query_is_reported_at_once_in_wire_names() {
    let c = client();
    let body = json!({ "title": "", "target": { "value": 0.0, "unit": "kilometres" }, "tags": ["ok", ""] });
    let response = c.post("/t/things").bearer(&token_for("ada")).json(&body).send().await;
    let error = assert_error(&response, 422, "validation_failed");
    let fields = detail_fields(&error);
    assert_eq!(
        fields,
        ["/tags/1", "/target/unit", "/target/value", "/title"],
        "{error}"
    );

    let error = assert_error(&c.get("/t/search?q=&limit=0").send().await, 422, "validation_failed");
    let fields = detail_fields(&error);
    assert_eq!(fields, ["limit", "q"], "{error}");
}

#[tokio::test]
async fn non_public_routes_need_a_valid_bearer_token() {
    let c = client();
    let expired = token(TokenSpec {
        expires_at: common::now() - 3600,
        ..TokenSpec::default()
    });
    let wrong_key = token(TokenSpec {
        other_key: true,
        ..TokenSpec::default()
    });
    let wrong_issuer = token(TokenSpec {
        issuer: "https://evil.test",
        ..TokenSpec::default()
    });
    let wrong_audience = token(TokenSpec {
        audience: "someone-else",
        ..TokenSpec::default()
    });
    // The header and claims of a valid token, re-signed with `alg: none`.
    let valid = token_for("ada");
    let claims = valid.split('.').nth(1).unwrap();
    let alg_none = format!("eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0.{claims}.");

    let mut requests = vec![
        c.get("/t/whoami"),
        c.get("/t/whoami").header("authorization", "Basic YWRhOnB3"),
    ];
    for bad in [
        &expired,
        &wrong_key,
        &wrong_issuer,
        &wrong_audience,
        &alg_none,
        &"not.a.jwt".to_owned(),
    ] {
        requests.push(c.get("/t/whoami").bearer(bad));
    }
    for request in requests {
        let response = request.send().await;
        assert_error(&response, 401, "unauthorized");
        assert_eq!(response.header("www-authenticate"), Some("Bearer"));
    }

    let response = c
        .get("/t/whoami")
        .bearer(&valid)
        .header("user-agent", "tests")
        .send()
        .await;
    assert_eq!(response.status, 200, "{}", response.text());
    let body = response.json();
    assert_eq!(body["user"], "ada");
    assert_eq!(body["email"], "ada@example.com");
    assert_eq!(body["agent"], "tests");
    assert_eq!(
        Some(body["requestId"].as_str().unwrap()),
        response.header("x-request-id")
    );
}

#[tokio::test]
async fn not_yet_valid_critical_and_malleated_tokens_are_refused() {
    use base64::Engine as _;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use jsonwebtoken::{Algorithm, Header};

    let c = client();
    let whoami = |token: String| {
        let c = c.clone();
        async move { c.get("/t/whoami").bearer(&token).send().await.status.as_u16() }
    };
    let es256 = Header::new(Algorithm::ES256);
    assert_eq!(whoami(common::token_with(&es256, json!({}))).await, 200);

    let not_yet = common::token_with(&es256, json!({ "nbf": common::now() + 3600 }));
    assert_eq!(whoami(not_yet).await, 401, "nbf in the future");
    let within_leeway = common::token_with(&es256, json!({ "nbf": common::now() + 10 }));
    assert_eq!(whoami(within_leeway).await, 200, "the same 30 s leeway as exp");

    let mut critical = Header::new(Algorithm::ES256);
    critical.crit = Some(vec!["exp-ext".to_owned()]);
    assert_eq!(
        whoami(common::token_with(&critical, json!({}))).await,
        401,
        "unknown crit"
    );

    // The same token with s replaced by n - s: a second valid ECDSA signature.
    let valid = common::token_with(&es256, json!({}));
    let (signed, signature) = valid.rsplit_once('.').unwrap();
    let signature = p256::ecdsa::Signature::from_slice(&URL_SAFE_NO_PAD.decode(signature).unwrap()).unwrap();
    let high_s = p256::ecdsa::Signature::from_scalars(signature.r(), -*signature.s()).unwrap();
    assert!(high_s.normalize_s().is_some(), "the test made a high-S signature");
    let malleated = format!("{signed}.{}", URL_SAFE_NO_PAD.encode(high_s.to_bytes()));
    assert_eq!(whoami(malleated).await, 401, "high-S signature");
}

#[tokio::test]
async fn auth_failures_do_not_echo_the_token() {
    let secret = token(TokenSpec {
        other_key: true,
        ..TokenSpec::default()
    });
    let response = client().get("/t/whoami").bearer(&secret).send().await;
    assert_eq!(response.status, 401);
    let signature = secret.rsplit('.').next().unwrap();
    assert!(!response.text().contains(signature));
}

#[tokio::test]
async fn required_scopes_are_checked() {
    let c = client();
    let without = token(TokenSpec {
        scope: "things.read",
        ..TokenSpec::default()
    });
    assert_error(&c.delete("/t/things/1").bearer(&without).send().await, 403, "forbidden");
    let with = token(TokenSpec {
        scope: "things.read things.write",
        ..TokenSpec::default()
    });
    let response = c.delete("/t/things/1").bearer(&with).send().await;
    assert_eq!(response.status, 204);
    assert!(response.body.is_empty());
}

#[tokio::test]
async fn a_user_extractor_on_a_public_route_is_401() {
    assert_error(&client().get("/t/public-user").send().await, 401, "unauthorized");
}

#[tokio::test]
async fn a_panicking_handler_or_extractor_is_a_500_without_internal_detail() {
    for path in ["/t/panic", "/t/faulty-extractor"] {
        let response = client().get(path).send().await;
        let body = assert_error(&response, 500, "internal");
        assert!(!response.text().contains("secret"), "{path}: {body}");
        // The dispatcher keeps serving.
        assert_eq!(client().get("/health").send().await.status, 200);
    }
}

#[tokio::test]
async fn a_handler_past_the_deadline_is_a_503_with_retry_after() {
    let authenticator = route_framework::auth::NoAuthenticator;
    let dispatcher =
        route_framework::dispatch::Dispatcher::new(route_framework::routes(), authenticator, common::Greeting("hi"))
            .unwrap()
            .with_deadline(std::time::Duration::from_millis(20));
    let client = route_framework::testing::TestClient::new(std::sync::Arc::new(dispatcher));
    let response = client.get("/t/stuck").send().await;
    assert_error(&response, 503, "unavailable");
    assert_eq!(response.header("retry-after"), Some("1"));
    assert_eq!(
        client.get("/t/items/7").send().await.status,
        200,
        "the dispatcher keeps serving"
    );
}

#[tokio::test]
async fn handler_errors_carry_their_headers() {
    let response = client().get("/t/busy").send().await;
    assert_error(&response, 503, "unavailable");
    assert_eq!(response.header("retry-after"), Some("2"));
}
