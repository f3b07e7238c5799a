//! The route framework: everything between an API Gateway event (or a local
//! HTTP request) and an annotated handler. It knows nothing of any app.
//!
//! - [`registry`]: the records `#[route]`, `#[on_event]` and `#[schedule]`
//!   submit and the link-time registry; [`checks`]: checks across routes
//!   (duplicates, conflicts, quota).
//! - [`dispatch`]: the one dispatcher every entry point uses; [`event`]:
//!   consumers and jobs and their dispatcher; [`schedule`](mod@schedule): when jobs run
//!   (the `route-grammar` crate, shared with the macros).
//! - [`extract`], [`response`], [`error`]: the handler contract; [`request`]:
//!   what extractors read, application state included; [`signature`]: what
//!   they say they read, for OpenAPI and the dispatcher's checks; [`validation`]: the
//!   `garde` rules request types declare, reported all at once.
//! - [`auth`]: the caller and how a request proves it.
//! - [`lambda`], [`server`]: the entry points; [`logging`]: structured logs;
//!   [`metrics`]: CloudWatch metrics carried by those logs.
//! - [`openapi`], [`schema`]: the OpenAPI document of a route set;
//!   `docs_page` (feature `docs-page`): the local server's page that renders it;
//!   [`terraform`]: the registries as Terraform (API Gateway routes, the
//!   queue's event source, the jobs' rules); [`route_table`]: as tables.
//! - `testing` (feature `testing`): an in-process client and synthetic
//!   routes, and a Lambda Runtime API emulator.
//!
//! Cargo features, so an app takes only what it uses: `lambda` (the Lambda
//! entry point, `lambda_http`), `server` (the local server, `hyper`) and
//! `jwt` (`auth::JwtAuthenticator`, `jsonwebtoken`), all on by default;
//! `docs-page` (with `server`: Swagger UI compiled in, for local servers);
//! `testing` (with `server`) for tests only. Without any of them the crate
//! is the registry, dispatch, extractors, events and jobs, OpenAPI and the
//! Terraform generators.
//!
//! A handler is an annotated `async fn`; the dispatcher built over the
//! registry serves it, here through the in-process test client (feature
//! `testing`) as the local server and the Lambda would:
//!
//! ```standalone_crate
//! use std::sync::Arc;
//!
//! use route_framework::auth::NoAuthenticator;
//! use route_framework::dispatch::Dispatcher;
//! use route_framework::prelude::*;
//! use route_framework::testing::TestClient;
//!
//! /// Echo a path parameter.
//! #[route("GET /echo/{id}", public)]
//! async fn echo(Path(id): Path<String>) -> Json<String> {
//!     Json(id)
//! }
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let dispatcher = Dispatcher::new(route_framework::routes(), NoAuthenticator, ())?;
//! let client = TestClient::new(Arc::new(dispatcher));
//!
//! let response = client.get("/echo/42").send().await;
//! assert_eq!(response.status, 200);
//! assert_eq!(response.json(), "42");
//! // Anything else is an error in the error contract.
//! let response = client.get("/nowhere").send().await;
//! assert_eq!(response.status, 404);
//! assert_eq!(response.json()["error"]["code"], "not_found");
//! # Ok(())
//! # }
//! ```

// Lets `#[route]` expand to `::route_framework::…` paths inside this crate too.
extern crate self as route_framework;

pub mod auth;
pub mod checks;
#[cfg(feature = "server")]
mod connections;
pub mod dispatch;
#[cfg(feature = "docs-page")]
pub mod docs_page;
pub mod error;
pub mod event;
pub mod extract;
#[cfg(feature = "lambda")]
pub mod lambda;
pub mod logging;
pub mod method;
pub mod metrics;
pub mod openapi;
pub mod prelude;
pub mod registry;
pub mod request;
pub mod response;
pub mod route_table;
pub mod schedule;
pub mod schema;
#[cfg(feature = "server")]
pub mod server;
pub mod signature;
pub mod terraform;
#[cfg(feature = "testing")]
pub mod testing;
pub mod validation;

#[doc(hidden)]
pub mod __private;

pub use registry::{Consumer, Job, Route, consumers, jobs, routes};
pub use route_macros::{modules, on_event, route, schedule};
