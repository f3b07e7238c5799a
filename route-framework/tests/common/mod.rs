//! Shared by the framework's integration tests: test tokens, a `GET /health`
//! route, and a dispatcher over every route of the test binary.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::ops::Deref;
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use jsonwebtoken::{Algorithm, EncodingKey, Header};
use route_framework::auth::{JwtAuthenticator, low_s_token};
use route_framework::dispatch::Dispatcher;
use route_framework::event::EventDispatcher;
use route_framework::prelude::*;
use route_framework::testing::TestClient;

pub(crate) const ISSUER: &str = "https://issuer.test";
pub(crate) const AUDIENCE: &str = "lifestyle-test";
const TEST_PUBLIC_KEY: &[u8] = include_bytes!("../data/jwt-test-es256-public.pem");
const TEST_PRIVATE_KEY: &[u8] = include_bytes!("../data/jwt-test-es256-private.pem");
const OTHER_PRIVATE_KEY: &[u8] = include_bytes!("../data/jwt-other-es256-private.pem");

/// The state every test dispatcher carries, read back by `State<Greeting>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Greeting(pub(crate) &'static str);

/// The health report.
#[derive(Serialize, JsonSchema)]
pub(crate) struct Health {
    status: &'static str,
    greeting: &'static str,
}

/// Report that the service is up.
#[route("GET /health", public)]
async fn health(State(greeting): State<Greeting>) -> Json<Health> {
    Json(Health {
        status: "ok",
        greeting: greeting.0,
    })
}

/// A dispatcher over every route of this test binary, one over its
/// consumers and jobs, and a client.
pub(crate) struct Harness {
    pub(crate) dispatcher: Arc<Dispatcher>,
    pub(crate) events: Arc<EventDispatcher>,
    pub(crate) client: TestClient,
}

impl Deref for Harness {
    type Target = TestClient;

    fn deref(&self) -> &TestClient {
        &self.client
    }
}

/// A dispatcher over every route of this test binary; bearer tokens are
/// verified with the test key pair (see [`token`]).
pub(crate) fn dispatcher() -> Arc<Dispatcher> {
    let authenticator = JwtAuthenticator::from_pem(Algorithm::ES256, TEST_PUBLIC_KEY, ISSUER, AUDIENCE).unwrap();
    Arc::new(Dispatcher::new(route_framework::routes(), authenticator, Greeting("hello")).unwrap())
}

/// [`dispatcher`], one over the consumers and jobs of this test binary, and a client.
pub(crate) fn client() -> Harness {
    let dispatcher = dispatcher();
    let events = EventDispatcher::new(route_framework::consumers(), route_framework::jobs(), Greeting("hello"));
    Harness {
        events: Arc::new(events.unwrap()),
        client: TestClient::new(Arc::clone(&dispatcher)),
        dispatcher,
    }
}

/// Seconds since the epoch.
pub(crate) fn now() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs()
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
    low_s_token(
        jsonwebtoken::encode(
            &Header::new(Algorithm::ES256),
            &claims,
            &EncodingKey::from_ec_pem(key).unwrap(),
        )
        .unwrap(),
    )
}

/// A token of the test key with these `claims` (added to valid ones) and this header.
pub(crate) fn token_with(header: &Header, claims: serde_json::Value) -> String {
    let mut all = serde_json::json!({
        "sub": "user-1", "iss": ISSUER, "aud": AUDIENCE, "iat": now(), "exp": now() + 3600,
    });
    if let (Some(all), serde_json::Value::Object(extra)) = (all.as_object_mut(), claims) {
        all.extend(extra);
    }
    low_s_token(jsonwebtoken::encode(header, &all, &EncodingKey::from_ec_pem(TEST_PRIVATE_KEY).unwrap()).unwrap())
}

/// A valid token for `sub`.
pub(crate) fn token_for(sub: &str) -> String {
    token(TokenSpec {
        sub,
        ..TokenSpec::default()
    })
}
