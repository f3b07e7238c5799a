//! Progress entries in SQLite: the entry, the goal total, the day aggregate,
//! the period's "target reached" mark, the idempotency record and the events,
//! in one transaction.

use async_trait::async_trait;
use chrono::{DateTime, Duration, Utc};
use rusqlite::{OptionalExtension, Transaction, params};

use super::db::{CachedQuery, Db, db_error, ts};
use super::goals::{entry_from_row, fetch_limit, load_goal, page, query_all};
use super::outbox;
use crate::domain::progress::{self, PeriodOf, PeriodProgress, ProgressEntry, ProgressWrite};
use crate::domain::{new_id, stats};
use crate::store::ports::{
    Idempotency, Page, PageRequest, Progress, ProgressDraft, Recorded, StoreError, StoreResult, TimeRange,
};

/// How long an idempotency key replays its first response.
pub(super) const IDEMPOTENCY_WINDOW: Duration = Duration::hours(24);

/// The SQLite progress store.
pub struct EmbeddedProgress {
    db: Db,
}

impl EmbeddedProgress {
    pub(crate) fn new(db: Db) -> Self {
        EmbeddedProgress { db }
    }
}

/// Where the goal's period containing the entry stands.
fn period_progress(tx: &Transaction<'_>, goal_id: &str, period: &PeriodOf) -> StoreResult<PeriodProgress> {
    let total = match period.days {
        Some((start, end)) => tx
            .query_row_cached(
                "SELECT COALESCE(SUM(value), 0) FROM daily_aggregates WHERE goal_id = ?1 AND day >= ?2 AND day < ?3",
                params![goal_id, start, end],
                |row| row.get(0),
            )
            .map_err(db_error)?,
        // A whole-life period's total is the goal's.
        None => 0.0,
    };
    let target_reached = tx
        .query_row_cached(
            "SELECT 1 FROM targets_reached WHERE goal_id = ?1 AND period_start = ?2",
            params![goal_id, period.key],
            |_| Ok(()),
        )
        .optional()
        .map_err(db_error)?
        .is_some();
    Ok(PeriodProgress { total, target_reached })
}

/// Persists what [`progress::plan`] decided.
fn persist(tx: &Transaction<'_>, write: &ProgressWrite, expected_version: u64) -> StoreResult<()> {
    let (entry, goal) = (&write.entry, &write.goal);
    tx.execute(
        "INSERT INTO progress (entry_id, goal_id, user_id, value, note, at, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        params![entry.entry_id, entry.goal_id, goal.user_id, entry.value, entry.note, ts(entry.at), ts(entry.created_at)],
    )
    .map_err(db_error)?;
    let changed = tx
        .execute(
            "UPDATE goals SET progress_total = ?1, entries = entries + 1, updated_at = ?2, version = ?3
             WHERE goal_id = ?4 AND version = ?5",
            params![
                goal.progress_total,
                ts(goal.updated_at),
                goal.version,
                goal.goal_id,
                expected_version
            ],
        )
        .map_err(db_error)?;
    if changed == 0 {
        return Err(StoreError::Internal(
            "the goal changed inside its own write transaction".to_owned(),
        ));
    }
    tx.execute(
        "INSERT INTO daily_aggregates (goal_id, user_id, day, value, entries) VALUES (?1, ?2, ?3, ?4, 1)
         ON CONFLICT (goal_id, day) DO UPDATE SET value = value + excluded.value, entries = entries + 1",
        params![goal.goal_id, goal.user_id, write.day, entry.value],
    )
    .map_err(db_error)?;
    if write.reaches_target {
        tx.execute(
            "INSERT INTO targets_reached (goal_id, period_start) VALUES (?1, ?2) ON CONFLICT DO NOTHING",
            params![goal.goal_id, write.period_key],
        )
        .map_err(db_error)?;
    }
    outbox::append(tx, &write.events)
}

