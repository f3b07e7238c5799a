//! Accounts and tokens in a Cognito user pool (email as user name, an app
//! client without a secret): SignUp, ConfirmSignUp, AdminInitiateAuth with
//! `ADMIN_USER_PASSWORD_AUTH` (so only this API, by its role, can check a
//! password, never a client holding the public client id past the API's
//! throttle; the caller's address goes with it as `ContextData`),
//! InitiateAuth with `REFRESH_TOKEN_AUTH`; ForgotPassword and
//! ConfirmForgotPassword, ChangePassword, RevokeToken, GlobalSignOut (with
//! the caller's token) and AdminUserGlobalSignOut; AdminGetUser to name the
//! user a reset was for; AdminDeleteUser to delete an account or undo a
//! registration whose profile could not be written.

use std::net::IpAddr;

use async_trait::async_trait;
use aws_sdk_cognitoidentityprovider::Client;
use aws_sdk_cognitoidentityprovider::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_cognitoidentityprovider::types::{
    AttributeType, AuthFlowType, AuthenticationResultType, ChallengeNameType, ContextDataType,
};
use aws_sdk_dynamodb::config::http::HttpResponse;
use base64::Engine as _;
use serde::Deserialize;

use super::errors::store_error;
use crate::domain::identity::Tokens;
use crate::store::ports::{Account, Identity, IdentityError, Session, StoreError};

/// The Cognito identity provider.
pub struct CognitoIdentity {
    client: Client,
    user_pool_id: String,
    client_id: String,
}

impl CognitoIdentity {
    pub(crate) fn new(client: Client, user_pool_id: String, client_id: String) -> Self {
        CognitoIdentity {
            client,
            user_pool_id,
            client_id,
        }
    }

    /// Checks `email`'s password through the administrator's flow, which
    /// only this API (by its role) may use, never a client holding the
    /// public app client id past the API's throttle; with `client`, the
    /// caller's address reaches Cognito's risk checks (`ContextData`, read
    /// when the pool's threat protection is on).
    async fn sign_in(&self, email: &str, password: &str, client: Option<IpAddr>) -> Result<Session, IdentityError> {
        let context = client
            .map(|address| {
                ContextDataType::builder()
                    .ip_address(address.to_string())
                    .server_name(SERVER_NAME)
                    .server_path("/auth/login")
                    .set_http_headers(Some(Vec::new()))
                    .build()
            })
            .transpose()
            .map_err(|err| internal(&format!("a sign-in's context: {err}")))?;
        let output = self
            .client
            .admin_initiate_auth()
            .user_pool_id(&self.user_pool_id)
            .client_id(&self.client_id)
            .auth_flow(AuthFlowType::AdminUserPasswordAuth)
            .auth_parameters("USERNAME", email)
            .auth_parameters("PASSWORD", password)
            .set_context_data(context)
            .send()
            .await
            .map_err(|err| identity_error("AdminInitiateAuth", err, Flow::Login))?;
        signed_in(output.challenge_name(), output.authentication_result(), None)
    }

    /// New tokens for a refresh token, through the app client's flow (a
    /// refresh token cannot be guessed: nothing for the risk checks).
    async fn renew(&self, refresh_token: &str) -> Result<Session, IdentityError> {
        let output = self
            .client
            .initiate_auth()
            .client_id(&self.client_id)
            .auth_flow(AuthFlowType::RefreshTokenAuth)
            .auth_parameters("REFRESH_TOKEN", refresh_token)
            .send()
            .await
            .map_err(|err| identity_error("InitiateAuth", err, Flow::Refresh))?;
        signed_in(
            output.challenge_name(),
            output.authentication_result(),
            Some(refresh_token.to_owned()),
        )
    }
}

