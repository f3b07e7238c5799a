//! The faults, on a schedule drawn from the seed: `kill -9` of the server
//! about once a minute (at least once in any run), each followed by a
//! restart on the same port and data directory; and slow clients (headers
//! dribbled, a body sent slowly) that the server must time out. Every
//! fault goes on the timeline.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};

use super::server::{self, BODY_TIMEOUT_SECS, HEADER_TIMEOUT_SECS, Server};

/// How much later than the server's timeout a slow client may be cut off.
const SLACK: Duration = Duration::from_secs(5);

/// A kind of slow client.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Slow {
    /// Sends its request headers a line a second, never finishing them.
    Headers,
    /// Sends its headers, then its body a byte a second.
    Body,
}

/// When the faults come, from the start of the run.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Schedule {
    /// Each kill's time and how long the server stays down before its restart.
    pub(super) kills: Vec<(Duration, Duration)>,
    /// Each slow client's start and kind.
    pub(super) slow: Vec<(Duration, Slow)>,
}

/// The faults of a run of `run` drawn from `seed`: one kill per started
/// minute, each at a random time in its share of the middle 80% of the
/// run (so a 60-s run has one, between 6 s and 54 s), down for up to
/// 1.5 s; two slow clients plus one per two minutes, in the first 60%,
/// each away from the kills when it can be (so that a kill does not cut it
/// short before the server's timeout has had its say).
pub(super) fn schedule(seed: u64, run: Duration) -> Schedule {
    let mut rng = fastrand::Rng::with_seed(seed);
    let seconds = run.as_secs_f64();
    let kills_count = (seconds / 60.0).round().max(1.0) as u32;
    let share = 0.8 * seconds / f64::from(kills_count);
    let kills: Vec<(Duration, Duration)> = (0..kills_count)
        .map(|n| {
            let at = 0.1 * seconds + share * (f64::from(n) + 0.1 + 0.8 * rng.f64());
            let down = Duration::from_millis(rng.u64(0..=1_500));
            (Duration::from_secs_f64(at), down)
        })
        .collect();
    let slow_count = 2 + (run.as_secs() / 120).min(8);
    let lasts = HEADER_TIMEOUT_SECS.max(BODY_TIMEOUT_SECS) as f64 + SLACK.as_secs_f64() + 2.0;
    let clear = |at: f64| {
        kills.iter().all(|(kill, _)| {
            let kill = kill.as_secs_f64();
            kill < at - 1.0 || kill > at + lasts
        })
    };
    let mut slow: Vec<(Duration, Slow)> = (0..slow_count)
        .map(|n| {
            let mut at = seconds * (0.05 + 0.55 * rng.f64());
            for _ in 0..50 {
                if clear(at) {
                    break;
                }
                at = seconds * (0.05 + 0.55 * rng.f64());
            }
            let kind = if n % 2 == 0 { Slow::Headers } else { Slow::Body };
            (Duration::from_secs_f64(at), kind)
        })
        .collect();
    slow.sort_by_key(|(at, _)| *at);
    Schedule { kills, slow }
}

/// Something that happened to the server, at a time since the start.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Event {
    /// Seconds since the start.
    pub(super) at: f64,
    /// `kill`, `restarted`, `slow-start`, `slow-end`, `fault-start`,
    /// `fault-end`.
    pub(super) kind: &'static str,
    /// What, in words.
    pub(super) detail: String,
}

/// The faults' timeline.
pub(super) struct Timeline {
    started: Instant,
    events: Mutex<Vec<Event>>,
}

impl Timeline {
    /// An empty timeline whose times count from `started`.
    pub(super) fn new(started: Instant) -> Timeline {
        Timeline {
            started,
            events: Mutex::new(Vec::new()),
        }
    }

    /// Adds an event happening now.
    pub(super) fn push(&self, kind: &'static str, detail: String) {
        let at = self.started.elapsed().as_secs_f64();
        let mut events = self.events.lock().unwrap_or_else(PoisonError::into_inner);
        events.push(Event { at, kind, detail });
    }

    /// Adds an event at `at` seconds since the start (a fault window the
    /// proxy opened or closed by the clock).
    pub(super) fn push_at(&self, at: f64, kind: &'static str, detail: String) {
        let mut events = self.events.lock().unwrap_or_else(PoisonError::into_inner);
        events.push(Event { at, kind, detail });
    }

    /// Every event so far, in order.
    pub(super) fn events(&self) -> Vec<Event> {
        let mut events = self.events.lock().unwrap_or_else(PoisonError::into_inner).clone();
        events.sort_by(|a, b| a.at.total_cmp(&b.at));
        events
    }

    /// Whether a kill came between `from` and `to` (seconds since the start).
    pub(super) fn killed_between(&self, from: f64, to: f64) -> bool {
        let events = self.events.lock().unwrap_or_else(PoisonError::into_inner);
        events
            .iter()
            .any(|event| event.kind == "kill" && from <= event.at && event.at <= to)
    }
}

