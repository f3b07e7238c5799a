//! Registry-driven security matrices: every protected route refuses bad
//! tokens, and every route with an id refuses another user's ids. A new route
//! is covered without editing this file (a new route with a JSON body and an
//! id only needs a sample body below, and the test says so).
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

mod common;

use api_handler::store::embedded::{AUDIENCE, ISSUER};
use common::backends::{Kind, contract_tests};
use common::live::Live;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use route_framework::registry::{Auth, Route};
use serde_json::{Value, json};

contract_tests!(
    every_protected_route_refuses_missing_and_bad_tokens,
    every_route_with_an_id_hides_other_users_data,
    dates_beyond_year_9999_or_before_year_1_are_refused_not_fatal,
    a_misfit_body_is_answered_without_quoting_it,
    password_guessing_is_throttled_alike_for_known_and_unknown_emails,
    sign_up_floods_from_one_address_are_throttled,
);

/// A valid body for each route that takes one, so ownership is what decides.
fn sample_body(route_key: &str) -> Option<Value> {
    Some(match route_key {
        "PUT /users/{userId}/profile" => json!({ "displayName": "Mallory", "timezone": "UTC" }),
        "PATCH /goals/{goalId}" => json!({ "title": "hijacked" }),
        "POST /goals/{goalId}/progress" => json!({ "value": 1 }),
        "POST /goals/{goalId}/attachments" => json!({ "fileName": "x.txt", "contentType": "text/plain", "size": 1 }),
        // Mallory's own password: another user's id is a 404 all the same.
        "DELETE /users/{userId}" => json!({ "password": common::live::PASSWORD }),
        _ => return None,
    })
}

/// Whether the route's handler reads a JSON body.
fn takes_body(route: &Route) -> bool {
    route.signature().body().is_some()
}

fn concrete(path: &str, ids: &[(&str, &str)]) -> String {
    ids.iter().fold(path.to_owned(), |path, (name, value)| {
        path.replace(&format!("{{{name}}}"), value)
    })
}

fn sign(claims: &Value, pem: &[u8]) -> String {
    let token = jsonwebtoken::encode(
        &Header::new(Algorithm::ES256),
        claims,
        &EncodingKey::from_ec_pem(pem).unwrap(),
    )
    .unwrap();
    route_framework::auth::low_s_token(token)
}

async fn every_protected_route_refuses_missing_and_bad_tokens(kind: Kind) {
    let live = Live::fresh(kind).await;
    let (user_id, token) = live.user("m@example.com").await;
    let now = chrono::Utc::now().timestamp();
    let claims = |exp: i64| {
        json!({ "sub": user_id, "email": "m@example.com", "scope": "", "token_use": "access",
                "iss": ISSUER, "aud": AUDIENCE, "iat": now - 7200, "exp": exp })
    };
    let foreign = sign(
        &claims(now + 3600),
        include_bytes!("../../route-framework/tests/data/jwt-test-es256-private.pem"),
    );
    let payload = token.split('.').nth(1).unwrap();
    let alg_none = format!("eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0.{payload}.");
    let mut truncated = token.clone();
    truncated.truncate(token.len() - 5);
    let mut bad_tokens = vec![
        ("no token", None),
        ("malformed", Some("not-a-jwt".to_owned())),
        ("truncated signature", Some(truncated)),
        ("wrong signature", Some(foreign)),
        ("alg none", Some(alg_none)),
    ];
    if kind == Kind::Embedded {
        // Only the embedded backend's signing key is at hand to sign an expired token.
        let own_key = std::fs::read(live.store().data_dir().join("keys/signing-key.pem")).unwrap();
        bad_tokens.push(("expired", Some(sign(&claims(now - 3600), &own_key))));
    }

    let protected: Vec<_> = api_handler::routes()
        .into_iter()
        .filter(|r| r.auth != Auth::Public)
        .collect();
    assert!(protected.len() >= 13, "the app's protected routes are registered");
    for route in protected {
        let ids: Vec<(&str, &str)> = route
            .params
            .iter()
            .map(|p| (*p, "01J00000000000000000000000"))
            .collect();
        let path = concrete(route.path, &ids);
        for (label, bad) in &bad_tokens {
            let body = takes_body(route).then(|| json!({}));
            let response = live
                .call(route.method.as_str(), &path, bad.as_deref(), body.as_ref())
                .await;
            assert_eq!(
                response.status,
                401,
                "{} with {label}: {}",
                route.route_key,
                String::from_utf8_lossy(&response.body)
            );
            assert_eq!(
                response.header("www-authenticate"),
                Some("Bearer"),
                "{}",
                route.route_key
            );
            assert_eq!(response.code(), "unauthorized");
        }
    }
}

