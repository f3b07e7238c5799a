//! Creating the aws backend's resources where no Terraform runs: in an
//! emulator (moto) for `cargo xtask provision` and the tests. The shapes
//! match what `terraform/` defines: the same tables, keys, indexes and TTL,
//! a user pool with the API.md password policy and email as user name, an
//! app client without a secret, the bucket, the FIFO queue and its
//! dead-letter queue. Every step is idempotent. Feature `provision`; never
//! part of the Lambda.

use aws_config::SdkConfig;
use aws_sdk_cognitoidentityprovider::types::{
    ExplicitAuthFlowsType, PasswordPolicyType, TimeUnitsType, TokenValidityUnitsType, UserPoolPolicyType,
    UsernameAttributeType, VerifiedAttributeType,
};
use aws_sdk_dynamodb::types::{
    AttributeDefinition, BillingMode, GlobalSecondaryIndex, KeySchemaElement, KeyType, Projection, ProjectionType,
    ScalarAttributeType, TimeToLiveSpecification,
};
use aws_sdk_sqs::types::QueueAttributeName;

use super::AwsSettings;
use super::schema::{TABLES, TableShape};

/// The dummy credentials an emulator accepts.
pub const EMULATOR_KEY: &str = "testing";

/// The SDK configuration for an emulator at `endpoint`: its region and dummy credentials.
pub async fn emulator_sdk_config(endpoint: &str, region: &str) -> SdkConfig {
    let credentials = aws_sdk_dynamodb::config::Credentials::new(EMULATOR_KEY, EMULATOR_KEY, None, None, "emulator");
    super::sdk_config(region, Some(endpoint), super::CredentialSource::Fixed(credentials)).await
}

/// A fresh cursor secret: 32 random bytes, hex-encoded.
pub fn random_secret() -> Vec<u8> {
    let mut bytes = [0_u8; 32];
    rand_core::RngCore::fill_bytes(&mut rand_core::OsRng, &mut bytes);
    bytes
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect::<String>()
        .into_bytes()
}

/// How many receives move a message to the dead-letter queue.
pub const MAX_RECEIVES: u32 = 5;

fn fail(what: &str, err: impl std::fmt::Display) -> String {
    format!("cannot {what}: {err}")
}

/// Creates (or finds) every resource named after `prefix` (lower-case
/// letters, digits and dashes) and returns the settings that name them,
/// with `cursor_secret`.
pub async fn provision(
    sdk: &SdkConfig,
    region: &str,
    endpoint_url: Option<&str>,
    prefix: &str,
    cursor_secret: Vec<u8>,
) -> Result<AwsSettings, String> {
    if prefix.is_empty()
        || !prefix
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
    {
        return Err(format!(
            "`{prefix}` is not a valid prefix: use lower-case letters, digits and dashes"
        ));
    }
    let dynamodb = aws_sdk_dynamodb::Client::new(sdk);
    let mut names = Vec::new();
    for shape in TABLES {
        let name = format!("{prefix}-{}", shape.suffix);
        table(&dynamodb, &name, &shape).await?;
        names.push(name);
    }
    let [users_table, goals_table, aggregates_table] =
        <[String; 3]>::try_from(names).map_err(|_| "the schema names three tables".to_owned())?;

    let (user_pool_id, client_id) = user_pool(sdk, prefix).await?;
    let bucket = format!("{prefix}-attachments");
    bucket_named(sdk, region, &bucket).await?;
    let queue_url = queues(sdk, prefix).await?;
    Ok(AwsSettings {
        region: region.to_owned(),
        endpoint_url: endpoint_url.map(str::to_owned),
        users_table,
        goals_table,
        aggregates_table,
        bucket,
        queue_url,
        user_pool_id,
        client_id,
        cursor_secret,
    })
}

/// The table `name` of `shape`, on demand, with its index and TTL.
async fn table(client: &aws_sdk_dynamodb::Client, name: &str, shape: &TableShape) -> Result<(), String> {
    if client.describe_table().table_name(name).send().await.is_err() {
        create_table(client, name, shape).await?;
    }
    if let Some(attribute) = shape.ttl {
        client
            .update_time_to_live()
            .table_name(name)
            .time_to_live_specification(
                TimeToLiveSpecification::builder()
                    .enabled(true)
                    .attribute_name(attribute)
                    .build()
                    .map_err(|err| fail("describe the TTL", err))?,
            )
            .send()
            .await
            .map_err(|err| {
                fail(
                    &format!("enable TTL on {name}"),
                    aws_sdk_dynamodb::error::DisplayErrorContext(err),
                )
            })?;
    }
    Ok(())
}

