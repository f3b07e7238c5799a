//! Deleting an account: re-authenticated, answered once the account can no
//! longer log in, then purged by the `user.deleted` consumer page by page.
//!
//! The order makes every step safe to cut short:
//! 1. the password is checked (throttled like login);
//! 2. the tombstone and `user.deleted` commit in one transaction: from then
//!    on every token of the account is refused, login and refresh refuse it
//!    too, and every write of its data fails in its own transaction;
//! 3. the identity provider signs the account out everywhere and deletes it
//!    (the purge does it again should this fail), freeing the email;
//! 4. the purge deletes the provider account, every stored item and every
//!    blob, a page per transaction; a redelivery resumes it, and purging a
//!    purged user finds nothing to do.

use std::net::IpAddr;

use chrono::Utc;
use route_framework::error::ApiError;

use super::accounts::guarded;
use super::sign_out::account_email;
use crate::app::App;
use crate::domain::events::DomainEvent;
use crate::domain::identity::{Deletion, Revocation};
use crate::domain::stats::millis;
use crate::store::ports::{IdentityError, StoreError};

/// Items deleted per purge transaction.
pub const PURGE_PAGE: usize = 100;
/// Blobs deleted per purge call.
const BLOB_PAGE: usize = 1_000;

/// Deletes `user_id`'s account once `password` proves the caller knows it.
pub async fn delete(app: &App, client: Option<IpAddr>, user_id: &str, password: &str) -> Result<Deletion, ApiError> {
    let email = account_email(app, user_id).await?;
    let attempt = app.identity().login(&email, password, client);
    let session = guarded(app, client, &email, IdentityError::InvalidCredentials, attempt).await?;
    if session.user_id != user_id {
        return Err(IdentityError::InvalidCredentials.into());
    }
    let now = millis(Utc::now());
    let events = [DomainEvent::user_deleted(user_id, &email, now)];
    app.revocations().tombstone(user_id, now, &events).await?;
    app.sessions().remember(
        user_id,
        Revocation {
            tokens_valid_from: None,
            deleted_at: Some(now),
        },
    );
    app.relay().deliver(&events).await;
    if let Err(err) = close_account(app, user_id, &email).await {
        tracing::warn!(user_id, error = %err, "the account is deleted; the purge removes it from the identity provider");
    }
    Ok(Deletion {
        user_id: user_id.to_owned(),
        status: "deleting",
    })
}

/// Signs `user_id` out everywhere and deletes the account at the identity
/// provider; both are no-ops for an account already gone.
async fn close_account(app: &App, user_id: &str, email: &str) -> Result<(), IdentityError> {
    app.identity().sign_out_everywhere(user_id, email).await?;
    app.identity().delete_account(user_id).await?;
    app.throttle().succeeded(email).await;
    Ok(())
}

/// What a purge removed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Purged {
    /// Stored items (rows).
    pub items: usize,
    /// Blobs.
    pub blobs: usize,
}

/// Removes everything deleted user `user_id` (email `email`) owned: the
/// identity provider's account, every stored item but the tombstone, every
/// blob. Resumable and idempotent.
pub async fn purge(app: &App, user_id: &str, email: &str) -> Result<Purged, StoreError> {
    close_account(app, user_id, email).await.map_err(|err| match err {
        IdentityError::Store(err) => err,
        IdentityError::Throttled { retry_after_secs } => StoreError::Unavailable {
            reason: "the identity provider is throttling".to_owned(),
            retry_after_secs,
        },
        other => StoreError::Internal(format!("cannot close the account: {other}")),
    })?;
    let mut purged = Purged::default();
    loop {
        let items = app.erasure().erase_page(user_id, PURGE_PAGE).await?;
        if items == 0 {
            break;
        }
        purged.items += items;
    }
    loop {
        let blobs = app.blobs().delete_under(&format!("{user_id}/"), BLOB_PAGE).await?;
        if blobs == 0 {
            break;
        }
        purged.blobs += blobs;
    }
    Ok(purged)
}
