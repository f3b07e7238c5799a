//! The route framework: everything between an API Gateway event (or a local
//! HTTP request) and an annotated handler. It knows nothing of any app.
//!
//! - [`registry`]: the records `#[route]`, `#[on_event]` and `#[schedule]`
//!   submit and the link-time registry; [`checks`]: checks across routes
//!   (duplicates, conflicts, quota).
//! - [`dispatch`]: the one dispatcher every entry point uses; [`event`]:
//!   consumers and jobs and their dispatcher; [`schedule`]: when jobs run.
//! - [`extract`], [`response`], [`error`]: the handler contract; [`request`]:
//!   what extractors read, application state included; [`signature`]: what
//!   they say they read, for OpenAPI and the dispatcher's checks; [`validation`]: the
//!   `garde` rules request types declare, reported all at once.
//! - [`auth`]: the caller and how a request proves it.
//! - [`lambda`], [`server`]: the entry points; [`logging`]: structured logs.
//! - [`openapi`], [`schema`]: the OpenAPI document of a route set.
//! - `testing` (feature `testing`): an in-process client and synthetic routes.
//!
//! ```ignore
//! use route_framework::prelude::*;
//!
//! /// Echo a path parameter.
//! #[route("GET /echo/{id}", public)]
//! async fn echo(Path(id): Path<String>) -> Json<String> {
//!     Json(id)
//! }
//! ```

// Lets `#[route]` expand to `::route_framework::…` paths inside this crate too.
extern crate self as route_framework;

pub mod auth;
pub mod checks;
mod connections;
pub mod dispatch;
pub mod error;
pub mod event;
pub mod extract;
pub mod lambda;
pub mod logging;
pub mod method;
pub mod openapi;
pub mod prelude;
pub mod registry;
pub mod request;
pub mod response;
pub mod schedule;
pub mod schema;
pub mod server;
pub mod signature;
#[cfg(feature = "testing")]
pub mod testing;
pub mod validation;

#[doc(hidden)]
pub mod __private;

pub use registry::{Consumer, Job, Route, consumers, jobs, routes};
pub use route_macros::{on_event, route, schedule};
