//! What a soak run prints and writes: the invariants with their counts and
//! examples, the figures (requests, throughput, latency per route,
//! restarts, slow clients, the server's memory and open files), the
//! per-second timeline under `target/soak/BACKEND/`, and with `--record`
//! the backend's soak section of `bench/RESULTS.md`.

use std::fmt::Write as _;
use std::path::Path;
use std::time::Duration;

use anyhow::Context;
use serde_json::{Value, json};

use super::drain::{Drain, LogSummary};
use super::faults::{Event, SlowOutcome};
use super::findings::{Invariant, Tally};
use super::metrics::{self, Counts};
use super::model::Resolutions;
use super::options::{Backend, Options};
use super::proxy::Injected;
use crate::bench::results::{self, RESULTS};
use crate::util::project_root;

/// The title of `backend`'s section in [`RESULTS`].
fn title(backend: Backend) -> &'static str {
    match backend {
        Backend::Embedded => "Soak: embedded backend",
        Backend::Aws => "Soak: aws backend on moto",
    }
}

/// Where `--record` puts the chart of a run on `backend`, beside [`RESULTS`].
pub(super) fn recorded_chart(backend: Backend) -> String {
    format!("bench/soak-{}.svg", backend.name())
}

/// The server's resident memory and open files at one moment.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct Sample {
    /// Seconds since the start.
    pub(super) at: f64,
    /// Which incarnation.
    pub(super) incarnation: u32,
    /// `VmRSS`, in KiB.
    pub(super) rss_kib: u64,
    /// Entries of `/proc/PID/fd`.
    pub(super) files: usize,
}

impl Sample {
    /// As printed.
    fn describe(self) -> String {
        format!(
            "{:.1} MB resident, {} open files (incarnation {}, at {:.0} s)",
            self.rss_kib as f64 * 1024.0 / 1_000_000.0,
            self.files,
            self.incarnation,
            self.at
        )
    }
}

/// Everything a run measured.
#[derive(Debug, Clone)]
pub(super) struct Figures {
    /// The release build's time.
    pub(super) build: Duration,
    /// From the first user to the last user's end.
    pub(super) load_time: Duration,
    /// The final checks' time.
    pub(super) check_time: Duration,
    /// The load's exchanges.
    pub(super) counts: Counts,
    /// Restarts after kills.
    pub(super) restarts: u32,
    /// Incarnations of the server, the first included.
    pub(super) incarnations: u32,
    /// Whether the last one stopped by itself on `SIGTERM`.
    pub(super) stopped_cleanly: bool,
    /// The slow clients.
    pub(super) slow: Vec<SlowOutcome>,
    /// The server after warm-up.
    pub(super) warm: Option<Sample>,
    /// The server at the end of the load.
    pub(super) end: Option<Sample>,
    /// The server every second of the load.
    pub(super) samples: Vec<Sample>,
    /// The drain.
    pub(super) drain: Drain,
    /// The server's logs.
    pub(super) logs: LogSummary,
    /// How writes of unknown outcome turned out.
    pub(super) resolutions: Resolutions,
    /// Idempotent retries: after success, after an unknown outcome.
    pub(super) retries: (u64, u64),
    /// The faults' timeline.
    pub(super) events: Vec<Event>,
    /// Users checked at the end.
    pub(super) users: usize,
    /// What the fault proxy injected (the aws backend).
    pub(super) injected: Option<Injected>,
}

/// One route's row: requests, failures, p50 and p99 in milliseconds.
struct RouteRow {
    route: &'static str,
    requests: u64,
    failures: u64,
    p50: Option<f64>,
    p99: Option<f64>,
}

/// Every route's row.
fn route_rows(counts: &Counts) -> Vec<RouteRow> {
    counts
        .routes
        .iter()
        .map(|(route, figures)| {
            let mut samples = figures.latencies_us.clone();
            let p50 = metrics::quantile(&mut samples, 0.5).map(|us| f64::from(us) / 1_000.0);
            let p99 = metrics::quantile(&mut samples, 0.99).map(|us| f64::from(us) / 1_000.0);
            RouteRow {
                route,
                requests: figures.requests,
                failures: figures.failures,
                p50,
                p99,
            }
        })
        .collect()
}

