//! DynamoDB items: the key names, the sort-key shapes and the codecs
//! between domain types and attribute maps (see `docs/data-model.md`).

use std::collections::HashMap;

use aws_sdk_dynamodb::types::AttributeValue;
use chrono::{DateTime, NaiveDate, Utc};
use serde::de::DeserializeOwned;

use crate::domain::attachment::Attachment;
use crate::domain::events::DomainEvent;
use crate::domain::goal::{Goal, GoalStatus, Period, Target};
use crate::domain::profile::Profile;
use crate::domain::progress::ProgressEntry;
use crate::store::codec::parse_enum;
pub(crate) use crate::store::codec::{enum_name, timestamp};
use crate::store::ports::{Continuation, StoreError, StoreResult};

/// An item, as the SDK holds it.
pub(crate) type Item = HashMap<String, AttributeValue>;

/// Partition key of every table: the user (Cognito `sub`).
pub(crate) const PK: &str = "userId";
/// Sort key of every table.
pub(crate) const SK: &str = "sk";
/// Goals table index on `statusKey` (`{status}#{goalId}`), for `?status=`.
pub(crate) const BY_STATUS: &str = "byStatus";
/// Sort key of [`BY_STATUS`].
pub(crate) const STATUS_KEY: &str = "statusKey";
/// Goals table sparse index of active daily goals, partitioned by
/// [`DAILY_SHARD`] and sorted by user, for the daily reminder.
pub(crate) const ACTIVE_DAILY: &str = "activeDaily";
/// Partition key of [`ACTIVE_DAILY`]: one of [`DAILY_SHARDS`] shards, a
/// hash of the user, set only on active daily goals.
pub(crate) const DAILY_SHARD: &str = "dailyShard";
/// How many partitions the active daily goals spread over.
pub(crate) const DAILY_SHARDS: u32 = 8;
/// Goals table sparse index of deleted goals' markers, partitioned by
/// [`GONE_SHARD`] and sorted by [`GONE_AT`], for the `sweep_orphans` job.
pub(crate) const DELETED_GOALS: &str = "deletedGoals";
/// Partition key of [`DELETED_GOALS`]: one of [`GONE_SHARDS`] shards, a
/// hash of the goal, set only on markers.
pub(crate) const GONE_SHARD: &str = "goneShard";
/// Sort key of [`DELETED_GOALS`]: when the goal was deleted.
pub(crate) const GONE_AT: &str = "goneAt";
/// How many partitions the deleted goals' markers spread over.
pub(crate) const GONE_SHARDS: u32 = 4;
/// Users table sparse index of outbox items, partitioned by [`OUTBOX_SHARD`].
pub(crate) const OUTBOX_INDEX: &str = "outbox";
/// Partition key of [`OUTBOX_INDEX`]: one of [`OUTBOX_SHARDS`] shards.
pub(crate) const OUTBOX_SHARD: &str = "outboxShard";
/// Sort key of [`OUTBOX_INDEX`].
pub(crate) const EVENT_ID: &str = "eventId";
/// How many partitions the outbox index spreads events over.
pub(crate) const OUTBOX_SHARDS: u32 = 4;
/// Epoch-seconds attribute DynamoDB's TTL deletes expired items by.
pub(crate) const EXPIRES_AT: &str = "expiresAt";

/// Sort key of a profile.
pub(crate) const PROFILE: &str = "PROFILE";
/// Sort key of a user's counters.
pub(crate) const TOTALS: &str = "TOTALS";
/// Sort key of a user's revocation: `tokensValidFrom`, and `deletedAt` once
/// the account is deleted (its tombstone, which the purge keeps).
pub(crate) const REVOKED_SK: &str = "REVOKED";
/// Sort key of a user's current data export.
pub(crate) const EXPORT_SK: &str = "EXPORT";

