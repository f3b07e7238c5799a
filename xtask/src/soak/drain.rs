//! The end of the faults: waiting until the outbox has drained and the
//! consumers are done, then, with the server stopped, the outbox, the queue
//! and the dead-letter queue read through the app's own ports.
//!
//! The outbox is read while the server runs (a read: SQLite in WAL mode
//! takes turns). The queue has no read-only port (a receive leases what it
//! returns), so the consumers are taken as done when the outbox is empty,
//! every message an earlier incarnation leased has come back from its
//! visibility timeout, and the server's log has shown no delivery for a
//! while; the queue itself is read only once the server is stopped.

use std::io::{Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use std::sync::Arc;

use anyhow::Context;
use api_handler::store::Backend;
use api_handler::store::ports::DeadLetters;

use super::findings::{Findings, Invariant};

/// The longest wait for the drain.
const BOUND: Duration = Duration::from_secs(120);
/// How long the log must show no delivery.
const QUIET: Duration = Duration::from_secs(3);
/// How often the outbox and the log are looked at.
const POLL: Duration = Duration::from_millis(500);
/// Items a check of a deleted account's purge looks at.
const PURGE_PAGE: usize = 100;
/// Outbox events counted at most.
const COUNT_LIMIT: usize = 100_000;

/// How the drain went.
#[derive(Debug, Clone)]
pub(super) struct Drain {
    /// How long it took.
    pub(super) waited: Duration,
    /// Events in the outbox when it began.
    pub(super) outbox_at_start: usize,
    /// Deliveries the log showed meanwhile.
    pub(super) deliveries: u64,
    /// Whether every condition held before the bound.
    pub(super) drained: bool,
}

/// The store as the drain reads it: the backend's ports, its dead-letter
/// queue, and how long a leased message stays invisible.
pub(super) struct Store {
    /// The backend's adapters.
    pub(super) backend: Backend,
    /// Its dead-letter queue.
    pub(super) dead_letters: Arc<dyn DeadLetters>,
    /// The queue's visibility timeout.
    pub(super) visibility: Duration,
}

/// The embedded backend of the data directory `dir`, opened beside the
/// server (its migrations already applied, so opening writes nothing).
pub(super) fn embedded(dir: &Path) -> anyhow::Result<Store> {
    let backend = api_handler::store::embedded::open(dir, "http://127.0.0.1:1")
        .map_err(anyhow::Error::msg)
        .with_context(|| format!("cannot open the embedded backend in {}", dir.display()))?;
    let dead_letters = api_handler::store::embedded::dead_letters(dir).map_err(anyhow::Error::msg)?;
    Ok(Store {
        backend,
        dead_letters,
        visibility: api_handler::store::embedded::VISIBILITY_TIMEOUT,
    })
}

/// Waits until the outbox is empty, `settled_from` (the running
/// incarnation's start, or the end of the faults when later) is a
/// visibility timeout and more behind, and the log `log` has shown no
/// delivery for [`QUIET`]; at most [`BOUND`].
pub(super) async fn wait(store: &Store, log: &Path, settled_from: Instant) -> anyhow::Result<Drain> {
    let backend = &store.backend;
    let started = Instant::now();
    let mut tail = LogTail::new(log.to_path_buf());
    tail.read();
    let mut last_delivery = Instant::now();
    let mut outbox_at_start = None;
    let settle = store.visibility + Duration::from_secs(2);
    loop {
        let pending = backend
            .outbox
            .pending(COUNT_LIMIT)
            .await
            .map_err(|err| anyhow::anyhow!("cannot read the outbox: {err}"))?
            .len();
        outbox_at_start.get_or_insert(pending);
        if tail.read() > 0 {
            last_delivery = Instant::now();
        }
        let drained = pending == 0 && settled_from.elapsed() >= settle && last_delivery.elapsed() >= QUIET;
        if drained || started.elapsed() >= BOUND {
            return Ok(Drain {
                waited: started.elapsed(),
                outbox_at_start: outbox_at_start.unwrap_or(pending),
                deliveries: tail.deliveries,
                drained,
            });
        }
        tokio::time::sleep(POLL).await;
    }
}

/// With the server stopped: the outbox, the queue (a receive: whatever it
/// returns was never consumed) and the dead-letter queue, each must be
/// empty.
pub(super) async fn check_store(store: &Store, findings: &Findings) -> anyhow::Result<()> {
    let backend = &store.backend;
    let pending = backend
        .outbox
        .pending(COUNT_LIMIT)
        .await
        .map_err(|err| anyhow::anyhow!("cannot read the outbox: {err}"))?;
    findings.check(Invariant::Outbox, pending.is_empty(), || {
        let kinds: Vec<String> = pending
            .iter()
            .take(5)
            .map(|event| format!("{} {}", event.kind.as_str(), event.event_id))
            .collect();
        format!("{} event(s) still in the outbox, such as {kinds:?}", pending.len())
    });
    let left = backend
        .subscription
        .receive(api_handler::notifications::BATCH, Duration::ZERO)
        .await
        .map_err(|err| anyhow::anyhow!("cannot read the queue: {err}"))?;
    findings.check(Invariant::Queue, left.is_empty(), || {
        let messages: Vec<String> = left
            .iter()
            .map(|received| {
                format!(
                    "{} {}",
                    received.message.event_type.as_deref().unwrap_or("?"),
                    received.message.event_id.as_deref().unwrap_or("?")
                )
            })
            .collect();
        format!("messages never consumed (first {}): {messages:?}", messages.len())
    });
    let letters = store
        .dead_letters
        .list()
        .await
        .map_err(|err| anyhow::anyhow!("cannot read the dead-letter queue: {err}"))?;
    findings.check(Invariant::DeadLetters, letters.is_empty(), || {
        let described: Vec<String> = letters
            .iter()
            .take(5)
            .map(|letter| {
                format!(
                    "{} {} ({})",
                    letter.event_type.as_deref().unwrap_or("?"),
                    letter.event_id.as_deref().unwrap_or("?"),
                    letter
                        .last_failure
                        .as_ref()
                        .map_or("no failure kept", |failure| failure.reason.as_str())
                )
            })
            .collect();
        format!("{} dead letter(s), such as {described:?}", letters.len())
    });
    Ok(())
}

/// With the server stopped: nothing is left of each account in
/// `user_ids` (deleted by their users) but its tombstone. A page of the
/// purge is run for each: it must find nothing to erase.
pub(super) async fn check_purged(store: &Store, user_ids: &[String], findings: &Findings) -> anyhow::Result<()> {
    for user_id in user_ids {
        let left = store
            .backend
            .erasure
            .erase_page(user_id, PURGE_PAGE)
            .await
            .map_err(|err| anyhow::anyhow!("cannot look for what is left of account {user_id}: {err}"))?;
        findings.check(Invariant::Purged, left == 0, || {
            format!("deleted account {user_id}: {left} item(s) were still in the store after the drain")
        });
    }
    Ok(())
}

/// The new lines of a server log, counting deliveries to consumers.
struct LogTail {
    path: PathBuf,
    offset: u64,
    partial: String,
    deliveries: u64,
}

impl LogTail {
    /// A tail of `path` from its start.
    fn new(path: PathBuf) -> LogTail {
        LogTail {
            path,
            offset: 0,
            partial: String::new(),
            deliveries: 0,
        }
    }

    /// Reads what was added since; how many deliveries it shows.
    fn read(&mut self) -> u64 {
        let Ok(mut file) = std::fs::File::open(&self.path) else {
            return 0;
        };
        if file.seek(SeekFrom::Start(self.offset)).is_err() {
            return 0;
        }
        let mut added = Vec::new();
        let Ok(read) = file.read_to_end(&mut added) else {
            return 0;
        };
        self.offset += read as u64;
        self.partial.push_str(&String::from_utf8_lossy(&added));
        let Some(end) = self.partial.rfind('\n') else {
            return 0;
        };
        let complete: String = self.partial.drain(..=end).collect();
        let seen = complete.lines().filter(|line| is_delivery(line)).count() as u64;
        self.deliveries += seen;
        seen
    }
}

/// Whether a log line is a queue message's delivery (consumed, failed,
/// or acknowledged with no consumer).
pub(super) fn is_delivery(line: &str) -> bool {
    line.contains("\"event_type\"") && line.contains("\"message_id\"")
}

/// What the server logs of all incarnations say: deliveries, failed
/// deliveries, and the warnings and errors with a few examples.
#[derive(Debug, Clone, Default)]
pub(super) struct LogSummary {
    /// Deliveries to consumers (or acknowledged without one).
    pub(super) deliveries: u64,
    /// Deliveries that failed.
    pub(super) failed_deliveries: u64,
    /// `WARN` lines.
    pub(super) warnings: u64,
    /// `ERROR` lines.
    pub(super) errors: u64,
    /// The first few warning and error lines.
    pub(super) examples: Vec<String>,
}

/// Reads the logs `paths`.
pub(super) fn summarize(paths: &[PathBuf]) -> LogSummary {
    let mut summary = LogSummary::default();
    for path in paths {
        let Ok(text) = std::fs::read_to_string(path) else {
            continue;
        };
        for line in text.lines() {
            if is_delivery(line) {
                summary.deliveries += 1;
                if line.contains("not consumed") {
                    summary.failed_deliveries += 1;
                }
            }
            let warning = line.contains("\"level\":\"WARN\"");
            let error = line.contains("\"level\":\"ERROR\"");
            summary.warnings += u64::from(warning);
            summary.errors += u64::from(error);
            if (warning || error) && summary.examples.len() < 8 {
                let name = path.file_name().map(|name| name.to_string_lossy()).unwrap_or_default();
                let cut: String = line.chars().take(400).collect();
                summary.examples.push(format!("{name}: {cut}"));
            }
        }
    }
    summary
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deliveries_are_told_from_other_lines() {
        assert!(is_delivery(
            r#"{"level":"INFO","message":"consumed","message_id":"4","event_type":"goal.completed"}"#
        ));
        assert!(!is_delivery(
            r#"{"level":"INFO","message":"request","route":"GET /health"}"#
        ));
    }
}
