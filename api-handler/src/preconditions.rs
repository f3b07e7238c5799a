//! Conditional requests: `If-Match` against a resource's version.

use route_framework::error::ApiError;
use route_framework::extract::Headers;

/// The version an `If-Match: "<version>"` header requires; `None` without the
/// header or with `*`. Anything else is a 412: it cannot match.
pub(crate) fn if_match_version(headers: &Headers) -> Result<Option<u64>, ApiError> {
    let Some(value) = headers.0.get(http::header::IF_MATCH) else {
        return Ok(None);
    };
    let text = value.to_str().unwrap_or_default().trim();
    if text == "*" {
        return Ok(None);
    }
    text.trim_start_matches("W/")
        .trim_matches('"')
        .parse::<u64>()
        .map(Some)
        .map_err(|_| ApiError::precondition_failed("If-Match does not match the goal's ETag"))
}
