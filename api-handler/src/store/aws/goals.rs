//! Goals in DynamoDB: the goal item, its aggregate marker and the user's
//! counters change together; children go after the goal on delete.

use std::collections::BTreeSet;

use async_trait::async_trait;
use aws_sdk_dynamodb::types::AttributeValue;
use chrono::{DateTime, Utc};

use super::dynamo::{Tables, TransactError, Write, cancelled};
use super::errors::store_error;
use super::items::{
    self, ACTIVE_DAILY, BY_STATUS, DAILY_SHARD, DAILY_SHARDS, DELETED_GOALS, GONE_AT, GONE_SHARD, GONE_SHARDS, Item,
    PK, SK, STATUS_KEY, TOTALS, attachment_from, day_sk, get_n_or, get_s, goal_from, goal_item, goal_sk, gone_shard,
    gone_sk, key, n, s,
};
use super::outbox::outbox_writes;
use super::paging::{self, Listing};
use crate::domain::attachment::Attachment;
use crate::domain::events::DomainEvent;
use crate::domain::goal::{Goal, GoalStatus};
use crate::store::ports::{Continuation, DeletedGoal, Goals, Page, PageRequest, StoreError, StoreResult};

/// How often a delete retries when progress lands on the goal meanwhile.
const DELETE_ATTEMPTS: u32 = 5;

/// The DynamoDB goal store.
pub struct AwsGoals {
    tables: Tables,
}

impl AwsGoals {
    pub(crate) fn new(tables: Tables) -> Self {
        AwsGoals { tables }
    }
}

/// The user counter a goal in `status` counts in, if any.
fn status_counter(status: GoalStatus) -> Option<&'static str> {
    match status {
        GoalStatus::Active => Some("activeGoals"),
        GoalStatus::Completed => Some("completedGoals"),
        GoalStatus::Archived => None,
    }
}

/// An update of the user's counters adding each `(counter, delta)`.
pub(super) fn totals_update(tables: &Tables, user_id: &str, deltas: &[(&str, i64)]) -> Option<Write> {
    let deltas: Vec<_> = deltas.iter().filter(|(_, delta)| *delta != 0).collect();
    if deltas.is_empty() {
        return None;
    }
    let clauses: Vec<String> = (0..deltas.len()).map(|i| format!("#c{i} :d{i}")).collect();
    let mut write = Write::update(
        &tables.aggregates,
        key(user_id, TOTALS),
        format!("ADD {}", clauses.join(", ")),
    );
    for (i, (counter, delta)) in deltas.iter().enumerate() {
        write = write
            .name(&format!("#c{i}"), counter)
            .value(&format!(":d{i}"), n(delta));
    }
    Some(write)
}

/// The user's goal item, read consistently.
pub(super) async fn goal_item_of(tables: &Tables, user_id: &str, goal_id: &str) -> StoreResult<Item> {
    items::known_id(goal_id, "goal")?;
    tables
        .get(&tables.goals, key(user_id, goal_sk(goal_id)))
        .await?
        .ok_or(StoreError::NotFound("goal"))
}

#[async_trait]
impl Goals for AwsGoals {
    async fn create(&self, goal: &Goal, events: &[DomainEvent]) -> StoreResult<()> {
        let tables = &self.tables;
        let mut marker = key(&goal.user_id, goal_sk(&goal.goal_id));
        marker.insert("goalId".to_owned(), s(&goal.goal_id));
        let mut writes = vec![
            Write::put(&tables.goals, goal_item(goal, 0)).when("attribute_not_exists(sk)"),
            Write::put(&tables.aggregates, marker),
        ];
        let mut deltas = vec![("goals", 1)];
        deltas.extend(status_counter(goal.status).map(|counter| (counter, 1)));
        writes.extend(totals_update(tables, &goal.user_id, &deltas));
        writes.extend(outbox_writes(tables, events)?);
        match tables.transact(&goal.user_id, writes).await {
            Ok(()) => Ok(()),
            Err(TransactError::Cancelled(reasons)) if reasons.first().is_some_and(|r| r.condition_failed()) => {
                Err(StoreError::Conflict("a goal with this id exists already".to_owned()))
            }
            Err(TransactError::Cancelled(reasons)) => Err(cancelled("creating a goal", &reasons)),
            Err(TransactError::Store(err)) => Err(err),
        }
    }

