//! The SQS dead-letter queue, for the operator's `cargo xtask dlq` (feature
//! `operations`, never in the Lambda): listed with each message's last
//! failure reason (kept in DynamoDB by the consumers' failure log), and
//! moved back to the notifications queue one message at a time.

use std::collections::HashMap;

use async_trait::async_trait;
use aws_config::SdkConfig;
use aws_sdk_sqs::Client;
use aws_sdk_sqs::types::{MessageSystemAttributeName, QueueAttributeName};
use chrono::{DateTime, Duration, Utc};

use super::dynamo::Tables;
use super::errors::store_error;
use super::failures::failure_key;
use super::items::{get_s, get_time};
use super::settings::AwsSettings;
use super::subscription::{attribute, sent_at, system_attribute};
use crate::store::ports::{DeadLetter, DeadLetters, LastFailure, StoreError, StoreResult};

/// SQS drops a FIFO message whose deduplication id it saw less than this
/// long ago, silently: a redrive before then would lose the message.
pub const DEDUPLICATION_INTERVAL: Duration = Duration::minutes(5);
/// How long a listing holds each message it reads before putting it back.
const LISTING_VISIBILITY_SECS: i32 = 30;

/// The dead-letter queue of the notifications queue.
pub struct SqsDeadLetters {
    sqs: Client,
    tables: Tables,
    queue_url: String,
    dead_url: String,
}

/// The dead-letter queue `settings`' notifications queue redrives to (read
/// from its redrive policy), with clients built from `sdk`.
pub async fn dead_letters(settings: &AwsSettings, sdk: &SdkConfig) -> Result<SqsDeadLetters, String> {
    let sqs = Client::new(sdk);
    let attributes = sqs
        .get_queue_attributes()
        .queue_url(&settings.queue_url)
        .attribute_names(QueueAttributeName::RedrivePolicy)
        .send()
        .await
        .map_err(|err| {
            format!(
                "cannot read the queue's redrive policy: {}",
                store_error("GetQueueAttributes", err)
            )
        })?;
    let policy = attributes
        .attributes()
        .and_then(|attributes| attributes.get(&QueueAttributeName::RedrivePolicy))
        .ok_or_else(|| format!("{} has no redrive policy: no dead-letter queue", settings.queue_url))?;
    let policy: serde_json::Value =
        serde_json::from_str(policy).map_err(|err| format!("an unreadable redrive policy: {err}"))?;
    let arn = policy["deadLetterTargetArn"].as_str().unwrap_or_default();
    let name = arn.rsplit(':').next().unwrap_or_default();
    let dead_url = sqs
        .get_queue_url()
        .queue_name(name)
        .send()
        .await
        .map_err(|err| {
            format!(
                "cannot find the dead-letter queue {arn}: {}",
                store_error("GetQueueUrl", err)
            )
        })?
        .queue_url
        .ok_or_else(|| format!("no URL for the dead-letter queue {arn}"))?;
    Ok(SqsDeadLetters {
        sqs,
        tables: Tables {
            client: aws_sdk_dynamodb::Client::new(sdk),
            users: settings.users_table.clone(),
            goals: settings.goals_table.clone(),
            aggregates: settings.aggregates_table.clone(),
        },
        queue_url: settings.queue_url.clone(),
        dead_url,
    })
}

/// A message read off the dead-letter queue, and the handle it was read with.
struct Held {
    letter: DeadLetter,
    deduplication_id: Option<String>,
    receipt: String,
}

