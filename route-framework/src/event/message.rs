//! A queue message as consumers are dispatched on it, read fallibly from an
//! SQS record (or built by a local queue).

use chrono::{DateTime, Utc};
use serde_json::Value;

/// One queued message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    /// The queue's id for it, reported back when it fails.
    pub id: String,
    /// The `type` attribute that picks its consumer.
    pub event_type: Option<String>,
    /// The `eventId` attribute consumers de-duplicate on.
    pub event_id: Option<String>,
    /// Its FIFO message group: after a failure, the group's later messages
    /// wait, so its order holds.
    pub group: Option<String>,
    /// When it was sent.
    pub sent_at: Option<DateTime<Utc>>,
    /// The body: the consumer's payload.
    pub body: String,
}

impl Message {
    /// Reads one record of an SQS event. A record without a `messageId`
    /// cannot even be reported as failed: `Err` says what it lacks.
    pub fn from_sqs_record(record: &Value) -> Result<Message, String> {
        let id = match record.get("messageId").and_then(Value::as_str) {
            Some(id) if !id.is_empty() => id.to_owned(),
            _ => return Err("an SQS record without a `messageId`".to_owned()),
        };
        let attribute = |name: &str| {
            record
                .pointer(&format!("/messageAttributes/{name}/stringValue"))
                .and_then(Value::as_str)
                .map(str::to_owned)
        };
        let sent_at = record
            .pointer("/attributes/SentTimestamp")
            .and_then(Value::as_str)
            .and_then(|millis| millis.parse::<i64>().ok())
            .and_then(DateTime::from_timestamp_millis);
        Ok(Message {
            event_type: attribute("type"),
            event_id: attribute("eventId"),
            group: record
                .pointer("/attributes/MessageGroupId")
                .and_then(Value::as_str)
                .map(str::to_owned),
            sent_at,
            body: record
                .get("body")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned(),
            id,
        })
    }

    /// The consumer's key: the `type` attribute, or else the body's `type` field.
    pub fn kind(&self) -> Option<String> {
        self.event_type.clone().or_else(|| {
            serde_json::from_str::<Value>(&self.body)
                .ok()?
                .get("type")?
                .as_str()
                .map(str::to_owned)
        })
    }
}
