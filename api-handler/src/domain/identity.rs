//! Registration rules: email shape and password strength.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::validate::Validator;
use route_framework::error::ApiError;

/// `POST /auth/register` body.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Registration {
    /// Login email.
    pub email: String,
    /// Plain-text password, hashed before storage.
    pub password: String,
    /// Optional display name; defaults to the email's local part.
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

/// Lower-cases and trims an email.
pub fn normalize_email(email: &str) -> String {
    email.trim().to_ascii_lowercase()
}

/// Validates a registration, reporting every problem.
pub fn validate_registration(registration: &Registration) -> Result<(), ApiError> {
    let mut v = Validator::new();
    v.check(
        is_email(&normalize_email(&registration.email)),
        "/email",
        "must be a valid email address",
    );
    let password = &registration.password;
    v.check(
        password.chars().count() >= 8
            && password.chars().any(|c| c.is_ascii_uppercase())
            && password.chars().any(|c| c.is_ascii_lowercase())
            && password.chars().any(|c| c.is_ascii_digit())
            && password.len() <= 256,
        "/password",
        "must be 8 to 256 characters with an upper-case letter, a lower-case letter and a digit",
    );
    if let Some(name) = &registration.display_name {
        v.length(name.trim(), "/displayName", 1, 80);
    }
    v.finish()
}

/// A pragmatic email check: one `@`, a non-empty local part, a dotted domain.
pub fn is_email(email: &str) -> bool {
    let Some((local, domain)) = email.split_once('@') else {
        return false;
    };
    email.len() <= 254
        && !local.is_empty()
        && local.len() <= 64
        && !domain.contains('@')
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !email.chars().any(|c| c.is_whitespace() || c.is_control())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn registration(email: &str, password: &str) -> Registration {
        Registration {
            email: email.to_owned(),
            password: password.to_owned(),
            display_name: None,
        }
    }

    #[test]
    fn accepts_a_valid_registration() {
        assert!(validate_registration(&registration("Ada@Example.com", "Passw0rd")).is_ok());
    }

    #[test]
    fn reports_every_problem() {
        let err = validate_registration(&registration("ada", "short")).unwrap_err();
        let fields: Vec<&str> = err.details().iter().map(|d| d.field.as_str()).collect();
        assert_eq!(fields, ["/email", "/password"]);
    }

    #[test]
    fn weak_passwords_are_rejected() {
        for weak in ["password1", "PASSWORD1", "Password", "Pa1"] {
            assert!(validate_registration(&registration("a@b.co", weak)).is_err(), "{weak}");
        }
    }

    #[test]
    fn emails_need_a_dotted_domain() {
        for bad in ["a@b", "@b.co", "a b@c.co", "a@.co", "a@@b.co"] {
            assert!(!is_email(bad), "{bad}");
        }
    }
}