/// The session a sign-in's answer holds: its tokens, unless Cognito asked
/// for a challenge instead (none is configured).
fn signed_in(
    challenge: Option<&ChallengeNameType>,
    result: Option<&AuthenticationResultType>,
    previous_refresh: Option<String>,
) -> Result<Session, IdentityError> {
    if let Some(challenge) = challenge {
        return Err(IdentityError::Store(StoreError::Internal(format!(
            "Cognito asked for the {} challenge, which this API does not handle",
            challenge.as_str()
        ))));
    }
    let result = result.ok_or_else(|| internal("Cognito returned no tokens"))?;
    session(result, previous_refresh)
}

/// The name this API gives Cognito's risk checks as its sign-in endpoint.
const SERVER_NAME: &str = "lifestyle-api";

/// What the caller was doing, for the errors that depend on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Flow {
    SignUp,
    Confirm,
    Login,
    Refresh,
    Delete,
    Forgot,
    Reset,
    Change,
    Revoke,
    SignOut,
}

fn internal(message: &str) -> IdentityError {
    IdentityError::Store(StoreError::Internal(message.to_owned()))
}

/// The identity error for a failed Cognito call.
fn identity_error<E>(operation: &'static str, err: SdkError<E, HttpResponse>, flow: Flow) -> IdentityError
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
{
    let code = err
        .as_service_error()
        .and_then(|service| service.code())
        .unwrap_or_default();
    let message = err
        .as_service_error()
        .and_then(|service| service.message())
        .unwrap_or("refused")
        .to_owned();
    match (code, flow) {
        ("UsernameExistsException", _) => IdentityError::EmailTaken,
        ("InvalidPasswordException", _) => IdentityError::InvalidPassword(message),
        ("InvalidParameterException", Flow::SignUp) => IdentityError::InvalidEmail(message),
        ("CodeMismatchException" | "ExpiredCodeException", _) => IdentityError::InvalidCode,
        ("UserNotFoundException" | "InvalidParameterException", Flow::Confirm) => IdentityError::InvalidCode,
        ("UserNotFoundException" | "ResourceNotFoundException" | "NotAuthorizedException", Flow::Reset) => {
            IdentityError::InvalidCode
        }
        ("NotAuthorizedException", Flow::Change) => IdentityError::InvalidCredentials,
        ("UserNotConfirmedException", _) => IdentityError::NotConfirmed,
        ("NotAuthorizedException" | "InvalidParameterException", Flow::Refresh) => IdentityError::InvalidRefreshToken,
        (
            "NotAuthorizedException"
            | "UserNotFoundException"
            | "PasswordResetRequiredException"
            | "InvalidParameterException",
            Flow::Login,
        ) => IdentityError::InvalidCredentials,
        ("TooManyRequestsException", _) => IdentityError::Throttled { retry_after_secs: 1 },
        ("LimitExceededException", _) => IdentityError::Throttled { retry_after_secs: 5 },
        ("TooManyFailedAttemptsException", _) => IdentityError::Throttled { retry_after_secs: 30 },
        _ => IdentityError::Store(store_error(operation, err)),
    }
}

/// The claims read from an ID token Cognito has just handed over (on a
/// TLS connection this process opened, so no signature check is needed).
#[derive(Deserialize)]
struct IdClaims {
    sub: String,
    #[serde(default)]
    email: Option<String>,
}

fn id_claims(id_token: &str) -> Result<IdClaims, IdentityError> {
    let payload = id_token
        .split('.')
        .nth(1)
        .ok_or_else(|| internal("Cognito returned an ID token that is not a JWT"))?;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload.trim_end_matches('='))
        .map_err(|_| internal("Cognito returned an ID token that is not base64url"))?;
    serde_json::from_slice(&bytes).map_err(|_| internal("Cognito returned an ID token without `sub`"))
}

