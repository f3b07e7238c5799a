//! Authentication: the [`User`] principal and how a request proves it.
//!
//! In Lambda behind the API Gateway JWT authorizer, the gateway has already
//! verified the token and passes its claims in the event. Everywhere else (the
//! local server, function URLs, the `$default` route) the dispatcher verifies
//! the bearer token itself through an [`Authenticator`]; it never trusts an
//! unverified token.

mod cache;

use std::collections::HashMap;

use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde::Deserialize;

pub use self::cache::{CachedAuthenticator, DEFAULT_CAPACITY};
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
///             "ada-token" => Ok(User { id: "ada".into(), email: None, scopes: vec!["goals.read".into()] }),
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
        })
    }

    /// Whether the token carries `scope`.
    pub fn has_scope(&self, scope: &str) -> bool {
        self.scopes.iter().any(|granted| granted == scope)
    }
}

/// The ES256 signature of a JWT, if it has one that parses.
fn es256_signature(token: &str) -> Option<(&str, p256::ecdsa::Signature)> {
    use base64::Engine as _;
    let (signed, signature) = token.rsplit_once('.')?;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(signature)
        .ok()?;
    p256::ecdsa::Signature::from_slice(&bytes)
        .ok()
        .map(|signature| (signed, signature))
}

/// Whether an ES256 token's signature is in low-S form (or not an ECDSA
/// signature at all, which verification then refuses). For every valid
/// signature `(r, s)`, `(r, n - s)` is valid too; accepting only low S makes
/// a signed token impossible to re-sign into a second, different valid one.
fn low_s_es256(token: &str) -> bool {
    es256_signature(token).is_none_or(|(_, signature)| signature.normalize_s().is_none())
}

/// `token` (an ES256 JWT) with its signature in low-S form, the only form
/// [`JwtAuthenticator`] accepts; ECDSA signers produce either form.
pub fn low_s_token(token: String) -> String {
    use base64::Engine as _;
    match es256_signature(&token).and_then(|(signed, signature)| Some((signed, signature.normalize_s()?))) {
        Some((signed, low)) => format!(
            "{signed}.{}",
            base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(low.to_bytes())
        ),
        None => token,
    }
}

/// A JWT's header, refused (401) when it does not parse or names critical
/// extensions: RFC 7515 §4.1.11 says a recipient must refuse extensions it
/// does not understand, and this API understands none.
pub fn token_header(token: &str) -> Result<jsonwebtoken::Header, ApiError> {
    let header = jsonwebtoken::decode_header(token).map_err(|_| ApiError::unauthorized("the token is malformed"))?;
    if header.crit.is_some() {
        return Err(ApiError::unauthorized(
            "the token names critical extensions this API does not understand",
        ));
    }
    Ok(header)
}

/// The 401 for a token `jsonwebtoken` refused: what was wrong, never the token.
pub fn rejection(err: &jsonwebtoken::errors::Error) -> ApiError {
    use jsonwebtoken::errors::ErrorKind;
    ApiError::unauthorized(match err.kind() {
        ErrorKind::ExpiredSignature => "the token has expired",
        ErrorKind::ImmatureSignature => "the token is not valid yet",
        ErrorKind::InvalidSignature => "the token signature is invalid",
        ErrorKind::InvalidAlgorithm | ErrorKind::InvalidAlgorithmName => {
            "the token uses an algorithm this API does not accept"
        }
        ErrorKind::InvalidIssuer => "the token was issued by someone else",
        ErrorKind::InvalidAudience => "the token is for another audience",
        ErrorKind::MissingRequiredClaim(_) => "the token lacks a required claim",
        _ => "the token is malformed",
    })
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
}

#[async_trait::async_trait]
impl<T: Authenticator + ?Sized> Authenticator for std::sync::Arc<T> {
    async fn verify(&self, token: &str) -> Result<User, ApiError> {
        (**self).verify(token).await
    }

    fn gateway_user(&self, claims: &HashMap<String, String>, scopes: Option<&[String]>) -> Result<User, ApiError> {
        (**self).gateway_user(claims, scopes)
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

/// Verifies JWTs signed with one public key and a pinned algorithm.
pub struct JwtAuthenticator {
    key: DecodingKey,
    validation: Validation,
    token_use: Option<&'static str>,
}

/// Claims this API reads from a JWT.
#[derive(Deserialize)]
struct Claims {
    sub: String,
    #[serde(default)]
    email: Option<String>,
    #[serde(default)]
    scope: Option<String>,
    #[serde(default)]
    token_use: Option<String>,
}

impl JwtAuthenticator {
    /// An authenticator for tokens signed by the PEM public key `pem` with
    /// `algorithm` (ES256, EdDSA or RS256), issued by `issuer` for `audience`.
    pub fn from_pem(
        algorithm: Algorithm,
        pem: &[u8],
        issuer: &str,
        audience: &str,
    ) -> Result<Self, jsonwebtoken::errors::Error> {
        let key = match algorithm {
            Algorithm::ES256 | Algorithm::ES384 => DecodingKey::from_ec_pem(pem)?,
            Algorithm::EdDSA => DecodingKey::from_ed_pem(pem)?,
            _ => DecodingKey::from_rsa_pem(pem)?,
        };
        let mut validation = Validation::new(algorithm);
        validation.set_issuer(&[issuer]);
        validation.set_audience(&[audience]);
        validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
        validation.leeway = 30;
        // `nbf` in the future is refused like `exp` in the past, with the same leeway.
        validation.validate_nbf = true;
        Ok(JwtAuthenticator {
            key,
            validation,
            token_use: None,
        })
    }

    /// Also requires the `token_use` claim to be `token_use` (Cognito-style
    /// `access`), so an ID token cannot stand in for an access token.
    pub fn require_token_use(mut self, token_use: &'static str) -> Self {
        self.token_use = Some(token_use);
        self
    }
}

#[async_trait::async_trait]
impl Authenticator for JwtAuthenticator {
    async fn verify(&self, token: &str) -> Result<User, ApiError> {
        self.verify_now(token)
    }
}

impl JwtAuthenticator {
    /// [`Authenticator::verify`], synchronously: the key is known up front.
    pub fn verify_now(&self, token: &str) -> Result<User, ApiError> {
        token_header(token)?;
        if self.validation.algorithms == [Algorithm::ES256] && !low_s_es256(token) {
            return Err(ApiError::unauthorized("the token signature is invalid"));
        }
        let data = jsonwebtoken::decode::<Claims>(token, &self.key, &self.validation).map_err(|err| rejection(&err))?;
        let claims = data.claims;
        if let Some(required) = self.token_use
            && claims.token_use.as_deref() != Some(required)
        {
            return Err(ApiError::unauthorized(format!("expected an {required} token")));
        }
        if claims.sub.is_empty() {
            return Err(ApiError::unauthorized("the token has no subject"));
        }
        Ok(User {
            id: claims.sub,
            email: claims.email,
            scopes: split_scopes(claims.scope.as_deref()),
        })
    }
}