    async fn get(&self, user_id: &str, goal_id: &str) -> StoreResult<Goal> {
        goal_from(&goal_item_of(&self.tables, user_id, goal_id).await?)
    }

    async fn list(&self, user_id: &str, status: Option<GoalStatus>, request: PageRequest) -> StoreResult<Page<Goal>> {
        let tables = &self.tables;
        let (query, key_names): (_, &[&str]) = match status {
            // An index cannot be read consistently: a status changed a moment
            // ago may still list under the old one.
            Some(status) => (
                tables
                    .client
                    .query()
                    .table_name(&tables.goals)
                    .index_name(BY_STATUS)
                    .key_condition_expression("#pk = :pk AND begins_with(#sk, :prefix)")
                    .expression_attribute_names("#pk", PK)
                    .expression_attribute_names("#sk", STATUS_KEY)
                    .expression_attribute_values(":pk", s(user_id))
                    .expression_attribute_values(":prefix", s(format!("{}#", status.as_str()))),
                &[PK, SK, STATUS_KEY],
            ),
            None => (tables.prefix_query(&tables.goals, user_id, "GOAL#"), &[PK, SK]),
        };
        paging::page(
            Listing {
                query: query.scan_index_forward(false),
                user_id,
                key_names,
                request,
            },
            goal_from,
        )
        .await
    }

    async fn active_daily(&self, request: PageRequest) -> StoreResult<Page<Goal>> {
        // The continuation is `{shard}` (its start) or `{shard} {userId} {sk}`
        // (after that goal).
        let position = request.after.as_ref().map(|after| after.0.clone()).unwrap_or_default();
        let mut words = position.split(' ');
        let mut shard: u32 = match words.next() {
            Some("") | None => 0,
            Some(shard) => shard
                .parse()
                .map_err(|_| StoreError::Internal("a corrupt continuation".to_owned()))?,
        };
        let mut start = match (words.next(), words.next()) {
            (Some(user_id), Some(sk)) => Some(Item::from([
                (DAILY_SHARD.to_owned(), s(shard.to_string())),
                (PK.to_owned(), s(user_id)),
                (SK.to_owned(), s(sk)),
            ])),
            _ => None,
        };
        let limit = request.limit.max(1);
        let mut goals: Vec<Goal> = Vec::new();
        let mut last_key: Option<(String, String)> = None;
        while shard < DAILY_SHARDS {
            let output = self
                .tables
                .client
                .query()
                .table_name(&self.tables.goals)
                .index_name(ACTIVE_DAILY)
                .key_condition_expression("#shard = :shard")
                .expression_attribute_names("#shard", DAILY_SHARD)
                .expression_attribute_values(":shard", s(shard.to_string()))
                .limit(i32::try_from(limit - goals.len()).unwrap_or(i32::MAX))
                .set_exclusive_start_key(start.take())
                .send()
                .await
                .map_err(|err| store_error("Query", err))?;
            for item in output.items.unwrap_or_default() {
                last_key = Some((get_s(&item, PK)?, get_s(&item, SK)?));
                goals.push(goal_from(&item)?);
            }
            let more_in_shard = output.last_evaluated_key.is_some_and(|key| !key.is_empty());
            if goals.len() >= limit {
                let next = match (&last_key, more_in_shard) {
                    (Some((user_id, sk)), true) => Some(format!("{shard} {user_id} {sk}")),
                    _ => (shard + 1 < DAILY_SHARDS).then(|| (shard + 1).to_string()),
                };
                return Ok(Page {
                    items: goals,
                    next: next.map(Continuation),
                });
            }
            match (&last_key, more_in_shard) {
                (Some((user_id, sk)), true) => {
                    start = Some(Item::from([
                        (DAILY_SHARD.to_owned(), s(shard.to_string())),
                        (PK.to_owned(), s(user_id.as_str())),
                        (SK.to_owned(), s(sk.as_str())),
                    ]));
                }
                _ => shard += 1,
            }
        }
        Ok(Page {
            items: goals,
            next: None,
        })
    }

