//! The durable outbox: events written in the transaction that caused them,
//! read back by the relay.

use async_trait::async_trait;
use chrono::Utc;
use rusqlite::params;

use super::db::{Db, db_error, ts};
use crate::domain::events::DomainEvent;
use crate::store::ports::{Outbox, StoreError, StoreResult};

/// Appends `events` to the outbox inside `tx`.
pub(crate) fn append(tx: &rusqlite::Transaction<'_>, events: &[DomainEvent]) -> StoreResult<()> {
    for event in events {
        let payload = serde_json::to_string(event)
            .map_err(|err| StoreError::Internal(format!("cannot serialise an event: {err}")))?;
        tx.execute(
            "INSERT INTO outbox (event_id, type, user_id, goal_id, occurred_at, payload) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![
                event.event_id,
                event.kind.as_str(),
                event.user_id,
                event.goal_id,
                ts(event.occurred_at),
                payload
            ],
        )
        .map_err(db_error)?;
    }
    Ok(())
}

/// The outbox table.
pub struct EmbeddedOutbox {
    db: Db,
}

impl EmbeddedOutbox {
    pub(crate) fn new(db: Db) -> Self {
        EmbeddedOutbox { db }
    }
}

#[async_trait]
impl Outbox for EmbeddedOutbox {
    async fn pending(&self, limit: usize) -> StoreResult<Vec<DomainEvent>> {
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let payloads = self
            .db
            .read(move |tx| {
                let mut statement = tx
                    .prepare_cached("SELECT payload FROM outbox WHERE published_at IS NULL ORDER BY event_id LIMIT ?1")
                    .map_err(db_error)?;
                let rows = statement
                    .query_map([limit], |row| row.get::<_, String>(0))
                    .map_err(db_error)?;
                rows.collect::<Result<Vec<_>, _>>().map_err(db_error)
            })
            .await?;
        // A row that does not parse is logged and left in place, so it cannot
        // hold back the events after it.
        Ok(payloads
            .iter()
            .filter_map(|payload| match serde_json::from_str(payload) {
                Ok(event) => Some(event),
                Err(err) => {
                    tracing::error!(error = %err, "an outbox event does not parse; it stays undelivered");
                    None
                }
            })
            .collect())
    }

    async fn mark_delivered(&self, events: &[DomainEvent]) -> StoreResult<()> {
        let event_ids: Vec<String> = events.iter().map(|event| event.event_id.clone()).collect();
        self.db
            .write(move |tx| {
                let now = ts(Utc::now());
                for event_id in &event_ids {
                    tx.execute(
                        "UPDATE outbox SET published_at = ?1 WHERE event_id = ?2 AND published_at IS NULL",
                        params![now, event_id],
                    )
                    .map_err(db_error)?;
                }
                Ok(())
            })
            .await
    }
}
