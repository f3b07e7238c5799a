//! The aws backend when AWS misbehaves: a fault proxy in front of moto
//! makes chosen operations fail. The API answers 503 with `Retry-After` (429
//! for a throttled sign-in) or succeeds with the event left in the outbox;
//! afterwards nothing is half-written, lost or published twice.
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::backends::{Kind, Store, moto_endpoint};
use common::faults::{BROKEN, Fault, FaultProxy, THROTTLED};
use common::live::Live;
use serde_json::json;

/// A live server on a fresh aws store whose clients go through a fault proxy.
async fn live_behind_proxy() -> (Live, FaultProxy) {
    let proxy = FaultProxy::start(&moto_endpoint()).await;
    let live = Live::start_via(Store::new(Kind::Aws).await, Some(&proxy.endpoint)).await;
    (live, proxy)
}

fn retry_after(response: &common::live::Resp) -> u64 {
    response
        .header("retry-after")
        .and_then(|value| value.parse().ok())
        .unwrap_or_else(|| panic!("a Retry-After header: {:?}", response.headers))
}

#[tokio::test]
async fn a_throttled_or_broken_commit_is_a_503_and_writes_nothing() {
    let (live, proxy) = live_behind_proxy().await;
    let (_, token) = live.user("t@example.com").await;
    let goal = live.goal(&token, "Run", "daily", 10.0).await;
    let goal_id = goal["goalId"].as_str().unwrap().to_owned();
    let progress = format!("/goals/{goal_id}/progress");

    for fault in [THROTTLED, BROKEN] {
        proxy.fail("TransactWriteItems", fault.clone());
        let refused = live
            .call("POST", &progress, Some(&token), Some(&json!({ "value": 11 })))
            .await;
        assert_eq!(
            (refused.status, refused.code().as_str()),
            (503, "unavailable"),
            "{fault:?}"
        );
        assert!(retry_after(&refused) >= 1);
        let created = live
            .call(
                "POST",
                "/goals",
                Some(&token),
                Some(&json!({
                    "title": "Other", "category": "sleep", "target": { "value": 1, "unit": "h" }, "period": "daily"
                })),
            )
            .await;
        assert_eq!(created.status, 503, "{fault:?}");
        proxy.heal();
    }
    assert!(proxy.failed().iter().all(|op| op == "TransactWriteItems"));

    let stored = live
        .call("GET", &format!("/goals/{goal_id}"), Some(&token), None)
        .await
        .json();
    assert_eq!(
        (stored["progressTotal"].clone(), stored["version"].clone()),
        (json!(0.0), json!(1))
    );
    let entries = live.call("GET", &progress, Some(&token), None).await.json();
    assert_eq!(entries["items"], json!([]));
    let goals = live.call("GET", "/goals", Some(&token), None).await.json();
    assert_eq!(goals["items"].as_array().unwrap().len(), 1, "no half-made goal");
    let stats = live.call("GET", "/stats", Some(&token), None).await.json();
    assert_eq!(stats["totals"]["goals"], 1);
    assert_eq!(stats["totals"]["progressEntries"], 0);
    let reached = live.count_events("goal.target_reached").await;
    assert_eq!(reached, 0, "no event for a write that did not happen");

    // Healed: the same request now succeeds, once.
    let recorded = live
        .call("POST", &progress, Some(&token), Some(&json!({ "value": 11 })))
        .await;
    assert_eq!(recorded.status, 201);
    assert_eq!(live.count_events("goal.target_reached").await, 1);
}

