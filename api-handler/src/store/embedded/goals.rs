//! Goals in SQLite, and the row mappings the other goal tables share.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use rusqlite::types::Type;
use rusqlite::{OptionalExtension, Row, ToSql, Transaction, params, params_from_iter};
use serde::de::DeserializeOwned;

use super::db::{CachedQuery, Db, db_error, ts};
use super::outbox;
use crate::domain::attachment::Attachment;
use crate::domain::events::DomainEvent;
use crate::domain::goal::{Goal, GoalStatus, Target};
use crate::domain::progress::ProgressEntry;
use crate::store::codec::{enum_name, parse_enum};
use crate::store::ports::{Continuation, DeletedGoal, Goals, Page, PageRequest, StoreError, StoreResult};

/// The SQLite goal store.
pub struct EmbeddedGoals {
    db: Db,
}

impl EmbeddedGoals {
    pub(crate) fn new(db: Db) -> Self {
        EmbeddedGoals { db }
    }
}

pub(super) const GOAL_COLUMNS: &str = "goal_id, user_id, title, description, category, target_value, target_unit, period, \
                            due_date, status, progress_total, created_at, updated_at, version";

/// `?1, …, ?14`: one placeholder per column of [`GOAL_COLUMNS`].
const GOAL_PLACEHOLDERS: &str = "?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14";

/// A goal's values in [`GOAL_COLUMNS`] order.
fn goal_values(goal: &Goal) -> [Box<dyn ToSql + '_>; 14] {
    [
        Box::new(&goal.goal_id),
        Box::new(&goal.user_id),
        Box::new(&goal.title),
        Box::new(&goal.description),
        Box::new(enum_name(&goal.category)),
        Box::new(goal.target.value),
        Box::new(&goal.target.unit),
        Box::new(enum_name(&goal.period)),
        Box::new(goal.due_date),
        Box::new(goal.status.as_str()),
        Box::new(goal.progress_total),
        Box::new(ts(goal.created_at)),
        Box::new(ts(goal.updated_at)),
        Box::new(goal.version),
    ]
}

/// Reads a lower-case enum stored as text.
fn enum_column<T: DeserializeOwned>(row: &Row<'_>, index: usize) -> rusqlite::Result<T> {
    parse_enum(row.get(index)?)
        .map_err(|err| rusqlite::Error::FromSqlConversionFailure(index, Type::Text, Box::new(err)))
}

pub(super) const ATTACHMENT_COLUMNS: &str =
    "attachment_id, goal_id, user_id, file_name, content_type, size, created_at";

