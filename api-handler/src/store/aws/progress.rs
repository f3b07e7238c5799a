//! Progress in DynamoDB: one `TransactWriteItems` writes the entry, the
//! goal's total and version, the counters, the goal-day aggregate, the
//! period's "target reached" mark, the idempotency record and the events.
//! A replay is recognised by the cancellation reason of the idempotency
//! record and answered with the first entry.

use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};

use super::dynamo::{Reason, Tables, TransactError, Write, cancelled};
use super::errors::RETRY_AFTER_SECS;
use super::goals::{goal_item_of, totals_update};
use super::items::{
    self, EXPIRES_AT, Item, PK, SK, day_sk, entry_from, entry_item, get_n, get_s, goal_from, goal_sk, idempotency_sk,
    key, n, reached_sk, s,
};
use super::locks::KeyedLocks;
use super::outbox::outbox_writes;
use super::paging::{self, Listing};
use crate::domain::progress::{self, PeriodOf, PeriodProgress, ProgressEntry};
use crate::domain::{new_id, stats};
use crate::store::ports::{
    Idempotency, Page, PageRequest, Progress, ProgressDraft, Recorded, StoreError, StoreResult, TimeRange,
};

/// One goal's aggregate of one day.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
struct DayTotal {
    value: f64,
    entries: u64,
}

/// How long an idempotency key replays its first response, in seconds.
const IDEMPOTENCY_WINDOW_SECS: i64 = 24 * 60 * 60;
/// How often a write retries when another write on the goal got in first.
const ATTEMPTS: u32 = 8;

/// The DynamoDB progress store.
pub struct AwsProgress {
    tables: Tables,
    turns: KeyedLocks,
}

impl AwsProgress {
    pub(crate) fn new(tables: Tables) -> Self {
        AwsProgress {
            tables,
            turns: KeyedLocks::default(),
        }
    }

    /// Where the goal's period containing the entry's `day` stands (the sum
    /// of its goal-day aggregates in the period, and its "target reached"
    /// mark), and the goal's aggregate of that day so far.
    async fn period_progress(
        &self,
        user_id: &str,
        goal_id: &str,
        period: &PeriodOf,
        day: NaiveDate,
    ) -> StoreResult<(PeriodProgress, DayTotal)> {
        let tables = &self.tables;
        let day_total = |items: &[Item]| -> StoreResult<DayTotal> {
            let today = day.to_string();
            match items.iter().find(|item| get_s(item, "day").is_ok_and(|d| d == today)) {
                Some(item) => Ok(DayTotal {
                    value: get_n(item, "value")?,
                    entries: get_n(item, "entries")?,
                }),
                None => Ok(DayTotal::default()),
            }
        };
        let (total, day_total) = match period.days {
            Some((start, end)) => {
                // Every day before `end`: `DAY#{end}#` sorts before that day's items.
                let query = tables
                    .range_query(
                        &tables.aggregates,
                        user_id,
                        &format!("DAY#{start}#"),
                        &format!("DAY#{end}#"),
                    )
                    .filter_expression("#goal = :goal")
                    .expression_attribute_names("#goal", "goalId")
                    .expression_attribute_values(":goal", s(goal_id));
                let days = tables.query_all(query).await?;
                let total = days
                    .iter()
                    .map(|item| get_n::<f64>(item, "value"))
                    .sum::<StoreResult<f64>>()?;
                (total, day_total(&days)?)
            }
            // A whole-life period's total is the goal's.
            None => {
                let item = tables
                    .get(&tables.aggregates, key(user_id, day_sk(day, goal_id)))
                    .await?;
                (0.0, day_total(item.as_slice())?)
            }
        };
        let target_reached = tables
            .get(&tables.goals, key(user_id, reached_sk(goal_id, &period.key)))
            .await?
            .is_some();
        Ok((PeriodProgress { total, target_reached }, day_total))
    }

