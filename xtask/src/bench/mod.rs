//! `cargo xtask bench`: the Lambda as deployed (`lambda` profile, aws backend,
//! every event shape decoded) side by side with the Python design it
//! replaces, in one run on this machine against the same emulator; the local
//! server under load next to bare hyper; the in-process criterion
//! benchmarks; build times. The tables go to stdout and to
//! `bench/RESULTS.md`, each with the date and commit it was measured at.

mod build;
mod criterion;
pub(crate) mod lambda;
mod load;
pub(crate) mod results;

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, SystemTime};

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
/// The caller of the authenticated requests.
pub(crate) const USER: &str = "0b5e6f5c-bench-user";

/// One titled Markdown table of the results.
pub(crate) struct Table {
    title: &'static str,
    intro: String,
    header: Vec<&'static str>,
    rows: Vec<Vec<String>>,
}

impl Table {
    /// An empty table with these columns.
    fn new(title: &'static str, intro: &str, header: &[&'static str]) -> Table {
        Table {
            title,
            intro: intro.to_owned(),
            header: header.to_vec(),
            rows: Vec::new(),
        }
    }

    /// Adds a row, one cell per column.
    fn push(&mut self, row: Vec<String>) {
        self.rows.push(row);
    }
}

/// What `cargo rustc --profile lambda` builds for the Lambda, here and in
/// Dockerfile.api-handler: the app without its embedded backend, so no
/// SQLite, password hashing or local keys are linked in.
pub(crate) const LAMBDA_PACKAGE: [&str; 5] = [
    "--package",
    "api-handler",
    "--no-default-features",
    "--bin",
    "api-handler",
];

/// What `cargo rustc` passes to the compilation of the Lambda's binary
/// alone, here and in Dockerfile.api-handler: link it at a fixed address,
/// not position-independent, so that the loader has no relocations to apply
/// at each cold start (67k of them: 1.6 MB of file read and 1.6 MB of memory
/// written). Libraries, heap and stacks are still randomised. Dependencies
/// keep their flags: one of them also builds a shared library.
pub(crate) const LAMBDA_BINARY_FLAGS: [&str; 2] = ["-C", "link-arg=-no-pie"];

/// The parts of the bench, in the order they run.
const SECTIONS: [&str; 4] = ["lambda", "load", "criterion", "build"];

/// Runs the `sections` named before `--` (every one when none is named)
/// and writes their tables into [`results::RESULTS`], then prints it. What follows
/// `--` goes to criterion.
pub(crate) fn run(args: &[&str]) -> anyhow::Result<()> {
    let split = args.iter().position(|arg| *arg == "--").unwrap_or(args.len());
    let (named, criterion_args) = (&args[..split], args.get(split + 1..).unwrap_or_default());
    if let Some(unknown) = named.iter().find(|name| !SECTIONS.contains(name)) {
        anyhow::bail!("no bench section `{unknown}`: the sections are {}", SECTIONS.join(", "));
    }
    let wanted = |section: &str| named.is_empty() || named.contains(&section);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("cannot start an async runtime")?;
    let mut tables = Vec::new();
    if wanted("lambda") {
        tables.push(lambda_table(&runtime)?);
    }
    if wanted("load") {
        tables.push(load_table(&load::measure(&runtime)?));
    }
    if wanted("criterion") {
        let started = SystemTime::now();
        criterion::run(criterion_args)?;
        tables.push(criterion::table(started));
    }
    if wanted("build") {
        let mut builds = Table::new("Build", "", &["measure", "time"]);
        let gen_routes = build::gen_routes()?;
        let rebuild = build::rebuild_after_one_handler()?;
        for (what, time) in [
            ("`cargo xtask gen-routes --check`, everything built", gen_routes),
            ("dev rebuild after editing one handler file", rebuild),
        ] {
            builds.push(vec![what.to_owned(), format!("{:.1} s", time.as_secs_f64())]);
        }
        tables.push(builds);
    }
    let path = project_root().join(results::RESULTS);
    let previous = std::fs::read_to_string(&path).unwrap_or_default();
    let text = render(&tables, &previous);
    print!("{text}");
    std::fs::write(&path, &text).with_context(|| format!("cannot write {}", results::RESULTS))?;
    eprintln!("wrote {}", results::RESULTS);
    Ok(())
}

