//! Goals, progress, stats and attachments over a real local server.
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

mod common;

use chrono::{Duration, Utc};
use common::backends::{Kind, contract_tests};
use common::live::Live;
use serde_json::{Value, json};

contract_tests!(
    goals_are_created_read_patched_with_if_match_and_deleted,
    goal_validation_reports_every_field,
    goals_are_listed_newest_first_with_tamper_checked_cursors,
    progress_updates_the_total_aggregates_and_stats_in_one_go,
    concurrent_progress_on_one_goal_loses_nothing,
    an_idempotency_key_replays_the_first_response_and_writes_once,
    attachments_round_trip_through_presigned_urls,
    deleting_a_goal_removes_its_progress_aggregates_and_blobs,
);

/// A download of deleted bytes fails: 404, or 403 from S3, which hides
/// whether a key exists from a signer without `s3:ListBucket`.
fn assert_gone(download: &common::live::Resp) {
    assert!(
        matches!(download.status, 403 | 404),
        "the bytes are gone, yet the download answered {}",
        download.status
    );
}

fn id(value: &Value, key: &str) -> String {
    value[key].as_str().unwrap().to_owned()
}

async fn goals_are_created_read_patched_with_if_match_and_deleted(kind: Kind) {
    let live = Live::fresh(kind).await;
    let (user_id, token) = live.user("g@example.com").await;
    let body = json!({
        "title": "Run 20 km", "description": "weekly long runs", "category": "fitness",
        "target": { "value": 20, "unit": "km" }, "period": "weekly", "dueDate": "2027-01-31"
    });
    let created = live.call("POST", "/goals", Some(&token), Some(&body)).await;
    assert_eq!(created.status, 201);
    let goal = created.json();
    let goal_id = id(&goal, "goalId");
    assert_eq!(created.header("location"), Some(format!("/goals/{goal_id}").as_str()));
    assert_eq!(created.header("etag"), Some("\"1\""));
    assert_eq!(goal["userId"], user_id.as_str());
    assert_eq!(goal["status"], "active");
    assert_eq!(goal["progressTotal"], 0.0);
    assert_eq!(goal["dueDate"], "2027-01-31");
    assert_eq!(goal["version"], 1);
    let created_events: Vec<_> = live
        .events()
        .await
        .into_iter()
        .filter(|event| event.kind.as_str() == "goal.created")
        .collect();
    assert_eq!(created_events.len(), 1);
    assert_eq!(created_events[0].goal_id.as_deref(), Some(goal_id.as_str()));

    let fetched = live.call("GET", &format!("/goals/{goal_id}"), Some(&token), None).await;
    assert_eq!((fetched.status, fetched.header("etag")), (200, Some("\"1\"")));
    assert_eq!(fetched.json(), goal);

    let path = format!("/goals/{goal_id}");
    let auth = format!("Bearer {token}");
    let patch = serde_json::to_vec(&json!({ "title": "Run 25 km", "target": { "value": 25, "unit": "km" } })).unwrap();
    let headers = [
        ("Authorization", auth.as_str()),
        ("Content-Type", "application/json"),
        ("If-Match", "\"1\""),
    ];
    let patched = live.request("PATCH", &path, &headers, &patch).await;
    assert_eq!(patched.status, 200, "{}", String::from_utf8_lossy(&patched.body));
    assert_eq!(patched.header("etag"), Some("\"2\""));
    assert_eq!(patched.json()["title"], "Run 25 km");
    assert_eq!(
        patched.json()["description"],
        "weekly long runs",
        "untouched fields stay"
    );

    // The same If-Match again is stale now.
    let stale = live.request("PATCH", &path, &headers, &patch).await;
    assert_eq!((stale.status, stale.code().as_str()), (412, "precondition_failed"));
    // A list matches when it names the current ETag (RFC 9110); a weak tag never does.
    let listed = [headers[0], headers[1], ("If-Match", "\"bogus\", \"2\"")];
    let response = live.request("PATCH", &path, &listed, &patch).await;
    assert_eq!((response.status, response.header("etag")), (200, Some("\"3\"")));
    let weak = [headers[0], headers[1], ("If-Match", "W/\"3\"")];
    assert_eq!(live.request("PATCH", &path, &weak, &patch).await.status, 412);

    let empty = live.call("PATCH", &path, Some(&token), Some(&json!({}))).await;
    assert_eq!(empty.status, 422);
    let unknown = live
        .call("PATCH", &path, Some(&token), Some(&json!({ "colour": "red" })))
        .await;
    assert_eq!(unknown.status, 422);

    let completed = live
        .call("PATCH", &path, Some(&token), Some(&json!({ "status": "completed" })))
        .await;
    assert_eq!(completed.json()["status"], "completed");
    live.call("PATCH", &path, Some(&token), Some(&json!({ "status": "completed" })))
        .await;
    assert_eq!(live.count_events("goal.completed").await, 1, "sent once per occurrence");

    let deleted = live.call("DELETE", &path, Some(&token), None).await;
    assert_eq!(deleted.status, 204);
    assert_eq!(live.call("GET", &path, Some(&token), None).await.status, 404);
    assert_eq!(live.call("DELETE", &path, Some(&token), None).await.status, 404);
}

