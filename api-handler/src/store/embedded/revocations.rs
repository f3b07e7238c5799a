//! Revoked tokens and deleted accounts in SQLite (`revocations`).

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use rusqlite::{OptionalExtension, params};

use super::db::{CachedQuery, Db, db_error, ts};
use super::outbox;
use crate::domain::events::DomainEvent;
use crate::domain::identity::Revocation;
use crate::store::ports::{Revocations, StoreResult};

/// The `revocations` table.
pub struct EmbeddedRevocations {
    db: Db,
}

impl EmbeddedRevocations {
    pub(crate) fn new(db: Db) -> Self {
        EmbeddedRevocations { db }
    }
}

#[async_trait]
impl Revocations for EmbeddedRevocations {
    async fn get(&self, user_id: &str) -> StoreResult<Option<Revocation>> {
        let user_id = user_id.to_owned();
        self.db
            .read(move |tx| {
                tx.query_row_cached(
                    "SELECT tokens_valid_from, deleted_at FROM revocations WHERE user_id = ?1",
                    [user_id],
                    |row| {
                        Ok(Revocation {
                            tokens_valid_from: row.get(0)?,
                            deleted_at: row.get(1)?,
                        })
                    },
                )
                .optional()
                .map_err(db_error)
            })
            .await
    }

    async fn revoke_tokens(&self, user_id: &str, at: DateTime<Utc>) -> StoreResult<()> {
        let user_id = user_id.to_owned();
        self.db
            .write(move |tx| {
                // Fixed-width RFC 3339 text compares as time: keep the later cut-off.
                tx.execute(
                    "INSERT INTO revocations (user_id, tokens_valid_from) VALUES (?1, ?2)
                     ON CONFLICT (user_id) DO UPDATE SET tokens_valid_from = ?2
                     WHERE tokens_valid_from IS NULL OR tokens_valid_from < ?2",
                    params![user_id, ts(at)],
                )
                .map_err(db_error)
            })
            .await?;
        Ok(())
    }

    async fn tombstone(&self, user_id: &str, at: DateTime<Utc>, events: &[DomainEvent]) -> StoreResult<()> {
        let user_id = user_id.to_owned();
        let events = events.to_vec();
        self.db
            .write(move |tx| {
                let marked = tx
                    .execute(
                        "INSERT INTO revocations (user_id, deleted_at) VALUES (?1, ?2)
                         ON CONFLICT (user_id) DO UPDATE SET deleted_at = ?2 WHERE deleted_at IS NULL",
                        params![user_id, ts(at)],
                    )
                    .map_err(db_error)?;
                if marked == 1 {
                    outbox::append(tx, &events)?;
                }
                Ok(())
            })
            .await
    }
}