/// A latency as printed.
fn ms(value: Option<f64>) -> String {
    value.map_or_else(|| "–".to_owned(), |ms| format!("{ms:.2} ms"))
}

/// The whole report, as printed.
pub(super) fn render(options: &Options, figures: &Figures, tallies: &[(Invariant, Tally)]) -> String {
    let mut out = String::new();
    let counts = &figures.counts;
    let requests = counts.requests();
    let seconds = figures.load_time.as_secs_f64().max(1e-9);
    let _ = writeln!(
        out,
        "\nsoak: seed {}, {} users, {} s of load ({:.1} s with the users' last resolutions), {} backend",
        options.seed,
        options.users,
        options.duration.as_secs(),
        seconds,
        options.backend.name()
    );
    let _ = writeln!(out, "\ninvariants:");
    for (invariant, tally) in tallies {
        let verdict = if tally.broken > 0 { "FAIL" } else { "ok  " };
        let _ = writeln!(
            out,
            "  {verdict} {}: {} checked, {} broken",
            invariant.text(),
            tally.checked,
            tally.broken
        );
        for example in &tally.examples {
            let _ = writeln!(out, "         e.g. {example}");
        }
    }
    let _ = writeln!(out, "\nfigures:");
    let _ = writeln!(
        out,
        "  release build: {:.1} s (not in the times below)",
        figures.build.as_secs_f64()
    );
    let _ = writeln!(
        out,
        "  requests: {requests} in {seconds:.1} s ({:.0}/s); answers by status: {}",
        requests as f64 / seconds,
        counts
            .statuses
            .iter()
            .map(|(status, count)| format!("{status}×{count}"))
            .collect::<Vec<_>>()
            .join(" ")
    );
    let _ = writeln!(
        out,
        "  failed exchanges (server down; not errors of the system): {}",
        metrics::describe_failures(&counts.failures)
    );
    if let Some(injected) = &figures.injected {
        let _ = writeln!(
            out,
            "  faults injected by the proxy: {} ({} calls forwarded; moto took over {} s over {} of them)",
            describe_injected(injected),
            injected.forwarded,
            super::proxy::STALL.as_secs(),
            injected.stalls
        );
        let _ = writeln!(
            out,
            "  answers an injected fault explains (retried as outcome unknown): {}",
            describe_explained(counts)
        );
    }
    let resolved: Vec<String> = figures
        .resolutions
        .by_kind
        .iter()
        .map(|(kind, (applied, not))| format!("{kind}: {applied} applied, {not} not"))
        .collect();
    let _ = writeln!(
        out,
        "  writes of unknown outcome, resolved: {}",
        if resolved.is_empty() {
            "none".to_owned()
        } else {
            resolved.join("; ")
        }
    );
    let _ = writeln!(
        out,
        "  idempotent retries: {} after an acknowledged post, {} after an unknown outcome",
        figures.retries.0, figures.retries.1
    );
    let _ = writeln!(
        out,
        "  restarts: {} (kill -9, same port and data directory); {} incarnation(s); the last {} on SIGTERM",
        figures.restarts,
        figures.incarnations,
        if figures.stopped_cleanly {
            "stopped by itself"
        } else {
            "had to be killed"
        }
    );
    for event in &figures.events {
        let _ = writeln!(out, "    {:>6.1} s  {:<11} {}", event.at, event.kind, event.detail);
    }
    let cut = figures.slow.iter().filter(|slow| slow.cut_by_kill).count();
    let _ = writeln!(
        out,
        "  slow clients: {} ({} timed out by the server in time, {cut} cut short by a kill)",
        figures.slow.len(),
        figures.slow.iter().filter(|slow| slow.timed_out).count()
    );
    let _ = writeln!(
        out,
        "  server memory: after warm-up {}; at the end of the load {}",
        figures.warm.map_or_else(|| "not sampled".to_owned(), Sample::describe),
        figures.end.map_or_else(|| "not sampled".to_owned(), Sample::describe)
    );
    let mut peaks: std::collections::BTreeMap<u32, Sample> = std::collections::BTreeMap::new();
    for sample in &figures.samples {
        let peak = peaks.entry(sample.incarnation).or_insert(*sample);
        if sample.rss_kib > peak.rss_kib {
            *peak = *sample;
        }
    }
    for peak in peaks.values() {
        let _ = writeln!(out, "    peak of incarnation {}: {}", peak.incarnation, peak.describe());
    }
    let _ = writeln!(
        out,
        "  drain: {:.1} s ({} event(s) in the outbox when the load ended, {} deliveries meanwhile){}",
        figures.drain.waited.as_secs_f64(),
        figures.drain.outbox_at_start,
        figures.drain.deliveries,
        if figures.drain.drained {
            ""
        } else {
            "; NOT drained in time"
        }
    );
    let _ = writeln!(
        out,
        "  server logs: {} deliveries ({} failed), {} warning(s), {} error(s)",
        figures.logs.deliveries, figures.logs.failed_deliveries, figures.logs.warnings, figures.logs.errors
    );
    for example in &figures.logs.examples {
        let _ = writeln!(out, "    {example}");
    }
    let _ = writeln!(
        out,
        "  final checks: {} users in {:.1} s",
        figures.users,
        figures.check_time.as_secs_f64()
    );
    let _ = writeln!(
        out,
        "\n  {:<44} {:>8} {:>8} {:>10} {:>10}",
        "route", "requests", "failed", "p50", "p99"
    );
    for row in route_rows(counts) {
        let _ = writeln!(
            out,
            "  {:<44} {:>8} {:>8} {:>10} {:>10}",
            row.route,
            row.requests,
            row.failures,
            ms(row.p50),
            ms(row.p99)
        );
    }
    out
}

