//! Helpers the route handlers share: ownership, pagination, conditional requests.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use serde::{Deserialize, Deserializer};

use crate::framework::app::App;
use crate::framework::auth::User;
use crate::framework::error::{ApiError, FieldError};
use crate::framework::extract::Headers;
use crate::store::ports::Page;

/// The default page size.
pub(crate) const DEFAULT_LIMIT: usize = 20;
/// The largest page size.
pub(crate) const MAX_LIMIT: usize = 100;

/// The user a `/users/{userId}/…` path names: `me` or the caller's own id.
/// Anyone else's id is a 404, so ids of other users cannot be probed.
pub(crate) fn own_user_id(user: &User, path_user_id: &str) -> Result<String, ApiError> {
    if path_user_id == "me" || path_user_id == user.id {
        Ok(user.id.clone())
    } else {
        Err(ApiError::not_found("no such user"))
    }
}

/// `?limit=&cursor=` of a listing.
#[derive(Debug, Clone, Default, Deserialize)]
pub(crate) struct PageQuery {
    pub(crate) limit: Option<String>,
    pub(crate) cursor: Option<String>,
}

impl PageQuery {
    /// The page size, 1–100 (default 20).
    pub(crate) fn limit(&self) -> Result<usize, ApiError> {
        match &self.limit {
            None => Ok(DEFAULT_LIMIT),
            Some(text) => text
                .parse::<usize>()
                .ok()
                .filter(|n| (1..=MAX_LIMIT).contains(n))
                .ok_or_else(|| {
                    ApiError::validation(vec![FieldError::new("limit", "must be an integer from 1 to 100")])
                }),
        }
    }

    /// Where to continue, from a cursor issued for `scope`.
    pub(crate) fn after(&self, app: &App, scope: &str) -> Result<Option<String>, ApiError> {
        self.cursor
            .as_deref()
            .map(|cursor| app.cursors().decode(scope, cursor))
            .transpose()
    }
}

/// Turns `limit + 1` fetched rows into a page, with a cursor when more remain.
pub(crate) fn page<T>(
    app: &App,
    scope: &str,
    mut rows: Vec<T>,
    limit: usize,
    position: impl Fn(&T) -> String,
) -> Page<T> {
    let next_cursor = if rows.len() > limit {
        rows.truncate(limit);
        rows.last().map(|last| app.cursors().encode(scope, &position(last)))
    } else {
        None
    };
    Page {
        items: rows,
        next_cursor,
    }
}

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
