//! Exporting a user's data over a real local server, on every backend.
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::Instant;

use api_handler::domain::progress::ProgressEntry;
use chrono::{DateTime, Duration, Utc};
use common::backends::{Kind, contract_tests, sdk_at};
use common::live::{Live, Resp};
use serde_json::{Value, json};

contract_tests!(an_export_of_a_hundred_thousand_entries_holds_what_the_api_lists);

/// Progress entries seeded per goal.
const PER_GOAL: usize = 50_000;

fn text(value: &Value, key: &str) -> String {
    value[key].as_str().unwrap().to_owned()
}

/// Every item of a paged listing at `path` (which has a `?`), following `nextCursor`.
async fn all_pages(live: &Live, token: &str, path: &str) -> Vec<Value> {
    let mut items = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let target = match &cursor {
            Some(cursor) => format!("{path}&limit=100&cursor={cursor}"),
            None => format!("{path}&limit=100"),
        };
        let page = live.call("GET", &target, Some(token), None).await;
        assert_eq!(page.status, 200, "{}", String::from_utf8_lossy(&page.body));
        let page = page.json();
        items.extend(page["items"].as_array().unwrap().iter().cloned());
        match page["nextCursor"].as_str() {
            Some(next) => cursor = Some(next.to_owned()),
            None => return items,
        }
    }
}

/// `count` entries of `goal_id`, one a minute back from `start`.
fn entries(goal_id: &str, count: usize, start: DateTime<Utc>) -> Vec<ProgressEntry> {
    (0..count)
        .map(|n| ProgressEntry {
            entry_id: api_handler::domain::new_id(),
            goal_id: goal_id.to_owned(),
            value: 1.0 + (n % 7) as f64,
            note: (n % 10 == 0).then(|| format!("entry {n}")),
            at: start - Duration::minutes(i64::try_from(n).unwrap() + 1),
            created_at: start,
        })
        .collect()
}

async fn export_status(live: &Live, token: &str) -> Value {
    let response: Resp = live.call("GET", "/users/me/export", Some(token), None).await;
    assert_eq!(response.status, 200, "{}", String::from_utf8_lossy(&response.body));
    response.json()
}

/// The two backends' runs, one at a time: each is heavy, and under the
/// other's load moto's pages (each Query reads the whole partition) take
/// longer than the SDK's attempts, and the export fails.
static ONE_AT_A_TIME: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

