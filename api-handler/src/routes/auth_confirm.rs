//! `POST /auth/confirm`.

use crate::domain::identity::normalize_email;
use crate::prelude::*;
use crate::store::ports::IdentityError;

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
    let email = normalize_email(&body.email);
    app.throttle().admit(client, Some(&email))?;
    match app.identity().confirm(&email, &body.code).await {
        Ok(()) => {
            app.throttle().succeeded(&email);
            Ok(NoContent)
        }
        Err(err) => {
            if err == IdentityError::InvalidCode {
                app.throttle().failed(&email);
            }
            Err(err.into())
        }
    }
}
