//! `POST /auth/confirm`.

use crate::prelude::*;
use crate::use_cases::accounts;

/// Confirmation request.
#[derive(Debug, Deserialize, JsonSchema, Validate)]
#[serde(deny_unknown_fields)]
struct Confirmation {
    #[garde(skip)]
    email: String,
    #[garde(skip)]
    code: String,
}

/// Confirm an account with the code sent to its email.
#[route("POST /auth/confirm", public)]
async fn confirm(app: App, ClientIp(client): ClientIp, Json(body): Json<Confirmation>) -> Result<NoContent, ApiError> {
    accounts::confirm(&app, client, &body.email, &body.code).await?;
    Ok(NoContent)
}
