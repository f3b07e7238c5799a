//! Accounts: the registration rules (email shape, password strength), the
//! requests of an account's lifecycle (reset, change, sign-out, deletion),
//! tokens, and when a token is refused before it expires.

use chrono::{DateTime, Utc};
use garde::Validate;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::rules;

/// `POST /auth/register` body.
#[derive(Debug, Clone, Deserialize, JsonSchema, Validate)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Registration {
    /// Login email (trimmed and lower-cased).
    #[garde(length(chars, max = 254), custom(rules::email))]
    #[schemars(schema_with = "rules::email_schema")]
    pub email: String,
    /// 8–256 characters with an upper-case letter, a lower-case letter and a digit.
    #[garde(length(chars, min = 8, max = 256), custom(rules::strong_password))]
    #[schemars(pattern(r"^(?=[^A-Z]*[A-Z])(?=[^a-z]*[a-z])(?=[^0-9]*[0-9])"))]
    pub password: String,
    /// Optional display name (1–80 characters, not blank); absent or `null`
    /// means the email's local part.
    #[garde(length(chars, min = 1, max = 80), inner(custom(rules::not_blank)))]
    #[serde(default)]
    #[schemars(schema_with = "rules::optional_display_name_schema")]
    pub display_name: Option<String>,
}

/// `POST /auth/register` answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Registered {
    /// The new user's id.
    pub user_id: String,
    /// Normalised email.
    pub email: String,
    /// Whether the user can log in already.
    pub confirmed: bool,
}

/// Tokens returned by login and refresh.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Tokens {
    /// Bearer token for the API (1 h).
    pub access_token: String,
    /// OpenID Connect ID token.
    pub id_token: String,
    /// Long-lived token for `POST /auth/refresh`; rotated on every use.
    pub refresh_token: String,
    /// Access token lifetime in seconds.
    pub expires_in: u64,
    /// Always `Bearer`.
    pub token_type: &'static str,
}

/// `POST /auth/forgot-password` body.
#[derive(Debug, Clone, Deserialize, JsonSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct ForgotPassword {
    /// The account's email.
    #[garde(length(chars, max = 254))]
    pub email: String,
}

/// `POST /auth/reset-password` body.
#[derive(Debug, Clone, Deserialize, JsonSchema, Validate)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PasswordReset {
    /// The account's email.
    #[garde(length(chars, max = 254))]
    pub email: String,
    /// The code the reset mail carried.
    #[garde(length(chars, min = 1, max = 64))]
    pub code: String,
    /// The new password: the rules of registration.
    #[garde(length(chars, min = 8, max = 256), custom(rules::strong_password))]
    #[schemars(pattern(r"^(?=[^A-Z]*[A-Z])(?=[^a-z]*[a-z])(?=[^0-9]*[0-9])"))]
    pub new_password: String,
}

/// `POST /auth/change-password` body.
#[derive(Debug, Clone, Deserialize, JsonSchema, Validate)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PasswordChange {
    /// The password in use.
    #[garde(length(chars, max = 256))]
    pub current_password: String,
    /// The new password: the rules of registration.
    #[garde(length(chars, min = 8, max = 256), custom(rules::strong_password))]
    #[schemars(pattern(r"^(?=[^A-Z]*[A-Z])(?=[^a-z]*[a-z])(?=[^0-9]*[0-9])"))]
    pub new_password: String,
}

/// `DELETE /users/{userId}` body: the password again, so that a stolen
/// access token alone cannot delete an account.
#[derive(Debug, Clone, Deserialize, JsonSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct AccountDeletion {
    /// The account's current password.
    #[garde(length(chars, max = 256))]
    pub password: String,
}

/// `DELETE /users/{userId}` answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Deletion {
    /// The deleted user.
    pub user_id: String,
    /// Always `deleting`: the account can no longer log in, and its data is
    /// being purged.
    pub status: &'static str,
}

/// Which of a user's tokens the API refuses before they expire.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Revocation {
    /// Tokens issued before this second are refused (a sign-out everywhere,
    /// a password change or reset).
    pub tokens_valid_from: Option<DateTime<Utc>>,
    /// The account was deleted then: every token is refused.
    pub deleted_at: Option<DateTime<Utc>>,
}

impl Revocation {
    /// Whether a token issued at `issued_at` (seconds since the epoch) is
    /// refused. A token that does not say when it was issued is refused once
    /// any revocation exists. Tokens are dated to the second, so one issued
    /// in the very second of a sign-out is still honoured.
    pub fn refuses(&self, issued_at: Option<u64>) -> bool {
        if self.deleted_at.is_some() {
            return true;
        }
        match (self.tokens_valid_from, issued_at) {
            (None, _) => false,
            (Some(_), None) => true,
            (Some(from), Some(issued)) => i64::try_from(issued).unwrap_or(i64::MAX) < from.timestamp(),
        }
    }
}

/// Lower-cases and trims an email.
pub fn normalize_email(email: &str) -> String {
    rules::trim(email).to_ascii_lowercase()
}

#[cfg(test)]
mod tests {
    use garde::Validate;

    use super::*;

    fn registration(email: &str, password: &str) -> Registration {
        Registration {
            email: email.to_owned(),
            password: password.to_owned(),
            display_name: None,
        }
    }

    fn broken(registration: &Registration) -> Vec<String> {
        match registration.validate() {
            Ok(()) => Vec::new(),
            Err(report) => report.iter().map(|(path, _)| path.to_string()).collect(),
        }
    }

    #[test]
    fn revocations_refuse_older_tokens_and_every_token_of_a_deleted_account() {
        let at = |secs: i64| DateTime::from_timestamp(secs, 0);
        assert!(!Revocation::default().refuses(Some(10)));
        let signed_out = Revocation {
            tokens_valid_from: at(100),
            deleted_at: None,
        };
        assert!(signed_out.refuses(Some(99)));
        assert!(!signed_out.refuses(Some(100)), "issued in the second of the sign-out");
        assert!(signed_out.refuses(None));
        let deleted = Revocation {
            tokens_valid_from: None,
            deleted_at: at(100),
        };
        assert!(deleted.refuses(Some(1_000)));
    }

    #[test]
    fn accepts_a_valid_registration() {
        assert!(broken(&registration(" Ada@Example.com ", "Passw0rd")).is_empty());
    }

    #[test]
    fn reports_every_problem() {
        assert_eq!(broken(&registration("ada", "short")), ["email", "password", "password"]);
    }

    #[test]
    fn weak_passwords_are_rejected() {
        for weak in ["password1", "PASSWORD1", "Password", "Pa1"] {
            assert!(!broken(&registration("a@b.co", weak)).is_empty(), "{weak}");
        }
    }

    #[test]
    fn emails_are_checked() {
        for good in ["ada@example.com", "a.b+tag@mail.example.co.uk", "_x%y-z@a-b.io"] {
            assert!(broken(&registration(good, "Passw0rd")).is_empty(), "{good}");
        }
        for bad in [
            "@b.co", "a b@c.co", "a@@b.co", "ada", "a@b", "é@x.fr", "a@x.c0", ".a@b.co", "a@b..co", "a@-.x",
        ] {
            assert!(!broken(&registration(bad, "Passw0rd")).is_empty(), "{bad}");
        }
    }
}
