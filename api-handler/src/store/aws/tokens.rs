//! Cognito access tokens, verified by this process (the local server with
//! `--backend aws`; in Lambda the gateway's JWT authorizer has done it and
//! only `token_use` is checked here).
//!
//! RS256 only; the pool's issuer, this app client's `client_id`,
//! `token_use = access` and the expiry are required. The pool's JSON Web
//! Key Set is fetched on first use (never during start-up), cached, and
//! fetched again on an unknown `kid` at most once per [`REFETCH_INTERVAL`].

use std::collections::HashMap;
use std::sync::{OnceLock, PoisonError, RwLock};
use std::time::{Duration, Instant};

use async_trait::async_trait;
use jsonwebtoken::jwk::{JwkSet, KeyAlgorithm};
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use route_framework::auth::{Authenticator, User, rejection, split_scopes, token_header};
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
    /// Built on the first fetch: loading the system's root certificates
    /// costs milliseconds of a cold start, and a Lambda behind the gateway's
    /// JWT authorizer never fetches.
    http: OnceLock<reqwest::Client>,
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
    #[serde(default)]
    iat: Option<u64>,
}

impl CognitoTokens {
    /// A verifier for tokens of `issuer` issued to `client_id`, with keys at `jwks_url`.
    pub fn new(issuer: &str, client_id: &str, jwks_url: &str) -> CognitoTokens {
        let mut validation = Validation::new(Algorithm::RS256);
        validation.set_issuer(&[issuer]);
        validation.set_required_spec_claims(&["exp", "iss", "sub"]);
        // Access tokens carry `client_id`, not `aud`; it is checked below.
        validation.validate_aud = false;
        validation.validate_nbf = true;
        validation.leeway = LEEWAY_SECS;
        CognitoTokens {
            client_id: client_id.to_owned(),
            jwks_url: jwks_url.to_owned(),
            validation,
            http: OnceLock::new(),
            cache: RwLock::new(KeyCache::default()),
            fetching: tokio::sync::Mutex::new(()),
        }
    }

