//! The records `#[route]`, `#[on_event]` and `#[schedule]` submit, and the
//! link-time registry of each.

use std::fmt;

use bytes::Bytes;
use futures_util::future::BoxFuture;

use crate::event::{EventParts, Outcome};
use crate::method::Method;
use crate::request::RequestParts;
use crate::response::Response;
use crate::schema::ResponseDoc;
use crate::signature::{DescribeFn, Signature};

/// The adapter the macro generates for a handler: runs its extractors when
/// called (they are synchronous), then returns the future that calls the
/// handler and converts its output into a [`Response`].
pub type HandlerFn = fn(RequestParts<'_>, Bytes) -> BoxFuture<'static, Response>;

/// The adapter the macro generates for a consumer or a job: runs its
/// extractors (the payload from the bytes) and calls it.
pub type TaskFn = fn(EventParts, Bytes) -> BoxFuture<'static, Outcome>;

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
    /// Asks each argument's extractor what it reads (see [`Route::signature`]).
    pub arguments: DescribeFn,
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

impl Route {
    /// What the handler's arguments read: the query string's and the body's
    /// schemas (for the OpenAPI document) and the application state.
    pub fn signature(&self) -> Signature {
        let mut signature = Signature::default();
        (self.arguments)(&mut signature);
        signature
    }
}

/// Every route linked into this binary, sorted by path then method.
///
/// `inventory` yields submissions in no particular order; sorting here makes
/// everything derived from the registry (tables, Terraform, listings) stable.
pub fn routes() -> Vec<&'static Route> {
    let mut routes: Vec<&'static Route> = inventory::iter::<Route>.into_iter().collect();
    routes.sort_by(|a, b| (a.path, a.method).cmp(&(b.path, b.method)));
    routes
}

/// Where a handler, consumer or job is defined, for listings and errors.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Origin {
    /// The function's name.
    pub handler_name: &'static str,
    /// Module that defines it.
    pub module_path: &'static str,
    /// Source file, relative to its crate's workspace.
    pub file: &'static str,
    /// Line of the function's name in [`Origin::file`].
    pub line: u32,
    /// First paragraph of its doc comment.
    pub summary: &'static str,
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "`{}` ({}:{})", self.handler_name, self.file, self.line)
    }
}

/// A queue consumer, submitted at link time by `#[on_event("type")]`.
#[derive(Clone, Copy)]
pub struct Consumer {
    /// The message `type` it consumes, such as `goal.completed`.
    pub event_type: &'static str,
    /// The most messages the queue hands the function at once (`batch_size`).
    pub batch_size: u16,
    /// Seconds the queue may wait to fill a batch (`batch_window`).
    pub batch_window: u16,
    /// Where it is defined.
    pub origin: Origin,
    /// Asks each argument's extractor what it reads.
    pub arguments: DescribeFn,
    /// The generated adapter: payload and extractors, then the consumer.
    pub handler: TaskFn,
}

impl fmt::Debug for Consumer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Consumer")
            .field("event_type", &self.event_type)
            .field("origin", &self.origin)
            .finish()
    }
}

inventory::collect!(Consumer);

/// Every consumer linked into this binary, sorted by event type.
pub fn consumers() -> Vec<&'static Consumer> {
    let mut consumers: Vec<&'static Consumer> = inventory::iter::<Consumer>.into_iter().collect();
    consumers.sort_by_key(|consumer| (consumer.event_type, consumer.origin.handler_name));
    consumers
}

/// A scheduled job, submitted at link time by `#[schedule("rate(..)")]`.
#[derive(Clone, Copy)]
pub struct Job {
    /// The job's name: its function's name, which names its schedule in
    /// Terraform and its rule in EventBridge.
    pub name: &'static str,
    /// The EventBridge schedule expression, checked at compile time.
    pub schedule: &'static str,
    /// Where it is defined.
    pub origin: Origin,
    /// Asks each argument's extractor what it reads.
    pub arguments: DescribeFn,
    /// The generated adapter: extractors, then the job.
    pub handler: TaskFn,
}

impl fmt::Debug for Job {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Job")
            .field("name", &self.name)
            .field("schedule", &self.schedule)
            .field("origin", &self.origin)
            .finish()
    }
}

inventory::collect!(Job);

/// Every job linked into this binary, sorted by name.
pub fn jobs() -> Vec<&'static Job> {
    let mut jobs: Vec<&'static Job> = inventory::iter::<Job>.into_iter().collect();
    jobs.sort_by_key(|job| job.name);
    jobs
}