async fn every_route_with_an_id_hides_other_users_data(kind: Kind) {
    let live = Live::fresh(kind).await;
    let (bob, bob_token) = live.user("bob@example.com").await;
    let (_, mallory) = live.user("mallory@example.com").await;
    let goal = live.goal(&bob_token, "Bob's", "daily", 1.0).await;
    let goal_id = goal["goalId"].as_str().unwrap().to_owned();
    let ticket = live
        .call(
            "POST",
            &format!("/goals/{goal_id}/attachments"),
            Some(&bob_token),
            Some(&json!({ "fileName": "b.txt", "contentType": "text/plain", "size": 1 })),
        )
        .await
        .json();
    let attachment_id = ticket["attachmentId"].as_str().unwrap().to_owned();
    live.call(
        "POST",
        &format!("/goals/{goal_id}/progress"),
        Some(&bob_token),
        Some(&json!({ "value": 1 })),
    )
    .await;
    // The daily target of 1 is reached: its consumer notifies Bob.
    assert_eq!(live.consume().await, Vec::<String>::new());
    let notifications = live.call("GET", "/notifications", Some(&bob_token), None).await.json();
    let notification_id = notifications["items"][0]["notificationId"].as_str().unwrap().to_owned();
    let ids = [
        ("userId", bob.as_str()),
        ("goalId", goal_id.as_str()),
        ("attachmentId", attachment_id.as_str()),
        ("notificationId", notification_id.as_str()),
    ];

    // Public routes have no user, so nothing of anyone's to hide.
    let with_ids: Vec<_> = api_handler::routes()
        .into_iter()
        .filter(|r| r.auth != Auth::Public && !r.params.is_empty())
        .collect();
    assert!(with_ids.len() >= 10);
    for route in with_ids {
        for param in route.params {
            assert!(
                ids.iter().any(|(name, _)| name == param),
                "{}: no id of Bob's for `{{{param}}}`: add one",
                route.route_key
            );
        }
        let body = if takes_body(route) {
            let sample = sample_body(route.route_key);
            assert!(
                sample.is_some(),
                "{} takes a body: add a valid sample to sample_body()",
                route.route_key
            );
            sample
        } else {
            None
        };
        let path = concrete(route.path, &ids);
        let response = live
            .call(route.method.as_str(), &path, Some(&mallory), body.as_ref())
            .await;
        assert_eq!(
            response.status,
            404,
            "{} as another user: {}",
            route.route_key,
            String::from_utf8_lossy(&response.body)
        );
        assert_eq!(response.code(), "not_found");
    }

    // Bob's data is intact.
    let goal = live
        .call("GET", &format!("/goals/{goal_id}"), Some(&bob_token), None)
        .await
        .json();
    assert_eq!(goal["title"], "Bob's");
    assert_eq!(goal["progressTotal"], 1.0);
    let attachments = live
        .call("GET", &format!("/goals/{goal_id}/attachments"), Some(&bob_token), None)
        .await
        .json();
    assert_eq!(attachments["items"].as_array().unwrap().len(), 1);
    let profile = live
        .call("GET", "/users/me/profile", Some(&bob_token), None)
        .await
        .json();
    assert_eq!(profile["displayName"], "bob");
    let notifications = live
        .call("GET", "/notifications?unread=true", Some(&bob_token), None)
        .await
        .json();
    assert_eq!(
        notifications["items"][0]["notificationId"], notification_id,
        "Mallory could not mark it read"
    );
}