/// The session of an authentication result; a refresh keeps the refresh
/// token it was given when Cognito does not rotate it.
fn session(result: &AuthenticationResultType, previous_refresh: Option<String>) -> Result<Session, IdentityError> {
    let access_token = result
        .access_token()
        .ok_or_else(|| internal("Cognito returned no access token"))?;
    let id_token = result
        .id_token()
        .ok_or_else(|| internal("Cognito returned no ID token"))?;
    let refresh_token = result
        .refresh_token()
        .map(str::to_owned)
        .or(previous_refresh)
        .ok_or_else(|| internal("Cognito returned no refresh token"))?;
    let claims = id_claims(id_token)?;
    Ok(Session {
        user_id: claims.sub,
        email: claims.email.unwrap_or_default(),
        tokens: Tokens {
            access_token: access_token.to_owned(),
            id_token: id_token.to_owned(),
            refresh_token,
            expires_in: u64::try_from(result.expires_in()).unwrap_or(0),
            token_type: "Bearer",
        },
    })
}

#[async_trait]
impl Identity for CognitoIdentity {
    async fn create_account(&self, email: &str, password: &str) -> Result<Account, IdentityError> {
        let email_attribute = AttributeType::builder()
            .name("email")
            .value(email)
            .build()
            .map_err(|err| internal(&format!("cannot build the email attribute: {err}")))?;
        let output = self
            .client
            .sign_up()
            .client_id(&self.client_id)
            .username(email)
            .password(password)
            .user_attributes(email_attribute)
            .send()
            .await
            .map_err(|err| identity_error("SignUp", err, Flow::SignUp))?;
        Ok(Account {
            user_id: output.user_sub().to_owned(),
            confirmed: output.user_confirmed(),
        })
    }

    async fn delete_account(&self, user_id: &str) -> Result<(), IdentityError> {
        let deleted = self
            .client
            .admin_delete_user()
            .user_pool_id(&self.user_pool_id)
            .username(user_id)
            .send()
            .await;
        done_unless(deleted, "AdminDeleteUser", Flow::Delete, unknown_user)
    }

    async fn confirm(&self, email: &str, code: &str) -> Result<(), IdentityError> {
        self.client
            .confirm_sign_up()
            .client_id(&self.client_id)
            .username(email)
            .confirmation_code(code)
            .send()
            .await
            .map_err(|err| identity_error("ConfirmSignUp", err, Flow::Confirm))?;
        Ok(())
    }

    async fn login(&self, email: &str, password: &str, client: Option<IpAddr>) -> Result<Session, IdentityError> {
        self.sign_in(email, password, client).await
    }

    async fn refresh(&self, refresh_token: &str) -> Result<Session, IdentityError> {
        if refresh_token.trim().is_empty() {
            // Cognito (and moto, with a stranger code) refuse it as a parameter.
            return Err(IdentityError::InvalidRefreshToken);
        }
        self.renew(refresh_token).await
    }

    async fn forgot_password(&self, email: &str) -> Result<(), IdentityError> {
        let sent = self
            .client
            .forgot_password()
            .client_id(&self.client_id)
            .username(email)
            .send()
            .await;
        // Unknown, or without a verified email to send to: the same answer
        // as a sent code (the pool also hides unknown users).
        done_unless(sent, "ForgotPassword", Flow::Forgot, sent_nothing)
    }

    async fn reset_password(&self, email: &str, code: &str, new_password: &str) -> Result<String, IdentityError> {
        // The user is named before the code is spent: once it is, a failure
        // here could not be retried with the same code.
        let user = self
            .client
            .admin_get_user()
            .user_pool_id(&self.user_pool_id)
            .username(email)
            .send()
            .await
            .map_err(|err| identity_error("AdminGetUser", err, Flow::Reset))?;
        let sub = user
            .user_attributes()
            .iter()
            .find(|attribute| attribute.name() == "sub")
            .and_then(AttributeType::value)
            .ok_or_else(|| internal("AdminGetUser returned no `sub`"))?
            .to_owned();
        self.client
            .confirm_forgot_password()
            .client_id(&self.client_id)
            .username(email)
            .confirmation_code(code.trim())
            .password(new_password)
            .send()
            .await
            .map_err(|err| identity_error("ConfirmForgotPassword", err, Flow::Reset))?;
        self.sign_out_everywhere(&sub, email).await?;
        Ok(sub)
    }

