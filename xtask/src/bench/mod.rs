//! `cargo xtask bench`: the Lambda as deployed (`lambda` profile, aws backend,
//! every event shape decoded) side by side with the Python design it
//! replaces, in one run on this machine against the same emulator, then the
//! in-process criterion benchmarks. The table goes to stdout and to
//! `bench/RESULTS.md` with the machine, date and commit.

mod build;
mod lambda;
mod runtime_api;

use std::fmt::Write as _;
use std::path::Path;
use std::process::Command;
use std::time::Duration;

use anyhow::Context;
use api_handler::domain::goal::{Category, Goal, NewGoal, Period, Target};
use api_handler::store::aws::AwsSettings;
use serde_json::{Value, json};

use self::lambda::{Bootstrap, quantile};
use crate::moto::Moto;
use crate::util::{self, project_root};
use crate::{provision, tools};

/// Fresh processes per cold-start measurement (the median is reported).
const SPAWNS: usize = 7;
/// Warm invocations per process.
const INVOCATIONS: usize = 1_000;
/// Where the table is kept.
const RESULTS: &str = "bench/RESULTS.md";
/// The caller of the authenticated requests.
const USER: &str = "0b5e6f5c-bench-user";

/// One row of the table: what, this project, the Python design.
struct Row {
    what: String,
    rust: String,
    python: String,
    ratio: String,
}

/// Runs every measurement, prints the table, writes [`RESULTS`], then runs
/// the criterion benchmarks with `criterion_args`.
pub(crate) fn run(criterion_args: &[&str]) -> anyhow::Result<()> {
    util::cargo(&[
        "build",
        "--profile",
        "lambda",
        "--package",
        "api-handler",
        "--bin",
        "api-handler",
    ])?;
    let venv = tools::venv()?;
    let moto = Moto::start(&venv, 0)?;
    let settings = provision::provision_into(&moto.endpoint, "bench")?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("cannot start an async runtime")?;
    let mut rows = runtime.block_on(measure(&venv.bin("python"), &settings))?;
    drop(moto);
    let gen_routes = build::gen_routes()?;
    let rebuild = build::rebuild_after_one_handler()?;
    for (what, time) in [
        ("`cargo xtask gen-routes --check`, everything built", gen_routes),
        ("dev rebuild after editing one handler file", rebuild),
    ] {
        rows.push(Row {
            what: what.to_owned(),
            rust: format!("{:.1} s", time.as_secs_f64()),
            python: "–".to_owned(),
            ratio: "–".to_owned(),
        });
    }
    let table = render(&rows)?;
    print!("{table}");
    std::fs::write(project_root().join(RESULTS), &table).with_context(|| format!("cannot write {RESULTS}"))?;
    eprintln!("wrote {RESULTS}");
    let mut args = vec!["bench", "--package", "route-framework", "--bench", "dispatch", "--"];
    // `cargo xtask bench -- --measurement-time 2` passes its own `--` along.
    args.extend(criterion_args.iter().skip_while(|arg| **arg == "--"));
    util::cargo(&args)
}

/// The API Gateway 2.0 event of `route_key` on `path`, as the JWT
/// authorizer passes it on for [`USER`] (or the public health event).
fn event(route_key: &str, path: &str, params: Value, client_id: &str) -> anyhow::Result<Value> {
    let fixtures = project_root().join("route-framework/tests/data");
    let name = if route_key == "GET /health" {
        "apigw-v2-health.json"
    } else {
        "apigw-v2-jwt-authorizer.json"
    };
    let text = std::fs::read_to_string(fixtures.join(name)).with_context(|| format!("cannot read {name}"))?;
    let mut event: Value = serde_json::from_str(&text).with_context(|| format!("{name} is not JSON"))?;
    event["routeKey"] = json!(route_key);
    event["rawPath"] = json!(path);
    event["pathParameters"] = params;
    event["requestContext"]["routeKey"] = json!(route_key);
    event["requestContext"]["http"]["path"] = json!(path);
    if route_key != "GET /health" {
        event["requestContext"]["authorizer"]["jwt"]["claims"]["sub"] = json!(USER);
        event["requestContext"]["authorizer"]["jwt"]["claims"]["client_id"] = json!(client_id);
    }
    Ok(event)
}

