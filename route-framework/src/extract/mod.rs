//! Extractors: typed handler arguments built from the request.
//!
//! Every argument but the last implements [`FromRequestParts`]; the last may
//! instead implement [`FromRequest`] and consume the body (as [`Json`] does).
//! A rejection is an [`ApiError`], rendered in the error contract.

mod json;
mod path;
mod query;

use bytes::Bytes;
use http::HeaderMap;

pub use self::json::{JSON_BODY_LIMIT, Json};
pub use self::path::Path;
pub use self::query::Query;
use crate::auth::User;
use crate::error::ApiError;
use crate::request::RequestParts;
use crate::signature::Signature;

/// An argument built from the request's parts, without its body.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a handler argument that can be built from the request",
    label = "not an extractor",
    note = "extractors are `Path<T>`, `Query<T>`, `User`, `ClientIp`, `BearerToken`, `State<S>` (or the app's own state type), `Headers`, `RequestId`, and as the last argument `Json<T>`; the `T` of `Query` and `Json` derives `Deserialize`, `JsonSchema` and `garde::Validate`"
)]
pub trait FromRequestParts: Sized {
    /// Builds the value, or rejects the request.
    fn from_request_parts(parts: &RequestParts) -> Result<Self, ApiError>;

    /// Records what the extractor reads (the query string's schema, the
    /// application state's type) for the OpenAPI document and the checks a
    /// dispatcher makes when it is built. The default records nothing: right
    /// for an extractor that reads only headers, the path or the caller.
    fn describe(signature: &mut Signature) {
        let _ = signature;
    }
}

/// Marker for [`FromRequest`] implementations that only read the parts.
#[doc(hidden)]
pub enum ViaParts {}

/// Marker for [`FromRequest`] implementations that read the body.
#[doc(hidden)]
pub enum ViaBody {}

/// An argument that may consume the body; only the last argument can.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a handler argument that can be built from the request",
    label = "not an extractor",
    note = "extractors are `Path<T>`, `Query<T>`, `User`, `ClientIp`, `BearerToken`, `State<S>` (or the app's own state type), `Headers`, `RequestId`, and as the last argument `Json<T>`; the `T` of `Query` and `Json` derives `Deserialize`, `JsonSchema` and `garde::Validate`"
)]
pub trait FromRequest<M = ViaBody>: Sized {
    /// Builds the value from the parts and the body, or rejects the request.
    fn from_request(parts: &RequestParts, body: Bytes) -> Result<Self, ApiError>;

    /// Records what the extractor reads (the body's schema, say), as
    /// [`FromRequestParts::describe`] does.
    fn describe(signature: &mut Signature) {
        let _ = signature;
    }
}

impl<T: FromRequestParts> FromRequest<ViaParts> for T {
    fn from_request(parts: &RequestParts, _body: Bytes) -> Result<Self, ApiError> {
        T::from_request_parts(parts)
    }

    fn describe(signature: &mut Signature) {
        T::describe(signature);
    }
}

impl FromRequestParts for User {
    fn from_request_parts(parts: &RequestParts) -> Result<Self, ApiError> {
        parts
            .user()
            .cloned()
            .ok_or_else(|| ApiError::unauthorized("this route has no authenticated user: it is public"))
    }
}

/// The caller's bearer token as sent, for a route that passes it on to a
/// provider acting for the user (Cognito's `ChangePassword`, say). The
/// dispatcher has verified it already on a route that requires auth; on API
/// Gateway it is still in the `Authorization` header. A request without one
/// is a 401.
#[derive(Clone, PartialEq, Eq)]
pub struct BearerToken(pub String);

impl std::fmt::Debug for BearerToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("BearerToken(<redacted>)")
    }
}

impl FromRequestParts for BearerToken {
    fn from_request_parts(parts: &RequestParts) -> Result<Self, ApiError> {
        crate::auth::bearer_token(parts.headers()).map(|token| BearerToken(token.to_owned()))
    }
}

/// The application state the dispatcher was built with, by type: a cheap
/// clone of it (usually an `Arc` inside).
///
/// A dispatcher built with another state type does not start: every route's
/// state is checked against it when it is built. An app usually implements
/// [`FromRequestParts`] for its own state type so handlers take it directly,
/// through `State<S>`'s two functions:
///
/// ```
/// use route_framework::error::ApiError;
/// use route_framework::extract::{FromRequestParts, State};
/// use route_framework::request::RequestParts;
/// use route_framework::signature::Signature;
///
/// /// The app's shared services.
/// #[derive(Clone)]
/// struct App;
///
/// impl FromRequestParts for App {
///     fn from_request_parts(parts: &RequestParts) -> Result<Self, ApiError> {
///         State::<App>::from_request_parts(parts).map(|State(app)| app)
///     }
///
///     fn describe(signature: &mut Signature) {
///         State::<App>::describe(signature);
///     }
/// }
/// ```
#[derive(Debug, Clone, Copy, Default)]
pub struct State<S>(pub S);

