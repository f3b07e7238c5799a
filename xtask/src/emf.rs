//! The metrics the deployed Lambda writes, checked from its own output: the
//! `--profile lambda` binary under the Runtime API emulator, on the aws
//! backend in moto, is sent requests, an SQS batch with a failing message
//! and a scheduled job; every line of its output carrying metrics (EMF) is
//! parsed, and each metric and dimension is checked with its value.

use std::collections::BTreeSet;

use anyhow::{Context, bail, ensure};
use route_framework::testing::runtime_api::{Answer, RuntimeApi};
use serde_json::{Value, json};

use crate::bench::lambda::Bootstrap;
use crate::bench::{USER, build_lambda, event};
use crate::provision;
use crate::util::project_root;

/// The namespace the function is given.
const NAMESPACE: &str = "xtask-emf";

/// Builds the Lambda and checks its metrics against moto at `endpoint`.
pub(crate) fn check(endpoint: &str) -> anyhow::Result<()> {
    let program = build_lambda()?;
    let settings = provision::provision_into(endpoint, "emf")?;
    let log = project_root().join("target/emf-lambda.log");
    let mut env = provision::env_pairs(&settings);
    env.push(("AWS_DEFAULT_REGION".to_owned(), settings.region.clone()));
    env.push(("METRICS_NAMESPACE".to_owned(), NAMESPACE.to_owned()));
    let bootstrap = Bootstrap {
        program,
        args: Vec::new(),
        env,
        log: Some(log.clone()),
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("cannot start an async runtime")?;
    runtime.block_on(invoke(&bootstrap, &settings.client_id))?;
    let text = std::fs::read_to_string(&log).with_context(|| format!("cannot read {}", log.display()))?;
    let lines = emf_lines(&text)?;
    check_lines(&lines).with_context(|| format!("the Lambda's output is in {}", log.display()))?;
    eprintln!(
        "EMF: {} lines with metrics, every metric and dimension as expected",
        lines.len()
    );
    Ok(())
}

/// Sends the function its events, one process for all, and stops it.
async fn invoke(bootstrap: &Bootstrap, client_id: &str) -> anyhow::Result<()> {
    let mut api = RuntimeApi::start().await?;
    let function = bootstrap.spawn(&api)?;
    let health = event("GET /health", "/health", Value::Null, client_id)?;
    let missing_goal = event(
        "GET /goals/{goalId}",
        "/goals/01JZZZZZZZZZZZZZZZZZZZZZZZ",
        json!({ "goalId": "01JZZZZZZZZZZZZZZZZZZZZZZZ" }),
        client_id,
    )?;
    let nowhere = event("$default", "/nowhere", Value::Null, client_id)?;
    for (event, status) in [(&health, 200), (&missing_goal, 404), (&nowhere, 404)] {
        match api.invoke(event).await? {
            Answer::Response(answer) if answer["statusCode"] == status => {}
            other => bail!("expected a {status} from {}, got {other:?}", event["rawPath"]),
        }
    }
    let fixtures = project_root().join("route-framework/tests/data");
    let read = |name: &str| -> anyhow::Result<Value> {
        let text = std::fs::read_to_string(fixtures.join(name)).with_context(|| format!("cannot read {name}"))?;
        serde_json::from_str(&text).with_context(|| format!("{name} is not JSON"))
    };
    // A batch of two goal events: one consumed, one whose body no consumer can read.
    let mut batch = read("sqs-batch.json")?;
    let record = batch["Records"][0].clone();
    let message = |id: &str, body: String| {
        let mut record = record.clone();
        record["messageId"] = json!(id);
        record["body"] = json!(body);
        record["messageAttributes"] = json!({
            "type": { "stringValue": "goal.completed", "dataType": "String" },
            "eventId": { "stringValue": format!("event-{id}"), "dataType": "String" },
        });
        record
    };
    let good = json!({
        "eventId": "event-good", "type": "goal.completed", "userId": USER, "goalId": "01JGOAL0000000000000000000",
        "occurredAt": "2026-12-07T08:00:00.000Z",
        "data": { "title": "Swim", "target": { "value": 10.0, "unit": "km" }, "progressTotal": 10.0 },
    });
    batch["Records"] = json!([message("good", good.to_string()), message("poisoned", "{".to_owned())]);
    match api.invoke(&batch).await? {
        Answer::Response(answer) if answer == json!({ "batchItemFailures": [{ "itemIdentifier": "poisoned" }] }) => {}
        other => bail!("expected the poisoned message reported, got {other:?}"),
    }
    let mut schedule = read("eventbridge-scheduled.json")?;
    schedule["resources"] = json!(["arn:aws:events:us-east-1:123456789012:rule/emf.relay_outbox"]);
    match api.invoke(&schedule).await? {
        Answer::Response(answer) if answer["done"] == true => {}
        other => bail!("expected the relay to run, got {other:?}"),
    }
    drop(function);
    Ok(())
}

/// The lines of `text` that carry metrics, parsed.
fn emf_lines(text: &str) -> anyhow::Result<Vec<Value>> {
    let mut lines = Vec::new();
    for line in text.lines().filter(|line| line.contains("\"_aws\"")) {
        let value: Value = serde_json::from_str(line).with_context(|| format!("not one JSON object: {line}"))?;
        lines.push(value);
    }
    Ok(lines)
}

/// Each line is valid EMF in [`NAMESPACE`], and together they are the
/// lines expected, with their values.
fn check_lines(lines: &[Value]) -> anyhow::Result<()> {
    for line in lines {
        valid_emf(line).with_context(|| format!("in {line}"))?;
    }
    let found: BTreeSet<String> = lines.iter().map(summary).collect();
    let expected: BTreeSet<String> = [
        "request route=GET /health status_class=2xx count=1 errors=0",
        "request route=GET /goals/{goalId} status_class=4xx count=1 errors=0",
        "request route=- status_class=4xx count=1 errors=0",
        "delivery consumer=goal_completed status_class=ok count=1 errors=0",
        "delivery consumer=goal_completed status_class=failed count=1 errors=1",
        "job job=relay_outbox status_class=ok count=1 errors=0",
        "backlog job=relay_outbox outbox_backlog=0",
    ]
    .into_iter()
    .map(str::to_owned)
    .collect();
    ensure!(
        found == expected,
        "the metric lines differ: missing {:?}, unexpected {:?}",
        expected.difference(&found).collect::<Vec<_>>(),
        found.difference(&expected).collect::<Vec<_>>()
    );
    Ok(())
}

/// What the CloudWatch Embedded Metric Format asks of `line`: a millisecond
/// `Timestamp`, a directive in [`NAMESPACE`] whose every dimension is a
/// string member of the line and every metric a number member (a latency
/// one at least 0), in a known unit.
fn valid_emf(line: &Value) -> anyhow::Result<()> {
    let metadata = &line["_aws"];
    let timestamp = metadata["Timestamp"].as_u64().context("no Timestamp in milliseconds")?;
    let logged = line["timestamp"].as_str().context("no timestamp")?;
    let logged = chrono::DateTime::parse_from_rfc3339(logged).context("an unreadable timestamp")?;
    ensure!(
        i64::try_from(timestamp).ok() == Some(logged.timestamp_millis()),
        "Timestamp {timestamp} is not the line's {logged}"
    );
    let [directive] = metadata["CloudWatchMetrics"]
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or_default()
    else {
        bail!("not one directive");
    };
    ensure!(
        directive["Namespace"] == NAMESPACE,
        "namespace {}",
        directive["Namespace"]
    );
    let sets = directive["Dimensions"].as_array().context("no Dimensions")?;
    ensure!(!sets.is_empty(), "no dimension set");
    for set in sets {
        for dimension in set.as_array().context("a dimension set is not an array")? {
            let name = dimension.as_str().context("a dimension is not a name")?;
            ensure!(line[name].is_string(), "dimension `{name}` is not a string member");
        }
    }
    for metric in directive["Metrics"].as_array().context("no Metrics")? {
        let name = metric["Name"].as_str().context("a metric has no Name")?;
        let value = line[name]
            .as_f64()
            .with_context(|| format!("metric `{name}` is not a number member"))?;
        ensure!(value >= 0.0, "metric `{name}` is {value}");
        match (name, metric["Unit"].as_str()) {
            ("latency_ms", Some("Milliseconds")) | ("count" | "errors" | "outbox_backlog", Some("Count")) => {}
            (name, unit) => bail!("metric `{name}` in unit {unit:?}"),
        }
    }
    Ok(())
}

/// A line's metrics and dimensions in a few words, to compare.
fn summary(line: &Value) -> String {
    let text = |name: &str| line[name].as_str().unwrap_or("?").to_owned();
    let number = |name: &str| line[name].as_u64().map_or_else(|| "?".to_owned(), |n| n.to_string());
    match line["kind"].as_str() {
        Some(kind @ "request") | Some(kind @ "delivery") | Some(kind @ "job") => {
            let name = match kind {
                "request" => "route",
                "delivery" => "consumer",
                _ => "job",
            };
            format!(
                "{kind} {name}={} status_class={} count={} errors={}",
                text(name),
                text("status_class"),
                number("count"),
                number("errors")
            )
        }
        _ => format!(
            "backlog job={} outbox_backlog={}",
            text("job"),
            number("outbox_backlog")
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request_line(namespace: &str, errors: u64) -> Value {
        json!({
            "timestamp": "2026-12-07T08:00:00.123456Z", "kind": "request", "route": "GET /health",
            "status_class": "2xx", "count": 1, "latency_ms": 0.05, "errors": errors,
            "_aws": { "Timestamp": 1_796_630_400_123_u64, "CloudWatchMetrics": [{
                "Namespace": namespace, "Dimensions": [["route", "status_class"], ["kind"]],
                "Metrics": [
                    { "Name": "count", "Unit": "Count" },
                    { "Name": "latency_ms", "Unit": "Milliseconds" },
                    { "Name": "errors", "Unit": "Count" },
                ],
            }] },
        })
    }

    #[test]
    fn a_line_is_checked_against_the_format() {
        valid_emf(&request_line(NAMESPACE, 0)).unwrap();
        assert!(valid_emf(&request_line("other", 0)).is_err());
        let mut line = request_line(NAMESPACE, 0);
        line["route"] = json!(7);
        assert!(valid_emf(&line).unwrap_err().to_string().contains("`route`"));
        let mut line = request_line(NAMESPACE, 0);
        line["_aws"]["Timestamp"] = json!(1);
        assert!(valid_emf(&line).is_err());
        assert_eq!(
            summary(&request_line(NAMESPACE, 1)),
            "request route=GET /health status_class=2xx count=1 errors=1"
        );
    }
}
