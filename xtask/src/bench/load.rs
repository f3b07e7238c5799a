//! The local server under load: the `--release` binary on the embedded
//! backend, as `cargo run --release` starts it (JSON request logs on),
//! driven by `oha` at a fixed concurrency for a fixed time, next to a bare
//! hyper server returning the same `/health` body in the same run.

use std::io::{BufRead, BufReader, Read};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use anyhow::{Context, bail};
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper_util::rt::TokioIo;
use serde_json::{Value, json};

use crate::tools;
use crate::util::{self, Running, project_root};

/// The load generator, installed into `target/tools` on first use.
const OHA: &str = "oha@1.16.0";
/// Connections held open by the load generator.
pub(crate) const CONNECTIONS: usize = 32;
/// How long each load runs.
pub(crate) const SECONDS: u64 = 5;
/// Rounds of the three loads, interleaved so that the machine's drift
/// (other tenants, frequency) weighs on each alike; each row is the median
/// round.
pub(crate) const ROUNDS: usize = 5;

/// What one load run measured.
pub(crate) struct Load {
    /// Responses per second, all of them the expected status.
    pub(crate) requests_per_sec: f64,
    /// Median latency, in milliseconds.
    pub(crate) p50_ms: f64,
    /// 99th percentile latency, in milliseconds.
    pub(crate) p99_ms: f64,
}

/// One load's throughput against its baseline's, round by round.
pub(crate) struct Ratio {
    /// The median of the rounds' ratios.
    pub(crate) median: f64,
    /// The lowest round's.
    pub(crate) low: f64,
    /// The highest round's.
    pub(crate) high: f64,
}

impl Ratio {
    /// `runs` against `baseline`, paired by round: the runs of one round
    /// are seconds apart, so the machine's drift between rounds weighs on
    /// both sides of each ratio alike.
    fn paired(runs: &[Load], baseline: &[Load]) -> Ratio {
        let mut ratios: Vec<f64> = runs
            .iter()
            .zip(baseline)
            .map(|(run, base)| run.requests_per_sec / base.requests_per_sec.max(1e-9))
            .collect();
        ratios.sort_by(f64::total_cmp);
        Ratio {
            median: ratios.get(ratios.len() / 2).copied().unwrap_or(0.0),
            low: ratios.first().copied().unwrap_or(0.0),
            high: ratios.last().copied().unwrap_or(0.0),
        }
    }
}

/// The median runs of one bench, and the ratios.
pub(crate) struct Loads {
    /// `GET /health` from the bare hyper server.
    pub(crate) bare_health: Load,
    /// `GET /health` from the local server.
    pub(crate) health: Load,
    /// An authenticated `GET /goals/{goalId}` from the local server.
    pub(crate) goal: Load,
    /// The local `GET /health` against bare hyper's.
    pub(crate) health_ratio: Ratio,
    /// The authenticated read against the local `GET /health`.
    pub(crate) goal_ratio: Ratio,
}

/// Builds what it needs, then loads the bare server and the local server.
pub(crate) fn measure(runtime: &tokio::runtime::Runtime) -> anyhow::Result<Loads> {
    let oha = install_oha()?;
    util::cargo(&["build", "--release", "--package", "api-handler", "--bin", "api-handler"])?;
    util::cargo(&[
        "build",
        "--release",
        "--package",
        "route-framework",
        "--example",
        "bare_hyper",
    ])?;
    let data = project_root().join("target/bench-data");
    let _ = std::fs::remove_dir_all(&data);
    let measured = local_server(&data).and_then(|(server, addr)| {
        let (health_body, token, goal_id) = runtime.block_on(seed(addr))?;
        let (bare, bare_addr) = bare_server(&health_body)?;
        let goal_path = format!("/goals/{goal_id}");
        let mut runs: [Vec<Load>; 3] = Default::default();
        for round in 1..=ROUNDS {
            eprintln!(
                "load: round {round} of {ROUNDS}, {CONNECTIONS} connections for {SECONDS} s each: bare hyper \
                 GET /health, then the local server's GET /health and authenticated GET /goals/{{goalId}}"
            );
            runs[0].push(run_oha(&oha, bare_addr, "/health", None)?);
            runs[1].push(run_oha(&oha, addr, "/health", None)?);
            runs[2].push(run_oha(&oha, addr, &goal_path, Some(&token))?);
        }
        drop(bare);
        drop(server);
        let health_ratio = Ratio::paired(&runs[1], &runs[0]);
        let goal_ratio = Ratio::paired(&runs[2], &runs[1]);
        let [bare_health, health, goal] = runs.map(median);
        Ok(Loads {
            bare_health,
            health,
            goal,
            health_ratio,
            goal_ratio,
        })
    });
    let _ = std::fs::remove_dir_all(&data);
    measured
}

