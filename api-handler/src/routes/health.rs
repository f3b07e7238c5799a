//! `GET /health`: liveness, version and backend.

use crate::prelude::*;

/// The health report.
#[derive(Debug, Serialize, JsonSchema)]
struct Health {
    status: &'static str,
    version: &'static str,
    backend: &'static str,
}

/// Report that the service is up, its version and the backend in use.
#[route("GET /health", public)]
async fn health(app: App) -> Json<Health> {
    let config = app.config();
    Json(Health {
        status: "ok",
        version: config.version,
        backend: config.backend,
    })
}
