//! The server under soak: the `--release` `api-handler`, as `cargo run
//! --release` starts it (its jobs and consumer loop included), on the
//! embedded backend or, given the aws backend's environment, on moto; on
//! one port and data directory for every incarnation: killed
//! with `SIGKILL` by the faults, started again, stopped with `SIGTERM` at the
//! end. Each incarnation logs to its own file.

use std::net::{SocketAddr, TcpListener};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};

use crate::util::{self, project_root};

/// How long an incarnation may take to answer `/health`.
pub(super) const STARTUP: Duration = Duration::from_secs(30);
/// How long a `SIGTERM`ed server may take to stop before it is killed.
const STOPPING: Duration = Duration::from_secs(20);
/// The server's body timeout for the soak: a slow body gets its 408 within
/// a short run (the default is 60 s).
pub(super) const BODY_TIMEOUT_SECS: u64 = 10;
/// The server's header timeout (its default, said again so that the slow
/// clients know it).
pub(super) const HEADER_TIMEOUT_SECS: u64 = 10;

/// Builds the release server binary.
pub(super) fn build() -> anyhow::Result<Duration> {
    let started = Instant::now();
    util::cargo(&["build", "--release", "--package", "api-handler", "--bin", "api-handler"])?;
    Ok(started.elapsed())
}

/// A free loopback port, the same for every incarnation.
pub(super) fn free_port() -> anyhow::Result<u16> {
    Ok(TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .context("cannot find a free port")?
        .port())
}

/// The server process, whichever incarnation is running; killed when
/// dropped.
pub(super) struct Server {
    addr: SocketAddr,
    data: PathBuf,
    work: PathBuf,
    child: Option<Child>,
    incarnation: u32,
    env: Vec<(String, String)>,
}

impl Server {
    /// Starts the first incarnation on `port`, with `env` added to its
    /// environment (none: the embedded backend), its data in `work/data`
    /// and its log in `work/server-1.log` (not waiting for it to answer).
    pub(super) fn start(work: &Path, port: u16, env: Vec<(String, String)>) -> anyhow::Result<Server> {
        let mut server = Server {
            addr: SocketAddr::from(([127, 0, 0, 1], port)),
            data: work.join("data"),
            work: work.to_path_buf(),
            child: None,
            incarnation: 0,
            env,
        };
        server.spawn()?;
        Ok(server)
    }

    /// Where it listens.
    pub(super) fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Its data directory.
    pub(super) fn data_dir(&self) -> &Path {
        &self.data
    }

    /// Which incarnation runs (1 for the first).
    pub(super) fn incarnation(&self) -> u32 {
        self.incarnation
    }

    /// The log of incarnation `n`.
    pub(super) fn log_of(&self, n: u32) -> PathBuf {
        self.work.join(format!("server-{n}.log"))
    }

    /// The running incarnation's process id.
    pub(super) fn pid(&self) -> Option<u32> {
        self.child.as_ref().map(Child::id)
    }

    /// Starts the next incarnation.
    fn spawn(&mut self) -> anyhow::Result<()> {
        let next = self.incarnation + 1;
        let log_path = self.log_of(next);
        let log = std::fs::File::create(&log_path).with_context(|| format!("cannot create {}", log_path.display()))?;
        let binary = project_root().join("target/release/api-handler");
        let child = Command::new(&binary)
            .args(["--host", "127.0.0.1", "--port", &self.addr.port().to_string()])
            .arg("--data-dir")
            .arg(&self.data)
            .env_remove("AWS_LAMBDA_RUNTIME_API")
            .env_remove("APP_BACKEND")
            .env_remove("APP_PUBLIC_URL")
            .env_remove("HOST")
            .env_remove("PORT")
            .env("RUST_LOG", "info")
            .env("APP_HEADER_TIMEOUT_SECS", HEADER_TIMEOUT_SECS.to_string())
            .env("APP_BODY_TIMEOUT_SECS", BODY_TIMEOUT_SECS.to_string())
            .envs(self.env.iter().map(|(key, value)| (key, value)))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .with_context(|| format!("cannot start {}", binary.display()))?;
        self.child = Some(child);
        self.incarnation = next;
        Ok(())
    }

    /// `kill -9` of the running incarnation (reaped).
    pub(super) fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Starts the next incarnation on the same port and data directory
    /// (not waiting for it to answer).
    pub(super) fn restart(&mut self) -> anyhow::Result<()> {
        self.kill();
        self.spawn()
    }

    /// Stops the running incarnation as an operator would (`SIGTERM`: it
    /// finishes its requests and relays its outbox), killing it if it takes
    /// longer than [`STOPPING`]; whether it stopped by itself.
    pub(super) fn stop(&mut self) -> anyhow::Result<bool> {
        let Some(mut child) = self.child.take() else {
            return Ok(true);
        };
        let status = Command::new("kill")
            .args(["-TERM", &child.id().to_string()])
            .status()
            .context("cannot run `kill -TERM`")?;
        if !status.success() {
            let _ = child.kill();
            let _ = child.wait();
            bail!("`kill -TERM {}` failed ({status})", child.id());
        }
        let deadline = Instant::now() + STOPPING;
        while Instant::now() < deadline {
            if child.try_wait().context("cannot wait for the server")?.is_some() {
                return Ok(true);
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = child.kill();
        let _ = child.wait();
        Ok(false)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.kill();
    }
}

/// The resident memory (KiB) and open files of process `pid`, from `/proc`.
pub(super) fn process_figures(pid: u32) -> Option<(u64, usize)> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let rss = status
        .lines()
        .find_map(|line| line.strip_prefix("VmRSS:"))
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|kib| kib.parse().ok())?;
    let files = std::fs::read_dir(format!("/proc/{pid}/fd")).ok()?.count();
    Some((rss, files))
}

/// Waits until the server at `addr` answers `GET /health` with 200, at most
/// [`STARTUP`]; how long it took.
pub(super) async fn wait_healthy(addr: SocketAddr) -> anyhow::Result<Duration> {
    let started = Instant::now();
    loop {
        if health(addr).await {
            return Ok(started.elapsed());
        }
        if started.elapsed() > STARTUP {
            bail!("the server on {addr} did not answer /health with 200 within {STARTUP:?}");
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}

/// Whether one `GET /health` on a fresh connection answers 200 within 2 s.
async fn health(addr: SocketAddr) -> bool {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let exchange = async {
        let mut stream = tokio::net::TcpStream::connect(addr).await.ok()?;
        let request = format!("GET /health HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n");
        stream.write_all(request.as_bytes()).await.ok()?;
        let mut head = [0u8; 12];
        stream.read_exact(&mut head).await.ok()?;
        Some(head.starts_with(b"HTTP/1.1 200"))
    };
    matches!(
        tokio::time::timeout(Duration::from_secs(2), exchange).await,
        Ok(Some(true))
    )
}
