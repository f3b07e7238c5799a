//! Aggregate rows in SQLite: totals over the goals table, goal-day rows from
//! `daily_aggregates`.

use async_trait::async_trait;
use chrono::NaiveDate;
use rusqlite::params;

use super::db::{CachedQuery, Db, db_error};
use super::goals::query_all;
use crate::domain::stats::{AggregateRows, GoalDay, Totals};
use crate::store::ports::{Aggregates, StoreResult};

/// Reads the aggregates the other embedded stores maintain.
pub struct EmbeddedAggregates {
    db: Db,
}

impl EmbeddedAggregates {
    pub(crate) fn new(db: Db) -> Self {
        EmbeddedAggregates { db }
    }
}

#[async_trait]
impl Aggregates for EmbeddedAggregates {
    async fn rows(&self, user_id: &str, from: NaiveDate, to: NaiveDate) -> StoreResult<AggregateRows> {
        let user_id = user_id.to_owned();
        self.db
            .read(move |tx| {
                let totals = tx
                    .query_row_cached(
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
                let goal_ids = query_all(
                    tx,
                    "SELECT goal_id FROM goals WHERE user_id = ?1 ORDER BY goal_id DESC",
                    [&user_id],
                    |row| row.get(0),
                )?;
                let days = query_all(
                    tx,
                    "SELECT goal_id, day, value, entries FROM daily_aggregates
                     WHERE user_id = ?1 AND day >= ?2 AND day <= ?3",
                    params![user_id, from, to],
                    |row| {
                        Ok(GoalDay {
                            goal_id: row.get(0)?,
                            day: row.get(1)?,
                            value: row.get(2)?,
                            entries: row.get(3)?,
                        })
                    },
                )?;
                Ok(AggregateRows { totals, goal_ids, days })
            })
            .await
    }
}
