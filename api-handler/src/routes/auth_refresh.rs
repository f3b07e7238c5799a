//! `POST /auth/refresh`.

use crate::domain::identity::Tokens;
use crate::prelude::*;

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
    app.throttle().admit(client, None)?;
    Ok(Json(app.identity().refresh(&body.refresh_token).await?.tokens))
}
