//! Each user's current export in SQLite (`exports`).

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use rusqlite::{OptionalExtension, params};

use super::db::{CachedQuery, Db, db_error, ts};
use super::outbox;
use crate::domain::events::DomainEvent;
use crate::domain::export::Export;
use crate::store::ports::{Exports, StoreError, StoreResult};

/// The `exports` table.
pub struct EmbeddedExports {
    db: Db,
}

impl EmbeddedExports {
    pub(crate) fn new(db: Db) -> Self {
        EmbeddedExports { db }
    }
}

#[async_trait]
impl Exports for EmbeddedExports {
    async fn get(&self, user_id: &str) -> StoreResult<Option<Export>> {
        let user_id = user_id.to_owned();
        self.db
            .read(move |tx| {
                tx.query_row_cached(
                    "SELECT export_id, requested_at, ready_at FROM exports WHERE user_id = ?1",
                    [user_id],
                    |row| {
                        Ok(Export {
                            export_id: row.get(0)?,
                            requested_at: row.get(1)?,
                            ready_at: row.get(2)?,
                        })
                    },
                )
                .optional()
                .map_err(db_error)
            })
            .await
    }

    async fn start(
        &self,
        user_id: &str,
        export: &Export,
        replacing: Option<&str>,
        events: &[DomainEvent],
    ) -> StoreResult<bool> {
        let (owner, export, replacing, events) = (
            user_id.to_owned(),
            export.clone(),
            replacing.map(str::to_owned),
            events.to_vec(),
        );
        self.db
            .write_as(user_id, move |tx| {
                let current: Option<String> = tx
                    .query_row_cached("SELECT export_id FROM exports WHERE user_id = ?1", [&owner], |row| {
                        row.get(0)
                    })
                    .optional()
                    .map_err(db_error)?;
                if current != replacing {
                    return Ok(false);
                }
                tx.execute(
                    "INSERT INTO exports (user_id, export_id, requested_at, ready_at) VALUES (?1, ?2, ?3, NULL)
                     ON CONFLICT (user_id) DO UPDATE SET export_id = ?2, requested_at = ?3, ready_at = NULL",
                    params![owner, export.export_id, ts(export.requested_at)],
                )
                .map_err(db_error)?;
                outbox::append(tx, &events)?;
                Ok(true)
            })
            .await
    }

    async fn finish(&self, user_id: &str, export_id: &str, at: DateTime<Utc>) -> StoreResult<()> {
        let (owner, export_id) = (user_id.to_owned(), export_id.to_owned());
        let updated = self
            .db
            .write_as(user_id, move |tx| {
                tx.execute(
                    "UPDATE exports SET ready_at = ?3 WHERE user_id = ?1 AND export_id = ?2",
                    params![owner, export_id, ts(at)],
                )
                .map_err(db_error)
            })
            .await?;
        if updated == 0 {
            return Err(StoreError::NotFound("export"));
        }
        Ok(())
    }
}
