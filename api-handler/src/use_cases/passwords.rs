//! Passwords: a forgotten one reset with a mailed code, a known one changed.
//! Both revoke every refresh token of the account, and the API refuses the
//! access tokens issued before (`crate::sessions`).

use std::net::IpAddr;

use route_framework::error::ApiError;

use super::accounts::guarded;
use super::sign_out::revoke_access;
use crate::app::App;
use crate::domain::identity::{PasswordChange, PasswordReset, normalize_email};
use crate::store::ports::IdentityError;

/// Sends a reset code to `email`'s account, if it has one. Every email gets
/// the same answer in about the same time, throttled per address and email;
/// even the provider's own limit on one account answers like the rest, so
/// nothing tells which emails have accounts.
pub async fn forgot(app: &App, client: Option<IpAddr>, email: &str) -> Result<(), ApiError> {
    let email = normalize_email(email);
    app.throttle().admit(client, Some(&email)).await?;
    match app.identity().forgot_password(&email).await {
        Ok(()) => Ok(()),
        Err(IdentityError::Throttled { retry_after_secs }) => {
            tracing::warn!(retry_after_secs, "the identity provider throttled a password reset");
            Ok(())
        }
        Err(err) => Err(err.into()),
    }
}

/// Sets a new password with the mailed code; wrong codes count like wrong
/// passwords at login. Signs the account out everywhere.
pub async fn reset(app: &App, client: Option<IpAddr>, reset: PasswordReset) -> Result<(), ApiError> {
    let email = normalize_email(&reset.email);
    let attempt = async {
        let reset = app.identity().reset_password(&email, &reset.code, &reset.new_password);
        reset.await.map_err(IdentityError::on_new_password)
    };
    let user_id = guarded(app, client, &email, IdentityError::InvalidCode, attempt).await?;
    revoke_access(app, &user_id).await
}

/// Changes the caller's password (their `access_token` authorises it with
/// the provider). The current password is checked, and wrong ones count
/// like wrong passwords at login; then the account is signed out everywhere,
/// this session included.
pub async fn change(
    app: &App,
    client: Option<IpAddr>,
    user_id: &str,
    access_token: &str,
    change: PasswordChange,
) -> Result<(), ApiError> {
    let attempt = async {
        let identity = app.identity();
        let change = identity.change_password(user_id, access_token, &change.current_password, &change.new_password);
        change.await.map_err(IdentityError::on_new_password)
    };
    guarded(app, client, user_id, IdentityError::InvalidCredentials, attempt).await?;
    revoke_access(app, user_id).await
}