    async fn change_password(
        &self,
        _user_id: &str,
        access_token: &str,
        current: &str,
        new_password: &str,
    ) -> Result<(), IdentityError> {
        self.client
            .change_password()
            .access_token(access_token)
            .previous_password(current)
            .proposed_password(new_password)
            .send()
            .await
            .map_err(|err| identity_error("ChangePassword", err, Flow::Change))?;
        self.client
            .global_sign_out()
            .access_token(access_token)
            .send()
            .await
            .map_err(|err| identity_error("GlobalSignOut", err, Flow::SignOut))?;
        Ok(())
    }

    async fn revoke_refresh_token(&self, refresh_token: &str) -> Result<(), IdentityError> {
        if refresh_token.trim().is_empty() {
            return Ok(());
        }
        let revoked = self
            .client
            .revoke_token()
            .client_id(&self.client_id)
            .token(refresh_token)
            .send()
            .await;
        done_unless(revoked, "RevokeToken", Flow::Revoke, not_a_refresh_token)
    }

    async fn sign_out_everywhere(&self, _user_id: &str, email: &str) -> Result<(), IdentityError> {
        // By email: the pool's user names are emails, and moto matches
        // the sessions to revoke on the name they logged in with.
        let signed_out = self
            .client
            .admin_user_global_sign_out()
            .user_pool_id(&self.user_pool_id)
            .username(email)
            .send()
            .await;
        done_unless(signed_out, "AdminUserGlobalSignOut", Flow::SignOut, unknown_user)
    }
}

/// Done: `result` succeeded, or failed with an error code that
/// `nothing_to_do` says leaves nothing to do (an unknown user, say); any
/// other failure as [`identity_error`] maps it.
fn done_unless<O, E>(
    result: Result<O, SdkError<E, HttpResponse>>,
    operation: &'static str,
    flow: Flow,
    nothing_to_do: fn(Option<&str>) -> bool,
) -> Result<(), IdentityError>
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
{
    match result {
        Ok(_) => Ok(()),
        Err(err) if nothing_to_do(err.as_service_error().and_then(|e| e.code())) => Ok(()),
        Err(err) => Err(identity_error(operation, err, flow)),
    }
}

/// Whether an admin call failed only because the user is gone already.
fn unknown_user(code: Option<&str>) -> bool {
    code == Some("UserNotFoundException")
}

/// Whether a ForgotPassword error code means no code went out and none
/// will: the user is unknown or has no verified email.
fn sent_nothing(code: Option<&str>) -> bool {
    matches!(code, Some("UserNotFoundException" | "InvalidParameterException"))
}

