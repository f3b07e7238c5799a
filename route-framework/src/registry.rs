//! The `Route` record each `#[route]` submits, and the link-time registry of them.

use std::fmt;

use bytes::Bytes;
use futures_util::future::BoxFuture;

use crate::method::Method;
use crate::request::RequestParts;
use crate::response::Response;
use crate::schema::{ResponseDoc, SchemaFn};

/// The adapter the macro generates for a handler: runs its extractors, calls it
/// and converts its output into a [`Response`].
pub type HandlerFn = fn(RequestParts, Bytes) -> BoxFuture<'static, Response>;

/// Who may call a route.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Auth {
    /// Anyone, without a token (`#[route(.., public)]`).
    Public,
    /// An authenticated user whose token carries every listed scope.
    Required {
        /// OAuth scopes the token must carry; empty means any valid token.
        scopes: &'static [&'static str],
    },
}

/// Everything known about one endpoint, submitted at link time by `#[route]`.
#[derive(Clone, Copy)]
pub struct Route {
    /// The HTTP method.
    pub method: Method,
    /// The path template, such as `/goals/{goalId}`.
    pub path: &'static str,
    /// The API Gateway route key: `"{method} {path}"`.
    pub route_key: &'static str,
    /// Path parameter names, in path order (greedy ones without the `+`).
    pub params: &'static [&'static str],
    /// Authentication requirement.
    pub auth: Auth,
    /// The handler function's name.
    pub handler_name: &'static str,
    /// Module that defines the handler.
    pub module_path: &'static str,
    /// Source file of the handler, relative to its crate's workspace.
    pub file: &'static str,
    /// Line of the handler's name in [`Route::file`].
    pub line: u32,
    /// First paragraph of the handler's doc comment.
    pub summary: &'static str,
    /// JSON schema of the query string (`Query<T>` argument), for the OpenAPI export.
    pub query: Option<SchemaFn>,
    /// JSON schema of the request body (`Json<T>` argument), for the OpenAPI export.
    pub request_body: Option<SchemaFn>,
    /// The success response, for the OpenAPI export.
    pub response: ResponseDoc,
    /// The generated adapter that runs the handler.
    pub handler: HandlerFn,
}

impl fmt::Debug for Route {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Route")
            .field("route_key", &self.route_key)
            .field("auth", &self.auth)
            .field("handler", &format_args!("{}::{}", self.module_path, self.handler_name))
            .field("at", &format_args!("{}:{}", self.file, self.line))
            .finish()
    }
}

inventory::collect!(Route);

/// Every route linked into this binary, sorted by path then method.
///
/// `inventory` yields submissions in no particular order; sorting here makes
/// everything derived from the registry (tables, Terraform, listings) stable.
pub fn routes() -> Vec<&'static Route> {
    let mut routes: Vec<&'static Route> = inventory::iter::<Route>.into_iter().collect();
    routes.sort_by(|a, b| (a.path, a.method).cmp(&(b.path, b.method)));
    routes
}
