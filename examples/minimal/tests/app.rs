//! The minimal app through its real dispatchers: requests in process, the
//! event its route publishes delivered to its consumer, its job run.
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;

use chrono::Utc;
use minimal::Notes;
use route_framework::event::JobRun;
use route_framework::testing::TestClient;
use serde_json::json;
use tokio::sync::mpsc;

#[tokio::test]
async fn a_posted_note_is_listed_seen_by_the_consumer_and_counted_by_the_job() {
    let (sender, mut queue) = mpsc::unbounded_channel();
    let (dispatcher, events) = minimal::dispatchers(Notes::new(sender)).unwrap();
    let client = TestClient::new(Arc::clone(&dispatcher));

    let created = client.post("/notes").json(&json!({ "text": "hello" })).send().await;
    assert_eq!(created.status, 201, "{}", created.text());
    assert_eq!(created.header("location"), Some("/notes/1"));
    assert_eq!(created.json(), json!({ "id": 1, "text": "hello", "seen": false }));

    // The route published `note.created`; its consumer marks the note seen.
    let message = queue.try_recv().unwrap();
    assert_eq!(message.event_type.as_deref(), Some("note.created"));
    assert_eq!(events.deliver(vec![message], "test").await, Vec::<String>::new());

    let job = events.job("count_notes").unwrap();
    let run = JobRun {
        job,
        time: Utc::now(),
        event_id: "run-1".to_owned(),
        request_id: "run-1".to_owned(),
    };
    events.run_job(run).await.unwrap();

    let listed = client.get("/notes").send().await;
    assert_eq!(listed.status, 200);
    assert_eq!(
        listed.json(),
        json!({ "notes": [{ "id": 1, "text": "hello", "seen": true }], "counted": 1 })
    );
}

#[tokio::test]
async fn a_note_breaking_its_rules_is_a_422_and_nothing_is_published() {
    let (sender, mut queue) = mpsc::unbounded_channel();
    let (dispatcher, _events) = minimal::dispatchers(Notes::new(sender)).unwrap();
    let client = TestClient::new(dispatcher);
    let response = client.post("/notes").json(&json!({ "text": "" })).send().await;
    assert_eq!(response.status, 422, "{}", response.text());
    assert_eq!(response.json()["error"]["details"][0]["field"], "/text");
    assert!(queue.try_recv().is_err());
}

#[tokio::test]
async fn an_event_about_no_note_fails_so_it_is_delivered_again() {
    let (sender, _queue) = mpsc::unbounded_channel();
    let (_dispatcher, events) = minimal::dispatchers(Notes::new(sender)).unwrap();
    let message = route_framework::event::Message {
        id: "m-1".to_owned(),
        event_type: Some("note.created".to_owned()),
        event_id: Some("e-1".to_owned()),
        group: None,
        sent_at: None,
        body: json!({ "noteId": 7 }).to_string(),
    };
    assert_eq!(events.deliver(vec![message], "test").await, ["m-1"]);
}
