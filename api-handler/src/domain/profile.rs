//! User profiles.

use chrono::{DateTime, Utc};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::validate::Validator;
use route_framework::error::ApiError;

/// A user's profile, created at registration.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Profile {
    /// Owner.
    pub user_id: String,
    /// Login email.
    pub email: String,
    /// Name shown in the app.
    pub display_name: String,
    /// IANA time zone; days for stats and streaks are counted in it.
    pub timezone: String,
    /// Creation time.
    pub created_at: DateTime<Utc>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
}

/// `PUT /users/{userId}/profile` body.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ProfileUpdate {
    /// 1–80 characters.
    pub display_name: String,
    /// An IANA name such as `Europe/Paris`.
    pub timezone: String,
}

/// The time zone new profiles start with.
pub const DEFAULT_TIMEZONE: &str = "UTC";

impl ProfileUpdate {
    /// Validates both fields, trimming the name.
    pub fn validate(mut self) -> Result<ProfileUpdate, ApiError> {
        self.display_name = self.display_name.trim().to_owned();
        let mut v = Validator::new();
        v.length(&self.display_name, "/displayName", 1, 80);
        v.check(
            parse_timezone(&self.timezone).is_some(),
            "/timezone",
            "must be an IANA time zone such as `Europe/Paris`",
        );
        v.finish()?;
        Ok(self)
    }
}

/// The time zone named `name`, if it is a valid IANA name.
pub fn parse_timezone(name: &str) -> Option<chrono_tz::Tz> {
    name.parse().ok()
}
