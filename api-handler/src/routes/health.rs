//! `GET /health`: liveness, version and backend.

use crate::app::Health;
use crate::prelude::*;

/// Report that the service is up, its version and the backend in use.
#[route("GET /health", public)]
async fn health(app: App) -> RenderedJson<Health> {
    // Rendered when the app was built: the answer never changes.
    app.health().clone()
}