async fn an_export_of_a_hundred_thousand_entries_holds_what_the_api_lists(kind: Kind) {
    let _turn = ONE_AT_A_TIME.lock().await;
    let live = Live::fresh(kind).await;
    let (user_id, token) = live.user("ada@example.com").await;
    let mut goals = Vec::new();
    for title in ["Run", "Read"] {
        goals.push(text(&live.goal(&token, title, "daily", 1.0).await, "goalId"));
    }
    // One entry through the API reaches a target: a notification.
    let path = format!("/goals/{}/progress", goals[0]);
    assert_eq!(
        live.call("POST", &path, Some(&token), Some(&json!({ "value": 2 })))
            .await
            .status,
        201
    );
    let ticket = live
        .call(
            "POST",
            &format!("/goals/{}/attachments", goals[1]),
            Some(&token),
            Some(&json!({ "fileName": "plan.txt", "contentType": "text/plain", "size": 4 })),
        )
        .await
        .json();
    let url = text(&ticket, "uploadUrl");
    assert_eq!(
        live.request("PUT", &url, &[("Content-Type", "text/plain")], b"plan")
            .await
            .status,
        200
    );
    assert_eq!(live.consume().await, Vec::<String>::new());

    let seeding = Instant::now();
    let start = Utc::now() - Duration::hours(1);
    for goal_id in &goals {
        let entries = entries(goal_id, PER_GOAL, start);
        match live.store().aws() {
            None => {
                api_handler::store::embedded::testing::seed_progress(live.store().data_dir(), &user_id, &entries)
                    .unwrap();
            }
            Some(aws) => {
                let sdk = sdk_at(&aws.endpoint).await;
                api_handler::store::aws::testing::seed_progress(
                    &sdk,
                    &aws.settings,
                    &user_id,
                    &entries,
                    start.date_naive(),
                )
                .await
                .unwrap();
            }
        }
    }
    eprintln!("seeded {} entries in {:?}", 2 * PER_GOAL, seeding.elapsed());

    let asked = export_status(&live, &token).await;
    assert_eq!(asked["status"], "preparing", "{asked}");
    assert_eq!(asked["retryAfterSeconds"], 5);
    let again = export_status(&live, &token).await;
    assert_eq!(again["exportId"], asked["exportId"], "one export at a time");

    let preparing = Instant::now();
    assert_eq!(live.consume().await, Vec::<String>::new());
    eprintln!("prepared the export in {:?}", preparing.elapsed());
    let ready = export_status(&live, &token).await;
    assert_eq!(
        (ready["status"].as_str(), &ready["exportId"]),
        (Some("ready"), &asked["exportId"])
    );
    let download = live.request("GET", ready["url"].as_str().unwrap(), &[], b"").await;
    assert_eq!(download.status, 200);
    eprintln!("the document is {} bytes", download.body.len());
    let document = download.json();
    assert_eq!(document["userId"], user_id.as_str());
    assert_eq!(document["exportId"], asked["exportId"]);

    // Everything the API lists, and the same.
    let profile = live.call("GET", "/users/me/profile", Some(&token), None).await.json();
    assert_eq!(document["profile"], profile);
    let listed_goals = all_pages(&live, &token, "/goals?").await;
    assert_eq!(document["goals"].as_array().unwrap(), &listed_goals);
    let notifications = all_pages(&live, &token, "/notifications?").await;
    assert!(!notifications.is_empty());
    assert_eq!(document["notifications"].as_array().unwrap(), &notifications);
    let attachments = document["attachments"].as_array().unwrap();
    assert_eq!(attachments.len(), 1);
    let listed = live
        .call("GET", &format!("/goals/{}/attachments", goals[1]), Some(&token), None)
        .await
        .json();
    for field in ["attachmentId", "fileName", "contentType", "size", "createdAt"] {
        assert_eq!(attachments[0][field], listed["items"][0][field], "{field}");
    }
    assert_eq!(attachments[0]["goalId"], goals[1].as_str());
    let file = live
        .request("GET", attachments[0]["downloadUrl"].as_str().unwrap(), &[], b"")
        .await;
    assert_eq!((file.status, file.body.as_slice()), (200, b"plan".as_slice()));

    let progress = document["progress"].as_array().unwrap();
    assert_eq!(progress.len(), 2 * PER_GOAL + 1);
    let mut offset = 0;
    for goal in &listed_goals {
        let goal_id = text(goal, "goalId");
        let mine: Vec<&Value> = progress
            .iter()
            .filter(|entry| entry["goalId"] == goal_id.as_str())
            .collect();
        assert_eq!(
            progress[offset..offset + mine.len()].iter().collect::<Vec<_>>(),
            mine,
            "goal by goal, in the listing's order"
        );
        offset += mine.len();
        let path = format!("/goals/{goal_id}/progress?");
        if kind == Kind::Embedded {
            // Every page the API lists: 1,001 requests.
            let listed = all_pages(&live, &token, &path).await;
            assert_eq!(mine, listed.iter().collect::<Vec<_>>());
        } else {
            // moto's Query reads the whole partition each time (about 2 s a
            // page at this size): the first page through the API, the rest
            // against what was written.
            let first = live
                .call("GET", &format!("{path}limit=100"), Some(&token), None)
                .await
                .json();
            let first = first["items"].as_array().unwrap();
            assert_eq!(mine[..100].to_vec(), first.iter().collect::<Vec<_>>());
            let ids: std::collections::BTreeSet<&str> =
                mine.iter().map(|entry| entry["entryId"].as_str().unwrap()).collect();
            assert_eq!(ids.len(), mine.len(), "no entry twice");
        }
    }
}
