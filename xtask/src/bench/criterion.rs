//! The in-process criterion benchmarks (route-framework `dispatch`,
//! api-handler `request`), run by cargo, then read back from criterion's
//! estimates as rows of ratios against the baselines measured in the same run.

use std::time::SystemTime;

use super::Table;
use crate::util::{self, project_root};

/// Route table sizes of the lookup benchmarks.
const SIZES: [usize; 3] = [10, 100, 1000];

/// Runs both benchmarks with `args` passed to criterion.
pub(crate) fn run(args: &[&str]) -> anyhow::Result<()> {
    for (package, bench) in [("route-framework", "dispatch"), ("api-handler", "request")] {
        let mut command = vec!["bench", "--package", package, "--bench", bench, "--"];
        command.extend(args);
        util::cargo(&command)?;
    }
    Ok(())
}

/// The median of one benchmark, in nanoseconds, if this run (not an earlier
/// one: criterion keeps old estimates) measured it.
fn median_ns(id: &str, since: SystemTime) -> Option<f64> {
    let path = project_root()
        .join("target/criterion")
        .join(id)
        .join("new/estimates.json");
    if std::fs::metadata(&path).and_then(|meta| meta.modified()).ok()? < since {
        return None;
    }
    let text = std::fs::read_to_string(path).ok()?;
    let value: serde_json::Value = serde_json::from_str(&text).ok()?;
    value["median"]["point_estimate"].as_f64()
}

/// `1.23 µs` or `456.7 ns`.
fn time(ns: f64) -> String {
    if ns >= 1_000.0 {
        format!("{:.2} µs", ns / 1_000.0)
    } else {
        format!("{ns:.1} ns")
    }
}

/// `2.0× faster than` or `1.3× slower than`: `ns` against `base`.
fn relative(ns: f64, base: f64) -> String {
    if ns <= base {
        format!("{:.1}× faster than", base / ns)
    } else {
        format!("{:.1}× slower than", ns / base)
    }
}

/// What the run since `since` measured, as a table; benchmarks it did not
/// run (filtered out by criterion's arguments) are left out.
pub(crate) fn table(since: SystemTime) -> Table {
    let median = |id: &str| median_ns(id, since);
    let mut table = Table::new(
        "In process (criterion medians)",
        "Each time is one whole operation on this machine, next to the baseline measured in the same run.",
        &["operation", "time", "against"],
    );
    let mut row = |what: String, ns: Option<f64>, against: Option<String>| {
        if let Some(ns) = ns {
            table.push(vec![what, time(ns), against.unwrap_or_else(|| "–".to_owned())]);
        }
    };
    let dispatch = median("event/dispatch_only");
    let versus_dispatch = |ns: Option<f64>| {
        ns.zip(dispatch)
            .map(|(ns, base)| format!("{:.1}× dispatch alone ({})", ns / base, time(base)))
    };
    let health = median("event/apigw_v2_health");
    row(
        "API Gateway 2.0 `GET /health` event → response (framework, one route)".to_owned(),
        health,
        versus_dispatch(health),
    );
    let logged = median("event/apigw_v2_health_logged");
    row(
        "the same, its JSON log line written (to a sink)".to_owned(),
        logged,
        versus_dispatch(logged),
    );
    let measured = median("event/apigw_v2_health_metrics");
    row(
        "the same, its log line carrying its metrics (EMF)".to_owned(),
        measured,
        measured.zip(logged).map(|(measured, logged)| {
            format!(
                "{:+.1} % against the line without them ({})",
                (measured / logged - 1.0) * 100.0,
                time(logged)
            )
        }),
    );
    let app_health = median("request/apigw_v2_health");
    row(
        "API Gateway 2.0 `GET /health` event → response (the app, every route)".to_owned(),
        app_health,
        versus_dispatch(app_health),
    );
    let checked = median("request/apigw_v2_get_goal");
    let unchecked = median("request/apigw_v2_get_goal_unchecked");
    row(
        "API Gateway 2.0 authenticated `GET /goals/{goalId}` event → response, embedded store".to_owned(),
        checked,
        checked.zip(unchecked).map(|(checked, unchecked)| {
            format!(
                "{:.2}× without the revocation check, cached ({}; {} more)",
                checked / unchecked,
                time(unchecked),
                time(checked - unchecked)
            )
        }),
    );
    row(
        "the revocation check's store read (once per user per 5 s), embedded store".to_owned(),
        median("request/revocation_read"),
        None,
    );
    let uncached = median("request/bearer_get_goal_uncached");
    let cached = median("request/bearer_get_goal");
    row(
        "local `GET /goals/{goalId}` with a bearer token, verified once (token cache)".to_owned(),
        cached,
        cached.zip(uncached).map(|(cached, uncached)| {
            format!(
                "{} verifying ES256 each time ({})",
                relative(cached, uncached),
                time(uncached)
            )
        }),
    );
    for n in SIZES {
        let hashmap = median(&format!("lookup/hashmap_baseline/{n}"));
        let scan = median(&format!("lookup/linear_scan/{n}"));
        for (name, what) in [("route_key_table", "route-key table"), ("matcher", "path matcher")] {
            let ns = median(&format!("lookup/{name}/{n}"));
            let against = ns.zip(hashmap).zip(scan).map(|((ns, hashmap), scan)| {
                format!(
                    "{:.2}× a `HashMap<String, fn>` get ({}); {} a linear scan of the patterns ({})",
                    ns / hashmap,
                    time(hashmap),
                    relative(ns, scan),
                    time(scan)
                )
            });
            row(format!("route lookup, {what}, {n} routes"), ns, against);
        }
    }
    let (few, many) = (SIZES[0], SIZES[SIZES.len() - 1]);
    for (name, what) in [("route_key_table", "route-key table"), ("matcher", "path matcher")] {
        let small = median(&format!("lookup/{name}/{few}"));
        let large = median(&format!("lookup/{name}/{many}"));
        row(
            format!("route lookup, {what}, {many} routes against {few}"),
            large,
            large
                .zip(small)
                .map(|(large, small)| format!("{:.2}× its time at {few} routes", large / small)),
        );
    }
    table
}
