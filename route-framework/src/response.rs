//! Handler outputs: anything that converts into a [`Response`].

use std::cell::RefCell;
use std::marker::PhantomData;

use bytes::Bytes;
use http::header::{CONTENT_LENGTH, CONTENT_TYPE, LOCATION};
use http::{HeaderMap, HeaderName, HeaderValue, StatusCode};
use serde::Serialize;

use crate::error::ApiError;

/// Content type of every JSON body this API sends.
pub(crate) const APPLICATION_JSON: HeaderValue = HeaderValue::from_static("application/json");

/// The header carrying each response's request id. Named once: a name
/// given as text is parsed on every insert.
const X_REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// A response before the dispatcher finalises it (request id, error body, `HEAD`).
///
/// Built by hand for a body that is not JSON:
///
/// ```standalone_crate
/// use std::sync::Arc;
///
/// use http::HeaderValue;
/// use route_framework::auth::NoAuthenticator;
/// use route_framework::dispatch::Dispatcher;
/// use route_framework::prelude::*;
/// use route_framework::testing::TestClient;
///
/// /// Export goals as CSV.
/// #[route("GET /goals.csv", public)]
/// async fn export() -> Response {
///     Response::bytes(HeaderValue::from_static("text/csv"), "id,title\ng1,Run\n")
///         .with_header(http::header::CACHE_CONTROL, HeaderValue::from_static("no-store"))
/// }
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let dispatcher = Dispatcher::new(route_framework::routes(), NoAuthenticator, ())?;
/// let response = TestClient::new(Arc::new(dispatcher)).get("/goals.csv").send().await;
/// assert_eq!(response.status, 200);
/// assert_eq!(response.header("content-type"), Some("text/csv"));
/// assert_eq!(response.header("cache-control"), Some("no-store"));
/// assert_eq!(response.text(), "id,title\ng1,Run\n");
/// # Ok(())
/// # }
/// ```
#[derive(Debug)]
pub struct Response {
    status: StatusCode,
    headers: HeaderMap,
    payload: Payload,
}

/// What the response carries.
#[derive(Debug)]
enum Payload {
    /// No body.
    Empty,
    /// A ready body; its content type is in the headers.
    Bytes(Bytes),
    /// An error, rendered in the error contract once the request id is known.
    Error(ApiError),
}

impl Response {
    /// A response with `status`, no headers and no body.
    pub fn empty(status: StatusCode) -> Self {
        Response {
            status,
            headers: HeaderMap::new(),
            payload: Payload::Empty,
        }
    }

    /// A 200 response with a body of the given content type.
    pub fn bytes(content_type: HeaderValue, body: impl Into<Bytes>) -> Self {
        let mut headers = HeaderMap::new();
        headers.insert(CONTENT_TYPE, content_type);
        Response {
            status: StatusCode::OK,
            headers,
            payload: Payload::Bytes(body.into()),
        }
    }

    /// Serialises `value` as a 200 JSON response; a serialisation failure is a logged 500.
    pub fn json<T: Serialize + ?Sized>(value: &T) -> Self {
        match to_json(value) {
            Ok(body) => Response::bytes(APPLICATION_JSON, body),
            Err(err) => {
                tracing::error!(error = %err, "failed to serialise a response body");
                ApiError::internal().into_response()
            }
        }
    }

    /// Replaces the status.
    pub fn with_status(mut self, status: StatusCode) -> Self {
        self.status = status;
        self
    }

    /// Sets a header.
    pub fn with_header(mut self, name: http::HeaderName, value: HeaderValue) -> Self {
        self.headers.insert(name, value);
        self
    }

    /// The status.
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// The headers set so far.
    pub fn headers(&self) -> &HeaderMap {
        &self.headers
    }

    /// The error this response carries, if it is one.
    pub fn error(&self) -> Option<&ApiError> {
        match &self.payload {
            Payload::Error(error) => Some(error),
            _ => None,
        }
    }

