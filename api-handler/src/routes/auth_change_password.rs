//! `POST /auth/change-password`.

use crate::domain::identity::PasswordChange;
use crate::prelude::*;
use crate::use_cases::passwords;
use route_framework::extract::BearerToken;

/// Change one's password; every session, this one included, is signed out.
#[route("POST /auth/change-password")]
async fn change_password(
    user: User,
    app: App,
    ClientIp(client): ClientIp,
    BearerToken(token): BearerToken,
    Json(body): Json<PasswordChange>,
) -> Result<NoContent, ApiError> {
    passwords::change(&app, client, &user.id, &token, body).await?;
    Ok(NoContent)
}
