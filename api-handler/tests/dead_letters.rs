//! Dead letters you can act on, on every backend: a message no consumer can
//! take lands in the dead-letter queue, is listed with its last failure
//! reason, and once the fault is fixed is moved back, its deduplication id
//! kept, and consumed exactly once.
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::sync::Arc;
use std::time::Duration;

use api_handler::domain::events::{DomainEvent, EventType};
use api_handler::notifications::consume_once;
use api_handler::store::embedded::{MAX_RECEIVES, testing};
use api_handler::store::ports::{DeadLetters, PageRequest, StoreError};
use aws_sdk_sqs::types::QueueAttributeName;
use chrono::Utc;
use common::backends::{Kind, Store, account, contract_tests, sdk_at};
use common::faults::{BROKEN, FaultProxy};
use serde_json::json;

contract_tests!(a_poisoned_message_is_dead_lettered_listed_redriven_and_consumed_once);

async fn a_poisoned_message_is_dead_lettered_listed_redriven_and_consumed_once(kind: Kind) {
    let store = Store::new(kind).await;
    let proxy = match store.aws() {
        Some(aws) => Some(FaultProxy::start(&aws.endpoint).await),
        None => None,
    };
    let backend = match &proxy {
        Some(proxy) => store.open_at(&proxy.endpoint).await,
        None => store.open("http://127.0.0.1:9").await,
    };
    let user_id = account(&store, &backend, "ada@example.com").await;
    let subscription = Arc::clone(&backend.subscription);
    let service = api_handler::service(backend).unwrap();
    let (app, events) = (service.app, service.events);
    let dead_letters: Arc<dyn DeadLetters> = match store.aws() {
        Some(aws) => {
            let sdk = sdk_at(&aws.endpoint).await;
            // Redelivered at once, not after the queue's visibility timeout.
            aws_sdk_sqs::Client::new(&sdk)
                .set_queue_attributes()
                .queue_url(&aws.settings.queue_url)
                .attributes(QueueAttributeName::VisibilityTimeout, "0")
                .send()
                .await
                .unwrap();
            Arc::new(
                api_handler::store::aws::dead_letters(&aws.settings, &sdk)
                    .await
                    .unwrap(),
            )
        }
        None => api_handler::store::embedded::dead_letters(store.data_dir()).unwrap(),
    };
    // Redelivered at once on the embedded queue too: its leases lapse now.
    let lapse = || {
        if store.aws().is_none() {
            testing::lapse_leases(store.data_dir()).unwrap();
        }
    };

    // The inbox breaks: every delivery of a goal event fails.
    match &proxy {
        Some(proxy) => proxy.fail("TransactWriteItems", BROKEN),
        None => testing::break_inbox(store.data_dir()).unwrap(),
    }
    let data = json!({ "title": "Run", "target": { "value": 1.0, "unit": "km" }, "progressTotal": 1.0 });
    let event = DomainEvent::new(
        EventType::GoalCompleted,
        &user_id,
        Some("01M9GOAL0000000000000000AA"),
        Utc::now(),
        data,
    );
    app.relay().deliver(std::slice::from_ref(&event)).await;
    for receive in 0..=MAX_RECEIVES {
        let consumed = consume_once(subscription.as_ref(), &events, Duration::ZERO)
            .await
            .unwrap();
        assert_eq!(consumed, 0, "receive {receive}");
        lapse();
    }

    // Set aside, and listed with why.
    let letters = dead_letters.list().await.unwrap();
    let [letter] = &letters[..] else {
        panic!("one dead letter: {letters:?}")
    };
    assert_eq!(letter.event_type.as_deref(), Some("goal.completed"));
    assert_eq!(letter.event_id.as_deref(), Some(event.event_id.as_str()));
    assert_eq!(letter.user_id.as_deref(), Some(user_id.as_str()));
    assert!(letter.receive_count >= 5, "{letter:?}");
    let failure = letter.last_failure.as_ref().expect("the last failure's reason");
    assert_eq!(failure.consumer, "goal_completed");
    if proxy.is_none() {
        assert!(failure.reason.contains(testing::BROKEN_INBOX), "{failure:?}");
    }
    assert_eq!(
        consume_once(subscription.as_ref(), &events, Duration::ZERO)
            .await
            .unwrap(),
        0
    );
    let inbox = |unread| {
        app.inbox()
            .list(&user_id, unread, PageRequest { limit: 10, after: None })
    };
    assert_eq!(inbox(false).await.unwrap().items.len(), 0);

    // SQS would drop a message sent again within five minutes of its first
    // send under the same deduplication id: too soon is refused, not lost.
    if store.aws().is_some() {
        let refused = dead_letters.redrive(&letter.id, Utc::now()).await;
        assert!(matches!(refused, Err(StoreError::Conflict(_))), "{refused:?}");
    }

    // The fault is fixed; the message goes back, once.
    match &proxy {
        Some(proxy) => proxy.heal(),
        None => testing::heal_inbox(store.data_dir()).unwrap(),
    }
    let later = Utc::now() + chrono::Duration::minutes(6);
    dead_letters.redrive(&letter.id, later).await.unwrap();
    assert_eq!(dead_letters.list().await.unwrap(), Vec::new());
    let again = dead_letters.redrive(&letter.id, later).await;
    assert!(matches!(again, Err(StoreError::NotFound(_))), "{again:?}");
    assert_eq!(
        consume_once(subscription.as_ref(), &events, Duration::ZERO)
            .await
            .unwrap(),
        1
    );
    lapse();
    assert_eq!(
        consume_once(subscription.as_ref(), &events, Duration::ZERO)
            .await
            .unwrap(),
        0
    );
    let notified = inbox(false).await.unwrap().items;
    assert_eq!(notified.len(), 1, "consumed exactly once: {notified:?}");
    assert!(notified[0].title.contains("Run"), "{:?}", notified[0]);
}
