//! The framework: everything between an API Gateway event (or a local HTTP
//! request) and an annotated handler.
//!
//! - [`route`]: the `Route` record and the link-time registry.
//! - [`registry`]: checks across routes (duplicates, conflicts, quota).
//! - [`dispatch`]: the one dispatcher every entry point uses.
//! - [`extract`], [`response`], [`error`]: the handler contract.
//! - [`auth`], [`app`]: the caller and the shared services.
//! - [`lambda`], [`server`], [`testing`]: the entry points.

pub mod app;
pub mod auth;
pub mod dispatch;
pub mod error;
pub mod extract;
pub mod lambda;
pub mod logging;
pub mod registry;
pub mod request;
pub mod response;
pub mod route;
pub mod schema;
pub mod server;
pub mod settings;
pub mod testing;
