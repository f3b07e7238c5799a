//! Registration and login across the identity and profile ports.
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
    app.throttle().admit(client, Some(&email))?;
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

/// Exchanges credentials for tokens, creating the profile if a registration
/// was cut short before it. Throttled per client address and email; wrong
/// credentials make the next attempts on that email wait longer and longer.
pub async fn login(app: &App, client: Option<IpAddr>, email: &str, password: &str) -> Result<Tokens, ApiError> {
    let email = normalize_email(email);
    app.throttle().admit(client, Some(&email))?;
    let session = match app.identity().login(&email, password).await {
        Ok(session) => session,
        Err(err) => {
            if err == IdentityError::InvalidCredentials {
                app.throttle().failed(&email);
            }
            return Err(err.into());
        }
    };
    app.throttle().succeeded(&email);
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
