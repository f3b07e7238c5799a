//! Publishing to the notifications queue (SQS FIFO): one message per
//! event, its JSON as the body, attributes `type` and `eventId`,
//! `MessageDeduplicationId = eventId` (a second publish of an event within
//! SQS's five-minute window is dropped) and `MessageGroupId = userId` (each
//! user's events stay in order).

use async_trait::async_trait;
use aws_sdk_sqs::Client;
use aws_sdk_sqs::types::MessageAttributeValue;

use super::errors::store_error;
use crate::domain::events::DomainEvent;
use crate::store::ports::{Publisher, StoreError, StoreResult};

/// The SQS publisher.
pub struct SqsPublisher {
    client: Client,
    queue_url: String,
}

impl SqsPublisher {
    pub(crate) fn new(client: Client, queue_url: String) -> Self {
        SqsPublisher { client, queue_url }
    }
}

fn attribute(value: &str) -> StoreResult<MessageAttributeValue> {
    MessageAttributeValue::builder()
        .data_type("String")
        .string_value(value)
        .build()
        .map_err(|err| StoreError::Internal(format!("cannot build a message attribute: {err}")))
}

#[async_trait]
impl Publisher for SqsPublisher {
    async fn publish(&self, events: &[DomainEvent]) -> StoreResult<()> {
        for event in events {
            let body = serde_json::to_string(event)
                .map_err(|err| StoreError::Internal(format!("cannot serialise an event: {err}")))?;
            self.client
                .send_message()
                .queue_url(&self.queue_url)
                .message_body(body)
                .message_group_id(&event.user_id)
                .message_deduplication_id(&event.event_id)
                .message_attributes("type", attribute(event.kind.as_str())?)
                .message_attributes("eventId", attribute(&event.event_id)?)
                .send()
                .await
                .map_err(|err| store_error("SendMessage", err))?;
        }
        Ok(())
    }
}
