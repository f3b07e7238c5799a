//! Contract fuzzing: schemathesis, every check, against a fresh local server.
//!
//! The server is the debug `api-handler` binary on 127.0.0.1, on the
//! embedded backend with an empty data directory under
//! `target/schemathesis/`, or on the aws backend with fresh resources in
//! moto; the document is the registry's OpenAPI document; requests carry the
//! access token of a user registered for the run. A fixed seed and one
//! worker make runs repeatable; any failed check fails `cargo xtask test`.
//! The server is stopped however the run ends.

use std::net::SocketAddr;
use std::path::Path;
use std::process::Command;

use anyhow::{Context, bail};
use api_handler::store::aws::AwsSettings;
use serde_json::json;

use crate::local_server::{self, Server, request};
use crate::util::project_root;
use crate::{provision, tools};

/// Examples per operation and phase (the coverage phase adds its own).
const MAX_EXAMPLES: &str = "100";
/// The generation seed; `CONTRACT_SEED` picks another one (to explore, not for CI).
const SEED: &str = "20261125";
/// Credentials of the user the run acts as.
const EMAIL: &str = "schemathesis@example.com";
const PASSWORD: &str = "Contract-Fuzz-1";

/// The backend the fuzzed server runs on.
pub(crate) enum Backend<'a> {
    /// SQLite in a fresh data directory.
    Embedded,
    /// Fresh resources in the moto at this endpoint.
    Aws(&'a str),
}

/// The operation that revokes the run's token.
const SIGN_OUT_ALL: &str = "logout_all";
/// The operation moto 5.2.5 cannot serve: it has no `RevokeToken` (it
/// answers 500). The aws adapter's call is tested through a proxy that plays
/// Cognito's part (`api-handler/tests/app_account.rs`); the embedded run
/// fuzzes the route.
const NOT_ON_MOTO: &str = "logout";

/// One schemathesis run against the server at `addr`, on the operations
/// `filter` (flags and operation ids) selects.
fn schemathesis(
    venv: &tools::Venv,
    work: &Path,
    document: &Path,
    addr: SocketAddr,
    token: &str,
    filter: &[(&str, &str)],
) -> anyhow::Result<std::process::ExitStatus> {
    Command::new(venv.bin("st"))
        .current_dir(work)
        .env("NO_COLOR", "1")
        .env("NO_PROXY", "127.0.0.1,localhost")
        .env("HYPOTHESIS_STORAGE_DIRECTORY", work.join("hypothesis"))
        .arg("--config-file")
        .arg(project_root().join("xtask/tools/schemathesis.toml"))
        .arg("run")
        .arg(document)
        .args(["--url", &format!("http://{}", addr)])
        .args(["--header", &format!("Authorization: Bearer {token}")])
        .args([
            "--checks",
            "all",
            "--max-examples",
            MAX_EXAMPLES,
            "--seed",
            SEED,
            "--workers",
            "1",
        ])
        .args(filter.iter().flat_map(|(flag, id)| [*flag, *id]))
        .arg("--no-color")
        .status()
        .context("cannot run schemathesis")
}

/// Builds the server, runs schemathesis against it on `backend` and fails on any failure.
pub(crate) fn run(backend: Backend<'_>) -> anyhow::Result<()> {
    let venv = tools::venv()?;
    local_server::build()?;
    let (name, aws) = match backend {
        Backend::Embedded => ("embedded", None),
        Backend::Aws(endpoint) => {
            let prefix = format!("contract{}", std::process::id());
            ("aws", Some(provision::provision_into(endpoint, &prefix)?))
        }
    };
    let work = tools::fresh_dir(project_root().join("target/schemathesis").join(name))?;
    let document = work.join("openapi.json");
    std::fs::write(
        &document,
        serde_json::to_string_pretty(&api_handler::openapi::document())?,
    )
    .with_context(|| format!("cannot write {}", document.display()))?;

    let env = aws.as_ref().map(provision::env_pairs).unwrap_or_default();
    let server = Server::start(&work, &env)?;
    let token = sign_up(server.addr, aws.as_ref())?;
    eprintln!(
        "$ st run {} --url http://{} --checks all (seed {SEED}, {name} backend)",
        document.display(),
        server.addr
    );
    // `POST /auth/logout-all` revokes the run's token: it runs last, alone,
    // once every other operation has been fuzzed with the token.
    let mut skipped = vec![("--exclude-operation-id", SIGN_OUT_ALL)];
    if aws.is_some() {
        skipped.push(("--exclude-operation-id", NOT_ON_MOTO));
    }
    let mut status = schemathesis(&venv, &work, &document, server.addr, &token, &skipped)?;
    if status.success() {
        let last = [("--include-operation-id", SIGN_OUT_ALL)];
        status = schemathesis(&venv, &work, &document, server.addr, &token, &last)?;
    }
    drop(server);
    if !status.success() {
        bail!(
            "schemathesis found requests the server answers against its own OpenAPI document ({status}); \
             each failure above has a curl line to reproduce it against `cargo run`"
        );
    }
    Ok(())
}

/// Registers the run's user (confirming it in the emulator's pool on the
/// aws backend) and logs in; returns the access token.
fn sign_up(addr: SocketAddr, aws: Option<&AwsSettings>) -> anyhow::Result<String> {
    let credentials = json!({ "email": EMAIL, "password": PASSWORD });
    let (status, body) = request(addr, "POST", "/auth/register", Some(&credentials))?;
    if status != 201 {
        bail!("registering the fuzzing user failed: {status} {body}");
    }
    if let Some(settings) = aws {
        provision::confirm(settings, EMAIL)?;
    }
    let (status, body) = request(addr, "POST", "/auth/login", Some(&credentials))?;
    match (status, body["accessToken"].as_str()) {
        (200, Some(token)) => Ok(token.to_owned()),
        _ => bail!("logging in the fuzzing user failed: {status} {body}"),
    }
}
