//! `App`: the services every handler can ask for, built once at start-up
//! and handed to the dispatcher as its state.

use std::sync::Arc;

use route_framework::error::ApiError;
use route_framework::event::{EventParts, Failure, FromEventParts};
use route_framework::extract::{FromRequestParts, State};
use route_framework::metrics::{Directive, Metrics, Unit};
use route_framework::request::RequestParts;
use route_framework::response::RenderedJson;
use route_framework::schema::JsonSchema;
use route_framework::signature::Signature;
use serde::Serialize;

use crate::notifications::Relay;
use crate::paging::Cursors;
use crate::sessions::Sessions;
use crate::store::Backend;
use crate::store::ports::{
    Aggregates, Attachments, Blobs, Erasure, Exports, Goals, Identity, Inbox, Profiles, Progress, Retention,
    Revocations,
};
use crate::throttle::Throttle;

/// Static facts about the running service.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    /// The service version reported by `GET /health`.
    pub version: &'static str,
    /// The storage backend in use: `embedded` or `aws`.
    pub backend: &'static str,
}

/// How long notifications are kept unless configured otherwise.
pub const NOTIFICATION_RETENTION_DAYS: i64 = 90;

/// What the app is told besides its backend.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Options {
    /// The metrics in the log lines, when on.
    pub metrics: Option<Metrics>,
    /// How long a notification is kept after it is created.
    pub notification_retention: chrono::Duration,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            metrics: None,
            notification_retention: chrono::Duration::days(NOTIFICATION_RETENTION_DAYS),
        }
    }
}

/// The health report `GET /health` answers.
#[derive(Debug, Serialize, JsonSchema)]
pub struct Health {
    status: &'static str,
    version: &'static str,
    backend: &'static str,
}

impl Health {
    /// The report of a service up with `config`.
    fn of(config: &Config) -> Health {
        Health {
            status: "ok",
            version: config.version,
            backend: config.backend,
        }
    }
}

/// A cheap-to-clone handle on the shared services.
///
/// Handlers take it as an extractor: `async fn h(app: App) -> ..`.
#[derive(Clone)]
pub struct App {
    inner: Arc<Inner>,
}

struct Inner {
    config: Config,
    health: RenderedJson<Health>,
    backend: Backend,
    cursors: Cursors,
    relay: Relay,
    throttle: Throttle,
    sessions: Sessions,
    options: Options,
    /// The relay's backlog line's metrics, when metrics are on.
    backlog_metrics: Option<Directive>,
}

impl App {
    /// The app on `backend`, delivering its events to the backend's publisher.
    pub fn new(backend: Backend, options: Options) -> App {
        let config = Config {
            version: env!("CARGO_PKG_VERSION"),
            backend: backend.name,
        };
        let cursors = Cursors::new(&backend.cursor_secret);
        let relay = Relay::new(Arc::clone(&backend.outbox), Arc::clone(&backend.publisher));
        let throttle = Throttle::new(backend.attempts.clone());
        App {
            inner: Arc::new(Inner {
                health: RenderedJson::new(&Health::of(&config)),
                config,
                backend,
                cursors,
                relay,
                throttle,
                sessions: Sessions::default(),
                backlog_metrics: options
                    .metrics
                    .as_ref()
                    .map(|metrics| metrics.directive(&[&["job"]], &[("outbox_backlog", Unit::Count)])),
                options,
            }),
        }
    }

    /// Metrics and retention.
    pub fn options(&self) -> &Options {
        &self.inner.options
    }

    /// The metrics of the relay's backlog line (`outbox_backlog` by `job`),
    /// when metrics are on.
    pub fn backlog_metrics(&self) -> Option<&str> {
        self.inner.backlog_metrics.as_ref().map(Directive::as_str)
    }

    /// Expired rows.
    pub fn retention(&self) -> &dyn Retention {
        self.inner.backend.retention.as_ref()
    }

    /// The service configuration.
    pub fn config(&self) -> &Config {
        &self.inner.config
    }

    /// The health report, rendered once.
    pub fn health(&self) -> &RenderedJson<Health> {
        &self.inner.health
    }

    /// Accounts and tokens.
    pub fn identity(&self) -> &dyn Identity {
        self.inner.backend.identity.as_ref()
    }

    /// Profiles.
    pub fn profiles(&self) -> &dyn Profiles {
        self.inner.backend.profiles.as_ref()
    }

    /// Goals.
    pub fn goals(&self) -> &dyn Goals {
        self.inner.backend.goals.as_ref()
    }

    /// Progress entries.
    pub fn progress(&self) -> &dyn Progress {
        self.inner.backend.progress.as_ref()
    }

    /// Attachment records.
    pub fn attachments(&self) -> &dyn Attachments {
        self.inner.backend.attachments.as_ref()
    }

    /// Aggregates for statistics.
    pub fn aggregates(&self) -> &dyn Aggregates {
        self.inner.backend.aggregates.as_ref()
    }

    /// Attachment bytes.
    pub fn blobs(&self) -> &dyn Blobs {
        self.inner.backend.blobs.as_ref()
    }

    /// Each user's notifications.
    pub fn inbox(&self) -> &dyn Inbox {
        self.inner.backend.inbox.as_ref()
    }

    /// Revoked tokens and deleted accounts.
    pub fn revocations(&self) -> &dyn Revocations {
        self.inner.backend.revocations.as_ref()
    }

    /// A deleted user's data, purged page by page.
    pub fn erasure(&self) -> &dyn Erasure {
        self.inner.backend.erasure.as_ref()
    }

    /// Each user's current data export.
    pub fn exports(&self) -> &dyn Exports {
        self.inner.backend.exports.as_ref()
    }

    /// This process's cache of users' revocations.
    pub fn sessions(&self) -> &Sessions {
        &self.inner.sessions
    }

    /// Public cursors of listings.
    pub fn cursors(&self) -> &Cursors {
        &self.inner.cursors
    }

    /// The credential routes' throttle.
    pub fn throttle(&self) -> &Throttle {
        &self.inner.throttle
    }

    /// The outbox relay to the notifications publisher.
    pub fn relay(&self) -> &Relay {
        &self.inner.relay
    }
}

/// Handlers take the app's services as an argument: `async fn h(app: App)`.
impl FromRequestParts for App {
    fn from_request_parts(parts: &RequestParts) -> Result<Self, ApiError> {
        State::<App>::from_request_parts(parts).map(|State(app)| app)
    }

    fn describe(signature: &mut Signature) {
        <State<App> as FromRequestParts>::describe(signature);
    }
}

/// Consumers and jobs take the app's services too: `async fn job(app: App)`.
impl FromEventParts for App {
    fn from_event_parts(parts: &EventParts) -> Result<Self, Failure> {
        State::<App>::from_event_parts(parts).map(|State(app)| app)
    }

    fn describe(signature: &mut Signature) {
        <State<App> as FromEventParts>::describe(signature);
    }
}
