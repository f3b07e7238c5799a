//! Cognito access tokens, verified by this process (the local server with
//! `--backend aws`; in Lambda the gateway's JWT authorizer has done it and
//! only `token_use` is checked here).
//!
//! RS256 only; the pool's issuer, this app client's `client_id`,
//! `token_use = access` and the expiry are required. The pool's JSON Web
//! Key Set is fetched on first use (never during start-up), cached, and
//! fetched again on an unknown `kid` at most once per [`REFETCH_INTERVAL`].

use std::collections::HashMap;
use std::sync::{PoisonError, RwLock};
use std::time::{Duration, Instant};

use async_trait::async_trait;
use jsonwebtoken::jwk::{JwkSet, KeyAlgorithm};
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use route_framework::auth::{Authenticator, User};
use route_framework::error::ApiError;
use serde::Deserialize;

/// The least time between two key-set fetches.
pub const REFETCH_INTERVAL: Duration = Duration::from_secs(30);
/// How long a key-set fetch may take.
const FETCH_TIMEOUT: Duration = Duration::from_secs(5);
/// Clock skew tolerated on `exp` and `nbf`, in seconds.
const LEEWAY_SECS: u64 = 30;

/// The keys known so far and when they were last fetched.
#[derive(Default)]
struct KeyCache {
    keys: HashMap<String, DecodingKey>,
    fetched: Option<Instant>,
}

/// Verifies Cognito access tokens against the pool's published keys.
pub struct CognitoTokens {
    client_id: String,
    jwks_url: String,
    validation: Validation,
    http: reqwest::Client,
    cache: RwLock<KeyCache>,
    fetching: tokio::sync::Mutex<()>,
}

/// The claims read from an access token.
#[derive(Deserialize)]
struct AccessClaims {
    sub: String,
    #[serde(default)]
    client_id: Option<String>,
    #[serde(default)]
    token_use: Option<String>,
    #[serde(default)]
    scope: Option<String>,
}

impl CognitoTokens {
    /// A verifier for tokens of `issuer` issued to `client_id`, with keys at `jwks_url`.
    pub fn new(issuer: &str, client_id: &str, jwks_url: &str) -> Result<CognitoTokens, String> {
        let mut validation = Validation::new(Algorithm::RS256);
        validation.set_issuer(&[issuer]);
        validation.set_required_spec_claims(&["exp", "iss", "sub"]);
        // Access tokens carry `client_id`, not `aud`; it is checked below.
        validation.validate_aud = false;
        validation.validate_nbf = true;
        validation.leeway = LEEWAY_SECS;
        let http = reqwest::Client::builder()
            .timeout(FETCH_TIMEOUT)
            .build()
            .map_err(|err| format!("cannot build the HTTP client for the signing keys: {err}"))?;
        Ok(CognitoTokens {
            client_id: client_id.to_owned(),
            jwks_url: jwks_url.to_owned(),
            validation,
            http,
            cache: RwLock::new(KeyCache::default()),
            fetching: tokio::sync::Mutex::new(()),
        })
    }

    fn cached(&self, kid: &str) -> Option<DecodingKey> {
        self.cache
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .keys
            .get(kid)
            .cloned()
    }

    /// The key `kid`, fetching the key set if it is unknown and the last
    /// fetch is old enough.
    async fn key(&self, kid: &str) -> Result<DecodingKey, ApiError> {
        if let Some(key) = self.cached(kid) {
            return Ok(key);
        }
        let _one_fetch_at_a_time = self.fetching.lock().await;
        if let Some(key) = self.cached(kid) {
            return Ok(key);
        }
        let recent = self
            .cache
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .fetched
            .is_some_and(|at| at.elapsed() < REFETCH_INTERVAL);
        if !recent {
            let keys = self.fetch().await?;
            let mut cache = self.cache.write().unwrap_or_else(PoisonError::into_inner);
            cache.keys = keys;
            cache.fetched = Some(Instant::now());
        }
        self.cached(kid)
            .ok_or_else(|| ApiError::unauthorized("the token is signed with an unknown key"))
    }

