//! Start-up: settings → backend → dispatcher → Lambda runtime or local server.

use std::fmt;
use std::path::Path;
use std::sync::Arc;

use route_framework::checks::{self, RegistryError};
use route_framework::dispatch::Dispatcher;
use route_framework::lambda;
use route_framework::routes;
use route_framework::server::{self, LocalRoutes};

use crate::app::{App, Config};
use crate::settings::{Mode, Settings};
use crate::store::embedded::EmbeddedBackend;

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

/// The embedded backend on `data_dir` and a dispatcher for every registered
/// route on top of it.
pub fn embedded(data_dir: &Path, public_url: &str) -> Result<(Dispatcher, EmbeddedBackend), StartError> {
    let backend = EmbeddedBackend::open(data_dir, public_url).map_err(StartError::Backend)?;
    let app = App::new(Config::new("embedded"), backend.services.clone());
    let routes = routes();
    checks::validate(&routes).map_err(StartError::Registry)?;
    let dispatcher = Dispatcher::new(routes, backend.identity.clone(), app).map_err(StartError::Registry)?;
    Ok((dispatcher, backend))
}

/// Runs the service until the Lambda runtime ends or the local server is signalled.
pub async fn run(settings: Settings) -> Result<(), StartError> {
    match settings.mode {
        Mode::Lambda => {
            let public_url = settings.public_url.unwrap_or_default();
            let (dispatcher, _backend) = embedded(&settings.data_dir, &public_url)?;
            lambda::run(Arc::new(dispatcher))
                .await
                .map_err(|err| StartError::Lambda(err.to_string()))
        }
        Mode::Local(addr) => {
            let server = server::Server::bind(addr).await.map_err(StartError::Bind)?;
            let bound = server.local_addr().map_err(StartError::Bind)?;
            let public_url = settings.public_url.unwrap_or_else(|| format!("http://{bound}"));
            let (dispatcher, backend) = embedded(&settings.data_dir, &public_url)?;
            tracing::info!(
                address = %bound,
                routes = dispatcher.routes().len(),
                data_dir = %settings.data_dir.display(),
                "listening on http://{bound}"
            );
            let blobs: Arc<dyn LocalRoutes> = backend.blobs;
            server
                .serve(Arc::new(dispatcher), Some(blobs), server::shutdown_signal())
                .await;
            Ok(())
        }
        Mode::Help => Ok(()),
    }
}
