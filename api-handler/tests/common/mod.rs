//! Shared by the integration tests: test tokens and a dispatcher that verifies them.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use api_handler::framework::app::{App, Config};
use api_handler::framework::auth::JwtAuthenticator;
use api_handler::framework::dispatch::Dispatcher;
use api_handler::framework::testing::TestClient;
use jsonwebtoken::{Algorithm, EncodingKey, Header};

pub(crate) const ISSUER: &str = "https://issuer.test";
pub(crate) const AUDIENCE: &str = "lifestyle-test";
pub(crate) const TEST_PUBLIC_KEY: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/data/jwt-test-es256-public.pem"
);
const TEST_PRIVATE_KEY: &[u8] = include_bytes!("../data/jwt-test-es256-private.pem");
const OTHER_PRIVATE_KEY: &[u8] = include_bytes!("../data/jwt-other-es256-private.pem");

/// An app whose bearer tokens are verified with the test key pair.
pub(crate) fn app() -> App {
    let pem = std::fs::read(TEST_PUBLIC_KEY).unwrap();
    let authenticator =
        JwtAuthenticator::from_pem(Algorithm::ES256, &pem, ISSUER, AUDIENCE).unwrap();
    App::new(Config::default(), authenticator)
}

/// A dispatcher over every route linked into this test binary.
pub(crate) fn dispatcher() -> Arc<Dispatcher> {
    Arc::new(Dispatcher::new(api_handler::routes(), app()).unwrap())
}

/// A test client over [`dispatcher`].
pub(crate) fn client() -> TestClient {
    TestClient::new(dispatcher())
}

/// Seconds since the epoch.
pub(crate) fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

/// How a test token is made.
pub(crate) struct TokenSpec<'a> {
    pub(crate) sub: &'a str,
    pub(crate) scope: &'a str,
    pub(crate) issuer: &'a str,
    pub(crate) audience: &'a str,
    pub(crate) expires_at: u64,
    pub(crate) other_key: bool,
}

impl Default for TokenSpec<'_> {
    fn default() -> Self {
        TokenSpec {
            sub: "user-1",
            scope: "",
            issuer: ISSUER,
            audience: AUDIENCE,
            expires_at: now() + 3600,
            other_key: false,
        }
    }
}

/// Signs a token per `spec` with ES256.
pub(crate) fn token(spec: TokenSpec<'_>) -> String {
    let claims = serde_json::json!({
        "sub": spec.sub,
        "email": format!("{}@example.com", spec.sub),
        "scope": spec.scope,
        "iss": spec.issuer,
        "aud": spec.audience,
        "iat": now(),
        "exp": spec.expires_at,
    });
    let key = if spec.other_key {
        OTHER_PRIVATE_KEY
    } else {
        TEST_PRIVATE_KEY
    };
    jsonwebtoken::encode(
        &Header::new(Algorithm::ES256),
        &claims,
        &EncodingKey::from_ec_pem(key).unwrap(),
    )
    .unwrap()
}

/// A valid token for `sub`.
pub(crate) fn token_for(sub: &str) -> String {
    token(TokenSpec {
        sub,
        ..TokenSpec::default()
    })
}