async fn create_table(client: &aws_sdk_dynamodb::Client, name: &str, shape: &TableShape) -> Result<(), String> {
    let string = |attribute: &str| {
        AttributeDefinition::builder()
            .attribute_name(attribute)
            .attribute_type(ScalarAttributeType::S)
            .build()
            .map_err(|err| fail("describe an attribute", err))
    };
    let key = |attribute: &str, key_type: KeyType| {
        KeySchemaElement::builder()
            .attribute_name(attribute)
            .key_type(key_type)
            .build()
            .map_err(|err| fail("describe a key", err))
    };
    let mut request = client
        .create_table()
        .table_name(name)
        .billing_mode(BillingMode::PayPerRequest)
        .attribute_definitions(string(shape.hash)?)
        .attribute_definitions(string(shape.range)?)
        .key_schema(key(shape.hash, KeyType::Hash)?)
        .key_schema(key(shape.range, KeyType::Range)?);
    let mut defined = vec![shape.hash, shape.range];
    for index in shape.indexes {
        for attribute in [index.hash, index.range] {
            if !defined.contains(&attribute) {
                defined.push(attribute);
                request = request.attribute_definitions(string(attribute)?);
            }
        }
        request = request.global_secondary_indexes(
            GlobalSecondaryIndex::builder()
                .index_name(index.name)
                .key_schema(key(index.hash, KeyType::Hash)?)
                .key_schema(key(index.range, KeyType::Range)?)
                .projection(Projection::builder().projection_type(ProjectionType::All).build())
                .build()
                .map_err(|err| fail("describe an index", err))?,
        );
    }
    request.send().await.map_err(|err| {
        fail(
            &format!("create table {name}"),
            aws_sdk_dynamodb::error::DisplayErrorContext(err),
        )
    })?;
    Ok(())
}

/// The user pool `{prefix}-users` and its app client `{prefix}-app`.
async fn user_pool(sdk: &SdkConfig, prefix: &str) -> Result<(String, String), String> {
    use aws_sdk_cognitoidentityprovider::error::DisplayErrorContext;
    let cognito = aws_sdk_cognitoidentityprovider::Client::new(sdk);
    let pool_name = format!("{prefix}-users");
    let pools = cognito
        .list_user_pools()
        .max_results(60)
        .send()
        .await
        .map_err(|err| fail("list user pools", DisplayErrorContext(err)))?;
    let existing = pools
        .user_pools()
        .iter()
        .find(|pool| pool.name() == Some(pool_name.as_str()))
        .and_then(|pool| pool.id().map(str::to_owned));
    let pool_id = match existing {
        Some(id) => id,
        None => {
            let policy = PasswordPolicyType::builder()
                .minimum_length(8)
                .require_uppercase(true)
                .require_lowercase(true)
                .require_numbers(true)
                .require_symbols(false)
                .build();
            let created = cognito
                .create_user_pool()
                .pool_name(&pool_name)
                .username_attributes(UsernameAttributeType::Email)
                .auto_verified_attributes(VerifiedAttributeType::Email)
                .policies(UserPoolPolicyType::builder().password_policy(policy).build())
                .account_recovery_setting(recovery_by_email()?)
                .send()
                .await
                .map_err(|err| fail("create the user pool", DisplayErrorContext(err)))?;
            created
                .user_pool()
                .and_then(|pool| pool.id())
                .ok_or("the new user pool has no id")?
                .to_owned()
        }
    };
    let client_name = format!("{prefix}-app");
    let clients = cognito
        .list_user_pool_clients()
        .user_pool_id(&pool_id)
        .max_results(60)
        .send()
        .await
        .map_err(|err| fail("list app clients", DisplayErrorContext(err)))?;
    if let Some(id) = clients
        .user_pool_clients()
        .iter()
        .find(|client| client.client_name() == Some(client_name.as_str()))
        .and_then(|client| client.client_id())
    {
        return Ok((pool_id, id.to_owned()));
    }
    let created = cognito
        .create_user_pool_client()
        .user_pool_id(&pool_id)
        .client_name(&client_name)
        .generate_secret(false)
        .explicit_auth_flows(ExplicitAuthFlowsType::AllowAdminUserPasswordAuth)
        .explicit_auth_flows(ExplicitAuthFlowsType::AllowRefreshTokenAuth)
        .access_token_validity(1)
        .id_token_validity(1)
        .refresh_token_validity(30)
        .token_validity_units(
            TokenValidityUnitsType::builder()
                .access_token(TimeUnitsType::Hours)
                .id_token(TimeUnitsType::Hours)
                .refresh_token(TimeUnitsType::Days)
                .build(),
        )
        .prevent_user_existence_errors(aws_sdk_cognitoidentityprovider::types::PreventUserExistenceErrorTypes::Enabled)
        .enable_token_revocation(true)
        .send()
        .await
        .map_err(|err| fail("create the app client", DisplayErrorContext(err)))?;
    let client_id = created
        .user_pool_client()
        .and_then(|client| client.client_id())
        .ok_or("the new app client has no id")?
        .to_owned();
    Ok((pool_id, client_id))
}