async fn goal_validation_reports_every_field(kind: Kind) {
    let live = Live::fresh(kind).await;
    let (_, token) = live.user("v@example.com").await;
    let body = json!({ "title": "", "category": "fitness", "target": { "value": 0, "unit": "" }, "period": "weekly" });
    let response = live.call("POST", "/goals", Some(&token), Some(&body)).await;
    assert_eq!(response.status, 422);
    let fields = response.fields();
    assert_eq!(
        fields,
        ["/target/unit", "/target/value", "/title"],
        "every field at once"
    );

    let wrong_types =
        json!({ "title": 5, "category": "fitness", "target": { "value": "x", "unit": "km" }, "period": 1 });
    let response = live.call("POST", "/goals", Some(&token), Some(&wrong_types)).await;
    assert_eq!(response.status, 422);
    let fields = response.fields();
    assert_eq!(fields, ["/period", "/target/value", "/title"], "every misfit at once");

    let bad_category =
        json!({ "title": "x", "category": "gaming", "target": { "value": 1, "unit": "h" }, "period": "weekly" });
    let response = live.call("POST", "/goals", Some(&token), Some(&bad_category)).await;
    assert_eq!(response.status, 422);
    assert_eq!(response.json()["error"]["details"][0]["field"], "/category");

    let response = live
        .request(
            "POST",
            "/goals",
            &[("Authorization", &format!("Bearer {token}"))],
            b"{}",
        )
        .await;
    assert_eq!(response.status, 415);
    let big = vec![b' '; 1024 * 1024 + 1];
    let auth = format!("Bearer {token}");
    let response = live
        .request(
            "POST",
            "/goals",
            &[("Authorization", &auth), ("Content-Type", "application/json")],
            &big,
        )
        .await;
    assert_eq!(response.status, 413);
    let response = live
        .request(
            "POST",
            "/goals",
            &[("Authorization", &auth), ("Content-Type", "application/json")],
            b"{\"title\":",
        )
        .await;
    assert_eq!((response.status, response.code().as_str()), (400, "malformed_json"));
}