impl SqsDeadLetters {
    /// Reads every message it can off the dead-letter queue, holding each
    /// (invisible) until [`SqsDeadLetters::release`]. A FIFO queue hands out
    /// at most ten of one message group while they are held.
    async fn hold_all(&self) -> StoreResult<Vec<Held>> {
        let mut held: Vec<Held> = Vec::new();
        loop {
            let output = self
                .sqs
                .receive_message()
                .queue_url(&self.dead_url)
                .max_number_of_messages(10)
                .visibility_timeout(LISTING_VISIBILITY_SECS)
                .wait_time_seconds(0)
                .message_attribute_names("All")
                .message_system_attribute_names(MessageSystemAttributeName::All)
                .send()
                .await
                .map_err(|err| store_error("ReceiveMessage", err))?;
            let messages = output.messages.unwrap_or_default();
            if messages.is_empty() {
                return Ok(held);
            }
            for message in messages {
                let (Some(id), Some(receipt)) = (message.message_id.clone(), message.receipt_handle.clone()) else {
                    continue;
                };
                if held.iter().any(|other| other.letter.id == id) {
                    continue;
                }
                let system = |name| system_attribute(&message, name);
                let event_id = attribute(&message, "eventId");
                let last_failure = match &event_id {
                    Some(event_id) => self.last_failure(event_id).await?,
                    None => None,
                };
                held.push(Held {
                    letter: DeadLetter {
                        id,
                        event_type: attribute(&message, "type"),
                        event_id,
                        user_id: system(MessageSystemAttributeName::MessageGroupId),
                        receive_count: system(MessageSystemAttributeName::ApproximateReceiveCount)
                            .and_then(|count| count.parse().ok())
                            .unwrap_or_default(),
                        sent_at: sent_at(&message),
                        last_failure,
                        body: message.body.clone().unwrap_or_default(),
                    },
                    deduplication_id: system(MessageSystemAttributeName::MessageDeduplicationId),
                    receipt,
                });
            }
        }
    }

    /// Makes held messages visible again at once.
    async fn release(&self, held: &[Held]) -> StoreResult<()> {
        for message in held {
            self.sqs
                .change_message_visibility()
                .queue_url(&self.dead_url)
                .receipt_handle(&message.receipt)
                .visibility_timeout(0)
                .send()
                .await
                .map_err(|err| store_error("ChangeMessageVisibility", err))?;
        }
        Ok(())
    }

    /// The last failure kept for `event_id`, if any.
    async fn last_failure(&self, event_id: &str) -> StoreResult<Option<LastFailure>> {
        let Some(item) = self.tables.get(&self.tables.users, failure_key(event_id)).await? else {
            return Ok(None);
        };
        Ok(Some(LastFailure {
            consumer: get_s(&item, "consumer")?,
            reason: get_s(&item, "reason")?,
            at: get_time(&item, "at")?,
        }))
    }

    /// Sends `message` back to the notifications queue as it was, then
    /// deletes it from the dead-letter queue.
    async fn move_back(&self, message: &Held) -> StoreResult<()> {
        let letter = &message.letter;
        let mut send = self
            .sqs
            .send_message()
            .queue_url(&self.queue_url)
            .message_body(&letter.body)
            .set_message_group_id(letter.user_id.clone())
            .set_message_deduplication_id(message.deduplication_id.clone().or_else(|| letter.event_id.clone()));
        let attributes: HashMap<&str, &Option<String>> =
            HashMap::from([("type", &letter.event_type), ("eventId", &letter.event_id)]);
        for (name, value) in attributes {
            if let Some(value) = value {
                let value = aws_sdk_sqs::types::MessageAttributeValue::builder()
                    .data_type("String")
                    .string_value(value)
                    .build()
                    .map_err(|err| StoreError::Internal(format!("a message attribute: {err}")))?;
                send = send.message_attributes(name, value);
            }
        }
        send.send().await.map_err(|err| store_error("SendMessage", err))?;
        self.sqs
            .delete_message()
            .queue_url(&self.dead_url)
            .receipt_handle(&message.receipt)
            .send()
            .await
            .map_err(|err| store_error("DeleteMessage", err))?;
        Ok(())
    }
}

#[async_trait]
impl DeadLetters for SqsDeadLetters {
    async fn list(&self) -> StoreResult<Vec<DeadLetter>> {
        let held = self.hold_all().await?;
        self.release(&held).await?;
        let mut letters: Vec<DeadLetter> = held.into_iter().map(|held| held.letter).collect();
        letters.sort_by_key(|letter| letter.sent_at);
        Ok(letters)
    }

    async fn redrive(&self, id: &str, now: DateTime<Utc>) -> StoreResult<()> {
        let mut held = self.hold_all().await?;
        let Some(at) = held.iter().position(|message| message.letter.id == id) else {
            self.release(&held).await?;
            return Err(StoreError::NotFound("dead letter"));
        };
        let message = held.swap_remove(at);
        self.release(&held).await?;
        let deduplicated_until = message.letter.sent_at.map(|sent| sent + DEDUPLICATION_INTERVAL);
        if let Some(until) = deduplicated_until.filter(|until| *until > now) {
            self.release(std::slice::from_ref(&message)).await?;
            return Err(StoreError::Conflict(format!(
                "SQS would drop it as a duplicate of itself until {until} (five minutes after it was sent): \
                 redrive it then"
            )));
        }
        self.move_back(&message).await
    }
}