/// Kills and restarts the server at the scheduled times until `stop_at`;
/// how many restarts. Fails if an incarnation does not answer `/health`
/// within [`server::STARTUP`].
pub(super) async fn kill_and_restart(
    server: Arc<Mutex<Server>>,
    kills: Vec<(Duration, Duration)>,
    started: Instant,
    stop_at: Instant,
    incarnation: Arc<AtomicU32>,
    timeline: Arc<Timeline>,
) -> anyhow::Result<u32> {
    let mut restarts = 0;
    for (at, down) in kills {
        let when = started + at;
        if when >= stop_at {
            break;
        }
        tokio::time::sleep_until(when.into()).await;
        let addr = {
            let mut server = server.lock().unwrap_or_else(PoisonError::into_inner);
            let (pid, number) = (server.pid().unwrap_or_default(), server.incarnation());
            // On the timeline first: a client cut off by the kill must find it there.
            timeline.push("kill", format!("kill -9 of incarnation {number} (pid {pid})"));
            server.kill();
            server.addr()
        };
        tokio::time::sleep(down).await;
        let number = {
            let mut server = server.lock().unwrap_or_else(PoisonError::into_inner);
            server.restart()?;
            server.incarnation()
        };
        incarnation.store(number, Ordering::Relaxed);
        let took = server::wait_healthy(addr).await?;
        restarts += 1;
        timeline.push(
            "restarted",
            format!(
                "incarnation {number} answers /health {} ms after its start (down {} ms before it)",
                took.as_millis(),
                down.as_millis()
            ),
        );
    }
    Ok(restarts)
}

/// How one slow client ended.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct SlowOutcome {
    /// Which kind.
    pub(super) kind: Slow,
    /// When it started, seconds since the start of the run.
    pub(super) from: f64,
    /// When it ended.
    pub(super) to: f64,
    /// Whether the server timed it out as it should have.
    pub(super) timed_out: bool,
    /// Whether a kill cut it short (then it says nothing); set once the
    /// run is over ([`Timeline::killed_between`]).
    pub(super) cut_by_kill: bool,
    /// What happened, in words.
    pub(super) detail: String,
}

/// Runs the slow clients at their scheduled times; their outcomes.
pub(super) async fn slow_clients(
    addr: SocketAddr,
    slow: Vec<(Duration, Slow)>,
    started: Instant,
    timeline: Arc<Timeline>,
) -> Vec<SlowOutcome> {
    let mut tasks = Vec::new();
    for (n, (at, kind)) in slow.into_iter().enumerate() {
        let timeline = Arc::clone(&timeline);
        tasks.push(tokio::spawn(async move {
            tokio::time::sleep_until((started + at).into()).await;
            let from = started.elapsed().as_secs_f64();
            timeline.push("slow-start", format!("slow client {n} ({kind:?})"));
            let source = IpAddr::V4(Ipv4Addr::new(127, 2, 0, u8::try_from(n % 250).unwrap_or(0) + 1));
            let (timed_out, detail) = match kind {
                Slow::Headers => slow_headers(addr, source).await,
                Slow::Body => slow_body(addr, source).await,
            };
            let to = started.elapsed().as_secs_f64();
            timeline.push("slow-end", format!("slow client {n} ({kind:?}): {detail}"));
            SlowOutcome {
                kind,
                from,
                to,
                timed_out,
                cut_by_kill: false,
                detail,
            }
        }));
    }
    let mut outcomes = Vec::new();
    for task in tasks {
        if let Ok(outcome) = task.await {
            outcomes.push(outcome);
        }
    }
    outcomes
}

/// A connection from `source` to `addr`.
async fn connect(addr: SocketAddr, source: IpAddr) -> std::io::Result<tokio::net::TcpStream> {
    let socket = tokio::net::TcpSocket::new_v4()?;
    socket.bind(SocketAddr::new(source, 0))?;
    socket.connect(addr).await
}

/// Request headers a line a second, never finished: the server must close
/// the connection after its header timeout.
async fn slow_headers(addr: SocketAddr, source: IpAddr) -> (bool, String) {
    let timeout = Duration::from_secs(HEADER_TIMEOUT_SECS);
    let Ok(mut stream) = connect(addr, source).await else {
        return (false, "could not connect".to_owned());
    };
    let started = Instant::now();
    let mut line = 0;
    let mut first: Vec<u8> = format!("GET /health HTTP/1.1\r\nHost: {addr}\r\n").into_bytes();
    let mut buffer = [0u8; 512];
    loop {
        if stream.write_all(&first).await.is_err() {
            return judged(
                started.elapsed(),
                timeout,
                "the server closed the connection (a write failed)",
            );
        }
        line += 1;
        first = format!("X-Slow-{line}: {line}\r\n").into_bytes();
        match tokio::time::timeout(Duration::from_secs(1), stream.read(&mut buffer)).await {
            Ok(Ok(0) | Err(_)) => return judged(started.elapsed(), timeout, "the server closed the connection"),
            Ok(Ok(read)) => {
                let answer = String::from_utf8_lossy(&buffer[..read]);
                let status = answer.lines().next().unwrap_or_default().to_owned();
                return judged(started.elapsed(), timeout, &format!("the server answered `{status}`"));
            }
            Err(_) => {}
        }
        if started.elapsed() > timeout + SLACK * 2 {
            return (
                false,
                format!(
                    "still open after {:.1} s of dribbled headers",
                    started.elapsed().as_secs_f64()
                ),
            );
        }
    }
}