    /// Produces the wire response: renders errors with `request_id`, adds
    /// it as `x-request-id` (its bytes, not a copy), and drops the body for
    /// `HEAD` (keeping its length).
    pub(crate) fn finalize(self, request_id: String, head: bool) -> http::Response<Bytes> {
        let Response {
            status,
            mut headers,
            payload,
        } = self;
        let body = match payload {
            Payload::Empty => Bytes::new(),
            Payload::Bytes(bytes) => bytes,
            Payload::Error(error) => {
                for (name, value) in error.headers() {
                    headers.insert(name.clone(), value.clone());
                }
                headers.insert(CONTENT_TYPE, APPLICATION_JSON);
                Bytes::from(error.body_json(&request_id))
            }
        };
        if let Ok(value) = HeaderValue::from_maybe_shared(Bytes::from(request_id)) {
            headers.insert(X_REQUEST_ID, value);
        }
        // hyper and API Gateway write `content-length` from the body itself;
        // a `HEAD` answer has none, so it gives the length of its `GET`'s.
        if head && status != StatusCode::NO_CONTENT {
            headers.insert(CONTENT_LENGTH, HeaderValue::from(body.len()));
        } else {
            headers.remove(CONTENT_LENGTH);
        }
        let mut response = http::Response::new(if head { Bytes::new() } else { body });
        *response.status_mut() = status;
        *response.headers_mut() = headers;
        response
    }
}

/// Keeps the JSON buffer of a thread up to this capacity between responses.
const KEPT_JSON_BUFFER: usize = 256 * 1024;

/// `value` as JSON, in a block of exactly its size. It is written into a
/// buffer the thread keeps, then copied: one allocation, where a vector of
/// its own would grow a few times, then need another block for `Bytes` to
/// share it (a vector with room to spare cannot become `Bytes` as it is).
fn to_json<T: Serialize + ?Sized>(value: &T) -> serde_json::Result<Bytes> {
    thread_local! {
        static BUFFER: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
    }
    let kept = BUFFER.try_with(|buffer| {
        let mut buffer = buffer.try_borrow_mut().ok()?;
        buffer.clear();
        let written = serde_json::to_writer(&mut *buffer, value).map(|()| Bytes::copy_from_slice(&buffer));
        if buffer.capacity() > KEPT_JSON_BUFFER {
            *buffer = Vec::new();
        }
        Some(written)
    });
    // A `Serialize` that itself makes a JSON response, or a thread on its
    // way out: a vector of its own.
    kept.ok()
        .flatten()
        .unwrap_or_else(|| serde_json::to_vec(value).map(Bytes::from))
}

/// Conversion of a handler's output into a [`Response`].
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be returned from a route handler",
    note = "return `Json<T>`, `Created<T>`, `Accepted<T>`, `NoContent`, `RenderedJson<T>`, `WithEtag<_>`, `Response` or `Result<_, ApiError>` of those"
)]
pub trait IntoResponse {
    /// Performs the conversion.
    fn into_response(self) -> Response;
}

impl IntoResponse for Response {
    fn into_response(self) -> Response {
        self
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        Response {
            status: self.status(),
            headers: HeaderMap::new(),
            payload: Payload::Error(self),
        }
    }
}

impl<T: IntoResponse, E: IntoResponse> IntoResponse for Result<T, E> {
    fn into_response(self) -> Response {
        match self {
            Ok(value) => value.into_response(),
            Err(err) => err.into_response(),
        }
    }
}

/// `201 Created` with a `Location` header and a JSON body.
///
/// ```
/// use route_framework::prelude::*;
///
/// #[derive(Serialize)]
/// struct Goal {
///     id: String,
/// }
///
/// let goal = Goal { id: "g1".to_owned() };
/// let response = Created::new(format!("/goals/{}", goal.id), goal).into_response();
/// assert_eq!(response.status(), 201);
/// assert_eq!(response.headers()["location"], "/goals/g1");
/// assert_eq!(response.headers()["content-type"], "application/json");
/// ```
#[derive(Debug, Clone)]
pub struct Created<T> {
    location: String,
    body: T,
}

