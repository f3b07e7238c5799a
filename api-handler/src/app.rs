//! `App`: the shared services every handler can ask for.

use std::sync::Arc;

use route_framework::error::ApiError;
use route_framework::extract::FromRequestParts;
use route_framework::request::RequestParts;

use crate::store::cursor::Cursors;
use crate::store::ports::{Blobs, Goals, Identity, Profiles};

/// Static facts about the running service.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    /// The service version reported by `GET /health`.
    pub version: &'static str,
    /// The storage backend in use: `embedded` or `aws`.
    pub backend: &'static str,
}

impl Config {
    /// The configuration of this build with `backend`.
    pub fn new(backend: &'static str) -> Self {
        Config {
            version: env!("CARGO_PKG_VERSION"),
            backend,
        }
    }
}

/// The ports handlers use, behind trait objects so a backend is chosen at start-up.
#[derive(Clone)]
pub struct Services {
    /// Accounts and tokens.
    pub identity: Arc<dyn Identity>,
    /// Profiles.
    pub profiles: Arc<dyn Profiles>,
    /// Goals, progress, aggregates, attachment records.
    pub goals: Arc<dyn Goals>,
    /// Attachment bytes.
    pub blobs: Arc<dyn Blobs>,
    /// Pagination cursor signer.
    pub cursors: Cursors,
}

/// A cheap-to-clone handle on the shared services, built once at start-up.
///
/// Handlers take it as an extractor: `async fn h(app: App) -> ..`.
#[derive(Clone)]
pub struct App {
    inner: Arc<Inner>,
}

struct Inner {
    config: Config,
    services: Services,
}

impl App {
    /// Assembles the services.
    pub fn new(config: Config, services: Services) -> App {
        App {
            inner: Arc::new(Inner { config, services }),
        }
    }

    /// The service configuration.
    pub fn config(&self) -> &Config {
        &self.inner.config
    }

    /// Accounts and tokens.
    pub fn identity(&self) -> &dyn Identity {
        self.inner.services.identity.as_ref()
    }

    /// Profiles.
    pub fn profiles(&self) -> &dyn Profiles {
        self.inner.services.profiles.as_ref()
    }

    /// Goals, progress, aggregates, attachment records.
    pub fn goals(&self) -> &dyn Goals {
        self.inner.services.goals.as_ref()
    }

    /// Attachment bytes.
    pub fn blobs(&self) -> &dyn Blobs {
        self.inner.services.blobs.as_ref()
    }

    /// Pagination cursors.
    pub fn cursors(&self) -> &Cursors {
        &self.inner.services.cursors
    }
}

/// Handlers take the app's services as an argument: `async fn h(app: App)`.
impl FromRequestParts for App {
    fn from_request_parts(parts: &RequestParts) -> Result<Self, ApiError> {
        parts.state::<App>().cloned().ok_or_else(|| {
            tracing::error!("the dispatcher was built without the app's services");
            ApiError::internal()
        })
    }
}
