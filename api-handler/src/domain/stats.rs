//! Aggregates and statistics: days, periods and streaks, computed from
//! per-day aggregates (never by scanning progress entries).

use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveTime, TimeZone, Utc};
use garde::Validate;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::error::{DomainError, Violation};
use super::goal::Period;
use super::rules;

/// The longest `GET /stats` range, in days.
pub const MAX_RANGE_DAYS: i64 = 366;
/// The default `GET /stats` range when none is given, in days.
pub const DEFAULT_RANGE_DAYS: i64 = 30;

/// Truncates to milliseconds, the precision of every stored timestamp.
pub fn millis(at: DateTime<Utc>) -> DateTime<Utc> {
    DateTime::from_timestamp_millis(at.timestamp_millis()).unwrap_or(at)
}

/// The calendar day of `at` in the time zone `tz`.
pub fn local_date(at: DateTime<Utc>, tz: chrono_tz::Tz) -> NaiveDate {
    tz.from_utc_datetime(&at.naive_utc()).date_naive()
}

/// The instant `day` begins in `tz`: local midnight, or, where a clock
/// change skips midnight, the first local time that exists that day.
pub fn local_midnight(day: NaiveDate, tz: chrono_tz::Tz) -> DateTime<Utc> {
    let midnight = day.and_time(NaiveTime::MIN);
    // Clock changes move by whole quarters of an hour, so a step of 15 minutes finds the day's start.
    (0..96)
        .find_map(|quarter| {
            tz.from_local_datetime(&(midnight + Duration::minutes(15 * quarter)))
                .earliest()
        })
        .map_or_else(|| midnight.and_utc(), |start| start.with_timezone(&Utc))
}

/// The days `[start, end)` of the period of `period` that contains `day`;
/// `None` for `once` goals, whose period is their whole life.
pub fn period_bounds(period: Period, day: NaiveDate) -> Option<(NaiveDate, NaiveDate)> {
    match period {
        Period::Daily => Some((day, day + Duration::days(1))),
        Period::Weekly => {
            let start = day - Duration::days(i64::from(day.weekday().num_days_from_monday()));
            Some((start, start + Duration::days(7)))
        }
        Period::Monthly => {
            let start = day.with_day(1)?;
            let next = if start.month() == 12 {
                NaiveDate::from_ymd_opt(start.year() + 1, 1, 1)?
            } else {
                NaiveDate::from_ymd_opt(start.year(), start.month() + 1, 1)?
            };
            Some((start, next))
        }
        Period::Once => None,
    }
}

/// Consecutive days with entries ending today, or yesterday when today has
/// none yet (a streak is not broken until the day is over).
pub fn current_streak(days_with_entries: &[NaiveDate], today: NaiveDate) -> u32 {
    let has = |day: NaiveDate| days_with_entries.binary_search(&day).is_ok();
    let mut day = if has(today) { today } else { today - Duration::days(1) };
    let mut streak = 0;
    while has(day) {
        streak += 1;
        day -= Duration::days(1);
    }
    streak
}

/// `GET /stats` query.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct StatsQuery {
    /// First day, inclusive (default: 29 days before `to`).
    #[garde(inner(custom(rules::calendar_date)))]
    pub from: Option<NaiveDate>,
    /// Last day, inclusive (default: today in the user's time zone).
    #[garde(inner(custom(rules::calendar_date)))]
    pub to: Option<NaiveDate>,
}

impl StatsQuery {
    /// The inclusive range, defaulting to the last 30 days ending `today`;
    /// `from` after `to`, or more than 366 days, is a 422 (rules across two
    /// parameters, which no JSON Schema of a query can state).
    pub fn range(&self, today: NaiveDate) -> Result<(NaiveDate, NaiveDate), DomainError> {
        let to = self.to.unwrap_or(today);
        let default_from = to.checked_sub_signed(Duration::days(DEFAULT_RANGE_DAYS - 1));
        let from = self.from.or(default_from).unwrap_or(to);
        let mut problems = Vec::new();
        if from > to {
            problems.push(Violation {
                field: "from",
                message: "must not be after `to`",
            });
        } else if (to - from).num_days() >= MAX_RANGE_DAYS {
            problems.push(Violation {
                field: "to",
                message: "the range may span at most 366 days",
            });
        }
        if problems.is_empty() {
            Ok((from, to))
        } else {
            Err(DomainError::Invalid(problems))
        }
    }
}

/// `GET /stats` answer.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Stats {
    /// Counts over all of the user's goals.
    pub totals: Totals,
    /// Progress per day in the range, days without entries omitted.
    pub by_day: Vec<DayStat>,
    /// Progress per goal within the range.
    pub by_goal: Vec<GoalStat>,
}

/// Counts over all of the user's goals.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[allow(missing_docs)]
pub struct Totals {
    pub goals: u64,
    pub active_goals: u64,
    pub completed_goals: u64,
    pub progress_entries: u64,
}

/// One goal's progress on one day (in the user's time zone): the aggregate
/// row statistics are computed from.
#[derive(Debug, Clone, PartialEq)]
pub struct GoalDay {
    /// The goal.
    pub goal_id: String,
    /// The day.
    pub day: NaiveDate,
    /// Sum of the values logged that day.
    pub value: f64,
    /// Number of entries that day.
    pub entries: u64,
}

/// What [`compute`] needs, as the aggregates store reads it.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct AggregateRows {
    /// Counts over all of the user's goals.
    pub totals: Totals,
    /// Every goal's id, newest first.
    pub goal_ids: Vec<String>,
    /// Every goal-day row with its day in the requested window, in any order.
    pub days: Vec<GoalDay>,
}

