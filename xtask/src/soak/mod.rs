//! `cargo xtask soak`: the release server with its consumer loop and jobs,
//! driven by simulated users for a while under faults drawn from a seed,
//! then, once the faults have stopped and the queue has drained, every
//! invariant checked and printed with its count; the command fails naming
//! each broken one, with examples.
//!
//! On both backends the server is killed with `kill -9` about once a minute
//! (restarted on the same data directory or resources) and slow clients
//! hold connections. On the aws backend moto stands in for AWS, behind the
//! fault proxy ([`proxy`]): DynamoDB throttling and 5xx bursts, dropped
//! connections, SQS outages, Cognito throttling and S3 5xx, on a schedule
//! drawn from the seed. The users, the record and the checks talk HTTP
//! only, but for the store's final reads in [`drain`].
//!
//! Everything a run writes goes under `target/soak/BACKEND/`: the data
//! directory, each incarnation's log, `timeline.json` and `timeline.csv`
//! (requests, throughput and p99 per second, and the faults) and their
//! chart, `soak.svg`. `--record` also writes the figures as the backend's
//! soak section of `bench/RESULTS.md`, with the chart beside it as
//! `bench/soak-BACKEND.svg`.

mod attachments;
mod aws;
mod chart;
mod check;
mod client;
mod drain;
mod exchange;
mod faults;
mod findings;
mod goals;
mod inbox;
mod lifecycle;
mod metrics;
mod model;
mod options;
mod progress;
mod proxy;
mod report;
mod server;
mod session;
mod stats;
mod user;

use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};

use self::findings::{Findings, Invariant};
use self::metrics::Metrics;
use self::options::Options;
use self::proxy::FaultProxy;
use self::report::{Figures, Sample};
use self::server::Server;
use self::user::{Shared, User};
use crate::tools;
use crate::util::project_root;

/// How long users may go on resolving writes of unknown outcome after the
/// end of the run.
const RESOLVING: Duration = Duration::from_secs(60);
/// The chart's name under `target/soak/`.
const CHART: &str = "soak.svg";
/// How often the progress line is printed.
const PROGRESS_EVERY: Duration = Duration::from_secs(5);