/// Runs a (cached) query and collects every row.
pub(super) fn query_all<T>(
    tx: &Transaction<'_>,
    sql: &str,
    params: impl rusqlite::Params,
    map: impl FnMut(&Row<'_>) -> rusqlite::Result<T>,
) -> StoreResult<Vec<T>> {
    let mut statement = tx.prepare_cached(sql).map_err(db_error)?;
    let rows = statement.query_map(params, map).map_err(db_error)?;
    rows.collect::<Result<Vec<_>, _>>().map_err(db_error)
}

pub(super) fn goal_from_row(row: &Row<'_>) -> rusqlite::Result<Goal> {
    Ok(Goal {
        goal_id: row.get(0)?,
        user_id: row.get(1)?,
        title: row.get(2)?,
        description: row.get(3)?,
        category: enum_column(row, 4)?,
        target: Target {
            value: row.get(5)?,
            unit: row.get(6)?,
        },
        period: enum_column(row, 7)?,
        due_date: row.get(8)?,
        status: enum_column(row, 9)?,
        progress_total: row.get(10)?,
        created_at: row.get(11)?,
        updated_at: row.get(12)?,
        version: row.get(13)?,
    })
}

/// The user's goal, or 404 (also when it is someone else's).
pub(super) fn load_goal(tx: &Transaction<'_>, user_id: &str, goal_id: &str) -> StoreResult<Goal> {
    tx.query_row_cached(
        &format!("SELECT {GOAL_COLUMNS} FROM goals WHERE goal_id = ?1 AND user_id = ?2"),
        [goal_id, user_id],
        goal_from_row,
    )
    .optional()
    .map_err(db_error)?
    .ok_or(StoreError::NotFound("goal"))
}

pub(super) fn entry_from_row(row: &Row<'_>) -> rusqlite::Result<ProgressEntry> {
    Ok(ProgressEntry {
        entry_id: row.get(0)?,
        goal_id: row.get(1)?,
        value: row.get(2)?,
        note: row.get(3)?,
        at: row.get(4)?,
        created_at: row.get(5)?,
    })
}

pub(super) fn attachment_from_row(row: &Row<'_>) -> rusqlite::Result<Attachment> {
    Ok(Attachment {
        attachment_id: row.get(0)?,
        goal_id: row.get(1)?,
        user_id: row.get(2)?,
        file_name: row.get(3)?,
        content_type: row.get(4)?,
        size: row.get(5)?,
        created_at: row.get(6)?,
    })
}

/// Turns `limit + 1` rows into a page whose continuation is the last item's key.
pub(super) fn page<T>(mut rows: Vec<T>, limit: usize, key: impl Fn(&T) -> String) -> Page<T> {
    let next = if rows.len() > limit {
        rows.truncate(limit);
        rows.last().map(|last| Continuation(key(last)))
    } else {
        None
    };
    Page { items: rows, next }
}

/// The row count to fetch for a page: one more than asked, to learn whether more follow.
pub(super) fn fetch_limit(page: &PageRequest) -> i64 {
    i64::try_from(page.limit.saturating_add(1)).unwrap_or(i64::MAX)
}

#[async_trait]
impl Goals for EmbeddedGoals {
    async fn create(&self, goal: &Goal, events: &[DomainEvent]) -> StoreResult<()> {
        let (goal, events) = (goal.clone(), events.to_vec());
        self.db
            .write_as(&goal.user_id.clone(), move |tx| {
                tx.execute(
                    &format!("INSERT INTO goals ({GOAL_COLUMNS}) VALUES ({GOAL_PLACEHOLDERS})"),
                    params_from_iter(goal_values(&goal)),
                )
                .map_err(db_error)?;
                outbox::append(tx, &events)
            })
            .await
    }

    async fn get(&self, user_id: &str, goal_id: &str) -> StoreResult<Goal> {
        let (user_id, goal_id) = (user_id.to_owned(), goal_id.to_owned());
        self.db.read(move |tx| load_goal(tx, &user_id, &goal_id)).await
    }

    async fn list(&self, user_id: &str, status: Option<GoalStatus>, request: PageRequest) -> StoreResult<Page<Goal>> {
        let user_id = user_id.to_owned();
        let rows = self
            .db
            .read(move |tx| {
                query_all(
                    tx,
                    &format!(
                        "SELECT {GOAL_COLUMNS} FROM goals WHERE user_id = ?1 AND (?2 IS NULL OR status = ?2)
                         AND (?3 IS NULL OR goal_id < ?3) ORDER BY goal_id DESC LIMIT ?4"
                    ),
                    params![
                        user_id,
                        status.map(GoalStatus::as_str),
                        request.after.as_ref().map(|after| after.0.as_str()),
                        fetch_limit(&request)
                    ],
                    goal_from_row,
                )
                .map(|rows| page(rows, request.limit, |goal| goal.goal_id.clone()))
            })
            .await?;
        Ok(rows)
    }

    async fn active_daily(&self, request: PageRequest) -> StoreResult<Page<Goal>> {
        self.db
            .read(move |tx| {
                let after = request.after.as_ref().map(|after| after.0.clone()).unwrap_or_default();
                let (after_user, after_goal) = after.split_once(' ').unwrap_or(("", ""));
                query_all(
                    tx,
                    &format!(
                        "SELECT {GOAL_COLUMNS} FROM goals WHERE status = 'active' AND period = 'daily'
                         AND (user_id, goal_id) > (?1, ?2) ORDER BY user_id, goal_id LIMIT ?3"
                    ),
                    params![after_user, after_goal, fetch_limit(&request)],
                    goal_from_row,
                )
                .map(|rows| page(rows, request.limit, |goal| format!("{} {}", goal.user_id, goal.goal_id)))
            })
            .await
    }

    async fn replace(&self, goal: &Goal, expected_version: u64, events: &[DomainEvent]) -> StoreResult<()> {
        let (goal, events) = (goal.clone(), events.to_vec());
        self.db
            .write_as(&goal.user_id.clone(), move |tx| {
                let mut values = Vec::from(goal_values(&goal));
                values.push(Box::new(expected_version));
                let changed = tx
                    .execute(
                        &format!(
                            "UPDATE goals SET ({GOAL_COLUMNS}) = ({GOAL_PLACEHOLDERS})
                             WHERE goal_id = ?1 AND user_id = ?2 AND version = ?15"
                        ),
                        params_from_iter(values),
                    )
                    .map_err(db_error)?;
                if changed == 0 {
                    // Gone, someone else's, or at another version.
                    load_goal(tx, &goal.user_id, &goal.goal_id)?;
                    return Err(StoreError::PreconditionFailed);
                }
                outbox::append(tx, &events)
            })
            .await
    }

    async fn delete(&self, user_id: &str, goal_id: &str) -> StoreResult<Vec<Attachment>> {
        let (user_id, goal_id) = (user_id.to_owned(), goal_id.to_owned());
        self.db
            .write_as(&user_id.clone(), move |tx| {
                let attachments = query_all(
                    tx,
                    &format!("SELECT {ATTACHMENT_COLUMNS} FROM attachments WHERE goal_id = ?1 AND user_id = ?2"),
                    [&goal_id, &user_id],
                    attachment_from_row,
                )?;
                // Progress, aggregates, marks and attachment records cascade.
                let deleted = tx
                    .execute(
                        "DELETE FROM goals WHERE goal_id = ?1 AND user_id = ?2",
                        [&goal_id, &user_id],
                    )
                    .map_err(db_error)?;
                if deleted == 0 {
                    return Err(StoreError::NotFound("goal"));
                }
                tx.execute(
                    "INSERT OR REPLACE INTO deleted_goals (user_id, goal_id, deleted_at) VALUES (?1, ?2, ?3)",
                    params![user_id, goal_id, ts(Utc::now())],
                )
                .map_err(db_error)?;
                Ok(attachments)
            })
            .await
    }

    async fn deleted_before(&self, before: DateTime<Utc>, limit: usize) -> StoreResult<Vec<DeletedGoal>> {
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        self.db
            .read(move |tx| {
                query_all(
                    tx,
                    "SELECT user_id, goal_id, deleted_at FROM deleted_goals WHERE deleted_at < ?1 \
                     ORDER BY deleted_at LIMIT ?2",
                    params![ts(before), limit],
                    |row| {
                        Ok(DeletedGoal {
                            user_id: row.get(0)?,
                            goal_id: row.get(1)?,
                            deleted_at: row.get(2)?,
                        })
                    },
                )
            })
            .await
    }

    async fn purge_deleted(&self, _goal: &DeletedGoal) -> StoreResult<usize> {
        // The goal's rows went with it, in its delete's transaction (`ON
        // DELETE CASCADE`): only files can be left, which are the caller's.
        Ok(0)
    }

    async fn forget_deleted(&self, goal: &DeletedGoal) -> StoreResult<()> {
        let (user_id, goal_id) = (goal.user_id.clone(), goal.goal_id.clone());
        self.db
            .write(move |tx| {
                tx.execute(
                    "DELETE FROM deleted_goals WHERE user_id = ?1 AND goal_id = ?2",
                    [&user_id, &goal_id],
                )
                .map_err(db_error)?;
                Ok(())
            })
            .await
    }
}