/// A goal of [`USER`]'s, stored through the aws adapters; its id.
async fn seed_goal(settings: &AwsSettings) -> anyhow::Result<String> {
    let endpoint = settings.endpoint_url.as_deref().context("an emulator endpoint")?;
    let sdk = api_handler::store::aws::provision::emulator_sdk_config(endpoint, &settings.region).await;
    let backend = api_handler::store::aws::open(settings, &sdk).map_err(anyhow::Error::msg)?;
    let new = NewGoal {
        title: "Swim".to_owned(),
        description: None,
        category: Category::Fitness,
        target: Target {
            value: 10.0,
            unit: "km".to_owned(),
        },
        period: Period::Weekly,
        due_date: None,
    };
    let goal = Goal::new(USER, new, chrono::Utc::now());
    backend
        .goals
        .create(&goal, &[])
        .await
        .map_err(|err| anyhow::anyhow!("{err}"))?;
    Ok(goal.goal_id)
}

/// Every side-by-side measurement.
async fn measure(python: &Path, settings: &AwsSettings) -> anyhow::Result<Vec<Row>> {
    let goal_id = seed_goal(settings).await?;
    let mut env = provision::env_pairs(settings);
    env.push(("AWS_DEFAULT_REGION".to_owned(), settings.region.clone()));
    let rust = Bootstrap {
        program: project_root().join("target/lambda/api-handler"),
        args: Vec::new(),
        env: env.clone(),
    };
    let baseline = project_root().join("bench/python-baseline");
    let py = Bootstrap {
        program: python.to_owned(),
        args: vec![baseline.join("bootstrap.py").display().to_string()],
        env: [env, vec![("PYTHONPATH".to_owned(), baseline.display().to_string())]].concat(),
    };

    let health = event("GET /health", "/health", Value::Null, &settings.client_id)?;
    let read_rust = event(
        "GET /goals/{goalId}",
        &format!("/goals/{goal_id}"),
        json!({ "goalId": goal_id }),
        &settings.client_id,
    )?;
    // The dict router cannot match /goals/{goalId}: its nearest
    // authenticated read is the list.
    let read_python = event("GET /goals", "/goals", Value::Null, &settings.client_id)?;

    let mut rows = Vec::new();
    eprintln!("cold starts: GET /health ×{SPAWNS} each");
    let (rc, pc) = (
        lambda::cold_starts(&rust, &health, 200, SPAWNS).await?,
        lambda::cold_starts(&py, &health, 200, SPAWNS).await?,
    );
    rows.push(faster(
        &format!("cold start, `GET /health` (spawn → first answer, median of {SPAWNS})"),
        quantile(&rc, 0.5),
        quantile(&pc, 0.5),
    ));
    eprintln!("cold starts: authenticated reads ×{SPAWNS} each");
    let (rc, pc) = (
        lambda::cold_starts(&rust, &read_rust, 200, SPAWNS).await?,
        lambda::cold_starts(&py, &read_python, 200, SPAWNS).await?,
    );
    rows.push(faster(
        &format!(
            "cold start, authenticated read against moto (Rust `GET /goals/{{goalId}}`, Python `GET /goals`; median of {SPAWNS})"
        ),
        quantile(&rc, 0.5),
        quantile(&pc, 0.5),
    ));
    eprintln!("warm: {INVOCATIONS} invocations each");
    let (rw, pw) = (
        lambda::warm(&rust, &health, 200, INVOCATIONS).await?,
        lambda::warm(&py, &health, 200, INVOCATIONS).await?,
    );
    for (label, q) in [("p50", 0.5), ("p99", 0.99)] {
        rows.push(faster(
            &format!("warm round trip through the emulator, `GET /health`, {label}"),
            quantile(&rw.round_trips, q),
            quantile(&pw.round_trips, q),
        ));
    }
    rows.push(Row {
        what: format!("peak RSS after {INVOCATIONS} invocations"),
        rust: megabytes(rw.peak_rss_kib * 1024),
        python: megabytes(pw.peak_rss_kib * 1024),
        ratio: format!("{:.1}× less", pw.peak_rss_kib as f64 / rw.peak_rss_kib.max(1) as f64),
    });
    rows.push(Row {
        what: "Lambda binary size (`--profile lambda`, stripped)".to_owned(),
        rust: megabytes(stripped_size(&rust.program)?),
        python: "– (runtime's boto3)".to_owned(),
        ratio: "–".to_owned(),
    });
    rows.push(Row {
        what: "container image, compressed".to_owned(),
        rust: "skipped: no docker engine on this machine".to_owned(),
        python: "–".to_owned(),
        ratio: "–".to_owned(),
    });
    Ok(rows)
}

