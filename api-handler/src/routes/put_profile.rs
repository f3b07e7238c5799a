//! `PUT /users/{userId}/profile`.

use crate::domain::profile::{Profile, ProfileUpdate};
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
    let update = update.validate()?;
    Ok(Json(app.profiles().update(&user_id, update).await?))
}
