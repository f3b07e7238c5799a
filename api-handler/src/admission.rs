//! The revocation check of every authenticated request.
//!
//! A token's signature says nothing of a sign-out everywhere, a password
//! change or reset, or a deleted account since it was issued, and API
//! Gateway's JWT authorizer accepts it until it expires. So after the
//! gateway (or this process) has verified it, [`Admitting`] asks the user's
//! revocation (through `crate::sessions`' cache): tokens issued before its
//! cut-off, and every token of a deleted account, get 401.

use std::collections::HashMap;

use route_framework::auth::{Authenticator, User};
use route_framework::error::ApiError;

use crate::app::App;
use crate::sessions;

/// An authenticator that also refuses revoked tokens: `inner` verifies,
/// the app's [`Sessions`](crate::sessions::Sessions) admit.
pub struct Admitting<A> {
    inner: A,
    app: App,
}

impl<A: Authenticator> Admitting<A> {
    /// `inner`'s verification, then `app`'s revocation check.
    pub fn new(inner: A, app: App) -> Self {
        Admitting { inner, app }
    }
}

#[async_trait::async_trait]
impl<A: Authenticator> Authenticator for Admitting<A> {
    async fn verify(&self, token: &str) -> Result<User, ApiError> {
        self.inner.verify(token).await
    }

    fn gateway_user(&self, claims: &HashMap<String, String>, scopes: Option<&[String]>) -> Result<User, ApiError> {
        self.inner.gateway_user(claims, scopes)
    }

    async fn admit(&self, user: &User) -> Result<(), ApiError> {
        self.inner.admit(user).await?;
        let revocation = self.app.sessions().revocation(self.app.revocations(), &user.id).await?;
        if revocation.refuses(user.issued_at) {
            return Err(sessions::revoked());
        }
        Ok(())
    }
}
