//! `POST /auth/register`.

use crate::domain::identity::{Registration, validate_registration};
use crate::prelude::*;

/// Create an account (and its profile).
#[route("POST /auth/register", public)]
async fn register(app: App, Json(registration): Json<Registration>) -> Result<Created<serde_json::Value>, ApiError> {
    validate_registration(&registration)?;
    let registered = app.identity().register(registration).await?;
    let location = format!("/users/{}/profile", registered.user_id);
    Ok(Created::new(location, serde_json::to_value(registered).map_err(|_| ApiError::internal())?))
}
