//! Project automation, run as `cargo xtask <command>`.
//!
//! Commands:
//! - `fmt [--check]`: rustfmt over every Rust file, included route files too.
//! - `gen-routes [--check]`: write `terraform/routes.gen.tf`,
//!   `terraform/events.gen.tf` and `docs/openapi.json` from the route,
//!   consumer and job registries.
//! - `openapi [--breaking BASE | --breaking-cases]`: print the OpenAPI
//!   document of the route registry; or fail if `docs/openapi.json` breaks
//!   clients of the one at a git ref; or check that check on every kind of
//!   break made on purpose.
//! - `client [--check]`: the TypeScript client's types from `docs/openapi.json`
//!   (`--check`: stale types fail, then it is compiled and its tour run
//!   against a local server).
//! - `routes`: print the routes, consumers and jobs.
//! - `contract [--backend embedded|aws]`: schemathesis, every check, against
//!   a fresh local server.
//! - `deny`: cargo-deny's licence, ban and source checks (`deny.toml`) over
//!   both workspaces, offline (advisories: the `advisories` job of ci.yml).
//! - `docs-page`: the local server's API docs page in headless Chromium
//!   (Playwright): no other origin, no error, every operation's summary
//!   shown; its vendored Swagger UI byte for byte the pinned npm release.
//! - `lint`: checkov, actionlint and hadolint over terraform/, the
//!   workflows and the Dockerfile.
//! - `moto [--port PORT]`: the AWS emulator, in the foreground.
//! - `new route|consumer|job …`: a new endpoint, consumer or job file in an
//!   app, with its test, then `gen-routes` (`new self-test`: end to end on a
//!   copy of `examples/minimal/`).
//! - `drift --api-id ID [--endpoint URL]`: the deployed API Gateway's routes
//!   against the registry; fails on any difference.
//! - `dlq [--backend embedded|aws] [--data-dir DIR] list | show ID |
//!   redrive (--all | ID…)`: the dead-letter queue, looked at and emptied.
//! - `emf`: the metrics in the deployed Lambda's log lines, checked from its
//!   output under the Runtime API emulator, against a moto started for it.
//! - `provision --endpoint URL [--prefix NAME]`: the aws backend's resources
//!   in an emulator, and the environment the server needs.
//! - `example`: the second app (`examples/minimal/`) checked in place, then
//!   started anew outside the workspace as the README says.
//! - `test`: every check CI runs (rustfmt, clippy, gen-routes --check, the
//!   linters, all tests, contract fuzzing).
//! - `soak [--backend embedded|aws] [--minutes N | --seconds N] [--users U]
//!   [--seed S] [--record]`: the release server under simulated users and
//!   seeded faults (kill -9, slow clients), then every invariant checked.
//! - `bench`: the Lambda against the Python design it replaces (cold start,
//!   warm round trip, memory, size), the local server under load next to
//!   bare hyper, the in-process criterion benchmarks and build times, all
//!   written to `bench/RESULTS.md`.

mod bench;
mod client;
mod contract;
mod deny;
mod diff;
mod dlq;
mod docs_page;
mod drift;
mod emf;
mod example;
mod fmt;
mod gen_routes;
#[cfg(test)]
mod infra;
mod lint;
mod local_server;
mod moto;
mod new;
mod node;
mod openapi;
mod provision;
mod soak;
mod terraform;
mod test;
#[cfg(test)]
mod tidy;
mod tools;
mod util;

use std::process::ExitCode;

const USAGE: &str = "\
cargo xtask <command>