async fn goals_are_listed_newest_first_with_tamper_checked_cursors(kind: Kind) {
    let live = Live::fresh(kind).await;
    let (_, token) = live.user("p@example.com").await;
    let mut ids = Vec::new();
    for n in 0..5 {
        ids.push(id(
            &live.goal(&token, &format!("goal {n}"), "daily", 1.0).await,
            "goalId",
        ));
    }
    live.call(
        "PATCH",
        &format!("/goals/{}", ids[0]),
        Some(&token),
        Some(&json!({ "status": "archived" })),
    )
    .await;
    ids.reverse();

    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    for _ in 0..5 {
        let path = match &cursor {
            Some(c) => format!("/goals?limit=2&cursor={c}"),
            None => "/goals?limit=2".to_owned(),
        };
        let page = live.call("GET", &path, Some(&token), None).await.json();
        seen.extend(page["items"].as_array().unwrap().iter().map(|g| id(g, "goalId")));
        match page["nextCursor"].as_str() {
            Some(next) => cursor = Some(next.to_owned()),
            None => break,
        }
    }
    assert_eq!(seen, ids, "every goal once, newest first");

    let active = live
        .call("GET", "/goals?status=active", Some(&token), None)
        .await
        .json();
    assert_eq!(active["items"].as_array().unwrap().len(), 4);
    assert_eq!(active["nextCursor"], Value::Null);

    let first = live.call("GET", "/goals?limit=2", Some(&token), None).await.json();
    let cursor = first["nextCursor"].as_str().unwrap().to_owned();
    let mut tampered = cursor.clone().into_bytes();
    tampered[0] = if tampered[0] == b'A' { b'B' } else { b'A' };
    let tampered = String::from_utf8(tampered).unwrap();
    let response = live
        .call("GET", &format!("/goals?limit=2&cursor={tampered}"), Some(&token), None)
        .await;
    assert_eq!((response.status, response.code().as_str()), (400, "bad_request"));
    let other_listing = live
        .call(
            "GET",
            &format!("/goals?status=active&cursor={cursor}"),
            Some(&token),
            None,
        )
        .await;
    assert_eq!(other_listing.status, 400, "a cursor only continues its own listing");
    let (_, other_token) = live.user("other@example.com").await;
    assert_eq!(
        live.call("GET", &format!("/goals?cursor={cursor}"), Some(&other_token), None)
            .await
            .status,
        400
    );

    for bad in ["0", "101", "ten"] {
        assert_eq!(
            live.call("GET", &format!("/goals?limit={bad}"), Some(&token), None)
                .await
                .status,
            422,
            "{bad}"
        );
    }
    assert_eq!(
        live.call("GET", "/goals?status=lost", Some(&token), None).await.status,
        422
    );
}

async fn progress_updates_the_total_aggregates_and_stats_in_one_go(kind: Kind) {
    let live = Live::fresh(kind).await;
    let (_, token) = live.user("s@example.com").await;
    let goal = live.goal(&token, "Read", "daily", 10.0).await;
    let goal_id = id(&goal, "goalId");
    let path = format!("/goals/{goal_id}/progress");
    let yesterday = (Utc::now() - Duration::days(1)).to_rfc3339();

    let first = live
        .call(
            "POST",
            &path,
            Some(&token),
            Some(&json!({ "value": 4, "note": "chapter 1" })),
        )
        .await;
    assert_eq!(first.status, 201, "{}", String::from_utf8_lossy(&first.body));
    let entry = first.json();
    assert_eq!(entry["goalId"], goal_id.as_str());
    assert_eq!(entry["note"], "chapter 1");
    assert!(first.header("location").unwrap().starts_with(&format!("{path}/")));
    for (value, at) in [(4.0, None), (4.0, None), (2.5, Some(yesterday.clone()))] {
        let mut body = json!({ "value": value });
        if let Some(at) = at {
            body["at"] = json!(at);
        }
        assert_eq!(live.call("POST", &path, Some(&token), Some(&body)).await.status, 201);
    }
    let goal = live
        .call("GET", &format!("/goals/{goal_id}"), Some(&token), None)
        .await
        .json();
    assert_eq!(goal["progressTotal"], 14.5);
    assert_eq!(goal["version"], 5, "each entry changes the goal");
    assert_eq!(
        live.count_events("goal.target_reached").await,
        1,
        "10 reached once today (4 + 4 + 4 crosses it once)"
    );

    let stats = live.call("GET", "/stats", Some(&token), None).await.json();
    assert_eq!(
        stats["totals"],
        json!({ "goals": 1, "activeGoals": 1, "completedGoals": 0, "progressEntries": 4 })
    );
    let by_day = stats["byDay"].as_array().unwrap();
    assert_eq!(by_day.len(), 2);
    assert_eq!(by_day[1]["value"], 12.0);
    assert_eq!(by_day[1]["entries"], 3);
    assert_eq!(stats["byGoal"][0]["total"], 14.5);
    assert_eq!(stats["byGoal"][0]["entries"], 4);
    assert_eq!(stats["byGoal"][0]["currentStreakDays"], 2);

    let today = Utc::now().date_naive();
    let only_today = live
        .call("GET", &format!("/stats?from={today}&to={today}"), Some(&token), None)
        .await
        .json();
    assert_eq!(only_today["byDay"].as_array().unwrap().len(), 1);
    let too_long = live
        .call("GET", "/stats?from=2020-01-01&to=2026-01-01", Some(&token), None)
        .await;
    assert_eq!(too_long.status, 422);

    let invalid = live
        .call(
            "POST",
            &path,
            Some(&token),
            Some(&json!({ "value": -1, "note": "x".repeat(501) })),
        )
        .await;
    assert_eq!(invalid.status, 422);
    assert_eq!(invalid.json()["error"]["details"].as_array().unwrap().len(), 2);
    // Numbers past the documented range never reach a total (1e308 twice was infinity).
    for value in [1e308, 1e9 + 1.0, 0.0] {
        let response = live
            .call("POST", &path, Some(&token), Some(&json!({ "value": value })))
            .await;
        assert_eq!(
            (response.status, response.fields()),
            (422, vec!["/value".to_owned()]),
            "{value}"
        );
    }
    let future = (Utc::now() + Duration::minutes(10)).to_rfc3339();
    let response = live
        .call("POST", &path, Some(&token), Some(&json!({ "value": 1, "at": future })))
        .await;
    assert_eq!(response.status, 422);
    assert_eq!(response.json()["error"]["details"][0]["field"], "/at");
    let unknown_goal = live
        .call(
            "POST",
            "/goals/01J00000000000000000000000/progress",
            Some(&token),
            Some(&json!({ "value": 1 })),
        )
        .await;
    assert_eq!(unknown_goal.status, 404);

    let page = live
        .call("GET", &format!("{path}?limit=3"), Some(&token), None)
        .await
        .json();
    assert_eq!(page["items"].as_array().unwrap().len(), 3);
    let next = page["nextCursor"].as_str().unwrap();
    let rest = live
        .call("GET", &format!("{path}?limit=3&cursor={next}"), Some(&token), None)
        .await
        .json();
    assert_eq!(rest["items"].as_array().unwrap().len(), 1);
    assert_eq!(rest["nextCursor"], Value::Null);
    // Newest first by when it happened: yesterday's entry, logged last, comes last.
    assert_eq!(rest["items"][0]["value"], 2.5);
    let times: Vec<&str> = page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|item| item["at"].as_str().unwrap())
        .collect();
    assert!(times.windows(2).all(|pair| pair[0] >= pair[1]), "{times:?}");
    let recent = live
        .call("GET", &format!("{path}?from={today}"), Some(&token), None)
        .await
        .json();
    assert_eq!(
        recent["items"].as_array().unwrap().len(),
        3,
        "yesterday's entry is before `from`"
    );
}

