//! `Identity`: accounts and tokens (embedded: local; AWS: Cognito).
//!
//! Only credentials live here. The profile is another port, and registration
//! (account, then profile) is orchestrated in `crate::use_cases::accounts`.

use std::fmt;

use std::net::IpAddr;

use async_trait::async_trait;

use super::error::StoreError;
use crate::domain::identity::Tokens;

/// A new account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Account {
    /// The user id (Cognito's `sub`).
    pub user_id: String,
    /// Whether the account can log in already (else it awaits a confirmation code).
    pub confirmed: bool,
}

/// A successful login or refresh: who, and their tokens.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    /// The user id.
    pub user_id: String,
    /// The account's email.
    pub email: String,
    /// The tokens to hand the client.
    pub tokens: Tokens,
}

/// How an identity call fails.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IdentityError {
    /// The email is registered already.
    EmailTaken,
    /// Unknown email or wrong password: the same answer for both.
    InvalidCredentials,
    /// The account exists but is not confirmed yet.
    NotConfirmed,
    /// The confirmation code is wrong or expired (or the email unknown).
    InvalidCode,
    /// The refresh token is unknown, expired, revoked or reused.
    InvalidRefreshToken,
    /// The provider refused the password (its own policy).
    InvalidPassword(String),
    /// The provider refused the new password of a reset or change.
    InvalidNewPassword(String),
    /// The provider refused the email as a user name.
    InvalidEmail(String),
    /// Too many attempts; retry after the hint.
    Throttled {
        /// Seconds to wait.
        retry_after_secs: u32,
    },
    /// The underlying store failed.
    Store(StoreError),
}

impl fmt::Display for IdentityError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            IdentityError::EmailTaken => f.write_str("this email is already registered"),
            IdentityError::InvalidCredentials => f.write_str("invalid email or password"),
            IdentityError::NotConfirmed => f.write_str("the account is not confirmed yet"),
            IdentityError::InvalidCode => f.write_str("wrong or expired confirmation code"),
            IdentityError::InvalidRefreshToken => f.write_str("the refresh token is invalid, expired or already used"),
            IdentityError::InvalidPassword(reason) | IdentityError::InvalidNewPassword(reason) => {
                write!(f, "the password was refused: {reason}")
            }
            IdentityError::InvalidEmail(reason) => write!(f, "the email was refused: {reason}"),
            IdentityError::Throttled { retry_after_secs } => {
                write!(f, "too many attempts; retry after {retry_after_secs} s")
            }
            IdentityError::Store(err) => err.fmt(f),
        }
    }
}

impl std::error::Error for IdentityError {}

impl IdentityError {
    /// The error of a call that sets a new password: a refused password is
    /// the new one.
    pub fn on_new_password(self) -> IdentityError {
        match self {
            IdentityError::InvalidPassword(reason) => IdentityError::InvalidNewPassword(reason),
            other => other,
        }
    }
}

impl From<StoreError> for IdentityError {
    fn from(err: StoreError) -> Self {
        IdentityError::Store(err)
    }
}

/// Accounts and tokens.
#[async_trait]
pub trait Identity: Send + Sync {
    /// Creates an account for a normalised `email`.
    async fn create_account(&self, email: &str, password: &str) -> Result<Account, IdentityError>;
    /// Removes an account (undoing a registration whose profile failed, or
    /// deleting one); an unknown id is fine.
    async fn delete_account(&self, user_id: &str) -> Result<(), IdentityError>;
    /// Confirms an account with the code sent to its email.
    async fn confirm(&self, email: &str, code: &str) -> Result<(), IdentityError>;
    /// Exchanges credentials for tokens. `client` is the caller's address,
    /// when known: the provider's own risk checks see the user, not the API.
    async fn login(&self, email: &str, password: &str, client: Option<IpAddr>) -> Result<Session, IdentityError>;
    /// Exchanges a refresh token for new tokens (and a new refresh token).
    async fn refresh(&self, refresh_token: &str) -> Result<Session, IdentityError>;
    /// Sends a password reset code to `email`'s account. An unknown email
    /// succeeds too, having sent nothing, in about the same time: the answer
    /// tells nobody which emails have accounts.
    async fn forgot_password(&self, email: &str) -> Result<(), IdentityError>;
    /// Sets `new_password` on `email`'s account with the code
    /// [`forgot_password`](Identity::forgot_password) sent, revokes every
    /// refresh token of the account and returns its user id. A wrong, used
    /// or expired code (or an unknown email) is `InvalidCode`.
    async fn reset_password(&self, email: &str, code: &str, new_password: &str) -> Result<String, IdentityError>;
    /// Changes the password of the caller's account (`user_id`, whose access
    /// token is `access_token`) from `current` to `new_password` and revokes
    /// every refresh token of the account. A wrong `current` is
    /// `InvalidCredentials`.
    async fn change_password(
        &self,
        user_id: &str,
        access_token: &str,
        current: &str,
        new_password: &str,
    ) -> Result<(), IdentityError>;
    /// Revokes one refresh token; an unknown or revoked one is fine.
    async fn revoke_refresh_token(&self, refresh_token: &str) -> Result<(), IdentityError>;
    /// Revokes every refresh token of the account `user_id` (email `email`);
    /// an unknown account is fine.
    async fn sign_out_everywhere(&self, user_id: &str, email: &str) -> Result<(), IdentityError>;
}
