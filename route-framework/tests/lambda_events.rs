//! API Gateway 1.0 / 2.0, `$default`, ALB, SQS and malformed events through
//! the real Lambda handler function (`lambda::answer`), in process. Consumers
//! and jobs have their own binary (`events.rs`).
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::collections::BTreeMap;

use route_framework::lambda;
use route_framework::prelude::*;
use route_framework::testing::merge_json;
use serde_json::{Value, json};

/// Echo everything the event carried.
#[route("POST /t/echo/{id}", public)]
async fn echo(
    Path(id): Path<String>,
    Query(NoRules(query)): Query<NoRules<Vec<(String, String)>>>,
    Headers(headers): Headers,
    RequestId(request_id): RequestId,
    Json(NoRules(body)): Json<NoRules<Value>>,
) -> Json<Value> {
    let header_values = |name: &str| -> Vec<String> {
        headers
            .get_all(name)
            .iter()
            .map(|v| v.to_str().unwrap_or_default().to_owned())
            .collect()
    };
    // Payload 1.0 query maps have no order; sort for comparison.
    let mut query = query;
    query.sort();
    Json(json!({
        "id": id,
        "query": query,
        "cookie": header_values("cookie"),
        "multi": header_values("x-multi"),
        "requestId": request_id,
        "body": body,
    }))
}

/// The caller, as the gateway or the bearer token says.
#[route("GET /t/me")]
async fn me(user: User) -> Json<Value> {
    Json(json!({ "id": user.id, "email": user.email, "scopes": user.scopes }))
}

/// The caller's address, as the entry point saw it.
#[route("GET /t/ip", public)]
async fn client_ip(ClientIp(ip): ClientIp) -> Json<Value> {
    Json(json!({ "ip": ip.map(|ip| ip.to_string()) }))
}

/// One raw event through the real Lambda handler (`lambda::answer`): the
/// status, headers (first value each) and JSON body of its answer.
async fn handle(event: &str) -> (u16, BTreeMap<String, String>, Value) {
    let answer = raw(event).await.unwrap();
    let status = answer["statusCode"].as_u64().unwrap() as u16;
    let mut headers = BTreeMap::new();
    for (name, value) in answer["headers"].as_object().into_iter().flatten() {
        headers.insert(name.clone(), value.as_str().unwrap().to_owned());
    }
    for (name, values) in answer["multiValueHeaders"].as_object().into_iter().flatten() {
        headers.insert(name.clone(), values[0].as_str().unwrap().to_owned());
    }
    assert_eq!(answer["isBase64Encoded"], false, "JSON answers are text: {answer}");
    let body = match answer["body"].as_str().unwrap() {
        "" => Value::Null,
        text => serde_json::from_str(text).unwrap(),
    };
    (status, headers, body)
}

/// One raw event through `lambda::answer` (this binary has no consumers or jobs).
async fn raw(event: &str) -> Result<Value, lambda_http::Error> {
    let harness = common::client();
    let payload = serde_json::value::RawValue::from_string(event.to_owned()).unwrap();
    let event = lambda_http::LambdaEvent::new(payload, lambda_http::Context::default());
    let answer = lambda::answer(&harness.dispatcher, &harness.events, event).await?;
    Ok(serde_json::to_value(answer).unwrap())
}

fn v2_event(route_key: &str, method: &str, raw_path: &str, extra: Value) -> String {
    let mut event = json!({
        "version": "2.0",
        "routeKey": route_key,
        "rawPath": raw_path,
        "rawQueryString": "",
        "headers": { "host": "abc123.execute-api.us-east-1.amazonaws.com" },
        "requestContext": {
            "accountId": "123456789012",
            "apiId": "abc123",
            "domainName": "abc123.execute-api.us-east-1.amazonaws.com",
            "http": { "method": method, "path": raw_path, "protocol": "HTTP/1.1", "sourceIp": "203.0.113.7", "userAgent": "t" },
            "requestId": "v2-generated",
            "routeKey": route_key,
            "stage": "$default",
            "time": "25/Nov/2026:09:00:00 +0000",
            "timeEpoch": 1795597200000_u64
        },
        "isBase64Encoded": false
    });
    merge_json(&mut event, extra);
    event.to_string()
}

