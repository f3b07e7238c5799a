//! Field rules the `garde` attributes of request types call, next to the
//! JSON Schema each one publishes (`#[schemars(..)]`), so that the document
//! says exactly what the server enforces.
//!
//! "White space" is the ASCII set `[ \t\n\v\f\r]` here and in every
//! published `pattern`, spelt out rather than `\s`, whose meaning differs
//! between regular expression dialects: a value valid by the document is
//! valid here, whichever engine checked it.

use schemars::{Schema, SchemaGenerator, json_schema};

/// Amounts (targets, progress values) are at most this.
pub const MAX_AMOUNT: f64 = 1e9;
/// Amounts are at least this: a billionth of a unit is below any useful
/// measure, and every store keeps it exactly (DynamoDB numbers stop at 1e-130).
pub const MIN_AMOUNT: f64 = 1e-9;
/// Running totals (a goal's progress, its days and periods) are at most this:
/// far from overflow, and within the range where `f64` keeps whole numbers exact.
pub const MAX_TOTAL: f64 = 1e15;

/// White space: `[ \t\n\v\f\r]`.
pub fn is_space(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\n' | '\u{b}' | '\u{c}' | '\r')
}

/// The same set inside a published character class.
const SPACE: &str = r" \t\n\x0b\f\r";

/// Trims white space from both ends.
pub fn trim(value: &str) -> &str {
    value.trim_matches(is_space)
}

/// The pattern of a value with at least one character that is not white space.
pub fn not_blank_pattern() -> String {
    format!("[^{SPACE}]")
}

/// At least one character that is not white space.
pub fn not_blank(value: &str, _: &()) -> garde::Result {
    if value.chars().all(is_space) {
        Err(garde::Error::new("must not be blank"))
    } else {
        Ok(())
    }
}

/// The schema of a required text of `min..=max` characters that is not blank.
pub fn text_schema(max: u32) -> Schema {
    json_schema!({ "type": "string", "minLength": 1, "maxLength": max, "pattern": not_blank_pattern() })
}

/// A title: 1–200 characters, not blank.
pub fn title_schema(_: &mut SchemaGenerator) -> Schema {
    text_schema(200)
}

/// A unit: 1–20 characters, not blank.
pub fn unit_schema(_: &mut SchemaGenerator) -> Schema {
    text_schema(20)
}

/// A display name: 1–80 characters, not blank.
pub fn display_name_schema(_: &mut SchemaGenerator) -> Schema {
    text_schema(80)
}

/// An optional display name: like [`display_name_schema`], or `null`.
pub fn optional_display_name_schema(generator: &mut SchemaGenerator) -> Schema {
    let mut schema = display_name_schema(generator);
    schema.insert("type".to_owned(), serde_json::json!(["string", "null"]));
    schema
}

/// A finite number in `[MIN_AMOUNT, MAX_AMOUNT]` (schema: `minimum: 1e-9`, `maximum: 1e9`).
pub fn amount(value: &f64, _: &()) -> garde::Result {
    if value.is_finite() && *value >= MIN_AMOUNT && *value <= MAX_AMOUNT {
        Ok(())
    } else {
        Err(garde::Error::new("must be at least 1e-9 and at most 1e9"))
    }
}

/// The schema of an amount.
pub fn amount_schema(_: &mut SchemaGenerator) -> Schema {
    json_schema!({ "type": "number", "minimum": MIN_AMOUNT, "maximum": MAX_AMOUNT })
}

/// Whether `local` is an email local part this API accepts: 1–64 ASCII
/// letters, digits and `._%+-`, starting with a letter, digit or `_`.
fn email_local_part(local: &str) -> bool {
    let mut chars = local.chars();
    (1..=64).contains(&local.len())
        && chars.next().is_some_and(|c| c.is_ascii_alphanumeric() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || "._%+-".contains(c))
}

