//! `POST /auth/reset-password`.

use crate::domain::identity::PasswordReset;
use crate::prelude::*;
use crate::use_cases::passwords;

/// Set a new password with the mailed code; every session is signed out.
#[route("POST /auth/reset-password", public)]
async fn reset_password(
    app: App,
    ClientIp(client): ClientIp,
    Json(body): Json<PasswordReset>,
) -> Result<NoContent, ApiError> {
    passwords::reset(&app, client, body).await?;
    Ok(NoContent)
}
