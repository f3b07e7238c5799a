//! The alarms of `terraform/alarms.tf` watch metrics that exist.
//!
//! CloudWatch accepts an alarm on any namespace, metric name and dimensions,
//! published or not, and an alarm on a metric nobody publishes sits in
//! INSUFFICIENT_DATA (or, treating missing data as not breaching, OK) for
//! ever: a REST API's `5XXError` on an HTTP API, DynamoDB's `SystemErrors`
//! without its `Operation`. So every metric an alarm names, its own or one
//! inside a `metric_query` (in a `dynamic` block too), is held against
//! [`PUBLISHED`]: the metrics each namespace publishes, each with the exact
//! dimension sets it is published with, from AWS's documentation, and for
//! the app's own namespace its EMF contract (`route_framework::metrics`).
//! Beside that: every alarm notifies the topic and names its runbook in
//! docs/operations.md, the Lambda's alarms exist only with it, every job's
//! rule has its alarm, and the system-error alarms count every DynamoDB
//! operation the adapters call.

use std::collections::BTreeSet;

use hcl::expr::{Expression, ObjectKey};
use hcl::{Block, Body};

use super::{attribute, terraform};
use crate::util::project_root;

/// How an alarm names the app's own namespace.
const APP_NAMESPACE: &str = "local.metrics_namespace";

/// The metrics one namespace publishes.
struct Namespace {
    /// The namespace ([`APP_NAMESPACE`] for the app's).
    name: &'static str,
    /// Where the list comes from.
    source: &'static str,
    /// Metric names, each group with the dimension sets its metrics are
    /// published with (`[]`: across the account or region).
    metrics: &'static [(&'static [&'static str], &'static [&'static [&'static str]])],
}

