//! The local server as the checks run it: the debug `api-handler` binary on
//! a free 127.0.0.1 port, its data and log under a work directory, stopped
//! however the check ends; and the plain HTTP/1.1 request they send it.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use serde_json::Value;

use crate::util::{self, project_root};

/// How long the server may take to answer `/health`.
const STARTUP: Duration = Duration::from_secs(30);

/// Builds the debug server binary the checks start.
pub(crate) fn build() -> anyhow::Result<()> {
    util::cargo(&["build", "--package", "api-handler", "--bin", "api-handler"])
}

/// The local server, killed when dropped.
pub(crate) struct Server {
    child: Child,
    /// Where it listens.
    pub(crate) addr: SocketAddr,
}

impl Server {
    /// Starts the debug binary on a free loopback port with its data in
    /// `work` and the extra environment `env` (the aws backend's).
    pub(crate) fn start(work: &Path, env: &[(String, String)]) -> anyhow::Result<Server> {
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