async fn concurrent_progress_on_one_goal_loses_nothing(kind: Kind) {
    let live = std::sync::Arc::new(Live::fresh(kind).await);
    let (_, token) = live.user("c@example.com").await;
    let goal_id = id(&live.goal(&token, "Pushups", "once", 1_000_000.0).await, "goalId");
    let path = format!("/goals/{goal_id}/progress");
    let mut tasks = Vec::new();
    for n in 1..=200u32 {
        let (live, token, path) = (live.clone(), token.clone(), path.clone());
        tasks.push(tokio::spawn(async move {
            live.call("POST", &path, Some(&token), Some(&json!({ "value": n })))
                .await
                .status
        }));
    }
    for task in tasks {
        assert_eq!(task.await.unwrap(), 201);
    }
    let expected = f64::from(200 * 201 / 2);
    let goal = live
        .call("GET", &format!("/goals/{goal_id}"), Some(&token), None)
        .await
        .json();
    assert_eq!(goal["progressTotal"], expected);
    let stats = live.call("GET", "/stats", Some(&token), None).await.json();
    assert_eq!(stats["byGoal"][0]["total"], expected);
    assert_eq!(stats["byGoal"][0]["entries"], 200);
    assert_eq!(stats["totals"]["progressEntries"], 200);
}

