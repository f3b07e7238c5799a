//! Attachment records in SQLite.

use async_trait::async_trait;
use rusqlite::{OptionalExtension, params};

use super::db::{CachedQuery, Db, db_error, ts};
use super::goals::{ATTACHMENT_COLUMNS, attachment_from_row, load_goal, query_all};
use crate::domain::attachment::Attachment;
use crate::store::ports::{Attachments, StoreError, StoreResult};

/// The `attachments` table.
pub struct EmbeddedAttachments {
    db: Db,
}

impl EmbeddedAttachments {
    pub(crate) fn new(db: Db) -> Self {
        EmbeddedAttachments { db }
    }
}

#[async_trait]
impl Attachments for EmbeddedAttachments {
    async fn create(&self, attachment: &Attachment) -> StoreResult<()> {
        let attachment = attachment.clone();
        self.db
            .write_as(&attachment.user_id.clone(), move |tx| {
                load_goal(tx, &attachment.user_id, &attachment.goal_id)?;
                tx.execute(
                    &format!("INSERT INTO attachments ({ATTACHMENT_COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)"),
                    params![
                        attachment.attachment_id,
                        attachment.goal_id,
                        attachment.user_id,
                        attachment.file_name,
                        attachment.content_type,
                        attachment.size,
                        ts(attachment.created_at),
                    ],
                )
                .map_err(db_error)?;
                Ok(())
            })
            .await
    }

    async fn list(&self, user_id: &str, goal_id: &str) -> StoreResult<Vec<Attachment>> {
        let (user_id, goal_id) = (user_id.to_owned(), goal_id.to_owned());
        self.db
            .read(move |tx| {
                load_goal(tx, &user_id, &goal_id)?;
                query_all(
                    tx,
                    &format!("SELECT {ATTACHMENT_COLUMNS} FROM attachments WHERE goal_id = ?1 ORDER BY attachment_id"),
                    [&goal_id],
                    attachment_from_row,
                )
            })
            .await
    }

    async fn delete(&self, user_id: &str, goal_id: &str, attachment_id: &str) -> StoreResult<Attachment> {
        let (user_id, goal_id, attachment_id) = (user_id.to_owned(), goal_id.to_owned(), attachment_id.to_owned());
        self.db
            .write_as(&user_id.clone(), move |tx| {
                let attachment = tx
                    .query_row_cached(
                        &format!(
                            "SELECT {ATTACHMENT_COLUMNS} FROM attachments
                             WHERE attachment_id = ?1 AND goal_id = ?2 AND user_id = ?3"
                        ),
                        [&attachment_id, &goal_id, &user_id],
                        attachment_from_row,
                    )
                    .optional()
                    .map_err(db_error)?
                    .ok_or(StoreError::NotFound("attachment"))?;
                tx.execute("DELETE FROM attachments WHERE attachment_id = ?1", [&attachment_id])
                    .map_err(db_error)?;
                Ok(attachment)
            })
            .await
    }
}