/// Headers at once, then a body a byte a second: the server must answer 408.
async fn slow_body(addr: SocketAddr, source: IpAddr) -> (bool, String) {
    let timeout = Duration::from_secs(BODY_TIMEOUT_SECS);
    let Ok(mut stream) = connect(addr, source).await else {
        return (false, "could not connect".to_owned());
    };
    let body = br#"{"email":"slow@soak.example.com","password":"Slow-pass-1A","padding":"........"}"#;
    let head = format!(
        "POST /auth/login HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
        body.len()
    );
    if stream.write_all(head.as_bytes()).await.is_err() {
        return (false, "could not send the headers".to_owned());
    }
    let started = Instant::now();
    let mut buffer = [0u8; 2048];
    for byte in body.iter().take(body.len() - 1) {
        if stream.write_all(&[*byte]).await.is_err() {
            return judged(
                started.elapsed(),
                timeout,
                "the server closed the connection (a write failed)",
            );
        }
        match tokio::time::timeout(Duration::from_secs(1), stream.read(&mut buffer)).await {
            Ok(Ok(0) | Err(_)) => {
                return (
                    false,
                    format!(
                        "the server closed the connection after {:.1} s without a 408",
                        started.elapsed().as_secs_f64()
                    ),
                );
            }
            Ok(Ok(read)) => {
                let answer = String::from_utf8_lossy(&buffer[..read]);
                let status = answer.lines().next().unwrap_or_default().to_owned();
                let (in_time, detail) = judged(started.elapsed(), timeout, &format!("the server answered `{status}`"));
                return (in_time && status.starts_with("HTTP/1.1 408"), detail);
            }
            Err(_) => {}
        }
    }
    (
        false,
        format!(
            "the whole body but one byte went in {:.1} s without an answer",
            started.elapsed().as_secs_f64()
        ),
    )
}

/// Whether a client cut off after `elapsed` was cut off in time for a
/// `timeout`, and what happened in words.
fn judged(elapsed: Duration, timeout: Duration, what: &str) -> (bool, String) {
    let in_time = elapsed + Duration::from_secs(1) >= timeout && elapsed <= timeout + SLACK;
    let detail = format!(
        "{what} after {:.1} s (its timeout: {} s)",
        elapsed.as_secs_f64(),
        timeout.as_secs()
    );
    (in_time, detail)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_short_run_has_a_kill_and_slow_clients_in_its_middle() {
        let schedule = schedule(1, Duration::from_secs(60));
        assert_eq!(schedule.kills.len(), 1);
        let (at, down) = schedule.kills[0];
        assert!(at >= Duration::from_secs(6) && at <= Duration::from_secs(54), "{at:?}");
        assert!(down <= Duration::from_millis(1_500));
        assert_eq!(schedule.slow.len(), 2);
        assert_eq!(
            schedule,
            super::schedule(1, Duration::from_secs(60)),
            "the seed decides"
        );
    }

    #[test]
    fn slow_clients_keep_clear_of_the_kills() {
        for seed in 0..50 {
            let schedule = schedule(seed, Duration::from_secs(60));
            let kill = schedule.kills[0].0.as_secs_f64();
            for (at, _) in &schedule.slow {
                let at = at.as_secs_f64();
                assert!(
                    kill < at - 1.0 || kill > at + 17.0,
                    "seed {seed}: kill at {kill}, slow client at {at}"
                );
            }
        }
    }

    #[test]
    fn longer_runs_have_a_kill_a_minute_in_order() {
        let schedule = schedule(7, Duration::from_secs(600));
        assert_eq!(schedule.kills.len(), 10);
        assert!(schedule.kills.windows(2).all(|pair| pair[0].0 < pair[1].0));
        assert_eq!(schedule.slow.len(), 7);
    }

    #[test]
    fn a_cut_off_is_judged_against_the_timeout() {
        let timeout = Duration::from_secs(10);
        assert!(judged(Duration::from_millis(10_200), timeout, "closed").0);
        assert!(!judged(Duration::from_secs(2), timeout, "closed").0);
        assert!(!judged(Duration::from_secs(30), timeout, "closed").0);
    }
}
