//! The Lambda side by side with the Python design it replaces: each
//! bootstrap spawned under the Runtime API emulator and timed from spawn to
//! first answer (cold), then for a run of warm invocations, with its peak
//! resident memory read from `/proc`.

use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use route_framework::testing::runtime_api::{Answer, RuntimeApi};
use serde_json::Value;

use crate::util::Running;

/// How to start one function.
pub(crate) struct Bootstrap {
    /// The program.
    pub(crate) program: PathBuf,
    /// Its arguments.
    pub(crate) args: Vec<String>,
    /// Its environment, beside `AWS_LAMBDA_RUNTIME_API`.
    pub(crate) env: Vec<(String, String)>,
    /// Where its standard error (its log lines) goes; `None`: nowhere.
    pub(crate) log: Option<PathBuf>,
}

impl Bootstrap {
    pub(crate) fn spawn(&self, api: &RuntimeApi) -> anyhow::Result<Running> {
        let stderr = match &self.log {
            Some(path) => {
                Stdio::from(std::fs::File::create(path).with_context(|| format!("cannot create {}", path.display()))?)
            }
            None => Stdio::null(),
        };
        let child = Command::new(&self.program)
            .args(&self.args)
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .envs(self.env.iter().map(|(key, value)| (key, value)))
            .env("AWS_LAMBDA_RUNTIME_API", api.addr().to_string())
            .env("AWS_LAMBDA_FUNCTION_NAME", "bench")
            .env("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "256")
            .env("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(stderr)
            .spawn()
            .with_context(|| format!("cannot start {}", self.program.display()))?;
        Ok(Running(child))
    }
}

/// The answer must be an HTTP response with `status`.
fn expect_status(answer: Answer, status: u64) -> anyhow::Result<()> {
    match answer {
        Answer::Response(response) if response["statusCode"] == status => Ok(()),
        Answer::Response(response) => bail!("expected a {status}, got {response}"),
        Answer::Error(error) => bail!("an invocation error: {error}"),
        Answer::InitError(error) => bail!("the function failed to start: {error}"),
    }
}

/// Spawn → first answer to `event`, `spawns` times, each in a fresh process.
pub(crate) async fn cold_starts(
    bootstrap: &Bootstrap,
    event: &Value,
    status: u64,
    spawns: usize,
) -> anyhow::Result<Vec<Duration>> {
    let mut times = Vec::with_capacity(spawns);
    for _ in 0..spawns {
        let mut api = RuntimeApi::start().await?;
        let started = Instant::now();
        let _function = bootstrap.spawn(&api)?;
        let (elapsed, answer) = api.invoke_timed(event, Some(started)).await?;
        expect_status(answer, status)?;
        times.push(elapsed);
    }
    Ok(times)
}

/// Warm round trips and the memory they leave behind.
pub(crate) struct Warm {
    /// Each invocation's round trip through the emulator.
    pub(crate) round_trips: Vec<Duration>,
    /// `VmHWM` after them: the process's peak resident set, in KiB.
    pub(crate) peak_rss_kib: u64,
}

/// One process answering `event` once to warm up, then `invocations` times.
pub(crate) async fn warm(
    bootstrap: &Bootstrap,
    event: &Value,
    status: u64,
    invocations: usize,
) -> anyhow::Result<Warm> {
    let mut api = RuntimeApi::start().await?;
    let function = bootstrap.spawn(&api)?;
    let answer = api.invoke(event).await?;
    expect_status(answer, status)?;
    let mut round_trips = Vec::with_capacity(invocations);
    for _ in 0..invocations {
        let (elapsed, answer) = api.invoke_timed(event, None).await?;
        expect_status(answer, status)?;
        round_trips.push(elapsed);
    }
    let status_file = format!("/proc/{}/status", function.0.id());
    let text = std::fs::read_to_string(&status_file).with_context(|| format!("cannot read {status_file}"))?;
    let peak_rss_kib = text
        .lines()
        .find_map(|line| line.strip_prefix("VmHWM:"))
        .and_then(|value| value.trim().trim_end_matches("kB").trim().parse().ok())
        .context("no VmHWM in /proc/PID/status")?;
    Ok(Warm {
        round_trips,
        peak_rss_kib,
    })
}

/// The `q`-quantile (0–1) of `times`.
pub(crate) fn quantile(times: &[Duration], q: f64) -> Duration {
    let mut sorted = times.to_vec();
    sorted.sort();
    let index = ((sorted.len().saturating_sub(1)) as f64 * q).round() as usize;
    sorted.get(index).copied().unwrap_or_default()
}
