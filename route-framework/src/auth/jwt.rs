//! JWT verification (feature `jwt`): [`JwtAuthenticator`] for tokens
//! signed with one known key, and the pieces an app's own verifier reuses
//! (the header check, the 401 of each refusal, low-S ES256 signatures).

use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde::Deserialize;

use super::{Authenticator, User, split_scopes};
use crate::error::ApiError;

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
    #[serde(default)]
    iat: Option<u64>,
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
            issued_at: claims.iat,
        })
    }
}
