//! The error contract: one JSON shape for every error, every route, both runtimes.
//!
//! ```json
//! { "error": { "code": "validation_failed", "message": "…", "requestId": "…",
//!              "details": [ { "field": "/target/value", "message": "must be > 0" } ] } }
//! ```

use std::fmt;

use http::{HeaderName, HeaderValue, StatusCode};
use serde::Serialize;

/// One field-level problem, located by a JSON pointer (RFC 6901).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldError {
    /// JSON pointer to the offending value, such as `/target/value`.
    pub field: String,
    /// What is wrong with it.
    pub message: String,
}

impl FieldError {
    /// A problem with the value at `field`.
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        FieldError {
            field: field.into(),
            message: message.into(),
        }
    }
}

/// An error a handler or extractor returns; rendered in the error contract.
///
/// The request id is added by the dispatcher when the response is finalised,
/// so code that builds an `ApiError` never needs to know it.
///
/// ```standalone_crate
/// use std::sync::Arc;
///
/// use route_framework::auth::NoAuthenticator;
/// use route_framework::dispatch::Dispatcher;
/// use route_framework::prelude::*;
/// use route_framework::testing::TestClient;
///
/// /// Read a goal.
/// #[route("GET /goals/{goalId}", public)]
/// async fn goal(Path(id): Path<String>) -> Result<Json<String>, ApiError> {
///     match id.as_str() {
///         "g1" => Ok(Json(id)),
///         _ => Err(ApiError::not_found(format!("no goal `{id}`"))),
///     }
/// }
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let dispatcher = Dispatcher::new(route_framework::routes(), NoAuthenticator, ())?;
/// let response = TestClient::new(Arc::new(dispatcher)).get("/goals/g2").send().await;
/// assert_eq!(response.status, 404);
/// let body = response.json();
/// assert_eq!(body["error"]["code"], "not_found");
/// assert_eq!(body["error"]["message"], "no goal `g2`");
/// // The id of the request, as in its `x-request-id` header and its log lines.
/// assert_eq!(body["error"]["requestId"], response.header("x-request-id").unwrap_or_default());
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    status: StatusCode,
    code: &'static str,
    message: String,
    details: Vec<FieldError>,
    headers: Vec<(HeaderName, HeaderValue)>,
}

