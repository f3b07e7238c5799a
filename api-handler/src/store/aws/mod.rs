//! The aws backend: DynamoDB (tables users, goals, aggregates), a Cognito
//! user pool, S3 and an SQS FIFO queue behind the ports. The key design and
//! every access pattern are in `docs/data-model.md`.
//!
//! Everything is built once at start-up from one `SdkConfig` and makes no
//! network call until the first request: credentials resolve lazily, and
//! the token signing keys are fetched on first use. Every SDK call is
//! bounded by [`sdk_config`]'s timeouts and retries, and a throttled, slow
//! or unreachable service is a `StoreError::Unavailable` (503 with
//! `Retry-After`).

mod aggregates;
mod attachments;
mod attempts;
mod blobs;
#[cfg(feature = "operations")]
mod dead_letters;
mod dynamo;
mod erasure;
mod errors;
mod exports;
mod failures;
mod goals;
mod http;
mod identity;
mod inbox;
mod items;
mod locks;
mod outbox;
mod paging;
mod profiles;
mod progress;
#[cfg(feature = "provision")]
pub mod provision;
mod publisher;
mod retention;
mod revocations;
pub mod schema;
mod settings;
mod subscription;
#[cfg(feature = "testing")]
pub mod testing;
mod tokens;

use std::sync::Arc;
use std::time::Duration;

use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_sdk_dynamodb::config::Credentials;

pub use self::aggregates::AwsAggregates;
pub use self::attachments::AwsAttachments;
pub use self::attempts::AwsAttempts;
pub use self::blobs::S3Blobs;
#[cfg(feature = "operations")]
pub use self::dead_letters::{DEDUPLICATION_INTERVAL, SqsDeadLetters, dead_letters};
use self::dynamo::Tables;
pub use self::erasure::AwsErasure;
pub use self::exports::AwsExports;
pub use self::failures::AwsDeliveryFailures;
pub use self::goals::AwsGoals;
pub use self::identity::CognitoIdentity;
pub use self::inbox::AwsInbox;
pub use self::outbox::AwsOutbox;
pub use self::profiles::AwsProfiles;
pub use self::progress::AwsProgress;
pub use self::publisher::SqsPublisher;
pub use self::retention::AwsRetention;
pub use self::revocations::AwsRevocations;
pub use self::settings::{AwsSettings, MIN_CURSOR_SECRET, REQUIRED_VARS};
pub use self::subscription::SqsSubscription;
pub use self::tokens::{CognitoTokens, REFETCH_INTERVAL};
use super::Backend;

/// How long connecting to a service may take.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(2);
/// How long one attempt of an SDK call may take.
pub const ATTEMPT_TIMEOUT: Duration = Duration::from_secs(3);
/// How long an SDK call may take with its retries: far below API Gateway's 29 s.
pub const OPERATION_TIMEOUT: Duration = Duration::from_secs(8);
/// Attempts per SDK call (the first one included).
pub const MAX_ATTEMPTS: u32 = 3;

/// Where the SDK's credentials come from, and when it gets ready to call.
#[derive(Debug, Clone)]
pub enum CredentialSource {
    /// The default chain (environment, profiles, web identity, containers,
    /// instance metadata), resolved on first use: for a server outside Lambda.
    Chain,
    /// The environment only, which is where Lambda puts the role's
    /// credentials. Building the chain would build its STS client during
    /// every cold start.
    Lambda,
    /// Fixed credentials: an emulator's, or a test's.
    Fixed(Credentials),
}

/// The one SDK configuration every client is built from: `region`,
/// `endpoint_url` (`AWS_ENDPOINT_URL`) if set, bounded timeouts and retries,
/// credentials from `credentials`, and the HTTPS client of `http.rs`, which
/// loads the root certificates on the first call to AWS.
pub async fn sdk_config(region: &str, endpoint_url: Option<&str>, credentials: CredentialSource) -> SdkConfig {
    let timeouts = TimeoutConfig::builder()
        .connect_timeout(CONNECT_TIMEOUT)
        .operation_attempt_timeout(ATTEMPT_TIMEOUT)
        .operation_timeout(OPERATION_TIMEOUT)
        .build();
    let retries = RetryConfig::standard()
        .with_max_attempts(MAX_ATTEMPTS)
        .with_initial_backoff(Duration::from_millis(50))
        .with_max_backoff(Duration::from_secs(1));
    let mut loader = aws_config::defaults(BehaviorVersion::latest())
        .region(Region::new(region.to_owned()))
        .timeout_config(timeouts)
        .retry_config(retries)
        .http_client(http::https_on_first_request());
    if let Some(endpoint) = endpoint_url {
        loader = loader.endpoint_url(endpoint);
    }
    match credentials {
        CredentialSource::Chain => {}
        CredentialSource::Lambda => {
            loader =
                loader.credentials_provider(aws_config::environment::EnvironmentVariableCredentialsProvider::new());
        }
        CredentialSource::Fixed(credentials) => loader = loader.credentials_provider(credentials),
    }
    loader.load().await
}

/// Every aws adapter on the resources `settings` names, with clients built from `sdk`.
pub fn open(settings: &AwsSettings, sdk: &SdkConfig) -> Result<Backend, String> {
    let tables = Tables {
        client: aws_sdk_dynamodb::Client::new(sdk),
        users: settings.users_table.clone(),
        goals: settings.goals_table.clone(),
        aggregates: settings.aggregates_table.clone(),
    };
    let s3 = aws_sdk_s3::config::Builder::from(sdk)
        // An emulator has no per-bucket host names.
        .force_path_style(settings.endpoint_url.is_some())
        // Checksums only where S3 requires them: a presigned upload must not
        // sign the checksum of an empty body.
        .request_checksum_calculation(aws_sdk_s3::config::RequestChecksumCalculation::WhenRequired)
        .build();
    let tokens = CognitoTokens::new(&settings.issuer(), &settings.client_id, &settings.jwks_url());
    let sqs = aws_sdk_sqs::Client::new(sdk);
    Ok(Backend {
        name: "aws",
        identity: Arc::new(CognitoIdentity::new(
            aws_sdk_cognitoidentityprovider::Client::new(sdk),
            settings.user_pool_id.clone(),
            settings.client_id.clone(),
        )),
        authenticator: Arc::new(tokens),
        profiles: Arc::new(AwsProfiles::new(tables.clone())),
        goals: Arc::new(AwsGoals::new(tables.clone())),
        progress: Arc::new(AwsProgress::new(tables.clone())),
        attachments: Arc::new(AwsAttachments::new(tables.clone())),
        aggregates: Arc::new(AwsAggregates::new(tables.clone())),
        outbox: Arc::new(AwsOutbox::new(tables.clone())),
        inbox: Arc::new(AwsInbox::new(tables.clone())),
        revocations: Arc::new(AwsRevocations::new(tables.clone())),
        erasure: Arc::new(AwsErasure::new(tables.clone())),
        exports: Arc::new(AwsExports::new(tables.clone())),
        retention: Arc::new(AwsRetention),
        delivery_failures: Arc::new(AwsDeliveryFailures::new(tables.clone())),
        attempts: Some(Arc::new(AwsAttempts::new(tables))),
        blobs: Arc::new(S3Blobs::new(aws_sdk_s3::Client::from_conf(s3), settings.bucket.clone())),
        publisher: Arc::new(SqsPublisher::new(sqs.clone(), settings.queue_url.clone())),
        subscription: Arc::new(SqsSubscription::new(sqs, settings.queue_url.clone())),
        cursor_secret: settings.cursor_secret.clone(),
        local_routes: None,
    })
}
