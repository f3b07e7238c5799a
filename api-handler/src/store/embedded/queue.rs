//! The local queue in SQLite: the embedded publisher writes to it and the
//! local server's consumer loop reads it back, with SQS's FIFO behaviour:
//! in order within a message group, a message back after its visibility
//! timeout when not acknowledged, dead-lettered after five receives.

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use route_framework::event::Message;
use rusqlite::params;
use tokio::sync::Notify;

use super::db::{Db, db_error, ts};
use crate::domain::events::DomainEvent;
use crate::store::ports::{
    DeadLetter, DeadLetters, DeliveryFailures, LastFailure, Publisher, Received, StoreError, StoreResult, Subscription,
};

/// How long a received message stays invisible to the next receive.
pub const VISIBILITY_TIMEOUT: Duration = Duration::from_secs(10);
/// Receives after which an unacknowledged message is set aside, as the
/// notifications queue's redrive policy does.
pub const MAX_RECEIVES: i64 = 5;

/// How long a dead letter is kept, as the dead-letter queue keeps a
/// message (14 days).
pub const DEAD_LETTER_RETENTION: chrono::Duration = chrono::Duration::days(14);

/// The SQLite queue: publisher and subscription at once.
#[derive(Clone)]
pub struct EmbeddedQueue {
    db: Db,
    published: Arc<Notify>,
    visibility: Duration,
}

impl EmbeddedQueue {
    pub(crate) fn new(db: Db) -> Self {
        EmbeddedQueue {
            db,
            published: Arc::new(Notify::new()),
            visibility: VISIBILITY_TIMEOUT,
        }
    }

    /// One receive attempt: what is visible now, in group order, leased.
    async fn take(&self, max: usize) -> StoreResult<Vec<Received>> {
        let limit = i64::try_from(max).unwrap_or(i64::MAX);
        let visibility = chrono::Duration::from_std(self.visibility).unwrap_or_else(|_| chrono::Duration::seconds(10));
        self.db
            .write(move |tx| {
                let now = Utc::now();
                let visible_again = now + visibility;
                // The first live message of each group whose earlier ones
                // are not in flight, then the ones after it.
                let mut statement = tx
                    .prepare_cached(
                        "SELECT q.seq, q.type, q.event_id, q.group_id, q.body, q.sent_at, q.receive_count FROM queue q
                         WHERE q.dead_at IS NULL AND q.visible_at <= ?1
                           AND NOT EXISTS (SELECT 1 FROM queue e WHERE e.group_id = q.group_id AND e.seq < q.seq
                                           AND e.dead_at IS NULL AND e.visible_at > ?1)
                         ORDER BY q.seq LIMIT ?2",
                    )
                    .map_err(db_error)?;
                let rows = statement
                    .query_map(params![ts(now), limit], |row| {
                        Ok((
                            row.get::<_, i64>(0)?,
                            Message {
                                id: row.get::<_, i64>(0)?.to_string(),
                                event_type: Some(row.get(1)?),
                                event_id: Some(row.get(2)?),
                                group: Some(row.get(3)?),
                                body: row.get(4)?,
                                sent_at: Some(row.get::<_, DateTime<Utc>>(5)?),
                            },
                            row.get::<_, i64>(6)?,
                        ))
                    })
                    .map_err(db_error)?
                    .collect::<Result<Vec<_>, _>>()
                    .map_err(db_error)?;
                let mut received = Vec::with_capacity(rows.len());
                for (seq, message, receives) in rows {
                    if receives >= MAX_RECEIVES {
                        tracing::error!(
                            event_id = message.event_id.as_deref().unwrap_or_default(),
                            event_type = message.event_type.as_deref().unwrap_or_default(),
                            receives,
                            "a message was never consumed: dead-lettered (it stays in the queue table with dead_at set)"
                        );
                        tx.execute("UPDATE queue SET dead_at = ?2 WHERE seq = ?1", params![seq, ts(now)])
                            .map_err(db_error)?;
                        continue;
                    }
                    tx.execute(
                        "UPDATE queue SET receive_count = receive_count + 1, visible_at = ?2 WHERE seq = ?1",
                        params![seq, ts(visible_again)],
                    )
                    .map_err(db_error)?;
                    received.push(Received {
                        receipt: seq.to_string(),
                        message,
                    });
                }
                Ok(received)
            })
            .await
    }
}