impl ApiError {
    /// An error with an explicit status and machine-readable code.
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        ApiError {
            status,
            code,
            message: message.into(),
            details: Vec::new(),
            headers: Vec::new(),
        }
    }

    /// 400 `bad_request`.
    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "bad_request", message)
    }

    /// 400 `malformed_json`.
    pub fn malformed_json(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "malformed_json", message)
    }

    /// 401 `unauthorized`, with `WWW-Authenticate: Bearer`.
    pub fn unauthorized(message: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, "unauthorized", message)
            .with_header(http::header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"))
    }

    /// 403 `forbidden`.
    pub fn forbidden(message: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, "forbidden", message)
    }

    /// 404 `not_found`; also the answer for another user's resources.
    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, "not_found", message)
    }

    /// 405 `method_not_allowed` with the `Allow` header listing what the path accepts.
    pub fn method_not_allowed(allow: HeaderValue) -> Self {
        Self::new(
            StatusCode::METHOD_NOT_ALLOWED,
            "method_not_allowed",
            "method not allowed for this path",
        )
        .with_header(http::header::ALLOW, allow)
    }

    /// 408 `request_timeout`: the body did not arrive in time; the connection closes.
    pub fn request_timeout(limit: std::time::Duration) -> Self {
        Self::new(
            StatusCode::REQUEST_TIMEOUT,
            "request_timeout",
            format!("the request body did not arrive within {} s", limit.as_secs_f64()),
        )
        .with_header(http::header::CONNECTION, HeaderValue::from_static("close"))
    }

    /// 409 `conflict`.
    pub fn conflict(message: impl Into<String>) -> Self {
        Self::new(StatusCode::CONFLICT, "conflict", message)
    }

    /// 412 `precondition_failed`.
    pub fn precondition_failed(message: impl Into<String>) -> Self {
        Self::new(StatusCode::PRECONDITION_FAILED, "precondition_failed", message)
    }

    /// 413 `payload_too_large`.
    pub fn payload_too_large(limit: usize) -> Self {
        Self::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "payload_too_large",
            format!("request body exceeds the limit of {limit} bytes"),
        )
    }

    /// 414 `uri_too_long`.
    pub fn uri_too_long(limit: usize) -> Self {
        Self::new(
            StatusCode::URI_TOO_LONG,
            "uri_too_long",
            format!("the request target exceeds the limit of {limit} bytes"),
        )
    }

    /// 431 `headers_too_large`.
    pub fn headers_too_large(limit: usize) -> Self {
        Self::new(
            StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
            "headers_too_large",
            format!("the request headers exceed the limit of {limit} bytes"),
        )
    }

    /// 415 `unsupported_media_type`.
    pub fn unsupported_media_type(message: impl Into<String>) -> Self {
        Self::new(StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type", message)
    }

    /// 422 `validation_failed` with one entry per offending field.
    pub fn validation(details: Vec<FieldError>) -> Self {
        let message = match details.as_slice() {
            [only] => format!("{}: {}", only.field, only.message),
            _ => format!("{} fields are invalid", details.len()),
        };
        let mut error = Self::new(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed", message);
        error.details = details;
        error
    }

    /// 429 `too_many_requests` with `Retry-After` in seconds.
    pub fn too_many_requests(message: impl Into<String>, retry_after_secs: u32) -> Self {
        Self::new(StatusCode::TOO_MANY_REQUESTS, "too_many_requests", message)
            .with_header(http::header::RETRY_AFTER, HeaderValue::from(retry_after_secs))
    }

    /// 503 `unavailable` with `Retry-After` in seconds.
    pub fn unavailable(message: impl Into<String>, retry_after_secs: u32) -> Self {
        Self::new(StatusCode::SERVICE_UNAVAILABLE, "unavailable", message)
            .with_header(http::header::RETRY_AFTER, HeaderValue::from(retry_after_secs))
    }

    /// 500 `internal`. The message is fixed: internal detail goes to the log, never the client.
    pub fn internal() -> Self {
        Self::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", "internal server error")
    }

    /// Adds a response header.
    pub fn with_header(mut self, name: HeaderName, value: HeaderValue) -> Self {
        self.headers.push((name, value));
        self
    }

    /// The HTTP status.
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// The machine-readable code, such as `not_found`.
    pub fn code(&self) -> &'static str {
        self.code
    }

    /// The human-readable message.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// Field-level details (422 only).
    pub fn details(&self) -> &[FieldError] {
        &self.details
    }

    /// Extra response headers.
    pub(crate) fn headers(&self) -> &[(HeaderName, HeaderValue)] {
        &self.headers
    }

    /// The JSON body of the error contract.
    pub(crate) fn body_json(&self, request_id: &str) -> Vec<u8> {
        #[derive(Serialize)]
        struct Envelope<'a> {
            error: Body<'a>,
        }
        #[derive(Serialize)]
        #[serde(rename_all = "camelCase")]
        struct Body<'a> {
            code: &'a str,
            message: &'a str,
            request_id: &'a str,
            #[serde(skip_serializing_if = "<[_]>::is_empty")]
            details: &'a [FieldError],
        }
        let envelope = Envelope {
            error: Body {
                code: self.code,
                message: &self.message,
                request_id,
                details: &self.details,
            },
        };
        // Serialising plain strings into a Vec cannot fail.
        serde_json::to_vec(&envelope).unwrap_or_default()
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}: {}", self.status.as_u16(), self.code, self.message)
    }
}

impl std::error::Error for ApiError {}