/// How far back a streak is counted.
pub const STREAK_WINDOW_DAYS: i64 = 400;

/// The days whose aggregate rows [`compute`] needs for `[from, to]` on `today`:
/// the range itself and the streak window ending today.
pub fn window(from: NaiveDate, to: NaiveDate, today: NaiveDate) -> (NaiveDate, NaiveDate) {
    (from.min(today - Duration::days(STREAK_WINDOW_DAYS - 1)), to.max(today))
}

/// Statistics for `[from, to]` from the aggregate rows of [`window`]: totals,
/// progress per day (days without entries omitted) and per goal, with each
/// goal's current streak as of `today`.
pub fn compute(rows: AggregateRows, from: NaiveDate, to: NaiveDate, today: NaiveDate) -> Stats {
    let in_range = |day: NaiveDate| from <= day && day <= to;
    let mut by_day: Vec<DayStat> = Vec::new();
    let mut days: Vec<&GoalDay> = rows.days.iter().filter(|row| in_range(row.day)).collect();
    days.sort_by_key(|row| row.day);
    for row in days {
        match by_day.last_mut() {
            Some(last) if last.date == row.day => {
                last.value += row.value;
                last.entries += row.entries;
            }
            _ => by_day.push(DayStat {
                date: row.day,
                value: row.value,
                entries: row.entries,
            }),
        }
    }
    let by_goal = rows
        .goal_ids
        .iter()
        .map(|goal_id| {
            let goal_days = rows.days.iter().filter(|row| &row.goal_id == goal_id);
            let (mut total, mut entries, mut active) = (0.0, 0, Vec::new());
            for row in goal_days {
                if in_range(row.day) {
                    total += row.value;
                    entries += row.entries;
                }
                if row.day <= today {
                    active.push(row.day);
                }
            }
            active.sort();
            GoalStat {
                goal_id: goal_id.clone(),
                total,
                entries,
                current_streak_days: current_streak(&active, today),
            }
        })
        .collect();
    Stats {
        totals: rows.totals,
        by_day,
        by_goal,
    }
}

/// One day's progress.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[allow(missing_docs)]
pub struct DayStat {
    pub date: NaiveDate,
    pub value: f64,
    pub entries: u64,
}

/// One goal's progress.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[allow(missing_docs)]
pub struct GoalStat {
    pub goal_id: String,
    pub total: f64,
    pub entries: u64,
    pub current_streak_days: u32,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn periods_contain_the_day() {
        assert_eq!(
            period_bounds(Period::Daily, d("2026-11-25")),
            Some((d("2026-11-25"), d("2026-11-26")))
        );
        // 2026-11-25 is a Wednesday.
        assert_eq!(
            period_bounds(Period::Weekly, d("2026-11-25")),
            Some((d("2026-11-23"), d("2026-11-30")))
        );
        assert_eq!(
            period_bounds(Period::Monthly, d("2026-12-31")),
            Some((d("2026-12-01"), d("2027-01-01")))
        );
        assert_eq!(period_bounds(Period::Once, d("2026-12-31")), None);
    }

    #[test]
    fn streaks_count_back_from_today_or_yesterday() {
        let days = [d("2026-11-20"), d("2026-11-22"), d("2026-11-23"), d("2026-11-24")];
        assert_eq!(current_streak(&days, d("2026-11-24")), 3);
        assert_eq!(current_streak(&days, d("2026-11-25")), 3, "today is not over yet");
        assert_eq!(current_streak(&days, d("2026-11-26")), 0);
        assert_eq!(current_streak(&[], d("2026-11-26")), 0);
    }

    #[test]
    fn local_dates_follow_the_time_zone() {
        let at: DateTime<Utc> = "2026-11-25T23:30:00Z".parse().unwrap();
        assert_eq!(local_date(at, chrono_tz::UTC), d("2026-11-25"));
        assert_eq!(local_date(at, chrono_tz::Europe::Paris), d("2026-11-26"));
    }

    #[test]
    fn a_day_starts_at_local_midnight_or_after_a_skipped_one() {
        let instant = |text: &str| text.parse::<DateTime<Utc>>().unwrap();
        assert_eq!(
            local_midnight(d("2026-11-26"), chrono_tz::Europe::Paris),
            instant("2026-11-25T23:00:00Z")
        );
        // Santiago moved its clocks from 00:00 to 01:00 on 2022-09-11: the day began at 01:00 local.
        assert_eq!(
            local_midnight(d("2022-09-11"), chrono_tz::America::Santiago),
            instant("2022-09-11T04:00:00Z")
        );
    }

    #[test]
    fn stats_ranges_default_and_are_bounded() {
        let today = d("2026-11-25");
        assert_eq!(StatsQuery::default().range(today).unwrap(), (d("2026-10-27"), today));
        let year = StatsQuery {
            from: Some(d("2025-11-25")),
            to: Some(d("2026-11-25")),
        };
        assert!(year.range(today).is_ok(), "366 days inclusive is allowed");
        let too_long = StatsQuery {
            from: Some(d("2025-11-24")),
            to: Some(d("2026-11-25")),
        };
        assert!(too_long.range(today).is_err());
        let reversed = StatsQuery {
            from: Some(d("2026-11-26")),
            to: Some(d("2026-11-25")),
        };
        assert!(reversed.range(today).is_err());
    }
}
