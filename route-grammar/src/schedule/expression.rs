//! The grammar of EventBridge schedule expressions: `rate(…)` and `cron(…)`.

use std::time::Duration;

use croner::Cron;
use croner::parser::{CronParser, Seconds, Year};

/// A parsed schedule expression.
#[derive(Debug, Clone)]
pub enum Expression {
    /// `rate(N unit)`: every `N` minutes, hours or days.
    Rate(Duration),
    /// `cron(minutes hours day-of-month month day-of-week year)`, in UTC.
    Cron(Box<Cron>),
}

/// Parses `rate(5 minutes)` or `cron(0 20 * * ? *)` as EventBridge does,
/// with a message saying what is wrong otherwise.
pub fn parse(text: &str) -> Result<Expression, String> {
    if let Some(inner) = text.strip_prefix("rate(").and_then(|rest| rest.strip_suffix(')')) {
        return parse_rate(inner).map(Expression::Rate);
    }
    if let Some(inner) = text.strip_prefix("cron(").and_then(|rest| rest.strip_suffix(')')) {
        return parse_cron(inner).map(|cron| Expression::Cron(Box::new(cron)));
    }
    Err(format!(
        "`{text}` is not a schedule expression: expected `rate(5 minutes)` or `cron(0 20 * * ? *)`"
    ))
}

/// `N minute(s)|hour(s)|day(s)`: a positive whole number, singular for 1 and plural otherwise.
fn parse_rate(inner: &str) -> Result<Duration, String> {
    let mut words = inner.split(' ');
    let (Some(value), Some(unit), None) = (words.next(), words.next(), words.next()) else {
        return Err(format!(
            "`rate({inner})` takes a value and a unit separated by one space, such as `rate(5 minutes)`"
        ));
    };
    let count: u64 = match value.parse() {
        Ok(count) if count > 0 && !value.starts_with(['0', '+']) => count,
        _ => return Err(format!("the rate `{value}` is not a positive whole number")),
    };
    let (singular, seconds) = match unit {
        "minute" | "minutes" => ("minute", 60),
        "hour" | "hours" => ("hour", 3_600),
        "day" | "days" => ("day", 86_400),
        _ => return Err(format!("unknown rate unit `{unit}`: use minutes, hours or days")),
    };
    match (count, unit == singular) {
        (1, false) => {
            return Err(format!(
                "write `rate(1 {singular})`: a rate of 1 takes the singular unit"
            ));
        }
        (2.., true) => {
            return Err(format!(
                "write `rate({count} {singular}s)`: a rate above 1 takes the plural unit"
            ));
        }
        _ => {}
    }
    count
        .checked_mul(seconds)
        .map(Duration::from_secs)
        .ok_or_else(|| format!("the rate `{count} {unit}` is too long"))
}

/// Six fields, exactly one of day-of-month and day-of-week `?`, weekdays
/// numbered from Sunday = 1.
fn parse_cron(inner: &str) -> Result<Cron, String> {
    let fields: Vec<&str> = inner.split_whitespace().collect();
    let [_, _, day_of_month, _, day_of_week, _] = fields.as_slice() else {
        return Err(format!(
            "`cron({inner})` has {} field(s): expected six, `minutes hours day-of-month month day-of-week year`",
            fields.len()
        ));
    };
    if (*day_of_month == "?") == (*day_of_week == "?") {
        return Err(format!(
            "`cron({inner})`: exactly one of day-of-month and day-of-week must be `?`"
        ));
    }
    CronParser::builder()
        .seconds(Seconds::Required)
        .year(Year::Required)
        .alternative_weekdays(true)
        .build()
        .parse(&format!("0 {}", fields.join(" ")))
        .map_err(|err| format!("`cron({inner})` is not valid: {err}"))
}
