//! Revoked tokens and deleted accounts in DynamoDB: the `REVOKED` item of the
//! users table, which every transaction of the user's data checks
//! ([`Tables::transact`]) and the purge keeps until its TTL.

use async_trait::async_trait;
use chrono::{DateTime, Duration, Utc};

use super::dynamo::{Tables, TransactError, Write, cancelled};
use super::errors::store_error;
use super::items::{EXPIRES_AT, REVOKED_SK, key, n};
use super::outbox::outbox_writes;
use crate::domain::events::DomainEvent;
use crate::domain::identity::Revocation;
use crate::store::ports::{Revocations, StoreResult};

/// How long a revocation is kept: longer than any access token Cognito can
/// issue (at most a day) and any request admitted before it, then TTL.
const KEPT_FOR: Duration = Duration::days(2);
/// How long a deleted account's tombstone is kept: longer than the
/// dead-letter queue keeps a message (14 days), so an event of the account
/// redriven from there still meets the fence instead of writing for it.
const TOMBSTONE_KEPT_FOR: Duration = Duration::days(15);

/// The DynamoDB revocations.
pub struct AwsRevocations {
    tables: Tables,
}

impl AwsRevocations {
    pub(crate) fn new(tables: Tables) -> Self {
        AwsRevocations { tables }
    }
}

/// The time of an epoch-seconds attribute, if the item has it.
fn seconds(item: &super::items::Item, name: &str) -> Option<DateTime<Utc>> {
    item.get(name)
        .and_then(|value| value.as_n().ok())
        .and_then(|text| text.parse::<i64>().ok())
        .and_then(|secs| DateTime::from_timestamp(secs, 0))
}

#[async_trait]
impl Revocations for AwsRevocations {
    async fn get(&self, user_id: &str) -> StoreResult<Option<Revocation>> {
        let item = self.tables.get(&self.tables.users, key(user_id, REVOKED_SK)).await?;
        Ok(item.map(|item| Revocation {
            tokens_valid_from: seconds(&item, "tokensValidFrom"),
            deleted_at: seconds(&item, "deletedAt"),
        }))
    }

    async fn revoke_tokens(&self, user_id: &str, at: DateTime<Utc>) -> StoreResult<()> {
        let result = self
            .tables
            .client
            .update_item()
            .table_name(&self.tables.users)
            .set_key(Some(key(user_id, REVOKED_SK)))
            .update_expression("SET tokensValidFrom = :at, #expires = :expires")
            .condition_expression("attribute_not_exists(tokensValidFrom) OR tokensValidFrom < :at")
            .expression_attribute_names("#expires", EXPIRES_AT)
            .expression_attribute_values(":at", n(at.timestamp()))
            .expression_attribute_values(":expires", n((at + KEPT_FOR).timestamp()))
            .send()
            .await;
        match result {
            Ok(_) => Ok(()),
            // A later cut-off is stored already: it stays.
            Err(err)
                if err
                    .as_service_error()
                    .is_some_and(|e| e.is_conditional_check_failed_exception()) =>
            {
                Ok(())
            }
            Err(err) => Err(store_error("UpdateItem", err)),
        }
    }

    async fn tombstone(&self, user_id: &str, at: DateTime<Utc>, events: &[DomainEvent]) -> StoreResult<()> {
        let tables = &self.tables;
        let mut writes = vec![
            Write::update(
                &tables.users,
                key(user_id, REVOKED_SK),
                "SET deletedAt = :at, #expires = :expires",
            )
            .when("attribute_not_exists(deletedAt)")
            .name("#expires", EXPIRES_AT)
            .value(":at", n(at.timestamp()))
            .value(":expires", n((at + TOMBSTONE_KEPT_FOR).timestamp())),
        ];
        writes.extend(outbox_writes(tables, events)?);
        match tables.transact_items(writes).await {
            Ok(()) => Ok(()),
            // Deleted already: the first deletion's time and events stand.
            Err(TransactError::Cancelled(reasons)) if reasons.first().is_some_and(|r| r.condition_failed()) => Ok(()),
            Err(TransactError::Cancelled(reasons)) => Err(cancelled("deleting an account", &reasons)),
            Err(TransactError::Store(err)) => Err(err),
        }
    }
}