/// The attachments bucket.
async fn bucket_named(sdk: &SdkConfig, region: &str, bucket: &str) -> Result<(), String> {
    use aws_sdk_s3::types::{BucketLocationConstraint, CreateBucketConfiguration};
    let config = aws_sdk_s3::config::Builder::from(sdk).force_path_style(true).build();
    let s3 = aws_sdk_s3::Client::from_conf(config);
    if s3.head_bucket().bucket(bucket).send().await.is_ok() {
        return Ok(());
    }
    let mut request = s3.create_bucket().bucket(bucket);
    if region != "us-east-1" {
        request = request.create_bucket_configuration(
            CreateBucketConfiguration::builder()
                .location_constraint(BucketLocationConstraint::from(region))
                .build(),
        );
    }
    request.send().await.map_err(|err| {
        fail(
            &format!("create bucket {bucket}"),
            aws_sdk_s3::error::DisplayErrorContext(err),
        )
    })?;
    Ok(())
}

/// The FIFO notifications queue with its dead-letter queue; returns its URL.
async fn queues(sdk: &SdkConfig, prefix: &str) -> Result<String, String> {
    use aws_sdk_sqs::error::DisplayErrorContext;
    let sqs = aws_sdk_sqs::Client::new(sdk);
    let fifo = |name: String| {
        sqs.create_queue()
            .queue_name(name)
            .attributes(QueueAttributeName::FifoQueue, "true")
            .attributes(QueueAttributeName::ContentBasedDeduplication, "false")
    };
    let dead = fifo(format!("{prefix}-notifications-dlq.fifo"))
        .attributes(QueueAttributeName::MessageRetentionPeriod, "1209600")
        .send()
        .await
        .map_err(|err| fail("create the dead-letter queue", DisplayErrorContext(err)))?;
    let dead_url = dead.queue_url().ok_or("the dead-letter queue has no URL")?;
    let dead_arn = sqs
        .get_queue_attributes()
        .queue_url(dead_url)
        .attribute_names(QueueAttributeName::QueueArn)
        .send()
        .await
        .map_err(|err| fail("read the dead-letter queue's ARN", DisplayErrorContext(err)))?
        .attributes()
        .and_then(|attributes| attributes.get(&QueueAttributeName::QueueArn).cloned())
        .ok_or("the dead-letter queue has no ARN")?;
    let redrive = serde_json::json!({ "deadLetterTargetArn": dead_arn, "maxReceiveCount": MAX_RECEIVES }).to_string();
    let queue = fifo(format!("{prefix}-notifications.fifo"))
        .attributes(QueueAttributeName::RedrivePolicy, redrive)
        .send()
        .await
        .map_err(|err| fail("create the notifications queue", DisplayErrorContext(err)))?;
    Ok(queue
        .queue_url()
        .ok_or("the notifications queue has no URL")?
        .to_owned())
}

/// Confirms `email`'s account as an administrator: emulators send no codes.
pub async fn confirm_user(sdk: &SdkConfig, user_pool_id: &str, email: &str) -> Result<(), String> {
    aws_sdk_cognitoidentityprovider::Client::new(sdk)
        .admin_confirm_sign_up()
        .user_pool_id(user_pool_id)
        .username(email)
        .send()
        .await
        .map_err(|err| {
            fail(
                "confirm the user",
                aws_sdk_cognitoidentityprovider::error::DisplayErrorContext(err),
            )
        })?;
    Ok(())
}

/// The environment the server needs for `settings`, as `KEY=VALUE` lines.
pub fn env_lines(settings: &AwsSettings) -> Vec<String> {
    let mut lines = vec![
        format!("AWS_REGION={}", settings.region),
        format!("USERS_TABLE_NAME={}", settings.users_table),
        format!("GOALS_TABLE_NAME={}", settings.goals_table),
        format!("AGGREGATES_TABLE_NAME={}", settings.aggregates_table),
        format!("ATTACHMENTS_BUCKET_NAME={}", settings.bucket),
        format!("NOTIFICATIONS_QUEUE_URL={}", settings.queue_url),
        format!("USER_POOL_ID={}", settings.user_pool_id),
        format!("USER_POOL_CLIENT_ID={}", settings.client_id),
        format!("APP_CURSOR_SECRET={}", String::from_utf8_lossy(&settings.cursor_secret)),
    ];
    if let Some(endpoint) = &settings.endpoint_url {
        lines.push(format!("AWS_ENDPOINT_URL={endpoint}"));
        lines.push(format!("AWS_ACCESS_KEY_ID={EMULATOR_KEY}"));
        lines.push(format!("AWS_SECRET_ACCESS_KEY={EMULATOR_KEY}"));
    }
    lines.push("APP_BACKEND=aws".to_owned());
    lines
}

/// Password resets go to the verified email, as Terraform's pool says.
fn recovery_by_email() -> Result<aws_sdk_cognitoidentityprovider::types::AccountRecoverySettingType, String> {
    use aws_sdk_cognitoidentityprovider::types::{
        AccountRecoverySettingType, RecoveryOptionNameType, RecoveryOptionType,
    };
    let email = RecoveryOptionType::builder()
        .name(RecoveryOptionNameType::VerifiedEmail)
        .priority(1)
        .build()
        .map_err(|err| format!("cannot build the recovery option: {err}"))?;
    Ok(AccountRecoverySettingType::builder().recovery_mechanisms(email).build())
}