/// The metrics each namespace the alarms use publishes, with their
/// dimension sets, from AWS's documentation (the pages cited), and the
/// app's from its EMF contract. A metric or dimension set missing here
/// fails the test: add it from the documentation, not from the alarm.
const PUBLISHED: &[Namespace] = &[
    Namespace {
        name: "AWS/Lambda",
        // https://docs.aws.amazon.com/lambda/latest/dg/monitoring-metrics-types.html
        // (invocation, performance and asynchronous metrics; dimensions
        // FunctionName, Resource for a version or alias, ExecutedVersion) and
        // https://docs.aws.amazon.com/lambda/latest/dg/monitoring-concurrency.html
        // (ConcurrentExecutions "for all functions, versions, and aliases";
        // UnreservedConcurrentExecutions and ClaimedAccountConcurrency across
        // the region only).
        source: "docs.aws.amazon.com/lambda/latest/dg/monitoring-metrics-types.html",
        metrics: &[
            (
                &[
                    "Invocations",
                    "Errors",
                    "DeadLetterErrors",
                    "DestinationDeliveryFailures",
                    "Throttles",
                    "OversizedRecordCount",
                    "ProvisionedConcurrencySpilloverInvocations",
                    "RecursiveInvocationsDropped",
                    "Duration",
                    "PostRuntimeExtensionsDuration",
                    "IteratorAge",
                    "OffsetLag",
                    "AsyncEventsReceived",
                    "AsyncEventAge",
                    "AsyncEventsDropped",
                    "ConcurrentExecutions",
                ],
                &[
                    &[],
                    &["FunctionName"],
                    &["FunctionName", "Resource"],
                    &["FunctionName", "ExecutedVersion"],
                ],
            ),
            (&["UnreservedConcurrentExecutions", "ClaimedAccountConcurrency"], &[&[]]),
        ],
    },
    Namespace {
        name: "AWS/ApiGateway",
        // HTTP APIs: https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-metrics.html
        // The REST APIs' metrics of the same namespace (4XXError, 5XXError,
        // CacheHitCount, by ApiName) are left out on purpose: this API is
        // an HTTP API, which never publishes them. (ApiId, Stage, Route)
        // needs detailed metrics, which api.tf's stage does not enable.
        source: "docs.aws.amazon.com/apigateway/latest/developerguide/http-api-metrics.html",
        metrics: &[(
            &["4xx", "5xx", "Count", "IntegrationLatency", "Latency", "DataProcessed"],
            &[&["ApiId"], &["ApiId", "Stage"]],
        )],
    },
    Namespace {
        name: "AWS/Events",
        // https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-monitoring.html
        // (RuleName alone: the default event bus's rules).
        source: "docs.aws.amazon.com/eventbridge/latest/userguide/eb-monitoring.html",
        metrics: &[(
            &[
                "DeadLetterInvocations",
                "FailedInvocations",
                "Invocations",
                "InvocationsFailedToBeSentToDlq",
                "InvocationsSentToDlq",
                "MatchedEvents",
                "ThrottledRules",
                "TriggeredRules",
            ],
            &[&["RuleName"], &["EventBusName", "RuleName"]],
        )],
    },
    Namespace {
        name: "AWS/SQS",
        // https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-available-cloudwatch-metrics.html
        // (the only dimension is QueueName).
        source: "docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-available-cloudwatch-metrics.html",
        metrics: &[(
            &[
                "ApproximateAgeOfOldestMessage",
                "ApproximateNumberOfGroupsWithInflightMessages",
                "ApproximateNumberOfMessagesDelayed",
                "ApproximateNumberOfMessagesNotVisible",
                "ApproximateNumberOfMessagesVisible",
                "NumberOfDeduplicatedSentMessages",
                "NumberOfEmptyReceives",
                "NumberOfMessagesDeleted",
                "NumberOfMessagesReceived",
                "NumberOfMessagesSent",
                "SentMessageSize",
            ],
            &[&["QueueName"]],
        )],
    },
    Namespace {
        name: "AWS/DynamoDB",
        // https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/metrics-dimensions.html
        // Throttle events and capacity per table or per index (the table's
        // own figure leaves its indexes out); request metrics per table and
        // Operation only; UserErrors and the account maxima per region only.
        source: "docs.aws.amazon.com/amazondynamodb/latest/developerguide/metrics-dimensions.html",
        metrics: &[
            (
                &[
                    "ConditionalCheckFailedRequests",
                    "TimeToLiveDeletedItemCount",
                    "TransactionConflict",
                ],
                &[&["TableName"]],
            ),
            (
                &[
                    "ConsumedReadCapacityUnits",
                    "ConsumedWriteCapacityUnits",
                    "ProvisionedReadCapacityUnits",
                    "ProvisionedWriteCapacityUnits",
                    "ReadThrottleEvents",
                    "WriteThrottleEvents",
                ],
                &[&["TableName"], &["TableName", "GlobalSecondaryIndexName"]],
            ),
            (
                &[
                    "OnlineIndexConsumedWriteCapacity",
                    "OnlineIndexPercentageProgress",
                    "OnlineIndexThrottleEvents",
                ],
                &[&["TableName", "GlobalSecondaryIndexName"]],
            ),
            (
                &[
                    "ReturnedItemCount",
                    "SuccessfulRequestLatency",
                    "SystemErrors",
                    "ThrottledRequests",
                ],
                &[&["TableName", "Operation"]],
            ),
            (
                &[
                    "AccountMaxReads",
                    "AccountMaxTableLevelReads",
                    "AccountMaxTableLevelWrites",
                    "AccountMaxWrites",
                    "UserErrors",
                ],
                &[&[]],
            ),
        ],
    },
    Namespace {
        name: APP_NAMESPACE,
        // The app's EMF contract (route_framework::metrics, docs/operations.md):
        // each HTTP request, consumer delivery and job run logs count,
        // latency_ms and errors by (route | consumer | job, status_class)
        // and by kind; relay_outbox logs outbox_backlog by job.
        source: "route_framework::metrics and docs/operations.md#metrics",
        metrics: &[
            (
                &["count", "latency_ms", "errors"],
                &[
                    &["route", "status_class"],
                    &["consumer", "status_class"],
                    &["job", "status_class"],
                    &["kind"],
                ],
            ),
            (&["outbox_backlog"], &[&["job"]]),
        ],
    },
];

/// The values the contract gives the app's dimensions, where it fixes them
/// (`job`'s are the job registry's names).
const APP_VALUES: [(&str, &[&str]); 2] = [
    ("kind", &["request", "delivery", "job"]),
    ("status_class", &["2xx", "3xx", "4xx", "5xx", "ok", "failed"]),
];

/// `treat_missing_data`'s values.
const MISSING_DATA: [&str; 4] = ["breaching", "notBreaching", "ignore", "missing"];

/// One metric an alarm names.
#[derive(Debug)]
struct MetricRef {
    /// The alarm's resource label.
    alarm: String,
    /// The namespace: a literal, or [`APP_NAMESPACE`].
    namespace: String,
    /// The metric's name.
    metric: String,
    /// Its dimensions, each with its value when that is a literal.
    dimensions: Vec<(String, Option<String>)>,
}

