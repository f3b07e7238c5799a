//! `App`: the shared services every handler can ask for.

use std::sync::Arc;

use super::auth::Authenticator;

/// Static facts about the running service.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    /// The service version reported by `GET /health`.
    pub version: &'static str,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            version: env!("CARGO_PKG_VERSION"),
        }
    }
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
    authenticator: Box<dyn Authenticator>,
}

impl App {
    /// Assembles the services.
    pub fn new(config: Config, authenticator: impl Authenticator) -> App {
        App {
            inner: Arc::new(Inner {
                config,
                authenticator: Box::new(authenticator),
            }),
        }
    }

    /// The service configuration.
    pub fn config(&self) -> &Config {
        &self.inner.config
    }

    /// The bearer-token verifier used when the gateway has not verified the caller.
    pub fn authenticator(&self) -> &dyn Authenticator {
        self.inner.authenticator.as_ref()
    }
}
