//! `POST /auth/login`.

use crate::domain::identity::Tokens;
use crate::prelude::*;
use crate::use_cases::accounts;

/// Credentials.
#[derive(Debug, Deserialize, JsonSchema, Validate)]
#[serde(deny_unknown_fields)]
struct Credentials {
    #[garde(skip)]
    email: String,
    #[garde(skip)]
    password: String,
}

/// Log in: exchange email and password for tokens.
#[route("POST /auth/login", public)]
async fn login(app: App, ClientIp(client): ClientIp, Json(body): Json<Credentials>) -> Result<Json<Tokens>, ApiError> {
    Ok(Json(accounts::login(&app, client, &body.email, &body.password).await?))
}
