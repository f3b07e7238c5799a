//! Aggregates in DynamoDB: `GET /stats` is three requests however many
//! goals the user has: the `TOTALS` item, the `GOAL#` markers and the
//! `DAY#` items of the window, each one key-range read of one partition.

use std::collections::HashSet;

use async_trait::async_trait;
use chrono::NaiveDate;

use super::dynamo::Tables;
use super::items::{TOTALS, get_n, get_n_or, get_s, key};
use crate::domain::stats::{AggregateRows, GoalDay, Totals};
use crate::store::ports::{Aggregates, StoreError, StoreResult};

/// Reads the aggregates the other DynamoDB stores maintain.
pub struct AwsAggregates {
    tables: Tables,
}

impl AwsAggregates {
    pub(crate) fn new(tables: Tables) -> Self {
        AwsAggregates { tables }
    }
}

/// A counter, never below zero.
fn counter(item: &super::items::Item, name: &str) -> StoreResult<u64> {
    Ok(u64::try_from(get_n_or::<i64>(item, name, 0)?.max(0)).unwrap_or(0))
}

#[async_trait]
impl Aggregates for AwsAggregates {
    async fn rows(&self, user_id: &str, from: NaiveDate, to: NaiveDate) -> StoreResult<AggregateRows> {
        let tables = &self.tables;
        let totals = match tables.get(&tables.aggregates, key(user_id, TOTALS)).await? {
            Some(item) => Totals {
                goals: counter(&item, "goals")?,
                active_goals: counter(&item, "activeGoals")?,
                completed_goals: counter(&item, "completedGoals")?,
                progress_entries: counter(&item, "entries")?,
            },
            None => Totals::default(),
        };
        let markers = tables
            .query_all(
                tables
                    .prefix_query(&tables.aggregates, user_id, "GOAL#")
                    .scan_index_forward(false),
            )
            .await?;
        let goal_ids = markers
            .iter()
            .map(|item| get_s(item, "goalId"))
            .collect::<StoreResult<Vec<_>>>()?;
        let known: HashSet<&str> = goal_ids.iter().map(String::as_str).collect();
        let day_items = tables
            .query_all(tables.range_query(
                &tables.aggregates,
                user_id,
                &format!("DAY#{from}#"),
                &format!("DAY#{to}$"),
            ))
            .await?;
        let mut days = Vec::with_capacity(day_items.len());
        for item in &day_items {
            let goal_id = get_s(item, "goalId")?;
            // Rows of a goal deleted mid-way through its clean-up do not count.
            if !known.contains(goal_id.as_str()) {
                continue;
            }
            days.push(GoalDay {
                goal_id,
                day: get_s(item, "day")?
                    .parse()
                    .map_err(|_| StoreError::Internal("a day aggregate has no valid day".to_owned()))?,
                value: get_n(item, "value")?,
                entries: get_n(item, "entries")?,
            });
        }
        Ok(AggregateRows { totals, goal_ids, days })
    }
}
