//! The backends the contract suite runs against, each behind one factory.
//!
//! Every app test is an `async fn(Kind)` listed in `contract_tests!`, which
//! runs it once per backend; a new backend is one more `Kind` and one more
//! arm in [`Store::new`] and [`Store::open_at`].
//!
//! The aws backend runs against moto at `MOTO_ENDPOINT_URL`, which
//! `cargo xtask test` starts and stops; each test provisions its own
//! tables, user pool, bucket and queue under a fresh prefix.

use std::path::Path;
use std::sync::Mutex;

use api_handler::domain::events::DomainEvent;
use api_handler::store::Backend;
use api_handler::store::aws::{self, AwsSettings};
use aws_config::SdkConfig;
use tempfile::TempDir;

/// The emulator endpoint variable `cargo xtask test` sets.
pub(crate) const MOTO_ENDPOINT_VAR: &str = "MOTO_ENDPOINT_URL";
/// The region every emulated resource lives in.
pub(crate) const REGION: &str = "us-east-1";

/// A backend kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    /// SQLite, files and local identity in a temporary data directory.
    Embedded,
    /// DynamoDB, Cognito, S3 and SQS in moto.
    Aws,
}

/// The emulator resources of one aws store.
pub(crate) struct AwsStore {
    pub(crate) settings: AwsSettings,
    pub(crate) endpoint: String,
    /// Messages taken off the queue so far, in order.
    received: Mutex<Vec<DomainEvent>>,
}

/// Where one backend keeps its data, across restarts of the server on it.
pub(crate) struct Store {
    kind: Kind,
    dir: TempDir,
    aws: Option<AwsStore>,
}

/// The moto endpoint, or a panic saying how to get one.
pub(crate) fn moto_endpoint() -> String {
    std::env::var(MOTO_ENDPOINT_VAR).unwrap_or_else(|_| {
        panic!(
            "the aws contract tests need moto: run them with `cargo xtask test`, which starts it, \
             or start `target/tools/venv/bin/moto_server -H 127.0.0.1 -p 5000` and set \
             {MOTO_ENDPOINT_VAR}=http://127.0.0.1:5000"
        )
    })
}

/// The SDK configuration of the emulator at `endpoint` (its dummy credentials).
pub(crate) async fn sdk_at(endpoint: &str) -> SdkConfig {
    aws::provision::emulator_sdk_config(endpoint, REGION).await
}

impl Store {
    /// Fresh, empty storage of `kind`.
    pub(crate) async fn new(kind: Kind) -> Store {
        let aws = match kind {
            Kind::Embedded => None,
            Kind::Aws => {
                let endpoint = moto_endpoint();
                let sdk = sdk_at(&endpoint).await;
                let prefix = format!("t{}", ulid::Ulid::new().to_string().to_ascii_lowercase());
                let secret = format!("{prefix}-cursor-secret-for-tests-only").into_bytes();
                let settings = aws::provision::provision(&sdk, REGION, Some(&endpoint), &prefix, secret)
                    .await
                    .unwrap();
                Some(AwsStore {
                    settings,
                    endpoint,
                    received: Mutex::new(Vec::new()),
                })
            }
        };
        Store {
            kind,
            dir: TempDir::new().unwrap(),
            aws,
        }
    }

    /// The kind of backend.
    pub(crate) fn kind(&self) -> Kind {
        self.kind
    }

    /// The backend on this storage, its blob URLs starting with `public_url`.
    pub(crate) async fn open(&self, public_url: &str) -> Backend {
        match &self.aws {
            None => api_handler::embedded(self.dir.path(), public_url).unwrap(),
            Some(aws) => self.open_at(&aws.endpoint).await,
        }
    }

    /// The aws backend on this storage, talking to the emulator through
    /// `endpoint` (a fault-injecting proxy, say).
    pub(crate) async fn open_at(&self, endpoint: &str) -> Backend {
        let aws = self.aws.as_ref().expect("an aws store");
        let mut settings = aws.settings.clone();
        settings.endpoint_url = Some(endpoint.to_owned());
        let sdk = aws::provision::emulator_sdk_config(endpoint, REGION).await;
        aws::open(&settings, &sdk).unwrap()
    }

    /// Confirms `email`'s account where the provider does not do it at
    /// registration (Cognito: an administrator confirms, as moto sends no codes).
    pub(crate) async fn confirm(&self, email: &str) {
        if let Some(aws) = &self.aws {
            let sdk = sdk_at(&aws.endpoint).await;
            aws::provision::confirm_user(&sdk, &aws.settings.user_pool_id, email)
                .await
                .unwrap();
        }
    }

