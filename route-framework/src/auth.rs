//! Authentication: the [`User`] principal and how a request proves it.
//!
//! In Lambda behind the API Gateway JWT authorizer, the gateway has already
//! verified the token and passes its claims in the event. Everywhere else (the
//! local server, function URLs, the `$default` route) the dispatcher verifies
//! the bearer token itself through an [`Authenticator`]; it never trusts an
//! unverified token.

mod cache;
#[cfg(feature = "jwt")]
mod jwt;

use std::collections::HashMap;

use http::HeaderMap;

pub use self::cache::{CachedAuthenticator, DEFAULT_CAPACITY};
#[cfg(feature = "jwt")]
pub use self::jwt::{JwtAuthenticator, low_s_token, rejection, token_header};
use crate::error::ApiError;

/// The authenticated caller.
///
/// A route that is not `public` takes it as an argument; the dispatcher
/// answers 401 before the handler runs when no [`Authenticator`] (or the
/// gateway) vouches for the caller, and 403 when the token lacks a scope the
/// route requires.
///
/// ```standalone_crate
/// use std::sync::Arc;
///
/// use route_framework::auth::Authenticator;
/// use route_framework::dispatch::Dispatcher;
/// use route_framework::prelude::*;
/// use route_framework::testing::TestClient;
///
/// /// Accepts one token, for one user.
/// struct OneToken;
///
/// #[async_trait::async_trait]
/// impl Authenticator for OneToken {
///     async fn verify(&self, token: &str) -> Result<User, ApiError> {
///         match token {
///             "ada-token" => Ok(User {
///                 id: "ada".into(),
///                 email: None,
///                 scopes: vec!["goals.read".into()],
///                 issued_at: None,
///             }),
///             _ => Err(ApiError::unauthorized("unknown token")),
///         }
///     }
/// }
///
/// /// Who is calling.
/// #[route("GET /me")]
/// async fn me(user: User) -> Json<String> {
///     Json(user.id)
/// }
///
/// /// Change goals.
/// #[route("POST /goals", scopes = ["goals.write"])]
/// async fn write(_user: User) -> NoContent {
///     NoContent
/// }
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let client = TestClient::new(Arc::new(Dispatcher::new(route_framework::routes(), OneToken, ())?));
///
/// assert_eq!(client.get("/me").bearer("ada-token").send().await.json(), "ada");
/// assert_eq!(client.get("/me").send().await.status, 401);
/// assert_eq!(client.get("/me").bearer("forged").send().await.status, 401);
/// assert_eq!(client.post("/goals").bearer("ada-token").send().await.status, 403);
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    /// Stable user id: the token's `sub` (the Cognito user's `sub` in AWS).
    pub id: String,
    /// The user's email, when the token carries it.
    pub email: Option<String>,
    /// OAuth scopes granted to the token.
    pub scopes: Vec<String>,
    /// When the token was issued (its `iat`, seconds since the epoch), for
    /// an [`Authenticator::admit`] that refuses tokens older than a sign-out.
    pub issued_at: Option<u64>,
}

impl User {
    /// Builds the user from API Gateway JWT authorizer claims (all strings).
    ///
    /// `scopes` is the authorizer's own scope list when present; otherwise the
    /// space-separated `scope` claim is used.
    pub fn from_gateway_claims(claims: &HashMap<String, String>, scopes: Option<&[String]>) -> Result<User, ApiError> {
        let id = claims
            .get("sub")
            .filter(|sub| !sub.is_empty())
            .ok_or_else(|| ApiError::unauthorized("the token has no subject"))?;
        let scopes = match scopes {
            Some(scopes) => scopes.to_vec(),
            None => split_scopes(claims.get("scope").map(String::as_str)),
        };
        Ok(User {
            id: id.clone(),
            email: claims.get("email").cloned(),
            scopes,
            issued_at: claims.get("iat").and_then(|iat| iat.parse().ok()),
        })
    }

    /// Whether the token carries `scope`.
    pub fn has_scope(&self, scope: &str) -> bool {
        self.scopes.iter().any(|granted| granted == scope)
    }
}

/// Splits an OAuth `scope` claim ("a b c").
pub fn split_scopes(scope: Option<&str>) -> Vec<String> {
    scope
        .map(|s| s.split_whitespace().map(str::to_owned).collect())
        .unwrap_or_default()
}

/// Verifies a bearer token and names its user.
#[async_trait::async_trait]
pub trait Authenticator: Send + Sync + 'static {
    /// Verifies `token` (signature, algorithm, issuer, audience, expiry).
    /// Asynchronous, so a verifier may fetch keys it does not know yet.
    ///
    /// Every failure is a 401 `ApiError` whose message says what was wrong
    /// without echoing the token.
    async fn verify(&self, token: &str) -> Result<User, ApiError>;

    /// The user named by claims the API gateway's authorizer has verified
    /// already; a verifier with rules beyond the gateway's (a required
    /// `token_use`, say) checks them here too.
    fn gateway_user(&self, claims: &HashMap<String, String>, scopes: Option<&[String]>) -> Result<User, ApiError> {
        User::from_gateway_claims(claims, scopes)
    }

    /// Whether `user`, whose token has just been verified (by this process
    /// or the gateway), may still call: the place for what no signature can
    /// show, such as an account deleted or a sign-out everywhere since the
    /// token was issued. Runs on every authenticated request, after
    /// [`verify`](Authenticator::verify) or
    /// [`gateway_user`](Authenticator::gateway_user), and is never cached by
    /// [`CachedAuthenticator`]. The default admits everyone.
    async fn admit(&self, user: &User) -> Result<(), ApiError> {
        let _ = user;
        Ok(())
    }
}

#[async_trait::async_trait]
impl<T: Authenticator + ?Sized> Authenticator for std::sync::Arc<T> {
    async fn verify(&self, token: &str) -> Result<User, ApiError> {
        (**self).verify(token).await
    }

    fn gateway_user(&self, claims: &HashMap<String, String>, scopes: Option<&[String]>) -> Result<User, ApiError> {
        (**self).gateway_user(claims, scopes)
    }

    async fn admit(&self, user: &User) -> Result<(), ApiError> {
        (**self).admit(user).await
    }
}

/// The authenticator used when none is configured: every token is refused.
///
/// Secure by default: a server without a configured key can still serve
/// public routes, and every other route answers 401.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoAuthenticator;

#[async_trait::async_trait]
impl Authenticator for NoAuthenticator {
    async fn verify(&self, _token: &str) -> Result<User, ApiError> {
        Err(ApiError::unauthorized(
            "bearer tokens cannot be verified: no token verifier is configured",
        ))
    }
}

/// The token of an `Authorization: Bearer <token>` header.
pub(crate) fn bearer_token(headers: &HeaderMap) -> Result<&str, ApiError> {
    let value = headers
        .get(http::header::AUTHORIZATION)
        .ok_or_else(|| ApiError::unauthorized("missing `Authorization: Bearer <token>` header"))?;
    let value = value
        .to_str()
        .map_err(|_| ApiError::unauthorized("the `Authorization` header is not valid text"))?;
    match value.split_once(' ') {
        Some((scheme, token)) if scheme.eq_ignore_ascii_case("bearer") && !token.trim().is_empty() => Ok(token.trim()),
        _ => Err(ApiError::unauthorized("expected `Authorization: Bearer <token>`")),
    }
}