/// `NotFound(what)` unless `id` is one this app could have made (a ULID):
/// ids come from request paths, and DynamoDB refuses keys over 1 KiB with
/// an error that must not become a 500.
pub(crate) fn known_id(id: &str, what: &'static str) -> StoreResult<()> {
    match ulid::Ulid::from_string(id) {
        Ok(_) => Ok(()),
        Err(_) => Err(StoreError::NotFound(what)),
    }
}

/// `GOAL#{goalId}`: a goal (goals table) or its aggregate marker (aggregates table).
pub(crate) fn goal_sk(goal_id: &str) -> String {
    format!("GOAL#{goal_id}")
}

/// `GONE#{goalId}`: the marker a deleted goal leaves.
pub(crate) fn gone_sk(goal_id: &str) -> String {
    format!("GONE#{goal_id}")
}

/// The shard of a deleted goal's marker: a stable hash of the goal.
pub(crate) fn gone_shard(goal_id: &str) -> String {
    (fnv1a(goal_id) % GONE_SHARDS).to_string()
}

/// `ENTRY#{goalId}#{at}#{entryId}`: entries sort by when they happened.
pub(crate) fn entry_sk(goal_id: &str, at: DateTime<Utc>, entry_id: &str) -> String {
    format!("ENTRY#{goal_id}#{}#{entry_id}", timestamp(at))
}

/// The sort-key prefix of a goal's entries.
pub(crate) fn entry_prefix(goal_id: &str) -> String {
    format!("ENTRY#{goal_id}#")
}

/// `ATT#{goalId}#{attachmentId}`.
pub(crate) fn attachment_sk(goal_id: &str, attachment_id: &str) -> String {
    format!("ATT#{goal_id}#{attachment_id}")
}

/// `REACHED#{goalId}#{periodKey}`: the target was reached in that period.
pub(crate) fn reached_sk(goal_id: &str, period_key: &str) -> String {
    format!("REACHED#{goal_id}#{period_key}")
}

/// `DAY#{date}#{goalId}`: one goal's progress on one day.
pub(crate) fn day_sk(day: NaiveDate, goal_id: &str) -> String {
    format!("DAY#{day}#{goal_id}")
}

/// `IDEM#{key}`: the first response of an idempotency key.
pub(crate) fn idempotency_sk(key: &str) -> String {
    format!("IDEM#{key}")
}

/// `OUTBOX#{eventId}`: an event not yet published.
pub(crate) fn outbox_sk(event_id: &str) -> String {
    format!("OUTBOX#{event_id}")
}

/// The outbox shard of an event: a stable hash of its id.
pub(crate) fn outbox_shard(event_id: &str) -> String {
    (fnv1a(event_id) % OUTBOX_SHARDS).to_string()
}

/// The active-daily shard of a user's goals: a stable hash of the user.
pub(crate) fn daily_shard(user_id: &str) -> String {
    (fnv1a(user_id) % DAILY_SHARDS).to_string()
}

/// FNV-1a: a stable, well-spread hash of short keys.
fn fnv1a(text: &str) -> u32 {
    text.bytes().fold(2_166_136_261_u32, |hash, byte| {
        (hash ^ u32::from(byte)).wrapping_mul(16_777_619)
    })
}

/// A string attribute.
pub(crate) fn s(value: impl Into<String>) -> AttributeValue {
    AttributeValue::S(value.into())
}

/// A number attribute.
pub(crate) fn n(value: impl ToString) -> AttributeValue {
    AttributeValue::N(value.to_string())
}

/// The key of an item in any table.
pub(crate) fn key(user_id: &str, sk: impl Into<String>) -> Item {
    HashMap::from([(PK.to_owned(), s(user_id)), (SK.to_owned(), s(sk))])
}

fn corrupt(name: &str) -> StoreError {
    StoreError::Internal(format!("a stored item lacks a valid `{name}`"))
}

