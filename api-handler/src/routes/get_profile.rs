//! `GET /users/{userId}/profile`.

use crate::domain::profile::Profile;
use crate::ownership::own_user_id;
use crate::prelude::*;

/// Read a profile (`me` or one's own id).
#[route("GET /users/{userId}/profile")]
async fn get_profile(user: User, app: App, Path(user_id): Path<String>) -> Result<Json<Profile>, ApiError> {
    let user_id = own_user_id(&user, &user_id)?;
    Ok(Json(app.profiles().get(&user_id).await?))
}
