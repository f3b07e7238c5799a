//! Start-up: settings → backend → app → dispatcher → Lambda runtime or local server.

use std::fmt;
use std::path::Path;
use std::sync::Arc;

use route_framework::checks::{self, RegistryError};
use route_framework::dispatch::Dispatcher;
use route_framework::lambda;
use route_framework::routes;
use route_framework::server;

use crate::app::App;
use crate::settings::{Mode, Settings};
use crate::store::{self, Backend};

/// Why the service could not start or stopped with an error.
#[derive(Debug)]
pub enum StartError {
    /// The route registry is invalid.
    Registry(RegistryError),
    /// The backend could not be opened.
    Backend(String),
    /// The local server could not bind.
    Bind(std::io::Error),
    /// The Lambda runtime failed.
    Lambda(String),
}

impl fmt::Display for StartError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StartError::Registry(err) => write!(f, "{err}"),
            StartError::Backend(msg) => write!(f, "cannot open the backend: {msg}"),
            StartError::Bind(err) => write!(f, "cannot bind the local server: {err}"),
            StartError::Lambda(msg) => write!(f, "the Lambda runtime failed: {msg}"),
        }
    }
}

impl std::error::Error for StartError {}

/// The app on `backend` and a dispatcher for every registered route on top of it.
pub fn service(backend: Backend) -> Result<(Dispatcher, App), StartError> {
    let authenticator = Arc::clone(&backend.authenticator);
    let app = App::new(backend);
    let routes = routes();
    checks::validate(&routes).map_err(StartError::Registry)?;
    let dispatcher = Dispatcher::new(routes, authenticator, app.clone()).map_err(StartError::Registry)?;
    Ok((dispatcher, app))
}

/// The embedded backend on `data_dir`, its blob URLs starting with `public_url`.
pub fn embedded(data_dir: &Path, public_url: &str) -> Result<Backend, StartError> {
    store::embedded::open(data_dir, public_url).map_err(StartError::Backend)
}

/// Runs the service until the Lambda runtime ends or the local server is
/// signalled, relaying events to the log in the background.
pub async fn run(settings: Settings) -> Result<(), StartError> {
    match settings.mode {
        Mode::Lambda => {
            let public_url = settings.public_url.unwrap_or_default();
            let (dispatcher, app) = service(embedded(&settings.data_dir, &public_url)?)?;
            let relay = tokio::spawn(app.relay().clone().run_forever());
            let result = lambda::run(Arc::new(dispatcher))
                .await
                .map_err(|err| StartError::Lambda(err.to_string()));
            relay.abort();
            result
        }
        Mode::Local(addr) => {
            let server = server::Server::bind(addr)
                .await
                .map_err(StartError::Bind)?
                .with_limits(settings.limits);
            let bound = server.local_addr().map_err(StartError::Bind)?;
            let public_url = settings.public_url.unwrap_or_else(|| format!("http://{bound}"));
            let backend = embedded(&settings.data_dir, &public_url)?;
            let local_routes = backend.local_routes.clone();
            let (dispatcher, app) = service(backend)?;
            tracing::info!(
                address = %bound,
                routes = dispatcher.routes().len(),
                data_dir = %settings.data_dir.display(),
                "listening on http://{bound}"
            );
            let relay = tokio::spawn(app.relay().clone().run_forever());
            server
                .serve(Arc::new(dispatcher), local_routes, server::shutdown_signal())
                .await;
            relay.abort();
            // Deliver what the last requests wrote before stopping.
            if let Err(err) = app.relay().run_once().await {
                tracing::warn!(error = %err, "undelivered events stay in the outbox until the next start");
            }
            Ok(())
        }
        Mode::Help => Ok(()),
    }
}
