//! What one exchange with the server gave: a whole answer, or a failure
//! that says whether the request may have been applied.

use bytes::Bytes;
use http::HeaderMap;
use serde_json::Value;

/// Why an exchange did not produce an answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(super) enum Failure {
    /// Nothing was sent: the connection was refused or never opened.
    NotSent(Cause),
    /// The request may have been applied: the connection dropped, or the
    /// answer did not come in time, after the request was written.
    Unknown(Cause),
}

impl Failure {
    /// The cause, whichever the kind.
    pub(super) fn cause(self) -> Cause {
        match self {
            Failure::NotSent(cause) | Failure::Unknown(cause) => cause,
        }
    }
}

/// The cause of a failed exchange, as counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(super) enum Cause {
    /// `ECONNREFUSED`: no server listening (between a kill and its restart).
    Refused,
    /// Connecting failed otherwise, or took too long.
    ConnectFailed,
    /// The connection was reset or closed before the whole answer came.
    Dropped,
    /// No whole answer within [`REQUEST_TIMEOUT`].
    Timeout,
    /// A 5xx or 429 answer that a fault the proxy injected explains.
    Injected,
    /// A 5xx answer nothing injected explains.
    ServerError,
}

impl Cause {
    /// Its name in the counts.
    pub(super) fn name(self) -> &'static str {
        match self {
            Cause::Refused => "connection refused",
            Cause::ConnectFailed => "connect failed",
            Cause::Dropped => "connection dropped",
            Cause::Timeout => "timed out",
            Cause::Injected => "injected fault answered",
            Cause::ServerError => "5xx answer",
        }
    }
}

/// A whole answer.
#[derive(Debug, Clone)]
pub(super) struct Reply {
    /// Its status code.
    pub(super) status: u16,
    /// Its headers.
    pub(super) headers: HeaderMap,
    /// Its body.
    pub(super) body: Bytes,
}

impl Reply {
    /// The body as JSON (`Null` when it is not).
    pub(super) fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or(Value::Null)
    }

    /// A header's value as text.
    pub(super) fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|value| value.to_str().ok())
    }

    /// The status and the start of the body, for an example in a report.
    pub(super) fn summary(&self) -> String {
        let text = String::from_utf8_lossy(&self.body);
        let cut: String = text.chars().take(200).collect();
        format!("{} {cut}", self.status)
    }
}

/// What one exchange gave.
pub(super) type Sent = Result<Reply, Failure>;
