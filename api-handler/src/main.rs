//! `api-handler`: the Lambda when `AWS_LAMBDA_RUNTIME_API` is set, else a local server.

use std::process::ExitCode;

use api_handler::settings::{Mode, Settings, USAGE};
use route_framework::logging;

fn main() -> ExitCode {
    let settings = match Settings::from_process() {
        Ok(settings) => settings,
        Err(err) => {
            eprintln!("error: {err}");
            return ExitCode::from(2);
        }
    };
    if settings.mode == Mode::Help {
        print!("{USAGE}");
        return ExitCode::SUCCESS;
    }
    // Held to the end: dropping it writes out the last queued log lines.
    let _logs = logging::init(settings.mode == Mode::Lambda);
    // A Lambda instance handles one event at a time: one thread serves it,
    // with no worker threads to start. The local server uses every core.
    let mut builder = match settings.mode {
        Mode::Lambda => tokio::runtime::Builder::new_current_thread(),
        _ => tokio::runtime::Builder::new_multi_thread(),
    };
    let runtime = match builder.enable_all().build() {
        Ok(runtime) => runtime,
        Err(err) => {
            eprintln!("error: cannot start the async runtime: {err}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(api_handler::run(settings)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            tracing::error!(error = %err, "api-handler stopped");
            eprintln!("error: {err}");
            ExitCode::FAILURE
        }
    }
}