    async fn replace(&self, goal: &Goal, expected_version: u64, events: &[DomainEvent]) -> StoreResult<()> {
        let tables = &self.tables;
        let stored = goal_item_of(tables, &goal.user_id, &goal.goal_id).await?;
        let current = goal_from(&stored)?;
        if current.version != expected_version {
            return Err(StoreError::PreconditionFailed);
        }
        let entries: u64 = get_n_or(&stored, "entries", 0)?;
        let mut writes = vec![
            Write::put(&tables.goals, goal_item(goal, entries))
                .when("#version = :expected")
                .name("#version", "version")
                .value(":expected", n(expected_version)),
        ];
        if current.status != goal.status {
            let mut deltas = Vec::new();
            deltas.extend(status_counter(current.status).map(|counter| (counter, -1)));
            deltas.extend(status_counter(goal.status).map(|counter| (counter, 1)));
            writes.extend(totals_update(tables, &goal.user_id, &deltas));
        }
        writes.extend(outbox_writes(tables, events)?);
        match tables.transact(&goal.user_id, writes).await {
            Ok(()) => Ok(()),
            Err(TransactError::Cancelled(reasons)) if reasons.first().is_some_and(|r| r.condition_failed()) => {
                // Gone meanwhile (404), or at another version (412).
                goal_item_of(tables, &goal.user_id, &goal.goal_id).await?;
                Err(StoreError::PreconditionFailed)
            }
            Err(TransactError::Cancelled(reasons)) if reasons.iter().any(|r| r.conflicted()) => {
                Err(StoreError::PreconditionFailed)
            }
            Err(TransactError::Cancelled(reasons)) => Err(cancelled("replacing a goal", &reasons)),
            Err(TransactError::Store(err)) => Err(err),
        }
    }

    async fn delete(&self, user_id: &str, goal_id: &str) -> StoreResult<Vec<Attachment>> {
        let tables = &self.tables;
        let mut deleted = false;
        for _ in 0..DELETE_ATTEMPTS {
            let stored = goal_item_of(tables, user_id, goal_id).await?;
            let goal = goal_from(&stored)?;
            let entries: i64 = get_n_or(&stored, "entries", 0)?;
            let mut deltas = vec![("goals", -1), ("entries", -entries)];
            deltas.extend(status_counter(goal.status).map(|counter| (counter, -1)));
            let mut writes = vec![
                Write::delete(&tables.goals, key(user_id, goal_sk(goal_id)))
                    .when("#version = :expected")
                    .name("#version", "version")
                    .value(":expected", n(goal.version)),
                Write::delete(&tables.aggregates, key(user_id, goal_sk(goal_id))),
                Write::put(&tables.goals, gone_item(user_id, goal_id, Utc::now())),
            ];
            writes.extend(totals_update(tables, user_id, &deltas));
            match tables.transact(user_id, writes).await {
                Ok(()) => {
                    deleted = true;
                    break;
                }
                // Progress landed meanwhile (or the goal went): read again.
                Err(TransactError::Cancelled(reasons))
                    if reasons.first().is_some_and(|r| r.condition_failed() || r.conflicted()) => {}
                Err(TransactError::Cancelled(reasons)) => return Err(cancelled("deleting a goal", &reasons)),
                Err(TransactError::Store(err)) => return Err(err),
            }
        }
        if !deleted {
            return Err(StoreError::Unavailable {
                reason: "the goal kept changing while it was being deleted".to_owned(),
                retry_after_secs: super::errors::RETRY_AFTER_SECS,
            });
        }
        // The goal is gone, so nothing new attaches to it; now its children.
        let (attachments, _) = delete_children(tables, user_id, goal_id).await?;
        Ok(attachments)
    }

