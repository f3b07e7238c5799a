//! The notifications inbox in SQLite.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use rusqlite::{OptionalExtension, Row, params};

use super::db::{CachedQuery, Db, db_error, ts};
use super::goals::{fetch_limit, page, query_all};
use crate::domain::notification::Notification;
use crate::store::codec::{enum_name, parse_enum};
use crate::store::ports::{Inbox, Page, PageRequest, StoreError, StoreResult};

/// The SQLite inbox.
pub struct EmbeddedInbox {
    db: Db,
}

impl EmbeddedInbox {
    pub(crate) fn new(db: Db) -> Self {
        EmbeddedInbox { db }
    }
}

const COLUMNS: &str = "notification_id, type, title, body, goal_id, created_at, read_at";

fn notification_from_row(row: &Row<'_>) -> rusqlite::Result<Notification> {
    let kind: String = row.get(1)?;
    Ok(Notification {
        notification_id: row.get(0)?,
        kind: parse_enum(kind)
            .map_err(|err| rusqlite::Error::FromSqlConversionFailure(1, rusqlite::types::Type::Text, Box::new(err)))?,
        title: row.get(2)?,
        body: row.get(3)?,
        goal_id: row.get(4)?,
        created_at: row.get(5)?,
        read_at: row.get(6)?,
    })
}

#[async_trait]
impl Inbox for EmbeddedInbox {
    async fn add(&self, user_id: &str, notification: &Notification, expires_at: DateTime<Utc>) -> StoreResult<bool> {
        let (user_id, n) = (user_id.to_owned(), notification.clone());
        self.db
            .write_as(&user_id.clone(), move |tx| {
                let added = tx
                    .execute(
                        &format!(
                            "INSERT OR IGNORE INTO notifications (user_id, {COLUMNS}, expires_at) \
                             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)"
                        ),
                        params![
                            user_id,
                            n.notification_id,
                            enum_name(&n.kind),
                            n.title,
                            n.body,
                            n.goal_id,
                            ts(n.created_at),
                            n.read_at.map(ts),
                            ts(expires_at)
                        ],
                    )
                    .map_err(db_error)?;
                Ok(added == 1)
            })
            .await
    }

    async fn list(&self, user_id: &str, unread_only: bool, request: PageRequest) -> StoreResult<Page<Notification>> {
        let user_id = user_id.to_owned();
        self.db
            .read(move |tx| {
                query_all(
                    tx,
                    &format!(
                        "SELECT {COLUMNS} FROM notifications WHERE user_id = ?1 AND (?2 = 0 OR read_at IS NULL)
                         AND (?3 IS NULL OR notification_id < ?3) AND expires_at > ?5
                         ORDER BY notification_id DESC LIMIT ?4"
                    ),
                    params![
                        user_id,
                        unread_only,
                        request.after.as_ref().map(|after| after.0.as_str()),
                        fetch_limit(&request),
                        ts(Utc::now())
                    ],
                    notification_from_row,
                )
                .map(|rows| page(rows, request.limit, |n| n.notification_id.clone()))
            })
            .await
    }

    async fn mark_read(&self, user_id: &str, notification_id: &str, at: DateTime<Utc>) -> StoreResult<()> {
        let (user_id, notification_id) = (user_id.to_owned(), notification_id.to_owned());
        self.db
            .write_as(&user_id.clone(), move |tx| {
                let found = tx
                    .query_row_cached(
                        "UPDATE notifications SET read_at = COALESCE(read_at, ?3)
                         WHERE user_id = ?1 AND notification_id = ?2 RETURNING notification_id",
                        params![user_id, notification_id, ts(at)],
                        |row| row.get::<_, String>(0),
                    )
                    .optional()
                    .map_err(db_error)?;
                found.map(|_| ()).ok_or(StoreError::NotFound("notification"))
            })
            .await
    }
}
