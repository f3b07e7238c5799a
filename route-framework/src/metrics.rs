//! Metrics in the log lines the framework already writes: CloudWatch's
//! [Embedded Metric Format] (EMF), no second line and no `PutMetricData`.
//!
//! A line carries metrics when it has an `_aws` field holding a
//! [`Directive`]: the JSON lines ([`logging`](crate::logging)) write it as
//! the EMF metadata object, stamped with the line's own time, and
//! CloudWatch Logs turns the line's members it names into metrics.
//!
//! With [`Metrics`] set on them, the dispatchers' lines carry these, each
//! in two dimension sets (the first two members, and `kind` alone for
//! totals):
//!
//! | line | `kind` | dimensions | `status_class` |
//! | --- | --- | --- | --- |
//! | one per HTTP request | `request` | `route` (the route key, `-` when none matched), `status_class` | `2xx` … `5xx` |
//! | one per consumer delivery | `delivery` | `consumer`, `status_class` | `ok`, `failed` |
//! | one per job run | `job` | `job`, `status_class` | `ok`, `failed` |
//!
//! with the metrics `count` (1), `latency_ms` and `errors` (1 for a 5xx or
//! a failure, else 0). An app adds its own with [`Metrics::directive`].
//!
//! Why not a crate: `metrics_cloudwatch_embedded` and `metrique` write
//! documents of their own, a second line per event (or per flush), while
//! the format is a few dozen bytes of JSON worked out once at start-up.
//!
//! [Embedded Metric Format]: https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format_Specification.html

use std::fmt::{self, Write};

/// The unit of a metric, as CloudWatch names it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Unit {
    /// A count of things.
    Count,
    /// A duration in milliseconds.
    Milliseconds,
}

impl Unit {
    /// CloudWatch's name of the unit.
    pub fn as_str(self) -> &'static str {
        match self {
            Unit::Count => "Count",
            Unit::Milliseconds => "Milliseconds",
        }
    }
}

/// A namespace CloudWatch would refuse.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NamespaceError(String);

impl fmt::Display for NamespaceError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for NamespaceError {}

/// The EMF metadata of one kind of line, minus its timestamp: the
/// `_aws` field's value. The JSON lines write it as
/// `"_aws":{"Timestamp":…,<this>}`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Directive(Box<str>);

impl Directive {
    /// The members after `Timestamp` in the `_aws` object.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The metrics of the framework's lines, under one namespace. Cheap to
/// clone.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Metrics {
    namespace: Box<str>,
    /// Each HTTP request's line.
    pub(crate) request: Directive,
    /// Each consumer delivery's line.
    pub(crate) delivery: Directive,
    /// Each job run's line.
    pub(crate) job: Directive,
}

/// `count`, `latency_ms` and `errors`: what each request, delivery and job
/// run reports.
const OUTCOME: [(&str, Unit); 3] = [
    ("count", Unit::Count),
    ("latency_ms", Unit::Milliseconds),
    ("errors", Unit::Count),
];

impl Metrics {
    /// The framework's metrics under `namespace`: 1 to 255 ASCII letters,
    /// digits and `.-_/#: `, not starting with `AWS/` (CloudWatch's rules).
    pub fn new(namespace: &str) -> Result<Metrics, NamespaceError> {
        let allowed = |c: char| c.is_ascii_alphanumeric() || ".-_/#: ".contains(c);
        if namespace.is_empty() || namespace.len() > 255 || !namespace.chars().all(allowed) {
            return Err(NamespaceError(format!(
                "the metrics namespace `{namespace}` is not 1 to 255 ASCII letters, digits and `.-_/#: `"
            )));
        }
        if namespace.starts_with("AWS/") {
            return Err(NamespaceError(format!(
                "the metrics namespace `{namespace}` starts with `AWS/`, which CloudWatch keeps for AWS's own"
            )));
        }
        let mut metrics = Metrics {
            namespace: namespace.into(),
            request: Directive(Box::default()),
            delivery: Directive(Box::default()),
            job: Directive(Box::default()),
        };
        metrics.request = metrics.directive(&[&["route", "status_class"], &["kind"]], &OUTCOME);
        metrics.delivery = metrics.directive(&[&["consumer", "status_class"], &["kind"]], &OUTCOME);
        metrics.job = metrics.directive(&[&["job", "status_class"], &["kind"]], &OUTCOME);
        Ok(metrics)
    }

    /// The namespace.
    pub fn namespace(&self) -> &str {
        &self.namespace
    }

