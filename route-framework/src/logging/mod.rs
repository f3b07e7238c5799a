//! Structured logs: JSON lines in Lambda and when piped, readable text on a terminal.

mod batch;
mod json;

use std::io::IsTerminal;

use tracing_subscriber::EnvFilter;
use tracing_subscriber::fmt::MakeWriter;

use self::json::{JsonFields, JsonLines};

/// Writes out the log lines still waiting when dropped: hold it until the
/// process ends.
#[must_use = "dropping it stops the log writer"]
pub struct Flush {
    _writer: Option<batch::Guard>,
}

/// Installs the global `tracing` subscriber; the level comes from `RUST_LOG`
/// (default `info`), and routes panic messages through it. Calling it twice
/// is harmless: the second call keeps the first subscriber.
///
/// Lines are JSON objects (`timestamp`, `level`, the event's fields, `target`, `spans`)
/// in Lambda and when stderr is not a terminal, readable text on a terminal.
/// In Lambda (`lambda`) each line is written before the call that logs
/// returns, so none is pending when the instance is frozen. Otherwise each
/// thread queues its lines in a buffer of its own, and a writer thread
/// writes them out in batches, at most 25 ms after they are logged: a
/// thread's lines in order, different threads' lines of one batch one
/// thread's after the other's. A logging request waits rather than lose a
/// line when 4 MiB of its thread's are waiting.
pub fn init(lambda: bool) -> Flush {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let json = lambda || !std::io::stderr().is_terminal();
    let batched = if lambda {
        None
    } else {
        batch::start(std::io::stderr()).ok()
    };
    let (result, guard) = match batched {
        Some((writer, guard)) => (install(writer, json, filter), Some(guard)),
        // In Lambda, or if no thread could be started: straight to stderr.
        None => (install(std::io::stderr, json, filter), None),
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

/// A subscriber writing [`init`]'s JSON lines to `writer`, every level
/// included: to install for a scope (`tracing::subscriber::with_default`)
/// in tests and benchmarks.
pub fn json_lines<W>(writer: W) -> impl tracing::Subscriber + Send + Sync
where
    W: for<'a> MakeWriter<'a> + Send + Sync + 'static,
{
    tracing_subscriber::fmt()
        .with_writer(writer)
        .fmt_fields(JsonFields)
        .event_format(JsonLines)
        .finish()
}

/// Installs the subscriber writing to `writer`, JSON lines or compact text.
fn install<W>(writer: W, json: bool, filter: EnvFilter) -> Result<(), Box<dyn std::error::Error + Send + Sync>>
where
    W: for<'a> MakeWriter<'a> + Send + Sync + 'static,
{
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_writer(writer);
    if json {
        builder.fmt_fields(JsonFields).event_format(JsonLines).try_init()
    } else {
        builder.compact().try_init()
    }
}
