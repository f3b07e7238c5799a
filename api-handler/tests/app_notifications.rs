//! The notifications inbox over a real local server, on every backend:
//! goal events through their consumers (delivered as the queue would, again
//! and again), the daily reminder job, and the two routes.
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

mod common;

use chrono::{DateTime, Timelike, Utc};
use common::backends::{Kind, contract_tests};
use common::live::Live;
use serde_json::{Value, json};

contract_tests!(
    reaching_a_target_notifies_once_however_often_the_event_arrives,
    completing_a_goal_notifies,
    notifications_page_newest_first_filter_unread_and_are_marked_read_once,
    the_daily_reminder_nudges_idle_users_at_their_evening_once,
);

async fn notifications(live: &Live, token: &str, query: &str) -> Value {
    let listed = live
        .call("GET", &format!("/notifications{query}"), Some(token), None)
        .await;
    assert_eq!(listed.status, 200, "{}", String::from_utf8_lossy(&listed.body));
    listed.json()
}

fn items(listing: &Value) -> Vec<Value> {
    listing["items"].as_array().unwrap().clone()
}

async fn progress(live: &Live, token: &str, goal_id: &str, value: f64) {
    let recorded = live
        .call(
            "POST",
            &format!("/goals/{goal_id}/progress"),
            Some(token),
            Some(&json!({ "value": value })),
        )
        .await;
    assert_eq!(recorded.status, 201, "{}", String::from_utf8_lossy(&recorded.body));
}

async fn reaching_a_target_notifies_once_however_often_the_event_arrives(kind: Kind) {
    let live = Live::fresh(kind).await;
    let (_, token) = live.user("swimmer@example.com").await;
    let goal = live.goal(&token, "Swim", "daily", 2.0).await;
    let goal_id = goal["goalId"].as_str().unwrap();
    progress(&live, &token, goal_id, 1.0).await;
    assert_eq!(live.consume().await, Vec::<String>::new());
    assert!(
        items(&notifications(&live, &token, "").await).is_empty(),
        "not reached yet"
    );

    progress(&live, &token, goal_id, 1.5).await;
    for _ in 0..3 {
        assert_eq!(live.consume().await, Vec::<String>::new(), "every delivery succeeds");
    }
    let listed = items(&notifications(&live, &token, "").await);
    assert_eq!(listed.len(), 1, "one notification however often delivered: {listed:?}");
    let note = &listed[0];
    assert_eq!(note["type"], "goal.target_reached");
    assert_eq!(note["title"], "Target reached: Swim");
    assert_eq!(note["body"], "You reached your target of 2 km today.");
    assert_eq!(note["goalId"], goal_id);
    assert_eq!(note["readAt"], Value::Null);
    assert!(note["createdAt"].as_str().unwrap().ends_with('Z'));
    live.stop().await;
}

async fn completing_a_goal_notifies(kind: Kind) {
    let live = Live::fresh(kind).await;
    let (_, token) = live.user("finisher@example.com").await;
    let goal = live.goal(&token, "Marathon", "once", 42.0).await;
    let goal_id = goal["goalId"].as_str().unwrap();
    progress(&live, &token, goal_id, 10.0).await;
    let patched = live
        .call(
            "PATCH",
            &format!("/goals/{goal_id}"),
            Some(&token),
            Some(&json!({ "status": "completed" })),
        )
        .await;
    assert_eq!(patched.status, 200, "{}", String::from_utf8_lossy(&patched.body));
    assert_eq!(live.consume().await, Vec::<String>::new());
    let listed = items(&notifications(&live, &token, "").await);
    let kinds: Vec<&str> = listed.iter().map(|n| n["type"].as_str().unwrap()).collect();
    assert_eq!(kinds, ["goal.completed"]);
    assert_eq!(listed[0]["title"], "Goal completed: Marathon");
    assert_eq!(
        listed[0]["body"],
        "Well done: you completed Marathon with 10 km logged."
    );
    live.stop().await;
}