/// Whether `domain` is a domain this API accepts: dot-separated labels of
/// ASCII letters, digits and `-`, the last one (the top-level domain) of two
/// or more letters.
fn email_domain(domain: &str) -> bool {
    let labels: Vec<&str> = domain.split('.').collect();
    labels.len() >= 2
        && labels
            .iter()
            .all(|label| !label.is_empty() && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'))
        && labels
            .last()
            .is_some_and(|tld| tld.len() >= 2 && tld.chars().all(|c| c.is_ascii_alphabetic()))
}

/// An email address, white space around it allowed (it is trimmed): an
/// ASCII local part (see `email_local_part`), `@`, and a domain with a
/// top-level domain of letters. Stricter than RFC 5322 on purpose: every
/// identity provider behind the API (Cognito included) takes these.
pub fn email(value: &str, _: &()) -> garde::Result {
    let valid = trim(value)
        .split_once('@')
        .is_some_and(|(local, domain)| email_local_part(local) && email_domain(domain));
    if valid {
        Ok(())
    } else {
        Err(garde::Error::new("must be a valid email address"))
    }
}

/// The schema of an email address, as [`email`] checks it.
pub fn email_schema(_: &mut SchemaGenerator) -> Schema {
    let pattern =
        format!("^[{SPACE}]*[A-Za-z0-9_][A-Za-z0-9._%+-]{{0,63}}@([A-Za-z0-9-]+\\.)+[A-Za-z]{{2,}}[{SPACE}]*$");
    json_schema!({ "type": "string", "maxLength": 254, "pattern": pattern, "examples": ["ada@example.com"] })
}

/// A field that may be absent (`#[serde(default)]` makes it `None`) but,
/// when present, holds a value: `null` is refused, as the schema says.
pub fn present<'de, D, T>(deserializer: D) -> Result<Option<T>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: serde::Deserialize<'de>,
{
    T::deserialize(deserializer).map(Some)
}

/// Characters a file name may not contain: separators and control characters.
fn forbidden_in_file_name(c: char) -> bool {
    c == '/' || c == '\\' || c.is_control()
}

/// A plain file name: no path separators or control characters, not blank.
pub fn file_name(value: &str, context: &()) -> garde::Result {
    if value.chars().any(forbidden_in_file_name) {
        return Err(garde::Error::new(
            "must be a plain file name: no `/`, `\\` or control characters",
        ));
    }
    not_blank(value, context)
}

/// The schema of a file name, as [`file_name`] checks it.
pub fn file_name_schema(_: &mut SchemaGenerator) -> Schema {
    let forbidden = "/\\\\\\x00-\\x1f\\x7f-\\x9f";
    let pattern = format!("^[^{forbidden}]*[^{forbidden}{SPACE}][^{forbidden}]*$");
    json_schema!({ "type": "string", "minLength": 1, "maxLength": 255, "pattern": pattern })
}

/// At least one upper-case letter, one lower-case letter and one digit (ASCII).
pub fn strong_password(value: &str, _: &()) -> garde::Result {
    let has = |check: fn(&char) -> bool| value.chars().any(|c| check(&c));
    if has(char::is_ascii_uppercase) && has(char::is_ascii_lowercase) && has(char::is_ascii_digit) {
        Ok(())
    } else {
        Err(garde::Error::new(
            "must have an upper-case letter, a lower-case letter and a digit",
        ))
    }
}

/// The years a date or timestamp may have: four digits, as RFC 3339 and
/// JSON Schema's `date` formats have them (chrono also reads signed years,
/// which overflow date arithmetic).
pub const CALENDAR_YEARS: std::ops::RangeInclusive<i32> = 1..=9999;

/// A calendar date in [`CALENDAR_YEARS`].
pub fn calendar_date(value: &chrono::NaiveDate, _: &()) -> garde::Result {
    if CALENDAR_YEARS.contains(&chrono::Datelike::year(value)) {
        Ok(())
    } else {
        Err(garde::Error::new("must be a date from 0001-01-01 to 9999-12-31"))
    }
}

/// An IANA time zone name such as `Europe/Paris`.
pub fn time_zone(value: &str, _: &()) -> garde::Result {
    match value.parse::<chrono_tz::Tz>() {
        Ok(_) => Ok(()),
        Err(_) => Err(garde::Error::new("must be an IANA time zone such as `Europe/Paris`")),
    }
}

/// The schema of a time zone: the names this server knows.
pub fn time_zone_schema(_: &mut SchemaGenerator) -> Schema {
    let names: Vec<&str> = chrono_tz::TZ_VARIANTS.iter().map(|tz| tz.name()).collect();
    json_schema!({ "type": "string", "enum": names, "examples": ["Europe/Paris"] })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blank_means_ascii_white_space_only() {
        assert!(not_blank(" \t\n\u{b}\u{c}\r", &()).is_err());
        assert!(not_blank("\u{3000}", &()).is_ok());
        assert_eq!(trim("\t a \u{a0}\n"), "a \u{a0}");
    }

    #[test]
    fn emails_are_ascii_with_a_dotted_domain_and_may_be_padded() {
        for ok in ["ada@example.com", " Ada@Example.com ", "8%o6+y_fq@0q.net"] {
            assert!(email(ok, &()).is_ok(), "{ok}");
        }
        for bad in [
            "8{%o6/y^fq@0q.net",
            "a@b",
            "@b.co",
            "a b@c.co",
            "a@.co",
            "a@b.co.",
            "a@@b.co",
            "ada",
            "a\u{1}@b.co",
        ] {
            assert!(email(bad, &()).is_err(), "{bad}");
        }
    }

    #[test]
    fn amounts_are_finite_positive_and_bounded() {
        for ok in [1e-9, 1.0, MAX_AMOUNT] {
            assert!(amount(&ok, &()).is_ok(), "{ok}");
        }
        for bad in [0.0, 5e-324, 1e-10, -1.0, f64::NAN, f64::INFINITY, MAX_AMOUNT * 1.5] {
            assert!(amount(&bad, &()).is_err(), "{bad}");
        }
    }

    #[test]
    fn file_names_are_plain() {
        assert!(file_name("photo.png", &()).is_ok());
        for bad in ["a/b", "a\\b", "a\u{0}b", "a\u{85}", "  "] {
            assert!(file_name(bad, &()).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn passwords_need_three_kinds_of_character() {
        assert!(strong_password("Passw0rd", &()).is_ok());
        for weak in ["password1", "PASSWORD1", "Password"] {
            assert!(strong_password(weak, &()).is_err(), "{weak}");
        }
    }

    #[test]
    fn time_zones_are_iana_names() {
        assert!(time_zone("Europe/Paris", &()).is_ok());
        assert!(time_zone("Mars/Olympus", &()).is_err());
    }
}
