//! Storage and services: the ports (traits) and their adapters.
//!
//! Handlers and app services only see the ports in [`ports`], gathered in a
//! [`Backend`]; `embedded` implements every port with SQLite and files in a
//! data directory (the default for `cargo run`; cargo feature `embedded`),
//! [`aws`] with DynamoDB, Cognito, S3 and SQS (the default in Lambda).

pub mod aws;
mod codec;
#[cfg(feature = "embedded")]
pub mod embedded;
pub mod ports;

use std::sync::Arc;

use route_framework::auth::Authenticator;
use route_framework::server::LocalRoutes;

use self::ports::{
    Aggregates, Attachments, Attempts, Blobs, DeliveryFailures, Erasure, Exports, Goals, Identity, Inbox, Outbox,
    Profiles, Progress, Publisher, Retention, Revocations, Subscription,
};

/// One adapter per port, chosen at start-up, plus what the entry points need
/// from the backend.
#[derive(Clone)]
pub struct Backend {
    /// `embedded` or `aws`, as `GET /health` reports it.
    pub name: &'static str,
    /// Accounts and tokens.
    pub identity: Arc<dyn Identity>,
    /// Verifies bearer tokens the gateway has not verified.
    pub authenticator: Arc<dyn Authenticator>,
    /// Profiles.
    pub profiles: Arc<dyn Profiles>,
    /// Goals.
    pub goals: Arc<dyn Goals>,
    /// Progress entries.
    pub progress: Arc<dyn Progress>,
    /// Attachment records.
    pub attachments: Arc<dyn Attachments>,
    /// Aggregates for statistics.
    pub aggregates: Arc<dyn Aggregates>,
    /// Attachment bytes.
    pub blobs: Arc<dyn Blobs>,
    /// Events not yet delivered.
    pub outbox: Arc<dyn Outbox>,
    /// Where delivered events go (embedded: a SQLite queue; AWS: SQS).
    pub publisher: Arc<dyn Publisher>,
    /// The same queue read back, for the local server's consumer loop.
    pub subscription: Arc<dyn Subscription>,
    /// Each user's notifications.
    pub inbox: Arc<dyn Inbox>,
    /// Revoked tokens and deleted accounts.
    pub revocations: Arc<dyn Revocations>,
    /// A deleted user's data, purged page by page.
    pub erasure: Arc<dyn Erasure>,
    /// Each user's current data export.
    pub exports: Arc<dyn Exports>,
    /// What has outlived its time.
    pub retention: Arc<dyn Retention>,
    /// The consumers' last failure reasons, kept beside the queue.
    pub delivery_failures: Arc<dyn DeliveryFailures>,
    /// Attempt counters every instance shares, if the backend has them
    /// (aws); without, each process's own limits are the whole throttle.
    pub attempts: Option<Arc<dyn Attempts>>,
    /// The secret public cursors are signed with (at least 32 bytes).
    pub cursor_secret: Vec<u8>,
    /// Requests the local server answers outside the registry (the embedded
    /// backend's blob URLs), if any.
    pub local_routes: Option<Arc<dyn LocalRoutes>>,
}
