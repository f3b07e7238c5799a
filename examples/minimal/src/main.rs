//! `minimal`: the Lambda when `AWS_LAMBDA_RUNTIME_API` is set, else a local
//! server on `127.0.0.1:$PORT` (default 3000; `0` picks a free port) that
//! also runs the job on its schedule and delivers the app's events to the
//! consumer.

use std::net::{Ipv4Addr, SocketAddr};
use std::process::ExitCode;
use std::sync::Arc;

use minimal::Notes;
use route_framework::event::EventDispatcher;
use route_framework::event::Message;
use route_framework::server::{self, Server};
use tokio::sync::mpsc;

fn main() -> ExitCode {
    let lambda = std::env::var_os("AWS_LAMBDA_RUNTIME_API").is_some();
    // Held to the end: dropping it writes out the last queued log lines.
    let _logs = route_framework::logging::init(lambda);
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(runtime) => runtime,
        Err(err) => {
            eprintln!("error: cannot start the async runtime: {err}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(lambda)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {err}");
            ExitCode::FAILURE
        }
    }
}

/// Serves until stopped: Lambda events, or local HTTP requests.
async fn run(lambda: bool) -> Result<(), String> {
    let (sender, queue) = mpsc::unbounded_channel();
    let (dispatcher, events) = minimal::dispatchers(Notes::new(sender)).map_err(|err| err.to_string())?;
    if lambda {
        return route_framework::lambda::run(dispatcher, events)
            .await
            .map_err(|err| err.to_string());
    }
    let port = match std::env::var("PORT") {
        Ok(port) => port.parse().map_err(|_| format!("PORT=`{port}` is not a port"))?,
        Err(_) => 3000,
    };
    let server = Server::bind(SocketAddr::from((Ipv4Addr::LOCALHOST, port)))
        .await
        .map_err(|err| format!("cannot listen on 127.0.0.1:{port}: {err}"))?;
    let addr = server.local_addr().map_err(|err| err.to_string())?;
    tracing::info!(%addr, "listening");
    // Both stop when they are dropped, as `run` returns.
    let _schedules = events.spawn_schedules();
    let _consumers = tokio::spawn(deliver(events, queue));
    server.serve(dispatcher, None, server::shutdown_signal()).await;
    Ok(())
}

/// Delivers what the app publishes to its consumers, one message at a time,
/// as the queue's event source does in Lambda. A failed message is logged
/// by the dispatcher, with its reason.
async fn deliver(events: Arc<EventDispatcher>, mut queue: mpsc::UnboundedReceiver<Message>) {
    while let Some(message) = queue.recv().await {
        let request_id = message.id.clone();
        events.deliver(vec![message], &request_id).await;
    }
}