/// Writes `timeline.json` and `timeline.csv` into `work`: per second, the
/// exchanges, failures, 5xx and p99; and the faults.
pub(super) fn write_timeline(work: &Path, figures: &Figures) -> anyhow::Result<()> {
    let mut csv = String::from("second,requests,failures,server_errors,p99_ms,incarnation,rss_mb,open_files\n");
    let mut seconds = Vec::new();
    for (second, slot) in figures.counts.seconds.iter().enumerate() {
        let mut samples = slot.latencies_us.clone();
        let p99 = metrics::quantile(&mut samples, 0.99).map(|us| f64::from(us) / 1_000.0);
        let server = figures
            .samples
            .iter()
            .rev()
            .find(|sample| sample.at.floor() as usize == second);
        let rss_mb = server.map(|sample| sample.rss_kib as f64 * 1024.0 / 1_000_000.0);
        let _ = writeln!(
            csv,
            "{second},{},{},{},{},{},{},{}",
            slot.requests,
            slot.failures,
            slot.server_errors,
            p99.map_or_else(String::new, |p99| format!("{p99:.3}")),
            server.map_or_else(String::new, |sample| sample.incarnation.to_string()),
            rss_mb.map_or_else(String::new, |rss| format!("{rss:.1}")),
            server.map_or_else(String::new, |sample| sample.files.to_string()),
        );
        seconds.push(json!({
            "second": second, "requests": slot.requests, "failures": slot.failures,
            "serverErrors": slot.server_errors, "p99Ms": p99,
            "incarnation": server.map(|sample| sample.incarnation), "rssMb": rss_mb,
            "openFiles": server.map(|sample| sample.files),
        }));
    }
    let events: Vec<Value> = figures
        .events
        .iter()
        .map(|event| json!({ "at": event.at, "kind": event.kind, "detail": event.detail }))
        .collect();
    let document = json!({ "seconds": seconds, "faults": events });
    let text = serde_json::to_string_pretty(&document).context("cannot render the timeline")?;
    std::fs::write(work.join("timeline.json"), text).context("cannot write timeline.json")?;
    std::fs::write(work.join("timeline.csv"), csv).context("cannot write timeline.csv")?;
    Ok(())
}

