//! User profiles.

use chrono::{DateTime, Utc};
use garde::Validate;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::rules;

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

impl Profile {
    /// The profile a new account starts with: `display_name`, or the email's
    /// local part, and the [`DEFAULT_TIMEZONE`].
    pub fn new(user_id: &str, email: &str, display_name: Option<&str>, now: DateTime<Utc>) -> Profile {
        let display_name = display_name
            .map(|name| rules::trim(name).to_owned())
            .unwrap_or_else(|| email.split('@').next().unwrap_or_default().to_owned());
        Profile {
            user_id: user_id.to_owned(),
            email: email.to_owned(),
            display_name,
            timezone: DEFAULT_TIMEZONE.to_owned(),
            created_at: now,
            updated_at: now,
        }
    }

    /// The profile with `update` applied at `now`.
    pub fn updated(&self, update: ProfileUpdate, now: DateTime<Utc>) -> Profile {
        Profile {
            display_name: rules::trim(&update.display_name).to_owned(),
            timezone: update.timezone,
            updated_at: now,
            ..self.clone()
        }
    }

    /// The time zone the user's days are counted in (UTC if the stored name is unknown).
    pub fn time_zone(&self) -> chrono_tz::Tz {
        self.timezone.parse().unwrap_or(chrono_tz::UTC)
    }
}

/// `PUT /users/{userId}/profile` body.
#[derive(Debug, Clone, Deserialize, JsonSchema, Validate)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ProfileUpdate {
    /// 1–80 characters, not blank.
    #[garde(length(chars, min = 1, max = 80), custom(rules::not_blank))]
    #[schemars(schema_with = "rules::display_name_schema")]
    pub display_name: String,
    /// An IANA name such as `Europe/Paris`.
    #[garde(custom(rules::time_zone))]
    #[schemars(schema_with = "rules::time_zone_schema")]
    pub timezone: String,
}

/// The time zone new profiles start with.
pub const DEFAULT_TIMEZONE: &str = "UTC";

/// The time zone a user's days are counted in: their profile's, or UTC for a
/// user who has none (a registration cut short before its profile, or an
/// account whose data is being purged). Every use case asks this one rule.
pub fn time_zone(profile: Option<&Profile>) -> chrono_tz::Tz {
    profile.map_or(chrono_tz::UTC, Profile::time_zone)
}

#[cfg(test)]
mod tests {
    use chrono::Utc;

    use super::{Profile, time_zone};

    #[test]
    fn a_user_without_a_profile_counts_days_in_utc() {
        let mut profile = Profile::new("u1", "a@b.co", None, Utc::now());
        profile.timezone = "Europe/Paris".to_owned();
        assert_eq!(time_zone(Some(&profile)), chrono_tz::Europe::Paris);
        assert_eq!(time_zone(None), chrono_tz::UTC);
    }
}