#[tokio::test]
async fn the_client_address_comes_from_the_gateways_source_ip() {
    let (status, _, body) = handle(&v2_event("GET /t/ip", "GET", "/t/ip", json!({}))).await;
    assert_eq!((status, body), (200, json!({ "ip": "203.0.113.7" })));
}

#[tokio::test]
async fn http_api_2_0_health_is_looked_up_by_route_key() {
    let (status, headers, body) = handle(include_str!("data/apigw-v2-health.json")).await;
    assert_eq!(status, 200);
    assert_eq!(body["status"], "ok");
    assert_eq!(
        headers["x-request-id"], "Qx1aBhvGIAMEV-A=",
        "API Gateway's request id is the request id"
    );
}

#[tokio::test]
async fn rest_api_1_0_health_is_looked_up_by_resource_despite_the_stage() {
    let (status, headers, body) = handle(include_str!("data/apigw-v1-health.json")).await;
    assert_eq!(status, 200);
    assert_eq!(body["status"], "ok");
    assert_eq!(headers["x-request-id"], "e2c1a0e6-v1-health");
}

#[tokio::test]
async fn default_route_events_use_the_matcher_and_404_unknown_paths() {
    let (status, _, body) = handle(&v2_event("$default", "GET", "/nope", json!({}))).await;
    assert_eq!(status, 404);
    assert_eq!(body["error"]["code"], "not_found");
    assert_eq!(body["error"]["requestId"], "v2-generated");

    let (status, _, _) = handle(&v2_event("$default", "GET", "/health", json!({}))).await;
    assert_eq!(status, 200);

    let (status, headers, body) = handle(&v2_event("$default", "DELETE", "/health", json!({}))).await;
    assert_eq!((status, headers["allow"].as_str()), (405, "GET, HEAD"));
    assert_eq!(body["error"]["code"], "method_not_allowed");
}

#[tokio::test]
async fn a_named_stage_does_not_prefix_the_matched_path() {
    let event = v2_event(
        "$default",
        "GET",
        "/health",
        json!({ "requestContext": { "stage": "prod" } }),
    );
    let (status, _, _) = handle(&event).await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn http_api_2_0_carries_path_parameters_query_cookies_and_base64_bodies() {
    let (status, _, body) = handle(include_str!("data/apigw-v2-echo.json")).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["id"], "abc d");
    assert_eq!(body["query"], json!([["q", "run fast"], ["tag", "a"], ["tag", "b"]]));
    assert_eq!(body["cookie"], json!(["session=s1; theme=dark"]));
    assert_eq!(body["multi"], json!(["one,two"]));
    assert_eq!(body["requestId"], "v2-echo-request");
    assert_eq!(body["body"], json!({ "hello": "world" }));
}

#[tokio::test]
async fn rest_api_1_0_carries_multi_value_headers_and_query_strings() {
    let (status, _, body) = handle(include_str!("data/apigw-v1-echo.json")).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["id"], "abc");
    assert_eq!(body["query"], json!([["q", "swim"], ["tag", "a"], ["tag", "b"]]));
    assert_eq!(body["multi"], json!(["one", "two"]));
    assert_eq!(body["body"], json!({ "hello": "rest" }));
}

#[tokio::test]
async fn a_rest_api_path_that_arrives_decoded_is_served() {
    let mut event: Value = serde_json::from_str(include_str!("data/apigw-v1-echo.json")).unwrap();
    merge_json(
        &mut event,
        json!({ "path": "/t/echo/café au lait", "pathParameters": { "id": "café au lait" } }),
    );
    let (status, _, body) = handle(&event.to_string()).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["id"], "café au lait");
}

#[tokio::test]
async fn jwt_authorizer_claims_name_the_user() {
    let (status, _, body) = handle(include_str!("data/apigw-v2-jwt-authorizer.json")).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        body,
        json!({ "id": "7d8f2a10-cognito-sub", "email": "ada@example.com", "scopes": ["goals.read", "goals.write"] })
    );
}

