//! The AI lifestyle app backend: its endpoints, domain rules and storage,
//! deployed as one AWS Lambda or run as a local HTTP server on the
//! [`route_framework`].
//!
//! A new endpoint is one new file under `src/routes/` with an annotated async
//! function; `modules!()` declares the file and `#[route]` registers the handler.
//! Queue consumers (`src/consumers/`, `#[on_event]`) and scheduled jobs
//! (`src/jobs/`, `#[schedule]`) work the same way. See the README,
//! `docs/framework.md` and `docs/events-and-jobs.md`.

pub mod admission;
pub mod app;
mod consumers;
pub mod domain;
pub mod errors;
pub mod idempotency;
mod jobs;
pub mod notifications;
pub mod openapi;
pub mod ownership;
pub mod paging;
pub mod preconditions;
pub mod prelude;
mod routes;
pub mod sessions;
pub mod settings;
mod start;
pub mod store;
pub mod throttle;
pub mod time_bound;
pub mod use_cases;

pub use route_framework::{consumers, jobs, routes};
pub use start::{Service, StartError, embedded, run, service, service_with};
