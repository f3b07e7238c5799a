//! The durable outbox: events written in the transaction that caused them.

use rusqlite::params;

use super::db::{db_error, ts};
use crate::domain::events::DomainEvent;
use route_framework::error::ApiError;

/// Appends `event` to the outbox inside `tx`.
pub(crate) fn append(tx: &rusqlite::Transaction<'_>, event: &DomainEvent) -> Result<(), ApiError> {
    let payload = serde_json::to_string(event).map_err(|err| {
        tracing::error!(error = %err, "cannot serialise an event");
        ApiError::internal()
    })?;
    tx.execute(
        "INSERT INTO outbox (event_id, type, user_id, goal_id, occurred_at, payload) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![
            event.id,
            event.kind.as_str(),
            event.user_id,
            event.goal_id,
            ts(event.occurred_at),
            payload
        ],
    )
    .map_err(db_error)?;
    Ok(())
}