/// A string attribute of `item`.
pub(crate) fn get_s(item: &Item, name: &str) -> StoreResult<String> {
    match item.get(name) {
        Some(AttributeValue::S(value)) => Ok(value.clone()),
        _ => Err(corrupt(name)),
    }
}

/// An optional string attribute (absent or `NULL` is `None`).
pub(crate) fn get_opt_s(item: &Item, name: &str) -> StoreResult<Option<String>> {
    match item.get(name) {
        None | Some(AttributeValue::Null(_)) => Ok(None),
        Some(AttributeValue::S(value)) => Ok(Some(value.clone())),
        Some(_) => Err(corrupt(name)),
    }
}

/// A number attribute of `item`, parsed as `T`.
pub(crate) fn get_n<T: std::str::FromStr>(item: &Item, name: &str) -> StoreResult<T> {
    match item.get(name) {
        Some(AttributeValue::N(value)) => value.parse().map_err(|_| corrupt(name)),
        _ => Err(corrupt(name)),
    }
}

/// A number attribute, or `default` when absent.
pub(crate) fn get_n_or<T: std::str::FromStr>(item: &Item, name: &str, default: T) -> StoreResult<T> {
    if item.contains_key(name) {
        get_n(item, name)
    } else {
        Ok(default)
    }
}

/// A timestamp attribute.
pub(crate) fn get_time(item: &Item, name: &str) -> StoreResult<DateTime<Utc>> {
    get_s(item, name)?.parse::<DateTime<Utc>>().map_err(|_| corrupt(name))
}

/// A lower-case enum stored as its wire name.
pub(crate) fn get_enum<T: DeserializeOwned>(item: &Item, name: &str) -> StoreResult<T> {
    parse_enum(get_s(item, name)?).map_err(|_| corrupt(name))
}

/// Sets `name` to `value`, or leaves it out when `None`.
fn put_opt(item: &mut Item, name: &str, value: Option<String>) {
    if let Some(value) = value {
        item.insert(name.to_owned(), s(value));
    }
}

/// A goal item (goals table).
pub(crate) fn goal_item(goal: &Goal, entries: u64) -> Item {
    let mut item = key(&goal.user_id, goal_sk(&goal.goal_id));
    item.extend([
        ("goalId".to_owned(), s(&goal.goal_id)),
        ("title".to_owned(), s(&goal.title)),
        ("category".to_owned(), s(enum_name(&goal.category))),
        ("targetValue".to_owned(), n(goal.target.value)),
        ("targetUnit".to_owned(), s(&goal.target.unit)),
        ("period".to_owned(), s(enum_name(&goal.period))),
        ("status".to_owned(), s(goal.status.as_str())),
        (
            STATUS_KEY.to_owned(),
            s(format!("{}#{}", goal.status.as_str(), goal.goal_id)),
        ),
        ("progressTotal".to_owned(), n(goal.progress_total)),
        ("entries".to_owned(), n(entries)),
        ("createdAt".to_owned(), s(timestamp(goal.created_at))),
        ("updatedAt".to_owned(), s(timestamp(goal.updated_at))),
        ("version".to_owned(), n(goal.version)),
    ]);
    put_opt(&mut item, "description", goal.description.clone());
    put_opt(&mut item, "dueDate", goal.due_date.map(|day| day.to_string()));
    if goal.period == Period::Daily && goal.status == GoalStatus::Active {
        item.insert(DAILY_SHARD.to_owned(), s(daily_shard(&goal.user_id)));
    }
    item
}