/// The run of median throughput.
fn median(mut runs: Vec<Load>) -> Load {
    runs.sort_by(|a, b| a.requests_per_sec.total_cmp(&b.requests_per_sec));
    runs.swap_remove(runs.len() / 2)
}

/// `oha`, from `target/tools` (installed there with `cargo install` first).
fn install_oha() -> anyhow::Result<PathBuf> {
    let (name, version) = OHA.split_once('@').context("OHA names a version")?;
    tools::cargo_installed(name, version, "the load generator")
}

/// The release binary as a local server on a free port, data in `data`.
fn local_server(data: &Path) -> anyhow::Result<(Running, SocketAddr)> {
    let mut child = Command::new(project_root().join("target/release/api-handler"))
        .args(["--port", "0", "--data-dir"])
        .arg(data)
        .env_remove("AWS_LAMBDA_RUNTIME_API")
        .env_remove("APP_BACKEND")
        .env_remove("HOST")
        .env_remove("PORT")
        .env("RUST_LOG", "info")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .context("cannot start target/release/api-handler")?;
    let stderr = child.stderr.take().context("the server's stderr")?;
    let running = Running(child);
    let mut reader = BufReader::new(stderr);
    // The server logs its address in its first lines; the rest are drained
    // (and dropped) so that its logging never blocks on a full pipe.
    for _ in 0..20 {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap_or(0) == 0 {
            break;
        }
        let log: Value = serde_json::from_str(&line).unwrap_or(Value::Null);
        if let Some(address) = log["address"].as_str() {
            let addr = address.parse().context("the logged address")?;
            // Read in large pieces, as a log collector would: the bench's own
            // reading should take as little of the shared CPU as it can.
            std::thread::spawn(move || {
                let mut piece = vec![0; 1 << 20];
                while reader.read(&mut piece).is_ok_and(|read| read > 0) {}
            });
            return Ok((running, addr));
        }
    }
    bail!("the local server did not log its address")
}

/// The bare hyper example answering `body`.
fn bare_server(body: &str) -> anyhow::Result<(Running, SocketAddr)> {
    let mut child = Command::new(project_root().join("target/release/examples/bare_hyper"))
        .arg(body)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .context("cannot start the bare_hyper example")?;
    // Its stdin stays with the child, open until the server is stopped.
    let stdout = child.stdout.take().context("the bare server's stdout")?;
    let running = Running(child);
    let mut line = String::new();
    BufReader::new(stdout)
        .read_line(&mut line)
        .context("the bare server's address")?;
    let addr = line
        .trim()
        .parse()
        .with_context(|| format!("not an address: {line:?}"))?;
    Ok((running, addr))
}

/// One request over a fresh connection: the status and the body.
async fn call(
    addr: SocketAddr,
    method: http::Method,
    path: &str,
    token: Option<&str>,
    body: Option<Value>,
) -> anyhow::Result<(http::StatusCode, Bytes)> {
    let stream = tokio::net::TcpStream::connect(addr).await?;
    let (mut sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream)).await?;
    tokio::spawn(connection);
    let mut request = http::Request::builder()
        .method(method)
        .uri(path)
        .header(http::header::HOST, addr.to_string());
    if let Some(token) = token {
        request = request.header(http::header::AUTHORIZATION, format!("Bearer {token}"));
    }
    let body = match body {
        Some(body) => {
            request = request.header(http::header::CONTENT_TYPE, "application/json");
            Bytes::from(body.to_string())
        }
        None => Bytes::new(),
    };
    let response = sender.send_request(request.body(Full::new(body))?).await?;
    let status = response.status();
    Ok((status, response.into_body().collect().await?.to_bytes()))
}