    async fn fetch(&self) -> Result<HashMap<String, DecodingKey>, ApiError> {
        let unavailable = |reason: String| {
            tracing::warn!(url = self.jwks_url, reason, "cannot fetch the token signing keys");
            ApiError::unavailable("the token signing keys cannot be fetched right now", 1)
        };
        let response = self
            .http
            .get(&self.jwks_url)
            .send()
            .await
            .map_err(|err| unavailable(err.to_string()))?;
        if !response.status().is_success() {
            return Err(unavailable(format!("status {}", response.status())));
        }
        let body = response.bytes().await.map_err(|err| unavailable(err.to_string()))?;
        let set: JwkSet = serde_json::from_slice(&body).map_err(|err| unavailable(err.to_string()))?;
        Ok(rsa_keys(&set))
    }

    fn verify_with(&self, token: &str, key: &DecodingKey) -> Result<User, ApiError> {
        use jsonwebtoken::errors::ErrorKind;
        let data = jsonwebtoken::decode::<AccessClaims>(token, key, &self.validation).map_err(|err| {
            ApiError::unauthorized(match err.kind() {
                ErrorKind::ExpiredSignature => "the token has expired",
                ErrorKind::ImmatureSignature => "the token is not valid yet",
                ErrorKind::InvalidSignature => "the token signature is invalid",
                ErrorKind::InvalidAlgorithm => "the token uses an algorithm this API does not accept",
                ErrorKind::InvalidIssuer => "the token was issued by someone else",
                ErrorKind::MissingRequiredClaim(_) => "the token lacks a required claim",
                _ => "the token is malformed",
            })
        })?;
        let claims = data.claims;
        if claims.token_use.as_deref() != Some("access") {
            return Err(ApiError::unauthorized("expected an access token"));
        }
        if claims.client_id.as_deref() != Some(self.client_id.as_str()) {
            return Err(ApiError::unauthorized("the token is for another client"));
        }
        if claims.sub.is_empty() {
            return Err(ApiError::unauthorized("the token has no subject"));
        }
        Ok(User {
            id: claims.sub,
            email: None,
            scopes: claims
                .scope
                .map(|scope| scope.split_whitespace().map(str::to_owned).collect())
                .unwrap_or_default(),
        })
    }
}

/// The RSA signing keys of a key set, by `kid`.
fn rsa_keys(set: &JwkSet) -> HashMap<String, DecodingKey> {
    set.keys
        .iter()
        .filter(|jwk| jwk.common.key_algorithm.is_none_or(|alg| alg == KeyAlgorithm::RS256))
        .filter_map(|jwk| {
            let kid = jwk.common.key_id.clone()?;
            let key = DecodingKey::from_jwk(jwk).ok()?;
            Some((kid, key))
        })
        .collect()
}

#[async_trait]
impl Authenticator for CognitoTokens {
    async fn verify(&self, token: &str) -> Result<User, ApiError> {
        let header =
            jsonwebtoken::decode_header(token).map_err(|_| ApiError::unauthorized("the token is malformed"))?;
        if header.alg != Algorithm::RS256 {
            return Err(ApiError::unauthorized(
                "the token uses an algorithm this API does not accept",
            ));
        }
        if header.crit.is_some() {
            return Err(ApiError::unauthorized(
                "the token names critical extensions this API does not understand",
            ));
        }
        let kid = header
            .kid
            .ok_or_else(|| ApiError::unauthorized("the token names no signing key"))?;
        let key = self.key(&kid).await?;
        self.verify_with(token, &key)
    }

    fn gateway_user(&self, claims: &HashMap<String, String>, scopes: Option<&[String]>) -> Result<User, ApiError> {
        if claims.get("token_use").map(String::as_str) != Some("access") {
            return Err(ApiError::unauthorized("expected an access token"));
        }
        User::from_gateway_claims(claims, scopes)
    }
}