/// The first response of an idempotency key, if it is still within its window.
fn replay(
    tx: &Transaction<'_>,
    user_id: &str,
    goal_id: &str,
    key: &Idempotency,
    now: DateTime<Utc>,
) -> StoreResult<Option<ProgressEntry>> {
    let seen: Option<(String, String, DateTime<Utc>)> = tx
        .query_row_cached(
            "SELECT request_hash, entry_id, created_at FROM idempotency_keys WHERE user_id = ?1 AND key = ?2",
            [user_id, &key.key],
            |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)),
        )
        .optional()
        .map_err(db_error)?;
    match seen {
        None => Ok(None),
        Some((_, _, created)) if created + IDEMPOTENCY_WINDOW < now => {
            tx.execute(
                "DELETE FROM idempotency_keys WHERE user_id = ?1 AND key = ?2",
                [user_id, &key.key],
            )
            .map_err(db_error)?;
            Ok(None)
        }
        Some((fingerprint, _, _)) if fingerprint != key.fingerprint => Err(StoreError::Conflict(
            "this Idempotency-Key was used with a different request: use a new key".to_owned(),
        )),
        Some((_, entry_id, _)) => tx
            .query_row_cached(
                "SELECT entry_id, goal_id, value, note, at, created_at FROM progress
                 WHERE entry_id = ?1 AND user_id = ?2 AND goal_id = ?3",
                [&entry_id, user_id, goal_id],
                entry_from_row,
            )
            .optional()
            .map_err(db_error)?
            .map(Some)
            .ok_or(StoreError::NotFound("goal")),
    }
}

#[async_trait]
impl Progress for EmbeddedProgress {
    async fn record(
        &self,
        user_id: &str,
        goal_id: &str,
        draft: ProgressDraft,
        idempotency: Option<Idempotency>,
    ) -> StoreResult<Recorded> {
        let (user_id, goal_id) = (user_id.to_owned(), goal_id.to_owned());
        self.db
            .write_as(&user_id.clone(), move |tx| {
                let now = stats::millis(Utc::now());
                if let Some(key) = &idempotency
                    && let Some(entry) = replay(tx, &user_id, &goal_id, key, now)?
                {
                    return Ok(Recorded {
                        entry,
                        events: Vec::new(),
                    });
                }
                let goal = load_goal(tx, &user_id, &goal_id)?;
                let period = progress::period_of(goal.period, draft.day);
                let state = period_progress(tx, &goal.goal_id, &period)?;
                let entry = ProgressEntry {
                    entry_id: new_id(),
                    goal_id: goal.goal_id.clone(),
                    value: draft.value,
                    note: draft.note,
                    at: draft.at,
                    created_at: now,
                };
                let write = progress::plan(&goal, &period, state, entry, draft.day).map_err(|_| {
                    StoreError::Refused {
                        field: progress::TotalOutOfRange::FIELD,
                        message: progress::TotalOutOfRange::MESSAGE,
                    }
                })?;
                persist(tx, &write, goal.version)?;
                if let Some(key) = &idempotency {
                    tx.execute(
                        "INSERT INTO idempotency_keys (user_id, key, request_hash, entry_id, created_at) VALUES (?1, ?2, ?3, ?4, ?5)",
                        params![user_id, key.key, key.fingerprint, write.entry.entry_id, ts(now)],
                    )
                    .map_err(db_error)?;
                }
                Ok(Recorded {
                    entry: write.entry,
                    events: write.events,
                })
            })
            .await
    }

    async fn list(
        &self,
        user_id: &str,
        goal_id: &str,
        range: TimeRange,
        page_request: PageRequest,
    ) -> StoreResult<Page<ProgressEntry>> {
        let (user_id, goal_id) = (user_id.to_owned(), goal_id.to_owned());
        self.db
            .read(move |tx| {
                load_goal(tx, &user_id, &goal_id)?;
                // The continuation is the last entry's `at|entry_id`.
                let after = page_request
                    .after
                    .as_ref()
                    .map(|after| {
                        after
                            .0
                            .split_once('|')
                            .map(|(at, id)| (at.to_owned(), id.to_owned()))
                            .ok_or_else(|| StoreError::Internal("a progress continuation lacks its time".to_owned()))
                    })
                    .transpose()?;
                let (after_at, after_id) = after.unzip();
                let rows = query_all(
                    tx,
                    "SELECT entry_id, goal_id, value, note, at, created_at FROM progress
                     WHERE goal_id = ?1 AND (?2 IS NULL OR at >= ?2) AND (?3 IS NULL OR at < ?3)
                     AND (?4 IS NULL OR (at, entry_id) < (?4, ?5)) ORDER BY at DESC, entry_id DESC LIMIT ?6",
                    params![
                        goal_id,
                        range.from.map(ts),
                        range.to.map(ts),
                        after_at,
                        after_id,
                        fetch_limit(&page_request)
                    ],
                    entry_from_row,
                )?;
                Ok(page(rows, page_request.limit, |entry| {
                    format!("{}|{}", ts(entry.at), entry.entry_id)
                }))
            })
            .await
    }
}