/// The same call, which must answer `expected`; its body as JSON.
async fn call_json(
    addr: SocketAddr,
    method: http::Method,
    path: &str,
    token: Option<&str>,
    body: Option<Value>,
    expected: u16,
) -> anyhow::Result<Value> {
    let (status, bytes) = call(addr, method.clone(), path, token, body).await?;
    if status.as_u16() != expected {
        bail!(
            "{method} {path} answered {status}, not {expected}: {}",
            String::from_utf8_lossy(&bytes)
        );
    }
    serde_json::from_slice(&bytes).with_context(|| format!("{method} {path} did not answer JSON"))
}

/// The `/health` body, then a registered user's access token and one of
/// their goals, made through the server's own routes.
async fn seed(addr: SocketAddr) -> anyhow::Result<(String, String, String)> {
    let (status, health) = call(addr, http::Method::GET, "/health", None, None).await?;
    if status != http::StatusCode::OK {
        bail!("GET /health answered {status}");
    }
    let credentials = json!({ "email": "bench@example.com", "password": "Bench-pass-1" });
    call_json(
        addr,
        http::Method::POST,
        "/auth/register",
        None,
        Some(credentials.clone()),
        201,
    )
    .await?;
    let login = call_json(addr, http::Method::POST, "/auth/login", None, Some(credentials), 200).await?;
    let token = login["accessToken"].as_str().context("an access token")?.to_owned();
    let goal = json!({
        "title": "Swim",
        "category": "fitness",
        "target": { "value": 10, "unit": "km" },
        "period": "weekly",
    });
    let goal = call_json(addr, http::Method::POST, "/goals", Some(&token), Some(goal), 201).await?;
    let goal_id = goal["goalId"].as_str().context("a goal id")?.to_owned();
    let health = String::from_utf8(health.to_vec()).context("the /health body is not UTF-8")?;
    Ok((health, token, goal_id))
}

/// `oha` against `http://{addr}{path}`: every response must be a 200.
fn run_oha(oha: &Path, addr: SocketAddr, path: &str, token: Option<&str>) -> anyhow::Result<Load> {
    let mut command = Command::new(oha);
    command.args(["--no-tui", "--output-format", "json"]).args([
        "-c",
        &CONNECTIONS.to_string(),
        "-z",
        &format!("{SECONDS}s"),
    ]);
    if let Some(token) = token {
        command.args(["-H", &format!("Authorization: Bearer {token}")]);
    }
    let output = command
        .arg(format!("http://{addr}{path}"))
        .stdin(Stdio::null())
        .output()
        .context("cannot run oha")?;
    if !output.status.success() {
        bail!("oha failed: {}", String::from_utf8_lossy(&output.stderr));
    }
    let report: Value = serde_json::from_slice(&output.stdout).context("oha's JSON report")?;
    let statuses = &report["statusCodeDistribution"];
    let total: u64 = statuses
        .as_object()
        .map(|statuses| statuses.values().filter_map(Value::as_u64).sum())
        .unwrap_or(0);
    if total == 0 || statuses["200"].as_u64() != Some(total) {
        bail!(
            "GET {path}: not every response was a 200: {statuses}, errors {}",
            report["errorDistribution"]
        );
    }
    let seconds = |key: &str| {
        report["latencyPercentiles"][key]
            .as_f64()
            .context("oha's latency percentiles")
    };
    Ok(Load {
        requests_per_sec: report["summary"]["requestsPerSec"]
            .as_f64()
            .context("oha's request rate")?,
        p50_ms: seconds("p50")? * 1_000.0,
        p99_ms: seconds("p99")? * 1_000.0,
    })
}
