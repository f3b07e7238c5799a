//! The local server's consumer loop: what the queue's event source does in
//! Lambda, done by polling the backend's subscription.

use std::sync::Arc;
use std::time::Duration;

use route_framework::event::EventDispatcher;

use crate::store::ports::{StoreResult, Subscription};

/// Messages received at once, as the Lambda's event source hands them over.
pub const BATCH: usize = 10;
/// How long one receive waits for a first message (SQS long polling).
pub const WAIT: Duration = Duration::from_secs(20);

/// Receives from `subscription` and delivers to the consumers until the
/// task is dropped. A failed receive is logged and retried a second later.
pub async fn consume_forever(subscription: Arc<dyn Subscription>, events: Arc<EventDispatcher>) {
    loop {
        if let Err(err) = consume_once(subscription.as_ref(), &events, WAIT).await {
            tracing::warn!(error = %err, "cannot receive from the queue; retrying");
            tokio::time::sleep(Duration::from_secs(1)).await;
        }
    }
}

/// One receive (waiting up to `wait`) and its delivery; acknowledges the
/// messages consumed and leaves the failed ones to come back. Returns how
/// many were consumed.
pub async fn consume_once(
    subscription: &dyn Subscription,
    events: &EventDispatcher,
    wait: Duration,
) -> StoreResult<usize> {
    let received = subscription.receive(BATCH, wait).await?;
    if received.is_empty() {
        return Ok(0);
    }
    let request_id = crate::domain::new_id();
    let messages = received.iter().map(|received| received.message.clone()).collect();
    let failed = events.deliver(messages, &request_id).await;
    let consumed: Vec<String> = received
        .into_iter()
        .filter(|received| !failed.contains(&received.message.id))
        .map(|received| received.receipt)
        .collect();
    subscription.acknowledge(&consumed).await?;
    Ok(consumed.len())
}