commands:
  fmt [--check]         rustfmt every Rust file in the workspace (cargo fmt misses
                        the route files modules!() declares)
  gen-routes [--check]  write terraform/routes.gen.tf (#[route]), terraform/events.gen.tf
                        (#[on_event], #[schedule]) and docs/openapi.json (--check: fail with a
                        diff if stale)
  openapi [--breaking BASE | --breaking-cases]
                        print the OpenAPI 3.1 document of the registry (gen-routes commits it as
                        docs/openapi.json); --breaking: fail, naming each route and field, if
                        docs/openapi.json breaks clients of the one committed at the git ref BASE
                        (redocly diff, from target/tools/node); --breaking-cases: each kind of
                        break made on purpose must fail, an addition pass
  client [--check]      write clients/typescript/src/schema.ts from docs/openapi.json (openapi-typescript,
                        pinned by the package's lock file; npm ci into its node_modules) (--check: fail
                        with a diff if stale, then tsc (strict) and examples/tour.ts against a local server)
  routes                print the routes, consumers and jobs (with their handlers' file:line)
  contract [--backend embedded|aws]
                        fuzz the local server against its OpenAPI document (schemathesis,
                        every check; installs pinned Python tools into target/tools/venv;
                        aws: on fresh resources in a moto started for the run)
  deny                  cargo-deny's licences, bans (duplicates reported) and sources (crates.io
                        only) of deny.toml, over both workspaces' Cargo.lock, offline (installs a
                        pinned cargo-deny into target/tools; advisories: ci.yml, on GitHub)
  docs-page             the local server's /docs in headless Chromium (Playwright, pinned npm tools
                        in target/tools/node): fails on a request to another origin, an error, a
                        CSP violation or a summary not shown; screenshot in target/docs-page/.
                        Also the vendored Swagger UI against the swagger-ui-dist release
  lint                  checkov (terraform/, Dockerfile, workflows), actionlint and hadolint,
                        from the tools venv; 0 findings, skips only inline with a reason
  moto [--port PORT]    run the AWS emulator (moto, from the tools venv) on 127.0.0.1
  new route \"METHOD /path/{param}\" [--public] [--name NAME] [--app DIR]
  new consumer EVENT_TYPE [--app DIR]
  new job \"SCHEDULE\" NAME [--app DIR]
                        write src/routes|consumers|jobs/NAME.rs and tests/NAME.rs in the app
                        (default api-handler; a route's NAME is derived from its key, such as
                        create_thing for POST /things/{thingId}), then its gen-routes; refuses
                        a key, type, job or file it has. `new self-test`: all of it on a copy
                        of examples/minimal, built and tested
  drift --api-id ID [--endpoint URL]
                        the deployed API's routes (GetRoutes) against the registry: fails on a route
                        added by hand, a missing one or another authorization (--endpoint: an
                        emulator; without it the default AWS credentials and region)
  dlq [--backend embedded|aws] [--data-dir DIR] list | show ID | redrive (--all | ID..)
                        the dead-letter queue: each message's type, event id, user, receive count
                        and last failure reason; redrive moves messages back for one more delivery,
                        deduplication id kept (embedded: the data directory, default .data; aws: the
                        resources the server's environment names, AWS_ENDPOINT_URL for moto)
  emf                   build the Lambda (--profile lambda), run it under the Runtime API emulator on
                        moto through requests, a failing consumer and a job, and check every metric
                        and dimension of the EMF in its log lines
  provision --endpoint URL [--prefix NAME]
                        create the aws backend's tables, user pool, bucket and queues in an
                        emulator and print the server's environment as KEY=VALUE lines
  terraform             terraform validate of terraform/ with the aws provider from a local mirror
                        (a scratch copy under target/terraform), two broken copies it must refuse,
                        then deploy phases 1 and 3 applied against a moto started for the run and
                        the applied API's routes checked against the registry (drift); skipped,
                        saying so, without terraform or a mirror
  example               examples/minimal: clippy, tests and gen-routes --check in place, then
                        the README's 'Start a new app' in a temporary directory: copied, built,
                        served, its Terraform rendered, a second copy built into the same target dir
  test                  run every check CI runs: rustfmt, clippy, gen-routes --check, lint,
                        tests on both backends (starting moto), contract fuzzing
  soak [--backend embedded|aws] [--minutes N | --seconds N] [--users U] [--seed S] [--record]
                        the release server (jobs and consumer loop on) under U simulated users (default 50)
                        for N minutes (default 5), kill -9 about once a minute and slow clients at seeded
                        times; once the queue has drained, every invariant printed with its count (fails
                        naming each broken one). Output in target/soak/; --record: the `## Soak` section
                        of bench/RESULTS.md (aws: not yet)
  bench [SECTION..] [-- ARGS]
                        lambda: the release Lambda against bench/python-baseline under one
                        Runtime API emulator and moto (cold start, warm round trip, peak RSS,
                        size); load: the local server under oha next to bare hyper; criterion:
                        the in-process benchmarks (ARGS go to criterion); build: gen-routes and
                        rebuild times. No SECTION runs them all. Each replaces its section of
                        bench/RESULTS.md
";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let result = match args.as_slice() {
        ["fmt"] => fmt::run(false),
        ["fmt", "--check"] => fmt::run(true),
        ["gen-routes"] => gen_routes::generate(false),
        ["gen-routes", "--check"] => gen_routes::generate(true),
        ["openapi"] => openapi::print(),
        ["openapi", "--breaking", base] => openapi::breaking(base),
        ["openapi", "--breaking-cases"] => openapi::the_check_catches_every_kind_of_break(),
        ["client"] => client::generate(false),
        ["client", "--check"] => client::check(),
        ["routes"] => {
            print!(
                "{}",
                route_framework::route_table::render(
                    &api_handler::routes(),
                    &api_handler::consumers(),
                    &api_handler::jobs()
                )
            );
            Ok(())
        }
        ["contract"] => contract::run(contract::Backend::Embedded),
        ["contract", "--backend", "embedded"] => contract::run(contract::Backend::Embedded),
        ["contract", "--backend", "aws"] => tools::venv()
            .and_then(|venv| moto::Moto::start(&venv, 0))
            .and_then(|moto| contract::run(contract::Backend::Aws(&moto.endpoint))),
        ["deny"] => deny::run(),
        ["docs-page"] => docs_page::check(),
        ["lint"] => tools::venv().and_then(|venv| lint::run(&venv)),
        ["new", rest @ ..] => new::run(rest),
        ["terraform"] => terraform::validate()
            .and_then(|()| tools::venv())
            .and_then(|venv| moto::Moto::start(&venv, 0))
            .and_then(|moto| match terraform::apply_to_moto(&moto.endpoint)? {
                Some(api_id) => drift::run(&api_id, Some(&moto.endpoint))
                    .and_then(|()| drift::a_route_added_by_hand_is_reported(&api_id, &moto.endpoint)),
                None => Ok(()),
            }),
        ["example"] => example::check().and_then(|()| example::start_a_new_app()),
        ["test"] => test::run(),
        ["moto"] => tools::venv()
            .and_then(|venv| moto::Moto::start(&venv, 5000))
            .and_then(moto::Moto::wait),
        ["moto", "--port", port] => port
            .parse()
            .map_err(|_| anyhow::anyhow!("`{port}` is not a port"))
            .and_then(|port| tools::venv().and_then(|venv| moto::Moto::start(&venv, port)))
            .and_then(moto::Moto::wait),
        ["drift", "--api-id", api_id] => drift::run(api_id, None),
        ["drift", "--api-id", api_id, "--endpoint", endpoint] => drift::run(api_id, Some(endpoint)),
        ["provision", "--endpoint", endpoint] => provision::run(endpoint, provision::DEFAULT_PREFIX),
        ["provision", "--endpoint", endpoint, "--prefix", prefix] => provision::run(endpoint, prefix),
        ["dlq", rest @ ..] => dlq::run(rest),
        ["emf"] => tools::venv()
            .and_then(|venv| moto::Moto::start(&venv, 0))
            .and_then(|moto| emf::check(&moto.endpoint)),
        ["bench", rest @ ..] => bench::run(rest),
        ["soak", rest @ ..] => soak::run(rest),
        ["help" | "--help" | "-h"] => {
            print!("{USAGE}");
            Ok(())
        }
        _ => Err(anyhow::anyhow!("unknown command `{}`\n\n{USAGE}", args.join(" "))),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {err:#}");
            ExitCode::FAILURE
        }
    }
}
