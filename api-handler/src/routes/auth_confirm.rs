//! `POST /auth/confirm`.

use crate::prelude::*;

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
async fn confirm(app: App, Json(body): Json<Confirmation>) -> Result<NoContent, ApiError> {
    app.identity().confirm(&body.email, &body.code).await?;
    Ok(NoContent)
}