    async fn deleted_before(&self, before: DateTime<Utc>, limit: usize) -> StoreResult<Vec<DeletedGoal>> {
        let mut deleted = Vec::new();
        for shard in 0..GONE_SHARDS {
            if deleted.len() >= limit {
                break;
            }
            let output = self
                .tables
                .client
                .query()
                .table_name(&self.tables.goals)
                .index_name(DELETED_GOALS)
                .key_condition_expression("#shard = :shard AND #at < :before")
                .expression_attribute_names("#shard", GONE_SHARD)
                .expression_attribute_names("#at", GONE_AT)
                .expression_attribute_values(":shard", s(shard.to_string()))
                .expression_attribute_values(":before", s(items::timestamp(before)))
                .limit(i32::try_from(limit - deleted.len()).unwrap_or(i32::MAX))
                .send()
                .await
                .map_err(|err| store_error("Query", err))?;
            for item in output.items.unwrap_or_default() {
                deleted.push(DeletedGoal {
                    user_id: get_s(&item, PK)?,
                    goal_id: get_s(&item, "goalId")?,
                    deleted_at: items::get_time(&item, GONE_AT)?,
                });
            }
        }
        Ok(deleted)
    }

    async fn purge_deleted(&self, goal: &DeletedGoal) -> StoreResult<usize> {
        let (_, deleted) = delete_children(&self.tables, &goal.user_id, &goal.goal_id).await?;
        Ok(deleted)
    }

    async fn forget_deleted(&self, goal: &DeletedGoal) -> StoreResult<()> {
        let marker = key(&goal.user_id, gone_sk(&goal.goal_id));
        self.tables.delete_all(&self.tables.goals, vec![marker]).await
    }
}

/// Every goals-table item of the user whose sort key starts with `prefix`.
/// The marker a goal deleted at `at` leaves, in the deleted goals' index.
fn gone_item(user_id: &str, goal_id: &str, at: DateTime<Utc>) -> Item {
    Item::from([
        (PK.to_owned(), s(user_id)),
        (SK.to_owned(), s(gone_sk(goal_id))),
        ("goalId".to_owned(), s(goal_id)),
        (GONE_SHARD.to_owned(), s(gone_shard(goal_id))),
        (GONE_AT.to_owned(), s(items::timestamp(at))),
    ])
}

/// Deletes a deleted goal's children: its attachment records, entries and
/// reached marks, and the day aggregates of its entries' days. Returns the
/// attachments it found, and how many items it deleted.
async fn delete_children(tables: &Tables, user_id: &str, goal_id: &str) -> StoreResult<(Vec<Attachment>, usize)> {
    let mut keys = Vec::new();
    let mut attachments = Vec::new();
    for item in prefix_items(tables, user_id, &format!("ATT#{goal_id}#")).await? {
        attachments.push(attachment_from(&item)?);
        keys.push(key(user_id, get_s(&item, SK)?));
    }
    let mut days = BTreeSet::new();
    for item in prefix_items(tables, user_id, &items::entry_prefix(goal_id)).await? {
        if let Some(AttributeValue::S(day)) = item.get("day") {
            days.insert(day.clone());
        }
        keys.push(key(user_id, get_s(&item, SK)?));
    }
    for item in prefix_items(tables, user_id, &format!("REACHED#{goal_id}#")).await? {
        keys.push(key(user_id, get_s(&item, SK)?));
    }
    let day_keys: Vec<Item> = days
        .iter()
        .filter_map(|day| day.parse().ok())
        .map(|day| key(user_id, day_sk(day, goal_id)))
        .collect();
    let deleted = keys.len() + day_keys.len();
    tables.delete_all(&tables.goals, keys).await?;
    tables.delete_all(&tables.aggregates, day_keys).await?;
    Ok((attachments, deleted))
}

pub(super) async fn prefix_items(tables: &Tables, user_id: &str, prefix: &str) -> StoreResult<Vec<Item>> {
    tables
        .query_all(tables.prefix_query(&tables.goals, user_id, prefix))
        .await
}