    /// The directive of a line of the app's own: `metrics` (each a member
    /// of the line holding a number) aggregated by each of
    /// `dimension_sets` (each naming members holding strings). Log it as
    /// the line's `_aws` field:
    ///
    /// ```
    /// use route_framework::metrics::{Metrics, Unit};
    ///
    /// let metrics = Metrics::new("lifestyle-prod")?;
    /// let backlog = metrics.directive(&[&["job"]], &[("outbox_backlog", Unit::Count)]);
    /// tracing::info!(job = "relay_outbox", outbox_backlog = 3, _aws = backlog.as_str(), "outbox backlog");
    /// assert_eq!(
    ///     backlog.as_str(),
    ///     r#""CloudWatchMetrics":[{"Namespace":"lifestyle-prod","Dimensions":[["job"]],"Metrics":[{"Name":"outbox_backlog","Unit":"Count"}]}]"#
    /// );
    /// # Ok::<(), route_framework::metrics::NamespaceError>(())
    /// ```
    pub fn directive(&self, dimension_sets: &[&[&str]], metrics: &[(&str, Unit)]) -> Directive {
        let mut text = String::from("\"CloudWatchMetrics\":[{\"Namespace\":");
        // Writing to a `String` cannot fail.
        let _ = json_string(&mut text, &self.namespace);
        text.push_str(",\"Dimensions\":[");
        for (at, set) in dimension_sets.iter().enumerate() {
            text.push_str(if at == 0 { "[" } else { ",[" });
            for (at, dimension) in set.iter().enumerate() {
                if at > 0 {
                    text.push(',');
                }
                let _ = json_string(&mut text, dimension);
            }
            text.push(']');
        }
        text.push_str("],\"Metrics\":[");
        for (at, (name, unit)) in metrics.iter().enumerate() {
            text.push_str(if at == 0 { "{\"Name\":" } else { ",{\"Name\":" });
            let _ = json_string(&mut text, name);
            text.push_str(",\"Unit\":\"");
            text.push_str(unit.as_str());
            text.push_str("\"}");
        }
        text.push_str("]}]");
        Directive(text.into_boxed_str())
    }
}

/// `text` as a JSON string.
fn json_string(out: &mut String, text: &str) -> fmt::Result {
    write!(out, "{}", serde_json::Value::from(text))
}

/// Milliseconds since `started`, in whole microseconds: `0.031`, not
/// `0.031025999999999998`. Every line's `latency_ms`.
pub(crate) fn elapsed_ms(started: std::time::Instant) -> f64 {
    started.elapsed().as_micros() as u64 as f64 / 1000.0
}

/// The `status_class` of an HTTP status: `2xx` … `5xx`.
pub(crate) fn status_class(status: http::StatusCode) -> &'static str {
    match status.as_u16() {
        100..=199 => "1xx",
        200..=299 => "2xx",
        300..=399 => "3xx",
        400..=499 => "4xx",
        _ => "5xx",
    }
}

/// The `status_class` of a delivery or job run.
pub(crate) fn outcome_class(ok: bool) -> &'static str {
    if ok { "ok" } else { "failed" }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn namespaces_cloudwatch_refuses_are_refused_with_the_reason() {
        assert!(Metrics::new("lifestyle-prod").is_ok());
        assert!(Metrics::new("app/api #1: prod_2.x").is_ok());
        for bad in ["", "AWS/Lambda", "caf\u{e9}", "quote\"", &"n".repeat(256)] {
            assert!(Metrics::new(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn the_framework_lines_directives_name_their_dimensions_and_metrics() {
        let metrics = Metrics::new("ns").unwrap();
        let metadata: serde_json::Value = serde_json::from_str(&format!("{{{}}}", metrics.request.as_str())).unwrap();
        assert_eq!(
            metadata,
            serde_json::json!({ "CloudWatchMetrics": [{
                "Namespace": "ns",
                "Dimensions": [["route", "status_class"], ["kind"]],
                "Metrics": [
                    { "Name": "count", "Unit": "Count" },
                    { "Name": "latency_ms", "Unit": "Milliseconds" },
                    { "Name": "errors", "Unit": "Count" },
                ],
            }] })
        );
        assert!(
            metrics
                .delivery
                .as_str()
                .contains(r#"[["consumer","status_class"],["kind"]]"#)
        );
        assert!(metrics.job.as_str().contains(r#"[["job","status_class"],["kind"]]"#));
    }

    #[test]
    fn status_classes() {
        assert_eq!(status_class(http::StatusCode::OK), "2xx");
        assert_eq!(status_class(http::StatusCode::NOT_MODIFIED), "3xx");
        assert_eq!(status_class(http::StatusCode::TOO_MANY_REQUESTS), "4xx");
        assert_eq!(status_class(http::StatusCode::SERVICE_UNAVAILABLE), "5xx");
        assert_eq!((outcome_class(true), outcome_class(false)), ("ok", "failed"));
    }
}
