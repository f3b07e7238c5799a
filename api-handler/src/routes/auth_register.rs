//! `POST /auth/register`.

use crate::domain::identity::{Registered, Registration};
use crate::prelude::*;
use crate::use_cases::accounts;

/// Create an account (and its profile).
#[route("POST /auth/register", public)]
async fn register(
    app: App,
    ClientIp(client): ClientIp,
    Json(registration): Json<Registration>,
) -> Result<Created<Registered>, ApiError> {
    let registered = accounts::register(&app, client, registration).await?;
    let location = format!("/users/{}/profile", registered.user_id);
    Ok(Created::new(location, registered))
}
