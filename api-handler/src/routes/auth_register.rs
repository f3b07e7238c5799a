//! `POST /auth/register`.

use crate::domain::identity::{Registered, Registration, validate_registration};
use crate::prelude::*;

/// Create an account (and its profile).
#[route("POST /auth/register", public)]
async fn register(app: App, Json(registration): Json<Registration>) -> Result<Created<Registered>, ApiError> {
    validate_registration(&registration)?;
    let registered = app.identity().register(registration).await?;
    let location = format!("/users/{}/profile", registered.user_id);
    Ok(Created::new(location, registered))
}
