//! moto, the AWS emulator, as a child process on a free 127.0.0.1 port:
//! started for the aws contract suite and `cargo xtask moto`, and killed
//! when dropped, however the run ends.

use std::net::{SocketAddr, TcpListener};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};

use crate::local_server::request;
use crate::tools::Venv;
use crate::util::project_root;

/// How long moto may take to answer its first request.
const STARTUP: Duration = Duration::from_secs(60);

/// A running moto server.
pub(crate) struct Moto {
    child: Child,
    /// `http://127.0.0.1:PORT`.
    pub(crate) endpoint: String,
}

impl Moto {
    /// Starts `moto_server` from the tools venv on `port` (0: a free one)
    /// and waits until it answers; its log goes to `target/moto.log`.
    pub(crate) fn start(venv: &Venv, port: u16) -> anyhow::Result<Moto> {
        let port = match port {
            0 => TcpListener::bind("127.0.0.1:0")
                .and_then(|listener| listener.local_addr())
                .context("cannot find a free port")?
                .port(),
            port => port,
        };
        let log_path = project_root().join("target/moto.log");
        let log = std::fs::File::create(&log_path).with_context(|| format!("cannot create {}", log_path.display()))?;
        let child = Command::new(venv.bin("moto_server"))
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .stdin(Stdio::null())
            .stdout(log.try_clone().context("cannot share the moto log")?)
            .stderr(log)
            .spawn()
            .context("cannot start moto_server from target/tools/venv")?;
        let addr = SocketAddr::from(([127, 0, 0, 1], port));
        let moto = Moto {
            child,
            endpoint: format!("http://{addr}"),
        };
        let deadline = Instant::now() + STARTUP;
        loop {
            if matches!(request(addr, "GET", "/moto-api/", None), Ok((200, _))) {
                eprintln!("moto is listening on {}", moto.endpoint);
                return Ok(moto);
            }
            if Instant::now() > deadline {
                bail!("moto did not answer within {STARTUP:?}; see {}", log_path.display());
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Waits until moto exits (for `cargo xtask moto`, stopped with Ctrl-C).
    pub(crate) fn wait(mut self) -> anyhow::Result<()> {
        let status = self.child.wait().context("cannot wait for moto")?;
        bail!("moto stopped ({status})")
    }
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
