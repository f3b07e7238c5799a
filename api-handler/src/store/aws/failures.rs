//! The consumers' last failure reasons in DynamoDB: one item per event in
//! the users table, outside every user's partition, kept as long as the
//! dead-letter queue keeps a message.

use async_trait::async_trait;
use chrono::Duration;

use super::dynamo::Tables;
use super::errors::store_error;
use super::items::{EXPIRES_AT, Item, key, n, s, timestamp};
use crate::store::ports::{DeliveryFailures, LastFailure, StoreResult};

/// As long as the dead-letter queue keeps a message.
const KEPT_FOR: Duration = Duration::days(14);
/// The longest reason kept, in characters.
const MAX_REASON: usize = 2000;

/// The key of the last failure of the event `event_id`.
pub(crate) fn failure_key(event_id: &str) -> Item {
    key(&format!("FAILED#{event_id}"), "LAST")
}

/// The DynamoDB failure reasons.
pub struct AwsDeliveryFailures {
    tables: Tables,
}

impl AwsDeliveryFailures {
    pub(crate) fn new(tables: Tables) -> Self {
        AwsDeliveryFailures { tables }
    }
}

#[async_trait]
impl DeliveryFailures for AwsDeliveryFailures {
    async fn record(&self, event_id: &str, failure: &LastFailure) -> StoreResult<()> {
        let reason: String = failure.reason.chars().take(MAX_REASON).collect();
        let mut item = failure_key(event_id);
        item.extend([
            ("consumer".to_owned(), s(&failure.consumer)),
            ("reason".to_owned(), s(reason)),
            ("at".to_owned(), s(timestamp(failure.at))),
            (EXPIRES_AT.to_owned(), n((failure.at + KEPT_FOR).timestamp())),
        ]);
        self.tables
            .client
            .put_item()
            .table_name(&self.tables.users)
            .set_item(Some(item))
            .send()
            .await
            .map_err(|err| store_error("PutItem", err))?;
        Ok(())
    }
}