#[tokio::test]
async fn a_protected_route_without_gateway_claims_or_a_token_is_401() {
    // The gateway's authorizer is missing (misconfigured): defence in depth.
    let (status, headers, body) = handle(&v2_event("GET /t/me", "GET", "/t/me", json!({}))).await;
    assert_eq!(status, 401);
    assert_eq!(headers["www-authenticate"], "Bearer");
    assert_eq!(body["error"]["code"], "unauthorized");
}

#[tokio::test]
async fn function_url_style_events_verify_the_bearer_token_themselves() {
    let valid = common::token_for("url-user");
    let event = v2_event(
        "$default",
        "GET",
        "/t/me",
        json!({ "headers": { "authorization": format!("Bearer {valid}") } }),
    );
    let (status, _, body) = handle(&event).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["id"], "url-user");

    let forged = common::token(common::TokenSpec {
        other_key: true,
        ..Default::default()
    });
    let event = v2_event(
        "$default",
        "GET",
        "/t/me",
        json!({ "headers": { "authorization": format!("Bearer {forged}") } }),
    );
    let (status, _, _) = handle(&event).await;
    assert_eq!(status, 401);
}

#[tokio::test]
async fn rest_api_cognito_authorizer_claims_name_the_user() {
    let mut event: Value = serde_json::from_str(include_str!("data/apigw-v1-health.json")).unwrap();
    merge_json(
        &mut event,
        json!({
            "resource": "/t/me", "path": "/t/me",
            "requestContext": { "resourcePath": "/t/me", "authorizer": { "claims": { "sub": "rest-user", "email": "r@example.com" } } }
        }),
    );
    let (status, _, body) = handle(&event.to_string()).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["id"], "rest-user");
}

#[tokio::test]
async fn alb_events_are_matched_by_path() {
    let event = json!({
        "requestContext": { "elb": { "targetGroupArn": "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/api/0123456789abcdef" } },
        "httpMethod": "GET",
        "path": "/health",
        "queryStringParameters": {},
        "headers": { "host": "api.example.com" },
        "body": "",
        "isBase64Encoded": false
    });
    let (status, _, body) = handle(&event.to_string()).await;
    assert_eq!(status, 200);
    assert_eq!(body["status"], "ok");
}

#[tokio::test]
async fn behind_an_alb_the_client_is_the_last_forwarded_address() {
    let event = json!({
        "requestContext": { "elb": { "targetGroupArn": "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/api/0123456789abcdef" } },
        "httpMethod": "GET",
        "path": "/t/ip",
        "headers": { "host": "api.example.com", "x-forwarded-for": "10.9.9.9, 198.51.100.4" },
        "body": "",
        "isBase64Encoded": false
    });
    let (status, headers, body) = handle(&event.to_string()).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        body["ip"], "198.51.100.4",
        "a client-sent X-Forwarded-For entry is not the client"
    );
    assert_eq!(
        headers["content-type"], "application/json",
        "single-value headers back to this ALB"
    );
}

/// A malformed piece of an HTTP event is a 400 in the error contract, in the
/// event's own response format: never a panic, never an invocation error.
async fn rejected(event: &str, complaint: &str) {
    let (status, headers, body) = handle(event).await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(headers["content-type"], "application/json");
    assert_eq!(body["error"]["code"], "bad_request", "{body}");
    let message = body["error"]["message"].as_str().unwrap();
    assert!(message.contains(complaint), "{message:?} should mention {complaint:?}");
}

#[tokio::test]
async fn a_query_string_a_uri_cannot_carry_is_a_400() {
    for raw_query in ["q=café space", "q={x}", "q=\"quoted\"", "a|b"] {
        let event = v2_event("GET /t/ip", "GET", "/t/ip", json!({ "rawQueryString": raw_query }));
        rejected(&event, "query string").await;
    }
}

#[tokio::test]
async fn a_body_marked_base64_that_is_not_is_a_400() {
    let event = v2_event(
        "POST /t/echo/{id}",
        "POST",
        "/t/echo/a",
        json!({ "isBase64Encoded": true, "body": "not base64!", "pathParameters": { "id": "a" } }),
    );
    rejected(&event, "base64").await;
}

#[tokio::test]
async fn a_path_or_header_a_request_cannot_carry_is_a_400() {
    rejected(&v2_event("$default", "GET", "/t/ip x", json!({})), "path").await;
    rejected(&v2_event("$default", "GET", "relative", json!({})), "path").await;
    let event = v2_event(
        "$default",
        "GET",
        "/t/ip",
        json!({ "headers": { "x-bad": "line\nbreak" } }),
    );
    rejected(&event, "HTTP API 2.0 event").await;
}

