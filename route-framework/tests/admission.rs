//! `Authenticator::admit`: the check after the signature, on every
//! authenticated request, whether the gateway or this process verified the
//! token, and never skipped by the verified-token cache.
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use bytes::Bytes;
use route_framework::auth::{Authenticator, CachedAuthenticator, DEFAULT_CAPACITY};
use route_framework::dispatch::{Dispatcher, GatewayAuth, Incoming};
use route_framework::prelude::*;

/// Who is calling, and since when their token was issued.
#[route("GET /admitted")]
async fn admitted(user: User) -> Json<serde_json::Value> {
    Json(serde_json::json!({ "user": user.id, "issuedAt": user.issued_at }))
}

/// Accepts tokens `sub.iat` (with any `exp`); admits only tokens issued at
/// or after 100, as if every session before had been signed out.
#[derive(Default)]
struct SignedOutBefore100 {
    admitted: AtomicUsize,
}

#[async_trait::async_trait]
impl Authenticator for SignedOutBefore100 {
    async fn verify(&self, token: &str) -> Result<User, ApiError> {
        let (sub, iat) = token
            .split_once('.')
            .ok_or_else(|| ApiError::unauthorized("bad token"))?;
        Ok(User {
            id: sub.to_owned(),
            email: None,
            scopes: Vec::new(),
            issued_at: iat.parse().ok(),
        })
    }

    async fn admit(&self, user: &User) -> Result<(), ApiError> {
        self.admitted.fetch_add(1, Ordering::SeqCst);
        match user.issued_at {
            Some(iat) if iat >= 100 => Ok(()),
            _ => Err(ApiError::unauthorized("the token was revoked")),
        }
    }
}

fn dispatcher(authenticator: impl Authenticator) -> Dispatcher {
    Dispatcher::new(route_framework::routes(), authenticator, ()).unwrap()
}

fn request(token: Option<&str>, claims: Option<&[(&str, &str)]>) -> Incoming {
    let mut headers = http::HeaderMap::new();
    if let Some(token) = token {
        headers.insert(http::header::AUTHORIZATION, format!("Bearer {token}").parse().unwrap());
    }
    let mut incoming = Incoming::new(
        http::Method::GET,
        "/admitted".parse().unwrap(),
        headers,
        Bytes::new(),
        "r1".to_owned(),
    );
    incoming.gateway_auth = claims.map(|claims| GatewayAuth {
        claims: claims
            .iter()
            .map(|(name, value)| ((*name).to_owned(), (*value).to_owned()))
            .collect::<HashMap<_, _>>(),
        scopes: None,
    });
    incoming
}

#[tokio::test]
async fn a_verified_token_is_still_refused_when_admit_says_so() {
    let dispatcher = dispatcher(SignedOutBefore100::default());
    let fresh = dispatcher.dispatch(request(Some("ada.150"), None)).await;
    assert_eq!(fresh.status(), 200);
    let body: serde_json::Value = serde_json::from_slice(fresh.body()).unwrap();
    assert_eq!(body, serde_json::json!({ "user": "ada", "issuedAt": 150 }));
    let old = dispatcher.dispatch(request(Some("ada.99"), None)).await;
    assert_eq!(old.status(), 401);
}

#[tokio::test]
async fn gateway_claims_are_admitted_too_with_their_iat() {
    let dispatcher = dispatcher(SignedOutBefore100::default());
    let fresh = dispatcher
        .dispatch(request(None, Some(&[("sub", "ada"), ("iat", "150")])))
        .await;
    assert_eq!(fresh.status(), 200);
    let old = dispatcher
        .dispatch(request(None, Some(&[("sub", "ada"), ("iat", "99")])))
        .await;
    assert_eq!(
        old.status(),
        401,
        "the gateway verified the signature, not the revocation"
    );
    let undated = dispatcher.dispatch(request(None, Some(&[("sub", "ada")]))).await;
    assert_eq!(undated.status(), 401);
}

#[tokio::test]
async fn the_verified_token_cache_never_skips_admit() {
    let inner = Arc::new(SignedOutBefore100::default());
    let dispatcher = dispatcher(CachedAuthenticator::new(Arc::clone(&inner), DEFAULT_CAPACITY));
    for _ in 0..3 {
        assert_eq!(dispatcher.dispatch(request(Some("ada.150"), None)).await.status(), 200);
    }
    assert_eq!(inner.admitted.load(Ordering::SeqCst), 3);
}
