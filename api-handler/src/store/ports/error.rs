//! `StoreError`: how every port but identity fails, in storage terms.

use std::fmt;

/// A port call failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StoreError {
    /// The thing (named: `goal`, `user`, `attachment`) does not exist, or
    /// belongs to someone else.
    NotFound(&'static str),
    /// The write conflicts with the stored state (a reused idempotency key, say).
    Conflict(String),
    /// A conditional write found another version than the one expected.
    PreconditionFailed,
    /// A domain rule refused the write given the stored state (a total that
    /// would pass its bound, say): the value at `field` cannot be taken.
    Refused {
        /// JSON pointer of the refused value in the request.
        field: &'static str,
        /// Why.
        message: &'static str,
    },
    /// The backend is busy or unreachable; retrying after the hint may succeed.
    Unavailable {
        /// What was unavailable, for the log and the client.
        reason: String,
        /// Seconds to wait before retrying.
        retry_after_secs: u32,
    },
    /// Anything else; the detail is for the log only.
    Internal(String),
}

/// Result of every port method but identity's.
pub type StoreResult<T> = Result<T, StoreError>;

impl fmt::Display for StoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StoreError::NotFound(what) => write!(f, "no such {what}"),
            StoreError::Conflict(message) => write!(f, "conflict: {message}"),
            StoreError::PreconditionFailed => f.write_str("the stored version differs from the expected one"),
            StoreError::Refused { field, message } => write!(f, "refused {field}: {message}"),
            StoreError::Unavailable {
                reason,
                retry_after_secs,
            } => write!(f, "unavailable ({reason}); retry after {retry_after_secs} s"),
            StoreError::Internal(detail) => write!(f, "internal: {detail}"),
        }
    }
}

impl std::error::Error for StoreError {}