#[tokio::test]
async fn a_malformed_rest_or_alb_event_is_a_400_in_its_own_format() {
    let mut event: Value = serde_json::from_str(include_str!("data/apigw-v1-health.json")).unwrap();
    merge_json(&mut event, json!({ "httpMethod": "GE T" }));
    let answer = raw(&event.to_string()).await.unwrap();
    assert_eq!(answer["statusCode"], 400, "{answer}");
    assert_eq!(answer["multiValueHeaders"]["content-type"], json!(["application/json"]));

    let alb = json!({
        "requestContext": { "elb": { "targetGroupArn": "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/api/0123456789abcdef" } },
        "httpMethod": "GET", "path": "/health", "headers": { "host": "api.example.com" },
        "body": "%%%", "isBase64Encoded": true
    });
    let answer = raw(&alb.to_string()).await.unwrap();
    assert_eq!(answer["statusCode"], 400, "{answer}");
    assert_eq!(answer["statusDescription"], "400 Bad Request");
    assert_eq!(answer["headers"]["content-type"], "application/json");
}

#[tokio::test]
async fn an_sqs_batch_nobody_consumes_is_acknowledged() {
    let answer = raw(include_str!("data/sqs-batch.json")).await.unwrap();
    assert_eq!(answer, json!({ "batchItemFailures": [] }));
}

#[tokio::test]
async fn an_event_of_no_known_shape_is_an_error_naming_it() {
    let err = raw(r#"{"detail": {}, "source": "aws.s3"}"#).await.unwrap_err();
    assert!(err.to_string().contains("aws.s3"), "{err}");
    let err = raw(r#"{"Records": [{"eventSource": "aws:dynamodb"}]}"#)
        .await
        .unwrap_err();
    assert!(err.to_string().contains("aws:dynamodb"), "{err}");
    let err = raw("[1, 2]").await.unwrap_err();
    assert!(err.to_string().contains("an array"), "{err}");
}

/// Every leaf of `value` with its JSON pointer.
fn leaves(value: &Value, pointer: String, out: &mut Vec<String>) {
    match value {
        Value::Object(map) => map
            .iter()
            .for_each(|(key, inner)| leaves(inner, format!("{pointer}/{key}"), out)),
        Value::Array(items) => items
            .iter()
            .enumerate()
            .for_each(|(index, inner)| leaves(inner, format!("{pointer}/{index}"), out)),
        _ => out.push(pointer),
    }
}

#[tokio::test]
async fn no_mutation_of_a_real_event_makes_the_handler_panic() {
    let fixtures = [
        include_str!("data/apigw-v2-echo.json"),
        include_str!("data/apigw-v1-echo.json"),
        include_str!("data/apigw-v2-jwt-authorizer.json"),
        include_str!("data/sqs-batch.json"),
        include_str!("data/eventbridge-scheduled.json"),
    ];
    let odd = [
        Value::Null,
        json!(-1),
        json!(1e300),
        json!(""),
        json!("%zz"),
        json!("\u{0}\n\u{7f}é"),
        json!("x".repeat(10_000)),
        json!([]),
        json!({}),
        json!(true),
    ];
    let mut answered = 0;
    for fixture in fixtures {
        let original: Value = serde_json::from_str(fixture).unwrap();
        let mut pointers = Vec::new();
        leaves(&original, String::new(), &mut pointers);
        for pointer in &pointers {
            for replacement in &odd {
                let mut event = original.clone();
                *event.pointer_mut(pointer).unwrap() = replacement.clone();
                // An Err is an invocation error for a shape no longer known;
                // a panic would fail this test.
                if let Ok(answer) = raw(&event.to_string()).await {
                    if answer.get("statusCode").is_some() {
                        let status = answer["statusCode"].as_u64().unwrap();
                        assert!(status < 500, "{pointer} = {replacement}: {answer}");
                    }
                    answered += 1;
                }
            }
        }
    }
    assert!(answered > 500, "only {answered} mutated events were answered");
}