/// Writes the figures as the backend's soak section of [`RESULTS`], in
/// place of the one there (the other sections stay as they are).
pub(super) fn record(options: &Options, figures: &Figures) -> anyhow::Result<()> {
    let path = project_root().join(RESULTS);
    let previous = std::fs::read_to_string(&path).unwrap_or_default();
    let text = results::with_section(&previous, title(options.backend), &section(options, figures));
    std::fs::write(&path, text).with_context(|| format!("cannot write {RESULTS}"))
}

/// Faults injected, by kind.
fn describe_injected(injected: &Injected) -> String {
    listed(
        injected
            .by_kind
            .iter()
            .map(|(kind, count)| format!("{} {count}", kind.name())),
    )
}

/// Answers an injected fault explains, by kind and status.
fn describe_explained(counts: &Counts) -> String {
    listed(
        counts
            .explained
            .iter()
            .map(|((kind, status), count)| format!("{status} × {count} ({})", kind.name())),
    )
}

/// `parts` joined with commas, or `none`.
fn listed(parts: impl Iterator<Item = String>) -> String {
    let parts: Vec<String> = parts.collect();
    if parts.is_empty() {
        "none".to_owned()
    } else {
        parts.join(", ")
    }
}

/// The backend's soak section.
fn section(options: &Options, figures: &Figures) -> String {
    let counts = &figures.counts;
    let seconds = figures.load_time.as_secs_f64().max(1e-9);
    let (setting, faults) = match options.backend {
        Backend::Embedded => (
            "on the embedded backend",
            "`kill -9` of the server about once a minute (restarted on the same data directory) and slow clients",
        ),
        Backend::Aws => (
            "on the aws backend, DynamoDB, Cognito, S3 and SQS on moto behind the fault proxy,",
            "DynamoDB throttling and 5xx bursts, dropped connections (half of them after the call was served), SQS outages of 10 to 30 s, \
             Cognito throttling and S3 5xx, each once a minute, with `kill -9` of the server about once a minute (restarted on the same resources) \
             and slow clients",
        ),
    };
    let chart = recorded_chart(options.backend);
    let chart = chart.trim_start_matches("bench/");
    let mut text = format!(
        "## {}\n\n{} On {}: `cargo xtask soak --backend {} --seconds {} --users {} --seed {} --record`: \
         the `--release` server {setting} with its jobs and consumer loop, {} simulated users \
         (goals, progress with and without `Idempotency-Key`, stats, attachments, the inbox, the account's \
         routes); faults: {faults}. Every invariant held once the queue had drained.\n\n\
         ![Throughput and p99 latency per second, the faults shaded]({chart})\n\n| measure | value |\n|---|---|",
        title(options.backend),
        results::stamp(),
        results::machine(),
        options.backend.name(),
        options.duration.as_secs(),
        options.users,
        options.seed,
        options.users
    );
    let failures: u64 = counts.failures.values().sum();
    let mut rows = vec![
        (
            "requests",
            format!("{} ({:.0}/s)", counts.requests(), counts.requests() as f64 / seconds),
        ),
        ("failed exchanges (server down, connection cut)", failures.to_string()),
        ("5xx answers", counts.server_errors().to_string()),
    ];
    if let Some(injected) = &figures.injected {
        rows.push((
            "faults injected (calls failed by the proxy)",
            describe_injected(injected),
        ));
        rows.push(("answers an injected fault explains", describe_explained(counts)));
        rows.push((
            "calls moto took over 2 s over (measured, not injected)",
            injected.stalls.to_string(),
        ));
    }
    rows.extend([
        ("restarts after `kill -9`", figures.restarts.to_string()),
        (
            "slow clients timed out",
            format!(
                "{} of {}",
                figures.slow.iter().filter(|slow| slow.timed_out).count(),
                figures.slow.len()
            ),
        ),
        (
            "server after warm-up",
            figures.warm.map_or_else(|| "–".to_owned(), Sample::describe),
        ),
        (
            "server at the end (last incarnation)",
            figures.end.map_or_else(|| "–".to_owned(), Sample::describe),
        ),
        (
            "drain after the load",
            format!("{:.1} s", figures.drain.waited.as_secs_f64()),
        ),
    ]);
    for (measure, value) in rows {
        let _ = write!(text, "\n| {measure} | {value} |");
    }
    let _ = write!(text, "\n\n| route | requests | p50 | p99 |\n|---|---|---|---|");
    for row in route_rows(counts) {
        let _ = write!(
            text,
            "\n| `{}` | {} | {} | {} |",
            row.route,
            row.requests,
            ms(row.p50),
            ms(row.p99)
        );
    }
    text
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::soak::metrics::RouteFigures;

    /// The figures of a made-up run.
    fn figures() -> Figures {
        let mut counts = Counts::default();
        counts.routes.insert(
            "GET /goals",
            RouteFigures {
                requests: 3,
                failures: 1,
                latencies_us: vec![1_000, 2_000],
            },
        );
        counts.statuses.insert(200, 2);
        let sample = Sample {
            at: 15.0,
            incarnation: 1,
            rss_kib: 10_000,
            files: 20,
        };
        Figures {
            build: Duration::from_secs(3),
            load_time: Duration::from_secs(60),
            check_time: Duration::from_secs(1),
            counts,
            restarts: 1,
            incarnations: 2,
            stopped_cleanly: true,
            slow: Vec::new(),
            warm: Some(sample),
            end: None,
            samples: vec![sample],
            drain: Drain {
                waited: Duration::from_secs(3),
                outbox_at_start: 0,
                deliveries: 5,
                drained: true,
            },
            logs: LogSummary::default(),
            resolutions: Resolutions::default(),
            retries: (2, 1),
            events: Vec::new(),
            users: 1,
            injected: None,
        }
    }

    #[test]
    fn the_section_has_the_figures_and_a_row_per_route() {
        let options = Options::parse(&["--seconds", "60", "--users", "1", "--seed", "9"]).unwrap();
        let text = section(&options, &figures());
        assert!(text.starts_with("## Soak: embedded backend\n\nMeasured "), "{text}");
        assert!(text.contains("`cargo xtask soak --backend embedded --seconds 60 --users 1 --seed 9 --record`"));
        assert!(text.contains("(soak-embedded.svg)"), "{text}");
        assert!(!text.contains("faults injected"), "{text}");
        assert!(text.contains("| requests | 3 (0/s) |"), "{text}");
        assert!(text.contains("| `GET /goals` | 3 | 1.00 ms | 2.00 ms |"), "{text}");
        let printed = render(&options, &figures(), &[]);
        assert!(
            printed.contains("peak of incarnation 1: 10.2 MB resident, 20 open files"),
            "{printed}"
        );
    }

    #[test]
    fn the_aws_section_counts_the_faults_by_kind() {
        use crate::soak::proxy::Kind;
        let options = Options::parse(&["--backend", "aws", "--seconds", "60", "--seed", "9"]).unwrap();
        let mut figures = figures();
        let mut injected = Injected::default();
        injected.by_kind.insert(Kind::SqsOutage, 40);
        injected.by_kind.insert(Kind::DynamoThrottling, 7);
        figures.injected = Some(injected);
        figures.counts.explained.insert((Kind::DynamoThrottling, 503), 2);
        let text = section(&options, &figures);
        assert!(text.starts_with("## Soak: aws backend on moto\n"), "{text}");
        assert!(
            text.contains("| faults injected (calls failed by the proxy) | DynamoDB throttling 7, SQS outage 40 |"),
            "{text}"
        );
        assert!(
            text.contains("| answers an injected fault explains | 503 × 2 (DynamoDB throttling) |"),
            "{text}"
        );
    }
}
