//! Start-up: settings → backend → app → dispatcher → Lambda runtime or local server.

use std::fmt;
use std::path::Path;
use std::sync::Arc;

use route_framework::auth::{CachedAuthenticator, DEFAULT_CAPACITY};
use route_framework::checks::RegistryError;
use route_framework::dispatch::Dispatcher;
#[cfg(feature = "docs-page")]
use route_framework::docs_page::DocsPage;
use route_framework::event::EventDispatcher;
use route_framework::server::LocalRoutes;
use route_framework::{consumers, jobs, lambda, routes, server};

use crate::admission::Admitting;
use crate::app::{App, Options};
use crate::notifications::{self, KeepFailures};
use crate::settings::{BackendChoice, Mode, Settings};
use crate::store::aws::CredentialSource;
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

/// The app and what serves it: every registered route, consumer and job.
pub struct Service {
    /// HTTP requests to their routes.
    pub dispatcher: Dispatcher,
    /// Queue messages to their consumers, schedules to their jobs.
    pub events: EventDispatcher,
    /// The app's services.
    pub app: App,
}

/// The app on `backend` with the default [`Options`] (no metrics), and
/// dispatchers for every registered route, consumer and job on top of it.
pub fn service(backend: Backend) -> Result<Service, StartError> {
    service_with(backend, Options::default())
}

/// [`service`] with `options`: the dispatchers' lines carry metrics when
/// they name a namespace.
pub fn service_with(backend: Backend, options: Options) -> Result<Service, StartError> {
    let authenticator = Arc::clone(&backend.authenticator);
    let failures = KeepFailures(Arc::clone(&backend.delivery_failures));
    let metrics = options.metrics.clone();
    let app = App::new(backend, options);
    let routes = routes();
    // A token verified once is trusted until it expires: one ECDSA or RSA
    // verification per token, not per request.
    // Then every request's user is checked against revocations (sign-outs,
    // deleted accounts), which no cache of verified tokens may skip.
    let authenticator = Admitting::new(CachedAuthenticator::new(authenticator, DEFAULT_CAPACITY), app.clone());
    let dispatcher = Dispatcher::new(routes, authenticator, app.clone()).map_err(StartError::Registry)?;
    let mut events = EventDispatcher::new(consumers(), jobs(), app.clone())
        .map_err(StartError::Registry)?
        .with_failure_log(failures);
    let mut dispatcher = dispatcher;
    if let Some(metrics) = metrics {
        dispatcher = dispatcher.with_metrics(metrics.clone());
        events = events.with_metrics(metrics);
    }
    Ok(Service {
        dispatcher,
        events,
        app,
    })
}

/// The embedded backend on `data_dir`, its blob URLs starting with `public_url`.
#[cfg(feature = "embedded")]
pub fn embedded(data_dir: &Path, public_url: &str) -> Result<Backend, StartError> {
    store::embedded::open(data_dir, public_url).map_err(StartError::Backend)
}

/// A build without the embedded backend (the Lambda's) says so.
#[cfg(not(feature = "embedded"))]
pub fn embedded(_data_dir: &Path, _public_url: &str) -> Result<Backend, StartError> {
    Err(StartError::Backend(
        "this binary was built without the embedded backend (cargo feature `embedded`, left out of the \
         Lambda build): set APP_BACKEND=aws, or build with default features"
            .to_owned(),
    ))
}

/// The backend `settings` choose; blob URLs of the embedded one start
/// with `public_url`. Builds clients and reads files only: no network call.
async fn backend(settings: &Settings, public_url: &str) -> Result<Backend, StartError> {
    match &settings.backend {
        BackendChoice::Embedded => embedded(&settings.data_dir, public_url),
        BackendChoice::Aws(aws) => {
            let credentials = match settings.mode {
                Mode::Lambda => CredentialSource::Lambda,
                _ => CredentialSource::Chain,
            };
            let sdk = store::aws::sdk_config(&aws.region, aws.endpoint_url.as_deref(), credentials).await;
            store::aws::open(aws, &sdk).map_err(StartError::Backend)
        }
    }
}

/// What the local server answers itself: the backend's own routes (the
/// embedded backend's file URLs) and, built with `docs-page`, the API
/// reference at `GET /docs` with the document at `GET /openapi.json`.
fn local_routes(backend: Option<Arc<dyn LocalRoutes>>) -> Option<Arc<dyn LocalRoutes>> {
    #[cfg(feature = "docs-page")]
    {
        let docs: Arc<dyn LocalRoutes> = Arc::new(DocsPage::new(&crate::openapi::document()));
        let all: Vec<Arc<dyn LocalRoutes>> = backend.into_iter().chain([docs]).collect();
        Some(Arc::new(all))
    }
    #[cfg(not(feature = "docs-page"))]
    backend
}

/// Runs the service until the Lambda runtime ends or the local server is
/// signalled. In Lambda, EventBridge rules invoke the jobs and the queue's
/// event source the consumers; the local server runs the jobs on their
/// schedules and delivers the queue's messages to the consumers itself.
pub async fn run(settings: Settings) -> Result<(), StartError> {
    match settings.mode {
        Mode::Lambda => {
            let public_url = settings.public_url.clone().unwrap_or_default();
            let service = service_with(backend(&settings, &public_url).await?, settings.options.clone())?;
            lambda::run(Arc::new(service.dispatcher), Arc::new(service.events))
                .await
                .map_err(|err| StartError::Lambda(err.to_string()))
        }
        Mode::Local(addr) => {
            let server = server::Server::bind(addr)
                .await
                .map_err(StartError::Bind)?
                .with_limits(settings.limits);
            let bound = server.local_addr().map_err(StartError::Bind)?;
            let public_url = settings.public_url.clone().unwrap_or_else(|| format!("http://{bound}"));
            let backend = backend(&settings, &public_url).await?;
            let local_routes = local_routes(backend.local_routes.clone());
            let subscription = Arc::clone(&backend.subscription);
            let Service {
                dispatcher,
                events,
                app,
            } = service_with(backend, settings.options.clone())?;
            let storage = match &settings.backend {
                BackendChoice::Embedded => settings.data_dir.display().to_string(),
                BackendChoice::Aws(aws) => format!(
                    "DynamoDB {}, {}, {} in {}",
                    aws.users_table, aws.goals_table, aws.aggregates_table, aws.region
                ),
            };
            tracing::info!(
                address = %bound,
                backend = app.config().backend,
                routes = dispatcher.routes().len(),
                consumers = events.consumers().len(),
                jobs = events.jobs().count(),
                storage,
                "listening on http://{bound}"
            );
            let events = Arc::new(events);
            let schedules = events.spawn_schedules();
            let consumers = tokio::spawn(notifications::consume_forever(subscription, events));
            server
                .serve(Arc::new(dispatcher), local_routes, server::shutdown_signal())
                .await;
            consumers.abort();
            drop(schedules);
            // Deliver what the last requests wrote before stopping.
            if let Err(err) = app.relay().run_once().await {
                tracing::warn!(error = %err, "undelivered events stay in the outbox until the next start");
            }
            Ok(())
        }
        Mode::Help => Ok(()),
    }
}
