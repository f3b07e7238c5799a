//! API Gateway events through the real Lambda handler on the aws backend
//! (moto): the gateway's verified claims name the user, only access tokens'
//! claims are taken, and the schedule relays the outbox to the queue.
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::backends::{Kind, Store};
use route_framework::lambda;
use serde_json::{Value, json};

/// A payload 2.0 event for `route_key` on `path`, as the JWT authorizer
/// passes it on with `claims`.
fn event(route_key: &str, path: &str, claims: &Value) -> Value {
    let mut event: Value = serde_json::from_str(include_str!(
        "../../route-framework/tests/data/apigw-v2-jwt-authorizer.json"
    ))
    .unwrap();
    event["routeKey"] = json!(route_key);
    event["rawPath"] = json!(path);
    event["requestContext"]["routeKey"] = json!(route_key);
    event["requestContext"]["http"]["path"] = json!(path);
    event["requestContext"]["authorizer"]["jwt"]["claims"] = claims.clone();
    event
}

async fn answer(service: &api_handler::Service, event: Value) -> Value {
    let payload = serde_json::value::to_raw_value(&event).unwrap();
    let event = lambda_http::LambdaEvent::new(payload, lambda_http::Context::default());
    let answer = lambda::answer(&service.dispatcher, &service.events, event)
        .await
        .unwrap();
    serde_json::to_value(answer).unwrap()
}

fn body(response: &Value) -> Value {
    serde_json::from_str(response["body"].as_str().unwrap()).unwrap()
}

#[tokio::test]
async fn gateway_claims_name_the_user_and_the_schedule_relays_the_outbox() {
    let store = Store::new(Kind::Aws).await;
    let backend = store.open("http://127.0.0.1:9").await;
    let account = backend
        .identity
        .create_account("lambda@example.com", "Passw0rd-1")
        .await
        .unwrap();
    let service = api_handler::service(backend).unwrap();
    let claims = json!({
        "sub": account.user_id, "token_use": "access", "client_id": "app",
        "scope": "aws.cognito.signin.user.admin",
    });

    let listed = answer(&service, event("GET /goals", "/goals", &claims)).await;
    assert_eq!(listed["statusCode"], 200, "{listed}");
    assert_eq!(body(&listed)["items"], json!([]));

    let mut create = event("POST /goals", "/goals", &claims);
    create["requestContext"]["http"]["method"] = json!("POST");
    create["headers"]["content-type"] = json!("application/json");
    create["body"] = json!(
        json!({ "title": "Swim", "category": "fitness", "target": { "value": 2, "unit": "km" }, "period": "weekly" })
            .to_string()
    );
    let created = answer(&service, create).await;
    assert_eq!(created["statusCode"], 201, "{created}");
    assert_eq!(body(&created)["userId"], account.user_id.as_str());

    let mut id_claims = claims.clone();
    id_claims["token_use"] = json!("id");
    let refused = answer(&service, event("GET /goals", "/goals", &id_claims)).await;
    assert_eq!(
        refused["statusCode"], 401,
        "an ID token's claims are not an access token's"
    );

    // The event was published after the commit; the schedule finds nothing left.
    let mut scheduled: Value = serde_json::from_str(include_str!(
        "../../route-framework/tests/data/eventbridge-scheduled.json"
    ))
    .unwrap();
    scheduled["resources"] = json!(["arn:aws:events:us-east-1:123456789012:rule/lifestyle-prod.relay_outbox"]);
    assert_eq!(
        answer(&service, scheduled).await,
        json!({ "job": "relay_outbox", "done": true })
    );
    let queued = store.aws().unwrap().queued_events().await;
    let kinds: Vec<&str> = queued.iter().map(|event| event.kind.as_str()).collect();
    assert_eq!(kinds, ["goal.created"]);
}
