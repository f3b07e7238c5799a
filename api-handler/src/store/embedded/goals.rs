//! Goals, progress, aggregates and attachment records in SQLite.

use async_trait::async_trait;
use chrono::{DateTime, Duration, NaiveDate, Utc};
use rusqlite::types::Type;
use rusqlite::{OptionalExtension, Row, Transaction, params};
use serde::de::DeserializeOwned;

use super::db::{Db, db_error, ts};
use super::outbox;
use crate::domain::events::{DomainEvent, EventType};
use crate::domain::goal::{Goal, GoalPatch, GoalStatus, NewGoal, Target};
use crate::domain::new_id;
use crate::domain::profile::parse_timezone;
use crate::domain::progress::{ProgressEntry, ValidProgress};
use crate::domain::stats::{self, DayStat, GoalStat, Stats, Totals};
use crate::store::ports::{After, Attachment, Goals, IdempotencyKey, NewAttachment, Recorded, StoreResult};
use route_framework::error::ApiError;

/// How long an idempotency key replays its first response.
const IDEMPOTENCY_WINDOW: Duration = Duration::hours(24);

/// The SQLite goal store.
pub struct EmbeddedGoals {
    db: Db,
}

impl EmbeddedGoals {
    pub(crate) fn new(db: Db) -> Self {
        EmbeddedGoals { db }
    }
}

const GOAL_COLUMNS: &str = "goal_id, user_id, title, description, category, target_value, target_unit, period, \
                            due_date, status, progress_total, created_at, updated_at, version";

/// Reads a lower-case enum stored as text.
fn enum_column<T: DeserializeOwned>(row: &Row<'_>, index: usize) -> rusqlite::Result<T> {
    let text: String = row.get(index)?;
    serde_json::from_value(serde_json::Value::String(text))
        .map_err(|err| rusqlite::Error::FromSqlConversionFailure(index, Type::Text, Box::new(err)))
}

fn enum_text<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_value(value)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

const ATTACHMENT_COLUMNS: &str = "attachment_id, goal_id, user_id, file_name, content_type, size, created_at";