/// Builds the Lambda's binary as it is deployed (`--profile lambda`);
/// its path.
pub(crate) fn build_lambda() -> anyhow::Result<PathBuf> {
    let mut build = vec!["rustc", "--profile", "lambda"];
    build.extend(LAMBDA_PACKAGE);
    build.push("--");
    build.extend(LAMBDA_BINARY_FLAGS);
    util::cargo(&build)?;
    Ok(project_root().join("target/lambda/api-handler"))
}

/// The `lambda` profile build against the Python design, on moto.
fn lambda_table(runtime: &tokio::runtime::Runtime) -> anyhow::Result<Table> {
    let program = build_lambda()?;
    let venv = tools::venv()?;
    let moto = Moto::start(&venv, 0)?;
    let settings = provision::provision_into(&moto.endpoint, "bench")?;
    let rows = runtime.block_on(measure(program, &venv.bin("python"), &settings))?;
    drop(moto);
    let mut table = Table::new(
        "The Lambda against the Python design",
        "Both sides run under the same Runtime API emulator (route_framework::testing::runtime_api)\n\
         against the same moto: this project's `--profile lambda` binary on the aws backend, and\n\
         bench/python-baseline (boto3 clients at import, a dict router). Ratios are Python's\n\
         figure over this project's.",
        &["measure", "this project", "Python design", "ratio"],
    );
    table.rows = rows;
    Ok(table)
}

/// The local server's loads, each against its baseline.
fn load_table(loads: &load::Loads) -> Table {
    let mut table = Table::new(
        "The local server under load",
        &format!(
            "`oha` with {} connections for {} s per run, on the same machine as the servers, in\n\
             {} interleaved rounds of the three runs; each row is its median round, and each ratio\n\
             the median of the rounds' own ratios (a round's runs are seconds apart, so the\n\
             machine's drift weighs on both sides alike), with their range. The local\n\
             server is the `--release` binary on the embedded backend with its JSON request logs\n\
             on (read by the bench), as `cargo run --release` starts it; the bare server is hyper\n\
             alone (route-framework/examples/bare_hyper.rs) giving the same `/health` answer on\n\
             the wire: the body, its content type and an `x-request-id` (fixed) of the same length.",
            load::CONNECTIONS,
            load::SECONDS,
            load::ROUNDS
        ),
        &["request", "server", "requests/s", "p50", "p99", "against"],
    );
    let percent = |ratio: &load::Ratio, of: &str| {
        format!(
            "{:.1}% of {of} (rounds: {:.1}–{:.1}%)",
            100.0 * ratio.median,
            100.0 * ratio.low,
            100.0 * ratio.high
        )
    };
    for (request, server, load, against) in [
        ("`GET /health`", "bare hyper", &loads.bare_health, "–".to_owned()),
        (
            "`GET /health`",
            "local server",
            &loads.health,
            percent(&loads.health_ratio, "bare hyper"),
        ),
        (
            "`GET /goals/{goalId}`, bearer token",
            "local server",
            &loads.goal,
            percent(&loads.goal_ratio, "its `GET /health`"),
        ),
    ] {
        table.push(vec![
            request.to_owned(),
            server.to_owned(),
            format!("{:.0}", load.requests_per_sec),
            format!("{:.2} ms", load.p50_ms),
            format!("{:.2} ms", load.p99_ms),
            against,
        ]);
    }
    table
}