/// The `aws_cloudwatch_metric_alarm` blocks of `body`.
fn alarms(body: &Body) -> Vec<&Block> {
    body.blocks()
        .filter(|block| {
            block.identifier() == "resource"
                && block.labels().first().map(|label| label.as_str()) == Some("aws_cloudwatch_metric_alarm")
        })
        .collect()
}

/// The resource label of an alarm block.
fn label(alarm: &Block) -> String {
    alarm
        .labels()
        .get(1)
        .map(|label| label.as_str().to_owned())
        .unwrap_or_default()
}

/// The string of a literal expression.
fn literal(expr: &Expression) -> Option<String> {
    match expr {
        Expression::String(text) => Some(text.clone()),
        _ => None,
    }
}

/// The metric `block` (an alarm, or a `metric_query`'s `metric`) names with
/// its `namespace`, `metric_name` and `dimensions`, if it names one; a
/// problem if the test cannot read it.
fn metric_of(alarm: &str, block: &Block) -> Option<Result<MetricRef, String>> {
    let name = attribute(block, "metric_name")?;
    let Some(metric) = literal(name) else {
        return Some(Err(format!(
            "{alarm}: metric_name {name} is not a literal the test can check"
        )));
    };
    let namespace = match attribute(block, "namespace") {
        Some(Expression::String(text)) => text.clone(),
        Some(other) if other.to_string() == APP_NAMESPACE => APP_NAMESPACE.to_owned(),
        other => {
            return Some(Err(format!(
                "{alarm}: {metric}'s namespace {other:?} is neither a literal nor {APP_NAMESPACE}"
            )));
        }
    };
    let dimensions = match attribute(block, "dimensions") {
        None => Vec::new(),
        Some(Expression::Object(object)) => {
            let mut dimensions = Vec::new();
            for (key, value) in object {
                let key = match key {
                    ObjectKey::Identifier(identifier) => identifier.as_str().to_owned(),
                    ObjectKey::Expression(expr) => match literal(expr) {
                        Some(text) => text,
                        None => return Some(Err(format!("{alarm}: {metric} has a computed dimension name {expr}"))),
                    },
                    other => return Some(Err(format!("{alarm}: {metric} has a dimension key {other:?}"))),
                };
                dimensions.push((key, literal(value)));
            }
            dimensions
        }
        Some(other) => return Some(Err(format!("{alarm}: {metric}'s dimensions {other} are not an object"))),
    };
    Some(Ok(MetricRef {
        alarm: alarm.to_owned(),
        namespace,
        metric,
        dimensions,
    }))
}

/// The `metric_query` blocks of an alarm, those a `dynamic "metric_query"`
/// block generates included (its `content`).
fn metric_queries(alarm: &Block) -> Vec<&Block> {
    let mut queries = Vec::new();
    for block in alarm.body().blocks() {
        match block.identifier() {
            "metric_query" => queries.push(block),
            "dynamic" if block.labels().first().map(|label| label.as_str()) == Some("metric_query") => {
                queries.extend(block.body().blocks().filter(|inner| inner.identifier() == "content"));
            }
            _ => {}
        }
    }
    queries
}

/// Every metric the alarms of `body` name, or what the test cannot read.
fn metrics(body: &Body) -> (Vec<MetricRef>, Vec<String>) {
    let mut found = Vec::new();
    let mut problems = Vec::new();
    for alarm in alarms(body) {
        let name = label(alarm);
        let mut named = 0;
        let inner = metric_queries(alarm)
            .into_iter()
            .flat_map(|query| query.body().blocks().filter(|block| block.identifier() == "metric"));
        for block in std::iter::once(alarm).chain(inner) {
            match metric_of(&name, block) {
                None => {}
                Some(Ok(metric)) => {
                    named += 1;
                    found.push(metric);
                }
                Some(Err(problem)) => {
                    named += 1;
                    problems.push(problem);
                }
            }
        }
        if named == 0 {
            problems.push(format!("{name}: watches no metric"));
        }
    }
    (found, problems)
}

