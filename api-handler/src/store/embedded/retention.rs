//! Retention in SQLite: expired rows deleted by the `sweep_expired` job.

use async_trait::async_trait;
use chrono::{DateTime, Duration, Utc};
use rusqlite::params;

use super::db::{Db, db_error, ts};
use super::progress::IDEMPOTENCY_WINDOW;
use super::queue::DEAD_LETTER_RETENTION;
use crate::store::ports::{Retention, StoreResult};

/// How long a sign-out's cut-off is kept: longer than any access token
/// lives, as the aws backend's TTL keeps it. A deleted account's tombstone
/// stays: it fences the writes of events redriven long after.
const SIGN_OUTS_KEPT_FOR: Duration = Duration::days(2);

/// How long an event is kept in the outbox once published: a week to look
/// back at what was sent (DynamoDB's outbox deletes it on publishing).
const PUBLISHED_EVENTS_KEPT_FOR: Duration = Duration::days(7);

/// The deletes, each of at most `?2` rows expired before `?1`, with what
/// each row is kept for before that (`None`: until its own `expires_at`).
const SWEEPS: [(&str, Option<Duration>); 6] = [
    (
        "DELETE FROM notifications WHERE rowid IN \
         (SELECT rowid FROM notifications WHERE expires_at < ?1 LIMIT ?2)",
        None,
    ),
    (
        "DELETE FROM idempotency_keys WHERE rowid IN \
         (SELECT rowid FROM idempotency_keys WHERE created_at < ?1 LIMIT ?2)",
        Some(IDEMPOTENCY_WINDOW),
    ),
    (
        "DELETE FROM revocations WHERE user_id IN \
         (SELECT user_id FROM revocations WHERE deleted_at IS NULL AND tokens_valid_from < ?1 LIMIT ?2)",
        Some(SIGN_OUTS_KEPT_FOR),
    ),
    (
        "DELETE FROM password_resets WHERE user_id IN \
         (SELECT user_id FROM password_resets WHERE expires_at < ?1 LIMIT ?2)",
        None,
    ),
    (
        "DELETE FROM outbox WHERE event_id IN \
         (SELECT event_id FROM outbox WHERE published_at < ?1 LIMIT ?2)",
        Some(PUBLISHED_EVENTS_KEPT_FOR),
    ),
    (
        "DELETE FROM queue WHERE seq IN (SELECT seq FROM queue WHERE dead_at < ?1 LIMIT ?2)",
        Some(DEAD_LETTER_RETENTION),
    ),
];

/// The sweep of the embedded backend's expired rows.
pub struct EmbeddedRetention {
    db: Db,
}

impl EmbeddedRetention {
    pub(crate) fn new(db: Db) -> Self {
        EmbeddedRetention { db }
    }
}

#[async_trait]
impl Retention for EmbeddedRetention {
    async fn sweep_expired(&self, now: DateTime<Utc>, limit: usize) -> StoreResult<usize> {
        let limit = i64::try_from(limit.max(1)).unwrap_or(i64::MAX);
        self.db
            .write(move |tx| {
                let mut swept = 0;
                for (sweep, kept) in SWEEPS {
                    let before = ts(kept.map_or(now, |kept| now - kept));
                    swept += tx.execute(sweep, params![before, limit]).map_err(db_error)?;
                }
                Ok(swept)
            })
            .await
    }
}