#[async_trait]
impl Publisher for EmbeddedQueue {
    async fn publish(&self, events: &[DomainEvent]) -> StoreResult<()> {
        let mut rows = Vec::with_capacity(events.len());
        for event in events {
            let body = serde_json::to_string(event)
                .map_err(|err| StoreError::Internal(format!("cannot serialise an event: {err}")))?;
            rows.push((event.event_id.clone(), event.kind.as_str(), event.user_id.clone(), body));
        }
        self.db
            .write(move |tx| {
                let now = ts(Utc::now());
                for (event_id, kind, group, body) in &rows {
                    // A second publish of an event is dropped, as SQS's
                    // deduplication id does.
                    tx.execute(
                        "INSERT OR IGNORE INTO queue (event_id, type, group_id, body, sent_at, visible_at)
                         VALUES (?1, ?2, ?3, ?4, ?5, ?5)",
                        params![event_id, kind, group, body, now],
                    )
                    .map_err(db_error)?;
                }
                Ok(())
            })
            .await?;
        self.published.notify_one();
        Ok(())
    }
}

#[async_trait]
impl Subscription for EmbeddedQueue {
    async fn receive(&self, max: usize, wait: Duration) -> StoreResult<Vec<Received>> {
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            let received = self.take(max).await?;
            if !received.is_empty() {
                return Ok(received);
            }
            // Woken by a publish, or at the latest when a leased message
            // may be visible again.
            let next_look = deadline.min(tokio::time::Instant::now() + Duration::from_secs(1));
            if tokio::time::timeout_at(next_look, self.published.notified())
                .await
                .is_err()
                && tokio::time::Instant::now() >= deadline
            {
                return Ok(Vec::new());
            }
        }
    }

    async fn acknowledge(&self, receipts: &[String]) -> StoreResult<()> {
        let seqs: Vec<i64> = receipts.iter().filter_map(|receipt| receipt.parse().ok()).collect();
        self.db
            .write(move |tx| {
                for seq in &seqs {
                    tx.execute("DELETE FROM queue WHERE seq = ?1", [seq])
                        .map_err(db_error)?;
                }
                Ok(())
            })
            .await
    }
}

#[async_trait]
impl DeliveryFailures for EmbeddedQueue {
    async fn record(&self, event_id: &str, failure: &LastFailure) -> StoreResult<()> {
        let (event_id, failure) = (event_id.to_owned(), failure.clone());
        self.db
            .write(move |tx| {
                tx.execute(
                    "UPDATE queue SET last_consumer = ?2, last_failure = ?3, failed_at = ?4 WHERE event_id = ?1",
                    params![event_id, failure.consumer, failure.reason, ts(failure.at)],
                )
                .map_err(db_error)?;
                Ok(())
            })
            .await
    }
}

#[async_trait]
impl DeadLetters for EmbeddedQueue {
    async fn list(&self) -> StoreResult<Vec<DeadLetter>> {
        self.db
            .read(|tx| {
                let mut statement = tx
                    .prepare(
                        "SELECT seq, type, event_id, group_id, receive_count, sent_at, last_consumer, last_failure,
                                failed_at, body
                         FROM queue WHERE dead_at IS NOT NULL ORDER BY seq",
                    )
                    .map_err(db_error)?;
                let letters = statement
                    .query_map([], |row| {
                        let failure = match (row.get(6)?, row.get(7)?, row.get(8)?) {
                            (Some(consumer), Some(reason), Some(at)) => Some(LastFailure { consumer, reason, at }),
                            _ => None,
                        };
                        Ok(DeadLetter {
                            id: row.get::<_, i64>(0)?.to_string(),
                            event_type: Some(row.get(1)?),
                            event_id: Some(row.get(2)?),
                            user_id: Some(row.get(3)?),
                            receive_count: row.get(4)?,
                            sent_at: Some(row.get(5)?),
                            last_failure: failure,
                            body: row.get(9)?,
                        })
                    })
                    .map_err(db_error)?
                    .collect::<Result<Vec<_>, _>>()
                    .map_err(db_error)?;
                Ok(letters)
            })
            .await
    }

