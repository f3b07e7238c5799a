//! Checks of the hand-written Terraform against the code it deploys: the
//! DynamoDB tables declare the keys, indexes and TTL the aws adapters use
//! (`api_handler::store::aws::schema`, which `cargo xtask provision` creates),
//! the Lambda gets every variable the aws backend requires, a schedule
//! invokes it for the outbox relay, the user pool admits exactly the passwords
//! registration admits, and the queues are the FIFO pair provision creates.
//! The IAM and reference checks are in [`iam`] and [`references`], the
//! deploy role's policy in [`deploy_role`], the outputs the deploy workflow
//! reads in [`outputs`], the alarms' metrics in [`alarms`].

mod alarms;
mod deploy_role;
mod iam;
mod outputs;
pub(crate) mod references;

use api_handler::store::aws::REQUIRED_VARS;
use api_handler::store::aws::schema::TABLES;
use hcl::{Block, Body, Expression};

use crate::util::project_root;

/// The parsed `terraform/{file}`.
pub(super) fn terraform(file: &str) -> Body {
    parse(&project_root().join("terraform").join(file))
}

/// The HCL file at `path`, parsed (the test fails if it does not).
fn parse(path: &std::path::Path) -> Body {
    let text = std::fs::read_to_string(path).unwrap_or_else(|err| panic!("cannot read {}: {err}", path.display()));
    hcl::from_str(&text).unwrap_or_else(|err| panic!("{} is not valid HCL: {err}", path.display()))
}

/// The resource block `kind.name`.
pub(super) fn resource<'a>(body: &'a Body, kind: &str, name: &str) -> &'a Block {
    body.blocks()
        .find(|block| {
            block.identifier() == "resource" && block.labels().iter().map(|label| label.as_str()).eq([kind, name])
        })
        .unwrap_or_else(|| panic!("terraform/ lacks resource {kind}.{name}"))
}

/// The expression of `block`'s attribute `name`.
fn attribute<'a>(block: &'a Block, name: &str) -> Option<&'a Expression> {
    block.body().attributes().find(|a| a.key() == name).map(|a| a.expr())
}

/// The string value of `block`'s attribute `name`.
fn string(block: &Block, name: &str) -> Option<String> {
    match attribute(block, name)? {
        Expression::String(value) => Some(value.clone()),
        _ => None,
    }
}

/// The number value of `block`'s attribute `name`.
fn number(block: &Block, name: &str) -> Option<f64> {
    match attribute(block, name)? {
        Expression::Number(value) => value.as_f64(),
        _ => None,
    }
}

/// The bool value of `block`'s attribute `name`.
fn boolean(block: &Block, name: &str) -> Option<bool> {
    match attribute(block, name)? {
        Expression::Bool(value) => Some(*value),
        _ => None,
    }
}

/// The string items of `block`'s list attribute `name`.
fn strings(block: &Block, name: &str) -> Vec<String> {
    match attribute(block, name) {
        Some(Expression::Array(items)) => items
            .iter()
            .filter_map(|item| match item {
                Expression::String(value) => Some(value.clone()),
                _ => None,
            })
            .collect(),
        _ => Vec::new(),
    }
}

/// The nested blocks of `block` called `name`.
fn nested<'a>(block: &'a Block, name: &'a str) -> impl Iterator<Item = &'a Block> {
    block.body().blocks().filter(move |inner| inner.identifier() == name)
}

#[test]
fn dynamodb_tables_match_the_adapters_schema() {
    let data = terraform("data.tf");
    for shape in TABLES {
        let table = resource(&data, "aws_dynamodb_table", shape.suffix);
        let what = format!("aws_dynamodb_table.{}", shape.suffix);
        assert_eq!(
            string(table, "billing_mode").as_deref(),
            Some("PAY_PER_REQUEST"),
            "{what}"
        );
        assert_eq!(string(table, "hash_key").as_deref(), Some(shape.hash), "{what}");
        assert_eq!(string(table, "range_key").as_deref(), Some(shape.range), "{what}");
        let indexes: Vec<(Option<String>, Option<String>, Option<String>)> = nested(table, "global_secondary_index")
            .map(|index| {
                (
                    string(index, "name"),
                    string(index, "hash_key"),
                    string(index, "range_key"),
                )
            })
            .collect();
        let expected: Vec<_> = shape
            .indexes
            .iter()
            .map(|index| {
                (
                    Some(index.name.to_owned()),
                    Some(index.hash.to_owned()),
                    Some(index.range.to_owned()),
                )
            })
            .collect();
        assert_eq!(indexes, expected, "{what}: its indexes");
        let ttl: Vec<Option<String>> = nested(table, "ttl").map(|ttl| string(ttl, "attribute_name")).collect();
        assert_eq!(
            ttl,
            shape
                .ttl
                .iter()
                .map(|name| Some((*name).to_owned()))
                .collect::<Vec<_>>(),
            "{what}: TTL"
        );
        for required in ["point_in_time_recovery", "server_side_encryption"] {
            assert_eq!(nested(table, required).count(), 1, "{what} lacks {required}");
        }
    }
}

#[test]
fn the_lambda_gets_every_variable_the_aws_backend_requires() {
    let lambda = terraform("lambda.tf");
    let function = resource(&lambda, "aws_lambda_function", "api");
    let variables: Vec<String> = nested(function, "environment")
        .flat_map(|environment| environment.body().attributes())
        .filter(|attribute| attribute.key() == "variables")
        .flat_map(|attribute| match attribute.expr() {
            Expression::Object(object) => object.keys().map(|key| key.to_string()).collect(),
            _ => Vec::new(),
        })
        .collect();
    // Lambda sets AWS_REGION itself (and refuses it as a function variable).
    for name in REQUIRED_VARS.iter().filter(|name| **name != "AWS_REGION") {
        assert!(
            variables.iter().any(|v| v == name),
            "the Lambda lacks {name}; it has {variables:?}"
        );
    }
    assert!(variables.iter().any(|v| v == "APP_BACKEND"), "{variables:?}");
}