impl<T> Created<T> {
    /// A 201 for the resource at `location` (such as `/goals/01J…`).
    pub fn new(location: impl Into<String>, body: T) -> Self {
        Created {
            location: location.into(),
            body,
        }
    }
}

impl<T: Serialize> IntoResponse for Created<T> {
    fn into_response(self) -> Response {
        let response = Response::json(&self.body);
        if response.error().is_some() {
            return response;
        }
        match HeaderValue::try_from(self.location) {
            Ok(location) => response
                .with_status(StatusCode::CREATED)
                .with_header(LOCATION, location),
            Err(err) => {
                tracing::error!(error = %err, "`Created` location is not a valid header value");
                ApiError::internal().into_response()
            }
        }
    }
}

/// A 202 with a JSON body: the request is accepted and finishes later (the
/// body says how to follow it).
///
/// ```
/// use route_framework::prelude::*;
///
/// let response = Accepted("deleting").into_response();
/// assert_eq!(response.status(), 202);
/// assert_eq!(response.headers()["content-type"], "application/json");
/// ```
#[derive(Debug, Clone)]
pub struct Accepted<T>(pub T);

impl<T: Serialize> IntoResponse for Accepted<T> {
    fn into_response(self) -> Response {
        let response = Response::json(&self.0);
        if response.error().is_some() {
            return response;
        }
        response.with_status(StatusCode::ACCEPTED)
    }
}

/// A response with an `ETag` header (when it is a success).
///
/// ```
/// use route_framework::prelude::*;
///
/// let found = WithEtag::new(Json("goal"), "\"3\"").into_response();
/// assert_eq!(found.headers()["etag"], "\"3\"");
///
/// // An error keeps its own headers only.
/// let missing: Result<Json<&str>, ApiError> = Err(ApiError::not_found("no such goal"));
/// let missing = WithEtag::new(missing, "\"3\"").into_response();
/// assert_eq!(missing.status(), 404);
/// assert!(missing.headers().get("etag").is_none());
/// ```
#[derive(Debug, Clone)]
pub struct WithEtag<R> {
    inner: R,
    etag: String,
}

impl<R> WithEtag<R> {
    /// `inner` with `ETag: etag` (a quoted entity tag such as `"3"`).
    pub fn new(inner: R, etag: impl Into<String>) -> Self {
        WithEtag {
            inner,
            etag: etag.into(),
        }
    }
}

impl<R: IntoResponse> IntoResponse for WithEtag<R> {
    fn into_response(self) -> Response {
        let response = self.inner.into_response();
        match HeaderValue::try_from(self.etag) {
            Ok(etag) if response.error().is_none() => response.with_header(http::header::ETAG, etag),
            _ => response,
        }
    }
}

/// A 200 with a JSON body of `T` serialised once, ahead of time, for an
/// answer that does not change (a health report, say): each response copies
/// the bytes instead of serialising again. Documented as `T`, as [`Json`](crate::extract::Json) is.
///
/// Rendered once, kept in the application state, cloned into each response:
///
/// ```standalone_crate
/// use std::sync::Arc;
///
/// use route_framework::auth::NoAuthenticator;
/// use route_framework::dispatch::Dispatcher;
/// use route_framework::prelude::*;
/// use route_framework::testing::TestClient;
///
/// #[derive(Serialize, JsonSchema)]
/// struct Health {
///     status: &'static str,
/// }
///
/// /// Report liveness.
/// #[route("GET /health", public)]
/// async fn health(State(health): State<RenderedJson<Health>>) -> RenderedJson<Health> {
///     health
/// }
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let rendered = RenderedJson::new(&Health { status: "ok" });
/// let dispatcher = Dispatcher::new(route_framework::routes(), NoAuthenticator, rendered)?;
/// let response = TestClient::new(Arc::new(dispatcher)).get("/health").send().await;
/// assert_eq!(response.text(), r#"{"status":"ok"}"#);
/// # Ok(())
/// # }
/// ```
#[derive(Debug)]
pub struct RenderedJson<T> {
    /// `None` if `T` would not serialise (logged when rendered).
    body: Option<Box<[u8]>>,
    of: PhantomData<fn() -> T>,
}