    async fn redrive(&self, id: &str, _now: DateTime<Utc>) -> StoreResult<()> {
        let seq: i64 = id.parse().map_err(|_| StoreError::NotFound("dead letter"))?;
        // The same row, its event id kept: back in its place in its group,
        // visible at once. (No deduplication window to wait out: a row is
        // never published twice.)
        let moved = self
            .db
            .write(move |tx| {
                tx.execute(
                    "UPDATE queue SET dead_at = NULL, receive_count = 0, visible_at = ?2
                     WHERE seq = ?1 AND dead_at IS NOT NULL",
                    params![seq, ts(Utc::now())],
                )
                .map_err(db_error)
            })
            .await?;
        if moved == 0 {
            return Err(StoreError::NotFound("dead letter"));
        }
        self.published.notify_one();
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use chrono::Utc;

    use super::*;
    use crate::domain::events::EventType;
    use crate::store::embedded::db::CachedQuery;

    fn queue(visibility: Duration) -> (tempfile::TempDir, EmbeddedQueue) {
        let dir = tempfile::tempdir().unwrap();
        let db = Db::open(&dir.path().join("app.db")).unwrap();
        let mut queue = EmbeddedQueue::new(db);
        queue.visibility = visibility;
        (dir, queue)
    }

    fn event(user: &str) -> DomainEvent {
        DomainEvent::new(EventType::GoalCreated, user, None, Utc::now(), serde_json::json!({}))
    }

    #[tokio::test]
    async fn a_message_never_acknowledged_is_dead_lettered_after_five_receives() {
        let (_dir, queue) = queue(Duration::ZERO);
        queue.publish(&[event("u")]).await.unwrap();
        for attempt in 1..=MAX_RECEIVES {
            let received = queue.receive(10, Duration::ZERO).await.unwrap();
            assert_eq!(received.len(), 1, "receive {attempt}");
        }
        assert!(queue.receive(10, Duration::ZERO).await.unwrap().is_empty());
        let dead: i64 = queue
            .db
            .read(|tx| {
                tx.query_row_cached("SELECT COUNT(*) FROM queue WHERE dead_at IS NOT NULL", [], |row| {
                    row.get(0)
                })
                .map_err(db_error)
            })
            .await
            .unwrap();
        assert_eq!(dead, 1, "kept for inspection, not dropped");
    }

    #[tokio::test]
    async fn a_group_waits_while_its_earlier_message_is_in_flight() {
        let (_dir, queue) = queue(Duration::from_secs(60));
        let (first, second, other) = (event("a"), event("a"), event("b"));
        queue.publish(&[first.clone(), second, other.clone()]).await.unwrap();
        let taken = queue.receive(1, Duration::ZERO).await.unwrap();
        assert_eq!(taken[0].message.event_id.as_deref(), Some(first.event_id.as_str()));
        let next = queue.receive(10, Duration::ZERO).await.unwrap();
        let ids: Vec<&str> = next.iter().filter_map(|r| r.message.event_id.as_deref()).collect();
        assert_eq!(ids, [other.event_id.as_str()], "a's second message waits for its first");
        queue.acknowledge(&[taken[0].receipt.clone()]).await.unwrap();
        let after = queue.receive(10, Duration::ZERO).await.unwrap();
        assert_eq!(after.len(), 1, "then it is handed out");
    }

    #[tokio::test]
    async fn a_receive_waits_for_a_publish() {
        let (_dir, queue) = queue(VISIBILITY_TIMEOUT);
        let publisher = queue.clone();
        let publish = tokio::spawn(async move {
            tokio::time::sleep(Duration::from_millis(50)).await;
            publisher.publish(&[event("w")]).await.unwrap();
        });
        let received = queue.receive(10, Duration::from_secs(30)).await.unwrap();
        assert_eq!(received.len(), 1);
        publish.await.unwrap();
    }
}
