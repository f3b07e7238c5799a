//! `POST /auth/logout-all`.

use crate::prelude::*;
use crate::use_cases::sign_out;

/// Sign out everywhere: revoke every refresh token, refuse every access token issued before.
#[route("POST /auth/logout-all")]
async fn logout_all(user: User, app: App) -> Result<NoContent, ApiError> {
    sign_out::logout_all(&app, &user.id).await?;
    Ok(NoContent)
}
