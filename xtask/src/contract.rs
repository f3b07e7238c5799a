//! Contract fuzzing: schemathesis, every check, against a fresh local server.
//!
//! The server is the debug `api-handler` binary on 127.0.0.1, on the
//! embedded backend with an empty data directory under
//! `target/schemathesis/`, or on the aws backend with fresh resources in
//! moto; the document is the registry's OpenAPI document; requests carry the
//! access token of a user registered for the run. A fixed seed and one
//! worker make runs repeatable; any failed check fails `cargo xtask test`.
//! The server is stopped however the run ends.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use api_handler::store::aws::AwsSettings;
use serde_json::{Value, json};

use crate::util::{self, project_root};
use crate::{provision, tools};

/// Examples per operation and phase (the coverage phase adds its own).
const MAX_EXAMPLES: &str = "100";
/// The generation seed; `CONTRACT_SEED` picks another one (to explore, not for CI).
const SEED: &str = "20261125";
/// How long the server may take to answer `/health`.
const STARTUP: Duration = Duration::from_secs(30);
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
    util::cargo(&["build", "--package", "api-handler", "--bin", "api-handler"])?;
    let (name, aws) = match backend {
        Backend::Embedded => ("embedded", None),
        Backend::Aws(endpoint) => {
            let prefix = format!("contract{}", std::process::id());
            ("aws", Some(provision::provision_into(endpoint, &prefix)?))
        }
    };
    let work = project_root().join("target/schemathesis").join(name);
    if work.exists() && tools::is_in_target(&work) {
        std::fs::remove_dir_all(&work).with_context(|| format!("cannot clear {}", work.display()))?;
    }
    std::fs::create_dir_all(&work).with_context(|| format!("cannot create {}", work.display()))?;
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

/// The local server, killed when dropped.
struct Server {
    child: Child,
    addr: SocketAddr,
}

impl Server {
    /// Starts the debug binary on a free loopback port with its data in
    /// `work` and the extra environment `env` (the aws backend's).
    fn start(work: &Path, env: &[(String, String)]) -> anyhow::Result<Server> {
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|listener| listener.local_addr())
            .context("cannot find a free port")?
            .port();
        let binary = target_dir().join("debug/api-handler");
        let log = std::fs::File::create(work.join("server.log")).context("cannot create the server log")?;
        let child = Command::new(&binary)
            .args(["--host", "127.0.0.1", "--port", &port.to_string()])
            .arg("--data-dir")
            .arg(work.join("data"))
            .env("RUST_LOG", "warn")
            .env_remove("APP_BACKEND")
            .envs(env.iter().map(|(key, value)| (key.as_str(), value.as_str())))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .with_context(|| format!("cannot start {}", binary.display()))?;
        let server = Server {
            child,
            addr: SocketAddr::from(([127, 0, 0, 1], port)),
        };
        let deadline = Instant::now() + STARTUP;
        loop {
            if matches!(request(server.addr, "GET", "/health", None), Ok((200, _))) {
                return Ok(server);
            }
            if Instant::now() > deadline {
                bail!(
                    "the server did not answer /health within {STARTUP:?}; see {}",
                    work.join("server.log").display()
                );
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `CARGO_TARGET_DIR`, or `target/` in the project root.
fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR").map_or_else(|| project_root().join("target"), PathBuf::from)
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

/// One HTTP/1.1 request with `Connection: close`; returns the status and the JSON body.
pub(crate) fn request(
    addr: SocketAddr,
    method: &str,
    path: &str,
    body: Option<&Value>,
) -> anyhow::Result<(u16, Value)> {
    let payload = body.map(Value::to_string).unwrap_or_default();
    let mut stream = TcpStream::connect_timeout(&addr, Duration::from_secs(2))?;
    stream.set_read_timeout(Some(Duration::from_secs(10)))?;
    write!(
        stream,
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{payload}",
        payload.len()
    )?;
    let mut raw = String::new();
    stream.read_to_string(&mut raw)?;
    let (head, body) = raw.split_once("\r\n\r\n").context("no HTTP response head")?;
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|code| code.parse().ok())
        .context("no HTTP status")?;
    Ok((status, serde_json::from_str(body).unwrap_or(Value::Null)))
}
