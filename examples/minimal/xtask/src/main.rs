//! The minimal app's automation, run as `cargo xtask <command>`:
//!
//! - `gen-routes [--check]`: write `terraform/routes.gen.tf` and
//!   `terraform/events.gen.tf` from the registries (`--check`: fail if stale);
//! - `routes`: print the routes, consumers and jobs.

// Links the app, so its routes, consumers and jobs are in the registries.
use minimal as _;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use route_framework::terraform::{self, Names};

/// The app's own Terraform names (`terraform/main.tf`).
const NAMES: Names = Names {
    generator: "cargo xtask gen-routes",
    api: "aws_apigatewayv2_api.main",
    integration: "aws_apigatewayv2_integration.main",
    authorizer: "aws_apigatewayv2_authorizer.main",
    function: "aws_lambda_function.main",
    queue: "aws_sqs_queue.events",
    fifo_queue: false,
    deploy_condition: None,
    stack_name: "var.name",
    stack_name_max: 32,
};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let result = match args.as_slice() {
        ["gen-routes"] => gen_routes(false),
        ["gen-routes", "--check"] => gen_routes(true),
        ["routes"] => {
            let (routes, consumers, jobs) = (
                route_framework::routes(),
                route_framework::consumers(),
                route_framework::jobs(),
            );
            print!("{}", route_framework::route_table::render(&routes, &consumers, &jobs));
            Ok(())
        }
        _ => Err("usage: cargo xtask gen-routes [--check] | routes".to_owned()),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {err}");
            ExitCode::FAILURE
        }
    }
}

/// Writes (or with `check`, compares) the two generated Terraform files.
fn gen_routes(check: bool) -> Result<(), String> {
    let routes = route_framework::routes();
    route_framework::checks::validate(&routes).map_err(|err| err.to_string())?;
    let events = terraform::events(&route_framework::consumers(), &route_framework::jobs(), &NAMES)
        .map_err(|err| err.to_string())?;
    let dir = root().join("terraform");
    write(&dir.join("routes.gen.tf"), &terraform::routes(&routes, &NAMES), check)?;
    write(&dir.join("events.gen.tf"), &events, check)
}

/// The app's folder: this crate's parent.
fn root() -> PathBuf {
    let xtask = Path::new(env!("CARGO_MANIFEST_DIR"));
    xtask.parent().unwrap_or(xtask).to_path_buf()
}

/// Writes `text` to `path`, or with `check` fails when it differs.
fn write(path: &Path, text: &str, check: bool) -> Result<(), String> {
    let current = std::fs::read_to_string(path).unwrap_or_default();
    if current == text {
        return Ok(());
    }
    if check {
        return Err(format!("{} is stale: run `cargo xtask gen-routes`", path.display()));
    }
    std::fs::write(path, text).map_err(|err| format!("cannot write {}: {err}", path.display()))?;
    println!("wrote {}", path.display());
    Ok(())
}