    /// The HTTP client of the key fetches, built on first use.
    fn http(&self) -> Result<&reqwest::Client, String> {
        if let Some(client) = self.http.get() {
            return Ok(client);
        }
        // reqwest takes rustls's process-wide provider: ring, the one this
        // build has (an Err means one is installed already).
        let _ = rustls::crypto::ring::default_provider().install_default();
        let client = reqwest::Client::builder()
            .timeout(FETCH_TIMEOUT)
            .build()
            .map_err(|err| format!("cannot build the HTTP client for the signing keys: {err}"))?;
        Ok(self.http.get_or_init(|| client))
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
            .http()
            .map_err(unavailable)?
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
        let data = jsonwebtoken::decode::<AccessClaims>(token, key, &self.validation).map_err(|err| rejection(&err))?;
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
            scopes: split_scopes(claims.scope.as_deref()),
            issued_at: claims.iat,
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
        let header = token_header(token)?;
        if header.alg != Algorithm::RS256 {
            return Err(ApiError::unauthorized(
                "the token uses an algorithm this API does not accept",
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

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicU32, Ordering};

    use jsonwebtoken::{EncodingKey, Header};
    use serde_json::json;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    use super::*;

    const ISSUER: &str = "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_test";
    const CLIENT: &str = "app-client";
    /// A key made for these tests only; `test-jwks.json` holds its public half as `test-key`.
    const PRIVATE_KEY: &str = include_str!("testdata/test-rsa-key.pem");
    const JWKS: &str = include_str!("testdata/test-jwks.json");

    /// Serves `JWKS` on a loopback port, counting the fetches.
    async fn key_server() -> (String, Arc<AtomicU32>) {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!(
            "http://{}/eu-west-1_test/.well-known/jwks.json",
            listener.local_addr().unwrap()
        );
        let fetches = Arc::new(AtomicU32::new(0));
        let counter = Arc::clone(&fetches);
        tokio::spawn(async move {
            while let Ok((mut stream, _)) = listener.accept().await {
                counter.fetch_add(1, Ordering::SeqCst);
                let mut request = [0_u8; 4096];
                let _ = stream.read(&mut request).await;
                let response = format!(
                    "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{JWKS}",
                    JWKS.len()
                );
                let _ = stream.write_all(response.as_bytes()).await;
            }
        });
        (url, fetches)
    }

    fn token(kid: &str, claims: serde_json::Value) -> String {
        let mut header = Header::new(Algorithm::RS256);
        header.kid = Some(kid.to_owned());
        jsonwebtoken::encode(
            &header,
            &claims,
            &EncodingKey::from_rsa_pem(PRIVATE_KEY.as_bytes()).unwrap(),
        )
        .unwrap()
    }

    fn claims(overrides: serde_json::Value) -> serde_json::Value {
        let now = chrono::Utc::now().timestamp();
        let mut claims = json!({
            "sub": "5f0c-user", "iss": ISSUER, "client_id": CLIENT, "token_use": "access",
            "scope": "aws.cognito.signin.user.admin", "iat": now, "exp": now + 600,
        });
        if let (Some(claims), Some(overrides)) = (claims.as_object_mut(), overrides.as_object()) {
            claims.extend(overrides.clone());
        }
        claims
    }

    async fn refusal(tokens: &CognitoTokens, token: &str) -> String {
        tokens.verify(token).await.unwrap_err().message().to_owned()
    }

    #[tokio::test]
    async fn access_tokens_of_this_pool_and_client_pass_and_others_do_not() {
        let (url, fetches) = key_server().await;
        let tokens = CognitoTokens::new(ISSUER, CLIENT, &url);
        assert_eq!(fetches.load(Ordering::SeqCst), 0, "no fetch before the first token");
        let user = tokens.verify(&token("test-key", claims(json!({})))).await.unwrap();
        assert_eq!((user.id.as_str(), user.scopes.len()), ("5f0c-user", 1));

        let id_token = token("test-key", claims(json!({ "token_use": "id", "aud": CLIENT })));
        assert_eq!(refusal(&tokens, &id_token).await, "expected an access token");
        let other_client = token("test-key", claims(json!({ "client_id": "someone-else" })));
        assert_eq!(refusal(&tokens, &other_client).await, "the token is for another client");
        let other_pool = token(
            "test-key",
            claims(json!({ "iss": "https://cognito-idp.eu-west-1.amazonaws.com/other" })),
        );
        assert_eq!(
            refusal(&tokens, &other_pool).await,
            "the token was issued by someone else"
        );
        let now = chrono::Utc::now().timestamp();
        let expired = token("test-key", claims(json!({ "iat": now - 7200, "exp": now - 3600 })));
        assert_eq!(refusal(&tokens, &expired).await, "the token has expired");
        let hmac = jsonwebtoken::encode(
            &Header::new(Algorithm::HS256),
            &claims(json!({})),
            &EncodingKey::from_secret(JWKS.as_bytes()),
        )
        .unwrap();
        assert_eq!(
            refusal(&tokens, &hmac).await,
            "the token uses an algorithm this API does not accept"
        );
        let mut tampered = token("test-key", claims(json!({})));
        tampered.push('A');
        assert!(tokens.verify(&tampered).await.is_err());
        assert_eq!(
            fetches.load(Ordering::SeqCst),
            1,
            "the key set is fetched once and cached"
        );
    }

    #[tokio::test]
    async fn an_unknown_key_refetches_at_most_once_per_interval() {
        let (url, fetches) = key_server().await;
        let tokens = CognitoTokens::new(ISSUER, CLIENT, &url);
        let unknown = token("rotated-key", claims(json!({})));
        for _ in 0..3 {
            assert_eq!(
                refusal(&tokens, &unknown).await,
                "the token is signed with an unknown key"
            );
        }
        assert_eq!(
            fetches.load(Ordering::SeqCst),
            1,
            "one fetch however many unknown tokens arrive"
        );
        assert!(tokens.verify(&token("test-key", claims(json!({})))).await.is_ok());
        assert_eq!(fetches.load(Ordering::SeqCst), 1);
    }

    #[tokio::test]
    async fn unreachable_keys_are_a_503_not_a_401() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}/jwks.json", listener.local_addr().unwrap());
        drop(listener);
        let tokens = CognitoTokens::new(ISSUER, CLIENT, &url);
        let err = tokens.verify(&token("test-key", claims(json!({})))).await.unwrap_err();
        assert_eq!(err.status().as_u16(), 503);
    }

    #[test]
    fn gateway_claims_must_come_from_an_access_token() {
        let tokens = CognitoTokens::new(ISSUER, CLIENT, "http://127.0.0.1:9/jwks.json");
        let mut claims: HashMap<String, String> = [("sub", "5f0c-user"), ("token_use", "id")]
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .into();
        assert!(tokens.gateway_user(&claims, None).is_err());
        claims.insert("token_use".to_owned(), "access".to_owned());
        assert_eq!(tokens.gateway_user(&claims, None).unwrap().id, "5f0c-user");
    }
}
