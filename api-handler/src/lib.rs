//! The AI lifestyle app backend: the route framework and the app's endpoints,
//! deployed as one AWS Lambda or run as a local HTTP server.
//!
//! A new endpoint is one new file under `src/routes/` with an annotated async
//! function; `build.rs` finds the file, `#[route]` registers the handler, and
//! the [`framework::dispatch::Dispatcher`] serves it. See the README.

// Lets `#[route]` expand to `::api_handler::…` paths inside this crate too.
extern crate self as api_handler;

mod api;
pub mod domain;
pub mod framework;
pub mod prelude;
mod routes;
mod start;
pub mod store;

#[doc(hidden)]
pub mod __private;

pub use framework::route::{Route, routes};
pub use start::{StartError, embedded, run};