/// A row where less time is better.
fn faster(what: &str, rust: Duration, python: Duration) -> Row {
    Row {
        what: what.to_owned(),
        rust: millis(rust),
        python: millis(python),
        ratio: format!("{:.1}× faster", python.as_secs_f64() / rust.as_secs_f64().max(1e-9)),
    }
}

fn millis(time: Duration) -> String {
    format!("{:.2} ms", time.as_secs_f64() * 1_000.0)
}

fn megabytes(bytes: u64) -> String {
    format!("{:.1} MB", bytes as f64 / 1_000_000.0)
}

/// The size of `binary` once stripped of symbols (a stripped copy, when
/// `strip` is installed; else the file as built).
fn stripped_size(binary: &Path) -> anyhow::Result<u64> {
    let copy = project_root().join("target/bench-stripped");
    std::fs::copy(binary, &copy).with_context(|| format!("cannot copy {}", binary.display()))?;
    // Without `strip`, the file as built (symbols included) is measured.
    let _ = Command::new("strip").arg(&copy).status();
    let size = std::fs::metadata(&copy).map(|meta| meta.len())?;
    let _ = std::fs::remove_file(&copy);
    Ok(size)
}

/// The Markdown table with the machine, date and commit.
fn render(rows: &[Row]) -> anyhow::Result<String> {
    let commit = Command::new("git")
        .args(["rev-parse", "--short", "HEAD"])
        .output()
        .map(|out| String::from_utf8_lossy(&out.stdout).trim().to_owned())
        .unwrap_or_default();
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|info| {
            info.lines()
                .find_map(|line| line.strip_prefix("model name"))
                .map(|name| name.trim_start_matches([' ', '\t', ':']).to_owned())
        })
        .unwrap_or_else(|| "unknown CPU".to_owned());
    let cores = std::thread::available_parallelism().map_or(1, usize::from);
    let mut out = String::from("# Benchmark results\n\n");
    let _ = writeln!(
        out,
        "`cargo xtask bench` on {cpu} ({cores} cores), {}, commit {commit}. Both sides run under the\n\
         same Runtime API emulator (xtask/src/bench/runtime_api.rs) against the same moto: this\n\
         project's release binary on the aws backend, and bench/python-baseline (boto3 clients at\n\
         import, a dict router). Ratios are Python's figure over this project's.\n",
        chrono::Utc::now().format("%Y-%m-%d %H:%M UTC")
    );
    out.push_str("| measure | this project | Python design | ratio |\n|---|---|---|---|\n");
    for row in rows {
        let _ = writeln!(out, "| {} | {} | {} | {} |", row.what, row.rust, row.python, row.ratio);
    }
    Ok(out)
}