/// Runs `cargo xtask soak` with `args` (after `soak`).
pub(crate) fn run(args: &[&str]) -> anyhow::Result<()> {
    let options = Options::parse(args)?;
    let build = server::build()?;
    eprintln!("soak: release build took {:.1} s", build.as_secs_f64());
    let work = tools::fresh_dir(project_root().join("target/soak").join(options.backend.name()))?;
    let emulator = match options.backend {
        options::Backend::Aws => Some(aws::Emulator::start()?),
        options::Backend::Embedded => None,
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start an async runtime")?;
    let findings = Arc::new(Findings::default());
    let mut figures = runtime.block_on(soak(&options, &work, Arc::clone(&findings), emulator.as_ref()))?;
    drop(runtime);
    drop(emulator);
    figures.build = build;
    let tallies = findings.snapshot();
    print!("{}", report::render(&options, &figures, &tallies));
    report::write_timeline(&work, &figures)?;
    let chart = work.join(CHART);
    chart::draw(&chart, &figures.counts.seconds, &figures.events)?;
    eprintln!(
        "soak: wrote {}, {} and {}",
        work.join("timeline.json").display(),
        work.join("timeline.csv").display(),
        chart.display()
    );
    let broken: Vec<&str> = tallies
        .iter()
        .filter(|(_, tally)| tally.broken > 0)
        .map(|(invariant, _)| invariant.name())
        .collect();
    if !broken.is_empty() {
        bail!(
            "the soak broke {} invariant(s): {} (examples above; the logs are in {})",
            broken.len(),
            broken.join(", "),
            work.display()
        );
    }
    if options.record {
        let recorded = report::recorded_chart(options.backend);
        let path = project_root().join(&recorded);
        std::fs::copy(&chart, &path).with_context(|| format!("cannot copy the chart to {}", path.display()))?;
        report::record(&options, &figures)?;
        eprintln!(
            "soak: wrote the {} backend's section of {} and {recorded}",
            options.backend.name(),
            crate::bench::results::RESULTS
        );
    }
    Ok(())
}

/// The run itself: server, users, faults, drain, checks; the figures.
async fn soak(
    options: &Options,
    work: &std::path::Path,
    findings: Arc<Findings>,
    emulator: Option<&aws::Emulator>,
) -> anyhow::Result<Figures> {
    let proxy = match emulator {
        Some(emulator) => {
            let windows = proxy::schedule(options.seed, options.duration);
            Some(FaultProxy::start(emulator.endpoint(), windows, options.seed).await?)
        }
        None => None,
    };
    let env = match (emulator, &proxy) {
        (Some(emulator), Some(proxy)) => emulator.server_env(&proxy.endpoint),
        _ => Vec::new(),
    };
    let port = server::free_port()?;
    let server = Server::start(work, port, env)?;
    let addr = server.addr();
    let data = server.data_dir().to_path_buf();
    let server = Arc::new(Mutex::new(server));
    let first_health = server::wait_healthy(addr).await?;
    let faults = match &proxy {
        Some(proxy) => format!(
            "kill -9, slow clients and {} fault windows of the proxy in front of moto",
            proxy.windows().len()
        ),
        None => "kill -9 and slow clients".to_owned(),
    };
    eprintln!(
        "soak: seed {} (repeat with --seed {0}), {} users for {} s against {addr} ({} backend, up in {} ms); faults: {faults}",
        options.seed,
        options.users,
        options.duration.as_secs(),
        options.backend.name(),
        first_health.as_millis()
    );
    let started = Instant::now();
    if let Some(proxy) = &proxy {
        proxy.begin(started);
    }
    let stop_at = started + options.duration;
    let incarnation = Arc::new(AtomicU32::new(1));
    let shared = Arc::new(Shared {
        findings: Arc::clone(&findings),
        incarnation: Arc::clone(&incarnation),
        stop_at,
        give_up_at: stop_at + RESOLVING,
        seed: options.seed,
        confirm: proxy.is_some(),
    });
    let metrics = Arc::new(Metrics::new(started));
    let timeline = Arc::new(faults::Timeline::new(started));
    let schedule = faults::schedule(options.seed, options.duration);

    let mut users = tokio::task::JoinSet::new();
    for index in 0..options.users {
        let client = client::Client::new(addr, client::source_address(index), Arc::clone(&metrics), proxy.clone());
        let user = User::new(index, client, Arc::clone(&shared));
        // Arrivals spread over the first two seconds.
        let delay = Duration::from_millis(u64::try_from(index).unwrap_or(0) * 2_000 / options.users.max(1) as u64);
        users.spawn(async move {
            tokio::time::sleep(delay).await;
            user.run().await
        });
    }
    let kills = tokio::spawn(faults::kill_and_restart(
        Arc::clone(&server),
        schedule.kills.clone(),
        started,
        stop_at,
        Arc::clone(&incarnation),
        Arc::clone(&timeline),
    ));
    let slow = tokio::spawn(faults::slow_clients(
        addr,
        schedule.slow.clone(),
        started,
        Arc::clone(&timeline),
    ));

    // The progress line, and the server's figures after warm-up.
    let watching = Arc::new(AtomicBool::new(true));
    let watcher = tokio::spawn(watch(Watch {
        metrics: Arc::clone(&metrics),
        findings: Arc::clone(&findings),
        incarnation: Arc::clone(&incarnation),
        server: Arc::clone(&server),
        started,
        warm_at: started + (options.duration / 3).min(Duration::from_secs(15)),
        watching: Arc::clone(&watching),
    }));
    let mut done = Vec::with_capacity(options.users);
    let deadline = tokio::time::Instant::from_std(stop_at + RESOLVING + Duration::from_secs(30));
    while let Ok(Some(joined)) = tokio::time::timeout_at(deadline, users.join_next()).await {
        match joined {
            Ok(user) => done.push(user),
            Err(err) => findings.broke(Invariant::ExpectedStatus, format!("a user task failed: {err}")),
        }
    }
    let restarts = match kills.await {
        Ok(result) => result?,
        Err(err) => bail!("the fault task failed: {err}"),
    };
    watching.store(false, Ordering::Relaxed);
    let (warm, samples) = watcher.await.unwrap_or_default();
    users.abort_all();
    let load_time = started.elapsed();
    let counts = metrics.snapshot();
    let mut slow_outcomes = slow.await.unwrap_or_default();
    for outcome in &mut slow_outcomes {
        // A kill shortly after its end may be what ended it.
        outcome.cut_by_kill = timeline.killed_between(outcome.from, outcome.to + 1.0);
    }
    let end = sample(&server, started);
    eprintln!(
        "soak: load over after {:.1} s; {} restart(s); waiting for the outbox and the consumers to drain",
        load_time.as_secs_f64(),
        restarts
    );

    if let Some(proxy) = &proxy {
        for (n, window) in proxy.windows().iter().enumerate() {
            let name = format!("fault {} ({})", n + 1, window.kind.name());
            timeline.push_at(window.from.as_secs_f64(), "fault-start", name.clone());
            timeline.push_at(window.to.as_secs_f64(), "fault-end", name);
        }
    }
    let store = match emulator {
        Some(emulator) => emulator.store().await?,
        None => drain::embedded(&data)?,
    };
    let (last_log, mut settled_from) = {
        let server = server.lock().unwrap_or_else(PoisonError::into_inner);
        (server.log_of(server.incarnation()), last_start(&timeline, started))
    };
    if proxy.is_some() {
        // A delete the proxy failed leaves its message leased until its
        // visibility timeout, whichever incarnation leased it.
        settled_from = settled_from.max(stop_at);
    }
    let drained = drain::wait(&store, &last_log, settled_from).await?;
    eprintln!(
        "soak: drained in {:.1} s ({} event(s) in the outbox at first, {} deliveries meanwhile){}; checking",
        drained.waited.as_secs_f64(),
        drained.outbox_at_start,
        drained.deliveries,
        if drained.drained {
            ""
        } else {
            ", NOT drained within the bound"
        }
    );
    let check_started = Instant::now();
    let mut checks = tokio::task::JoinSet::new();
    for user in done {
        checks.spawn(user.final_check());
    }
    let mut users = Vec::with_capacity(options.users);
    while let Some(joined) = checks.join_next().await {
        match joined {
            Ok(user) => users.push(user),
            Err(err) => findings.broke(Invariant::ExpectedStatus, format!("a final check failed: {err}")),
        }
    }
    let check_time = check_started.elapsed();
    let (stopped, incarnations, logs) = {
        let mut server = server.lock().unwrap_or_else(PoisonError::into_inner);
        let stopped = server.stop()?;
        let incarnations = server.incarnation();
        let logs: Vec<_> = (1..=incarnations).map(|n| server.log_of(n)).collect();
        (stopped, incarnations, logs)
    };
    drain::check_store(&store, &findings).await?;
    let departed: Vec<String> = users
        .iter()
        .flat_map(|user| user.departed.iter().map(|departed| departed.user_id.clone()))
        .collect();
    drain::check_purged(&store, &departed, &findings).await?;
    judge_slow_clients(&slow_outcomes, &findings);
    let answered: u64 = counts.statuses.values().sum();
    let unexplained = counts.unexplained_server_errors();
    findings.held(Invariant::NoServerErrors, answered.saturating_sub(unexplained));
    for n in 0..unexplained {
        let example = counts.server_error_examples.get(n as usize).cloned();
        findings.broke(
            Invariant::NoServerErrors,
            example.unwrap_or_else(|| "a 5xx answer no injected fault explains".to_owned()),
        );
    }
    let mut resolutions = model::Resolutions::default();
    let (mut after_success, mut after_unknown) = (0, 0);
    for user in &users {
        for (kind, (applied, not_applied)) in &user.model.resolutions.by_kind {
            let slot = resolutions.by_kind.entry(*kind).or_default();
            slot.0 += applied;
            slot.1 += not_applied;
        }
        after_success += user.model.retries.0;
        after_unknown += user.model.retries.1;
    }
    Ok(Figures {
        build: Duration::ZERO,
        load_time,
        check_time,
        counts,
        restarts,
        incarnations,
        stopped_cleanly: stopped,
        slow: slow_outcomes,
        warm,
        end,
        samples,
        drain: drained,
        logs: drain::summarize(&logs),
        resolutions,
        retries: (after_success, after_unknown),
        events: timeline.events(),
        users: users.len(),
        injected: proxy.as_ref().map(FaultProxy::injected),
    })
}

/// What the progress line watches.
struct Watch {
    metrics: Arc<Metrics>,
    findings: Arc<Findings>,
    incarnation: Arc<AtomicU32>,
    server: Arc<Mutex<Server>>,
    started: Instant,
    warm_at: Instant,
    watching: Arc<AtomicBool>,
}

/// Prints the progress line every [`PROGRESS_EVERY`] until told to stop,
/// and samples the server every second; the sample after warm-up, and
/// all of them.
async fn watch(watch: Watch) -> (Option<Sample>, Vec<Sample>) {
    let mut warm = None;
    let mut samples = Vec::new();
    let mut next_line = watch.started + PROGRESS_EVERY;
    let mut next_sample = watch.started;
    while watch.watching.load(Ordering::Relaxed) {
        tokio::time::sleep(Duration::from_millis(250)).await;
        if Instant::now() >= next_sample {
            next_sample += Duration::from_secs(1);
            let now = sample(&watch.server, watch.started);
            if warm.is_none() && Instant::now() >= watch.warm_at {
                warm = now;
            }
            samples.extend(now);
        }
        if Instant::now() >= next_line {
            next_line += PROGRESS_EVERY;
            let (requests, failures, server_errors, explained) = watch.metrics.totals();
            let elapsed = watch.started.elapsed().as_secs_f64();
            eprintln!(
                "soak: {elapsed:>5.0} s  {requests} requests ({:.0}/s)  failures: {}  5xx: {server_errors}  \
                 answers of injected faults: {explained}  broken checks: {}  incarnation {}",
                requests as f64 / elapsed.max(1e-9),
                metrics::describe_failures(&failures),
                watch.findings.broken(),
                watch.incarnation.load(Ordering::Relaxed)
            );
        }
    }
    (warm, samples)
}

/// The running incarnation's resident memory and open files, now.
fn sample(server: &Mutex<Server>, started: Instant) -> Option<Sample> {
    let server = server.lock().unwrap_or_else(PoisonError::into_inner);
    let (rss_kib, files) = server::process_figures(server.pid()?)?;
    Some(Sample {
        at: started.elapsed().as_secs_f64(),
        incarnation: server.incarnation(),
        rss_kib,
        files,
    })
}

/// When the running incarnation started: its restart on the timeline, or
/// the start of the run.
fn last_start(timeline: &faults::Timeline, started: Instant) -> Instant {
    timeline
        .events()
        .iter()
        .rev()
        .find(|event| event.kind == "restarted")
        .map_or(started, |event| started + Duration::from_secs_f64(event.at))
}

/// Counts each slow client: timed out in time, unless a kill cut it short.
fn judge_slow_clients(outcomes: &[faults::SlowOutcome], findings: &Findings) {
    for outcome in outcomes.iter().filter(|outcome| !outcome.cut_by_kill) {
        findings.check(Invariant::SlowClients, outcome.timed_out, || {
            format!(
                "slow client ({:?}) from {:.1} s to {:.1} s: {}",
                outcome.kind, outcome.from, outcome.to, outcome.detail
            )
        });
    }
}
