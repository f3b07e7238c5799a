//! `cargo xtask example`: the second app, `examples/minimal/`, checked where
//! it is (clippy, its tests, `gen-routes --check`), then started anew
//! outside the workspace as the README's "Start a new app" says: copied,
//! its path dependencies pointed at this checkout, built, served and its
//! Terraform rendered; and a second copy built into the same target
//! directory, which must never mix the two copies' files.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use anyhow::{Context, bail, ensure};

use crate::util::{Running, cargo_in, project_root, read};

/// The example, relative to the project root.
const EXAMPLE: &str = "examples/minimal";

/// The manifests whose path dependencies point back at the framework, with
/// the relative path each uses.
const MANIFESTS: [(&str, &str); 2] = [
    ("Cargo.toml", "../../route-framework"),
    ("xtask/Cargo.toml", "../../../route-framework"),
];

/// The example in place: lints, tests, fresh Terraform.
pub(crate) fn check() -> anyhow::Result<()> {
    let dir = project_root().join(EXAMPLE);
    let target = shared_target_dir();
    let target = target.to_string_lossy();
    for args in [
        &["clippy", "--workspace", "--all-targets", "--", "-D", "warnings"][..],
        &["test", "--workspace"],
        &["xtask", "gen-routes", "--check"],
    ] {
        cargo_in(&dir, args, &[("CARGO_TARGET_DIR", &target)])?;
    }
    Ok(())
}

/// "Start a new app", followed in a temporary directory: two copies of the
/// example built into one target directory of their own.
pub(crate) fn start_a_new_app() -> anyhow::Result<()> {
    let scratch = tempfile::Builder::new()
        .prefix("new-app-")
        .tempdir()
        .context("cannot create a temporary directory")?;
    // Not the workspace's: a copy of a package shares Cargo's fingerprints
    // with every other copy laid out alike in one target directory.
    let target = project_root().join("target").join("new-app");
    let target = target.to_string_lossy().into_owned();
    let env = [("CARGO_TARGET_DIR", target.as_str())];

    // The first app, as a newcomer starts it.
    let first = scratch.path().join("my-app");
    copy_example(&first)?;
    cargo_in(&first, &["build", "--workspace"], &env)?;
    serve_and_post_a_note(&Path::new(&target).join("debug").join("minimal"), &first)?;
    for file in ["routes.gen.tf", "events.gen.tf"] {
        let path = first.join("terraform").join(file);
        std::fs::remove_file(&path).with_context(|| format!("cannot remove {}", path.display()))?;
    }
    cargo_in(&first, &["xtask", "gen-routes"], &env)?;
    cargo_in(&first, &["xtask", "gen-routes", "--check"], &env)?;
    for file in ["routes.gen.tf", "events.gen.tf"] {
        let rendered = read(&first.join("terraform").join(file))?;
        let committed = read(&project_root().join(EXAMPLE).join("terraform").join(file))?;
        ensure!(rendered == committed, "the new app's {file} differs from the example's");
    }

    // A second checkout with one more route, built into the same target
    // directory, then removed: the first must still build its own files.
    let second = scratch.path().join("my-app-2");
    copy_example(&second)?;
    let ping = second.join("src").join("routes").join("ping.rs");
    std::fs::write(&ping, PING_ROUTE).with_context(|| format!("cannot write {}", ping.display()))?;
    cargo_in(&second, &["xtask", "gen-routes"], &env)?;
    let routes = read(&second.join("terraform").join("routes.gen.tf"))?;
    ensure!(
        routes.contains("route_key = \"GET /ping\""),
        "the second checkout's new route is not in its Terraform:\n{routes}"
    );
    std::fs::remove_dir_all(&second).with_context(|| format!("cannot remove {}", second.display()))?;
    let lib = first.join("src").join("lib.rs");
    let text = read(&lib)?;
    std::fs::write(&lib, format!("{text}\n")).with_context(|| format!("cannot write {}", lib.display()))?;
    cargo_in(&first, &["xtask", "gen-routes", "--check"], &env)?;
    eprintln!("a new app outside the workspace builds, serves, renders its Terraform, and shares a target directory");
    Ok(())
}

/// The route the second checkout adds.
const PING_ROUTE: &str = "\
//! `GET /ping`: a route only the second checkout has.

use route_framework::prelude::*;

/// Answer a ping.
#[route(\"GET /ping\", public)]
async fn ping() -> NoContent {
    NoContent
}
";

