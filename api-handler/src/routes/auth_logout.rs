//! `POST /auth/logout`.

use crate::prelude::*;
use crate::use_cases::sign_out;

/// The session to end.
#[derive(Debug, Deserialize, JsonSchema, Validate)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct Logout {
    #[garde(length(max = 8192))]
    refresh_token: String,
}

/// Sign out: revoke a refresh token (the access token lapses within the hour).
#[route("POST /auth/logout", public)]
async fn logout(app: App, ClientIp(client): ClientIp, Json(body): Json<Logout>) -> Result<NoContent, ApiError> {
    sign_out::logout(&app, client, &body.refresh_token).await?;
    Ok(NoContent)
}
