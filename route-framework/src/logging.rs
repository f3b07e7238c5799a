//! Structured logs: JSON lines in Lambda and when piped, readable text on a terminal.

use std::io::IsTerminal;

use tracing_subscriber::EnvFilter;

/// Installs the global `tracing` subscriber; the level comes from `RUST_LOG`
/// (default `info`), and routes panic messages through it. Calling it twice
/// is harmless: the second call keeps the first subscriber.
pub fn init(force_json: bool) {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    let result = if force_json || !std::io::stderr().is_terminal() {
        builder.json().flatten_event(true).with_current_span(false).try_init()
    } else {
        builder.compact().try_init()
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
}
