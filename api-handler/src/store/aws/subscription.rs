//! Reading the notifications queue back with long polling: what the local
//! server's consumer loop does with `--backend aws` (in Lambda the event
//! source mapping polls instead).

use std::time::Duration;

use async_trait::async_trait;
use aws_sdk_sqs::Client;
use aws_sdk_sqs::config::timeout::TimeoutConfig;
use aws_sdk_sqs::types::MessageSystemAttributeName;
use chrono::{DateTime, Utc};
use route_framework::event::Message;

use super::errors::store_error;
use crate::store::ports::{Received, StoreResult, Subscription};

/// SQS's longest long poll.
const MAX_WAIT: Duration = Duration::from_secs(20);
/// A long poll's own time limit: the wait plus the usual attempt time.
const POLL_TIMEOUT: Duration = Duration::from_secs(25);

/// The SQS subscription.
pub struct SqsSubscription {
    client: Client,
    queue_url: String,
}

impl SqsSubscription {
    pub(crate) fn new(client: Client, queue_url: String) -> Self {
        SqsSubscription { client, queue_url }
    }
}

/// The string value of a message attribute.
pub(super) fn attribute(message: &aws_sdk_sqs::types::Message, name: &str) -> Option<String> {
    message.message_attributes.as_ref()?.get(name)?.string_value.clone()
}

/// A system attribute of a message (asked for when it was received).
pub(super) fn system_attribute(
    message: &aws_sdk_sqs::types::Message,
    name: MessageSystemAttributeName,
) -> Option<String> {
    message.attributes.as_ref()?.get(&name).cloned()
}

/// When a message was first sent (its `SentTimestamp`).
pub(super) fn sent_at(message: &aws_sdk_sqs::types::Message) -> Option<DateTime<Utc>> {
    system_attribute(message, MessageSystemAttributeName::SentTimestamp)
        .and_then(|millis| millis.parse().ok())
        .and_then(DateTime::from_timestamp_millis)
}

#[async_trait]
impl Subscription for SqsSubscription {
    async fn receive(&self, max: usize, wait: Duration) -> StoreResult<Vec<Received>> {
        let wait = wait.min(MAX_WAIT);
        let output = self
            .client
            .receive_message()
            .queue_url(&self.queue_url)
            .max_number_of_messages(i32::try_from(max.clamp(1, 10)).unwrap_or(10))
            .wait_time_seconds(i32::try_from(wait.as_secs()).unwrap_or(20))
            .message_attribute_names("All")
            .message_system_attribute_names(MessageSystemAttributeName::MessageGroupId)
            .message_system_attribute_names(MessageSystemAttributeName::SentTimestamp)
            .customize()
            .config_override(
                aws_sdk_sqs::config::Builder::default().timeout_config(
                    TimeoutConfig::builder()
                        .operation_timeout(POLL_TIMEOUT)
                        .operation_attempt_timeout(POLL_TIMEOUT)
                        .build(),
                ),
            )
            .send()
            .await
            .map_err(|err| store_error("ReceiveMessage", err))?;
        let mut received = Vec::new();
        for message in output.messages.unwrap_or_default() {
            let (Some(id), Some(receipt)) = (message.message_id.clone(), message.receipt_handle.clone()) else {
                continue;
            };
            received.push(Received {
                message: Message {
                    id,
                    event_type: attribute(&message, "type"),
                    event_id: attribute(&message, "eventId"),
                    group: system_attribute(&message, MessageSystemAttributeName::MessageGroupId),
                    sent_at: sent_at(&message),
                    body: message.body.clone().unwrap_or_default(),
                },
                receipt,
            });
        }
        Ok(received)
    }

    async fn acknowledge(&self, receipts: &[String]) -> StoreResult<()> {
        for receipt in receipts {
            self.client
                .delete_message()
                .queue_url(&self.queue_url)
                .receipt_handle(receipt)
                .send()
                .await
                .map_err(|err| store_error("DeleteMessage", err))?;
        }
        Ok(())
    }
}