async fn an_idempotency_key_replays_the_first_response_and_writes_once(kind: Kind) {
    let live = Live::fresh(kind).await;
    let (_, token) = live.user("i@example.com").await;
    let goal_id = id(&live.goal(&token, "Meditate", "once", 5.0).await, "goalId");
    let path = format!("/goals/{goal_id}/progress");
    let auth = format!("Bearer {token}");
    let headers = [
        ("Authorization", auth.as_str()),
        ("Content-Type", "application/json"),
        ("Idempotency-Key", "k-1"),
    ];
    let body = serde_json::to_vec(&json!({ "value": 5 })).unwrap();

    let first = live.request("POST", &path, &headers, &body).await;
    let second = live.request("POST", &path, &headers, &body).await;
    assert_eq!((first.status, second.status), (201, 201));
    assert_eq!(first.json(), second.json());
    let goal = live
        .call("GET", &format!("/goals/{goal_id}"), Some(&token), None)
        .await
        .json();
    assert_eq!(goal["progressTotal"], 5.0);
    let entries = live.call("GET", &path, Some(&token), None).await.json();
    assert_eq!(entries["items"].as_array().unwrap().len(), 1, "written once");
    assert_eq!(live.count_events("goal.target_reached").await, 1);

    let other_body = serde_json::to_vec(&json!({ "value": 6 })).unwrap();
    let conflict = live.request("POST", &path, &headers, &other_body).await;
    assert_eq!((conflict.status, conflict.code().as_str()), (409, "conflict"));

    // Keys are per user.
    let (_, other) = live.user("j@example.com").await;
    let other_goal = id(&live.goal(&other, "Other", "once", 5.0).await, "goalId");
    let other_auth = format!("Bearer {other}");
    let other_headers = [
        ("Authorization", other_auth.as_str()),
        ("Content-Type", "application/json"),
        ("Idempotency-Key", "k-1"),
    ];
    let response = live
        .request("POST", &format!("/goals/{other_goal}/progress"), &other_headers, &body)
        .await;
    assert_eq!(response.status, 201);
    let others = live
        .call("GET", &format!("/goals/{other_goal}/progress"), Some(&other), None)
        .await
        .json();
    assert_eq!(others["items"].as_array().unwrap().len(), 1);
}

async fn attachments_round_trip_through_presigned_urls(kind: Kind) {
    let live = Live::fresh(kind).await;
    let (_, token) = live.user("a@example.com").await;
    let goal_id = id(&live.goal(&token, "Diet", "daily", 1.0).await, "goalId");
    let path = format!("/goals/{goal_id}/attachments");
    let bytes: Vec<u8> = (0..=255u8).cycle().take(70_000).collect();

    let ticket = live
        .call(
            "POST",
            &path,
            Some(&token),
            Some(&json!({ "fileName": "plan.pdf", "contentType": "application/pdf", "size": bytes.len() })),
        )
        .await;
    assert_eq!(ticket.status, 201, "{}", String::from_utf8_lossy(&ticket.body));
    let ticket = ticket.json();
    assert_eq!(ticket["uploadMethod"], "PUT");
    assert_eq!(ticket["uploadHeaders"]["Content-Type"], "application/pdf");
    let url = ticket["uploadUrl"].as_str().unwrap().to_owned();

    let uploaded = live
        .request("PUT", &url, &[("Content-Type", "application/pdf")], &bytes)
        .await;
    assert_eq!(uploaded.status, 200);

    let listed = live.call("GET", &path, Some(&token), None).await.json();
    let item = &listed["items"][0];
    assert_eq!(item["fileName"], "plan.pdf");
    assert_eq!(item["size"], 70_000);
    let download = live
        .request("GET", item["downloadUrl"].as_str().unwrap(), &[], b"")
        .await;
    assert_eq!(download.status, 200);
    assert_eq!(download.header("content-type"), Some("application/pdf"));
    assert!(download.body == bytes, "byte-exact download");

    let disallowed = live
        .call(
            "POST",
            &path,
            Some(&token),
            Some(&json!({ "fileName": "x.exe", "contentType": "application/x-msdownload", "size": 10 })),
        )
        .await;
    assert_eq!(disallowed.status, 422);
    let oversize = live
        .call(
            "POST",
            &path,
            Some(&token),
            Some(&json!({ "fileName": "x.png", "contentType": "image/png", "size": 10 * 1024 * 1024 + 1 })),
        )
        .await;
    assert_eq!(oversize.status, 422);

    let attachment_id = id(item, "attachmentId");
    let deleted = live
        .call("DELETE", &format!("{path}/{attachment_id}"), Some(&token), None)
        .await;
    assert_eq!(deleted.status, 204);
    assert_gone(
        &live
            .request("GET", item["downloadUrl"].as_str().unwrap(), &[], b"")
            .await,
    );
    assert_eq!(
        live.call("DELETE", &format!("{path}/{attachment_id}"), Some(&token), None)
            .await
            .status,
        404
    );
}