/// A goal from its item.
pub(crate) fn goal_from(item: &Item) -> StoreResult<Goal> {
    Ok(Goal {
        goal_id: get_s(item, "goalId")?,
        user_id: get_s(item, PK)?,
        title: get_s(item, "title")?,
        description: get_opt_s(item, "description")?,
        category: get_enum(item, "category")?,
        target: Target {
            value: get_n(item, "targetValue")?,
            unit: get_s(item, "targetUnit")?,
        },
        period: get_enum(item, "period")?,
        due_date: get_opt_s(item, "dueDate")?
            .map(|day| day.parse().map_err(|_| corrupt("dueDate")))
            .transpose()?,
        status: get_enum(item, "status")?,
        progress_total: get_n(item, "progressTotal")?,
        created_at: get_time(item, "createdAt")?,
        updated_at: get_time(item, "updatedAt")?,
        version: get_n(item, "version")?,
    })
}

/// A progress entry item (goals table).
pub(crate) fn entry_item(user_id: &str, entry: &ProgressEntry, day: NaiveDate) -> Item {
    let mut item = key(user_id, entry_sk(&entry.goal_id, entry.at, &entry.entry_id));
    item.extend([
        ("entryId".to_owned(), s(&entry.entry_id)),
        ("goalId".to_owned(), s(&entry.goal_id)),
        ("value".to_owned(), n(entry.value)),
        ("at".to_owned(), s(timestamp(entry.at))),
        ("createdAt".to_owned(), s(timestamp(entry.created_at))),
        ("day".to_owned(), s(day.to_string())),
    ]);
    put_opt(&mut item, "note", entry.note.clone());
    item
}

/// A progress entry from its item.
pub(crate) fn entry_from(item: &Item) -> StoreResult<ProgressEntry> {
    Ok(ProgressEntry {
        entry_id: get_s(item, "entryId")?,
        goal_id: get_s(item, "goalId")?,
        value: get_n(item, "value")?,
        note: get_opt_s(item, "note")?,
        at: get_time(item, "at")?,
        created_at: get_time(item, "createdAt")?,
    })
}

/// An attachment record item (goals table).
pub(crate) fn attachment_item(attachment: &Attachment) -> Item {
    let mut item = key(
        &attachment.user_id,
        attachment_sk(&attachment.goal_id, &attachment.attachment_id),
    );
    item.extend([
        ("attachmentId".to_owned(), s(&attachment.attachment_id)),
        ("goalId".to_owned(), s(&attachment.goal_id)),
        ("fileName".to_owned(), s(&attachment.file_name)),
        ("contentType".to_owned(), s(&attachment.content_type)),
        ("size".to_owned(), n(attachment.size)),
        ("createdAt".to_owned(), s(timestamp(attachment.created_at))),
    ]);
    item
}

/// An attachment record from its item.
pub(crate) fn attachment_from(item: &Item) -> StoreResult<Attachment> {
    Ok(Attachment {
        attachment_id: get_s(item, "attachmentId")?,
        goal_id: get_s(item, "goalId")?,
        user_id: get_s(item, PK)?,
        file_name: get_s(item, "fileName")?,
        content_type: get_s(item, "contentType")?,
        size: get_n(item, "size")?,
        created_at: get_time(item, "createdAt")?,
    })
}

/// A profile item (users table).
pub(crate) fn profile_item(profile: &Profile) -> Item {
    let mut item = key(&profile.user_id, PROFILE);
    item.extend([
        ("email".to_owned(), s(&profile.email)),
        ("displayName".to_owned(), s(&profile.display_name)),
        ("timezone".to_owned(), s(&profile.timezone)),
        ("createdAt".to_owned(), s(timestamp(profile.created_at))),
        ("updatedAt".to_owned(), s(timestamp(profile.updated_at))),
    ]);
    item
}

/// A profile from its item.
pub(crate) fn profile_from(item: &Item) -> StoreResult<Profile> {
    Ok(Profile {
        user_id: get_s(item, PK)?,
        email: get_s(item, "email")?,
        display_name: get_s(item, "displayName")?,
        timezone: get_s(item, "timezone")?,
        created_at: get_time(item, "createdAt")?,
        updated_at: get_time(item, "updatedAt")?,
    })
}

