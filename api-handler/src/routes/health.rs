//! `GET /health`: liveness and version.

use crate::prelude::*;

/// The health report.
#[derive(Debug, Serialize)]
struct Health {
    status: &'static str,
    version: &'static str,
}

/// Report that the service is up, and its version.
#[route("GET /health", public)]
async fn health(app: App) -> Json<Health> {
    Json(Health { status: "ok", version: app.config().version })
}
