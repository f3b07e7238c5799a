//! Signing out: one session (its refresh token), or every session of the
//! account, whose access tokens the API then refuses too.

use std::net::IpAddr;

use chrono::Utc;
use route_framework::error::ApiError;

use crate::app::App;
use crate::store::ports::StoreError;

/// Revokes one refresh token (an unknown one too: signing out twice is
/// fine); throttled per client address. The session's access token stays
/// valid until it expires, as with Cognito: the client drops it.
pub async fn logout(app: &App, client: Option<IpAddr>, refresh_token: &str) -> Result<(), ApiError> {
    app.throttle().admit(client, None).await?;
    app.identity().revoke_refresh_token(refresh_token).await?;
    Ok(())
}

/// Revokes every refresh token of `user_id`'s account and refuses the
/// access tokens issued before now.
pub async fn logout_all(app: &App, user_id: &str) -> Result<(), ApiError> {
    let email = account_email(app, user_id).await?;
    app.identity().sign_out_everywhere(user_id, &email).await?;
    revoke_access(app, user_id).await
}

/// Refuses `user_id`'s access tokens issued before now, here at once and on
/// other instances once their cache of it expires.
pub(super) async fn revoke_access(app: &App, user_id: &str) -> Result<(), ApiError> {
    let now = Utc::now();
    app.revocations().revoke_tokens(user_id, now).await?;
    let mut revocation = app.revocations().get(user_id).await?.unwrap_or_default();
    revocation.tokens_valid_from = revocation.tokens_valid_from.max(Some(now));
    app.sessions().remember(user_id, revocation);
    Ok(())
}

/// The email `user_id` signs in with, from their profile: the identity
/// provider's admin calls name users by it.
pub(super) async fn account_email(app: &App, user_id: &str) -> Result<String, StoreError> {
    Ok(app.profiles().get(user_id).await?.email)
}
