//! Each user's current export in DynamoDB: the `EXPORT` item of the users table.

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::dynamo::{Tables, TransactError, Write, cancelled};
use super::items::{EXPORT_SK, get_opt_s, get_s, get_time, key, s, timestamp};
use super::outbox::outbox_writes;
use crate::domain::events::DomainEvent;
use crate::domain::export::Export;
use crate::store::ports::{Exports, StoreError, StoreResult};

/// The DynamoDB exports.
pub struct AwsExports {
    tables: Tables,
}

impl AwsExports {
    pub(crate) fn new(tables: Tables) -> Self {
        AwsExports { tables }
    }
}

#[async_trait]
impl Exports for AwsExports {
    async fn get(&self, user_id: &str) -> StoreResult<Option<Export>> {
        let Some(item) = self.tables.get(&self.tables.users, key(user_id, EXPORT_SK)).await? else {
            return Ok(None);
        };
        let ready_at = match get_opt_s(&item, "readyAt")? {
            Some(_) => Some(get_time(&item, "readyAt")?),
            None => None,
        };
        Ok(Some(Export {
            export_id: get_s(&item, "exportId")?,
            requested_at: get_time(&item, "requestedAt")?,
            ready_at,
        }))
    }

    async fn start(
        &self,
        user_id: &str,
        export: &Export,
        replacing: Option<&str>,
        events: &[DomainEvent],
    ) -> StoreResult<bool> {
        let tables = &self.tables;
        let mut item = key(user_id, EXPORT_SK);
        item.insert("exportId".to_owned(), s(&export.export_id));
        item.insert("requestedAt".to_owned(), s(timestamp(export.requested_at)));
        let put = Write::put(&tables.users, item);
        let put = match replacing {
            None => put.when("attribute_not_exists(sk)"),
            Some(current) => put.when("exportId = :current").value(":current", s(current)),
        };
        let mut writes = vec![put];
        writes.extend(outbox_writes(tables, events)?);
        match tables.transact(user_id, writes).await {
            Ok(()) => Ok(true),
            Err(TransactError::Cancelled(reasons)) if reasons.first().is_some_and(|r| r.condition_failed()) => {
                Ok(false)
            }
            Err(TransactError::Cancelled(reasons)) => Err(cancelled("starting an export", &reasons)),
            Err(TransactError::Store(err)) => Err(err),
        }
    }

    async fn finish(&self, user_id: &str, export_id: &str, at: DateTime<Utc>) -> StoreResult<()> {
        let tables = &self.tables;
        let update = Write::update(&tables.users, key(user_id, EXPORT_SK), "SET readyAt = :at")
            .when("exportId = :id")
            .value(":at", s(timestamp(at)))
            .value(":id", s(export_id));
        match tables.transact(user_id, vec![update]).await {
            Ok(()) => Ok(()),
            Err(TransactError::Cancelled(reasons)) if reasons.first().is_some_and(|r| r.condition_failed()) => {
                Err(StoreError::NotFound("export"))
            }
            Err(TransactError::Cancelled(reasons)) => Err(cancelled("finishing an export", &reasons)),
            Err(TransactError::Store(err)) => Err(err),
        }
    }
}
