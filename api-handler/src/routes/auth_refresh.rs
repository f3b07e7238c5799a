//! `POST /auth/refresh`.

use crate::domain::identity::Tokens;
use crate::prelude::*;
use crate::use_cases::accounts;

/// A refresh token.
#[derive(Debug, Deserialize, JsonSchema, Validate)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct Refresh {
    #[garde(skip)]
    refresh_token: String,
}

/// Exchange a refresh token for new tokens; the refresh token rotates.
#[route("POST /auth/refresh", public)]
async fn refresh(app: App, ClientIp(client): ClientIp, Json(body): Json<Refresh>) -> Result<Json<Tokens>, ApiError> {
    Ok(Json(accounts::refresh(&app, client, &body.refresh_token).await?))
}