async fn deleting_a_goal_removes_its_progress_aggregates_and_blobs(kind: Kind) {
    let live = Live::fresh(kind).await;
    let (_, token) = live.user("d@example.com").await;
    let goal_id = id(&live.goal(&token, "Doomed", "daily", 1.0).await, "goalId");
    let keep_id = id(&live.goal(&token, "Kept", "daily", 1.0).await, "goalId");
    for goal in [&goal_id, &keep_id] {
        live.call(
            "POST",
            &format!("/goals/{goal}/progress"),
            Some(&token),
            Some(&json!({ "value": 2 })),
        )
        .await;
    }
    let ticket = live
        .call(
            "POST",
            &format!("/goals/{goal_id}/attachments"),
            Some(&token),
            Some(&json!({ "fileName": "a.txt", "contentType": "text/plain", "size": 3 })),
        )
        .await
        .json();
    live.request(
        "PUT",
        ticket["uploadUrl"].as_str().unwrap(),
        &[("Content-Type", "text/plain")],
        b"abc",
    )
    .await;
    let listed = live
        .call("GET", &format!("/goals/{goal_id}/attachments"), Some(&token), None)
        .await
        .json();
    let download = listed["items"][0]["downloadUrl"].as_str().unwrap().to_owned();
    assert_eq!(live.request("GET", &download, &[], b"").await.status, 200);

    assert_eq!(
        live.call("DELETE", &format!("/goals/{goal_id}"), Some(&token), None)
            .await
            .status,
        204
    );
    assert_gone(&live.request("GET", &download, &[], b"").await);
    for child in ["progress", "attachments"] {
        let response = live
            .call("GET", &format!("/goals/{goal_id}/{child}"), Some(&token), None)
            .await;
        assert_eq!(response.status, 404, "{child}");
    }
    let kept = live
        .call("GET", &format!("/goals/{keep_id}/progress"), Some(&token), None)
        .await
        .json();
    assert_eq!(kept["items"].as_array().unwrap().len(), 1);
    let stats = live.call("GET", "/stats", Some(&token), None).await.json();
    assert_eq!(stats["totals"]["goals"], 1);
    assert_eq!(stats["totals"]["progressEntries"], 1);
    assert_eq!(stats["byGoal"].as_array().unwrap().len(), 1);
    assert_eq!(stats["byGoal"][0]["goalId"], keep_id.as_str());
    assert_eq!(
        stats["byDay"][0]["value"], 2.0,
        "the deleted goal's aggregates are gone"
    );
}

/// Embedded only: the local server's blob URLs enforce the signed type,
/// size and signature (S3 enforces its own presigned conditions).
#[tokio::test]
async fn embedded_blob_urls_enforce_type_size_and_signature() {
    let live = Live::fresh(Kind::Embedded).await;
    let (_, token) = live.user("a@example.com").await;
    let goal_id = id(&live.goal(&token, "Diet", "daily", 1.0).await, "goalId");
    let bytes: Vec<u8> = (0..=255u8).cycle().take(70_000).collect();
    let ticket = live
        .call(
            "POST",
            &format!("/goals/{goal_id}/attachments"),
            Some(&token),
            Some(&json!({ "fileName": "plan.pdf", "contentType": "application/pdf", "size": bytes.len() })),
        )
        .await
        .json();
    let url = ticket["uploadUrl"].as_str().unwrap().to_owned();
    let wrong_type = live
        .request("PUT", &url, &[("Content-Type", "image/png")], &bytes)
        .await;
    assert_eq!(wrong_type.status, 415);
    let mut too_big = bytes.clone();
    too_big.push(0);
    assert_eq!(
        live.request("PUT", &url, &[("Content-Type", "application/pdf")], &too_big)
            .await
            .status,
        413
    );
    assert_eq!(
        live.request("PUT", &url, &[("Content-Type", "application/pdf")], &bytes[1..])
            .await
            .status,
        400
    );
    let tampered = url.replace("size=70000", "size=70001");
    assert_eq!(
        live.request("PUT", &tampered, &[("Content-Type", "application/pdf")], &too_big)
            .await
            .status,
        403
    );

    let uploaded = live
        .request("PUT", &url, &[("Content-Type", "application/pdf")], &bytes)
        .await;
    assert_eq!(uploaded.status, 200);
}
