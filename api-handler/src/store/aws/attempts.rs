//! Attempt counters in DynamoDB, shared by every instance: one item per key
//! and window in the users table, counted with one conditional
//! `UpdateItem` per attempt; the table's TTL only tidies them away.

use async_trait::async_trait;
use chrono::{DateTime, Duration, Utc};

use super::dynamo::Tables;
use super::errors::store_error;
use super::items::{EXPIRES_AT, Item, get_n, key, n};
use crate::store::ports::{Attempts, FailureRun, StoreError, StoreResult};

/// How long a window's counter outlives the window, for TTL (which deletes
/// up to days late; the key names the window, so a late delete changes
/// nothing).
const COUNTER_KEPT_FOR: Duration = Duration::hours(1);

/// Sort key of a run of failures.
const FAILURES_SK: &str = "FAILURES";

/// The partition of `key`'s counters: never a user's id (a ULID or UUID).
fn partition(key: &str) -> String {
    format!("THROTTLE#{key}")
}

/// The DynamoDB counters.
pub struct AwsAttempts {
    tables: Tables,
}

impl AwsAttempts {
    pub(crate) fn new(tables: Tables) -> Self {
        AwsAttempts { tables }
    }
}

#[async_trait]
impl Attempts for AwsAttempts {
    async fn count(
        &self,
        key: &str,
        limit: u32,
        window: Duration,
        now: DateTime<Utc>,
    ) -> StoreResult<Option<Duration>> {
        let seconds = window.num_seconds().max(1);
        let start = now.timestamp().div_euclid(seconds) * seconds;
        let end = DateTime::from_timestamp(start + seconds, 0).unwrap_or(now);
        let result = self
            .tables
            .client
            .update_item()
            .table_name(&self.tables.users)
            .set_key(Some(self::key(&partition(key), format!("WINDOW#{start}"))))
            .update_expression("ADD attempts :one SET #expires = :expires")
            .condition_expression("attribute_not_exists(attempts) OR attempts < :limit")
            .expression_attribute_names("#expires", EXPIRES_AT)
            .expression_attribute_values(":one", n(1))
            .expression_attribute_values(":limit", n(limit))
            .expression_attribute_values(":expires", n((end + COUNTER_KEPT_FOR).timestamp()))
            .send()
            .await;
        match result {
            Ok(_) => Ok(None),
            Err(err)
                if err
                    .as_service_error()
                    .is_some_and(|e| e.is_conditional_check_failed_exception()) =>
            {
                Ok(Some(end - now))
            }
            Err(err) => Err(store_error("UpdateItem", err)),
        }
    }

    async fn failures(&self, key: &str) -> StoreResult<Option<FailureRun>> {
        let Some(item) = self.tables.get(&self.tables.users, failures_key(key)).await? else {
            return Ok(None);
        };
        let last: i64 = get_n(&item, "last")?;
        Ok(Some(FailureRun {
            count: get_n(&item, "failures")?,
            last: DateTime::from_timestamp_millis(last)
                .ok_or_else(|| StoreError::Internal(format!("a corrupt failure time {last}")))?,
        }))
    }

    async fn record_failure(&self, key: &str, at: DateTime<Utc>, keep: Duration) -> StoreResult<()> {
        self.tables
            .client
            .update_item()
            .table_name(&self.tables.users)
            .set_key(Some(failures_key(key)))
            .update_expression("ADD failures :one SET #last = :last, #expires = :expires")
            .expression_attribute_names("#last", "last")
            .expression_attribute_names("#expires", EXPIRES_AT)
            .expression_attribute_values(":one", n(1))
            .expression_attribute_values(":last", n(at.timestamp_millis()))
            .expression_attribute_values(":expires", n((at + keep).timestamp()))
            .send()
            .await
            .map_err(|err| store_error("UpdateItem", err))?;
        Ok(())
    }

    async fn clear_failures(&self, key: &str) -> StoreResult<()> {
        self.tables
            .client
            .delete_item()
            .table_name(&self.tables.users)
            .set_key(Some(failures_key(key)))
            .send()
            .await
            .map_err(|err| store_error("DeleteItem", err))?;
        Ok(())
    }
}

/// The key of the run of failures under `key`.
fn failures_key(key: &str) -> Item {
    self::key(&partition(key), FAILURES_SK)
}

#[cfg(test)]
mod tests {
    use super::super::items::{PK, SK};
    use super::*;

    #[test]
    fn counters_live_outside_every_users_partition() {
        let item = failures_key("account:abc");
        assert_eq!(item[PK].as_s().ok().map(String::as_str), Some("THROTTLE#account:abc"));
        assert_eq!(item[SK].as_s().ok().map(String::as_str), Some(FAILURES_SK));
    }
}