/// What is wrong with the metrics the alarms of `body` name, given the
/// job names the app's `job` dimension may hold: each a message.
fn problems(body: &Body, jobs: &[&str]) -> Vec<String> {
    let (found, mut problems) = metrics(body);
    for metric in &found {
        let MetricRef {
            alarm,
            namespace,
            metric: name,
            dimensions,
        } = metric;
        let Some(published) = PUBLISHED.iter().find(|published| published.name == namespace) else {
            problems.push(format!("{alarm}: {namespace} is not a namespace the test knows"));
            continue;
        };
        let Some((_, sets)) = published
            .metrics
            .iter()
            .find(|(names, _)| names.contains(&name.as_str()))
        else {
            problems.push(format!(
                "{alarm}: {namespace} publishes no metric {name} ({})",
                published.source
            ));
            continue;
        };
        let mut keys: Vec<&str> = dimensions.iter().map(|(key, _)| key.as_str()).collect();
        keys.sort_unstable();
        let matches = sets.iter().any(|set| {
            let mut set = set.to_vec();
            set.sort_unstable();
            set == keys
        });
        if !matches {
            problems.push(format!(
                "{alarm}: {namespace} publishes {name} by {sets:?}, not by {keys:?} ({})",
                published.source
            ));
        }
        if namespace == APP_NAMESPACE {
            for (key, value) in dimensions {
                let Some(value) = value else { continue };
                let allowed: Vec<&str> = match APP_VALUES.iter().find(|(dimension, _)| dimension == key) {
                    Some((_, values)) => values.to_vec(),
                    None if key == "job" => jobs.to_vec(),
                    None => continue,
                };
                if !allowed.contains(&value.as_str()) {
                    problems.push(format!(
                        "{alarm}: the app's {key} is one of {allowed:?}, never {value:?}"
                    ));
                }
            }
        }
    }
    problems
}

/// The job registry's names.
fn job_names() -> Vec<&'static str> {
    api_handler::jobs().iter().map(|job| job.name).collect()
}

/// The expression of the local `name` in `body`.
fn local<'a>(body: &'a Body, name: &str) -> &'a Expression {
    body.blocks()
        .filter(|block| block.identifier() == "locals")
        .flat_map(|block| block.body().attributes())
        .find(|attribute| attribute.key() == name)
        .map(|attribute| attribute.expr())
        .unwrap_or_else(|| panic!("alarms.tf lacks local.{name}"))
}

/// Every metric the alarms name is published, by exactly its dimensions.
#[test]
fn every_alarm_watches_a_metric_its_namespace_publishes() {
    let body = terraform("alarms.tf");
    let problems = problems(&body, &job_names());
    assert!(problems.is_empty(), "{}", problems.join("\n"));

    // The test must see the metrics inside metric math, dynamic blocks too.
    let (found, _) = metrics(&body);
    let seen = |metric: &str, dimension: &str| {
        found
            .iter()
            .any(|m| m.metric == metric && m.dimensions.iter().any(|(key, _)| key == dimension))
    };
    for (metric, dimension) in [
        ("5xx", "Stage"),
        ("Count", "ApiId"),
        ("SystemErrors", "Operation"),
        ("ReadThrottleEvents", "GlobalSecondaryIndexName"),
        ("FailedInvocations", "RuleName"),
        ("outbox_backlog", "job"),
    ] {
        assert!(seen(metric, dimension), "read no alarm on {metric} by {dimension}");
    }
}

/// The check finds a wrong metric, dimension set or value wherever it hides.
#[test]
fn a_metric_or_dimension_nobody_publishes_is_reported() {
    let text = r#"
        resource "aws_cloudwatch_metric_alarm" "rest_api_errors" {
          namespace   = "AWS/ApiGateway"
          metric_name = "5XXError"
          dimensions  = { ApiName = "api" }
        }
        resource "aws_cloudwatch_metric_alarm" "api_by_name" {
          namespace   = "AWS/ApiGateway"
          metric_name = "5xx"
          dimensions  = { ApiName = "api" }
        }
        resource "aws_cloudwatch_metric_alarm" "table_errors" {
          metric_query {
            id         = "e"
            expression = "SUM(METRICS())"
          }
          dynamic "metric_query" {
            for_each = ["GetItem"]
            content {
              id = "m"
              metric {
                namespace   = "AWS/DynamoDB"
                metric_name = "SystemErrors"
                dimensions  = { TableName = "t" }
              }
            }
          }
        }
        resource "aws_cloudwatch_metric_alarm" "app" {
          namespace   = local.metrics_namespace
          metric_name = "errors"
          dimensions  = { kind = "consumer" }
        }
        resource "aws_cloudwatch_metric_alarm" "backlog" {
          namespace   = local.metrics_namespace
          metric_name = "outbox_backlog"
          dimensions  = { job = "relay" }
        }
        resource "aws_cloudwatch_metric_alarm" "nothing" {
          threshold = 1
        }
    "#;
    let body: Body = hcl::from_str(text).unwrap_or_else(|err| panic!("{err}"));
    let problems = problems(&body, &["relay_outbox"]);
    let expected = [
        "rest_api_errors: AWS/ApiGateway publishes no metric 5XXError",
        "api_by_name: AWS/ApiGateway publishes 5xx by [[\"ApiId\"], [\"ApiId\", \"Stage\"]], not by [\"ApiName\"]",
        "table_errors: AWS/DynamoDB publishes SystemErrors by [[\"TableName\", \"Operation\"]], not by [\"TableName\"]",
        "app: the app's kind is one of [\"request\", \"delivery\", \"job\"], never \"consumer\"",
        "backlog: the app's job is one of [\"relay_outbox\"], never \"relay\"",
        "nothing: watches no metric",
    ];
    assert_eq!(problems.len(), expected.len(), "{problems:#?}");
    for expected in expected {
        assert!(
            problems.iter().any(|problem| problem.starts_with(expected)),
            "no problem starting {expected:?} in {problems:#?}"
        );
    }
}

