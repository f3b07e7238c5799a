//! Purging a deleted user's rows, a bounded number per transaction.

use async_trait::async_trait;
use rusqlite::params;

use super::db::{Db, db_error};
use crate::store::ports::{Erasure, StoreResult};

/// Every table holding a user's rows, by its `user_id` column, children
/// before parents. Targets reached go with their goals (`ON DELETE
/// CASCADE`); the account itself (`users`, refresh tokens, reset codes) is
/// the identity port's; the tombstone in `revocations` stays.
const TABLES: &[&str] = &[
    "progress",
    "daily_aggregates",
    "attachments",
    "idempotency_keys",
    "notifications",
    "outbox",
    "exports",
    "goals",
    "profiles",
];

/// The purge of one user's rows.
pub struct EmbeddedErasure {
    db: Db,
}

impl EmbeddedErasure {
    pub(crate) fn new(db: Db) -> Self {
        EmbeddedErasure { db }
    }
}

#[async_trait]
impl Erasure for EmbeddedErasure {
    async fn erase_page(&self, user_id: &str, limit: usize) -> StoreResult<usize> {
        let user_id = user_id.to_owned();
        let limit = i64::try_from(limit.max(1)).unwrap_or(i64::MAX);
        self.db
            .write(move |tx| {
                let mut deleted = 0_usize;
                for table in TABLES {
                    let left = limit - i64::try_from(deleted).unwrap_or(i64::MAX);
                    if left <= 0 {
                        break;
                    }
                    deleted += tx
                        .execute(
                            &format!(
                                "DELETE FROM {table} WHERE rowid IN \
                                 (SELECT rowid FROM {table} WHERE user_id = ?1 LIMIT ?2)"
                            ),
                            params![user_id, left],
                        )
                        .map_err(db_error)?;
                }
                Ok(deleted)
            })
            .await
    }
}
