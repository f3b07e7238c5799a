//! The event ports on every backend: the notifications inbox, the queue the
//! local server consumes, and the active daily goals the reminder reads.
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::collections::BTreeSet;
use std::time::Duration;

use api_handler::domain::events::{DomainEvent, EventType};
use api_handler::domain::goal::{Category, Goal, GoalPatch, GoalStatus, NewGoal, Period, Target};
use api_handler::domain::notification::{GoalFacts, Notification};
use api_handler::domain::stats::millis;
use api_handler::store::Backend;
use api_handler::store::ports::{PageRequest, StoreError};
use chrono::Utc;
use common::backends::{Kind, account, contract_tests, open};

contract_tests!(
    the_inbox_adds_once_lists_newest_first_and_marks_read_once,
    the_inbox_keeps_each_users_notifications_to_themselves,
    active_daily_goals_page_through_every_user_together,
    the_queue_hands_back_each_event_once_in_order_until_acknowledged,
);

/// An expiry far off: kept for the test.
fn kept() -> chrono::DateTime<chrono::Utc> {
    chrono::Utc::now() + chrono::Duration::days(90)
}

fn notification(n: i64) -> Notification {
    let at = millis(Utc::now()) + chrono::Duration::milliseconds(n);
    let facts = GoalFacts {
        goal_id: format!("goal-{n}"),
        title: format!("Goal {n}"),
        period: Some("daily".to_owned()),
        target_value: 5.0,
        target_unit: "km".to_owned(),
        total: 5.0,
    };
    Notification::target_reached(&format!("event-{n}"), &facts, at)
}

fn ids(page: &[Notification]) -> Vec<String> {
    page.iter().map(|n| n.notification_id.clone()).collect()
}

fn first(limit: usize) -> PageRequest {
    PageRequest { limit, after: None }
}

async fn the_inbox_adds_once_lists_newest_first_and_marks_read_once(kind: Kind) {
    let (store, backend) = open(kind).await;
    let user = account(&store, &backend, "inbox@example.com").await;
    let notes: Vec<Notification> = (0..5).map(notification).collect();
    for note in &notes {
        assert!(backend.inbox.add(&user, note, kept()).await.unwrap());
    }
    assert!(
        !backend.inbox.add(&user, &notes[0], kept()).await.unwrap(),
        "a redelivery adds nothing"
    );

    let mut listed = Vec::new();
    let mut request = first(2);
    loop {
        let page = backend.inbox.list(&user, false, request.clone()).await.unwrap();
        assert!(page.items.len() <= 2);
        listed.extend(ids(&page.items));
        match page.next {
            Some(next) => request.after = Some(next),
            None => break,
        }
    }
    let newest_first: Vec<String> = notes.iter().rev().map(|n| n.notification_id.clone()).collect();
    assert_eq!(listed, newest_first);

    let read_at = millis(Utc::now());
    backend
        .inbox
        .mark_read(&user, &notes[3].notification_id, read_at)
        .await
        .unwrap();
    let later = read_at + chrono::Duration::seconds(5);
    backend
        .inbox
        .mark_read(&user, &notes[3].notification_id, later)
        .await
        .unwrap();
    assert!(
        !backend.inbox.add(&user, &notes[3], kept()).await.unwrap(),
        "a redelivery does not unread it"
    );

    let unread = backend.inbox.list(&user, true, first(10)).await.unwrap();
    let expected: Vec<String> = [4, 2, 1, 0].iter().map(|&i| notes[i].notification_id.clone()).collect();
    assert_eq!(ids(&unread.items), expected);
    assert!(unread.items.iter().all(|n| n.read_at.is_none()));
    let all = backend.inbox.list(&user, false, first(10)).await.unwrap();
    let read: Vec<&Notification> = all.items.iter().filter(|n| n.read_at.is_some()).collect();
    assert_eq!(read.len(), 1);
    assert_eq!(read[0].notification_id, notes[3].notification_id);
    assert_eq!(read[0].read_at, Some(read_at), "the first read time stays");
    assert_eq!(read[0].title, "Target reached: Goal 3");
    assert_eq!(read[0].goal_id.as_deref(), Some("goal-3"));
}

async fn the_inbox_keeps_each_users_notifications_to_themselves(kind: Kind) {
    let (store, backend) = open(kind).await;
    let alice = account(&store, &backend, "alice@example.com").await;
    let bob = account(&store, &backend, "bob@example.com").await;
    let note = notification(0);
    assert!(backend.inbox.add(&alice, &note, kept()).await.unwrap());
    assert!(
        backend
            .inbox
            .list(&bob, false, first(10))
            .await
            .unwrap()
            .items
            .is_empty()
    );
    for id in [note.notification_id.as_str(), "01J00000000000000000000000", "not-an-id"] {
        let err = backend.inbox.mark_read(&bob, id, Utc::now()).await.unwrap_err();
        assert!(matches!(err, StoreError::NotFound(_)), "{id}: {err:?}");
    }
    let alices = backend.inbox.list(&alice, true, first(10)).await.unwrap();
    assert_eq!(ids(&alices.items), [note.notification_id], "still unread");
}

