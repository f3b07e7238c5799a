//! Structured logs: JSON lines in Lambda and when piped, readable text on a terminal.

use std::io::{BufWriter, IsTerminal};

use tracing_appender::non_blocking::{NonBlockingBuilder, WorkerGuard};
use tracing_subscriber::EnvFilter;

/// Log lines a server queues for its writer thread before a request that
/// logs waits for room: none is ever dropped.
const QUEUED_LINES: usize = 16 * 1024;

/// Writes out the log lines still queued when dropped: hold it until the
/// process ends.
#[must_use = "dropping it stops the log writer"]
pub struct Flush {
    _writer: Option<WorkerGuard>,
}

/// Installs the global `tracing` subscriber; the level comes from `RUST_LOG`
/// (default `info`), and routes panic messages through it. Calling it twice
/// is harmless: the second call keeps the first subscriber.
///
/// In Lambda (`lambda`), lines are JSON and written before the call that
/// logs returns, so none is pending when the instance is frozen. Otherwise
/// a writer thread takes them off the request path and writes them in
/// batches, flushed whenever its queue empties; a full queue makes the
/// logging request wait rather than lose lines.
pub fn init(lambda: bool) -> Flush {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let json = lambda || !std::io::stderr().is_terminal();
    let (result, guard) = if lambda {
        let builder = tracing_subscriber::fmt()
            .with_env_filter(filter)
            .with_writer(std::io::stderr);
        (
            builder.json().flatten_event(true).with_current_span(false).try_init(),
            None,
        )
    } else {
        let (writer, guard) = NonBlockingBuilder::default()
            .buffered_lines_limit(QUEUED_LINES)
            .lossy(false)
            .thread_name("log-writer")
            .finish(BufWriter::new(std::io::stderr()));
        let builder = tracing_subscriber::fmt().with_env_filter(filter).with_writer(writer);
        let result = if json {
            builder.json().flatten_event(true).with_current_span(false).try_init()
        } else {
            builder.compact().try_init()
        };
        (result, Some(guard))
    };
    // Err only means a subscriber is already installed (tests, embedding).
    drop(result);
    // Panics become structured log events too, instead of raw stderr text;
    // the dispatcher separately logs the request id of a panicking handler.
    std::panic::set_hook(Box::new(|info| {
        let location = info
            .location()
            .map(|l| format!("{}:{}", l.file(), l.line()))
            .unwrap_or_default();
        tracing::error!(%location, panic = %info.payload_as_str().unwrap_or("non-string payload"), "panic");
    }));
    Flush { _writer: guard }
}