    /// The first response of `idempotency`, from its stored record.
    fn replay(record: &Item, idempotency: &Idempotency, goal_id: &str) -> StoreResult<ProgressEntry> {
        if get_s(record, "fingerprint")? != idempotency.fingerprint {
            return Err(StoreError::Conflict(
                "this Idempotency-Key was used with a different request: use a new key".to_owned(),
            ));
        }
        let entry: ProgressEntry = serde_json::from_str(&get_s(record, "entry")?)
            .map_err(|_| StoreError::Internal("an idempotency record does not parse".to_owned()))?;
        if entry.goal_id != goal_id {
            return Err(StoreError::NotFound("goal"));
        }
        Ok(entry)
    }

    /// The stored record of `idempotency`, if it is still within its window.
    async fn live_record(
        &self,
        user_id: &str,
        idempotency: &Idempotency,
        now: DateTime<Utc>,
    ) -> StoreResult<Option<Item>> {
        let record = self
            .tables
            .get(&self.tables.users, key(user_id, idempotency_sk(&idempotency.key)))
            .await?;
        Ok(record.filter(|record| get_n::<i64>(record, EXPIRES_AT).is_ok_and(|expires| expires >= now.timestamp())))
    }
}

#[async_trait]
impl Progress for AwsProgress {
    async fn record(
        &self,
        user_id: &str,
        goal_id: &str,
        draft: ProgressDraft,
        idempotency: Option<Idempotency>,
    ) -> StoreResult<Recorded> {
        let tables = &self.tables;
        let _turn = self.turns.lock(&format!("{user_id}/{goal_id}")).await;
        for attempt in 0..ATTEMPTS {
            if attempt > 0 {
                // Spread out writers that collided on the goal's version.
                let jitter = u64::from(rand_core::RngCore::next_u32(&mut rand_core::OsRng) % 20);
                tokio::time::sleep(Duration::from_millis(10 * u64::from(attempt) + jitter)).await;
            }
            let now = stats::millis(Utc::now());
            let goal = goal_from(&goal_item_of(tables, user_id, goal_id).await?)?;
            let period = progress::period_of(goal.period, draft.day);
            let (state, day_before) = self.period_progress(user_id, goal_id, &period, draft.day).await?;
            let entry = ProgressEntry {
                entry_id: new_id(),
                goal_id: goal.goal_id.clone(),
                value: draft.value,
                note: draft.note.clone(),
                at: draft.at,
                created_at: now,
            };
            let write = match progress::plan(&goal, &period, state, entry, draft.day) {
                Ok(write) => write,
                Err(_) => {
                    // A replay of an entry that was fine then is still a replay.
                    if let Some(idempotency) = &idempotency
                        && let Some(record) = self.live_record(user_id, idempotency, now).await?
                    {
                        return Ok(Recorded {
                            entry: Self::replay(&record, idempotency, goal_id)?,
                            events: Vec::new(),
                        });
                    }
                    return Err(StoreError::Refused {
                        field: progress::TotalOutOfRange::FIELD,
                        message: progress::TotalOutOfRange::MESSAGE,
                    });
                }
            };
            let (entry, after) = (&write.entry, &write.goal);
            let mut writes = Vec::new();
            let first_answer = serde_json::to_string(entry)
                .map_err(|err| StoreError::Internal(format!("cannot serialise an entry: {err}")))?;
            let idempotency_at = idempotency.as_ref().map(|idempotency| {
                let mut record = key(user_id, idempotency_sk(&idempotency.key));
                record.extend([
                    ("fingerprint".to_owned(), s(&idempotency.fingerprint)),
                    ("entry".to_owned(), s(first_answer)),
                    ("createdAt".to_owned(), s(items::timestamp(now))),
                    (EXPIRES_AT.to_owned(), n(now.timestamp() + IDEMPOTENCY_WINDOW_SECS)),
                ]);
                writes.push(
                    Write::put(&tables.users, record)
                        .when("attribute_not_exists(#sk) OR #expires < :now")
                        .name("#sk", SK)
                        .name("#expires", EXPIRES_AT)
                        .value(":now", n(now.timestamp()))
                        .return_old_on_failure(),
                );
                writes.len() - 1
            });
            let goal_at = writes.len();
            writes.push(
                Write::update(
                    &tables.goals,
                    key(user_id, goal_sk(goal_id)),
                    "SET #total = :total, #updated = :updated, #version = :version ADD #entries :one",
                )
                .when("#version = :expected")
                .name("#total", "progressTotal")
                .name("#updated", "updatedAt")
                .name("#version", "version")
                .name("#entries", "entries")
                .value(":total", n(after.progress_total))
                .value(":updated", s(items::timestamp(after.updated_at)))
                .value(":version", n(after.version))
                .value(":expected", n(goal.version))
                .value(":one", n(1)),
            );
            writes.push(
                Write::put(&tables.goals, entry_item(user_id, entry, write.day)).when("attribute_not_exists(sk)"),
            );
            // The day's new sums, from the state read under the goal's
            // version: the same f64 arithmetic as the goal's total.
            let mut day = key(user_id, day_sk(write.day, goal_id));
            day.extend([
                ("goalId".to_owned(), s(goal_id)),
                ("day".to_owned(), s(write.day.to_string())),
                ("value".to_owned(), n(day_before.value + entry.value)),
                ("entries".to_owned(), n(day_before.entries + 1)),
            ]);
            writes.push(Write::put(&tables.aggregates, day));
            writes.extend(totals_update(tables, user_id, &[("entries", 1)]));
            if write.reaches_target {
                let mut mark = key(user_id, reached_sk(goal_id, &write.period_key));
                mark.insert("goalId".to_owned(), s(goal_id));
                writes.push(Write::put(&tables.goals, mark));
            }
            writes.extend(outbox_writes(tables, &write.events)?);
            match tables.transact(user_id, writes).await {
                Ok(()) => {
                    return Ok(Recorded {
                        entry: write.entry,
                        events: write.events,
                    });
                }
                Err(TransactError::Cancelled(reasons)) => {
                    if let (Some(at), Some(idempotency)) = (idempotency_at, &idempotency)
                        && reasons.get(at).is_some_and(Reason::condition_failed)
                    {
                        let record = match reasons.get(at).and_then(|reason| reason.item.clone()) {
                            Some(record) => Some(record),
                            None => self.live_record(user_id, idempotency, now).await?,
                        };
                        if let Some(record) = record {
                            return Ok(Recorded {
                                entry: Self::replay(&record, idempotency, goal_id)?,
                                events: Vec::new(),
                            });
                        }
                        continue;
                    }
                    let goal_changed = reasons.get(goal_at).is_some_and(Reason::condition_failed);
                    if goal_changed || reasons.iter().any(Reason::conflicted) {
                        // Another entry got in first, or the goal went: read again.
                        continue;
                    }
                    return Err(cancelled("recording progress", &reasons));
                }
                Err(TransactError::Store(err)) => return Err(err),
            }
        }
        Err(StoreError::Unavailable {
            reason: "the goal is taking many entries at once".to_owned(),
            retry_after_secs: RETRY_AFTER_SECS,
        })
    }

    async fn list(
        &self,
        user_id: &str,
        goal_id: &str,
        range: TimeRange,
        request: PageRequest,
    ) -> StoreResult<Page<ProgressEntry>> {
        let tables = &self.tables;
        goal_item_of(tables, user_id, goal_id).await?;
        let prefix = items::entry_prefix(goal_id);
        // `[from, to)`: an entry at `to` sorts after `…#{to}` and is left out.
        let low = match range.from {
            Some(from) => format!("{prefix}{}", items::timestamp(from)),
            None => prefix.clone(),
        };
        let high = match range.to {
            Some(to) => format!("{prefix}{}", items::timestamp(to)),
            None => format!("ENTRY#{goal_id}$"),
        };
        if low > high {
            return Ok(Page {
                items: Vec::new(),
                next: None,
            });
        }
        let query = tables
            .range_query(&tables.goals, user_id, &low, &high)
            .scan_index_forward(false);
        paging::page(
            Listing {
                query,
                user_id,
                key_names: &[PK, SK],
                request,
            },
            entry_from,
        )
        .await
    }
}
