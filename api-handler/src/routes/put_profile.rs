//! `PUT /users/{userId}/profile`.

use chrono::Utc;

use crate::domain::profile::{Profile, ProfileUpdate};
use crate::domain::stats::millis;
use crate::ownership::own_user_id;
use crate::prelude::*;

/// Replace a profile's display name and time zone.
#[route("PUT /users/{userId}/profile")]
async fn put_profile(
    user: User,
    app: App,
    Path(user_id): Path<String>,
    Json(update): Json<ProfileUpdate>,
) -> Result<Json<Profile>, ApiError> {
    let user_id = own_user_id(&user, &user_id)?;
    let profile = app.profiles().get(&user_id).await?;
    let updated = profile.updated(update, millis(Utc::now()));
    Ok(Json(app.profiles().replace(updated).await?))
}
