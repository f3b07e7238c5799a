//! Progress entries: what a user logged against a goal.

use chrono::{DateTime, Duration, Utc};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::validate::Validator;
use route_framework::error::ApiError;

/// How far in the future `at` may be (clock skew between devices).
pub const MAX_FUTURE_SKEW: Duration = Duration::minutes(5);

/// `POST /goals/{goalId}/progress` body.
#[derive(Debug, Clone, PartialEq, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct NewProgress {
    /// Amount, greater than zero.
    pub value: f64,
    /// At most 500 characters.
    pub note: Option<String>,
    /// When it happened; defaults to now.
    pub at: Option<DateTime<Utc>>,
}

/// A validated [`NewProgress`] with its time fixed.
#[derive(Debug, Clone, PartialEq)]
pub struct ValidProgress {
    /// Amount.
    pub value: f64,
    /// Note.
    pub note: Option<String>,
    /// When it happened.
    pub at: DateTime<Utc>,
}

impl NewProgress {
    /// Validates the entry against `now`.
    pub fn validate(self, now: DateTime<Utc>) -> Result<ValidProgress, ApiError> {
        let mut v = Validator::new();
        v.check(self.value.is_finite() && self.value > 0.0, "/value", "must be > 0");
        if let Some(note) = &self.note {
            v.length(note, "/note", 0, 500);
        }
        let at = self.at.unwrap_or(now);
        v.check(
            at <= now + MAX_FUTURE_SKEW,
            "/at",
            "may not be more than 5 minutes in the future",
        );
        v.finish()?;
        Ok(ValidProgress {
            value: self.value,
            note: self.note,
            at: super::stats::millis(at),
        })
    }
}

/// A stored progress entry.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ProgressEntry {
    /// Id (ULID).
    pub entry_id: String,
    /// The goal it counts towards.
    pub goal_id: String,
    /// Amount.
    pub value: f64,
    /// Note, or `null`.
    pub note: Option<String>,
    /// When it happened.
    pub at: DateTime<Utc>,
    /// When it was recorded.
    pub created_at: DateTime<Utc>,
}