impl<T: Serialize> RenderedJson<T> {
    /// `value`, serialised now. Should that fail, the error is logged and
    /// every response is a 500, as with `Json`.
    pub fn new(value: &T) -> Self {
        let body = match serde_json::to_vec(value) {
            Ok(body) => Some(body.into_boxed_slice()),
            Err(err) => {
                tracing::error!(error = %err, "failed to serialise a rendered response body");
                None
            }
        };
        RenderedJson { body, of: PhantomData }
    }
}

impl<T> Clone for RenderedJson<T> {
    fn clone(&self) -> Self {
        RenderedJson {
            body: self.body.clone(),
            of: PhantomData,
        }
    }
}

impl<T> IntoResponse for RenderedJson<T> {
    fn into_response(self) -> Response {
        match self.body {
            Some(body) => Response::bytes(APPLICATION_JSON, Bytes::from(body)),
            None => ApiError::internal().into_response(),
        }
    }
}

/// `204 No Content`.
///
/// ```
/// use route_framework::prelude::*;
///
/// let response = NoContent.into_response();
/// assert_eq!(response.status(), 204);
/// assert!(response.headers().is_empty());
/// ```
#[derive(Debug, Clone, Copy, Default)]
pub struct NoContent;

impl IntoResponse for NoContent {
    fn into_response(self) -> Response {
        Response::empty(StatusCode::NO_CONTENT)
    }
}

#[cfg(test)]
mod tests {
    use serde::{Serialize, Serializer};

    use super::{IntoResponse, KEPT_JSON_BUFFER, Payload, RenderedJson, to_json};

    /// Serialises as the JSON body of a response made while serialising.
    struct Nested;

    impl Serialize for Nested {
        fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
            let inner = to_json(&["inner"]).map_err(serde::ser::Error::custom)?;
            serializer.serialize_str(&String::from_utf8_lossy(&inner))
        }
    }

    #[test]
    fn json_bodies_are_exact_whatever_the_thread_serialised_before() {
        let large = "x".repeat(KEPT_JSON_BUFFER + 1);
        for value in [
            serde_json::json!({ "large": large }),
            serde_json::json!({ "small": 1 }),
            serde_json::json!([]),
        ] {
            let body = to_json(&value).unwrap();
            assert_eq!(&body[..], serde_json::to_vec(&value).unwrap(), "{value}");
        }
        assert_eq!(&to_json(&Nested).unwrap()[..], br#""[\"inner\"]""#);
    }

    /// Fails to serialise.
    struct Unserialisable;

    impl Serialize for Unserialisable {
        fn serialize<S: Serializer>(&self, _: S) -> Result<S::Ok, S::Error> {
            Err(serde::ser::Error::custom("no"))
        }
    }

    #[test]
    fn a_rendered_body_is_its_value_as_json_every_time_or_a_500_if_it_would_not_serialise() {
        let rendered = RenderedJson::new(&serde_json::json!({ "status": "ok", "n": 1 }));
        for _ in 0..2 {
            let response = rendered.clone().into_response();
            assert_eq!(response.status(), 200);
            assert_eq!(response.headers()["content-type"], "application/json");
            let Payload::Bytes(body) = response.payload else {
                panic!("no body: {response:?}")
            };
            assert_eq!(&body[..], br#"{"n":1,"status":"ok"}"#);
        }
        let broken = RenderedJson::new(&Unserialisable).into_response();
        assert_eq!(broken.status(), 500);
        assert!(broken.error().is_some());
    }
}