#[test]
fn every_job_has_a_rule_invoking_the_lambda_and_the_queue_feeds_the_consumers() {
    let events = terraform("events.gen.tf");
    let jobs = api_handler::jobs();
    assert!(
        jobs.iter().any(|job| job.name == "relay_outbox"),
        "the outbox relay is a job"
    );
    for job in jobs {
        let name = format!("job_{}", job.name);
        let rule = resource(&events, "aws_cloudwatch_event_rule", &name);
        assert_eq!(string(rule, "schedule_expression").as_deref(), Some(job.schedule));
        // The Lambda finds the job by the part of the rule's name after its last dot.
        let rule_name = attribute(rule, "name").map(|expr| expr.to_string()).unwrap_or_default();
        assert!(rule_name.ends_with(&format!(".{}\"", job.name)), "{rule_name}");
        resource(&events, "aws_cloudwatch_event_target", &name);
        let permission = resource(&events, "aws_lambda_permission", &name);
        assert_eq!(string(permission, "principal").as_deref(), Some("events.amazonaws.com"));
    }
    let consumers = api_handler::consumers();
    let mapping = resource(&events, "aws_lambda_event_source_mapping", "notifications");
    assert_eq!(
        strings(mapping, "function_response_types"),
        ["ReportBatchItemFailures"],
        "a failed record is retried alone, not its whole batch"
    );
    let smallest = consumers.iter().map(|consumer| consumer.batch_size).min();
    assert_eq!(number(mapping, "batch_size"), smallest.map(f64::from));
    assert!(
        attribute(mapping, "maximum_batching_window_in_seconds").is_none(),
        "a FIFO queue's event source takes no batching window"
    );
    let messaging = terraform("messaging.tf");
    let queue = resource(&messaging, "aws_sqs_queue", "notifications");
    let visibility = attribute(queue, "visibility_timeout_seconds")
        .map(ToString::to_string)
        .unwrap_or_default();
    assert!(
        visibility.contains("var.lambda_timeout_seconds"),
        "the queue's visibility timeout follows the function's timeout (Lambda refuses a shorter one): {visibility}"
    );
}

#[test]
fn the_user_pool_admits_exactly_the_passwords_registration_admits() {
    use garde::Validate as _;

    let identity = terraform("identity.tf");
    let pool = resource(&identity, "aws_cognito_user_pool", "users");
    let policy = nested(pool, "password_policy")
        .next()
        .unwrap_or_else(|| panic!("the user pool has no password_policy"));
    let required = |name: &str| boolean(policy, name).unwrap_or(true);
    let minimum = number(policy, "minimum_length").unwrap_or(8.0);
    let cognito_admits = |password: &str| {
        let has = |check: fn(&char) -> bool| password.chars().any(|c| check(&c));
        password.chars().count() as f64 >= minimum
            && (!required("require_uppercase") || has(char::is_ascii_uppercase))
            && (!required("require_lowercase") || has(char::is_ascii_lowercase))
            && (!required("require_numbers") || has(char::is_ascii_digit))
            && (!required("require_symbols") || has(char::is_ascii_punctuation))
    };
    for password in [
        "Passw0rd",
        "Passw0rd!",
        "Ab1defgh",
        "Ab1defg",
        "passw0rd",
        "PASSW0RD",
        "Password",
        "12345678",
        "Aa1",
    ] {
        let registration = api_handler::domain::identity::Registration {
            email: "ada@example.com".to_owned(),
            password: password.to_owned(),
            display_name: None,
        };
        assert_eq!(
            cognito_admits(password),
            registration.validate().is_ok(),
            "{password:?}: the user pool's password_policy and the registration rule (API.md) disagree"
        );
    }
    assert_eq!(
        strings(pool, "username_attributes"),
        ["email"],
        "email is the user name"
    );
    let identity_client = resource(&identity, "aws_cognito_user_pool_client", "app");
    assert_eq!(
        boolean(identity_client, "generate_secret"),
        Some(false),
        "a public client has no secret"
    );
    assert_eq!(
        strings(identity_client, "explicit_auth_flows"),
        ["ALLOW_ADMIN_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
        "the flows the Cognito adapter uses, and only those"
    );
}

#[test]
fn the_queues_are_the_fifo_pair_provision_creates() {
    use api_handler::store::aws::provision::MAX_RECEIVES;

    let messaging = terraform("messaging.tf");
    for name in ["notifications", "notifications_dlq"] {
        let queue = resource(&messaging, "aws_sqs_queue", name);
        assert_eq!(boolean(queue, "fifo_queue"), Some(true), "aws_sqs_queue.{name} is FIFO");
        assert_eq!(
            boolean(queue, "sqs_managed_sse_enabled"),
            Some(true),
            "aws_sqs_queue.{name} is encrypted"
        );
    }
    let queue = resource(&messaging, "aws_sqs_queue", "notifications");
    // Deduplication is by MessageDeduplicationId = eventId, never by body.
    assert_eq!(boolean(queue, "content_based_deduplication"), Some(false));
    let redrive = attribute(queue, "redrive_policy")
        .map(ToString::to_string)
        .unwrap_or_default();
    assert!(
        redrive.contains("aws_sqs_queue.notifications_dlq.arn")
            && redrive.contains(&format!("maxReceiveCount = {MAX_RECEIVES}")),
        "the queue redrives to its dead-letter queue after {MAX_RECEIVES} receives: {redrive}"
    );
}