/// Every alarm notifies the topic both ways, chooses its missing-data
/// treatment and points to its runbook in docs/operations.md.
#[test]
fn every_alarm_notifies_the_topic_and_names_its_runbook() {
    let body = terraform("alarms.tf");
    let actions = local(&body, "alarm_actions").to_string();
    assert_eq!(
        actions.split_whitespace().collect::<String>(),
        "[aws_sns_topic.alarms.arn]",
        "local.alarm_actions"
    );
    let docs = std::fs::read_to_string(project_root().join("docs/operations.md"))
        .unwrap_or_else(|err| panic!("cannot read docs/operations.md: {err}"));
    let headings: BTreeSet<&str> = docs.lines().filter_map(|line| line.strip_prefix("### ")).collect();
    let alarms = alarms(&body);
    assert!(alarms.len() >= 11, "alarms.tf has only {} alarms", alarms.len());
    for alarm in alarms {
        let name = label(alarm);
        let text = |key: &str| attribute(alarm, key).map(ToString::to_string).unwrap_or_default();
        assert!(
            text("alarm_name").starts_with("\"${local.name}-"),
            "{name}: alarm_name starts with local.name: {}",
            text("alarm_name")
        );
        for key in ["alarm_actions", "ok_actions"] {
            assert_eq!(text(key), "local.alarm_actions", "{name}: {key}");
        }
        let missing = attribute(alarm, "treat_missing_data").and_then(literal);
        assert!(
            missing.as_deref().is_some_and(|value| MISSING_DATA.contains(&value)),
            "{name}: treat_missing_data is chosen, one of {MISSING_DATA:?}: {missing:?}"
        );
        let description = text("alarm_description");
        let anchor = description
            .split_once("Runbook: docs/operations.md#")
            .map(|(_, rest)| rest.trim_end_matches('"'))
            .unwrap_or_else(|| panic!("{name}: the description names no runbook: {description}"));
        assert!(
            headings.contains(anchor),
            "{name}: docs/operations.md has no `### {anchor}` runbook"
        );
    }
}

/// What watches the Lambda or what it reports is created with it.
#[test]
fn the_lambda_s_alarms_and_dashboard_exist_only_with_it() {
    let body = terraform("alarms.tf");
    let (found, _) = metrics(&body);
    for alarm in alarms(&body) {
        let name = label(alarm);
        let text = hcl::format::to_string(alarm).unwrap_or_else(|err| panic!("{name}: {err}"));
        let on_lambda = text.contains("aws_lambda_function")
            || found.iter().any(|metric| {
                metric.alarm == name && ["AWS/Events", APP_NAMESPACE].contains(&metric.namespace.as_str())
            });
        if on_lambda {
            let gate = ["count", "for_each"]
                .iter()
                .filter_map(|key| attribute(alarm, key))
                .map(ToString::to_string)
                .collect::<String>();
            assert!(
                gate.contains("var.deploy_lambda"),
                "{name} watches the Lambda or what it reports: it exists only with var.deploy_lambda, as the function does"
            );
        }
    }
    let dashboard = super::resource(&body, "aws_cloudwatch_dashboard", "overview");
    let gate = attribute(dashboard, "count")
        .map(ToString::to_string)
        .unwrap_or_default();
    assert!(
        gate.contains("var.deploy_lambda"),
        "the dashboard shows the Lambda: {gate}"
    );
}

