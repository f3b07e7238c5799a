//! Event types: what `#[on_event("goal.completed")]` consumes.

/// The longest event type.
const MAX_LEN: usize = 128;

/// Checks an event type: lower-case letters, digits, `.`, `_` and `-`,
/// starting with a letter, at most 128 characters; `Err` says what is wrong.
///
/// ```
/// assert!(route_grammar::event_type::check("goal.completed").is_ok());
/// assert!(route_grammar::event_type::check("Goal.Completed").is_err());
/// ```
pub fn check(text: &str) -> Result<(), String> {
    let valid = text.len() <= MAX_LEN
        && text.starts_with(|c: char| c.is_ascii_lowercase())
        && text
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '.' | '_' | '-'));
    if valid {
        Ok(())
    } else {
        Err(format!(
            "invalid event type `{text}`: use lower-case letters, digits, `.`, `_` and `-`, starting with a letter"
        ))
    }
}
