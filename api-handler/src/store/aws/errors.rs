//! How AWS SDK failures become [`StoreError`]s: throttling, timeouts, lost
//! connections and 5xx answers are `Unavailable` (a 503 with `Retry-After`),
//! anything else is `Internal` with the service's code for the log.

use aws_sdk_dynamodb::config::http::HttpResponse;
use aws_sdk_dynamodb::error::{ProvideErrorMetadata, SdkError};

use crate::store::ports::StoreError;

/// Seconds a client should wait after a throttled or failed dependency call.
pub(crate) const RETRY_AFTER_SECS: u32 = 1;

/// Error codes every AWS service uses for "slow down".
const THROTTLING_CODES: [&str; 9] = [
    "ThrottlingException",
    "Throttling",
    "ThrottledException",
    "TooManyRequestsException",
    "ProvisionedThroughputExceededException",
    "RequestLimitExceeded",
    "LimitExceededException",
    "SlowDown",
    "RequestThrottled",
];

/// Whether `code` asks the caller to slow down.
pub(crate) fn is_throttling(code: Option<&str>) -> bool {
    code.is_some_and(|code| THROTTLING_CODES.contains(&code))
}

/// The store error for a failed `operation` (named in the message, which
/// reaches the log, never the service's detail in a response).
pub(crate) fn store_error<E>(operation: &'static str, err: SdkError<E, HttpResponse>) -> StoreError
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
{
    let unavailable = |what: &str| StoreError::Unavailable {
        reason: format!("{operation} {what}"),
        retry_after_secs: RETRY_AFTER_SECS,
    };
    match &err {
        SdkError::TimeoutError(_) => unavailable("timed out"),
        SdkError::DispatchFailure(_) => unavailable("could not reach the service"),
        SdkError::ResponseError(_) => unavailable("got an unreadable answer"),
        SdkError::ServiceError(context) => {
            let status = context.raw().status().as_u16();
            let code = context.err().code();
            if is_throttling(code) {
                unavailable("was throttled")
            } else if status >= 500 {
                unavailable("failed on the service side")
            } else {
                StoreError::Internal(format!(
                    "{operation} failed: {} ({})",
                    code.unwrap_or("no error code"),
                    context.err().message().unwrap_or("no message")
                ))
            }
        }
        _ => StoreError::Internal(format!(
            "{operation} failed: {}",
            aws_sdk_dynamodb::error::DisplayErrorContext(&err)
        )),
    }
}