/// `local.job_rules` maps every job of the registry to its generated rule.
#[test]
fn every_job_s_rule_has_its_failed_invocations_alarm() {
    let body = terraform("alarms.tf");
    let Expression::Object(rules) = local(&body, "job_rules") else {
        panic!("local.job_rules is not an object");
    };
    let mut mapped: Vec<(String, String)> = rules
        .iter()
        .map(|(key, value)| (key.to_string(), value.to_string()))
        .collect();
    mapped.sort();
    let events = terraform("events.gen.tf");
    let mut generated: Vec<(String, String)> = events
        .blocks()
        .filter(|block| block.identifier() == "resource")
        .filter_map(|block| match block.labels() {
            [kind, name] if kind.as_str() == "aws_cloudwatch_event_rule" => {
                let job = name.as_str().strip_prefix("job_").unwrap_or(name.as_str());
                Some((job.to_owned(), format!("aws_cloudwatch_event_rule.{}", name.as_str())))
            }
            _ => None,
        })
        .collect();
    generated.sort();
    assert_eq!(
        mapped, generated,
        "local.job_rules in alarms.tf must map each job to its rule in events.gen.tf"
    );
    let mut jobs = job_names();
    jobs.sort_unstable();
    let keys: Vec<&str> = mapped.iter().map(|(job, _)| job.as_str()).collect();
    assert_eq!(keys, jobs, "local.job_rules has a rule for each job of the registry");
    let alarm = super::resource(&body, "aws_cloudwatch_metric_alarm", "job_failed_invocations");
    let for_each = attribute(alarm, "for_each")
        .map(ToString::to_string)
        .unwrap_or_default();
    assert!(for_each.contains("local.job_rules"), "{for_each}");
}

/// The DynamoDB alarms watch every table and every operation the adapters
/// call, none reading more than the 10 metrics an alarm may.
#[test]
fn the_dynamodb_alarms_cover_every_table_and_every_operation_the_adapters_call() {
    let body = terraform("alarms.tf");
    let Expression::Array(items) = local(&body, "dynamodb_operations") else {
        panic!("local.dynamodb_operations is not a list");
    };
    let listed: BTreeSet<String> = items.iter().filter_map(literal).collect();
    assert_eq!(listed.len(), items.len(), "local.dynamodb_operations holds literals");
    let called = super::iam::dynamodb_operations();
    assert!(called.contains("Query"), "derived no DynamoDB operation: {called:?}");
    assert_eq!(
        listed, called,
        "local.dynamodb_operations (alarms.tf) must be the operations the aws adapters call: SystemErrors is counted per operation"
    );
    // An alarm reads at most 10 metrics.
    assert!(
        listed.len() <= 10,
        "{} operations: more than an alarm can sum",
        listed.len()
    );

    let Expression::Object(tables) = local(&body, "alarm_tables") else {
        panic!("local.alarm_tables is not an object");
    };
    let mut mapped: Vec<(String, String)> = tables
        .iter()
        .map(|(key, value)| (key.to_string(), value.to_string()))
        .collect();
    mapped.sort();
    let mut expected: Vec<(String, String)> = api_handler::store::aws::schema::TABLES
        .iter()
        .map(|table| (table.suffix.to_owned(), format!("aws_dynamodb_table.{}", table.suffix)))
        .collect();
    expected.sort();
    assert_eq!(mapped, expected, "local.alarm_tables holds every table");
    // The throttle alarm reads each table's reads and writes and each
    // index's: at most 10 metrics.
    for table in api_handler::store::aws::schema::TABLES {
        let read = 2 + 2 * table.indexes.len();
        assert!(
            read <= 10,
            "the {} table's throttle alarm would read {read} metrics, more than an alarm can",
            table.suffix
        );
    }
}

/// The Lambda writes its metrics under the namespace the alarms watch.
#[test]
fn the_lambda_gets_the_metrics_namespace() {
    let lambda = terraform("lambda.tf");
    let function = super::resource(&lambda, "aws_lambda_function", "api");
    let variables = super::nested(function, "environment")
        .flat_map(|environment| environment.body().attributes())
        .find(|attribute| attribute.key() == "variables")
        .map(|attribute| attribute.expr().clone());
    let Some(Expression::Object(variables)) = variables else {
        panic!("aws_lambda_function.api has no environment variables");
    };
    let namespace = variables
        .iter()
        .find(|(key, _)| key.to_string() == "METRICS_NAMESPACE")
        .map(|(_, value)| value.to_string());
    assert_eq!(
        namespace.as_deref(),
        Some(APP_NAMESPACE),
        "the Lambda writes its metrics under the namespace the alarms watch"
    );
}