async fn notifications_page_newest_first_filter_unread_and_are_marked_read_once(kind: Kind) {
    let live = Live::fresh(kind).await;
    let (_, token) = live.user("reader@example.com").await;
    let (_, other) = live.user("other@example.com").await;
    for title in ["One", "Two", "Three"] {
        let goal = live.goal(&token, title, "daily", 1.0).await;
        progress(&live, &token, goal["goalId"].as_str().unwrap(), 1.0).await;
        assert_eq!(live.consume().await, Vec::<String>::new());
    }
    let first = notifications(&live, &token, "?limit=2").await;
    let titles: Vec<String> = items(&first)
        .iter()
        .map(|n| n["title"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(titles, ["Target reached: Three", "Target reached: Two"]);
    let cursor = first["nextCursor"].as_str().unwrap();
    let second = notifications(&live, &token, &format!("?limit=2&cursor={cursor}")).await;
    assert_eq!(items(&second).len(), 1);
    assert_eq!(second["nextCursor"], Value::Null);
    let unread_scope = live
        .call(
            "GET",
            &format!("/notifications?unread=true&cursor={cursor}"),
            Some(&token),
            None,
        )
        .await;
    assert_eq!(unread_scope.status, 400, "a cursor is for the listing it came from");

    let two = items(&first)[1]["notificationId"].as_str().unwrap().to_owned();
    let read = format!("/notifications/{two}/read");
    for _ in 0..2 {
        let marked = live.call("POST", &read, Some(&token), None).await;
        assert_eq!(marked.status, 204, "{}", String::from_utf8_lossy(&marked.body));
    }
    assert_eq!(live.call("POST", &read, Some(&other), None).await.status, 404);
    let unknown = live
        .call(
            "POST",
            "/notifications/01J00000000000000000000000/read",
            Some(&token),
            None,
        )
        .await;
    assert_eq!((unknown.status, unknown.code().as_str()), (404, "not_found"));

    let unread: Vec<String> = items(&notifications(&live, &token, "?unread=true").await)
        .iter()
        .map(|n| n["title"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(unread, ["Target reached: Three", "Target reached: One"]);
    let all = items(&notifications(&live, &token, "?unread=false").await);
    assert_eq!(all.len(), 3);
    let read_at = all[1]["readAt"].as_str().unwrap().to_owned();
    live.call("POST", &read, Some(&token), None).await;
    let again = items(&notifications(&live, &token, "").await);
    assert_eq!(again[1]["readAt"], read_at.as_str(), "the first read time stays");
    let bad = live
        .call("GET", "/notifications?unread=maybe", Some(&token), None)
        .await;
    assert!(matches!(bad.status, 400 | 422), "{}", bad.status);
    live.stop().await;
}

/// The `Etc/GMT` zone whose local hour at `time` is `hour` (their signs are
/// inverted: `Etc/GMT-5` is UTC+5).
fn zone_at_hour(time: DateTime<Utc>, hour: u32) -> String {
    let offset = (i64::from(hour) - i64::from(time.hour())).rem_euclid(24);
    let offset = if offset > 14 { offset - 24 } else { offset };
    match offset {
        0 => "Etc/GMT".to_owned(),
        east if east > 0 => format!("Etc/GMT-{east}"),
        west => format!("Etc/GMT+{}", -west),
    }
}

async fn set_zone(live: &Live, user_id: &str, token: &str, zone: &str) {
    let updated = live
        .call(
            "PUT",
            &format!("/users/{user_id}/profile"),
            Some(token),
            Some(&json!({ "displayName": "someone", "timezone": zone })),
        )
        .await;
    assert_eq!(
        updated.status,
        200,
        "{zone}: {}",
        String::from_utf8_lossy(&updated.body)
    );
}

async fn the_daily_reminder_nudges_idle_users_at_their_evening_once(kind: Kind) {
    let live = Live::fresh(kind).await;
    let time = Utc::now() + chrono::Duration::seconds(2);
    let evening = zone_at_hour(time, 20);
    let (idle_id, idle) = live.user("idle@example.com").await;
    let (busy_id, busy) = live.user("busy@example.com").await;
    let (late_id, late) = live.user("late@example.com").await;
    set_zone(&live, &idle_id, &idle, &evening).await;
    set_zone(&live, &busy_id, &busy, &evening).await;
    set_zone(&live, &late_id, &late, &zone_at_hour(time, 21)).await;
    let stretch = live.goal(&idle, "Stretch", "daily", 10.0).await;
    live.goal(&idle, "Read", "weekly", 10.0).await;
    let walk = live.goal(&busy, "Walk", "daily", 10.0).await;
    progress(&live, &busy, walk["goalId"].as_str().unwrap(), 1.0).await;
    live.goal(&late, "Sleep", "daily", 10.0).await;

    for _ in 0..2 {
        live.run_job("daily_reminder", time).await;
    }
    let reminded = items(&notifications(&live, &idle, "").await);
    assert_eq!(reminded.len(), 1, "once, however often the job runs: {reminded:?}");
    assert_eq!(reminded[0]["type"], "reminder.daily");
    assert_eq!(reminded[0]["body"], "There is still time to log progress on Stretch.");
    assert_eq!(reminded[0]["goalId"], stretch["goalId"]);
    assert!(items(&notifications(&live, &busy, "").await).is_empty(), "logged today");
    assert!(
        items(&notifications(&live, &late, "").await).is_empty(),
        "not their reminder hour"
    );
    live.stop().await;
}
