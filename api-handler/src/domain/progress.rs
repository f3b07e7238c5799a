//! Progress entries: what a user logged against a goal.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use garde::Validate;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::error::DomainError;
use super::events::{DomainEvent, EventType};
use super::goal::{Goal, Period};
use super::rules;

/// How far in the future `at` may be (clock skew between devices).
pub const MAX_FUTURE_SKEW: Duration = Duration::minutes(5);

/// `POST /goals/{goalId}/progress` body.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct NewProgress {
    /// Amount, greater than zero and at most 1e9.
    #[garde(custom(rules::amount))]
    #[schemars(schema_with = "rules::amount_schema")]
    pub value: f64,
    /// At most 500 characters.
    #[garde(length(chars, max = 500))]
    pub note: Option<String>,
    /// When it happened (at most 5 minutes in the future); defaults to now.
    #[garde(skip)]
    pub at: Option<DateTime<Utc>>,
}

impl NewProgress {
    /// When the entry happened, given `now`: `at` (at most [`MAX_FUTURE_SKEW`]
    /// ahead, a rule no JSON Schema can state) or `now`, to the millisecond.
    pub fn at(&self, now: DateTime<Utc>) -> Result<DateTime<Utc>, DomainError> {
        let at = self.at.unwrap_or(now);
        if at > now + MAX_FUTURE_SKEW {
            return Err(DomainError::invalid(
                "/at",
                "may not be more than 5 minutes in the future",
            ));
        }
        Ok(super::stats::millis(at))
    }
}

/// A stored progress entry.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ProgressEntry {
    /// Id (ULID).
    pub entry_id: String,
    /// The goal it counts towards.
    pub goal_id: String,
    /// Amount.
    pub value: f64,
    /// Note, or `null`.
    pub note: Option<String>,
    /// When it happened.
    pub at: DateTime<Utc>,
    /// When it was recorded.
    pub created_at: DateTime<Utc>,
}

/// Where a goal's current period stands, as the store read it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PeriodProgress {
    /// Sum of the values logged in the period so far.
    pub total: f64,
    /// Whether `goal.target_reached` was sent for the period already.
    pub target_reached: bool,
}

/// The period an entry on `day` counts towards: its key (the first day, or
/// `once`) and its days `[start, end)` (`None` for `once` goals, whose period
/// is their whole life).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PeriodOf {
    /// Stored with the "target reached" mark: the first day, or `once`.
    pub key: String,
    /// The days the period spans; `None` for a whole-life period.
    pub days: Option<(NaiveDate, NaiveDate)>,
}

/// The period of `period` containing `day`.
pub fn period_of(period: Period, day: NaiveDate) -> PeriodOf {
    match super::stats::period_bounds(period, day) {
        Some((start, end)) => PeriodOf {
            key: start.to_string(),
            days: Some((start, end)),
        },
        None => PeriodOf {
            key: "once".to_owned(),
            days: None,
        },
    }
}

/// What recording one entry writes, decided from the state the store read.
#[derive(Debug, Clone, PartialEq)]
pub struct ProgressWrite {
    /// The new entry.
    pub entry: ProgressEntry,
    /// The goal after the entry: new total, version and `updatedAt`.
    pub goal: Goal,
    /// The day the aggregates count the entry on.
    pub day: NaiveDate,
    /// The period's key.
    pub period_key: String,
    /// Whether this entry reaches the target for the period for the first time.
    pub reaches_target: bool,
    /// The events to write with it.
    pub events: Vec<DomainEvent>,
}

/// A running total would pass [`rules::MAX_TOTAL`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TotalOutOfRange;

impl TotalOutOfRange {
    /// The field the refused value came in.
    pub const FIELD: &'static str = "/value";
    /// Why it was refused.
    pub const MESSAGE: &'static str = "the goal's total would pass 1e15, the largest total kept";
}

/// Decides what recording `entry` on `day` writes, given the goal and its
/// period as stored: the goal's new total and version, and `goal.target_reached`
/// the first time within the period the total reaches the target. A total
/// that would pass [`rules::MAX_TOTAL`] refuses the entry: every running total
/// (the goal's, its days' and periods', which are parts of it) stays finite.
pub fn plan(
    goal: &Goal,
    period: &PeriodOf,
    progress: PeriodProgress,
    entry: ProgressEntry,
    day: NaiveDate,
) -> Result<ProgressWrite, TotalOutOfRange> {
    let now = entry.created_at;
    let mut after_goal = goal.clone();
    after_goal.progress_total += entry.value;
    if !after_goal.progress_total.is_finite() || after_goal.progress_total > rules::MAX_TOTAL {
        return Err(TotalOutOfRange);
    }
    after_goal.version += 1;
    after_goal.updated_at = now;
    let period_total = match period.days {
        Some(_) => progress.total + entry.value,
        None => after_goal.progress_total,
    };
    let before = period_total - entry.value;
    let reaches_target = !progress.target_reached && before < goal.target.value && period_total >= goal.target.value;
    let events = if reaches_target {
        let data = serde_json::json!({
            "title": goal.title, "period": goal.period, "periodStart": period.key, "total": period_total,
            "target": goal.target,
        });
        vec![goal.event(EventType::GoalTargetReached, now, data)]
    } else {
        Vec::new()
    };
    Ok(ProgressWrite {
        entry,
        goal: after_goal,
        day,
        period_key: period.key.clone(),
        reaches_target,
        events,
    })
}