    /// The emulator resources, for an aws store.
    pub(crate) fn aws(&self) -> Option<&AwsStore> {
        self.aws.as_ref()
    }

    /// The embedded backend's data directory.
    pub(crate) fn data_dir(&self) -> &Path {
        self.dir.path()
    }
}

impl AwsStore {
    /// Every item of `user_id`'s partition in the three tables, as
    /// (table, sort key).
    pub(crate) async fn items_of(&self, user_id: &str) -> Vec<(String, String)> {
        let dynamo = aws_sdk_dynamodb::Client::new(&sdk_at(&self.endpoint).await);
        let settings = &self.settings;
        let mut found = Vec::new();
        for table in [&settings.users_table, &settings.goals_table, &settings.aggregates_table] {
            let items = dynamo
                .query()
                .table_name(table)
                .key_condition_expression("userId = :user")
                .expression_attribute_values(":user", aws_sdk_dynamodb::types::AttributeValue::S(user_id.into()))
                .send()
                .await
                .unwrap()
                .items
                .unwrap_or_default();
            for item in items {
                found.push((table.clone(), item["sk"].as_s().unwrap().clone()));
            }
        }
        found
    }

    /// The keys of the bucket's objects under `prefix`.
    pub(crate) async fn objects_under(&self, prefix: &str) -> Vec<String> {
        let sdk = sdk_at(&self.endpoint).await;
        let s3 = aws_sdk_s3::Client::from_conf(aws_sdk_s3::config::Builder::from(&sdk).force_path_style(true).build());
        let objects = s3
            .list_objects_v2()
            .bucket(&self.settings.bucket)
            .prefix(prefix)
            .send()
            .await
            .unwrap();
        objects
            .contents()
            .iter()
            .filter_map(|object| object.key())
            .map(str::to_owned)
            .collect()
    }

    /// Every event published to the queue so far: takes what is waiting off
    /// the queue (checking each message's attributes) and adds it to what
    /// earlier calls took.
    pub(crate) async fn queued_events(&self) -> Vec<DomainEvent> {
        let sqs = aws_sdk_sqs::Client::new(&sdk_at(&self.endpoint).await);
        loop {
            let output = sqs
                .receive_message()
                .queue_url(&self.settings.queue_url)
                .max_number_of_messages(10)
                .message_attribute_names("All")
                .send()
                .await
                .unwrap();
            let messages = output.messages.unwrap_or_default();
            if messages.is_empty() {
                break;
            }
            for message in messages {
                let event: DomainEvent = serde_json::from_str(message.body().unwrap()).unwrap();
                let attribute = |name: &str| {
                    message
                        .message_attributes()
                        .and_then(|attributes| attributes.get(name))
                        .and_then(|value| value.string_value())
                        .map(str::to_owned)
                };
                assert_eq!(attribute("type").as_deref(), Some(event.kind.as_str()));
                assert_eq!(attribute("eventId").as_deref(), Some(event.event_id.as_str()));
                self.received.lock().unwrap().push(event);
                sqs.delete_message()
                    .queue_url(&self.settings.queue_url)
                    .receipt_handle(message.receipt_handle().unwrap())
                    .send()
                    .await
                    .unwrap();
            }
        }
        self.received.lock().unwrap().clone()
    }
}

/// Runs each listed `async fn(Kind)` once per backend, as `<backend>::<name>`.
#[allow(unused_macros)] // Not every test crate runs a contract suite.
macro_rules! contract_tests {
    ($($name:ident),* $(,)?) => {
        mod embedded {
            $(
                #[tokio::test]
                async fn $name() {
                    super::$name(crate::common::backends::Kind::Embedded).await;
                }
            )*
        }
        mod aws {
            $(
                #[tokio::test]
                async fn $name() {
                    super::$name(crate::common::backends::Kind::Aws).await;
                }
            )*
        }
    };
}

#[allow(unused_imports)]
pub(crate) use contract_tests;

/// Fresh storage of `kind` and the backend on it (blob URLs on a closed port).
pub(crate) async fn open(kind: Kind) -> (Store, Backend) {
    let store = Store::new(kind).await;
    let backend = store.open("http://127.0.0.1:9").await;
    (store, backend)
}

/// A new account on `backend` that can log in; its user id.
pub(crate) async fn account(store: &Store, backend: &Backend, email: &str) -> String {
    let account = backend.identity.create_account(email, "Passw0rd-1").await.unwrap();
    if !account.confirmed {
        store.confirm(email).await;
    }
    account.user_id
}