/// The SDK sends a transaction again when its answer is lost; the second
/// attempt, cancelled because the first one was applied, is the success
/// it is: once, with its event once, not a 409 or a second entry.
#[tokio::test]
async fn a_transaction_whose_answer_was_lost_is_applied_once() {
    let (live, proxy) = live_behind_proxy().await;
    let (_, token) = live.user("lost@example.com").await;

    proxy.fail_times("TransactWriteItems", Fault::LoseAnswer, 1);
    // Answered 201, not 409 "a goal with this id exists already".
    let goal = live.goal(&token, "Swim", "daily", 2.0).await;
    let goal_id = goal["goalId"].as_str().unwrap().to_owned();
    assert_eq!(
        proxy.failed(),
        ["TransactWriteItems"],
        "one answer lost, then sent again"
    );

    proxy.fail_times("TransactWriteItems", Fault::LoseAnswer, 1);
    let progress = format!("/goals/{goal_id}/progress");
    let recorded = live
        .call("POST", &progress, Some(&token), Some(&json!({ "value": 2.5 })))
        .await;
    assert_eq!(recorded.status, 201, "{:?}", recorded.json());
    assert_eq!(proxy.failed().len(), 2);

    let goals = live.call("GET", "/goals", Some(&token), None).await.json();
    assert_eq!(goals["items"].as_array().unwrap().len(), 1, "one goal");
    let entries = live.call("GET", &progress, Some(&token), None).await.json();
    assert_eq!(entries["items"].as_array().unwrap().len(), 1, "one entry: {entries}");
    let stored = live
        .call("GET", &format!("/goals/{goal_id}"), Some(&token), None)
        .await
        .json();
    assert_eq!(
        (stored["progressTotal"].clone(), stored["version"].clone()),
        (json!(2.5), json!(2))
    );
    assert_eq!(live.count_events("goal.target_reached").await, 1, "its event once");
}

#[tokio::test]
async fn a_dropped_connection_is_a_503() {
    let (live, proxy) = live_behind_proxy().await;
    let (_, token) = live.user("d@example.com").await;
    let goal = live.goal(&token, "Read", "weekly", 3.0).await;
    let path = format!("/goals/{}", goal["goalId"].as_str().unwrap());
    proxy.fail("GetItem", Fault::Drop);
    let dropped = live.call("GET", &path, Some(&token), None).await;
    assert_eq!(dropped.status, 503);
    assert!(retry_after(&dropped) >= 1);
    let failed = proxy.failed();
    assert!(failed.len() >= 2, "the SDK retried before giving up: {failed:?}");
    proxy.heal();
    assert_eq!(live.call("GET", &path, Some(&token), None).await.status, 200);
}

#[tokio::test]
async fn with_sqs_down_writes_succeed_and_the_relay_publishes_each_event_once_later() {
    let (live, proxy) = live_behind_proxy().await;
    let (_, token) = live.user("q@example.com").await;
    let registered = live.count_events("user.registered").await;
    assert_eq!(registered, 1);

    proxy.fail("SendMessage", BROKEN);
    let goal = live.goal(&token, "Meditate", "daily", 1.0).await;
    let goal_id = goal["goalId"].as_str().unwrap().to_owned();
    let reached = live
        .call(
            "POST",
            &format!("/goals/{goal_id}/progress"),
            Some(&token),
            Some(&json!({ "value": 1 })),
        )
        .await;
    assert_eq!(reached.status, 201, "the write does not wait for the queue");
    assert!(proxy.failed().iter().any(|op| op == "SendMessage"));
    let aws = live.store().aws().unwrap();
    let queued: Vec<String> = aws
        .queued_events()
        .await
        .iter()
        .map(|e| e.kind.as_str().to_owned())
        .collect();
    assert_eq!(
        queued,
        ["user.registered"],
        "nothing reached the queue while it was down"
    );
    assert!(
        live.app().relay().run_once().await.is_err(),
        "the relay fails while SQS is down"
    );

    proxy.heal();
    let events = live.events().await;
    let kinds: Vec<&str> = events.iter().map(|e| e.kind.as_str()).collect();
    assert_eq!(
        kinds,
        ["user.registered", "goal.created", "goal.target_reached"],
        "none lost"
    );
    assert_eq!(live.app().relay().run_once().await.unwrap(), 0, "the outbox is empty");
    assert_eq!(live.events().await.len(), 3, "none twice");
    let ids: std::collections::HashSet<&str> = events.iter().map(|e| e.event_id.as_str()).collect();
    assert_eq!(ids.len(), 3);
}

#[tokio::test]
async fn a_throttled_sign_in_is_a_429_with_retry_after() {
    let (live, proxy) = live_behind_proxy().await;
    live.user("s@example.com").await;
    let credentials = json!({ "email": "s@example.com", "password": common::live::PASSWORD });
    proxy.fail("AdminInitiateAuth", Fault::Error(400, "TooManyRequestsException"));
    let login = live.call("POST", "/auth/login", None, Some(&credentials)).await;
    assert_eq!((login.status, login.code().as_str()), (429, "too_many_requests"));
    assert!(retry_after(&login) >= 1);
    proxy.fail("AdminInitiateAuth", BROKEN);
    let login = live.call("POST", "/auth/login", None, Some(&credentials)).await;
    assert_eq!(login.status, 503);
}
