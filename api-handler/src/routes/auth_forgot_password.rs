//! `POST /auth/forgot-password`.

use crate::domain::identity::ForgotPassword;
use crate::prelude::*;
use crate::use_cases::passwords;

/// What `POST /auth/forgot-password` answers for every email.
#[derive(Debug, Serialize, JsonSchema)]
struct Requested {
    /// Always `requested`: a code is mailed if the email has an account.
    status: &'static str,
}

/// Ask for a password reset code by mail; every email gets the same answer.
#[route("POST /auth/forgot-password", public)]
async fn forgot_password(
    app: App,
    ClientIp(client): ClientIp,
    Json(body): Json<ForgotPassword>,
) -> Result<Accepted<Requested>, ApiError> {
    passwords::forgot(&app, client, &body.email).await?;
    Ok(Accepted(Requested { status: "requested" }))
}
