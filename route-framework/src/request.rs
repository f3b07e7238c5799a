//! `RequestParts`: what a handler's extractors read, the request minus its body.

use std::any::Any;
use std::net::IpAddr;
use std::sync::Arc;

use http::{HeaderMap, Uri};

use crate::auth::User;

/// Path parameters of the matched route, in path order, percent-decoded.
pub type PathParams = Vec<(&'static str, String)>;

/// The application state a dispatcher hands to every request: any
/// `Send + Sync` value, read back by type with [`RequestParts::state`].
pub type SharedState = Arc<dyn Any + Send + Sync>;

/// The parts of a request that extractors read.
///
/// The dispatcher builds it once the route is known and the caller is
/// authenticated, and lends it to the handler's adapter, which runs the
/// extractors before the handler's future exists: the request itself is
/// borrowed, not moved or counted. The body travels beside it so only the
/// last extractor can consume it.
pub struct RequestParts<'a> {
    pub(crate) method: &'a http::Method,
    pub(crate) uri: &'a Uri,
    pub(crate) headers: &'a HeaderMap,
    pub(crate) path_params: PathParams,
    pub(crate) user: Option<User>,
    pub(crate) request_id: &'a str,
    pub(crate) route_key: &'static str,
    pub(crate) client_ip: Option<IpAddr>,
    pub(crate) state: &'a (dyn Any + Send + Sync),
}

impl RequestParts<'_> {
    /// The request method as sent (`HEAD` for a `GET` route served to `HEAD`).
    pub fn method(&self) -> &http::Method {
        self.method
    }

    /// The request URI (path and query) as sent.
    pub fn uri(&self) -> &Uri {
        self.uri
    }

    /// The request headers.
    pub fn headers(&self) -> &HeaderMap {
        self.headers
    }

    /// The matched route's path parameters, in path order.
    pub fn path_params(&self) -> &[(&'static str, String)] {
        &self.path_params
    }

    /// The authenticated caller; `None` on public routes.
    pub fn user(&self) -> Option<&User> {
        self.user.as_ref()
    }

    /// The request id that appears in logs and error bodies.
    pub fn request_id(&self) -> &str {
        self.request_id
    }

    /// The matched route's key, such as `GET /goals/{goalId}`.
    pub fn route_key(&self) -> &'static str {
        self.route_key
    }

    /// The client's address, when the entry point knows it (the local
    /// server's TCP peer, API Gateway's `sourceIp`).
    pub fn client_ip(&self) -> Option<IpAddr> {
        self.client_ip
    }

    /// The application state, if it is an `S` (see [`State`](crate::extract::State)).
    pub fn state<S: Any>(&self) -> Option<&S> {
        self.state.downcast_ref::<S>()
    }
}