/// Copies the example to `to` (without build output) and points its path
/// dependencies at this checkout's framework, as the README says.
pub(crate) fn copy_example(to: &Path) -> anyhow::Result<()> {
    copy_dir(&project_root().join(EXAMPLE), to)?;
    let framework = project_root().join("route-framework");
    let framework = framework.to_string_lossy();
    for (manifest, relative) in MANIFESTS {
        let path = to.join(manifest);
        let text = read(&path)?;
        let needle = format!("path = \"{relative}\"");
        ensure!(text.contains(&needle), "{} has no `{needle}`", path.display());
        let text = text.replace(&needle, &format!("path = \"{framework}\""));
        std::fs::write(&path, text).with_context(|| format!("cannot write {}", path.display()))?;
    }
    Ok(())
}

/// Copies the tree at `from` to `to`, leaving out `target/` folders.
fn copy_dir(from: &Path, to: &Path) -> anyhow::Result<()> {
    std::fs::create_dir_all(to).with_context(|| format!("cannot create {}", to.display()))?;
    let entries = std::fs::read_dir(from).with_context(|| format!("cannot read {}", from.display()))?;
    for entry in entries {
        let entry = entry.with_context(|| format!("cannot read {}", from.display()))?;
        let (source, name) = (entry.path(), entry.file_name());
        if source.is_dir() {
            if name != "target" {
                copy_dir(&source, &to.join(&name))?;
            }
        } else {
            std::fs::copy(&source, to.join(&name)).with_context(|| format!("cannot copy {}", source.display()))?;
        }
    }
    Ok(())
}

/// Starts the app's binary on a free port, posts a note and reads it back,
/// seen by the consumer.
fn serve_and_post_a_note(binary: &Path, dir: &Path) -> anyhow::Result<()> {
    let mut child = Command::new(binary)
        .current_dir(dir)
        .env("PORT", "0")
        .env("RUST_LOG", "info")
        .env_remove("AWS_LAMBDA_RUNTIME_API")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .with_context(|| format!("cannot start {}", binary.display()))?;
    let stderr = child.stderr.take().context("the server's stderr")?;
    let _running = Running(child);
    let mut lines = BufReader::new(stderr).lines();
    let mut addr = None;
    // Bounded: the address is among the first lines the server logs.
    for _ in 0..20 {
        let Some(Ok(line)) = lines.next() else { break };
        if let Ok(log) = serde_json::from_str::<serde_json::Value>(&line)
            && log["message"] == "listening"
        {
            addr = log["addr"].as_str().and_then(|addr| addr.parse::<SocketAddr>().ok());
            break;
        }
    }
    let Some(addr) = addr else {
        bail!("the new app's server logged no address");
    };
    // Keep reading its log, so a full pipe never blocks it.
    std::thread::spawn(move || lines.for_each(drop));

    let (status, body) = request(addr, "POST", "/notes", Some(r#"{"text":"hello"}"#))?;
    ensure!(status == 201, "POST /notes answered {status}: {body}");
    // The consumer marks the note seen shortly after: bounded polling.
    for _ in 0..50 {
        let (status, body) = request(addr, "GET", "/notes", None)?;
        ensure!(status == 200, "GET /notes answered {status}: {body}");
        let list: serde_json::Value = serde_json::from_str(&body).context("GET /notes is not JSON")?;
        if list["notes"][0]["seen"] == true {
            ensure!(list["notes"][0]["text"] == "hello", "GET /notes: {body}");
            return Ok(());
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    bail!("the note was never seen by the consumer")
}

/// One HTTP/1.1 request on its own connection: the status and the body.
fn request(addr: SocketAddr, method: &str, path: &str, json: Option<&str>) -> anyhow::Result<(u16, String)> {
    let mut stream = TcpStream::connect(addr).with_context(|| format!("cannot connect to {addr}"))?;
    stream.set_read_timeout(Some(Duration::from_secs(10)))?;
    let body = json.unwrap_or_default();
    let content_type = if json.is_some() {
        "content-type: application/json\r\n"
    } else {
        ""
    };
    write!(
        stream,
        "{method} {path} HTTP/1.1\r\nhost: {addr}\r\nconnection: close\r\n{content_type}content-length: {}\r\n\r\n{body}",
        body.len()
    )?;
    let mut answer = String::new();
    stream.read_to_string(&mut answer).context("reading the answer")?;
    let status = answer
        .split(' ')
        .nth(1)
        .and_then(|code| code.parse().ok())
        .with_context(|| format!("not an HTTP answer: {answer}"))?;
    let body = answer.split_once("\r\n\r\n").map(|(_, body)| body).unwrap_or_default();
    Ok((status, body.to_owned()))
}

/// The workspace's own target directory (or the one Cargo was told to use).
fn shared_target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR").map_or_else(|| project_root().join("target"), PathBuf::from)
}
