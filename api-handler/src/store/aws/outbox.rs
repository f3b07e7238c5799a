//! The outbox in DynamoDB: `OUTBOX#` items written in the transactions that
//! cause them, found by the relay through the sparse `outbox` index (one
//! query per shard, never a scan) and deleted once published.

use async_trait::async_trait;

use super::dynamo::{Tables, Write};
use super::items::{EVENT_ID, OUTBOX_INDEX, OUTBOX_SHARD, OUTBOX_SHARDS, event_from, key, outbox_item, outbox_sk, s};
use crate::domain::events::DomainEvent;
use crate::store::ports::{Outbox, StoreResult};

/// The puts that add `events` to the outbox inside a transaction.
pub(super) fn outbox_writes(tables: &Tables, events: &[DomainEvent]) -> StoreResult<Vec<Write>> {
    events
        .iter()
        .map(|event| Ok(Write::put(&tables.users, outbox_item(event)?)))
        .collect()
}

/// The DynamoDB outbox.
pub struct AwsOutbox {
    tables: Tables,
}

impl AwsOutbox {
    pub(crate) fn new(tables: Tables) -> Self {
        AwsOutbox { tables }
    }
}

#[async_trait]
impl Outbox for AwsOutbox {
    async fn pending(&self, limit: usize) -> StoreResult<Vec<DomainEvent>> {
        let tables = &self.tables;
        let mut events = Vec::new();
        for shard in 0..OUTBOX_SHARDS {
            let output = tables
                .client
                .query()
                .table_name(&tables.users)
                .index_name(OUTBOX_INDEX)
                .key_condition_expression("#shard = :shard")
                .expression_attribute_names("#shard", OUTBOX_SHARD)
                .expression_attribute_values(":shard", s(shard.to_string()))
                .limit(i32::try_from(limit).unwrap_or(i32::MAX))
                .send()
                .await
                .map_err(|err| super::errors::store_error("Query", err))?;
            for item in output.items.unwrap_or_default() {
                // An item that does not parse is logged and left in place, so
                // it cannot hold back the events after it.
                match event_from(&item) {
                    Ok(event) => events.push(event),
                    Err(err) => tracing::error!(
                        error = %err,
                        event_id = item.get(EVENT_ID).and_then(|v| v.as_s().ok()).map(String::as_str).unwrap_or("?"),
                        "an outbox event does not parse; it stays undelivered"
                    ),
                }
            }
        }
        events.sort_by(|a, b| a.event_id.cmp(&b.event_id));
        events.truncate(limit);
        Ok(events)
    }

    async fn mark_delivered(&self, events: &[DomainEvent]) -> StoreResult<()> {
        let keys = events
            .iter()
            .map(|event| key(&event.user_id, outbox_sk(&event.event_id)))
            .collect();
        self.tables.delete_all(&self.tables.users, keys).await
    }
}
