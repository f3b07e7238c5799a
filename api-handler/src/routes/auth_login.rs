//! `POST /auth/login`.

use crate::domain::identity::Tokens;
use crate::prelude::*;

/// Credentials.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
struct Credentials {
    email: String,
    password: String,
}

/// Log in: exchange email and password for tokens.
#[route("POST /auth/login", public)]
async fn login(app: App, Json(body): Json<Credentials>) -> Result<Json<Tokens>, ApiError> {
    Ok(Json(app.identity().login(&body.email, &body.password).await?))
}
