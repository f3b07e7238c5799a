//! How the ports' errors answer in the error contract: the one place where a
//! storage or identity failure becomes an HTTP status.

use route_framework::error::{ApiError, FieldError};

use crate::domain::error::DomainError;
use crate::store::ports::{IdentityError, StoreError};

impl From<DomainError> for ApiError {
    fn from(err: DomainError) -> Self {
        match err {
            DomainError::Invalid(violations) => ApiError::validation(
                violations
                    .into_iter()
                    .map(|violation| FieldError::new(violation.field, violation.message))
                    .collect(),
            ),
        }
    }
}

impl From<StoreError> for ApiError {
    fn from(err: StoreError) -> Self {
        match err {
            StoreError::NotFound(what) => ApiError::not_found(format!("no such {what}")),
            StoreError::Conflict(message) => ApiError::conflict(message),
            StoreError::Refused { field, message } => ApiError::validation(vec![FieldError::new(field, message)]),
            StoreError::PreconditionFailed => {
                ApiError::precondition_failed("the resource has changed: fetch it again and retry")
            }
            StoreError::Unavailable {
                reason,
                retry_after_secs,
            } => {
                tracing::warn!(reason, retry_after_secs, "a dependency is unavailable");
                ApiError::unavailable(format!("{reason}; retry shortly"), retry_after_secs)
            }
            StoreError::Internal(detail) => {
                tracing::error!(error = detail, "storage failure");
                ApiError::internal()
            }
        }
    }
}

impl From<IdentityError> for ApiError {
    fn from(err: IdentityError) -> Self {
        let message = err.to_string();
        match err {
            IdentityError::EmailTaken => ApiError::conflict(message),
            IdentityError::InvalidCredentials | IdentityError::InvalidRefreshToken => ApiError::unauthorized(message),
            IdentityError::NotConfirmed => ApiError::forbidden(message),
            IdentityError::InvalidCode => ApiError::bad_request(message),
            IdentityError::InvalidPassword(reason) => ApiError::validation(vec![FieldError::new("/password", reason)]),
            IdentityError::InvalidNewPassword(reason) => {
                ApiError::validation(vec![FieldError::new("/newPassword", reason)])
            }
            IdentityError::InvalidEmail(reason) => ApiError::validation(vec![FieldError::new("/email", reason)]),
            IdentityError::Throttled { retry_after_secs } => ApiError::too_many_requests(message, retry_after_secs),
            IdentityError::Store(err) => err.into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use route_framework::error::ApiError;

    use crate::domain::error::DomainError;
    use crate::store::ports::{IdentityError, StoreError};

    #[test]
    fn domain_errors_are_422_with_their_fields() {
        let refused = ApiError::from(DomainError::invalid("/at", "too late"));
        assert_eq!(
            (refused.status().as_u16(), refused.details()[0].field.as_str()),
            (422, "/at")
        );
    }

    #[test]
    fn store_errors_map_to_the_contract() {
        let status = |err: StoreError| ApiError::from(err).status().as_u16();
        assert_eq!(status(StoreError::NotFound("goal")), 404);
        assert_eq!(status(StoreError::Conflict("x".into())), 409);
        assert_eq!(status(StoreError::PreconditionFailed), 412);
        let refused = ApiError::from(StoreError::Refused {
            field: "/value",
            message: "too much",
        });
        assert_eq!(
            (refused.status().as_u16(), refused.details()[0].field.as_str()),
            (422, "/value")
        );
        let unavailable = ApiError::from(StoreError::Unavailable {
            reason: "busy".into(),
            retry_after_secs: 2,
        });
        assert_eq!(unavailable.status().as_u16(), 503);
        let internal = ApiError::from(StoreError::Internal("secret detail".into()));
        assert_eq!(
            (internal.status().as_u16(), internal.message()),
            (500, "internal server error")
        );
    }

    #[test]
    fn identity_errors_map_to_the_contract() {
        let status = |err: IdentityError| ApiError::from(err).status().as_u16();
        assert_eq!(status(IdentityError::EmailTaken), 409);
        assert_eq!(status(IdentityError::InvalidCredentials), 401);
        assert_eq!(status(IdentityError::InvalidRefreshToken), 401);
        assert_eq!(status(IdentityError::NotConfirmed), 403);
        assert_eq!(status(IdentityError::InvalidCode), 400);
        assert_eq!(status(IdentityError::InvalidPassword("short".into())), 422);
        let refused = ApiError::from(IdentityError::InvalidPassword("short".into()).on_new_password());
        assert_eq!(refused.details()[0].field, "/newPassword");
        assert_eq!(status(IdentityError::InvalidEmail("not an email".into())), 422);
        assert_eq!(status(IdentityError::Throttled { retry_after_secs: 3 }), 429);
    }
}