/// An outbox item (users table), indexed by shard for the relay.
pub(crate) fn outbox_item(event: &DomainEvent) -> StoreResult<Item> {
    let payload = serde_json::to_string(event)
        .map_err(|err| StoreError::Internal(format!("cannot serialise an event: {err}")))?;
    let mut item = key(&event.user_id, outbox_sk(&event.event_id));
    item.extend([
        (OUTBOX_SHARD.to_owned(), s(outbox_shard(&event.event_id))),
        (EVENT_ID.to_owned(), s(&event.event_id)),
        ("type".to_owned(), s(event.kind.as_str())),
        ("payload".to_owned(), s(payload)),
    ]);
    Ok(item)
}

/// An event from its outbox item.
pub(crate) fn event_from(item: &Item) -> StoreResult<DomainEvent> {
    serde_json::from_str(&get_s(item, "payload")?).map_err(|_| corrupt("payload"))
}

/// The continuation after `item` in a listing keyed by `key_names`: those
/// attributes, as a JSON object of strings.
pub(crate) fn continuation(item: &Item, key_names: &[&str]) -> StoreResult<Continuation> {
    let mut map = serde_json::Map::new();
    for name in key_names {
        map.insert((*name).to_owned(), serde_json::Value::String(get_s(item, name)?));
    }
    Ok(Continuation(serde_json::Value::Object(map).to_string()))
}

/// A `LastEvaluatedKey` as a continuation (string attributes only, as every key here is).
pub(crate) fn continuation_from_key(last: &Item) -> StoreResult<Continuation> {
    let names: Vec<&str> = last.keys().map(String::as_str).collect();
    continuation(last, &names)
}

/// The `ExclusiveStartKey` a continuation names; it must hold exactly
/// `key_names` and be the user's own.
pub(crate) fn start_key(continuation: &Continuation, user_id: &str, key_names: &[&str]) -> StoreResult<Item> {
    let invalid = || StoreError::Internal("a listing continuation does not fit this listing".to_owned());
    let map: HashMap<String, String> = serde_json::from_str(&continuation.0).map_err(|_| invalid())?;
    if map.len() != key_names.len()
        || key_names.iter().any(|name| !map.contains_key(*name))
        || map.get(PK).map(String::as_str) != Some(user_id)
    {
        return Err(invalid());
    }
    Ok(map.into_iter().map(|(name, value)| (name, s(value))).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_sort_as_text_in_time_order() {
        let early: DateTime<Utc> = "2026-11-25T09:00:00Z".parse().unwrap();
        let late: DateTime<Utc> = "2026-11-25T10:00:00.5Z".parse().unwrap();
        assert_eq!(timestamp(early), "2026-11-25T09:00:00.000Z");
        assert!(entry_sk("g", early, "b") < entry_sk("g", late, "a"));
    }

    #[test]
    fn only_ulids_can_name_stored_items() {
        assert!(known_id("01JD0000000000000000000000", "goal").is_ok());
        for foreign in ["", "x", &"0".repeat(2000), "01JD000000000000000000000!"] {
            assert_eq!(known_id(foreign, "goal"), Err(StoreError::NotFound("goal")));
        }
    }

    #[test]
    fn outbox_shards_are_stable_and_in_range() {
        let shard = outbox_shard("01JD0000000000000000000000");
        assert_eq!(shard, outbox_shard("01JD0000000000000000000000"));
        assert!(shard.parse::<u32>().unwrap() < OUTBOX_SHARDS);
    }

    #[test]
    fn continuations_round_trip_and_stay_with_their_user() {
        let item = key("u1", "GOAL#01");
        let next = continuation(&item, &[PK, SK]).unwrap();
        assert_eq!(start_key(&next, "u1", &[PK, SK]).unwrap(), item);
        assert!(start_key(&next, "u2", &[PK, SK]).is_err());
        assert!(start_key(&next, "u1", &[PK, SK, STATUS_KEY]).is_err());
    }
}
