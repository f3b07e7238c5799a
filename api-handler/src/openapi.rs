//! The app's OpenAPI 3.1 document: every registered route, as
//! `cargo xtask openapi` prints it and the contract fuzzer reads it.

use route_framework::openapi::{self, ApiInfo};
use serde_json::Value;

/// The document of every route linked into this binary.
pub fn document() -> Value {
    openapi::document(
        &route_framework::routes(),
        ApiInfo {
            title: "AI Lifestyle App API",
            version: env!("CARGO_PKG_VERSION"),
            description: "Generated from the #[route] registry by `cargo xtask gen-routes` (docs/openapi.json); the local server serves it at `GET /openapi.json` and renders it at `GET /docs`.",
        },
    )
}