/// The API Gateway 2.0 event of `route_key` on `path`, as the JWT
/// authorizer passes it on for [`USER`] (or the public health event).
pub(crate) fn event(route_key: &str, path: &str, params: Value, client_id: &str) -> anyhow::Result<Value> {
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

/// Every side-by-side measurement: what, this project, the Python design,
/// the ratio.
async fn measure(program: PathBuf, python: &Path, settings: &AwsSettings) -> anyhow::Result<Vec<Vec<String>>> {
    let goal_id = seed_goal(settings).await?;
    let mut env = provision::env_pairs(settings);
    env.push(("AWS_DEFAULT_REGION".to_owned(), settings.region.clone()));
    let rust = Bootstrap {
        program,
        args: Vec::new(),
        env: env.clone(),
        log: None,
    };
    let baseline = project_root().join("bench/python-baseline");
    let py = Bootstrap {
        program: python.to_owned(),
        args: vec![baseline.join("bootstrap.py").display().to_string()],
        env: [env, vec![("PYTHONPATH".to_owned(), baseline.display().to_string())]].concat(),
        log: None,
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
    for (what, rust_event, python_event) in [
        ("`GET /health`", &health, &health),
        (
            "authenticated read against moto (Rust `GET /goals/{goalId}`, Python `GET /goals`)",
            &read_rust,
            &read_python,
        ),
    ] {
        eprintln!("cold starts: {what} ×{SPAWNS} each");
        let (rc, pc) = (
            lambda::cold_starts(&rust, rust_event, 200, SPAWNS).await?,
            lambda::cold_starts(&py, python_event, 200, SPAWNS).await?,
        );
        rows.push(faster(
            &format!("cold start, {what} (spawn → first answer, median of {SPAWNS})"),
            quantile(&rc, 0.5),
            quantile(&pc, 0.5),
        ));
    }
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
    rows.push(vec![
        format!("peak RSS after {INVOCATIONS} invocations"),
        megabytes(rw.peak_rss_kib * 1024),
        megabytes(pw.peak_rss_kib * 1024),
        format!("{:.1}× less", pw.peak_rss_kib as f64 / rw.peak_rss_kib.max(1) as f64),
    ]);
    rows.push(vec![
        "Lambda binary size (`--profile lambda`, stripped)".to_owned(),
        megabytes(stripped_size(&rust.program)?),
        "– (runtime's boto3)".to_owned(),
        "–".to_owned(),
    ]);
    rows.push(vec![
        "container image, compressed".to_owned(),
        "skipped: no docker engine on this machine".to_owned(),
        "–".to_owned(),
        "–".to_owned(),
    ]);
    Ok(rows)
}

/// A row where less time is better.
fn faster(what: &str, rust: Duration, python: Duration) -> Vec<String> {
    vec![
        what.to_owned(),
        millis(rust),
        millis(python),
        format!("{:.1}× faster", python.as_secs_f64() / rust.as_secs_f64().max(1e-9)),
    ]
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

/// The results file: `tables`, each under its title with the date and
/// commit it was measured at, in place of the sections of the same title in
/// `previous` (the file as it was), whose other sections stay.
fn render(tables: &[Table], previous: &str) -> String {
    let stamp = results::stamp();
    let mut out = previous.to_owned();
    for table in tables {
        let mut text = format!("## {}\n\n{stamp}", table.title);
        if !table.intro.is_empty() {
            let _ = write!(text, " {}", table.intro);
        }
        let _ = write!(
            text,
            "\n\n| {} |\n|{}",
            table.header.join(" | "),
            "---|".repeat(table.header.len())
        );
        for row in &table.rows {
            let _ = write!(text, "\n| {} |", row.join(" | "));
        }
        out = results::with_section(&out, table.title, &text);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::{LAMBDA_BINARY_FLAGS, LAMBDA_PACKAGE};
    use crate::util::project_root;

    #[test]
    fn the_image_links_the_lambda_as_the_bench_measures_it() {
        let dockerfile = std::fs::read_to_string(project_root().join("Dockerfile.api-handler")).unwrap();
        let package = LAMBDA_PACKAGE.join(" ");
        let flags = format!("{package} -- {}", LAMBDA_BINARY_FLAGS.join(" "));
        let builds: Vec<&str> = dockerfile.matches("cargo zigbuild rustc").collect();
        assert_eq!(builds.len(), 1, "the application build is `cargo zigbuild rustc`");
        assert!(
            dockerfile.contains(&flags),
            "Dockerfile.api-handler must build with `{flags}`"
        );
        // The dependency layer builds them with the same features.
        assert!(
            dockerfile.contains(&format!("{package}\n")),
            "Dockerfile.api-handler's dependency build must name `{package}`"
        );
    }
}