impl<S: Clone + Send + Sync + 'static> FromRequestParts for State<S> {
    fn from_request_parts(parts: &RequestParts) -> Result<Self, ApiError> {
        parts.state::<S>().cloned().map(State).ok_or_else(|| {
            tracing::error!(
                state = std::any::type_name::<S>(),
                "the dispatcher was built without this state type"
            );
            ApiError::internal()
        })
    }

    fn describe(signature: &mut Signature) {
        signature.read_state::<S>();
    }
}

/// The request headers.
///
/// ```standalone_crate
/// use std::sync::Arc;
///
/// use route_framework::auth::NoAuthenticator;
/// use route_framework::dispatch::Dispatcher;
/// use route_framework::prelude::*;
/// use route_framework::testing::TestClient;
///
/// /// Name the client's software.
/// #[route("GET /agent", public)]
/// async fn agent(Headers(headers): Headers) -> Json<Option<String>> {
///     let agent = headers.get("user-agent").and_then(|value| value.to_str().ok());
///     Json(agent.map(str::to_owned))
/// }
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let dispatcher = Dispatcher::new(route_framework::routes(), NoAuthenticator, ())?;
/// let client = TestClient::new(Arc::new(dispatcher));
///
/// let response = client.get("/agent").header("user-agent", "curl/8.5").send().await;
/// assert_eq!(response.json(), "curl/8.5");
/// assert_eq!(client.get("/agent").send().await.json(), serde_json::Value::Null);
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone)]
pub struct Headers(pub HeaderMap);

impl FromRequestParts for Headers {
    fn from_request_parts(parts: &RequestParts) -> Result<Self, ApiError> {
        Ok(Headers(parts.headers().clone()))
    }
}

/// The client's address, when the entry point knows it: the local server's
/// TCP peer, or API Gateway's `sourceIp`.
///
/// The entry point sets it on the [`Incoming`](crate::dispatch::Incoming)
/// request it hands the dispatcher:
///
/// ```standalone_crate
/// use route_framework::auth::NoAuthenticator;
/// use route_framework::dispatch::{Dispatcher, Incoming};
/// use route_framework::prelude::*;
///
/// /// Say where the caller is.
/// #[route("GET /ip", public)]
/// async fn ip(ClientIp(ip): ClientIp) -> Json<String> {
///     Json(ip.map_or_else(|| "unknown".to_owned(), |ip| ip.to_string()))
/// }
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let dispatcher = Dispatcher::new(route_framework::routes(), NoAuthenticator, ())?;
/// let mut incoming = Incoming::new(
///     http::Method::GET,
///     "/ip".parse()?,
///     http::HeaderMap::new(),
///     bytes::Bytes::new(),
///     "request-1".to_owned(),
/// );
/// incoming.client_ip = Some("203.0.113.7".parse()?);
/// let response = dispatcher.dispatch(incoming).await;
/// assert_eq!(response.body().as_ref(), br#""203.0.113.7""#);
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientIp(pub Option<std::net::IpAddr>);

impl FromRequestParts for ClientIp {
    fn from_request_parts(parts: &RequestParts) -> Result<Self, ApiError> {
        Ok(ClientIp(parts.client_ip()))
    }
}

/// The request id: API Gateway's in Lambda, generated by the local server.
///
/// It is also the response's `x-request-id` header and the `requestId` of
/// an error body, so a client's report finds the request's log lines.
///
/// ```standalone_crate
/// use std::sync::Arc;
///
/// use route_framework::auth::NoAuthenticator;
/// use route_framework::dispatch::Dispatcher;
/// use route_framework::prelude::*;
/// use route_framework::testing::TestClient;
///
/// /// Name this request.
/// #[route("GET /whoami", public)]
/// async fn whoami(RequestId(id): RequestId) -> Json<String> {
///     Json(id)
/// }
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let dispatcher = Dispatcher::new(route_framework::routes(), NoAuthenticator, ())?;
/// let client = TestClient::new(Arc::new(dispatcher));
///
/// let response = client.get("/whoami").send().await;
/// let id = response.header("x-request-id").unwrap_or_default();
/// assert!(id.starts_with("test-"));
/// assert_eq!(response.json(), id);
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestId(pub String);

impl FromRequestParts for RequestId {
    fn from_request_parts(parts: &RequestParts) -> Result<Self, ApiError> {
        Ok(RequestId(parts.request_id().to_owned()))
    }
}