/// Runs a (cached) query and collects every row.
fn query_all<T>(
    tx: &Transaction<'_>,
    sql: &str,
    params: impl rusqlite::Params,
    map: impl FnMut(&Row<'_>) -> rusqlite::Result<T>,
) -> StoreResult<Vec<T>> {
    let mut statement = tx.prepare_cached(sql).map_err(db_error)?;
    let rows = statement.query_map(params, map).map_err(db_error)?;
    rows.collect::<Result<Vec<_>, _>>().map_err(db_error)
}

fn goal_from_row(row: &Row<'_>) -> rusqlite::Result<Goal> {
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

fn goal_not_found() -> ApiError {
    ApiError::not_found("no such goal")
}

/// The user's goal, or 404 (also when it is someone else's).
fn load_goal(tx: &Transaction<'_>, user_id: &str, goal_id: &str) -> StoreResult<Goal> {
    tx.query_row(
        &format!("SELECT {GOAL_COLUMNS} FROM goals WHERE goal_id = ?1 AND user_id = ?2"),
        [goal_id, user_id],
        goal_from_row,
    )
    .optional()
    .map_err(db_error)?
    .ok_or_else(goal_not_found)
}

fn entry_from_row(row: &Row<'_>) -> rusqlite::Result<ProgressEntry> {
    Ok(ProgressEntry {
        entry_id: row.get(0)?,
        goal_id: row.get(1)?,
        value: row.get(2)?,
        note: row.get(3)?,
        at: row.get(4)?,
        created_at: row.get(5)?,
    })
}

fn attachment_from_row(row: &Row<'_>) -> rusqlite::Result<Attachment> {
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

/// The time zone days are counted in for `user_id`.
fn user_timezone(tx: &Transaction<'_>, user_id: &str) -> StoreResult<chrono_tz::Tz> {
    let name: Option<String> = tx
        .query_row("SELECT timezone FROM users WHERE user_id = ?1", [user_id], |row| {
            row.get(0)
        })
        .optional()
        .map_err(db_error)?;
    Ok(name.as_deref().and_then(parse_timezone).unwrap_or(chrono_tz::UTC))
}

/// Writes the entry, the goal total, the day aggregate and, when the target
/// is reached for the first time in the entry's period, the event.
fn insert_progress(
    tx: &Transaction<'_>,
    goal: &Goal,
    progress: &ValidProgress,
    now: DateTime<Utc>,
) -> StoreResult<ProgressEntry> {
    let entry = ProgressEntry {
        entry_id: new_id(),
        goal_id: goal.goal_id.clone(),
        value: progress.value,
        note: progress.note.clone(),
        at: progress.at,
        created_at: now,
    };
    let day = stats::local_date(progress.at, user_timezone(tx, &goal.user_id)?);
    tx.execute(
        "INSERT INTO progress (entry_id, goal_id, user_id, value, note, at, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        params![entry.entry_id, entry.goal_id, goal.user_id, entry.value, entry.note, ts(entry.at), ts(now)],
    )
    .map_err(db_error)?;
    tx.execute(
        "UPDATE goals SET progress_total = progress_total + ?1, entries = entries + 1, updated_at = ?2, version = version + 1
         WHERE goal_id = ?3",
        params![entry.value, ts(now), goal.goal_id],
    )
    .map_err(db_error)?;
    tx.execute(
        "INSERT INTO daily_aggregates (goal_id, user_id, day, value, entries) VALUES (?1, ?2, ?3, ?4, 1)
         ON CONFLICT (goal_id, day) DO UPDATE SET value = value + excluded.value, entries = entries + 1",
        params![goal.goal_id, goal.user_id, day, entry.value],
    )
    .map_err(db_error)?;

    let (period_key, after) = match stats::period_bounds(goal.period, day) {
        Some((start, end)) => {
            let sum: f64 = tx
                .query_row(
                    "SELECT COALESCE(SUM(value), 0) FROM daily_aggregates WHERE goal_id = ?1 AND day >= ?2 AND day < ?3",
                    params![goal.goal_id, start, end],
                    |row| row.get(0),
                )
                .map_err(db_error)?;
            (start.to_string(), sum)
        }
        None => ("once".to_owned(), goal.progress_total + entry.value),
    };
    let before = after - entry.value;
    if before < goal.target.value && after >= goal.target.value {
        let first = tx
            .execute(
                "INSERT INTO targets_reached (goal_id, period_start) VALUES (?1, ?2) ON CONFLICT DO NOTHING",
                params![goal.goal_id, period_key],
            )
            .map_err(db_error)?;
        if first == 1 {
            let data = serde_json::json!({
                "period": goal.period, "periodStart": period_key, "total": after, "target": goal.target,
            });
            let event = DomainEvent::new(
                EventType::GoalTargetReached,
                &goal.user_id,
                Some(&goal.goal_id),
                now,
                data,
            );
            outbox::append(tx, &event)?;
        }
    }
    Ok(entry)
}

#[async_trait]
impl Goals for EmbeddedGoals {
    async fn create(&self, user_id: &str, new: NewGoal) -> StoreResult<Goal> {
        let now = stats::millis(Utc::now());
        let goal = Goal {
            goal_id: new_id(),
            user_id: user_id.to_owned(),
            title: new.title,
            description: new.description,
            category: new.category,
            target: new.target,
            period: new.period,
            due_date: new.due_date,
            status: GoalStatus::Active,
            progress_total: 0.0,
            created_at: now,
            updated_at: now,
            version: 1,
        };
        let stored = goal.clone();
        self.db
            .write(move |tx| {
                tx.execute(
                    &format!("INSERT INTO goals ({GOAL_COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)"),
                    params![
                        goal.goal_id,
                        goal.user_id,
                        goal.title,
                        goal.description,
                        enum_text(&goal.category),
                        goal.target.value,
                        goal.target.unit,
                        enum_text(&goal.period),
                        goal.due_date,
                        goal.status.as_str(),
                        goal.progress_total,
                        ts(goal.created_at),
                        ts(goal.updated_at),
                        goal.version,
                    ],
                )
                .map_err(db_error)?;
                let data = serde_json::json!({ "title": goal.title, "category": goal.category, "period": goal.period });
                outbox::append(tx, &DomainEvent::new(EventType::GoalCreated, &goal.user_id, Some(&goal.goal_id), now, data))
            })
            .await?;
        Ok(stored)
    }

    async fn list(
        &self,
        user_id: &str,
        status: Option<GoalStatus>,
        limit: usize,
        after: After,
    ) -> StoreResult<Vec<Goal>> {
        let user_id = user_id.to_owned();
        self.db
            .read(move |tx| {
                query_all(
                    tx,
                    &format!(
                        "SELECT {GOAL_COLUMNS} FROM goals WHERE user_id = ?1 AND (?2 IS NULL OR status = ?2)
                         AND (?3 IS NULL OR goal_id < ?3) ORDER BY goal_id DESC LIMIT ?4"
                    ),
                    params![user_id, status.map(GoalStatus::as_str), after, limit as i64],
                    goal_from_row,
                )
            })
            .await
    }

    async fn get(&self, user_id: &str, goal_id: &str) -> StoreResult<Goal> {
        let (user_id, goal_id) = (user_id.to_owned(), goal_id.to_owned());
        self.db.read(move |tx| load_goal(tx, &user_id, &goal_id)).await
    }

    async fn update(
        &self,
        user_id: &str,
        goal_id: &str,
        patch: GoalPatch,
        if_version: Option<u64>,
    ) -> StoreResult<Goal> {
        let (user_id, goal_id) = (user_id.to_owned(), goal_id.to_owned());
        self.db
            .write(move |tx| {
                let mut goal = load_goal(tx, &user_id, &goal_id)?;
                if if_version.is_some_and(|version| version != goal.version) {
                    return Err(ApiError::precondition_failed(
                        "the goal has changed: fetch it again and retry",
                    ));
                }
                let now = stats::millis(Utc::now());
                let completed = goal.apply(patch);
                goal.version += 1;
                goal.updated_at = now;
                tx.execute(
                    "UPDATE goals SET title = ?1, description = ?2, category = ?3, target_value = ?4, target_unit = ?5,
                     period = ?6, due_date = ?7, status = ?8, updated_at = ?9, version = ?10 WHERE goal_id = ?11",
                    params![
                        goal.title,
                        goal.description,
                        enum_text(&goal.category),
                        goal.target.value,
                        goal.target.unit,
                        enum_text(&goal.period),
                        goal.due_date,
                        goal.status.as_str(),
                        ts(now),
                        goal.version,
                        goal.goal_id,
                    ],
                )
                .map_err(db_error)?;
                if completed {
                    let data = serde_json::json!({ "progressTotal": goal.progress_total, "target": goal.target });
                    let event =
                        DomainEvent::new(EventType::GoalCompleted, &goal.user_id, Some(&goal.goal_id), now, data);
                    outbox::append(tx, &event)?;
                }
                Ok(goal)
            })
            .await
    }

    async fn delete(&self, user_id: &str, goal_id: &str) -> StoreResult<Vec<String>> {
        let (user_id, goal_id) = (user_id.to_owned(), goal_id.to_owned());
        self.db
            .write(move |tx| {
                let keys = query_all(
                    tx,
                    &format!("SELECT {ATTACHMENT_COLUMNS} FROM attachments WHERE goal_id = ?1 AND user_id = ?2"),
                    [&goal_id, &user_id],
                    |row| attachment_from_row(row).map(|a| a.blob_key()),
                )?;
                let deleted = tx
                    .execute(
                        "DELETE FROM goals WHERE goal_id = ?1 AND user_id = ?2",
                        [&goal_id, &user_id],
                    )
                    .map_err(db_error)?;
                if deleted == 0 {
                    return Err(goal_not_found());
                }
                Ok(keys)
            })
            .await
    }

    async fn record_progress(
        &self,
        user_id: &str,
        goal_id: &str,
        progress: ValidProgress,
        idempotency: Option<IdempotencyKey>,
    ) -> StoreResult<Recorded> {
        let (user_id, goal_id) = (user_id.to_owned(), goal_id.to_owned());
        self.db
            .write(move |tx| {
                let now = stats::millis(Utc::now());
                if let Some(key) = &idempotency {
                    let seen: Option<(String, String, DateTime<Utc>)> = tx
                        .query_row(
                            "SELECT request_hash, entry_id, created_at FROM idempotency_keys WHERE user_id = ?1 AND key = ?2",
                            [&user_id, &key.key],
                            |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)),
                        )
                        .optional()
                        .map_err(db_error)?;
                    match seen {
                        Some((_, _, created)) if created + IDEMPOTENCY_WINDOW < now => {
                            tx.execute("DELETE FROM idempotency_keys WHERE user_id = ?1 AND key = ?2", [&user_id, &key.key])
                                .map_err(db_error)?;
                        }
                        Some((fingerprint, _, _)) if fingerprint != key.fingerprint => {
                            return Err(ApiError::conflict(
                                "this Idempotency-Key was used with a different request: use a new key",
                            ));
                        }
                        Some((_, entry_id, _)) => {
                            let entry = tx
                                .query_row(
                                    "SELECT entry_id, goal_id, value, note, at, created_at FROM progress
                                     WHERE entry_id = ?1 AND user_id = ?2 AND goal_id = ?3",
                                    [&entry_id, &user_id, &goal_id],
                                    entry_from_row,
                                )
                                .optional()
                                .map_err(db_error)?
                                .ok_or_else(goal_not_found)?;
                            return Ok(Recorded { entry, replayed: true });
                        }
                        None => {}
                    }
                }
                let goal = load_goal(tx, &user_id, &goal_id)?;
                let entry = insert_progress(tx, &goal, &progress, now)?;
                if let Some(key) = &idempotency {
                    tx.execute(
                        "INSERT INTO idempotency_keys (user_id, key, request_hash, entry_id, created_at) VALUES (?1, ?2, ?3, ?4, ?5)",
                        params![user_id, key.key, key.fingerprint, entry.entry_id, ts(now)],
                    )
                    .map_err(db_error)?;
                }
                Ok(Recorded { entry, replayed: false })
            })
            .await
    }

    async fn list_progress(
        &self,
        user_id: &str,
        goal_id: &str,
        from: Option<DateTime<Utc>>,
        to: Option<DateTime<Utc>>,
        limit: usize,
        after: After,
    ) -> StoreResult<Vec<ProgressEntry>> {
        let (user_id, goal_id) = (user_id.to_owned(), goal_id.to_owned());
        self.db
            .read(move |tx| {
                load_goal(tx, &user_id, &goal_id)?;
                query_all(
                    tx,
                    "SELECT entry_id, goal_id, value, note, at, created_at FROM progress
                     WHERE goal_id = ?1 AND (?2 IS NULL OR at >= ?2) AND (?3 IS NULL OR at < ?3)
                     AND (?4 IS NULL OR entry_id < ?4) ORDER BY entry_id DESC LIMIT ?5",
                    params![goal_id, from.map(ts), to.map(ts), after, limit as i64],
                    entry_from_row,
                )
            })
            .await
    }

    async fn stats(&self, user_id: &str, from: NaiveDate, to: NaiveDate) -> StoreResult<Stats> {
        let user_id = user_id.to_owned();
        self.db
            .read(move |tx| {
                let totals = tx
                    .query_row(
                        "SELECT COUNT(*), COALESCE(SUM(status = 'active'), 0), COALESCE(SUM(status = 'completed'), 0),
                         COALESCE(SUM(entries), 0) FROM goals WHERE user_id = ?1",
                        [&user_id],
                        |row| {
                            Ok(Totals {
                                goals: row.get(0)?,
                                active_goals: row.get(1)?,
                                completed_goals: row.get(2)?,
                                progress_entries: row.get(3)?,
                            })
                        },
                    )
                    .map_err(db_error)?;
                let by_day = query_all(
                    tx,
                    "SELECT day, SUM(value), SUM(entries) FROM daily_aggregates
                     WHERE user_id = ?1 AND day >= ?2 AND day <= ?3 GROUP BY day ORDER BY day",
                    params![user_id, from, to],
                    |row| {
                        Ok(DayStat {
                            date: row.get(0)?,
                            value: row.get(1)?,
                            entries: row.get(2)?,
                        })
                    },
                )?;

                let today = stats::local_date(Utc::now(), user_timezone(tx, &user_id)?);
                let rows = query_all(
                    tx,
                    "SELECT g.goal_id, COALESCE(SUM(a.value), 0), COALESCE(SUM(a.entries), 0)
                     FROM goals g LEFT JOIN daily_aggregates a ON a.goal_id = g.goal_id AND a.day >= ?2 AND a.day <= ?3
                     WHERE g.user_id = ?1 GROUP BY g.goal_id ORDER BY g.goal_id DESC",
                    params![user_id, from, to],
                    |row| Ok((row.get::<_, String>(0)?, row.get::<_, f64>(1)?, row.get::<_, u64>(2)?)),
                )?;
                let mut by_goal = Vec::with_capacity(rows.len());
                for (goal_id, total, entries) in rows {
                    // The streak needs the days up to today, whatever the range.
                    let mut active_days = query_all(
                        tx,
                        "SELECT day FROM daily_aggregates WHERE goal_id = ?1 AND day <= ?2 ORDER BY day DESC LIMIT 400",
                        params![goal_id, today],
                        |row| row.get::<_, NaiveDate>(0),
                    )?;
                    active_days.reverse();
                    let current_streak_days = stats::current_streak(&active_days, today);
                    by_goal.push(GoalStat {
                        goal_id,
                        total,
                        entries,
                        current_streak_days,
                    });
                }
                Ok(Stats {
                    totals,
                    by_day,
                    by_goal,
                })
            })
            .await
    }

    async fn create_attachment(&self, user_id: &str, goal_id: &str, new: NewAttachment) -> StoreResult<Attachment> {
        let (user_id, goal_id) = (user_id.to_owned(), goal_id.to_owned());
        self.db
            .write(move |tx| {
                load_goal(tx, &user_id, &goal_id)?;
                let attachment = Attachment {
                    attachment_id: new_id(),
                    goal_id,
                    user_id,
                    file_name: new.file_name,
                    content_type: new.content_type,
                    size: new.size,
                    created_at: stats::millis(Utc::now()),
                };
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
                Ok(attachment)
            })
            .await
    }

    async fn list_attachments(&self, user_id: &str, goal_id: &str) -> StoreResult<Vec<Attachment>> {
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

    async fn delete_attachment(&self, user_id: &str, goal_id: &str, attachment_id: &str) -> StoreResult<String> {
        let (user_id, goal_id, attachment_id) = (user_id.to_owned(), goal_id.to_owned(), attachment_id.to_owned());
        self.db
            .write(move |tx| {
                let attachment = tx
                    .query_row(
                        &format!(
                            "SELECT {ATTACHMENT_COLUMNS} FROM attachments
                             WHERE attachment_id = ?1 AND goal_id = ?2 AND user_id = ?3"
                        ),
                        [&attachment_id, &goal_id, &user_id],
                        attachment_from_row,
                    )
                    .optional()
                    .map_err(db_error)?
                    .ok_or_else(|| ApiError::not_found("no such attachment"))?;
                tx.execute("DELETE FROM attachments WHERE attachment_id = ?1", [&attachment_id])
                    .map_err(db_error)?;
                Ok(attachment.blob_key())
            })
            .await
    }
}

#[cfg(test)]
mod tests {
    use crate::domain::goal::Period;

    #[test]
    fn enums_are_stored_lower_case() {
        assert_eq!(super::enum_text(&Period::Weekly), "weekly");
    }
}
