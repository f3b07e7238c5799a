//! What is kept, and for how long, on every backend: notifications expire
//! after their retention, expired rows are swept, and what a goal's delete
//! left behind is swept once it is past any upload it could still receive.
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

mod common;

use api_handler::app::NOTIFICATION_RETENTION_DAYS;
use api_handler::domain::notification::{Notification, NotificationType};
use api_handler::store::ports::PageRequest;
use aws_sdk_dynamodb::types::AttributeValue;
use chrono::{Duration, Utc};
use common::backends::{Kind, contract_tests, sdk_at};
use common::faults::BROKEN;
use common::live::Live;
use serde_json::{Value, json};

contract_tests!(
    notifications_expire_after_their_retention,
    expired_rows_are_swept_and_the_rest_kept,
    what_a_half_finished_goal_delete_left_is_swept_late_uploads_included,
);

fn text(value: &Value, key: &str) -> String {
    value[key].as_str().unwrap().to_owned()
}

/// Records 1 on `goal`.
async fn record_one(live: &Live, token: &str, goal: &str) {
    let path = format!("/goals/{goal}/progress");
    let recorded = live
        .call("POST", &path, Some(token), Some(&json!({ "value": 1 })))
        .await;
    assert_eq!(recorded.status, 201, "{}", String::from_utf8_lossy(&recorded.body));
}

/// The ids of `user_id`'s notifications, as `GET /notifications` lists them.
async fn listed(live: &Live, user_id: &str) -> Vec<String> {
    let page = PageRequest { limit: 50, after: None };
    let page = live.app().inbox().list(user_id, false, page).await.unwrap();
    page.items.into_iter().map(|n| n.notification_id).collect()
}

/// A note for `user_id` created now, with id `id`.
fn note(id: &str) -> Notification {
    Notification {
        notification_id: id.to_owned(),
        kind: NotificationType::DailyReminder,
        title: "Still time today".to_owned(),
        body: "Log something".to_owned(),
        goal_id: None,
        created_at: Utc::now(),
        read_at: None,
    }
}

async fn notifications_expire_after_their_retention(kind: Kind) {
    let live = Live::fresh(kind).await;
    let (user_id, login) = live.sign_up("ada@example.com").await;
    let token = text(&login, "accessToken");
    let goal = text(&live.goal(&token, "Run", "once", 1.0).await, "goalId");
    record_one(&live, &token, &goal).await;
    assert_eq!(live.consume().await, Vec::<String>::new());
    let kept = listed(&live, &user_id).await;
    assert!(!kept.is_empty(), "the target reached, at least");
    let retention = Duration::days(NOTIFICATION_RETENTION_DAYS);

    // Kept for their retention, whatever sweeps.
    let now = Utc::now();
    live.app()
        .retention()
        .sweep_expired(now + retention - Duration::days(1), 100)
        .await
        .unwrap();
    assert_eq!(listed(&live, &user_id).await, kept);
    match live.store().aws() {
        // DynamoDB's TTL deletes them, by `expiresAt` on both items of each.
        Some(aws) => {
            let dynamo = aws_sdk_dynamodb::Client::new(&sdk_at(&aws.endpoint).await);
            for id in &kept {
                for sk in [format!("NOTE#{id}"), format!("UNREAD#{id}")] {
                    let item = dynamo
                        .get_item()
                        .table_name(&aws.settings.users_table)
                        .key("userId", AttributeValue::S(user_id.clone()))
                        .key("sk", AttributeValue::S(sk.clone()))
                        .send()
                        .await
                        .unwrap()
                        .item
                        .unwrap_or_else(|| panic!("no {sk}"));
                    let created = chrono::DateTime::parse_from_rfc3339(item["createdAt"].as_s().unwrap()).unwrap();
                    let expires: i64 = item["expiresAt"].as_n().unwrap().parse().unwrap();
                    assert_eq!(expires, (created + retention).timestamp(), "{sk}");
                }
            }
        }
        // The sweep deletes them once they are past it.
        None => {
            let swept = live
                .app()
                .retention()
                .sweep_expired(now + retention + Duration::days(1), 100)
                .await;
            assert_eq!(swept.unwrap(), kept.len());
            assert_eq!(listed(&live, &user_id).await, Vec::<String>::new());
        }
    }

    // One past its time is not listed, even before anything deletes it.
    let fresh = ulid::Ulid::new().to_string();
    let stale = ulid::Ulid::new().to_string();
    let inbox = live.app().inbox();
    assert!(
        inbox
            .add(&user_id, &note(&fresh), Utc::now() + Duration::hours(1))
            .await
            .unwrap()
    );
    assert!(
        inbox
            .add(&user_id, &note(&stale), Utc::now() - Duration::seconds(1))
            .await
            .unwrap()
    );
    assert!(listed(&live, &user_id).await.contains(&fresh));
    assert!(!listed(&live, &user_id).await.contains(&stale));
    let unread = inbox
        .list(&user_id, true, PageRequest { limit: 50, after: None })
        .await
        .unwrap();
    assert!(unread.items.iter().all(|n| n.notification_id != stale));
}

