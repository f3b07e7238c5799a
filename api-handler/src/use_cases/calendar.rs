//! Whose days are whose: the time zone a user's days are counted in.

use crate::app::App;
use crate::domain::profile;
use crate::store::ports::StoreError;

/// The time zone `user_id`'s days are counted in, by the domain's one rule
/// ([`profile::time_zone`]): a user without a profile counts in UTC.
pub async fn time_zone(app: &App, user_id: &str) -> Result<chrono_tz::Tz, StoreError> {
    match app.profiles().get(user_id).await {
        Ok(found) => Ok(profile::time_zone(Some(&found))),
        Err(StoreError::NotFound(_)) => Ok(profile::time_zone(None)),
        Err(err) => Err(err),
    }
}
