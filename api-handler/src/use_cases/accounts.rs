//! The account's credentials: registration, confirmation, login and
//! refresh, across the identity and profile ports, each throttled the same
//! way (`crate::throttle`).
//!
//! Registration creates the account, then its profile (with `user.registered`,
//! in the profile's transaction). If the profile cannot be written, the
//! account is deleted again, so a retry with the same email starts afresh;
//! should that undo fail too, the account can still log in, and login creates
//! the missing profile: no half-made account blocks an email for good.

use std::net::IpAddr;

use chrono::Utc;
use route_framework::error::ApiError;

use crate::app::App;
use crate::domain::events::DomainEvent;
use crate::domain::identity::{Registered, Registration, Tokens, normalize_email};
use crate::domain::profile::Profile;
use crate::domain::stats::millis;
use crate::store::ports::{IdentityError, StoreError};

/// Creates an account and its profile, throttled per client address and email.
pub async fn register(app: &App, client: Option<IpAddr>, registration: Registration) -> Result<Registered, ApiError> {
    let email = normalize_email(&registration.email);
    app.throttle().admit(client, Some(&email)).await?;
    let account = app.identity().create_account(&email, &registration.password).await?;
    let now = millis(Utc::now());
    let profile = Profile::new(&account.user_id, &email, registration.display_name.as_deref(), now);
    let event = DomainEvent::user_registered(&account.user_id, &email, now);
    let events = [event];
    match app.profiles().create(profile, &events).await {
        Ok(true) => app.relay().deliver(&events).await,
        Ok(false) => {}
        Err(err) => {
            if let Err(undo) = app.identity().delete_account(&account.user_id).await {
                tracing::error!(
                    user_id = account.user_id,
                    error = %undo,
                    "registration left an account without a profile; its next login creates one"
                );
            }
            return Err(err.into());
        }
    }
    Ok(Registered {
        user_id: account.user_id,
        email,
        confirmed: account.confirmed,
    })
}

/// Runs `attempt` on the account `email` (normalised) once the throttle
/// admits it: an attempt that fails with `failure` (a wrong password, a
/// wrong code) makes the next ones on that email wait longer and longer, and
/// a success clears the run.
pub(super) async fn guarded<T>(
    app: &App,
    client: Option<IpAddr>,
    email: &str,
    failure: IdentityError,
    attempt: impl Future<Output = Result<T, IdentityError>>,
) -> Result<T, ApiError> {
    app.throttle().admit(client, Some(email)).await?;
    match attempt.await {
        Ok(done) => {
            app.throttle().succeeded(email).await;
            Ok(done)
        }
        Err(err) => {
            if err == failure {
                app.throttle().failed(email).await;
            }
            Err(err.into())
        }
    }
}

/// Confirms `email`'s account with the code sent to it; throttled like login.
pub async fn confirm(app: &App, client: Option<IpAddr>, email: &str, code: &str) -> Result<(), ApiError> {
    let email = normalize_email(email);
    let confirmation = app.identity().confirm(&email, code);
    guarded(app, client, &email, IdentityError::InvalidCode, confirmation).await
}

/// Exchanges a refresh token for new tokens; throttled per client address.
/// A deleted account's token is refused even while the provider still
/// honours it (its deletion there may come after the tombstone).
pub async fn refresh(app: &App, client: Option<IpAddr>, refresh_token: &str) -> Result<Tokens, ApiError> {
    app.throttle().admit(client, None).await?;
    let session = app.identity().refresh(refresh_token).await?;
    if deleted(app, &session.user_id).await? {
        return Err(IdentityError::InvalidRefreshToken.into());
    }
    Ok(session.tokens)
}

/// Whether `user_id`'s account is deleted (read from the store, not the cache).
async fn deleted(app: &App, user_id: &str) -> Result<bool, StoreError> {
    let revocation = app.revocations().get(user_id).await?;
    Ok(revocation.is_some_and(|revocation| revocation.deleted_at.is_some()))
}

/// Exchanges credentials for tokens, creating the profile if a registration
/// was cut short before it. Throttled per client address and email; wrong
/// credentials make the next attempts on that email wait longer and longer.
pub async fn login(app: &App, client: Option<IpAddr>, email: &str, password: &str) -> Result<Tokens, ApiError> {
    let email = normalize_email(email);
    let attempt = app.identity().login(&email, password, client);
    let session = guarded(app, client, &email, IdentityError::InvalidCredentials, attempt).await?;
    if deleted(app, &session.user_id).await? {
        return Err(IdentityError::InvalidCredentials.into());
    }
    match app.profiles().get(&session.user_id).await {
        Ok(_) => {}
        Err(StoreError::NotFound(_)) => {
            let now = millis(Utc::now());
            let profile = Profile::new(&session.user_id, &session.email, None, now);
            let event = DomainEvent::user_registered(&session.user_id, &session.email, now);
            let events = [event];
            if app.profiles().create(profile, &events).await? {
                app.relay().deliver(&events).await;
            }
            tracing::warn!(user_id = session.user_id, "created the profile a registration left out");
        }
        Err(err) => return Err(err.into()),
    }
    Ok(session.tokens)
}
