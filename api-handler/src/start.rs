//! Start-up: settings → services → dispatcher → Lambda runtime or local server.

use std::fmt;
use std::sync::Arc;

use crate::framework::app::{App, Config};
use crate::framework::auth::{Authenticator, JwtAuthenticator, NoAuthenticator};
use crate::framework::dispatch::Dispatcher;
use crate::framework::registry::{self, RegistryError};
use crate::framework::route::routes;
use crate::framework::settings::{JwtSettings, Mode, Settings};
use crate::framework::{lambda, server};

/// Why the service could not start or stopped with an error.
#[derive(Debug)]
pub enum StartError {
    /// The route registry is invalid.
    Registry(RegistryError),
    /// The token verifier could not be built.
    Auth(String),
    /// The local server could not bind.
    Bind(std::io::Error),
    /// The Lambda runtime failed.
    Lambda(String),
}

impl fmt::Display for StartError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StartError::Registry(err) => write!(f, "{err}"),
            StartError::Auth(msg) => write!(f, "cannot set up bearer-token verification: {msg}"),
            StartError::Bind(err) => write!(f, "cannot bind the local server: {err}"),
            StartError::Lambda(msg) => write!(f, "the Lambda runtime failed: {msg}"),
        }
    }
}

impl std::error::Error for StartError {}

/// The dispatcher for every registered route, with services built from `settings`.
pub fn dispatcher(settings: &Settings) -> Result<Dispatcher, StartError> {
    let app = match &settings.jwt {
        Some(jwt) => App::new(Config::default(), jwt_authenticator(jwt)?),
        None => App::new(Config::default(), NoAuthenticator),
    };
    let routes = routes();
    registry::validate(&routes).map_err(StartError::Registry)?;
    Dispatcher::new(routes, app).map_err(StartError::Registry)
}

fn jwt_authenticator(jwt: &JwtSettings) -> Result<impl Authenticator, StartError> {
    let pem = std::fs::read(&jwt.public_key_file).map_err(|err| {
        StartError::Auth(format!(
            "cannot read {}: {err}",
            jwt.public_key_file.display()
        ))
    })?;
    JwtAuthenticator::from_pem(jwt.algorithm, &pem, &jwt.issuer, &jwt.audience)
        .map_err(|err| StartError::Auth(format!("{}: {err}", jwt.public_key_file.display())))
}

/// Runs the service until the Lambda runtime ends or the local server is signalled.
pub async fn run(settings: Settings) -> Result<(), StartError> {
    let dispatcher = Arc::new(dispatcher(&settings)?);
    match settings.mode {
        Mode::Lambda => lambda::run(dispatcher)
            .await
            .map_err(|err| StartError::Lambda(err.to_string())),
        Mode::Local(addr) => {
            let server = server::Server::bind(addr).await.map_err(StartError::Bind)?;
            let bound = server.local_addr().map_err(StartError::Bind)?;
            tracing::info!(address = %bound, routes = dispatcher.routes().len(), "listening on http://{bound}");
            server.serve(dispatcher, server::shutdown_signal()).await;
            Ok(())
        }
        Mode::Help => Ok(()),
    }
}
