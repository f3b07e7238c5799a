//! When scheduled jobs run: EventBridge schedule expressions (`rate(…)` and
//! `cron(…)`, in UTC), parsed as EventBridge reads them.
//!
//! `route-macros` checks every `#[schedule]` with it at compile time and
//! `route-framework`'s scheduler runs jobs by it, so an expression the build
//! accepts is one the runtime and EventBridge accept too.
//!
//! ```
//! use route_grammar::schedule::Schedule;
//!
//! let hourly = Schedule::parse("cron(0 * * * ? *)").unwrap();
//! assert_eq!(hourly.rate(), None);
//! assert!(Schedule::parse("rate(5 minute)").unwrap_err().contains("plural"));
//! ```

mod expression;

use std::fmt;
use std::time::Duration;

use chrono::{DateTime, Utc};

pub use self::expression::{Expression, parse};

/// A job's schedule: `rate(…)` or `cron(…)` (UTC), as EventBridge reads it.
#[derive(Debug, Clone)]
pub struct Schedule {
    text: &'static str,
    expression: Expression,
}

impl Schedule {
    /// Parses an EventBridge schedule expression.
    pub fn parse(text: &'static str) -> Result<Schedule, String> {
        expression::parse(text).map(|expression| Schedule { text, expression })
    }

    /// The expression as written, such as `rate(1 minute)`.
    pub fn as_str(&self) -> &'static str {
        self.text
    }

    /// The period of a `rate(…)` schedule; `None` for `cron(…)`.
    pub fn rate(&self) -> Option<Duration> {
        match &self.expression {
            Expression::Rate(period) => Some(*period),
            Expression::Cron(_) => None,
        }
    }

    /// The first time after `after` the schedule fires: `after` plus the
    /// period of a rate, the next matching minute of a cron; `None` when a
    /// cron never fires again (its years are over).
    pub fn next_after(&self, after: DateTime<Utc>) -> Option<DateTime<Utc>> {
        match &self.expression {
            Expression::Rate(period) => chrono::Duration::from_std(*period)
                .ok()
                .and_then(|period| after.checked_add_signed(period)),
            Expression::Cron(cron) => cron.find_next_occurrence(&after, false).ok(),
        }
    }
}

impl fmt::Display for Schedule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.text)
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    fn at(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text)
            .map(|t| t.with_timezone(&Utc))
            .unwrap()
    }

    #[test]
    fn rates_take_a_positive_count_and_the_matching_unit() {
        assert_eq!(
            Schedule::parse("rate(1 minute)").unwrap().rate(),
            Some(Duration::from_secs(60))
        );
        assert_eq!(
            Schedule::parse("rate(2 hours)").unwrap().rate(),
            Some(Duration::from_secs(7_200))
        );
        assert_eq!(
            Schedule::parse("rate(3 days)").unwrap().rate(),
            Some(Duration::from_secs(259_200))
        );
        for bad in [
            "rate(1 minutes)",
            "rate(5 minute)",
            "rate(0 minutes)",
            "rate(-1 minute)",
            "rate(05 minutes)",
            "rate(5  minutes)",
            "rate(5 seconds)",
            "rate(minute)",
            "rate(1 minute",
            "every minute",
            "rate(99999999999999999 days)",
        ] {
            assert!(Schedule::parse(bad).is_err(), "{bad} was accepted");
        }
    }

    #[test]
    fn crons_take_six_fields_with_one_question_mark_and_sunday_as_one() {
        let hourly = Schedule::parse("cron(0 * * * ? *)").unwrap();
        assert_eq!(hourly.rate(), None);
        assert_eq!(
            hourly.next_after(at("2026-11-25T09:15:00Z")),
            Some(at("2026-11-25T10:00:00Z"))
        );
        // EventBridge numbers weekdays from Sunday = 1: 2 is Monday.
        let mondays = Schedule::parse("cron(30 8 ? * 2 *)").unwrap();
        assert_eq!(
            mondays.next_after(at("2026-11-25T00:00:00Z")),
            Some(Utc.with_ymd_and_hms(2026, 11, 30, 8, 30, 0).unwrap())
        );
        let weekdays = Schedule::parse("cron(0 18 ? * MON-FRI *)").unwrap();
        assert_eq!(
            weekdays.next_after(at("2026-11-28T00:00:00Z")),
            Some(at("2026-11-30T18:00:00Z"))
        );
        for bad in [
            "cron(0 * * * * *)",
            "cron(0 * ? * ? *)",
            "cron(0 * * * ?)",
            "cron(61 * * * ? *)",
            "cron(0 25 * * ? *)",
            "cron(0 * * 13 ? *)",
            "cron(0 * ? * 9 *)",
        ] {
            assert!(Schedule::parse(bad).is_err(), "{bad} was accepted");
        }
    }

    #[test]
    fn a_rate_fires_one_period_later() {
        let schedule = Schedule::parse("rate(5 minutes)").unwrap();
        assert_eq!(
            schedule.next_after(at("2026-11-25T09:00:00Z")),
            Some(at("2026-11-25T09:05:00Z"))
        );
        assert_eq!(schedule.to_string(), "rate(5 minutes)");
    }
}