/// Whether RevokeToken was handed no refresh token of this client (or no
/// token at all): there is nothing to revoke.
fn not_a_refresh_token(code: Option<&str>) -> bool {
    matches!(
        code,
        Some("UnsupportedTokenTypeException" | "InvalidParameterException")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A failed `operation` answered with `code`, as the SDK reports it.
    fn failed(
        code: &str,
        status: u16,
    ) -> SdkError<aws_sdk_cognitoidentityprovider::operation::sign_up::SignUpError, HttpResponse> {
        use aws_sdk_cognitoidentityprovider::error::ErrorMetadata;
        use aws_sdk_cognitoidentityprovider::operation::sign_up::SignUpError;
        use aws_sdk_s3::primitives::SdkBody;
        let err = SignUpError::generic(ErrorMetadata::builder().code(code).message("refused").build());
        let status = aws_sdk_dynamodb::config::http::HttpResponse::new(status.try_into().unwrap(), SdkBody::empty());
        SdkError::service_error(err, status)
    }

    #[test]
    fn cognito_errors_map_to_the_contract() {
        let cases = [
            ("UsernameExistsException", Flow::SignUp, IdentityError::EmailTaken),
            (
                "InvalidPasswordException",
                Flow::SignUp,
                IdentityError::InvalidPassword("refused".into()),
            ),
            (
                "InvalidParameterException",
                Flow::SignUp,
                IdentityError::InvalidEmail("refused".into()),
            ),
            ("CodeMismatchException", Flow::Confirm, IdentityError::InvalidCode),
            ("ExpiredCodeException", Flow::Confirm, IdentityError::InvalidCode),
            ("UserNotFoundException", Flow::Confirm, IdentityError::InvalidCode),
            ("NotAuthorizedException", Flow::Login, IdentityError::InvalidCredentials),
            ("UserNotFoundException", Flow::Login, IdentityError::InvalidCredentials),
            ("UserNotConfirmedException", Flow::Login, IdentityError::NotConfirmed),
            ("CodeMismatchException", Flow::Reset, IdentityError::InvalidCode),
            ("ExpiredCodeException", Flow::Reset, IdentityError::InvalidCode),
            ("UserNotFoundException", Flow::Reset, IdentityError::InvalidCode),
            ("ResourceNotFoundException", Flow::Reset, IdentityError::InvalidCode),
            (
                "InvalidPasswordException",
                Flow::Reset,
                IdentityError::InvalidPassword("refused".into()),
            ),
            (
                "TooManyFailedAttemptsException",
                Flow::Reset,
                IdentityError::Throttled { retry_after_secs: 30 },
            ),
            (
                "NotAuthorizedException",
                Flow::Change,
                IdentityError::InvalidCredentials,
            ),
            (
                "InvalidPasswordException",
                Flow::Change,
                IdentityError::InvalidPassword("refused".into()),
            ),
            (
                "LimitExceededException",
                Flow::Forgot,
                IdentityError::Throttled { retry_after_secs: 5 },
            ),
            (
                "NotAuthorizedException",
                Flow::Refresh,
                IdentityError::InvalidRefreshToken,
            ),
            (
                "TooManyRequestsException",
                Flow::Login,
                IdentityError::Throttled { retry_after_secs: 1 },
            ),
            (
                "LimitExceededException",
                Flow::SignUp,
                IdentityError::Throttled { retry_after_secs: 5 },
            ),
        ];
        for (code, flow, expected) in cases {
            assert_eq!(
                identity_error("Op", failed(code, 400), flow),
                expected,
                "{code} in {flow:?}"
            );
        }
        let status = |err: IdentityError| route_framework::error::ApiError::from(err).status().as_u16();
        assert_eq!(
            status(identity_error("Op", failed("InternalErrorException", 500), Flow::Login)),
            503
        );
        assert_eq!(
            status(identity_error(
                "Op",
                failed("ResourceNotFoundException", 400),
                Flow::Login
            )),
            500
        );
        assert_eq!(
            status(identity_error(
                "Op",
                failed("TooManyRequestsException", 400),
                Flow::Refresh
            )),
            429
        );
    }

    #[test]
    fn a_forgotten_password_for_nobody_answers_like_one_for_someone() {
        assert!(sent_nothing(Some("UserNotFoundException")));
        assert!(sent_nothing(Some("InvalidParameterException")));
        assert!(!sent_nothing(Some("LimitExceededException")));
        assert!(!sent_nothing(None));
    }

    #[test]
    fn id_token_claims_name_the_user() {
        let payload = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .encode(br#"{"sub":"5f0c","email":"ada@example.com","token_use":"id"}"#);
        let claims = id_claims(&format!("e30.{payload}.c2ln")).unwrap();
        assert_eq!(
            (claims.sub.as_str(), claims.email.as_deref()),
            ("5f0c", Some("ada@example.com"))
        );
        assert!(id_claims("not-a-jwt").is_err());
    }
}
