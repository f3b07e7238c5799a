//! Time bounds of listings: an RFC 3339 instant or a whole `YYYY-MM-DD` day.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use serde::{Deserialize, Deserializer};

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
            TimeBound::Day(day) => TimeBound::Day(day + Duration::days(1)).start(),
        }
    }
}

impl<'de> Deserialize<'de> for TimeBound {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        if let Ok(at) = DateTime::parse_from_rfc3339(&text) {
            return Ok(TimeBound::At(at.with_timezone(&Utc)));
        }
        text.parse::<NaiveDate>()
            .map(TimeBound::Day)
            .map_err(|_| serde::de::Error::custom("expected an RFC 3339 timestamp or a YYYY-MM-DD date"))
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