async fn daily(backend: &Backend, user_id: &str, title: &str, period: Period) -> Goal {
    let new = NewGoal {
        title: title.to_owned(),
        description: None,
        category: Category::Fitness,
        target: Target {
            value: 1.0,
            unit: "km".to_owned(),
        },
        period,
        due_date: None,
    };
    let goal = Goal::new(user_id, new, millis(Utc::now()));
    backend.goals.create(&goal, &[]).await.unwrap();
    goal
}

async fn active_daily_goals_page_through_every_user_together(kind: Kind) {
    let (store, backend) = open(kind).await;
    let ada = account(&store, &backend, "ada@example.com").await;
    let bea = account(&store, &backend, "bea@example.com").await;
    let cy = account(&store, &backend, "cy@example.com").await;
    let mut expected = BTreeSet::new();
    for title in ["run", "read"] {
        expected.insert(daily(&backend, &ada, title, Period::Daily).await.goal_id);
    }
    daily(&backend, &ada, "weekly", Period::Weekly).await;
    let done = daily(&backend, &bea, "done", Period::Daily).await;
    let patch = GoalPatch {
        status: Some(GoalStatus::Completed),
        ..GoalPatch::default()
    };
    let (completed, events) = done.patched(patch, millis(Utc::now()));
    backend.goals.replace(&completed, done.version, &events).await.unwrap();
    expected.insert(daily(&backend, &cy, "walk", Period::Daily).await.goal_id);
    expected.insert(daily(&backend, &bea, "stretch", Period::Daily).await.goal_id);

    let mut users_in_order: Vec<String> = Vec::new();
    let mut listed = BTreeSet::new();
    let mut request = first(1);
    for _ in 0..20 {
        let page = backend.goals.active_daily(request.clone()).await.unwrap();
        assert!(page.items.len() <= 1);
        for goal in page.items {
            assert_eq!((goal.period, goal.status), (Period::Daily, GoalStatus::Active));
            if users_in_order.last() != Some(&goal.user_id) {
                users_in_order.push(goal.user_id.clone());
            }
            listed.insert(goal.goal_id);
        }
        match page.next {
            Some(next) => request.after = Some(next),
            None => break,
        }
    }
    assert_eq!(listed, expected);
    let distinct: BTreeSet<&String> = users_in_order.iter().collect();
    assert_eq!(
        distinct.len(),
        users_in_order.len(),
        "each user's goals together: {users_in_order:?}"
    );
}

fn event(user_id: &str, n: u32) -> DomainEvent {
    DomainEvent::new(
        EventType::GoalCreated,
        user_id,
        Some(&format!("goal-{n}")),
        Utc::now(),
        serde_json::json!({ "n": n }),
    )
}

async fn the_queue_hands_back_each_event_once_in_order_until_acknowledged(kind: Kind) {
    let (_store, backend) = open(kind).await;
    let (a1, a2, b1) = (event("user-a", 1), event("user-a", 2), event("user-b", 1));
    backend
        .publisher
        .publish(&[a1.clone(), a2.clone(), b1.clone()])
        .await
        .unwrap();
    backend.publisher.publish(std::slice::from_ref(&a1)).await.unwrap();

    let mut received = Vec::new();
    for _ in 0..5 {
        received.extend(backend.subscription.receive(10, Duration::from_secs(1)).await.unwrap());
        if received.len() >= 3 {
            break;
        }
    }
    let event_ids: Vec<&str> = received
        .iter()
        .map(|r| r.message.event_id.as_deref().unwrap())
        .collect();
    assert_eq!(event_ids.len(), 3, "a second publish of a1 is dropped: {event_ids:?}");
    let position = |id: &str| event_ids.iter().position(|e| *e == id).unwrap();
    assert!(position(&a1.event_id) < position(&a2.event_id), "user-a's order holds");
    let first = received
        .iter()
        .find(|r| r.message.event_id.as_deref() == Some(&a1.event_id))
        .unwrap();
    assert_eq!(first.message.event_type.as_deref(), Some("goal.created"));
    assert_eq!(first.message.group.as_deref(), Some("user-a"));
    let body: DomainEvent = serde_json::from_str(&first.message.body).unwrap();
    assert_eq!(body, a1);

    let receipts: Vec<String> = received.iter().map(|r| r.receipt.clone()).collect();
    backend.subscription.acknowledge(&receipts).await.unwrap();
    assert!(
        backend
            .subscription
            .receive(10, Duration::from_secs(1))
            .await
            .unwrap()
            .is_empty(),
        "acknowledged messages are gone"
    );
}
