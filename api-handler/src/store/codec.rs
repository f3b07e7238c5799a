//! How every backend writes values as text: timestamps and enums.

use chrono::{DateTime, SecondsFormat, Utc};
use serde::Serialize;
use serde::de::DeserializeOwned;

/// The stored form of a timestamp: RFC 3339 UTC with exactly three fraction
/// digits, so that text order is time order.
pub(crate) fn timestamp(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// An enum's wire name (`weekly`, `fitness`), as stored.
pub(crate) fn enum_name<T: Serialize>(value: &T) -> String {
    serde_json::to_value(value)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

/// The enum whose wire name is `text`.
pub(crate) fn parse_enum<T: DeserializeOwned>(text: String) -> serde_json::Result<T> {
    serde_json::from_value(serde_json::Value::String(text))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::goal::Period;

    #[test]
    fn enums_are_stored_by_their_lower_case_wire_name() {
        assert_eq!(enum_name(&Period::Weekly), "weekly");
        assert_eq!(parse_enum::<Period>("weekly".to_owned()).unwrap(), Period::Weekly);
        assert!(parse_enum::<Period>("Weekly".to_owned()).is_err());
    }

    #[test]
    fn timestamps_have_a_fixed_width() {
        let at: DateTime<Utc> = "2026-11-25T09:00:00Z".parse().unwrap();
        assert_eq!(timestamp(at), "2026-11-25T09:00:00.000Z");
    }
}
