//! Purging a deleted user's items: every item of the user's partition in the
//! three tables, a bounded page at a time, except the tombstone.

use async_trait::async_trait;

use super::dynamo::Tables;
use super::errors::store_error;
use super::items::{Item, PK, REVOKED_SK, SK, s};
use crate::store::ports::{Erasure, StoreResult};

/// The purge of one user's items.
pub struct AwsErasure {
    tables: Tables,
}

impl AwsErasure {
    pub(crate) fn new(tables: Tables) -> Self {
        AwsErasure { tables }
    }

    /// The keys of at most `limit` of `user_id`'s items in `table`, the
    /// tombstone left out.
    async fn keys(&self, table: &str, user_id: &str, limit: usize) -> StoreResult<Vec<Item>> {
        // One more than asked: the tombstone may be among them.
        let page = i32::try_from(limit.saturating_add(1)).unwrap_or(i32::MAX);
        let output = self
            .tables
            .client
            .query()
            .table_name(table)
            .key_condition_expression("#pk = :user")
            .expression_attribute_names("#pk", PK)
            .expression_attribute_names("#sk", SK)
            .expression_attribute_values(":user", s(user_id))
            .projection_expression("#pk, #sk")
            .consistent_read(true)
            .limit(page)
            .send()
            .await
            .map_err(|err| store_error("Query", err))?;
        Ok(output
            .items
            .unwrap_or_default()
            .into_iter()
            .filter(|item| item.get(SK).and_then(|sk| sk.as_s().ok()).map(String::as_str) != Some(REVOKED_SK))
            .take(limit)
            .collect())
    }
}

#[async_trait]
impl Erasure for AwsErasure {
    async fn erase_page(&self, user_id: &str, limit: usize) -> StoreResult<usize> {
        let tables = &self.tables;
        let mut deleted = 0;
        for table in [&tables.goals, &tables.aggregates, &tables.users] {
            let left = limit.max(1).saturating_sub(deleted);
            if left == 0 {
                break;
            }
            let keys = self.keys(table, user_id, left).await?;
            deleted += keys.len();
            tables.delete_all(table, keys).await?;
        }
        Ok(deleted)
    }
}
