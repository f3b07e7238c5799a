//! `cargo xtask test` and `cargo xtask bench`.

use crate::{
    client, contract, deny, docs_page, drift, emf, example, fmt, gen_routes, lint, moto, new, openapi, soak, terraform,
    tools, util,
};

/// The simulated users of the aws soak `cargo xtask test` runs.
const SOAK_AWS_USERS: &str = "12";
/// The seed of the soak `cargo xtask test` runs.
const SOAK_SEED: &str = "20261207";

/// The variable the aws contract tests read moto's endpoint from.
const MOTO_ENDPOINT_VAR: &str = "MOTO_ENDPOINT_URL";

/// Every check CI runs: format, lints, generated files, the infrastructure
/// linters, contract fuzzing of
/// the local server, then every test suite, the aws contract suite against
/// a moto started for the run (and stopped however it ends).
pub(crate) fn run() -> anyhow::Result<()> {
    fmt::run(true)?;
    util::cargo(&["clippy", "--workspace", "--all-targets", "--", "-D", "warnings"])?;
    // The Lambda's build: the app without its embedded backend.
    util::cargo(&[
        "clippy",
        "--package",
        "api-handler",
        "--no-default-features",
        "--bin",
        "api-handler",
        "--",
        "-D",
        "warnings",
    ])?;
    // The framework with each optional part alone (an app takes only what
    // it uses): none, the Lambda entry point, the local server, JWTs, the
    // docs page.
    for features in ["", "lambda", "server", "jwt", "docs-page"] {
        util::cargo(&[
            "clippy",
            "--package",
            "route-framework",
            "--lib",
            "--no-default-features",
            "--features",
            features,
            "--",
            "-D",
            "warnings",
        ])?;
    }
    eprintln!("$ cargo xtask gen-routes --check");
    gen_routes::generate(true)?;
    // The breaking-change check (ci.yml runs it on pull requests) still
    // catches every kind of break: a tool upgrade that stops fails here.
    eprintln!("$ cargo xtask openapi --breaking-cases");
    openapi::the_check_catches_every_kind_of_break()?;
    // The supply chain: licences, duplicate versions, sources (deny.toml).
    eprintln!("$ cargo xtask deny");
    deny::run()?;
    eprintln!("$ cargo xtask terraform");
    terraform::validate()?;
    let venv = tools::venv()?;
    lint::run(&venv)?;
    // moto lives until this function returns, however it returns.
    let moto = moto::Moto::start(&venv, 0)?;
    // Both deploy phases applied to moto, then its API checked against the
    // registry as deploy.yml checks the real one.
    eprintln!("$ cargo xtask terraform (apply to moto)");
    if let Some(api_id) = terraform::apply_to_moto(&moto.endpoint)? {
        eprintln!("$ cargo xtask drift --api-id {api_id} --endpoint {}", moto.endpoint);
        drift::run(&api_id, Some(&moto.endpoint))?;
        drift::a_route_added_by_hand_is_reported(&api_id, &moto.endpoint)?;
    }
    eprintln!("$ cargo xtask contract");
    contract::run(contract::Backend::Embedded)?;
    // The TypeScript client: its generated types, strict compile, and its
    // tour against a local server.
    eprintln!("$ cargo xtask client --check");
    client::check()?;
    eprintln!("$ cargo xtask docs-page");
    docs_page::check()?;
    // The whole system for a minute under 50 users, a kill -9 and slow
    // clients, then every invariant (the seed fixes what users and faults do).
    eprintln!("$ cargo xtask soak --seconds 60 --users 50 --seed {SOAK_SEED}");
    soak::run(&["--seconds", "60", "--users", "50", "--seed", SOAK_SEED])?;
    eprintln!("$ cargo xtask contract --backend aws");
    contract::run(contract::Backend::Aws(&moto.endpoint))?;
    // The same on the aws backend: moto (its own) behind the fault proxy,
    // with throttling, 5xx, dropped connections and a queue outage too.
    // Fewer users: moto serves about 20 requests a second on one core (it
    // copies the tables a transaction touches), and near that its own
    // slowness times calls out, which no injected fault explains.
    eprintln!("$ cargo xtask soak --backend aws --seconds 60 --users {SOAK_AWS_USERS} --seed {SOAK_SEED}");
    soak::run(&[
        "--backend",
        "aws",
        "--seconds",
        "60",
        "--users",
        SOAK_AWS_USERS,
        "--seed",
        SOAK_SEED,
    ])?;
    // The deployed binary's metrics, read from its own log lines.
    eprintln!("$ cargo xtask emf");
    emf::check(&moto.endpoint)?;
    // The second app: in place, then started anew outside the workspace.
    eprintln!("$ cargo xtask example");
    example::check()?;
    example::start_a_new_app()?;
    eprintln!("$ cargo xtask new self-test");
    new::check()?;
    // The API docs of the framework's crates and the app, every feature's
    // included: every intra-doc link resolves and rustdoc has nothing to
    // warn about.
    util::cargo_with_env(
        &[
            "doc",
            "--no-deps",
            "--package",
            "route-grammar",
            "--package",
            "route-macros",
            "--package",
            "route-framework",
            "--package",
            "api-handler",
            "--all-features",
        ],
        &[("RUSTDOCFLAGS", "-D warnings")],
    )?;
    // What `cargo package` would ship of the framework's crates: their own
    // files only (no `#[path]` into another crate), with their metadata; a
    // working tree with uncommitted changes is listed as it is.
    for package in ["route-grammar", "route-macros", "route-framework"] {
        util::cargo(&["package", "--list", "--allow-dirty", "--package", package])?;
    }
    // Doc tests first: the last runner summary CI reads should be a real suite.
    util::cargo(&["test", "--workspace", "--doc"])?;
    // The tests get a moto of their own: the one above has grown serving
    // terraform, the contract run and emf (moto's heap only grows, and its
    // collector's pauses with it), enough to time out the 100k-entry export.
    drop(moto);
    let moto = moto::Moto::start(&venv, 0)?;
    util::cargo_with_env(
        &["test", "--workspace", "--all-targets"],
        &[(MOTO_ENDPOINT_VAR, moto.endpoint.as_str())],
    )?;
    eprintln!("all checks passed");
    Ok(())
}