async fn dates_beyond_year_9999_or_before_year_1_are_refused_not_fatal(kind: Kind) {
    let live = Live::fresh(kind).await;
    let (_, token) = live.user("dates@example.com").await;
    let goal = live.goal(&token, "Weekly", "weekly", 5.0).await;
    let goal_id = goal["goalId"].as_str().unwrap();
    let progress = format!("/goals/{goal_id}/progress");
    for at in [
        "-262143-01-01T00:00:00Z",
        "+262142-12-31T00:00:00Z",
        "2026-01-01 10:00:00Z",
    ] {
        let response = live
            .call("POST", &progress, Some(&token), Some(&json!({ "value": 1, "at": at })))
            .await;
        assert_eq!(
            (response.status, response.code().as_str()),
            (422, "validation_failed"),
            "{at}"
        );
    }
    for query in [
        "/stats?to=-262143-01-01",
        "/stats?from=%2B262142-12-31",
        &format!("{progress}?to=%2B262142-12-31"),
        &format!("{progress}?from=-262143-01-01"),
    ] {
        let response = live.call("GET", query, Some(&token), None).await;
        assert_eq!(
            response.status,
            422,
            "{query}: {}",
            String::from_utf8_lossy(&response.body)
        );
    }
    // Nothing broke: writes still work.
    let response = live
        .call("POST", &progress, Some(&token), Some(&json!({ "value": 1 })))
        .await;
    assert_eq!(response.status, 201);
}

async fn a_misfit_body_is_answered_without_quoting_it(kind: Kind) {
    let live = Live::fresh(kind).await;
    let body = json!({ "email": 1, "password": "hunter2", "displayName": "" });
    let response = live.call("POST", "/auth/register", None, Some(&body)).await;
    assert_eq!(response.status, 422);
    let text = String::from_utf8_lossy(&response.body);
    assert!(!text.contains("hunter2"), "the password is not echoed: {text}");
    let fields = response.fields();
    assert_eq!(fields, ["/displayName", "/email", "/password"]);
}

async fn password_guessing_is_throttled_alike_for_known_and_unknown_emails(kind: Kind) {
    let live = Live::fresh(kind).await;
    live.user("victim@example.com").await;
    for email in ["victim@example.com", "nobody@example.com"] {
        let guess = json!({ "email": email, "password": "Wrong-guess-1" });
        let mut statuses = Vec::new();
        for _ in 0..8 {
            let response = live.call("POST", "/auth/login", None, Some(&guess)).await;
            if response.status == 429 {
                assert_eq!(response.code(), "too_many_requests");
                let wait: u64 = response.header("retry-after").unwrap().parse().unwrap();
                assert!(wait >= 1, "{wait}");
            }
            statuses.push(response.status);
        }
        // Five free failures, then each attempt waits 1 s, 2 s, … after the last one.
        assert_eq!(statuses[..5], [401; 5], "{email}");
        assert!(
            statuses[5..].contains(&429),
            "{email}: backoff after 5 failures: {statuses:?}"
        );
    }
}

async fn sign_up_floods_from_one_address_are_throttled(kind: Kind) {
    let live = Live::fresh(kind).await;
    let mut statuses = Vec::new();
    for n in 0..45 {
        let body = json!({ "email": format!("flood{n}@example.com"), "password": "Flood-pass-1" });
        statuses.push(live.call("POST", "/auth/register", None, Some(&body)).await.status);
    }
    // Every request comes from 127.0.0.1: a burst of 30, then one every 2 s.
    assert!(statuses[..30].iter().all(|status| *status == 201), "{statuses:?}");
    assert!(statuses[30..].contains(&429), "{statuses:?}");
}