async fn expired_rows_are_swept_and_the_rest_kept(kind: Kind) {
    let live = Live::fresh(kind).await;
    let (user_id, login) = live.sign_up("ada@example.com").await;
    let token = text(&login, "accessToken");
    let goal = text(&live.goal(&token, "Run", "daily", 5.0).await, "goalId");
    let path = format!("/goals/{goal}/progress");
    let auth = format!("Bearer {token}");
    let headers = [
        ("Content-Type", "application/json"),
        ("Authorization", auth.as_str()),
        ("Idempotency-Key", "once-only"),
    ];
    let first = live.request("POST", &path, &headers, br#"{"value": 1}"#).await;
    assert_eq!(first.status, 201);
    let now = Utc::now();
    let swept = live
        .app()
        .retention()
        .sweep_expired(now + Duration::hours(23), 100)
        .await
        .unwrap();
    assert_eq!(swept, 0, "the idempotency record is inside its window");
    let replay = live.request("POST", &path, &headers, br#"{"value": 1}"#).await;
    assert_eq!(replay.body, first.body, "replayed while kept");
    let swept = live
        .app()
        .retention()
        .sweep_expired(now + Duration::hours(25), 100)
        .await
        .unwrap();
    match kind {
        // TTL's work: a sweep has nothing to do.
        Kind::Aws => assert_eq!(swept, 0),
        Kind::Embedded => {
            assert_eq!(swept, 1, "the idempotency record, past its 24 hours");
            let dir = live.store().data_dir();
            let rows = api_handler::store::embedded::testing::rows_naming(dir, &user_id, &["once-only"], &[]).unwrap();
            assert_eq!(rows, Vec::<String>::new());
        }
    }
    // The job runs the same sweep, and the user's data is intact.
    live.run_job("sweep_expired", now + Duration::hours(25)).await;
    let read = live.call("GET", &format!("/goals/{goal}"), Some(&token), None).await;
    assert_eq!(read.json()["progressTotal"], 1.0, "{:?}", read.json());
}

/// What is stored of `goal_id` of `user_id`, one line each: embedded, rows
/// naming it and its blob folder; aws, the items whose sort key names it
/// and its objects.
async fn goal_leftovers(live: &Live, user_id: &str, goal_id: &str) -> Vec<String> {
    let Some(aws) = live.store().aws() else {
        let dir = live.store().data_dir();
        // (The outbox's published events are its log, swept on their own.)
        let mut found =
            api_handler::store::embedded::testing::rows_naming(dir, user_id, &[goal_id], &["outbox"]).unwrap();
        found.retain(|row| !row.starts_with("blob directory"));
        let folder = dir.join("blobs").join(user_id).join(goal_id);
        if folder.read_dir().is_ok_and(|mut entries| entries.next().is_some()) {
            found.push(format!("blob folder {}", folder.display()));
        }
        return found;
    };
    let mut found: Vec<String> = aws
        .items_of(user_id)
        .await
        .into_iter()
        .filter(|(_, sk)| sk.contains(goal_id))
        .map(|(table, sk)| format!("{table}: {sk}"))
        .collect();
    let objects = aws.objects_under(&format!("{user_id}/{goal_id}/")).await;
    found.extend(objects.into_iter().map(|key| format!("object {key}")));
    found
}

async fn what_a_half_finished_goal_delete_left_is_swept_late_uploads_included(kind: Kind) {
    let (proxy, live) = Live::behind_a_proxy(kind).await;
    let (user_id, login) = live.sign_up("ada@example.com").await;
    let token = text(&login, "accessToken");
    let goal = text(&live.goal(&token, "Run", "daily", 5.0).await, "goalId");
    let kept = text(&live.goal(&token, "Read", "daily", 5.0).await, "goalId");
    for goal in [&goal, &kept] {
        for _ in 0..3 {
            record_one(&live, &token, goal).await;
        }
    }
    let mut uploads = Vec::new();
    for name in ["a.txt", "late.txt"] {
        let body = json!({ "fileName": name, "contentType": "text/plain", "size": 5 });
        let ticket = live
            .call("POST", &format!("/goals/{goal}/attachments"), Some(&token), Some(&body))
            .await;
        assert_eq!(ticket.status, 201);
        uploads.push(text(&ticket.json(), "uploadUrl"));
    }
    let put = |url: String| {
        let live = &live;
        async move {
            live.request("PUT", &url, &[("Content-Type", "text/plain")], b"hello")
                .await
        }
    };
    assert_eq!(put(uploads[0].clone()).await.status, 200);

    // The delete stops half-way: aws, its children's batch delete fails after
    // the goal's own transaction; embedded, the process dies before the files
    // go (its rows go with the goal, in one transaction).
    match &proxy {
        Some(proxy) => {
            proxy.fail("BatchWriteItem", BROKEN);
            let deleted = live.call("DELETE", &format!("/goals/{goal}"), Some(&token), None).await;
            assert_eq!(deleted.status, 503, "{}", String::from_utf8_lossy(&deleted.body));
            proxy.heal();
        }
        None => {
            live.app().goals().delete(&user_id, &goal).await.unwrap();
        }
    }
    assert_eq!(
        live.call("GET", &format!("/goals/{goal}"), Some(&token), None)
            .await
            .status,
        404
    );
    // An upload URL issued before the delete is used after it.
    assert_eq!(put(uploads[1].clone()).await.status, 200);
    let left = goal_leftovers(&live, &user_id, &goal).await;
    assert!(!left.is_empty(), "the half-finished delete left something");

    // Not yet: an upload URL issued before the delete may still be used.
    let now = Utc::now();
    live.run_job("sweep_orphans", now + Duration::minutes(10)).await;
    assert_eq!(goal_leftovers(&live, &user_id, &goal).await, left);
    // Past every URL's lifetime, nothing of the goal is left.
    live.run_job("sweep_orphans", now + Duration::hours(1)).await;
    assert_eq!(goal_leftovers(&live, &user_id, &goal).await, Vec::<String>::new());
    // A second sweep finds nothing, and the other goal is intact.
    live.run_job("sweep_orphans", now + Duration::hours(2)).await;
    let other = live.call("GET", &format!("/goals/{kept}"), Some(&token), None).await;
    assert_eq!(other.json()["progressTotal"], 3.0, "{:?}", other.json());
    let entries = live
        .call("GET", &format!("/goals/{kept}/progress"), Some(&token), None)
        .await;
    assert_eq!(entries.json()["items"].as_array().unwrap().len(), 3);
}
