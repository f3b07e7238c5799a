//! Time bounds of listings: an RFC 3339 instant or a whole `YYYY-MM-DD` day.

use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc};
use serde::{Deserialize, Deserializer};

use crate::domain::rules::CALENDAR_YEARS;

/// A time bound given as an RFC 3339 timestamp or a `YYYY-MM-DD` date.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TimeBound {
    /// An instant.
    At(DateTime<Utc>),
    /// A whole UTC day.
    Day(NaiveDate),
}

impl TimeBound {
    /// The instant a `from` bound starts at.
    pub(crate) fn start(self) -> DateTime<Utc> {
        match self {
            TimeBound::At(at) => at,
            TimeBound::Day(day) => day.and_hms_opt(0, 0, 0).map(|t| t.and_utc()).unwrap_or_default(),
        }
    }

    /// The (exclusive) instant a `to` bound ends at; a day includes itself.
    pub(crate) fn end(self) -> DateTime<Utc> {
        match self {
            TimeBound::At(at) => at,
            TimeBound::Day(day) => match day.checked_add_signed(Duration::days(1)) {
                Some(next) => TimeBound::Day(next).start(),
                None => DateTime::<Utc>::MAX_UTC,
            },
        }
    }
}

impl<'de> Deserialize<'de> for TimeBound {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        let invalid = || serde::de::Error::custom("expected an RFC 3339 timestamp or a YYYY-MM-DD date");
        let bound = match DateTime::parse_from_rfc3339(&text) {
            Ok(at) => TimeBound::At(at.with_timezone(&Utc)),
            Err(_) => TimeBound::Day(text.parse::<NaiveDate>().map_err(|_| invalid())?),
        };
        let year = match bound {
            TimeBound::At(at) => at.year(),
            TimeBound::Day(day) => day.year(),
        };
        if !CALENDAR_YEARS.contains(&year) || !text.starts_with(|c: char| c.is_ascii_digit()) {
            return Err(invalid());
        }
        Ok(bound)
    }
}

impl schemars::JsonSchema for TimeBound {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "TimeBound".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "type": "string",
            "anyOf": [{ "format": "date-time" }, { "format": "date" }],
            "description": "An RFC 3339 timestamp, or a `YYYY-MM-DD` day (from its start, to its end)"
        })
    }
}
